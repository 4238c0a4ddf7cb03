"""The secretariat's desk in Chromium: a text imported through the preview page, and a
delegate's marked-up Word file previewed and one of its two amendments filed."""

from __future__ import annotations

import pytest
from support.browser import run_async, skip_without_chromium
from support.formats import Marked

skip_without_chromium()

pytestmark = pytest.mark.browser


def run(scenario, live_server) -> None:
    run_async(scenario, live_server)


async def logged_in(browser, server, email: str):
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    response = await context.request.post(
        f"{server.url}/api/login", data={"email": email, "password": "demo-password"}
    )
    assert response.ok, await response.text()
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    return context, page, errors


def test_secretariat_imports_the_fixture_through_the_preview(live_server, fixture_text):
    async def scenario(browser) -> None:
        context, page, errors = await logged_in(browser, live_server, "secretariat@demo.test")
        processes = await (await context.request.get(f"{live_server.url}/api/processes")).json()
        await page.goto(f"{live_server.url}/processes/{processes[0]['id']}")
        await page.get_by_role("link", name="Import a text").click()
        await page.set_input_files(
            "#file",
            files=[{"name": "rcgm.txt", "mimeType": "text/plain",
                    "buffer": fixture_text.encode()}],
        )  # fmt: skip
        await page.get_by_role("button", name="Preview").click()
        rows = page.locator("table.tree-preview tbody tr")
        await rows.first.wait_for()
        assert await rows.count() == 5 + 16 + 23 + 2
        assert await page.locator("tr:has(td:text-is('6.b.ii'))").count() == 1
        await page.fill("#title", "RCGM conclusions, July 2018")
        await page.fill("#symbol", "RCM/RCGM/2018/7")
        await page.get_by_role("button", name="Create the document").click()
        await page.wait_for_url("**/documents/*")
        new_id = int(page.url.rstrip("/").rsplit("/", 1)[-1])
        response = await context.request.get(f"{live_server.url}/api/documents/{new_id}")
        document = await response.json()
        assert (document["title"], document["symbol"]) == (
            "RCGM conclusions, July 2018",
            "RCM/RCGM/2018/7",
        )
        assert sum(1 for p in document["paragraphs"] if p["section"] == "operative") == 41
        assert errors == []

    run(scenario, live_server)


def test_delegate_files_one_of_two_amendments_from_a_marked_up_file(live_server):
    async def scenario(browser) -> None:
        context, page, errors = await logged_in(browser, live_server, "mexico@demo.test")
        doc = live_server.document_id
        export = await context.request.get(f"{live_server.url}/api/documents/{doc}/export")
        marked = Marked(await export.body())
        marked.replace("3.", "UNHCR", "UN Refugee Agency (UNHCR)")
        marked.replace("6.", "to ratify the commitment", "to reaffirm the commitment")
        await page.goto(f"{live_server.url}/documents/{doc}")
        await page.get_by_role("link", name="Upload a marked-up Word file").click()
        await page.set_input_files(
            "#file", files=[{"name": "marked.docx", "mimeType": "application/octet-stream",
                             "buffer": marked.bytes()}],
        )  # fmt: skip
        await page.get_by_role("button", name="Preview").click()
        boxes = page.locator("input[name=choose]")
        await boxes.first.wait_for()
        assert await boxes.count() == 2
        await page.get_by_label("Paragraph 6").uncheck()
        await page.get_by_role("button", name="File the chosen amendments").click()
        await page.wait_for_url("**/amendments")
        assert "1 amendment filed." in await page.locator(".flash").first.inner_text()
        listed = await (
            await context.request.get(f"{live_server.url}/api/documents/{doc}/amendments")
        ).json()
        three = next(p for p in live_server.document()["paragraphs"] if p["number"] == "3")
        assert [(a["delegation"], a["paragraph_id"]) for a in listed] == [("MX", three["id"])]
        assert errors == []

    run(scenario, live_server)
