"""Tracked changes in real browsers (SPEC §11): two committee members and a delegate on one
document; the marks of one person's typing stay on everyone's screen until reviewed, a
rejection reverts the text on all three, and an accepted change keeps its attribution in
the tracked Word file as LibreOffice reads it."""

from __future__ import annotations

import asyncio
import zipfile
from datetime import UTC, datetime, timedelta

import pytest
from lxml import etree
from support.browser import run_async, skip_without_chromium
from support.formats import soffice_pdf

skip_without_chromium()

from playwright.async_api import Page  # noqa: E402

pytestmark = pytest.mark.browser

SV, CR, MX = "elsalvador@demo.test", "costarica@demo.test", "mexico@demo.test"


def circulate_rev1(server) -> None:
    """Rev.1 is circulated (a round opened and closed): changes are tracked since it."""
    if server.document().get("revision") == "Rev.1":
        return  # an earlier test of this module did it
    http = server.session("secretariat@demo.test")
    due = (datetime.now(UTC) + timedelta(days=10)).isoformat()
    base = f"{server.url}/api/documents/{server.document_id}/transitions"
    assert http.post(f"{base}/open_round", json={"deadline": due}).status_code == 200
    assert http.post(f"{base}/close_round", json={}).status_code == 200


def paragraph(server, number: str) -> dict:
    return next(p for p in server.document()["paragraphs"] if p["number"] == number)


async def open_page(browser, server, email: str, locale: str = "en-GB") -> Page:
    context = await browser.new_context(viewport={"width": 1280, "height": 900}, locale=locale)
    response = await context.request.post(
        f"{server.url}/api/login", data={"email": email, "password": "demo-password"}
    )
    assert response.ok, await response.text()
    page = await context.new_page()
    await page.goto(f"{server.url}/documents/{server.document_id}")
    await page.wait_for_function(
        "() => window.Drafting && Drafting.editor && Drafting.editor.settled()"
    )
    return page


def marks(pid: int, author: str) -> str:
    """The marks of `author`'s changes in paragraph `pid`: in the editor (backdrop of a
    textarea) or in the read-only text."""
    return (
        f"#p-{pid} .ptext[data-lang='en'] [data-change][data-author='{author}'], "
        f"#p-{pid} .ptext[data-lang='en'] mark.live-mark[data-change]"
    )


async def text_is(page: Page, pid: int, text: str) -> None:
    await page.wait_for_function(
        "([pid, text]) => Drafting.editor.text(pid, 'en') === text", arg=[pid, text]
    )


async def type_at_end(page: Page, pid: int, words: str) -> None:
    """Click into the paragraph's editing box, go to its end and type, as a person does."""
    await page.locator(f"#p-{pid} .ptext[data-lang='en'] textarea").click()
    await page.keyboard.press("Control+End")
    await page.keyboard.type(words, delay=30)


def test_marks_stay_until_reviewed_and_decisions_reach_everyone(live_server, tmp_path):
    circulate_rev1(live_server)
    six = paragraph(live_server, "6")
    pid, original = six["id"], six["text"]["en"]

    async def scenario(browser) -> None:
        sv = await open_page(browser, live_server, SV)
        cr = await open_page(browser, live_server, CR)
        mx = await open_page(browser, live_server, MX)
        await type_at_end(sv, pid, " without delay")
        typed = original + " without delay"
        for page in (sv, cr, mx):
            await text_is(page, pid, typed)
        await cr.locator(f"#review-{pid}-en .review-item[data-author='SV']").wait_for()
        await mx.locator(f"#p-{pid} .ptext ins.live-ins[data-change]").wait_for()
        # Marks do not fade: they are there after ten seconds, on every screen.
        await asyncio.sleep(10.5)
        for page in (cr, mx):
            items = page.locator(f"#review-{pid}-en .review-item[data-author='SV']")
            assert await items.count() == 1
            assert "without delay" in await items.inner_text()
        assert await mx.locator(f"#p-{pid} .ptext ins.live-ins[data-change]").inner_text() == (
            " without delay"
        )
        assert await cr.locator(f"#p-{pid} .live-backdrop mark.live-mark[data-change]").count() == 1
        # The delegate sees the change but no buttons to decide it.
        assert await mx.locator(f"#review-{pid}-en button.review-reject").count() == 0

        # Costa Rica rejects it: the text goes back on all three screens.
        await cr.locator(
            f"#review-{pid}-en .review-item[data-author='SV'] button.review-reject"
        ).click()
        for page in (sv, cr, mx):
            await text_is(page, pid, original)
        await cr.locator(f"#review-{pid}-en .review-item").wait_for(state="detached")

        # El Salvador types again; Costa Rica accepts it with the keyboard.
        await type_at_end(sv, pid, " promptly")
        item = cr.locator(f"#review-{pid}-en .review-item[data-author='SV']")
        await item.wait_for()
        await item.focus()
        await cr.keyboard.press("a")
        for page in (sv, cr, mx):
            await page.locator(f"#review-{pid}-en .review-item").wait_for(state="detached")
        for page in (sv, cr, mx):
            await text_is(page, pid, original + " promptly")

    run_async(scenario, live_server)

    http = live_server.session(CR)
    changes = http.get(
        f"{live_server.url}/api/documents/{live_server.document_id}/changes",
        params={"paragraph": pid, "from": "Rev.1"},
    ).json()["paragraphs"][0]
    (inserted,) = [op for op in changes["ops"] if op[0] == 1]
    assert inserted[1:3] == [" promptly", "SV"]
    assert changes["accepted"][inserted[3]]["by"] == "CR"
    exported = http.get(
        f"{live_server.url}/api/documents/{live_server.document_id}/export",
        params={"format": "docx-tracked", "from": "Rev.1"},
    )
    assert exported.status_code == 200
    tracked = tmp_path / "tracked.docx"
    tracked.write_bytes(exported.content)
    odt = soffice_pdf(tracked, tmp_path, "odt")
    with zipfile.ZipFile(odt) as archive:
        content = etree.fromstring(archive.read("content.xml"))
    creators = {c.text for c in content.iter("{http://purl.org/dc/elements/1.1/}creator")}
    assert "El Salvador (SV), accepted by Costa Rica (CR)" in creators


