"""Who may do what: every HTTP route and every socket event, tried by every kind of person
(anonymous, observer, delegate, committee, secretariat, PPT, a user of another process) in
every state the demo document passes through, against a table of expected outcomes.

The table is generated from the cases below and an expectation written independently of
drafting.policy: the role x action x state sets of tests/test_policy.py, the transition roles
listed there, and the rules of the SPEC (401 for anonymous writes, 404 for what an outsider
must not learn exists, 403 for a role that may never act, 409 for the wrong moment).
`test_the_table_covers_every_route_and_event` fails as soon as a route or socket event is
added without a row here.

Each state is built once (through the API, as the right people) on its own copy of the demo
database; a write that succeeds is undone by restoring that copy, and a write that is
refused must leave the database exactly as it was.
"""

from __future__ import annotations

import io
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from support.databases import BASE_CONFIG, PG_URL, admin_url
from support.fingerprint import column_states, row_counts
from support.formats import Marked
from support.roles import COM, DEL, OBS, ONLINE, PPT, SEC, TRANSITION_ROLES

from drafting import clock, create_app
from drafting.config import database_url
from drafting.extensions import db, socketio
from drafting.models import Document, Paragraph, Process, User, Version
from drafting.models.people import DelegationKind, Role
from drafting.policy import Action
from drafting.services import change_push, importing, people
from drafting.text import textdiff

ANON, OUT = "anonymous", "outsider"
WHO = [ANON, OBS, DEL, COM, SEC, PPT, OUT]
MEMBERS = {OBS, DEL, COM, SEC, PPT}
PASSWORD = "demo-password"
EMAIL = {
    OBS: "iom@demo.test",
    DEL: "mexico@demo.test",
    COM: "elsalvador@demo.test",
    SEC: "secretariat@demo.test",
    PPT: "panama@demo.test",
    OUT: "outsider@elsewhere.test",
}
CANADA = "canada"  # the other delegation whose amendment the table's delegate cannot touch
EMAIL[CANADA] = "canada@demo.test"
CODE = {OBS: "IOM", DEL: "MX", COM: "SV", SEC: "TS", PPT: "PA", OUT: "OT"}
REVIEW, ROUND, SILENCE, ADOPTED = "committee_review", "online_round", "silence_procedure", "adopted"
STATES = [REVIEW, ROUND, SILENCE, ADOPTED]
PENDING = {REVIEW, ROUND}  # the fixture's amendments are decided before silence starts
STEPS = ["submit", "open_round", "close_round", "start_silence", "break_silence", "adopt"]
STEP_FROM = {
    "submit": {"proposal"},
    "open_round": {REVIEW},
    "close_round": {ROUND},
    "start_silence": {REVIEW},
    "break_silence": {SILENCE},
    "adopt": {SILENCE},
}
# Allowed role, right state, but a condition of the text or the clock blocks it (409):
# the fixture's amendments are pending in review, the silence deadline is days away.
STEP_BLOCKED = {("start_silence", REVIEW), ("adopt", SILENCE)}
NOT_A_STEP = "start_reading"  # a step of in_session only


# --------------------------------------------------------------------------------------------
# The independent expectation
# --------------------------------------------------------------------------------------------


def ever(action: Action) -> set[str]:
    """Roles that may take `action` in some state (the proposer's drafting rights in
    `proposal` belong to a delegation, not to a role)."""
    allowed: set[str] = set()
    for state, roles in ONLINE[action].items():
        if state != "proposal":
            allowed |= set(roles)
    return allowed


def refusal(action: Action, role: str, state: str) -> int | None:
    """403 when the role may never, 409 when only the moment is wrong, None when allowed."""
    if role in ONLINE[action].get(state, set()):
        return None
    return 403 if role not in ever(action) else 409


Expect = Callable[[str, str], Any]  # (who, state) -> the expected outcome
Then = Callable[[str, str], "int | None"]  # checks after the policy: the object's own rules


def on_document(action: Action, ok: int, *, login: bool = False, then: Then | None = None):
    """A route on the demo document (or one of its paragraphs or amendments)."""

    def expect(who: str, state: str) -> int:
        adopted = state == ADOPTED
        if who == ANON:
            return 401 if login else (ok if adopted else 404)
        if who == OUT:
            if not adopted:
                return 404  # outsiders must not learn that it exists
            return ok if action == Action.VIEW else 403
        refused = refusal(action, who, state)
        if refused:
            return refused
        return (then(who, state) if then else None) or ok

    return expect


def on_foreign(ok: int, *, login: bool = False) -> Expect:
    """A route on the other process's document (in `proposal`; the outsider is its PPT)."""

    def expect(who: str, state: str) -> int:
        if who == ANON:
            return 401 if login else 404
        return ok if who == OUT else 404

    return expect


def step(trigger: str) -> Expect:
    def expect(who: str, state: str) -> int:
        if who == ANON:
            return 401
        if who == OUT and state != ADOPTED:
            return 404
        if trigger not in STEP_FROM:
            return 404
        if who == OUT or who not in TRANSITION_ROLES[trigger]:
            return 403
        if state not in STEP_FROM[trigger] or (trigger, state) in STEP_BLOCKED:
            return 409
        return 200

    return expect


def signed_in(ok: int, anonymous: Any = 401) -> Expect:
    return lambda who, state: anonymous if who == ANON else ok


def public(ok: Any = 200) -> Expect:
    return lambda who, state: ok


def importer(who: str, state: str) -> int:
    if who == ANON:
        return 401
    if who == OUT:
        return 404  # not its process
    return 201 if who in (SEC, PPT) else 403


def staff_only(ok: Any, *, anonymous: Any = 401, then: Then | None = None) -> Expect:
    """Import pages and calls: the secretariat and the PPT of the process; anyone else of
    the process is refused, and no one outside it learns that it exists."""

    def expect(who: str, state: str) -> Any:
        if who == ANON:
            return anonymous
        if who == OUT:
            return 404
        if who not in (SEC, PPT):
            return 403
        return (then(who, state) if then else None) or ok

    return expect


def edits_text(refused: Any = None) -> Then:
    """Storing a translation edits the text: the edit rule's 409 at the wrong moment (or
    `refused`, what a page shows instead)."""
    return lambda who, state: (
        (refused or refusal(E, who, state)) if refusal(E, who, state) else None
    )


def shown_with_reasons(who: str, state: str) -> Any:
    """A page everyone who sees the document may open; it says why they may not act."""
    if who == ANON:
        return "login"
    return 404 if who == OUT and state != ADOPTED else 200


def marked_up_form(who: str, state: str) -> Any:
    """The marked-up Word upload page: the amendment rule, as a page and a form post."""
    outcome = on_document(P, 201, login=True)(who, state)
    return {401: "login", 201: "done"}.get(outcome, outcome)


def desk(ok: Any, *, others: int = 403, anonymous: Any = 401) -> Expect:
    """The secretariat's desk: the process's secretariat only (no site administrator in
    this table); everyone else `others`."""
    return lambda who, state: anonymous if who == ANON else (ok if who == SEC else others)


