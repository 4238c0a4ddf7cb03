"""Web security: the CSRF token on every write, session cookie flags, password hashing,
security headers on every kind of response, and every user text escaped in HTML, checked
with the test client on every page and in a real browser (no script from user data runs,
and the pages themselves need no inline script or style).

Covered elsewhere, not repeated here: login throttling (test_session.py), a fresh session
on login (test_audit.py), the socket origin check (test_live.py), the login form's CSRF token
(test_session.py).
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import url_for
from sqlalchemy import select
from support.databases import BASE_CONFIG

from drafting import create_app
from drafting.extensions import db
from drafting.models import Document, User
from drafting.models.people import DelegationKind, Role
from drafting.services import people

PASSWORD = "demo-password"
CHROMIUM = Path("/usr/bin/chromium")

# --------------------------------------------------------------------------------------------
# CSRF
# --------------------------------------------------------------------------------------------


def login(client, email: str) -> str:
    response = client.post("/api/login", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["csrf_token"]


def route_urls(app, methods: set[str], values: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(endpoint, url) of every route answering one of `methods`, its parameters filled in."""
    with app.test_request_context():
        for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
            if rule.methods & methods:
                params = {name: values[name] for name in rule.arguments}
                yield rule.endpoint, url_for(rule.endpoint, **params)


def state_of(client, document_id: int) -> tuple:
    """What a forged write could change: the document, its amendments, comments, audit log."""
    urls = ["", "/amendments", "/comments", "/reservations", "/audit"]
    return tuple(client.get(f"/api/documents/{document_id}{url}").get_data() for url in urls)


def test_every_form_and_json_write_needs_the_csrf_token(app, demo):
    client, stranger = app.test_client(), app.test_client()
    login(client, "panama@demo.test")
    stolen = login(stranger, "elsalvador@demo.test")  # a valid token, of another session
    values = {
        "document_id": demo.id,
        "paragraph_id": 1,
        "amendment_id": 1,
        "process_id": 1,
        "user_id": 1,
        "token": "forged",
        "notification_id": 1,
        "change_id": "i1.0",
        "ad_ref_id": 1,
        "filing_id": 1,
        "number": 1,
        "name": "open_round",
    }
    before = state_of(client, demo.id)
    accepted = []
    posts = list(route_urls(app, {"POST"}, values))
    assert len(posts) >= 30
    for endpoint, url in posts:
        if endpoint == "api.login":
            continue  # no session to ride on yet; the login form's token is test_web's
        for token in (None, "forged", stolen):
            if endpoint.startswith("api."):
                headers = {"X-CSRFToken": token} if token else {}
                response = client.post(url, json={"reason": "forged"}, headers=headers)
                ok = response.status_code == 400 and "CSRF" in response.get_json()["error"]
            else:
                data = {"csrf_token": token} if token else {}
                response = client.post(url, data={**data, "reason": "forged"})
                ok = response.status_code == 400 and "CSRF" in response.get_data(as_text=True)
            if not ok:
                accepted.append((endpoint, token, response.status_code))
    assert accepted == []
    # A JSON-looking body sent as text/plain (what a cross-site form can send) is refused too.
    forged = client.post(
        f"/api/documents/{demo.id}/transitions/open_round",
        data='{"deadline": "2030-01-01T10:00:00-06:00"}',
        content_type="text/plain",
    )
    assert forged.status_code == 400
    assert state_of(client, demo.id) == before
    assert client.get("/api/me").status_code == 200  # still logged in: nothing was ended


# --------------------------------------------------------------------------------------------
# Session cookies and passwords
# --------------------------------------------------------------------------------------------


def session_cookie(response) -> str:
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert len(cookies) == 1, response.headers.getlist("Set-Cookie")
    return cookies[0]


def test_session_cookie_is_httponly_and_samesite_lax(client, demo):
    response = client.post("/api/login", json={"email": "mexico@demo.test", "password": PASSWORD})
    cookie = session_cookie(response)
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain HTTP on a fresh machine


