"""The secretariat's desk in Chromium, against a real server whose mail goes to a local
SMTP server: create a process, invite three people, one sets a password from the mail and
is in; the PPT is handed over; a logged-out visitor of an adopted text sees what the
process publishes."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from support.browser import launch_options, skip_without_chromium
from support.live_server import serve
from support.mail import smtp_server

skip_without_chromium()

from playwright.sync_api import expect, sync_playwright  # noqa: E402

pytestmark = pytest.mark.browser
SECRETARIAT = "secretariat@demo.test"


@pytest.fixture(scope="module")
def desk(databases, tmp_path_factory):
    """A live server that sends its mail by SMTP to a mailbox the test reads."""
    controller, box = smtp_server()
    env = {"MAIL_SERVER": box.host, "MAIL_PORT": str(box.port)}
    try:
        with serve(databases, tmp_path_factory.mktemp("desk"), env=env) as server:
            yield server, box
    finally:
        controller.stop()


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(**launch_options())
        yield chromium
        chromium.close()


def log_in(page, url: str, email: str, password: str = "demo-password") -> None:
    page.goto(f"{url}/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.press("#password", "Enter")
    page.wait_for_url(f"{url}/")


def test_a_secretariat_sets_up_a_process_and_an_invited_person_gets_in(desk, browser):
    server, box = desk
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    log_in(page, server.url, SECRETARIAT)
    page.click("a.desk-link")
    page.click("text=New process")
    page.fill("#name", "Regional Conference 2027")
    page.fill("#acronym", "RC27")
    page.fill("#timezone", "America/Costa_Rica")
    page.press("#timezone", "Enter")
    expect(page.locator(".flash-ok")).to_contain_text("Now add its participants")
    people = [
        ("ana@desk.test", "Ana Ruiz", "", "PE", "Peru", "committee"),
        ("ben@desk.test", "Ben Cole", "MX", "", "", "delegate"),
        ("cai@desk.test", "Cai Lin", "IOM", "", "", "observer"),
    ]
    for email, name, code, new_code, new_name, role in people:
        page.fill("#email", email)
        page.fill("#pname", name)
        page.select_option("#delegation", code)
        page.fill("#new_code", new_code)
        page.fill("#new_name", new_name)
        page.select_option("#role", role)
        page.click("form[action$='/participants'] button[type=submit]")
        expect(page.locator(".flash-ok")).to_contain_text(f"invitation was mailed to {email}")
    box.wait_for(3)
    assert sorted(m["To"] for m in box.messages) == [p[0] for p in people]
    link = box.link(box.to("ana@desk.test")[0])
    assert link.startswith(server.url)

    invited = browser.new_context().new_page()
    invited.goto(link)
    invited.fill("#password", "ana-long-password")
    invited.fill("#confirm", "ana-long-password")
    invited.press("#confirm", "Enter")
    expect(invited.locator(".who")).to_contain_text("Ana Ruiz")
    invited.goto(link)
    expect(invited.locator(".flash-error")).to_contain_text("already been used")
    fresh = browser.new_context().new_page()
    log_in(fresh, server.url, "ana@desk.test", "ana-long-password")
    expect(fresh.locator(".who")).to_contain_text("Ana Ruiz")


def test_the_ppt_is_handed_over_and_the_public_sees_only_the_text(desk, browser):
    server, _box = desk
    api = server.session(SECRETARIAT)
    process_id = api.get(f"{server.url}/api/documents/{server.document_id}").json()["process_id"]
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    log_in(page, server.url, SECRETARIAT)
    page.goto(f"{server.url}/processes/{process_id}/participants")
    page.select_option("#ppt", "CR")
    page.click("text=Hand over")
    expect(page.locator(".flash-ok")).to_contain_text("The PPT is now CR.")
    roles = {
        p["email"]: p["role"]
        for p in api.get(f"{server.url}/api/processes/{process_id}/participants").json()
    }
    assert (roles["panama@demo.test"], roles["costarica@demo.test"]) == ("delegate", "ppt")

    ppt = server.session("costarica@demo.test")
    due = (datetime.now(UTC) + timedelta(seconds=3)).isoformat(timespec="seconds")
    url = f"{server.url}/api/documents/{server.document_id}/transitions"
    assert ppt.post(f"{url}/start_silence", json={"deadline": due}).status_code == 200
    time.sleep(4)
    assert ppt.post(f"{url}/adopt").status_code == 200

    visitor = browser.new_context().new_page()
    visitor.goto(f"{server.url}/documents/{server.document_id}")
    expect(visitor.locator(".sealed")).to_contain_text("SHA-256")
    expect(visitor.locator(".sealed")).to_contain_text("Costa Rica")
    for part in ("audit", "amendments", "changes"):
        response = visitor.goto(f"{server.url}/documents/{server.document_id}/{part}")
        assert response.status == 403, part
    answer = visitor.request.get(f"{server.url}/api/documents/{server.document_id}/reservations")
    assert answer.status == 200