def notification_cases() -> list[Case]:
    """Notifications (SPEC §10): each person reads and marks only their own; a notification
    of someone else, like one that does not exist, is a 404."""
    mine = signed_in(200)
    page = signed_in(200, "login")
    nobody = "/notifications/999999/read"
    settings = {"adopted": {"mail": "digest"}}
    return [
        Case("api.list_notifications", "GET", "", request_of("/api/notifications"), mine, False),
        Case(
            "api.read_notification",
            "POST",
            "",
            request_of("/api" + nobody, {}),
            signed_in(404),
            True,
        ),
        Case(
            "api.notification_settings",
            "GET",
            "",
            request_of("/api/me/notification-settings"),
            mine,
            False,
        ),
        Case(
            "api.update_notification_settings",
            "PUT",
            "",
            request_of("/api/me/notification-settings", settings),
            mine,
            True,
        ),
        Case("web.notifications_page", "GET", "", request_of("/notifications"), page, False),
        Case(
            "web.read_notification",
            "POST",
            "",
            request_of(nobody, {}, web=True),
            signed_in(404, "login"),
            True,
        ),
        Case(
            "web.read_all_notifications",
            "POST",
            "",
            request_of("/notifications/read", {}, web=True),
            signed_in("done", "login"),
            True,
        ),
        Case(
            "web.notification_settings",
            "GET",
            "",
            request_of("/notifications/settings"),
            page,
            False,
        ),
        Case(
            "web.notification_settings",
            "POST",
            "",
            request_of("/notifications/settings", {"mail-adopted": "off"}, web=True),
            signed_in("refused", "login"),  # every event must be chosen
            True,
        ),
        Case(
            "web.unsubscribe",
            "GET",
            "forged link",
            request_of("/notifications/unsubscribe/forged"),
            public(400),
            False,
        ),
        Case(
            "web.unsubscribe_confirm",
            "POST",
            "forged link",
            request_of("/notifications/unsubscribe/forged", {}, web=True),
            public(400),
            True,
        ),
    ]


def desk_cases() -> list[Case]:
    """Processes, participants and the presidency (SPEC §9), over JSON and as pages."""
    base = "/api/processes/{process_id}"
    person = base + "/participants/{participant}"
    page = "/processes/{process_id}"
    new_person = {"email": "new@desk.test", "name": "New", "delegation": "MX", "role": "delegate"}
    settings = {"name": "A new process", "languages": ["en"], "timezone": "UTC"}
    return [
        Case(
            "api.create_process",
            "POST",
            "",
            request_of("/api/processes", settings),
            desk(201),
            True,
        ),
        Case("api.get_process", "GET", "", request_of(base), desk(200), False),
        Case(
            "api.update_process", "PATCH", "", request_of(base, {"acronym": "X"}), desk(200), True
        ),
        Case(
            "api.list_participants", "GET", "", request_of(base + "/participants"), desk(200), False
        ),
        Case(
            "api.add_participant",
            "POST",
            "",
            request_of(base + "/participants", new_person),
            desk(201),
            True,
        ),
        Case(
            "api.change_participant",
            "PATCH",
            "",
            request_of(person, {"head": True}),
            desk(200),
            True,
        ),
        Case("api.remove_participant", "DELETE", "", request_of(person), desk(204), True),
        Case(
            "api.hand_over_presidency",
            "POST",
            "",
            request_of(base + "/presidency", {"delegation": "CR"}),
            desk(200),
            True,
        ),
        Case(
            "web.processes_list",
            "GET",
            "",
            request_of("/processes"),
            desk(200, anonymous="login"),
            False,
        ),
        Case(
            "web.process_new",
            "GET",
            "",
            request_of("/processes/new"),
            desk(200, anonymous="login"),
            False,
        ),
        Case(
            "web.process_new",
            "POST",
            "",
            request_of("/processes/new", {**settings, "languages": "en"}, web=True),
            desk("done", anonymous="login"),
            True,
        ),
        Case(
            "web.process_edit",
            "GET",
            "",
            request_of(page + "/edit"),
            desk(200, others=404, anonymous="login"),
            False,
        ),
        Case(
            "web.process_edit",
            "POST",
            "",
            request_of(page + "/edit", {**settings, "languages": "en"}, web=True),
            desk("done", others=404, anonymous="login"),
            True,
        ),
        Case(
            "web.participants",
            "GET",
            "",
            request_of(page + "/participants"),
            desk(200, others=404, anonymous="login"),
            False,
        ),
        Case(
            "web.participants",
            "POST",
            "",
            request_of(page + "/participants", new_person, web=True),
            desk("done", others=404, anonymous="login"),
            True,
        ),
        Case(
            "web.participant_change",
            "POST",
            "",
            request_of(
                "/processes/{process_id}/participants/{participant}",
                {"role": "committee"},
                web=True,
            ),
            desk("done", others=404, anonymous="login"),
            True,
        ),
        Case(
            "web.participant_remove",
            "POST",
            "",
            request_of("/processes/{process_id}/participants/{participant}/remove", {}, web=True),
            desk("done", others=404, anonymous="login"),
            True,
        ),
        Case(
            "web.presidency",
            "POST",
            "",
            request_of(page + "/presidency", {"delegation": "CR"}, web=True),
            desk("done", others=404, anonymous="login"),
            True,
        ),
        Case("web.forgot_password", "GET", "", request_of("/password/forgot"), public(200), False),
        Case(
            "web.forgot_password",
            "POST",
            "",
            request_of("/password/forgot", {"email": "mexico@demo.test"}, web=True),
            public("done"),
            False,
        ),
        Case(
            "web.set_password",
            "GET",
            "a forged link",
            request_of("/password/set/forged"),
            public(400),
            False,
        ),
        Case(
            "web.set_password",
            "POST",
            "a forged link",
            request_of(
                "/password/set/forged", {"password": "x" * 12, "confirm": "x" * 12}, web=True
            ),
            public(400),
            False,
        ),
    ]


def process_page(ours: bool) -> Expect:
    def expect(who: str, state: str) -> Any:
        if who == ANON:
            return "login"
        return 200 if (who in MEMBERS) == ours else 404

    return expect


def as_page(api: Expect) -> Expect:
    """The same rule for an HTML page: anonymous visitors are sent to the login form."""

    def expect(who: str, state: str) -> Any:
        outcome = api(who, state)
        return "login" if outcome == 401 else outcome

    return expect


def as_form(api: Expect) -> Expect:
    """The same rule for a form post: it redirects with a message, never shows a 403."""

    def expect(who: str, state: str) -> Any:
        outcome = api(who, state)
        if outcome == 401:
            return "login"
        if outcome == 404 and (who == OUT and state != ADOPTED):
            return 404
        return "done" if 200 <= outcome < 300 else "refused"

    return expect


def web_step(trigger: str) -> Expect:
    api = step(trigger)

    def expect(who: str, state: str) -> Any:
        outcome = api(who, state)
        if outcome == 404 and who != OUT:
            return "refused"  # an unknown step of a visible document is a message
        return as_form(lambda *_: outcome)(who, state)

    return expect


