"""HTML pages: login form with CSRF, process and document pages, security headers."""

from __future__ import annotations

import re


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


def test_a_lock_out_ends_the_sessions_of_the_account(app, auth, client, demo):
    from drafting.extensions import socketio

    auth.login("mexico@demo.test")
    socket = socketio.test_client(app, flask_test_client=client)
    assert socket.is_connected()
    guesser = app.test_client()
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        wrong = guesser.post("/api/login", json={"email": "mexico@demo.test", "password": "x"})
        assert wrong.status_code == 401
    assert client.get("/api/me").status_code == 401
    assert not socket.is_connected()
