"""What a new user meets, in Chromium against a real server: no page scrolls sideways at
phone width for any role; irreversible steps ask first, in the reader's language; the
Spanish boxes of the live editor show their whole text; the language chosen before login
stays; a form post comes back with its message next to what it acted on."""

from __future__ import annotations

import re

import pytest
from support.browser import launch_options, skip_without_chromium
from support.roles import ACCOUNTS, COM, DEL, OBS, PPT, SEC

skip_without_chromium()

from playwright.sync_api import expect, sync_playwright  # noqa: E402

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(**launch_options())
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def filed(live_server):
    """Mexico's amendments on three paragraphs, so the tables have rows to lay out."""
    api = live_server.session(ACCOUNTS[DEL])
    paragraphs = live_server.document()["paragraphs"]
    url = f"{live_server.url}/api/documents/{live_server.document_id}/amendments"
    ids = []
    for p in paragraphs[3:9:2]:
        body = {
            "kind": "modify",
            "paragraph_id": p["id"],
            "lang": "en",
            "text": p["text"]["en"] + " in cooperation with international organizations",
            "rationale": "Clearer wording for the region as a whole",
        }
        response = api.post(url, json=body)
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    return ids


def context_of(browser, server, email: str | None, viewport=DESKTOP, lang: str = "en"):
    """A browser context logged in as `email` (or a visitor), reading in `lang`."""
    context = browser.new_context(viewport=viewport)
    if email:
        response = context.request.post(
            f"{server.url}/api/login", data={"email": email, "password": "demo-password"}
        )
        assert response.ok, response.text()
    context.new_page().goto(f"{server.url}/?lang={lang}")
    return context


def pages_for(server, role: str | None, amendment_id: int) -> list[str]:
    """Every page the role can open, with the demo document's ids filled in."""
    doc = f"/documents/{server.document_id}"
    paragraph = server.document()["paragraphs"][3]["id"]
    public = ["/", "/login", "/password/forgot", "/no-such-page", doc]
    if role is None:
        return public
    pages = [
        "/",
        "/account",
        "/processes/1",
        doc,
        f"{doc}/amendments",
        f"{doc}/changes",
        f"{doc}/compilation",
        f"{doc}/compare",
        f"{doc}/audit",
        f"{doc}/parallel",
        f"{doc}/print",
        f"{doc}/paragraphs/{paragraph}/history",
        "/no-such-page",
    ]
    if role in (DEL, COM, PPT):
        pages += [f"{doc}/amendments/new?paragraph={paragraph}", f"{doc}/amendments/import"]
    if role in (SEC, PPT):
        pages += ["/processes/1/import", f"{doc}/translation"]
    if role == SEC:
        pages += ["/processes", "/processes/new", "/processes/1/edit", "/processes/1/participants"]
    return pages


@pytest.mark.parametrize("role", [None, SEC, PPT, COM, DEL, OBS])
def test_no_page_scrolls_sideways_at_phone_width(live_server, browser, filed, role):
    context = context_of(browser, live_server, ACCOUNTS.get(role), PHONE, "es")
    page = context.new_page()
    too_wide = []
    for path in pages_for(live_server, role, filed[0]):
        page.goto(live_server.url + path)
        page.wait_for_load_state("load")
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            too_wide.append((path, width))
    context.close()
    assert not too_wide, f"pages wider than {PHONE['width']} px as {role}: {too_wide}"


def test_the_spanish_boxes_of_the_live_editor_show_their_whole_text(live_server, browser):
    context = context_of(browser, live_server, ACCOUNTS[COM], DESKTOP, "en")  # EN shown first
    page = context.new_page()
    page.goto(f"{live_server.url}/documents/{live_server.document_id}")
    expect(page.locator("#live-status")).to_have_class(re.compile("live-saved"))
    for view in ("es", "all"):
        page.click(f".lang-toggle[data-lang={view}]")
        boxes = page.locator(".ptext.lang-es .live-input")
        heights = boxes.evaluate_all(
            "els => els.map(e => [e.offsetHeight, e.scrollHeight, e.value.length])"
        )
        long_ones = [h for h in heights if h[2] > 300]
        assert long_ones, "the demo has long Spanish paragraphs"
        assert all(client >= scroll for client, scroll, _ in heights), (view, heights)
        assert all(client > 60 for client, _, _ in long_ones), (view, long_ones)
    context.close()