# Rules of particular objects, applied once the policy allows the action.
def pending_only(who: str, state: str) -> int | None:
    return None if state in PENDING else 409


def co_sponsor_own(who: str, state: str) -> int | None:
    return 409 if who == DEL else pending_only(who, state)  # Mexico proposed it


def withdraw_own(who: str, state: str) -> int | None:
    return 403 if who != DEL else pending_only(who, state)  # only Mexico may withdraw it


def withdraw_other(who: str, state: str) -> int | None:
    return 403  # Canada's amendment: no one here is Canada


def unknown_paragraph(who: str, state: str) -> int | None:
    return 404  # a paragraph of another document


def unknown_change(who: str, state: str) -> int | None:
    return 404  # no change by that id since the latest circulated revision


def first_round(who: str, state: str) -> int | None:
    return None if state == ROUND else 404  # the fixture opens round 1 only for online_round


def unknown_by_id(who: str, state: str) -> int:
    """An agreement ad referendum or a filing by an id no row has. It is found by its id
    alone (its JSON route names no document), so everyone signed in gets the 404; the form
    checks the document of its path first (`as_form` keeps the outsider's 404)."""
    return 401 if who == ANON else 404


# --------------------------------------------------------------------------------------------
# The world each state is tried in
# --------------------------------------------------------------------------------------------


@dataclass
class World:
    app: Any
    state: str
    id: int
    process_id: int
    paragraph: int  # 8.a, the target of the fixture's amendments
    restorable: int  # 3, edited once in both languages, so version 1 can be restored
    pending: int  # 13.c, its Spanish text pending in committee review
    own: int  # Mexico's amendment (Mexico is the delegate in this table)
    other: int  # Canada's amendment
    foreign_id: int  # a document of another process
    foreign_process_id: int
    foreign_paragraph: int
    marked: bytes  # a marked-up Word export, for the amendment import
    participant: int  # Canada's delegate, whom the secretariat's desk changes or removes
    clients: dict[str, Any] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    def current(self, paragraph_id: int, lang: str = "en") -> tuple[int, str]:
        with self.app.app_context():
            version = db.session.scalar(
                select(Version)
                .where(Version.paragraph_id == paragraph_id, Version.lang == lang)
                .order_by(Version.seq.desc())
                .limit(1)
            )
            return (version.seq, version.text) if version else (0, "")


@dataclass
class Req:
    path: str
    json: Any = None
    form: dict[str, Any] | None = None
    files: dict[str, Any] | None = None


@dataclass(frozen=True)
class Case:
    endpoint: str
    method: str
    label: str
    request: Callable[[World, str], Req]
    expect: Expect
    write: bool
    fresh: bool = False  # run on a client of its own (logging in and out)
    check: Callable[[Any, str, World], str | None] | None = None

    @property
    def web(self) -> bool:
        return not self.endpoint.startswith("api.")

    @property
    def name(self) -> str:
        return f"{self.method} {self.endpoint}" + (f" [{self.label}]" if self.label else "")


def login(client, who: str) -> str:
    response = client.post("/api/login", json={"email": EMAIL[who], "password": PASSWORD})
    assert response.status_code == 200, (who, response.get_json())
    return response.get_json()["csrf_token"]


def anonymous_token(client) -> str:
    """A CSRF token for a visitor who is not logged in (from the login form), so that their
    writes are refused for not being logged in rather than for the missing token."""
    import re

    page = client.get("/login").get_data(as_text=True)
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert found
    return found.group(1)


def send(client, token: str, case: Case, req: Req):
    if case.method == "GET":
        return client.get(req.path)
    if case.method in ("PATCH", "DELETE", "PUT"):
        return client.open(
            req.path, method=case.method, json=req.json or {}, headers={"X-CSRFToken": token}
        )
    if req.files is not None:
        return client.post(
            req.path,
            data=req.files,
            headers={"X-CSRFToken": token},
            content_type="multipart/form-data",
        )
    if req.form is not None:
        return client.post(req.path, data={**req.form, "csrf_token": token})
    return client.post(req.path, json=req.json or {}, headers={"X-CSRFToken": token})


def outcome_of(client, case: Case, response) -> tuple[Any, str | None]:
    """The response as a table cell: a status for the API and pages; for a redirect, what it
    says: "login" (to the login form), "refused" (an error message), "done" (a form post
    that went through) or "redirect" (a page that sends elsewhere)."""
    status = response.status_code
    if not case.web:
        if status >= 400:
            data = response.get_json(silent=True)
            if not isinstance(data, dict) or not data.get("error"):
                return status, "error without a JSON {'error'} body"
        return status, None
    if status not in (302, 303):
        return status, None
    with client.session_transaction() as session:
        categories = {category for category, _ in session.pop("_flashes", [])}
    if "error" in categories:
        return "refused", None
    if not categories and urlsplit(response.headers["Location"]).path == "/login":
        return "login", None
    return ("done" if case.method == "POST" else "redirect"), None


def succeeded(outcome: Any) -> bool:
    return outcome == "done" or (isinstance(outcome, int) and 200 <= outcome < 300)


# --------------------------------------------------------------------------------------------
# The cases: every route, with a valid request
# --------------------------------------------------------------------------------------------
# Paths are filled from the World ("{id}" the demo document, "{paragraph}" 8.a, "{own}"
# Mexico's amendment ...); in bodies, "$name" is a World attribute and "$version" the current
# version of 8.a, read just before the request.

E, V, S, P = Action.EDIT_TEXT, Action.VIEW, Action.SET_STATUS, Action.PROPOSE_AMENDMENT
REASON = "Paragraph 8.a needs more work."
TRANSLATION = "1. Agradecer a México el informe.\n".encode()


def future() -> str:
    return (clock.now() + timedelta(days=5)).isoformat(timespec="seconds")


# GET routes that read the demo document: endpoint, path, login required.
READS = [
    ("api.document", "/api/documents/{id}", False),
    ("api.transitions", "/api/documents/{id}/transitions", True),
    ("api.audit_log", "/api/documents/{id}/audit", False),
    ("api.list_amendments", "/api/documents/{id}/amendments", False),
    ("api.get_amendment", "/api/amendments/{own}", False),
    ("api.merge_preview", "/api/amendments/{own}/merge", True),
    ("api.tracked_changes", "/api/documents/{id}/changes?from=Draft&to=current", False),
    ("api.paragraph_history", "/api/documents/{id}/paragraphs/{restorable}/versions", False),
    ("api.list_comments", "/api/documents/{id}/comments", False),
    ("api.list_reservations", "/api/documents/{id}/reservations", False),
    ("api.footnotes", "/api/documents/{id}/footnotes", False),
    ("api.export", "/api/documents/{id}/export?format=html", False),
    ("api.document_tags", "/api/documents/{id}/tags", False),
    ("web.document", "/documents/{id}", False),
    ("web.audit", "/documents/{id}/audit", False),
    ("web.amendment_table", "/documents/{id}/amendments", False),
    ("web.new_amendment", "/documents/{id}/amendments/new", True),
    ("web.conflict_page", "/amendments/{own}/conflict", True),
    ("web.amendment_page", "/amendments/{own}", True),
    ("web.compilation", "/documents/{id}/compilation", False),
    ("web.compilation_download", "/documents/{id}/compilation.html", False),
    ("web.tracked_changes", "/documents/{id}/changes?from=Draft", False),
    ("web.compare", "/documents/{id}/compare", False),
    ("web.paragraph_history", "/documents/{id}/paragraphs/{restorable}/history", False),
    ("web.print_view", "/documents/{id}/print", False),
    ("web.parallel_view", "/documents/{id}/parallel", False),
    ("api.list_revisions", "/api/documents/{id}/revisions", False),
    ("api.position_map", "/api/documents/{id}/positions", False),
    ("web.position_map", "/documents/{id}/positions", False),
    ("web.compilation_docx", "/documents/{id}/compilation.docx", False),
    # The filings awaiting the head's sign-off: anyone who sees the document may ask (the
    # list is empty but for a head of delegation).
    ("api.awaiting_signoff", "/api/documents/{id}/signoffs", False),
]