def test_marks_turned_off_and_on_again_follow_the_typing(live_server):
    """A delegate hides the marks (the page stops asking for them), the text still follows;
    shown again, they come back and follow what is typed next."""
    circulate_rev1(live_server)
    seven = paragraph(live_server, "7")
    pid, original = seven["id"], seven["text"]["en"]

    async def scenario(browser) -> None:
        sv = await open_page(browser, live_server, SV)
        mx = await open_page(browser, live_server, MX)
        toggle = mx.locator("#tracked-on")
        await toggle.uncheck()
        await type_at_end(sv, pid, " at once")
        await text_is(mx, pid, original + " at once")
        await asyncio.sleep(2)  # past the page's wait for a push
        inserted = mx.locator(f"#p-{pid} .ptext ins.live-ins[data-change]")
        assert await inserted.count() == 0
        await toggle.check()
        await inserted.first.wait_for()
        assert await inserted.first.inner_text() == " at once"
        await sv.keyboard.type(" and in full", delay=30)
        await mx.wait_for_function(
            "(sel) => [...document.querySelectorAll(sel)].map(e => e.textContent).join('')"
            " === ' at once and in full'",
            arg=f"#p-{pid} .ptext ins.live-ins[data-change]",
        )

    run_async(scenario, live_server)


def test_a_delegate_suggests_and_the_committee_accepts(live_server):
    circulate_rev1(live_server)
    secretariat = live_server.session("secretariat@demo.test")
    process = secretariat.get(f"{live_server.url}/api/processes").json()[0]["id"]
    setting = {"allow_suggestions": True}
    assert secretariat.patch(f"{live_server.url}/api/processes/{process}", json=setting).ok
    seven = paragraph(live_server, "7")
    pid, original = seven["id"], seven["text"]["en"]
    suggested = original.rstrip(".") + " and civil society."

    async def scenario(browser) -> None:
        cr = await open_page(browser, live_server, CR)
        mx = await open_page(browser, live_server, MX)
        changes = await (await browser.new_context()).new_page()
        login = await changes.context.request.post(
            f"{live_server.url}/api/login", data={"email": MX, "password": "demo-password"}
        )
        assert login.ok
        await changes.goto(
            f"{live_server.url}/documents/{live_server.document_id}/changes?from=Rev.1"
        )
        await changes.wait_for_load_state("networkidle")
        strip = mx.locator(f"#review-{pid}-en")
        await strip.locator("details.suggest summary").click()
        area = strip.locator("textarea.suggest-text")
        await mx.wait_for_function(
            "([sel, text]) => document.querySelector(sel).value === text",
            arg=[f"#review-{pid}-en textarea.suggest-text", original],
        )
        await area.fill(suggested)
        await strip.locator("button.review-suggest").click()
        item = cr.locator(f"#review-{pid}-en .review-item[data-author='MX']")
        await item.wait_for()
        assert "civil society" in await item.inner_text()
        # a suggestion is not part of the text until it is accepted
        assert await cr.evaluate(f"Drafting.editor.text({pid}, 'en')") == original
        await item.locator("button.review-accept").click()
        for page in (cr, mx):
            await text_is(page, pid, suggested)
        # the Changes page the delegate keeps open follows without a reload
        await changes.locator(f"#p-{pid} .ptext ins[data-author='MX']").wait_for()
        # turning the marks off is remembered after a reload
        await mx.locator(f"#p-{pid} .ptext ins.live-ins[data-change]").first.wait_for()
        await mx.locator("#tracked-on").uncheck()
        await mx.locator(f"#p-{pid} .ptext ins.live-ins[data-change]").first.wait_for(
            state="detached"
        )
        await mx.reload()
        await mx.wait_for_function("() => Drafting.editor && Drafting.editor.settled()")
        assert not await mx.locator("#tracked-on").is_checked()
        assert await mx.locator(".review-strip").count() == 0

    run_async(scenario, live_server)
