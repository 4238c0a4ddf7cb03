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
