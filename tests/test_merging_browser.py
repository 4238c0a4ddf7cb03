"""Deciding an amendment in Chromium: the committee accepts one with its own wording on the
three-way page, and the amendments table and the amendment's page show what was adopted."""

from __future__ import annotations

import pytest
from support.browser import run_async, skip_without_chromium

skip_without_chromium()

pytestmark = pytest.mark.browser


async def logged_in(browser, server, email: str, width: int = 1280):
    context = await browser.new_context(viewport={"width": width, "height": 900})
    response = await context.request.post(
        f"{server.url}/api/login", data={"email": email, "password": "demo-password"}
    )
    assert response.ok, await response.text()
    token = (await response.json())["csrf_token"]
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    return context, page, errors, token


def test_the_committee_merges_an_amendment_and_sees_the_wording_adopted(live_server):
    async def scenario(browser) -> None:
        url, doc = live_server.url, live_server.document_id
        context, _, _, token = await logged_in(browser, live_server, "mexico@demo.test")
        document = await (await context.request.get(f"{url}/api/documents/{doc}")).json()
        eight_a = next(p for p in document["paragraphs"] if p["number"] == "8.a")
        proposal = eight_a["text"]["en"].replace("Decline", "Accept")
        filed = await context.request.post(
            f"{url}/api/documents/{doc}/amendments",
            data={"kind": "modify", "paragraph_id": eight_a["id"], "lang": "en",
                  "text": proposal, "rationale": "Openness."},
            headers={"X-CSRFToken": token},
        )  # fmt: skip
        assert filed.status == 201, await filed.text()
        aid = (await filed.json())["id"]
        await context.close()

        context, page, errors, _ = await logged_in(browser, live_server, "elsalvador@demo.test")
        await page.goto(f"{url}/documents/{doc}/amendments")
        await page.locator(f"#a-{aid}").get_by_role("link", name="Accept with changes…").click()
        await page.wait_for_url(f"**/amendments/{aid}/conflict")
        wording = proposal.replace("Accept", "Accept, with thanks,")
        await page.fill("#merged", wording)
        await page.get_by_role("button", name="Accept with these changes").click()
        await page.wait_for_url(f"**/documents/{doc}/amendments*")
        row = page.locator(f"#a-{aid}")
        adopted = row.locator(f"[data-adopted='{aid}']")
        assert "Adopted wording" in await adopted.inner_text()
        assert await adopted.locator("ins").all_inner_texts() == [", with thanks,"]
        await row.get_by_role("link", name=str(aid), exact=True).click()
        await page.wait_for_url(f"**/amendments/{aid}")
        body = await page.locator("main").inner_text()
        assert "Nothing was applied" not in body
        assert await page.locator("form.merge-form").count() == 0
        box = page.locator(f"[data-adopted='{aid}']")
        assert await box.locator("ins").all_inner_texts() == [", with thanks,"]
        assert "the committee's changes to the proposal marked" in await box.inner_text()
        # in Spanish and at phone width, the page reads and fits
        await page.get_by_role("link", name="ES", exact=True).click()
        await page.wait_for_load_state()
        assert "Texto adoptado" in await page.locator(f"[data-adopted='{aid}']").inner_text()
        await page.set_viewport_size({"width": 390, "height": 844})
        wide = await page.evaluate("document.documentElement.scrollWidth")
        assert wide <= 390
        assert errors == []

    run_async(scenario, live_server)