@pytest.fixture
def app_with(databases, tmp_path, monkeypatch):
    """Build an app from the environment (as `make serve` does) on a copy of the demo."""
    made = []

    def build(env: dict[str, str], **config):
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        monkeypatch.setenv("DRAFTING_INSTANCE", str(tmp_path / "instance"))
        url = databases.new()
        without = config.pop("without", ())
        base = {k: v for k, v in BASE_CONFIG.items() if k not in without}
        application = create_app({**base, "SQLALCHEMY_DATABASE_URI": url, **config})
        made.append((application, url))
        return application

    yield build
    for application, url in made:
        with application.app_context():
            db.session.remove()
            db.engine.dispose()
        databases.drop(url)


def test_session_cookie_is_secure_behind_https(app_with):
    app = app_with({"SESSION_COOKIE_SECURE": "1"})
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    client = app.test_client()
    response = client.post(
        "/api/login",
        json={"email": "mexico@demo.test", "password": PASSWORD},
        base_url="https://drafting.example.org",
    )
    cookie = session_cookie(response)
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_passwords_are_stored_with_scrypt(app_with):
    """The production default (the tests elsewhere use a fast hash for the demo accounts)."""
    app = app_with({}, without={"PASSWORD_HASH_METHOD"})
    assert "PASSWORD_HASH_METHOD" not in app.config
    result = app.test_cli_runner().invoke(
        args=[
            "create-user",
            "--email",
            "new.delegate@example.org",
            "--name",
            "New Delegate",
            "--delegation",
            "MX",
            "--process",
            "1",
            "--role",
            "delegate",
            "--password",
            "a-long-password",
        ]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        stored = db.session.scalar(
            select(User.password_hash).where(User.email == "new.delegate@example.org")
        )
    assert stored.startswith("scrypt:")
    assert "a-long-password" not in stored
    client = app.test_client()
    wrong = {"email": "new.delegate@example.org", "password": "a-wrong-password"}
    assert client.post("/api/login", json=wrong).status_code == 401
    right = {"email": "new.delegate@example.org", "password": "a-long-password"}
    assert client.post("/api/login", json=right).status_code == 200


# --------------------------------------------------------------------------------------------
# Security headers on every kind of response
# --------------------------------------------------------------------------------------------


def csp_problems(policy: str | None) -> list[str]:
    """What is wrong with a Content-Security-Policy for this site (empty when all is well)."""
    if not policy:
        return ["no Content-Security-Policy"]
    directives = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    problems = []
    for name in ("script-src", "style-src"):
        sources = directives.get(name, directives.get("default-src"))
        if sources is None:
            problems.append(f"no {name} (nor default-src)")
            continue
        for unsafe in ("'unsafe-inline'", "'unsafe-eval'", "*", "data:", "http:", "https:"):
            if unsafe in sources:
                problems.append(f"{name} allows {unsafe}")
    if directives.get("frame-ancestors") != ["'none'"]:
        problems.append("frame-ancestors is not 'none'")
    if directives.get("object-src") != ["'none'"]:
        problems.append("object-src is not 'none'")
    if "base-uri" not in directives:
        problems.append("no base-uri")
    return problems


def header_problems(response) -> list[str]:
    problems = csp_problems(response.headers.get("Content-Security-Policy"))
    if response.headers.get("X-Content-Type-Options") != "nosniff":
        problems.append("X-Content-Type-Options is not nosniff")
    if response.headers.get("X-Frame-Options") != "DENY":
        problems.append("X-Frame-Options is not DENY")
    return problems


def test_security_headers_on_every_kind_of_response(app, demo, auth, client):
    auth.login("mexico@demo.test")
    paragraph = demo.paragraph("8.a")
    filed = auth.post(
        f"/api/documents/{demo.id}/amendments",
        {
            "kind": "modify",
            "paragraph_id": paragraph["id"],
            "text": "Decline it.",
            "rationale": "R.",
        },
    )
    assert filed.status_code == 201
    values = {
        "document_id": demo.id,
        "paragraph_id": paragraph["id"],
        "amendment_id": filed.get_json()["id"],
        "process_id": 1,
        "user_id": 1,
        "token": "forged",
        "notification_id": 1,
        "change_id": "i1.0",
        "ad_ref_id": 1,
        "filing_id": 1,
        "number": 1,
        "filename": "css/app.css",
        "name": "open_round",
    }
    gets = [url for _, url in route_urls(app, {"GET"}, values)]
    extra = [
        f"/api/documents/{demo.id}/export?format=docx",
        f"/api/documents/{demo.id}/export?format=akn",
        f"/api/documents/{demo.id}/export?format=html",
        "/static/js/common.js",
        "/documents/999999",  # 404 page
        "/api/documents/999999",  # 404 JSON
        "/api/login",  # 405
        "/login?next=//evil.example",
    ]
    problems = []
    for who in ("mexico@demo.test", None):
        http = app.test_client()
        if who:
            login(http, who)
        for url in gets + extra:
            response = http.get(url)
            problems += [(who, url, response.status_code, p) for p in header_problems(response)]
        # A refused write, a redirect to the login form, a 401 for the API.
        for response in (
            http.post("/api/logout"),
            http.get("/account"),
            http.get("/api/me"),
        ):
            problems += [(who, response.request.path, response.status_code, p)
                         for p in header_problems(response)]  # fmt: skip
    assert problems == []


# --------------------------------------------------------------------------------------------
# Every user text escaped: payloads in every field, every page read
# --------------------------------------------------------------------------------------------

PAYLOADS = (
    "<script>window.__xss=1</script>",
    '<img src=x onerror="window.__xss=1">',
    '"><svg onload=window.__xss=1>',
)
# Markup from user data that must never reach a page unescaped.
RAW = re.compile(r"<script>window\.__xss|<img src=x|<svg onload|<b>XS</b>", re.IGNORECASE)
XSS_EMAIL = "xss@demo.test"
XSS_CODE = "<b>XS</b>"  # a delegation code is free text to the CLI too


def hostile(field: str) -> str:
    """A text carrying all three payloads, tagged with its field so pages can be searched."""
    return f"{field}-marker " + " ".join(PAYLOADS)


FIELDS = [
    "para-en",
    "para-es",
    "amendment-text",
    "rationale",
    "pending-text",
    "pending-rationale",
    "comment",
    "reply",
    "reservation",
    "explanation",
    "title",
    "imported-text",
    "user-name",
    "delegation-name",
    "reason",
]


class Http:
    """One logged-in client per person, through the test client or `requests` (live server)."""

    def __init__(self, open_session: Callable[[str], Any], base: str = "") -> None:
        self.open_session, self.base = open_session, base
        self.sessions: dict[str, Any] = {}

    def of(self, email: str):
        if email not in self.sessions:
            self.sessions[email] = self.open_session(email)
        return self.sessions[email]

    def post(self, email: str, url: str, json=None, files=None, data=None, expect=(200, 201)):
        response = self.of(email).post(self.base + url, json=json, files=files, data=data)
        assert response.status_code in expect, (url, response.status_code, response.text)
        return response.json() if response.status_code < 400 else None

    def get(self, email: str, url: str):
        response = self.of(email).get(self.base + url)
        assert response.status_code == 200, (url, response.status_code)
        return response.json()


class ClientSession:
    """The small part of requests.Session that Http uses, over Flask's test client."""

    def __init__(self, app, email: str) -> None:
        self.client = app.test_client()
        self.token = login(self.client, email)

    def post(self, url, json=None, files=None, data=None):
        headers = {"X-CSRFToken": self.token}
        if files is not None:
            form = {**(data or {}), **{k: (io.BytesIO(v[1]), v[0]) for k, v in files.items()}}
            response = self.client.post(url, data=form, headers=headers)
        else:
            response = self.client.post(url, json=json or {}, headers=headers)
        return Answer(response)

    def get(self, url):
        return Answer(self.client.get(url))


@dataclass
class Answer:
    response: Any

    @property
    def status_code(self) -> int:
        return self.response.status_code

    @property
    def text(self) -> str:
        return self.response.get_data(as_text=True)

    def json(self):
        return self.response.get_json()


@dataclass
class Planted:
    document_id: int
    imported_id: int
    process_id: int
    paragraph_id: int
    imported_paragraph_id: int
    amendments: list[int] = field(default_factory=list)


def add_hostile_delegate(database_url: str, instance: Path) -> None:
    """A delegate whose name and delegation's name and code are payloads (made through the
    models, as the CLI would)."""
    os.environ["DRAFTING_INSTANCE"] = str(instance)
    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        delegation = people.delegation(
            XSS_CODE, hostile("delegation-name"), DelegationKind.MEMBER_STATE
        )
        delegation.name_es = hostile("delegation-name")
        user = people.create_user(XSS_EMAIL, hostile("user-name"), PASSWORD, delegation)
        process_id = db.session.scalar(select(Document.process_id).order_by(Document.id))
        from drafting.models import Process

        people.add_member(user, db.session.get(Process, process_id), Role.DELEGATE)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def plant(http: Http, document_id: int) -> Planted:
    """Every kind of user text, each a payload, put in through the API by the right people."""
    doc = f"/api/documents/{document_id}"
    committee, secretariat = "elsalvador@demo.test", "secretariat@demo.test"
    paragraphs = {p["number"]: p for p in http.get(committee, doc)["paragraphs"]}
    target = paragraphs["8.a"]
    for lang in ("en", "es"):
        http.post(
            committee,
            f"{doc}/paragraphs/{target['id']}/versions",
            json={"lang": lang, "text": hostile(f"para-{lang}"), "base_version": 1},
        )
    accepted = http.post(
        XSS_EMAIL,
        f"{doc}/amendments",
        json={
            "kind": "modify",
            "paragraph_id": paragraphs["3"]["id"],
            "text": hostile("amendment-text"),
            "rationale": hostile("rationale"),
        },
    )["id"]
    pending = http.post(
        XSS_EMAIL,
        f"{doc}/amendments",
        json={
            "kind": "modify",
            "paragraph_id": paragraphs["5"]["id"],
            "text": hostile("pending-text"),
            "rationale": hostile("pending-rationale"),
        },
    )["id"]
    http.post(committee, f"/api/amendments/{accepted}/decision", json={"decision": "accept"})
    comment = http.post(
        XSS_EMAIL,
        f"{doc}/comments",
        json={"body": hostile("comment"), "paragraph_id": target["id"]},
    )
    http.post(
        committee, f"{doc}/comments", json={"body": hostile("reply"), "parent_id": comment["id"]}
    )
    http.post(
        XSS_EMAIL,
        f"{doc}/reservations",
        json={"kind": "reservation", "text": hostile("reservation"), "paragraph_id": target["id"]},
    )
    http.post(
        XSS_EMAIL,
        f"{doc}/reservations",
        json={"kind": "explanation", "text": hostile("explanation")},
    )
    http.post(committee, f"{doc}/paragraphs/{target['id']}/tags", json={"add": ["free:a/b-c"]})
    http.post(
        committee,
        f"{doc}/paragraphs/{target['id']}/tags",
        json={"add": ["free:" + PAYLOADS[0]]},
        expect=(400,),
    )
    process_id = http.get(secretariat, doc)["process_id"]
    imported = http.post(
        secretariat,
        "/api/documents/import",
        files={"file": ("hostile.txt", f"1. {hostile('imported-text')}\n".encode())},
        data={"title": hostile("title"), "process_id": str(process_id)},
    )["id"]
    deadline = "2030-11-30T17:00:00-06:00"
    http.post(
        secretariat,
        f"{doc}/transitions/open_round",
        json={"deadline": deadline, "reason": hostile("reason")},
    )
    first = http.get(secretariat, f"/api/documents/{imported}")["paragraphs"][0]["id"]
    return Planted(document_id, imported, process_id, target["id"], first, [accepted, pending])


def html_pages(app, planted: Planted) -> list[str]:
    """Every HTML page of the site (generated from the routes) for both documents."""
    urls = []
    for document_id, paragraph_id in [
        (planted.document_id, planted.paragraph_id),
        (planted.imported_id, planted.imported_paragraph_id),
    ]:
        for amendment_id in planted.amendments:
            values = {
                "document_id": document_id,
                "paragraph_id": paragraph_id,
                "amendment_id": amendment_id,
                "process_id": planted.process_id,
                "user_id": 1,
                "token": "forged",
                "notification_id": 1,
                "change_id": "i1.0",
                "ad_ref_id": 1,
                "filing_id": 1,
                "number": 1,
            }
            for endpoint, url in route_urls(app, {"GET"}, {**values, "filename": "-"}):
                if endpoint.startswith("web.") and url not in urls:
                    urls.append(url)
    urls.remove("/login")  # a logged-in visitor is sent home
    # A forged password link answers 400 (tests/test_processes.py); a real one is one-off.
    # So does a forged unsubscribe link (tests/test_notifications.py). The desk
    # (/processes...) is the secretariat's, not this delegate's, and so is a document's round
    # dashboard (/rounds, also the PPT's and the committee's).
    desk = ("/processes", "/processes/new", "/edit", "/participants")
    signed = ("/password/set/", "/notifications/unsubscribe/")
    urls = [u for u in urls if not u.startswith(signed) and not u.endswith(desk)]
    urls = [u for u in urls if "/rounds" not in u]
    urls = [u for u in urls if not u.endswith(".docx")]  # Word files (the compilation), no page
    doc = f"/api/documents/{planted.document_id}"
    return [*urls, f"{doc}/export?format=html", f"{doc}/export?format=akn"]


def test_every_user_text_is_escaped_on_every_page(app, databases, tmp_path, demo):
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    add_hostile_delegate(url, tmp_path / "instance")
    http = Http(lambda email: ClientSession(app, email))
    planted = plant(http, demo.id)
    shown: set[str] = set()
    raw = []
    pages = html_pages(app, planted)
    for email in ("secretariat@demo.test", XSS_EMAIL, "elsalvador@demo.test"):
        client = http.of(email).client
        for page in pages:
            response = client.get(page)
            body = response.get_data(as_text=True)
            if response.status_code != 200:
                raw.append((email, page, response.status_code, "not shown"))
                continue
            raw += [(email, page, 200, m.group(0)) for m in RAW.finditer(body)]
            shown |= {f for f in FIELDS if f"{f}-marker" in body}
    assert raw == []
    assert sorted(set(FIELDS) - shown) == [], "fields not shown on any page (test is blind)"


# --------------------------------------------------------------------------------------------
# The same in a real browser: no script from user data runs, no inline script or style
# --------------------------------------------------------------------------------------------


@pytest.mark.browser
def test_no_script_runs_in_a_real_browser(live_server, app, tmp_path):
    if os.environ.get("CI") != "true" and not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (CI=true installs it and runs this test)")
    from playwright.sync_api import sync_playwright

    add_hostile_delegate(live_server.database_url, tmp_path / "instance")

    def open_session(email: str):
        return live_server.session(email)

    http = Http(open_session, base=live_server.url)
    planted = plant(http, live_server.document_id)
    pages = html_pages(app, planted)  # `app` only lends its routes
    pages = [p for p in pages if "/export?" not in p and not p.endswith(".html")]  # downloads
    problems: list[tuple] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            watcher = browser.new_context()  # a second person in the room: presence shows names
            watcher.request.post(
                f"{live_server.url}/api/login", data={"email": XSS_EMAIL, "password": PASSWORD}
            )
            watching = watcher.new_page()
            watching.goto(f"{live_server.url}/documents/{planted.document_id}")
            for email in ("secretariat@demo.test", XSS_EMAIL):
                context = browser.new_context()
                answer = context.request.post(
                    f"{live_server.url}/api/login", data={"email": email, "password": PASSWORD}
                )
                assert answer.ok
                page = context.new_page()
                messages: list[str] = []
                dialogs: list[str] = []
                page.on("console", lambda m, messages=messages: messages.append(m.text))
                page.on("pageerror", lambda e, messages=messages: messages.append(f"error: {e}"))
                page.on(
                    "dialog",
                    lambda d, dialogs=dialogs: (dialogs.append(d.message), d.dismiss()),
                )
                for url in pages:
                    messages.clear()
                    response = page.goto(live_server.url + url, wait_until="load")
                    assert response is not None and response.status == 200, url
                    if url == f"/documents/{planted.document_id}":
                        page.wait_for_function(
                            "() => window.Drafting && Drafting.editor && Drafting.editor.settled()",
                            timeout=15_000,
                        )
                        page.wait_for_timeout(300)  # presence of the watcher arrives
                    if page.evaluate("typeof window.__xss") != "undefined":
                        problems.append((email, url, "a payload ran"))
                    problems += [
                        (email, url, text)
                        for text in messages
                        if "Content Security Policy" in text or text.startswith("error:")
                    ]
                problems += [(email, "dialog", text) for text in dialogs]
                # The policy itself works in this browser: an inline script is refused.
                messages.clear()
                ran = page.evaluate(
                    """() => { const s = document.createElement('script');
                    s.textContent = 'window.__probe = 1'; document.body.appendChild(s);
                    return typeof window.__probe; }"""
                )
                assert ran == "undefined"
                page.wait_for_timeout(100)
                assert any("Content Security Policy" in text for text in messages), messages
                context.close()
            watcher.close()
        finally:
            browser.close()
    assert problems == [], live_server.log_tail()