# The negotiation record: once adopted, the public (anonymous or outsider) sees it only if
# the process publishes it (public_record "full"); the demo keeps the default "text".
RECORD = {
    "api.audit_log",
    "api.list_amendments",
    "api.get_amendment",
    "api.merge_preview",
    "api.tracked_changes",
    "api.list_comments",
    "web.audit",
    "web.amendment_table",
    "web.compilation",
    "web.compilation_download",
    "web.tracked_changes",
    "api.list_revisions",
    "api.position_map",
    "web.position_map",
    "web.compilation_docx",
}


def record_only(expect: Expect) -> Expect:
    """What the public could read of an adopted document, minus its record (403)."""

    def closed(who: str, state: str):
        outcome = expect(who, state)
        return 403 if state == ADOPTED and who in (ANON, OUT) and outcome == 200 else outcome

    return closed


AMENDMENT = {"kind": "modify", "paragraph_id": "$paragraph", "lang": "en", "rationale": "Shorter."}
# An amendment is always the caller's delegation's: a delegation field is ignored.
AS_CANADA = {"delegation": "CA"}
COMMENT = {"body": "A comment.", "paragraph_id": "$paragraph"}
FOREIGN_COMMENT = {"body": "A comment.", "paragraph_id": "$foreign_paragraph"}
RESERVATION = {"kind": "reservation", "text": "We reserve.", "paragraph_id": "$paragraph"}
NEW_TEXT = "Decline the proposal, with thanks."

# POST routes that change the demo document:
# endpoint, label, path, body (JSON for api.*, a form for web.*), action, success, object rule.
WRITES = [
    (
        "api.new_version",
        "",
        "/api/documents/{id}/paragraphs/{paragraph}/versions",
        {"lang": "en", "text": "Rewritten.", "base_version": "$version"},
        E,
        201,
        None,
    ),
    (
        "api.new_version",
        "paragraph of another document",
        "/api/documents/{id}/paragraphs/{foreign_paragraph}/versions",
        {"lang": "en", "text": "Elsewhere.", "base_version": 1},
        E,
        201,
        unknown_paragraph,
    ),
    (
        "api.accept_change",
        "unknown change",
        "/api/documents/{id}/changes/i1.0/accept",
        {},
        Action.REVIEW_CHANGE,
        200,
        unknown_change,
    ),
    (
        "api.reject_change",
        "unknown change",
        "/api/documents/{id}/changes/i1.0/reject",
        {},
        Action.REVIEW_CHANGE,
        201,
        unknown_change,
    ),
    (
        "api.suggest",
        "",
        "/api/documents/{id}/paragraphs/{paragraph}/suggestions",
        {"lang": "en", "text": "Suggested.", "base_version": "$version"},
        Action.SUGGEST,
        201,
        None,
    ),
    (
        "api.paragraph_status",
        "",
        "/api/documents/{id}/paragraphs/{paragraph}/status",
        {"status": "agreed_ad_ref"},
        S,
        200,
        None,
    ),
    (
        "api.file_amendment",
        "as Canada",
        "/api/documents/{id}/amendments",
        {**AMENDMENT, **AS_CANADA, "text": NEW_TEXT},
        P,
        201,
        None,
    ),
    (
        "api.co_sponsor",
        "Mexico's",
        "/api/amendments/{own}/co-sponsor",
        {},
        Action.CO_SPONSOR,
        200,
        co_sponsor_own,
    ),
    (
        "api.co_sponsor",
        "Canada's",
        "/api/amendments/{other}/co-sponsor",
        {},
        Action.CO_SPONSOR,
        200,
        pending_only,
    ),
    (
        "api.withdraw",
        "Mexico's",
        "/api/amendments/{own}/withdraw",
        {},
        Action.WITHDRAW_AMENDMENT,
        200,
        withdraw_own,
    ),
    (
        "api.withdraw",
        "Canada's",
        "/api/amendments/{other}/withdraw",
        {},
        Action.WITHDRAW_AMENDMENT,
        200,
        withdraw_other,
    ),
    (
        "api.decide",
        "",
        "/api/amendments/{own}/decision",
        {"decision": "reject"},
        Action.DECIDE_AMENDMENT,
        200,
        pending_only,
    ),
    (
        "api.recommend",
        "",
        "/api/amendments/{own}/recommendation",
        {"recommendation": "accept", "note": "Fits."},
        Action.RECOMMEND_AMENDMENT,
        200,
        pending_only,
    ),
    (
        "api.restore",
        "",
        "/api/documents/{id}/paragraphs/{restorable}/restore",
        {"lang": "en", "version": 1},
        E,
        201,
        None,
    ),
    ("api.add_comment", "", "/api/documents/{id}/comments", COMMENT, Action.COMMENT, 201, None),
    (
        "api.file_reservation",
        "",
        "/api/documents/{id}/reservations",
        RESERVATION,
        Action.FILE_RESERVATION,
        201,
        None,
    ),
    (
        "api.import_amendments",
        "",
        "/api/documents/{id}/amendments/import",
        "$marked",
        P,
        201,
        None,
    ),
    (
        "api.paragraph_tags",
        "",
        "/api/documents/{id}/paragraphs/{paragraph}/tags",
        {"add": ["gcm:3"]},
        Action.TAG,
        200,
        None,
    ),
    (
        "api.confirm_translation",
        "",
        "/api/documents/{id}/paragraphs/{pending}/confirm-translation",
        {"lang": "es"},
        E,
        201,
        None,
    ),
    (
        "web.file_amendment",
        "as Canada",
        "/documents/{id}/amendments",
        {**AMENDMENT, **AS_CANADA, "text_en": NEW_TEXT},
        P,
        201,
        None,
    ),
    (
        "web.co_sponsor",
        "Mexico's",
        "/amendments/{own}/co-sponsor",
        {},
        Action.CO_SPONSOR,
        200,
        co_sponsor_own,
    ),
    (
        "web.co_sponsor",
        "Canada's",
        "/amendments/{other}/co-sponsor",
        {},
        Action.CO_SPONSOR,
        200,
        pending_only,
    ),
    (
        "web.withdraw",
        "Mexico's",
        "/amendments/{own}/withdraw",
        {},
        Action.WITHDRAW_AMENDMENT,
        200,
        withdraw_own,
    ),
    (
        "web.withdraw",
        "Canada's",
        "/amendments/{other}/withdraw",
        {},
        Action.WITHDRAW_AMENDMENT,
        200,
        withdraw_other,
    ),
    (
        "web.decide",
        "",
        "/amendments/{own}/decision",
        {"decision": "reject"},
        Action.DECIDE_AMENDMENT,
        200,
        pending_only,
    ),
    (
        "web.recommend",
        "",
        "/amendments/{own}/recommendation",
        {"recommendation": "accept"},
        Action.RECOMMEND_AMENDMENT,
        200,
        pending_only,
    ),
    (
        "web.mark_position",
        "",
        "/documents/{id}/paragraphs/{paragraph}/position",
        {"position": "can_accept"},
        Action.MARK_POSITION,
        200,
        None,
    ),
    ("web.add_comment", "", "/documents/{id}/comments", COMMENT, Action.COMMENT, 201, None),
    (
        "web.file_reservation",
        "",
        "/documents/{id}/reservations",
        RESERVATION,
        Action.FILE_RESERVATION,
        201,
        None,
    ),
    (
        "web.restore",
        "",
        "/documents/{id}/paragraphs/{restorable}/restore",
        {"lang": "en", "version": 1},
        E,
        201,
        None,
    ),
    (
        "web.tag_form",
        "",
        "/documents/{id}/paragraphs/{paragraph}/tags",
        {"add": "gcm:3"},
        Action.TAG,
        200,
        None,
    ),
    (
        "web.confirm_translation_form",
        "",
        "/documents/{id}/paragraphs/{pending}/confirm-translation",
        {"lang": "es"},
        E,
        201,
        None,
    ),
    (
        "web.ad_ref_form",
        "",
        "/documents/{id}/paragraphs/{paragraph}/ad-ref",
        {"delegation": "MX", "until": "$deadline"},
        S,
        200,
        None,
    ),
]

