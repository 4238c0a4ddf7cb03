"""HTML pages: login form with CSRF, process and document pages, security headers; login
throttling per client address and per account, alike for known and unknown e-mails."""

from __future__ import annotations

import os
import re
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from support.databases import BASE_CONFIG

from drafting import create_app
from drafting.extensions import db


def csrf_from(html: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def login_form(client, email="panama@demo.test", password="demo-password"):
    page = client.get("/login").get_data(as_text=True)
    return client.post(
        "/login", data={"email": email, "password": password, "csrf_token": csrf_from(page)}
    )


def test_login_form_needs_csrf(client, demo):
    response = client.post(
        "/login", data={"email": "panama@demo.test", "password": "demo-password"}
    )
    assert response.status_code == 400
    assert client.get("/api/documents").status_code == 401


def test_login_form_and_document_page(client, demo):
    response = login_form(client)
    assert response.status_code == 302
    page = client.get(f"/documents/{demo.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "To thank Mexico for the report" in html
    assert 'data-number="6.b.ii"' in html
    assert ">ii.<" in html
    assert "committee review" in html
    assert "workflow-diagram" in html
    assert "<script>" not in html  # scripts come from files only (CSP)


def test_wrong_password_shows_a_form_message(client, demo):
    response = login_form(client, password="not-the-password")
    assert response.status_code == 401
    assert "wrong email or password" in response.get_data(as_text=True)


def test_security_headers(client, demo):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_process_page_lists_documents_and_participants(client, demo):
    login_form(client)
    process_id = client.get("/api/processes").get_json()[0]["id"]
    html = client.get(f"/processes/{process_id}").get_data(as_text=True)
    assert "Conclusions of the Meeting" in html
    assert "Costa Rica" in html and "committee" in html


def test_anonymous_cannot_see_a_document_in_progress(client, demo):
    assert client.get(f"/documents/{demo.id}").status_code == 404
    assert client.get(f"/api/documents/{demo.id}").status_code == 404


def test_spanish_interface_switch(client, demo):
    login_form(client)
    html = client.get(f"/documents/{demo.id}?lang=es").get_data(as_text=True)
    assert 'lang="es"' in html


# --------------------------------------------------------------------------------------------
# Sessions end on the server: logout, password change, lock-out
# --------------------------------------------------------------------------------------------


def copy_of_cookie(app, client):
    """A second client holding the session cookie as saved before anything else happens."""
    name = app.config["SESSION_COOKIE_NAME"]
    thief = app.test_client()
    thief.set_cookie(name, client.get_cookie(name).value)
    return thief


def comment_count(app, document_id: int) -> int:
    from sqlalchemy import func, select

    from drafting.extensions import db
    from drafting.models import Comment

    with app.app_context():
        return db.session.scalar(
            select(func.count()).select_from(Comment).where(Comment.document_id == document_id)
        )


def test_a_cookie_saved_before_logout_is_refused_after(app, auth, client, demo):
    from drafting.extensions import socketio

    auth.login("mexico@demo.test")
    thief = copy_of_cookie(app, client)
    assert thief.get("/api/me").status_code == 200
    assert auth.logout().status_code == 200
    before = comment_count(app, demo.id)

    assert thief.get("/api/me").status_code == 401
    comment = thief.post(
        f"/api/documents/{demo.id}/comments",
        json={"body": "still here"},
        headers={"X-CSRFToken": auth.csrf},
    )
    assert comment.status_code == 401
    assert comment.get_json() == {"error": "log in first"}
    assert comment_count(app, demo.id) == before
    assert not socketio.test_client(app, flask_test_client=thief).is_connected()
    page = thief.get(f"/documents/{demo.id}")
    assert page.status_code == 404  # anonymous: a document in progress is not there


def test_logging_out_of_the_page_ends_the_session_on_the_server(app, client, demo):
    login_form(client, email="mexico@demo.test")
    thief = copy_of_cookie(app, client)
    page = client.get("/account").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    account = thief.get("/account")
    assert account.status_code == 302
    assert "/login" in account.headers["Location"]


def test_logout_closes_the_sockets_of_that_session_only(app, auth, client, demo):
    from drafting.extensions import socketio

    auth.login("mexico@demo.test")
    mine = socketio.test_client(app, flask_test_client=client)
    other_http = app.test_client()
    assert (
        other_http.post(
            "/api/login", json={"email": "mexico@demo.test", "password": "demo-password"}
        ).status_code
        == 200
    )
    other = socketio.test_client(app, flask_test_client=other_http)
    assert mine.emit("join", {"document_id": demo.id}, callback=True)["document_id"] == demo.id
    assert mine.is_connected() and other.is_connected()

    assert auth.logout().status_code == 200
    assert not mine.is_connected()
    assert other.is_connected()  # the same person's other login goes on
    assert other_http.get("/api/me").status_code == 200


def test_a_password_change_ends_every_other_session(app, auth, client, demo):
    from drafting.extensions import db, socketio
    from drafting.services import people, sessions

    auth.login("mexico@demo.test")
    with client.session_transaction() as cookie:
        mine = cookie[sessions.COOKIE_KEY]
    elsewhere = app.test_client()
    elsewhere.post("/api/login", json={"email": "mexico@demo.test", "password": "demo-password"})
    socket = socketio.test_client(app, flask_test_client=elsewhere)
    assert socket.is_connected()

    with app.app_context():
        people.change_password(demo.user("mexico@demo.test"), "a-new-long-password", keep=mine)
        db.session.commit()

    assert elsewhere.get("/api/me").status_code == 401
    assert not socket.is_connected()
    assert client.get("/api/me").status_code == 200


def test_locking_an_account_ends_its_sessions_and_sockets(app, auth, client, demo, runner):
    from drafting.extensions import socketio

    auth.login("mexico@demo.test")
    socket = socketio.test_client(app, flask_test_client=client)
    assert socket.is_connected()
    result = runner.invoke(args=["lock-user", "mexico@demo.test"])
    assert result.exit_code == 0, result.output
    assert client.get("/api/me").status_code == 401
    assert not socket.is_connected()
    again = app.test_client().post(
        "/api/login", json={"email": "mexico@demo.test", "password": "demo-password"}
    )
    assert again.status_code == 401
    assert runner.invoke(args=["lock-user", "mexico@demo.test", "--unlock"]).exit_code == 0
    assert auth.login("mexico@demo.test").status_code == 200


def test_wrong_passwords_never_lock_the_owner_out(app, auth, demo):
    guesser = app.test_client()
    for _ in range(8):
        wrong = guesser.post("/api/login", json={"email": "mexico@demo.test", "password": "x"})
        assert wrong.status_code == 401
    assert auth.login("mexico@demo.test").status_code == 200


# Login throttling: per client address, per account (the e-mail tried), alike for unknown
# e-mails, and atomic under parallel guesses. The suite runs with it off; these turn it on.

throttled = pytest.mark.app_config(RATELIMIT_ENABLED=True)
WRONG = "not-the-password"
PER_ADDRESS = 10  # "10 per minute" in drafting/config.py
PER_ACCOUNT = 20  # "20 per minute"


def attempt(client, email, password=WRONG, address="10.0.0.1"):
    return client.post(
        "/api/login",
        json={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def answer(response) -> tuple[int, dict, bool]:
    return response.status_code, response.get_json(), "Retry-After" in response.headers


def failed_logins(demo, email: str) -> int:
    return demo.user(email).failed_logins


@throttled
def test_parallel_wrong_passwords_are_throttled_not_all_checked(app, demo, monkeypatch):
    from drafting.models import User

    checks = []
    check = User.check_password
    monkeypatch.setattr(
        User, "check_password", lambda user, password: checks.append(1) or check(user, password)
    )
    clients = [app.test_client() for _ in range(24)]
    barrier = threading.Barrier(len(clients))

    def guess(index):
        barrier.wait()
        return attempt(clients[index], "mexico@demo.test", f"wrong-{index}", "10.0.0.66")

    with ThreadPoolExecutor(len(clients)) as pool:
        statuses = sorted(r.status_code for r in pool.map(guess, range(len(clients))))
    assert statuses == [401] * PER_ADDRESS + [429] * (len(clients) - PER_ADDRESS)
    assert len(checks) == PER_ADDRESS
    assert failed_logins(demo, "mexico@demo.test") == PER_ADDRESS  # no failure lost


@throttled
def test_one_address_guessing_across_accounts_is_throttled(client, demo):
    for index in range(PER_ADDRESS):
        assert attempt(client, f"guess{index}@demo.test").status_code == 401
    refused = attempt(client, "panama@demo.test", "demo-password")
    assert refused.status_code == 429
    assert refused.get_json() == {"error": "too many login attempts; try again later"}
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    # another address is not held back by this one
    assert attempt(client, "panama@demo.test", "demo-password", "10.0.0.2").status_code == 200


@throttled
@pytest.mark.parametrize("spread", ["one address", "many addresses"])
def test_unknown_and_known_emails_answer_alike_at_every_count(client, demo, spread):
    for count in range(PER_ACCOUNT + 2):
        known_from = "10.1.0.1" if spread == "one address" else f"10.1.{count}.1"
        unknown_from = "10.2.0.1" if spread == "one address" else f"10.2.{count}.1"
        known = attempt(client, "mexico@demo.test", address=known_from)
        unknown = attempt(client, "nobody@demo.test", address=unknown_from)
        assert answer(known) == answer(unknown), count
    assert answer(known)[0] == 429
    assert answer(unknown)[0] == 429


@throttled
def test_the_owner_logs_in_from_another_address_after_an_attackers_guesses(client, demo):
    for _ in range(5):
        assert attempt(client, "mexico@demo.test", address="10.0.0.66").status_code == 401
    # the attacker keeps going after being throttled; that spends nothing of the account's
    for _ in range(30):
        attempt(client, "mexico@demo.test", address="10.0.0.66")
    assert attempt(client, "mexico@demo.test", address="10.0.0.66").status_code == 429
    owner = attempt(client, "mexico@demo.test", "demo-password", "10.0.0.7")
    assert owner.status_code == 200
    assert failed_logins(demo, "mexico@demo.test") == 0


@throttled
def test_an_account_tried_from_many_addresses_is_slowed_not_locked(client, demo):
    for index in range(PER_ACCOUNT):
        assert attempt(client, "mexico@demo.test", address=f"10.3.{index}.1").status_code == 401
    slowed = attempt(client, "mexico@demo.test", "demo-password", "10.0.0.7")
    assert slowed.status_code == 429
    assert 0 < int(slowed.headers["Retry-After"]) <= 60  # a minute at most, not a lock-out
    assert failed_logins(demo, "mexico@demo.test") == PER_ACCOUNT  # the 429 checked nothing


@throttled
def test_a_successful_login_starts_the_account_count_afresh(client, demo):
    for index in range(PER_ACCOUNT - 1):
        assert attempt(client, "mexico@demo.test", address=f"10.4.{index}.1").status_code == 401
    assert attempt(client, "mexico@demo.test", "demo-password", "10.5.0.1").status_code == 200
    for index in range(PER_ACCOUNT):
        assert attempt(client, "mexico@demo.test", address=f"10.6.{index}.1").status_code == 401


@throttled
def test_throttled_login_form_says_so(client, demo):
    page = client.get("/login").get_data(as_text=True)
    data = {"email": "panama@demo.test", "password": WRONG, "csrf_token": csrf_from(page)}
    for _ in range(PER_ADDRESS):
        assert client.post("/login", data=data).status_code == 401
    refused = client.post("/login", data={**data, "password": "demo-password"})
    assert refused.status_code == 429
    assert "Too many login attempts. Try again in 1 minute." in refused.get_data(as_text=True)
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert client.get("/login").status_code == 200  # showing the form is not limited
    assert client.get("/api/documents").status_code == 401


@throttled
def test_throttled_login_form_in_spanish(client, demo):
    page = client.get("/login?lang=es").get_data(as_text=True)
    data = {"email": "panama@demo.test", "password": WRONG, "csrf_token": csrf_from(page)}
    for _ in range(PER_ADDRESS):
        client.post("/login?lang=es", data=data)
    refused = client.post("/login?lang=es", data=data)
    assert refused.status_code == 429
    assert "Demasiados intentos" in refused.get_data(as_text=True)


REDIS = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def redis_client():
    """Redis for the shared counts; skipped when unreachable, except in CI."""
    import redis

    client = redis.Redis.from_url(REDIS, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as error:
        if os.environ.get("CI") == "true" or os.environ.get("DRAFTING_REQUIRE_SERVICES"):
            pytest.fail(f"Redis unreachable: {error} (required in CI)")
        pytest.skip(f"Redis unreachable: {error}")
    yield client
    client.close()


@pytest.mark.services
@pytest.mark.app_config(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=REDIS)
def test_counts_are_kept_in_redis_and_shared_by_every_process(redis_client, app, demo):
    address = f"10.{uuid.uuid4().int % 250}.{os.getpid() % 250}.{uuid.uuid4().int % 250}"
    email = f"nobody-{uuid.uuid4().hex[:8]}@demo.test"
    try:
        client = app.test_client()
        for _ in range(PER_ADDRESS):
            assert attempt(client, email, address=address).status_code == 401
        assert redis_client.keys(f"*{address}*")
        assert redis_client.keys(f"*{email}*")
        # a second server process (here a second app) on the same Redis sees the same counts
        other = create_app(
            {
                **BASE_CONFIG,
                "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                "RATELIMIT_ENABLED": True,
                "RATELIMIT_STORAGE_URI": REDIS,
            }
        )
        try:
            refused = attempt(other.test_client(), email, address=address)
            assert refused.status_code == 429
        finally:
            with other.app_context():
                db.session.remove()
                db.engine.dispose()
    finally:
        for key in redis_client.keys(f"*{address}*") + redis_client.keys(f"*{email}*"):
            redis_client.delete(key)
