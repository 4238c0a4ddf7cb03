"""The amendment form in Chromium: choosing another paragraph brings that paragraph's text
(card, pre-filled wording, the versions it is based on), and the kind shows only the
fields that apply."""

from __future__ import annotations

import pytest
from support.browser import launch_options, skip_without_chromium

skip_without_chromium()

from playwright.sync_api import expect, sync_playwright  # noqa: E402

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(**launch_options())
        yield chromium
        chromium.close()


def log_in(page, url: str, email: str) -> None:
    page.goto(f"{url}/login")
    page.fill("#email", email)
    page.fill("#password", "demo-password")
    page.press("#password", "Enter")
    page.wait_for_url(f"{url}/")


def paragraphs(live_server) -> dict[str, dict]:
    return {p["number"]: p for p in live_server.document()["paragraphs"]}


def test_choosing_another_paragraph_brings_its_text_and_files_against_it(live_server, browser):
    by_number = paragraphs(live_server)
    eight_a, eight_b = by_number["8.a"], by_number["8.b"]
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    log_in(page, live_server.url, "mexico@demo.test")
    page.goto(f"{live_server.url}/documents/{live_server.document_id}/amendments/new"
              f"?paragraph={eight_a['id']}")  # fmt: skip
    card = page.locator("#current-card")
    expect(card.locator("h2")).to_contain_text("8.a")
    wording = page.locator("textarea[name=text_en]")
    expect(wording).to_have_value(eight_a["text"]["en"])

    page.select_option("select[name=paragraph_id]", str(eight_b["id"]))
    expect(card.locator("h2")).to_contain_text("8.b")
    expect(card.locator(".current-text[lang=en] .current-body")).to_have_text(eight_b["text"]["en"])
    expect(card.locator(".current-text[lang=es] .current-body")).to_have_text(eight_b["text"]["es"])
    expect(wording).to_have_value(eight_b["text"]["en"])
    expect(page.locator("input[name=base_paragraph_id]")).to_have_value(str(eight_b["id"]))

    # A wording the delegate wrote is not replaced without asking: saying no keeps it all.
    wording.fill(eight_b["text"]["en"] + " As agreed.")
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.select_option("select[name=paragraph_id]", str(eight_a["id"]))
    expect(page.locator("select[name=paragraph_id]")).to_have_value(str(eight_b["id"]))
    expect(card.locator("h2")).to_contain_text("8.b")
    expect(wording).to_have_value(eight_b["text"]["en"] + " As agreed.")

    page.fill("textarea[name=rationale]", "It was agreed in Panama.")
    page.click("button:has-text('File the amendment')")
    expect(page.locator(".flash-ok")).to_contain_text("filed")
    http = live_server.session("mexico@demo.test")
    listed = http.get(f"{live_server.url}/api/documents/{live_server.document_id}/amendments")
    [filed] = listed.json()
    assert filed["paragraph_id"] == eight_b["id"]
    assert filed["texts"] == {"en": eight_b["text"]["en"] + " As agreed."}
    assert filed["base_version"] == {"en": eight_b["version"]["en"]}
    assert filed["rationale"] == "It was agreed in Panama."


def test_the_kind_shows_only_the_fields_that_apply(live_server, browser):
    one = paragraphs(live_server)["1"]
    page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    log_in(page, live_server.url, "canada@demo.test")
    page.goto(f"{live_server.url}/documents/{live_server.document_id}/amendments/new"
              f"?paragraph={one['id']}")  # fmt: skip
    position = page.locator("select[name=position]")
    english = page.locator("textarea[name=text_en]")
    rationale = page.locator("textarea[name=rationale]")
    expect(position).to_be_hidden()
    expect(english).to_have_value(one["text"]["en"])
    expect(rationale).to_have_attribute("required", "")

    page.check("input[name=kind][value=insert]")
    expect(position).to_be_visible()
    expect(english).to_have_value("")  # a new paragraph starts empty
    expect(page.locator("[data-kinds=insert].muted")).to_be_visible()

    page.check("input[name=kind][value=delete]")
    expect(english).to_be_hidden()
    expect(english).to_be_disabled()
    expect(position).to_be_hidden()
    expect(page.locator("[data-kinds=delete]")).to_be_visible()

    page.check("input[name=kind][value=modify]")
    expect(english).to_be_visible()
    expect(english).to_have_value(one["text"]["en"])
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    # The browser asks for the rationale before anything is sent.
    english.fill(one["text"]["en"] + " Indeed.")
    page.click("button:has-text('File the amendment')")
    assert page.evaluate("document.querySelector('textarea[name=rationale]').validity.valueMissing")