# Routes on the other process's document: method, endpoint, path, body, success, login.
FOREIGN = [
    ("GET", "api.document", "/api/documents/{foreign_id}", None, 200, False),
    ("GET", "web.document", "/documents/{foreign_id}", None, 200, False),
    ("POST", "api.add_comment", "/api/documents/{foreign_id}/comments", FOREIGN_COMMENT, 201, True),
]


def fill(value: Any, w: World) -> Any:
    """A path or body template with the world's ids put in."""
    if isinstance(value, str) and value == "$version":
        return w.current(w.paragraph)[0]
    if isinstance(value, str) and value == "$deadline":
        return future()
    if isinstance(value, str) and value == "$marked":
        return {"file": (io.BytesIO(w.marked), "marked-up.docx")}
    if isinstance(value, str) and value.startswith("$"):
        return getattr(w, value[1:])
    if isinstance(value, str):
        return value.format(**vars(w))
    if isinstance(value, dict):
        return {key: fill(item, w) for key, item in value.items()}
    return value


def request_of(path: str, body: Any = None, *, web: bool = False):
    def build(w: World, who: str) -> Req:
        if body is None:
            return Req(fill(path, w))
        if body == "$marked":
            return Req(fill(path, w), files=fill(body, w))
        if web:
            return Req(fill(path, w), form=fill(body, w))
        return Req(fill(path, w), json=fill(body, w))

    return build


def credentials(w: World, who: str, *, web: bool) -> Req:
    """Logging in: each person with their own password, the anonymous row with a wrong one."""
    data = {"email": EMAIL[DEL if who == ANON else who], "password": PASSWORD}
    if who == ANON:
        data["password"] = "not-the-password"
    return Req("/login", form=data) if web else Req("/api/login", json=data)


def filed_as_own_delegation(response, who: str, w: World) -> str | None:
    delegation = response.get_json().get("delegation")
    return None if delegation == CODE[who] else f"filed as {delegation}, not {CODE[who]}"


def documents_listed(response, who: str, w: World) -> str | None:
    ids = {d["id"] for d in response.get_json()}
    if (w.id in ids) != (who != OUT or w.state == ADOPTED):
        return f"the demo document {'is' if w.id in ids else 'is not'} listed"
    if (w.foreign_id in ids) != (who == OUT):
        return "the other process's document is listed to the wrong people"
    return None


def round_cases() -> list[Case]:
    """The round dashboard and reminding the silent (VIEW_ROUNDS, REMIND_SILENT), and the
    head of delegation's confirmations and sign-offs, by ids no row has."""
    dashboard = on_document(Action.VIEW_ROUNDS, 200, login=True)
    round_one = on_document(Action.VIEW_ROUNDS, 200, login=True, then=first_round)
    remind = on_document(Action.REMIND_SILENT, 200, login=True, then=first_round)
    return [
        Case(
            "api.round_dashboard",
            "GET",
            "round 1",
            request_of("/api/documents/{id}/rounds/1"),
            round_one,
            False,
        ),
        Case(
            "api.remind_silent",
            "POST",
            "round 1",
            request_of("/api/documents/{id}/rounds/1/remind", {}),
            remind,
            True,
        ),
        Case(
            "web.rounds_page",
            "GET",
            "latest",
            request_of("/documents/{id}/rounds"),
            as_page(dashboard),
            False,
        ),
        Case(
            "web.rounds_page",
            "GET",
            "round 1",
            request_of("/documents/{id}/rounds/1"),
            as_page(round_one),
            False,
        ),
        Case(
            "web.remind_silent",
            "POST",
            "round 1",
            request_of("/documents/{id}/rounds/1/remind", {}, web=True),
            as_form(remind),
            True,
        ),
        Case(
            "api.confirm_ad_ref",
            "POST",
            "unknown agreement",
            request_of("/api/ad-ref/999999/confirm", {}),
            unknown_by_id,
            True,
        ),
        Case(
            "web.confirm_ad_ref_form",
            "POST",
            "unknown agreement",
            request_of("/documents/{id}/ad-ref/999999/confirm", {}, web=True),
            as_form(unknown_by_id),
            True,
        ),
        Case(
            "api.sign_off",
            "POST",
            "unknown filing",
            request_of("/api/signoffs/999999", {}),
            unknown_by_id,
            True,
        ),
        Case(
            "web.sign_off_form",
            "POST",
            "unknown filing",
            request_of("/documents/{id}/signoffs/999999", {}, web=True),
            as_form(unknown_by_id),
            True,
        ),
    ]


