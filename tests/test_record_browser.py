"""The negotiation record in Chromium against a real server: the PPT marks a paragraph agreed
ad referendum with a date and the delegation's head confirms it on the paragraph panel; the
text shows numbered lines on request; the round dashboard shows who opened the text and who
filed, and reminds the silent ones. Pages are looked at in English and Spanish, at 1280 and
390 px, with no sideways scrolling."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from support.browser import launch_options, sideways, skip_without_chromium

skip_without_chromium()

from playwright.sync_api import expect, sync_playwright  # noqa: E402

pytestmark = pytest.mark.browser
MEXICO, PANAMA, TS = "mexico@demo.test", "panama@demo.test", "secretariat@demo.test"
SHOTS = os.environ.get("SCREENSHOTS")  # a folder: save what each page looks like there


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(**launch_options())
        yield chromium
        chromium.close()


def log_in(browser, url: str, email: str, width: int = 1280):
    page = browser.new_context(viewport={"width": width, "height": 900}).new_page()
    page.goto(f"{url}/login")
    page.fill("#email", email)
    page.fill("#password", "demo-password")
    page.press("#password", "Enter")
    page.wait_for_url(f"{url}/")
    return page


def look(browser, url: str, email: str, path: str, name: str, focus: str | None = None) -> None:
    """The page at both widths in both languages: nothing runs off a phone's screen. With
    SCREENSHOTS set, saves the page (or the part of it `focus` selects)."""
    for width in (1280, 390):
        page = log_in(browser, url, email, width)
        for lang in ("en", "es"):
            joiner = "&" if "?" in path else "?"
            page.goto(f"{url}{path}{joiner}lang={lang}")
            assert sideways(page) == [], (path, width, lang)
            if SHOTS:
                Path(SHOTS).mkdir(parents=True, exist_ok=True)
                shot = f"{SHOTS}/{name}-{lang}-{width}.png"
                if focus:
                    page.locator(focus).first.screenshot(path=shot)
                else:
                    page.screenshot(path=shot, full_page=width == 390)
        page.context.close()


def paragraph_id(server, number: str) -> int:
    return next(p["id"] for p in server.document()["paragraphs"] if p["number"] == number)


def test_ad_referendum_marked_and_confirmed_on_the_panel(live_server, browser):
    server = live_server
    staff = server.session(TS)
    mexico = next(
        p
        for p in staff.get(f"{server.url}/api/processes/1/participants").json()
        if p["email"] == MEXICO
    )
    response = staff.patch(
        f"{server.url}/api/processes/1/participants/{mexico['user_id']}", json={"head": True}
    )
    assert response.status_code == 200, response.text
    pid = paragraph_id(server, "8.a")
    chair = log_in(browser, server.url, PANAMA)
    chair.goto(f"{server.url}/documents/{server.document_id}")
    article = chair.locator(f"#p-{pid}")
    article.locator(".ad-ref-editor summary").click()
    article.locator("select[name=delegation]").select_option("MX")
    until = (datetime.now(UTC) + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M")
    article.locator("input[name=until]").fill(until)
    article.get_by_role("button", name="Mark agreed ad referendum").click()
    expect(chair.locator(".flash, .flashes").first).to_contain_text("agreed ad referendum")
    expect(chair.locator(f"#p-{pid} .ad-ref")).to_contain_text("MX agreed ad referendum until")
    expect(chair.locator(f"#p-{pid} [data-confirm-ad-ref]")).to_have_count(0)  # not the head
    chair.context.close()

    look(browser, server.url, MEXICO, f"/documents/{server.document_id}", "ad-ref", f"#p-{pid}")
    head = log_in(browser, server.url, MEXICO)
    head.goto(f"{server.url}/documents/{server.document_id}")
    head.locator(f"#p-{pid} [data-confirm-ad-ref]").click()
    expect(head.locator(".flash, .flashes").first).to_contain_text("Agreement confirmed")
    expect(head.locator(f"#p-{pid} .ad-ref")).to_have_count(0)
    assert next(p for p in server.document()["paragraphs"] if p["id"] == pid)["status"] == "agreed"
    head.context.close()


def test_line_numbers_on_the_page_and_in_print(live_server, browser):
    server = live_server
    page = log_in(browser, server.url, MEXICO)
    page.goto(f"{server.url}/documents/{server.document_id}")
    expect(page.locator(".plines")).to_have_count(0)
    page.locator("#line-toggle").click()
    expect(page.locator("#line-toggle")).to_have_text("Hide line numbers")
    first = page.locator(".plines.lang-en .line").first
    expect(first).to_be_visible()
    expect(first).to_have_attribute("data-line", "1")
    page.goto(f"{server.url}/documents/{server.document_id}/print")
    page.get_by_label("Line numbers").check()
    page.get_by_role("button", name="Show").click()
    expect(page.locator(".printable.numbered .line").first).to_have_attribute("data-line", "1")
    page.context.close()
    pid = paragraph_id(server, "8.a")
    document = f"/documents/{server.document_id}"
    look(browser, server.url, MEXICO, f"{document}?lines=1", "lines", f"#p-{pid}")
    look(browser, server.url, MEXICO, f"{document}/print?lines=1", "print", f"#p-{pid}")


def test_the_round_dashboard_and_the_reminder(live_server, browser):
    server = live_server
    due = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0).isoformat()
    response = server.session(PANAMA).post(
        f"{server.url}/api/documents/{server.document_id}/transitions/open_round",
        json={"deadline": due},
    )
    assert response.status_code == 200, response.text
    reader = log_in(browser, server.url, MEXICO)
    reader.goto(f"{server.url}/documents/{server.document_id}")  # opens the text in the round
    expect(reader.locator("nav a", has_text="Rounds")).to_have_count(0)  # not for delegates
    reader.context.close()

    page = log_in(browser, server.url, TS)
    page.goto(f"{server.url}/documents/{server.document_id}")
    page.locator("nav a", has_text="Rounds").click()
    expect(page.locator("#round-title")).to_have_text("Round 1")
    row = page.locator("#round-table tr[data-delegation=MX]")
    expect(row).not_to_contain_text("not opened")
    expect(page.locator("#round-table tr[data-delegation=GT]")).to_contain_text("not opened")
    expect(page.locator("#round-table tr[data-delegation=GT]")).to_contain_text("silent")
    with page.expect_download() as download:
        page.locator("#round-csv").click()
    assert "delegation,name,opened" in Path(download.value.path()).read_text()
    page.locator("#remind-silent").click()
    expect(page.locator(".flash, .flashes").first).to_contain_text("Reminder sent to")
    page.context.close()
    look(browser, server.url, TS, f"/documents/{server.document_id}/rounds/1", "rounds")


def set_password(server, email: str) -> None:
    import subprocess
    import sys

    env = {**os.environ, "DATABASE_URL": server.database_url}
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "set-password", email,
         "--password", "demo-password"],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


def test_the_head_signs_off_a_members_amendment(live_server, browser):
    server = live_server
    desk = log_in(browser, server.url, TS)
    desk.goto(f"{server.url}/processes/1/edit")
    desk.locator("#head_signoff").check()
    desk.get_by_role("button", name="Save").click()
    expect(desk.locator(".flash").first).to_contain_text("The process is saved")
    desk.context.close()
    look(browser, server.url, TS, "/processes/1/edit", "process-form", "form:has(#head_signoff)")

    member = "mexico2@demo.test"
    response = server.session(TS).post(
        f"{server.url}/api/processes/1/participants",
        json={"email": member, "name": "Second Mexican delegate", "delegation": "MX",
              "role": "delegate"},
    )  # fmt: skip
    assert response.status_code == 201, response.text
    set_password(server, member)

    pid = paragraph_id(server, "9")
    page = log_in(browser, server.url, member)
    page.goto(
        f"{server.url}/documents/{server.document_id}/amendments/new?paragraph={pid}&kind=modify"
    )
    page.locator("textarea[name=text_en]").fill("Take note of the report, with thanks.")
    page.locator("textarea[name=rationale]").fill("Thanks are due.")
    page.get_by_role("button", name="File the amendment").click()
    expect(page.locator(".flash").first).to_contain_text("head of delegation")
    expect(page.locator("#signoffs")).to_have_count(0)  # the member does not sign off
    page.context.close()

    look(browser, server.url, MEXICO, f"/documents/{server.document_id}", "signoffs", "#signoffs")
    head = log_in(browser, server.url, MEXICO)
    head.goto(f"{server.url}/documents/{server.document_id}")
    card = head.locator("#signoffs")
    expect(card).to_contain_text("Take note of the report, with thanks.")
    card.get_by_role("button", name="Sign off").click()
    expect(head.locator(".flash").first).to_contain_text("Signed off")
    expect(head.locator("#signoffs")).to_have_count(0)
    amendments = (
        server.session(TS).get(f"{server.url}/api/documents/{server.document_id}/amendments").json()
    )
    assert any(a["text"] == "Take note of the report, with thanks." for a in amendments)
    head.context.close()
