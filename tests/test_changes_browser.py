"""Tracked Word downloads in Chromium: after the silence procedure snapshotted the text, the
document page still offers the changes (from the last revision that differs, or any range),
and the Changes page downloads the range it shows."""

from __future__ import annotations

import zipfile
from datetime import UTC, datetime, timedelta

import pytest
from support.browser import run_async, skip_without_chromium

skip_without_chromium()

pytestmark = pytest.mark.browser


async def api(context, token: str, url: str, data: dict | None = None):
    response = await context.request.post(url, data=data or {}, headers={"X-CSRFToken": token})
    assert response.ok, await response.text()
    return await response.json()


async def as_user(browser, server, email: str, width: int = 1280):
    context = await browser.new_context(
        viewport={"width": width, "height": 900}, accept_downloads=True
    )
    response = await context.request.post(
        f"{server.url}/api/login", data={"email": email, "password": "demo-password"}
    )
    assert response.ok, await response.text()
    return context, (await response.json())["csrf_token"]


async def circulate_and_start_silence(browser, server) -> None:
    """Rev.1 circulated, paragraph 3 changed after it, silence started (it snapshots Rev.2)."""
    url, doc = server.url, server.document_id
    deadline = (datetime.now(UTC) + timedelta(days=3)).isoformat(timespec="seconds")
    context, token = await as_user(browser, server, "secretariat@demo.test")
    await api(context, token, f"{url}/api/documents/{doc}/transitions/open_round",
              {"deadline": deadline})  # fmt: skip
    await api(context, token, f"{url}/api/documents/{doc}/transitions/close_round")
    await context.close()
    context, token = await as_user(browser, server, "elsalvador@demo.test")
    document = await (await context.request.get(f"{url}/api/documents/{doc}")).json()
    three = next(p for p in document["paragraphs"] if p["number"] == "3")
    paragraph = f"{url}/api/documents/{doc}/paragraphs/{three['id']}"
    await api(context, token, f"{paragraph}/versions", {
        "lang": "en", "text": three["text"]["en"] + " With thanks.",
        "base_version": three["version"]["en"],
    })  # fmt: skip
    await api(context, token, f"{paragraph}/confirm-translation", {"lang": "es"})
    await context.close()
    context, token = await as_user(browser, server, "panama@demo.test")
    await api(context, token, f"{url}/api/documents/{doc}/transitions/start_silence",
              {"deadline": deadline})  # fmt: skip
    await context.close()


async def document_xml(download) -> str:
    """The main part of a downloaded Word file."""
    with zipfile.ZipFile(await download.path()) as package:
        return package.read("word/document.xml").decode()


def test_a_delegate_downloads_the_changes_after_silence_started(live_server):
    async def scenario(browser) -> None:
        await circulate_and_start_silence(browser, live_server)
        url, doc = live_server.url, live_server.document_id
        context, _ = await as_user(browser, live_server, "mexico@demo.test")
        page = await context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        await page.goto(f"{url}/documents/{doc}")
        form = page.locator("form.tracked-download")
        assert await form.locator("select[name=from]").input_value() == "Rev.1"
        assert await form.locator("select[name=to]").input_value() == "current"
        async with page.expect_download() as waiting:
            await form.get_by_role("button", name="Download").click()
        download = await waiting.value
        assert "changes-since-Rev.1" in download.suggested_filename
        body = await document_xml(download)
        assert "With thanks." in body and "<w:ins " in body
        # any range: Draft to Rev.1 (nothing changed in between in the demo)
        await form.locator("select[name=from]").select_option("Draft")
        await form.locator("select[name=to]").select_option("Rev.1")
        async with page.expect_download() as waiting:
            await form.get_by_role("button", name="Download").click()
        download = await waiting.value
        assert download.suggested_filename.endswith("_Rev.1_changes-since-Draft_en.docx")
        assert "With thanks." not in await document_xml(download)
        # the Changes page starts from Rev.1 too and downloads what it shows
        await page.goto(f"{url}/documents/{doc}/changes")
        assert await page.locator("select[name=from]").input_value() == "Rev.1"
        assert await page.locator("#tracked-text ins").count() > 0
        async with page.expect_download() as waiting:
            await page.get_by_role("link", name="Download these changes as Word").click()
        download = await waiting.value
        assert "changes-since-Rev.1" in download.suggested_filename
        # Spanish, phone width: the form is there and the page does not scroll sideways
        await page.goto(f"{url}/documents/{doc}?lang=es")
        await page.set_viewport_size({"width": 390, "height": 844})
        spanish = page.locator("form.tracked-download")
        assert "Word con cambios desde" in await spanish.inner_text()
        assert await page.evaluate("document.documentElement.scrollWidth") <= 390
        assert errors == []

    run_async(scenario, live_server)