def all_cases() -> list[Case]:
    cases = []
    for endpoint, path, needs_login in READS:
        expect = on_document(V, 200, login=needs_login)
        if endpoint in RECORD:
            expect = record_only(expect)
        web = not endpoint.startswith("api.")
        cases.append(
            Case(endpoint, "GET", "", request_of(path), as_page(expect) if web else expect, False)
        )
    for endpoint, label, path, body, action, ok, rule in WRITES:
        expect = on_document(action, ok, login=True, then=rule)
        web = not endpoint.startswith("api.")
        check = filed_as_own_delegation if endpoint == "api.file_amendment" else None
        cases.append(
            Case(
                endpoint,
                "POST",
                label,
                request_of(path, body, web=web),
                as_form(expect) if web else expect,
                True,
                check=check,
            )
        )
    position = "/api/documents/{id}/paragraphs/{paragraph}/position"
    for method, endpoint, body, ok in [
        ("PUT", "api.mark_position", {"position": "can_live_with"}, 200),
        ("DELETE", "api.clear_position", None, 204),
    ]:
        expect = on_document(Action.MARK_POSITION, ok, login=True)
        cases.append(Case(endpoint, method, "", request_of(position, body), expect, True))
    for method, endpoint, path, body, ok, needs_login in FOREIGN:
        expect = on_foreign(ok, login=needs_login)
        cases.append(
            Case(
                endpoint, method, "other process", request_of(path, body), expect, body is not None
            )
        )
    for trigger in [*STEPS, NOT_A_STEP]:
        body = {"deadline": "$deadline", "reason": REASON}
        for endpoint, path, expect in [
            ("api.take_transition", "/api/documents/{id}/transitions/", step(trigger)),
            ("web.take_transition", "/documents/{id}/transitions/", web_step(trigger)),
        ]:
            web = endpoint.startswith("web.")
            cases.append(
                Case(
                    endpoint,
                    "POST",
                    trigger,
                    request_of(path + trigger, body, web=web),
                    expect,
                    True,
                )
            )
    account = signed_in(200)
    cases += [
        Case(
            "api.login",
            "POST",
            "",
            lambda w, who: credentials(w, who, web=False),
            lambda who, state: 401 if who == ANON else 200,
            False,
            fresh=True,
        ),
        Case("api.logout", "POST", "", request_of("/api/logout", {}), account, False, fresh=True),
        Case("api.me", "GET", "", request_of("/api/me"), account, False),
        Case(
            "api.set_locale",
            "POST",
            "",
            request_of("/api/me/locale", {"locale": "en"}),
            account,
            True,
        ),
        Case("api.processes", "GET", "", request_of("/api/processes"), account, False),
        Case(
            "api.documents",
            "GET",
            "",
            request_of("/api/documents"),
            account,
            False,
            check=documents_listed,
        ),
        Case(
            "api.import_document",
            "POST",
            "",
            lambda w, who: Req(
                "/api/documents/import",
                files={
                    "file": (io.BytesIO(b"1. A new text.\n2. Its second paragraph.\n"), "new.txt"),
                    "process_id": str(w.process_id),
                },
            ),
            importer,
            True,
        ),
        Case(
            "api.import_translation",
            "POST",
            "",
            lambda w, who: Req(
                f"/api/documents/{w.id}/translation",
                files={"file": (io.BytesIO(TRANSLATION), "es.txt"), "lang": "es"},
            ),
            staff_only(200, then=edits_text()),
            True,
        ),
        Case(
            "web.import_page",
            "GET",
            "",
            request_of("/processes/{process_id}/import"),
            process_page(ours=True),  # others of the process see why they may not
            False,
        ),
        Case(
            "web.import_page",
            "POST",
            "",
            lambda w, who: Req(
                f"/processes/{w.process_id}/import",
                files={"file": (io.BytesIO(b"1. A new text.\n"), "new.txt"), "title": "New"},
            ),
            staff_only("done", anonymous="login"),
            True,
        ),
        Case(
            "web.translation_page",
            "GET",
            "",
            request_of("/documents/{id}/translation"),
            process_page(ours=True),
            False,
        ),
        Case(
            "web.translation_page",
            "POST",
            "",
            lambda w, who: Req(
                f"/documents/{w.id}/translation",
                files={"file": (io.BytesIO(TRANSLATION), "es.txt"), "lang": "es"},
            ),
            staff_only("done", anonymous="login", then=edits_text(400)),
            True,
        ),
        Case(
            "web.markup_page",
            "GET",
            "",
            request_of("/documents/{id}/amendments/import"),
            shown_with_reasons,
            False,
        ),
        Case(
            "web.markup_page",
            "POST",
            "",
            lambda w, who: Req(
                f"/documents/{w.id}/amendments/import",
                files={"file": (io.BytesIO(w.marked), "marked-up.docx"), "choose": "0"},
            ),
            marked_up_form,
            True,
        ),
        Case("web.home", "GET", "", request_of("/"), public(200), False),
        Case(
            "web.login",
            "GET",
            "",
            request_of("/login"),
            lambda who, state: 200 if who == ANON else "redirect",
            False,
        ),
        Case(
            "web.login",
            "POST",
            "",
            lambda w, who: credentials(w, who, web=True),
            lambda who, state: 401 if who == ANON else "done",
            False,
            fresh=True,
        ),
        Case(
            "web.logout",
            "POST",
            "",
            request_of("/logout", {}, web=True),
            signed_in("done", "login"),
            False,
            fresh=True,
        ),
        Case("web.account", "GET", "", request_of("/account"), signed_in(200, "login"), False),
        Case(
            "web.account",
            "POST",
            "",
            request_of("/account", {"locale": "en"}, web=True),
            signed_in("done", "login"),
            True,
        ),
        Case(
            "web.process",
            "GET",
            "",
            request_of("/processes/{process_id}"),
            process_page(ours=True),
            False,
        ),
        Case(
            "web.process",
            "GET",
            "other process",
            request_of("/processes/{foreign_process_id}"),
            process_page(ours=False),
            False,
        ),
        *desk_cases(),
        *notification_cases(),
        *round_cases(),
        Case("health.healthz", "GET", "", request_of("/healthz"), public(200), False),
        Case("static", "GET", "", request_of("/static/css/app.css"), public(200), False),
    ]
    return cases


CASES = all_cases()
SOCKET_EVENTS = ["join", "leave", "editing", "tracked", "edit", "resync"]


# --------------------------------------------------------------------------------------------
# Building the states, and undoing successful writes
# --------------------------------------------------------------------------------------------