def test_the_language_chosen_before_login_stays_and_titles_are_spanish(live_server, browser):
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.goto(f"{live_server.url}/login?lang=es")
    page.fill("#email", ACCOUNTS[DEL])
    page.fill("#password", "not the password")
    page.press("#password", "Enter")
    expect(page.locator(".field-error")).to_have_text("correo electrónico o contraseña incorrectos")
    page.fill("#password", "demo-password")
    page.press("#password", "Enter")
    page.wait_for_url(f"{live_server.url}/")
    expect(page.locator("h1")).to_have_text("Lo que le espera")
    expect(page.locator(".waiting")).to_contain_text("Conclusiones de la Reunión")
    expect(page.locator(".waiting")).to_contain_text("revisión del comité")
    expect(page.locator(".waiting")).to_contain_text("Puede proponer enmiendas")
    page.goto(f"{live_server.url}/documents/{live_server.document_id}")
    expect(page.locator("h1")).to_contain_text("Conclusiones de la Reunión")
    page.goto(f"{live_server.url}/no-such-page")
    expect(page.locator("h1")).to_have_text("Página no encontrada")
    page.click("text=Volver a los documentos")
    page.wait_for_url(f"{live_server.url}/")
    context.close()


def test_a_comment_comes_back_with_its_message_beside_the_paragraph(live_server, browser):
    context = context_of(browser, live_server, ACCOUNTS[DEL], PHONE, "en")
    page = context.new_page()
    paragraph = live_server.document()["paragraphs"][-3]["id"]
    page.goto(f"{live_server.url}/documents/{live_server.document_id}")
    article = page.locator(f"#p-{paragraph}")
    article.locator("details.para-panel > summary").click()
    article.locator(".comment-form textarea[name=body]").first.fill(
        "Could this say 'regional' instead?"
    )
    article.locator(".comment-form button[type=submit]").first.click()
    page.wait_for_url(re.compile(r"#(p|c)-\d+$"))
    message = article.locator(".flash-here .flash")
    expect(message).to_be_visible()
    expect(message).to_be_in_viewport()
    expect(page.locator(".flash-here")).to_be_focused()
    expect(article).to_contain_text("Could this say 'regional' instead?")
    bar = page.locator(".live").bounding_box()
    assert message.bounding_box()["y"] >= bar["y"] + bar["height"] - 1, "under the live bar"
    context.close()


def test_an_irreversible_step_asks_first_saying_what_will_happen(live_server, browser, filed):
    context = context_of(browser, live_server, ACCOUNTS[DEL], DESKTOP, "es")
    page = context.new_page()
    page.goto(f"{live_server.url}/documents/{live_server.document_id}/amendments")
    row = page.locator(f"#a-{filed[0]}")
    row.locator(f"[data-withdraw='{filed[0]}']").click()
    dialog = page.locator("dialog.confirm-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text(f"Retirar la enmienda {filed[0]} la retira definitivamente")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(row).to_contain_text("presentada")
    row.locator(f"[data-withdraw='{filed[0]}']").click()
    expect(dialog).to_be_visible()
    page.keyboard.press("Enter")
    expect(page.locator(".flash-ok")).to_contain_text("retirada")
    expect(page.locator(f"#a-{filed[0]}")).to_contain_text("retirada")
    context.close()

    context = context_of(browser, live_server, ACCOUNTS[SEC], DESKTOP, "en")
    page = context.new_page()
    page.goto(f"{live_server.url}/documents/{live_server.document_id}")
    form = page.locator("form.transition:has([data-transition=open_round])")
    form.locator("input[name=deadline]").fill("2099-12-01T17:00")
    expect(form.locator("select[name=timezone]")).to_have_value("America/Panama")
    form.locator("select[name=timezone]").select_option("America/Mexico_City")
    expect(form.locator(".confirm-check")).to_be_hidden()
    page.click("[data-transition=open_round]")
    dialog = page.locator("dialog.confirm-dialog")
    expect(dialog).to_contain_text("Opening the round records the current text")
    dialog.locator(".confirm-no").click()
    expect(page.locator("#doc-state")).to_have_text("committee review")
    page.click("[data-transition=open_round]")
    dialog.locator(".confirm-yes").click()
    expect(page.locator("#doc-state")).to_have_text("online round")
    # 17:00 in Mexico City is shown in the reader's zone (the process's, Panama: UTC-05:00)
    expect(page.locator("#deadline")).to_contain_text("2099-12-01 18:00 America/Panama (UTC-05:00)")
    context.close()


def test_without_script_the_step_asks_for_a_ticked_box(live_server, browser):
    context = browser.new_context(viewport=DESKTOP, java_script_enabled=False)
    response = context.request.post(
        f"{live_server.url}/api/login", data={"email": ACCOUNTS[SEC], "password": "demo-password"}
    )
    assert response.ok
    page = context.new_page()
    page.goto(f"{live_server.url}/documents/{live_server.document_id}")
    form = page.locator("form.transition:has([data-transition=close_round])")
    expect(form.locator(".confirm-check")).to_contain_text("Closing the round ends amendment")
    page.click("[data-transition=close_round]")
    assert form.locator("input[name=confirmed]").evaluate("e => !e.validity.valid")
    expect(page.locator("#doc-state")).to_have_text("online round")
    form.locator("input[name=confirmed]").check()
    page.click("[data-transition=close_round]")
    expect(page.locator("#doc-state")).to_have_text("committee review")
    context.close()
