"""The negotiation record in Chromium, as the delegations and the chair use it: positions
marked on the map (and seen live by the PPT), a committee recommendation on rival
amendments that the proposer then reads, the compilation with only amended paragraphs and
as a Word file, and the Changes page saying what produced a revision."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import docx
import pytest
from support.browser import launch_options, sideways, skip_without_chromium

skip_without_chromium()

from playwright.sync_api import expect, sync_playwright  # noqa: E402

pytestmark = pytest.mark.browser
EIGHT_A = "Decline the proposal for incorporating the RCM TS into the Steering Committee"


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(**launch_options())
        yield chromium
        chromium.close()


def person(browser, server, email: str, width: int = 1280):
    page = browser.new_context(viewport={"width": width, "height": 900}).new_page()
    page.goto(f"{server.url}/login")
    page.fill("#email", email)
    page.fill("#password", "demo-password")
    page.press("#password", "Enter")
    page.wait_for_url(f"{server.url}/")
    return page


def paragraph_id(server, number: str) -> int:
    return next(p["id"] for p in server.document()["paragraphs"] if p["number"] == number)


def file_amendment(server, email: str, number: str, text: str) -> int:
    response = server.session(email).post(
        f"{server.url}/api/documents/{server.document_id}/amendments",
        json={
            "kind": "modify",
            "paragraph_id": paragraph_id(server, number),
            "text": text,
            "rationale": "Clearer.",
        },
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


def test_a_delegation_marks_a_position_and_the_chair_sees_it_live(live_server, browser):
    chair = person(browser, live_server, "panama@demo.test")
    chair.goto(f"{live_server.url}/documents/{live_server.document_id}/positions")
    row = chair.locator(f"#pos-{paragraph_id(live_server, '8.a')}")
    expect(row.locator(".pos-cell[data-delegation='MX']")).to_have_attribute("data-position", "")
    chair.wait_for_timeout(300)  # let the chair's page join the document's room

    mexico = person(browser, live_server, "mexico@demo.test", width=390)
    mexico.goto(f"{live_server.url}/documents/{live_server.document_id}")
    mexico.locator("a[href$='/positions']").first.click()
    mexico.select_option("[data-position-select='8.a']", "cannot_accept")
    mexico.fill(f"#pos-note-{paragraph_id(live_server, '8.a')}", "We need the TS in it.")
    mexico.click("[data-save-position='8.a']")
    expect(mexico.locator(".flash")).to_contain_text("position is saved")
    assert sideways(mexico) == [], "the page scrolls sideways at 390 px"

    cell = row.locator(".pos-cell[data-delegation='MX']")
    expect(cell).to_have_attribute("data-position", "cannot_accept")  # no reload
    expect(row.locator("[data-count='cannot_accept'] .n")).to_have_text("1")
    assert "We need the TS in it." in cell.get_attribute("title")

    observer = person(browser, live_server, "iom@demo.test")
    observer.goto(f"{live_server.url}/documents/{live_server.document_id}/positions")
    expect(observer.locator(".positions-map")).to_be_visible()
    expect(observer.locator("[data-position-select]")).to_have_count(0)


def test_the_committee_recommends_on_rivals_and_the_proposer_reads_it(live_server, browser):
    wording = "To thank UNHCR for its support to the RCM."
    mexico_id = file_amendment(live_server, "mexico@demo.test", "3", "To thank UNHCR.")
    canada_id = file_amendment(live_server, "canada@demo.test", "3", "To thank UNHCR warmly.")
    committee = person(browser, live_server, "elsalvador@demo.test")
    committee.goto(f"{live_server.url}/documents/{live_server.document_id}/amendments")
    mexico_row = committee.locator(f"#a-{mexico_id}")
    expect(mexico_row.locator(".rivals")).to_contain_text(f"#{canada_id}")
    mexico_row.locator("details.recommend summary").click()
    mexico_row.locator(f"[data-recommend='{mexico_id}']").select_option("accept_with_changes")
    form = mexico_row.locator(".recommend-form")
    form.locator("textarea[name=text]").fill(wording)
    form.locator("input[name=note]").fill("Keeps the thanks, adds the support.")
    mexico_row.locator(f"[data-save-recommendation='{mexico_id}']").click()
    expect(committee.locator(".flash")).to_contain_text("Recommendation")

    proposer = person(browser, live_server, "mexico@demo.test")
    proposer.goto(f"{live_server.url}/amendments/{mexico_id}/conflict")
    advice = proposer.locator(".recommendation")
    expect(advice).to_contain_text("accept with changes")
    expect(advice).to_contain_text(wording)
    expect(proposer.locator(".rivals")).to_contain_text(f"#{canada_id}")
    proposer.click("a[href='?lang=es']")  # the interface in Spanish
    expect(proposer.locator("html")).to_have_attribute("lang", "es")
    proposer.goto(f"{live_server.url}/documents/{live_server.document_id}/amendments")
    expect(proposer.locator(f"#a-{mexico_id} .recommendation")).to_contain_text(
        "aceptar con cambios"
    )


def test_the_compilation_shows_only_amended_paragraphs_and_downloads_as_word(live_server, browser):
    secretariat = person(browser, live_server, "secretariat@demo.test")
    secretariat.goto(f"{live_server.url}/documents/{live_server.document_id}/compilation")
    expect(secretariat.locator("tr.no-amendments").first).to_be_visible()
    secretariat.click("[data-only-amended]")
    expect(secretariat.locator("tr.no-amendments")).to_have_count(0)
    expect(secretariat.locator(".c-rivals")).to_be_visible()
    with secretariat.expect_download() as download:
        secretariat.click("[data-compilation-docx]")
    word = docx.Document(io.BytesIO(download.value.path().read_bytes()))
    cells = "\n".join(c.text for t in word.tables for r in t.rows for c in r.cells)
    assert "Competing amendments" in cells and "The committee recommends" in cells


def test_the_changes_page_says_what_produced_the_revision(live_server, browser):
    http = live_server.session("secretariat@demo.test")
    deadline = (datetime.now(UTC) + timedelta(days=7)).isoformat(timespec="seconds")
    opened = http.post(
        f"{live_server.url}/api/documents/{live_server.document_id}/transitions/open_round",
        json={"deadline": deadline, "reason": "Round on the consolidated text."},
    )
    assert opened.status_code == 200, opened.text
    page = person(browser, live_server, "canada@demo.test")
    page.goto(f"{live_server.url}/documents/{live_server.document_id}/changes?from=Draft")
    story = page.locator("#provenance")
    expect(story.locator("[data-revision='Rev.1']")).to_contain_text(
        "Round on the consolidated text."
    )
    expect(story.locator("[data-revision='Rev.1']")).to_contain_text("Open round")