class Snapshot:
    """A copy of the world's database taken once it is built; `restore()` puts it back."""

    def __init__(self, app, url: str) -> None:
        self.app, self.url = app, url
        self.pg = url.startswith("postgresql")
        self.name = make_url(url).database
        self.copy = f"{self.name}_pristine" if self.pg else f"{self.name}.pristine"

    def _release(self) -> None:
        change_push.settle()  # no background push still reading the files about to be swapped
        with self.app.app_context():
            db.session.remove()
            db.engine.dispose()

    def _admin(self, *statements: str) -> None:
        engine = create_engine(admin_url(database_url(PG_URL, "")), isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            for statement in statements:
                connection.execute(text(statement))
        engine.dispose()

    def take(self) -> None:
        self._release()
        if self.pg:
            self._admin(f'CREATE DATABASE "{self.copy}" TEMPLATE "{self.name}"')
        else:
            for suffix in ("", "-wal"):
                if Path(self.name + suffix).exists():
                    shutil.copyfile(self.name + suffix, self.copy + suffix)

    def restore(self) -> None:
        self._release()
        if self.pg:
            self._admin(
                f'DROP DATABASE "{self.name}" WITH (FORCE)',
                f'CREATE DATABASE "{self.name}" TEMPLATE "{self.copy}"',
            )
            return
        for suffix in ("-wal", "-shm"):
            Path(self.name + suffix).unlink(missing_ok=True)
        for suffix in ("", "-wal"):
            if Path(self.copy + suffix).exists():
                shutil.copyfile(self.copy + suffix, self.name + suffix)

    def drop(self) -> None:
        if self.pg:
            self._admin(f'DROP DATABASE IF EXISTS "{self.copy}" WITH (FORCE)')
        else:
            for suffix in ("", "-wal"):
                Path(self.copy + suffix).unlink(missing_ok=True)


def fingerprint(app) -> tuple:
    """Everything a write could change (row counts, states and statuses), logins aside."""
    with app.app_context():
        return row_counts(), column_states()


class Actor:
    """A setup client that logs in as whoever acts next."""

    def __init__(self, app) -> None:
        self.client = app.test_client()
        self.token = ""

    def as_(self, who: str) -> Actor:
        self.token = login(self.client, who)
        return self

    def post(self, url: str, body: dict) -> dict:
        response = self.client.post(url, json=body, headers={"X-CSRFToken": self.token})
        assert response.status_code in (200, 201), (url, response.get_json())
        return response.get_json()

    def paragraph(self, document_id: int, number: str) -> dict:
        data = self.client.get(f"/api/documents/{document_id}").get_json()
        return next(p for p in data["paragraphs"] if p["number"] == number)

    def edit(self, document_id: int, number: str, text_: str, lang: str = "en") -> None:
        paragraph = self.paragraph(document_id, number)
        self.post(
            f"/api/documents/{document_id}/paragraphs/{paragraph['id']}/versions",
            {"lang": lang, "text": text_, "base_version": paragraph["version"][lang]},
        )


def other_process(app) -> tuple[int, int, int]:
    """A second process with its own delegation, user (its PPT) and document."""
    with app.app_context():
        process = Process(name="A conference elsewhere")
        db.session.add(process)
        db.session.flush()
        delegation = people.delegation("OT", "Otheria", DelegationKind.MEMBER_STATE)
        outsider = people.create_user(EMAIL[OUT], "Olga Outsider", PASSWORD, delegation)
        people.add_member(outsider, process, Role.PPT)
        forest = importing.parse_upload("elsewhere.txt", b"1. Elsewhere.\n2. Far away.\n")
        document = importing.create_document(process, outsider, forest, title="Elsewhere")
        db.session.commit()
        paragraph = db.session.scalar(
            select(Paragraph.id).where(Paragraph.document_id == document.id).limit(1)
        )
        return process.id, document.id, paragraph


def build(app, document_id: int, state: str) -> World:
    """The demo document in `state`, with the fixture's amendments, edits and an outsider."""
    foreign_process, foreign_id, foreign_paragraph = other_process(app)
    actor = Actor(app)
    doc = f"/api/documents/{document_id}"
    actor.as_(COM)
    before = actor.paragraph(document_id, "3")
    actor.edit(document_id, "3", before["text"]["en"] + " Noted.")
    actor.edit(document_id, "3", before["text"]["es"] + " Tomado en cuenta.", "es")
    if state == REVIEW:
        pending = actor.paragraph(document_id, "13.c")
        actor.edit(document_id, "13.c", pending["text"]["en"] + " Later.")
    target = actor.paragraph(document_id, "8.a")
    own = actor.as_(DEL).post(
        f"{doc}/amendments",
        {
            "kind": "modify",
            "paragraph_id": target["id"],
            "text": "Decline it, Mexico says.",
            "rationale": "R.",
        },
    )["id"]
    actor.as_(CANADA)
    other = actor.post(
        f"{doc}/amendments",
        {
            "kind": "modify",
            "paragraph_id": target["id"],
            "text": "Decline it, Canada says.",
            "rationale": "R.",
        },
    )["id"]
    if state == ROUND:
        actor.as_(SEC).post(f"{doc}/transitions/open_round", {"deadline": future()})
    if state in (SILENCE, ADOPTED):
        actor.as_(COM)
        for amendment in (own, other):
            actor.post(f"/api/amendments/{amendment}/decision", {"decision": "reject"})
        actor.as_(PPT).post(f"{doc}/transitions/start_silence", {"deadline": future()})
    if state == ADOPTED:
        clock.shift(timedelta(days=6).total_seconds())
        try:
            actor.as_(PPT).post(f"{doc}/transitions/adopt", {})
        finally:
            clock.reset()
    with app.app_context():
        assert db.session.get(Document, document_id).state == state
        process_id = db.session.get(Document, document_id).process_id
        canada_id = db.session.scalar(select(User.id).where(User.email == EMAIL[CANADA]))
    exported = actor.as_(DEL).client.get(f"{doc}/export?format=docx")
    assert exported.status_code == 200
    marked = Marked(exported.data)
    marked.replace("6.", "to ratify the commitment", "to reaffirm the commitment")
    return World(
        app=app,
        state=state,
        id=document_id,
        process_id=process_id,
        paragraph=target["id"],
        restorable=before["id"],
        pending=actor.paragraph(document_id, "13.c")["id"],
        own=own,
        other=other,
        foreign_id=foreign_id,
        foreign_process_id=foreign_process,
        foreign_paragraph=foreign_paragraph,
        marked=marked.bytes(),
        participant=canada_id,
    )


@pytest.fixture
def world(request, databases, tmp_path):
    """A fresh copy of the demo, built into the state the test asks for."""
    url = databases.new()
    os.environ["DRAFTING_INSTANCE"] = str(tmp_path / "instance")
    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    built = build(app, databases.demo_id, request.param)
    for who in WHO:
        client = app.test_client()
        built.clients[who] = client
        built.tokens[who] = anonymous_token(client) if who == ANON else login(client, who)
    snapshot = Snapshot(app, url)
    snapshot.take()
    yield built, snapshot
    snapshot._release()
    snapshot.drop()
    clock.reset()
    databases.drop(url)


# --------------------------------------------------------------------------------------------
# The tests
# --------------------------------------------------------------------------------------------


def client_for(w: World, case: Case, who: str):
    if not case.fresh:
        return w.clients[who], w.tokens[who]
    client = w.app.test_client()
    if case.endpoint == "api.login" or (case.endpoint == "web.login"):
        return client, anonymous_token(client)
    return client, anonymous_token(client) if who == ANON else login(client, who)


def format_table(rows: list[tuple]) -> str:
    header = ("case", "who", "expected", "got", "note")
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(5)]
    return "\n".join(
        "  ".join(str(value).ljust(width) for value, width in zip(row, widths, strict=True))
        for row in [header, *rows]
    )


@pytest.mark.parametrize("world", STATES, indirect=True)
def test_every_route_for_everyone(world):
    w, snapshot = world
    pristine = fingerprint(w.app)
    mismatches: list[tuple] = []
    for case in CASES:
        for who in WHO:
            expected = case.expect(who, w.state)
            client, token = client_for(w, case, who)
            response = send(client, token, case, case.request(w, who))
            got, note = outcome_of(client, case, response)
            if note is None and case.check and succeeded(got):
                note = case.check(response, who, w)
            if case.write and succeeded(got):
                snapshot.restore()
            elif case.write and fingerprint(w.app) != pristine:
                note = (note or "") + " refused, yet the database changed"
                snapshot.restore()
            if got != expected or note:
                mismatches.append((case.name, who, expected, got, note or ""))
    assert not mismatches, f"in {w.state}:\n" + format_table(mismatches)


def socket_expectations(who: str, state: str) -> dict[str, Any]:
    adopted = state == ADOPTED
    if who == ANON:
        return {"connect": "refused"}
    joined = who != OUT or adopted
    edit = refusal(Action.EDIT_TEXT, who, state) if who != OUT else 403
    return {
        "connect": "connected",
        "join": "ok" if joined else 404,
        "editing": "ok" if joined else 400,  # "join a document first"
        "tracked": "ok" if joined else 400,
        "edit": (edit or "ok") if joined else 400,
        "resync": "ok" if joined else 400,  # whoever may read the text may ask for it again
        "join other process": "ok" if who == OUT else 404,
        # The outsider is now in its own document, where our paragraph is unknown; everyone
        # else is still in ours, where the other document's paragraph is unknown.
        "edit a paragraph of another document": 404 if who == OUT else (edit or 404),
        "resync a paragraph of another document": 404,
        "leave": "ok",
    }


def ack_outcome(answer: Any) -> Any:
    if isinstance(answer, dict) and "error" in answer:
        return answer.get("status")
    return "ok" if isinstance(answer, dict) else f"no ack: {answer!r}"


@pytest.mark.parametrize("world", STATES, indirect=True)
def test_every_socket_event_for_everyone(world):
    w, snapshot = world
    pristine = fingerprint(w.app)
    mismatches: list[tuple] = []
    for who in WHO:
        expected = socket_expectations(who, w.state)
        got: dict[str, Any] = {}
        sio = socketio.test_client(w.app, flask_test_client=w.clients[who])
        got["connect"] = "connected" if sio.is_connected() else "refused"
        if sio.is_connected():
            got["join"] = ack_outcome(sio.emit("join", {"document_id": w.id}, callback=True))
            got["editing"] = ack_outcome(
                sio.emit("editing", {"paragraph_id": w.paragraph, "lang": "en"}, callback=True)
            )
            got["tracked"] = ack_outcome(sio.emit("tracked", {"on": False}, callback=True))
            seq, current = w.current(w.paragraph)
            patch = textdiff.make_patch(current, current + " Typed live.")
            data = {"paragraph_id": w.paragraph, "lang": "en", "base_version": seq, "patch": patch}
            got["edit"] = ack_outcome(sio.emit("edit", data, callback=True))
            if got["edit"] == "ok":
                snapshot.restore()
            asked = {"paragraph_id": w.paragraph, "lang": "en"}
            got["resync"] = ack_outcome(sio.emit("resync", asked, callback=True))
            got["join other process"] = ack_outcome(
                sio.emit("join", {"document_id": w.foreign_id}, callback=True)
            )
            elsewhere = w.paragraph if who == OUT else w.foreign_paragraph
            stray = {**data, "paragraph_id": elsewhere, "base_version": 1}
            got["edit a paragraph of another document"] = ack_outcome(
                sio.emit("edit", stray, callback=True)
            )
            got["resync a paragraph of another document"] = ack_outcome(
                sio.emit("resync", {"paragraph_id": elsewhere, "lang": "en"}, callback=True)
            )
            got["leave"] = ack_outcome(sio.emit("leave", {}, callback=True))
            sio.disconnect()
        for event in expected:
            if got.get(event) != expected[event]:
                mismatches.append((event, who, expected[event], got.get(event), ""))
    if fingerprint(w.app) != pristine:
        mismatches.append(("(refused socket writes)", "-", "no change", "database changed", ""))
    assert not mismatches, f"in {w.state}:\n" + format_table(mismatches)


def test_the_table_covers_every_route_and_event(app):
    """A new route or socket event fails here until it has its rows in the table above."""
    routes = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    covered = {(case.endpoint, case.method) for case in CASES}
    assert sorted(routes - covered) == [], "routes missing from the authorization table"
    assert sorted(covered - routes) == [], "the table lists routes that no longer exist"
    events = set(socketio.server.handlers["/"]) - {"connect", "disconnect"}
    assert sorted(events - set(SOCKET_EVENTS)) == [], "socket events missing from the table"
    assert set(SOCKET_EVENTS) <= events


def test_the_table_holds_every_kind_of_person_state_and_outcome():
    """The generated table is what the issue asks for: 7 people x 4 states x every case, and
    it exercises every outcome class somewhere."""
    outcomes = {case.expect(who, state) for case in CASES for who in WHO for state in STATES}
    assert {200, 201, 401, 403, 404, 409, "login", "done", "refused"} <= outcomes
    assert len(CASES) * len(WHO) * len(STATES) > 1500


def test_a_delegate_acts_only_for_its_own_delegation(auth, demo):
    """The table's rows, read as a story: Mexico cannot withdraw Canada's amendment, cannot
    co-sponsor its own, and filing "as Canada" still files as Mexico."""
    auth.login(EMAIL[DEL])  # the demo reads through the same client
    target = demo.paragraph("8.a")
    url = f"/api/documents/{demo.id}/amendments"
    auth.login(EMAIL[CANADA])
    why = {"rationale": "R."}
    canada = auth.post(
        url, {"kind": "modify", "paragraph_id": target["id"], "text": "Canada.", **why}
    )
    auth.login(EMAIL[DEL])
    mine = auth.post(url, {"kind": "modify", "paragraph_id": target["id"], "text": "Mexico.",
                           "delegation": "CA", **why})  # fmt: skip
    assert mine.status_code == 201 and mine.get_json()["delegation"] == "MX"
    canada_id, mine_id = canada.get_json()["id"], mine.get_json()["id"]
    withdraw = auth.post(f"/api/amendments/{canada_id}/withdraw")
    assert withdraw.status_code == 403 and withdraw.get_json()["reasons"]
    assert auth.post(f"/api/amendments/{mine_id}/co-sponsor").status_code == 409
    assert auth.post(f"/api/amendments/{canada_id}/co-sponsor").status_code == 200
    listed = {a["id"]: a for a in auth.get(url).get_json()}
    assert listed[canada_id]["status"] == "submitted"
    assert listed[canada_id]["delegation"] == "CA"
    assert "MX" in str(listed[canada_id]["co_sponsors"])
