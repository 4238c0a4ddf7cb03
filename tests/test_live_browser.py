"""Live editing in real browsers: Playwright drives Chromium against a real server process.

Two committee members type into one paragraph at the same time; a delegate watches; a page
loses its connection and catches up; the workflow moves on under an open page.
"""

from __future__ import annotations

import asyncio
import random
import re
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from support.browser import run_async, skip_without_chromium

OFFLINE = "Offline — your changes are kept and will be sent on reconnect"

skip_without_chromium()

from playwright.async_api import BrowserContext, Page  # noqa: E402

pytestmark = pytest.mark.browser


def run(scenario, live_server) -> None:
    """Run an async scenario with a fresh Chromium; the server log helps when it fails."""
    run_async(scenario, live_server, wrap=lambda browser: Browser(browser, live_server))


class Browser:
    def __init__(self, browser, server) -> None:
        self.browser, self.server = browser, server

    async def page_of(self, email: str) -> tuple[BrowserContext, Page]:
        """A logged-in page on the demo document, connected and synchronised."""
        context = await self.browser.new_context(viewport={"width": 1200, "height": 900})
        response = await context.request.post(
            f"{self.server.url}/api/login", data={"email": email, "password": "demo-password"}
        )
        assert response.ok, await response.text()
        page = await context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.errors = errors  # type: ignore[attr-defined]
        await page.goto(f"{self.server.url}/documents/{self.server.document_id}")
        await settled(page)
        return context, page


def paragraph_id(server, number: str) -> int:
    return next(p["id"] for p in server.document()["paragraphs"] if p["number"] == number)


def stored_text(server, pid: int, lang: str = "en") -> str:
    return next(p for p in server.document()["paragraphs"] if p["id"] == pid)["text"][lang]


def box(page: Page, pid: int, lang: str = "en"):
    return page.locator(
        f"article.para[data-paragraph-id='{pid}'] .ptext[data-lang='{lang}'] textarea"
    )


async def settled(page: Page, timeout: float = 15_000) -> None:
    await page.wait_for_function(
        "() => window.Drafting && Drafting.editor && Drafting.editor.settled()", timeout=timeout
    )


async def text_of(page: Page, pid: int, lang: str = "en") -> str:
    return await page.evaluate(f"Drafting.editor.text({pid}, '{lang}')")


async def type_at(page: Page, pid: int, where: str, words: str) -> None:
    await box(page, pid).click()
    await page.keyboard.press(where)  # Control+Home / Control+End: start or end of the text
    await page.keyboard.type(words, delay=35)


def test_two_committee_members_typing_at_once_converge(live_server):
    pid = paragraph_id(live_server, "3")
    before = stored_text(live_server, pid)

    async def scenario(b: Browser) -> None:
        _, sv = await b.page_of("elsalvador@demo.test")
        _, cr = await b.page_of("costarica@demo.test")
        # Different places in the paragraph, typed at the same time.
        await asyncio.gather(
            type_at(sv, pid, "Control+End", " As agreed in Panama."),
            type_at(cr, pid, "Control+Home", "Furthermore, "),
        )
        # Presence: each sees the other in paragraph 3.
        here = f"#p-{pid} .live-here .live-person[data-delegation='%s']"
        await cr.wait_for_selector(here % "SV")
        await sv.wait_for_selector(here % "CR")
        await settled(sv)
        await settled(cr)
        first = await text_of(sv, pid)
        assert first == await text_of(cr, pid) == stored_text(live_server, pid)
        assert first.startswith("Furthermore, ") and first.endswith(" As agreed in Panama.")
        assert await box(sv, pid).input_value() == first == await box(cr, pid).input_value()
        # The same spot (the end), at the same time: every keystroke arrives exactly once.
        await asyncio.gather(
            type_at(sv, pid, "Control+End", " salvador salvador"),
            type_at(cr, pid, "Control+End", " costa rica costa"),
        )
        await settled(sv)
        await settled(cr)
        final = await text_of(sv, pid)
        assert final == await text_of(cr, pid) == stored_text(live_server, pid)
        typed = Counter(" As agreed in Panama.Furthermore,  salvador salvador costa rica costa")
        assert Counter(final) == Counter(before) + typed
        assert sv.errors == cr.errors == []  # type: ignore[attr-defined]

    run(scenario, live_server)


def test_a_delegate_sees_the_committee_change_live(live_server):
    pid = paragraph_id(live_server, "4")

    async def scenario(b: Browser) -> None:
        _, mx = await b.page_of("mexico@demo.test")
        _, sv = await b.page_of("elsalvador@demo.test")
        assert await mx.locator(f"#p-{pid} .ptext textarea").count() == 0  # delegates read
        await type_at(sv, pid, "Control+Home", "Recalling the Declaration, ")
        mark = mx.locator(f"#p-{pid} .ptext[data-lang='en'] ins.live-ins[data-author='SV']")
        await mark.first.wait_for()
        await mx.wait_for_function(
            f"() => document.querySelector('#p-{pid} .ptext[data-lang=en]').innerText"
            ".startsWith('Recalling the Declaration, ')"
        )
        await settled(sv)
        shown = await mx.inner_text(f"#p-{pid} .ptext[data-lang='en']")
        assert shown == stored_text(live_server, pid)
        assert "Recalling" in "".join(await mark.all_inner_texts())

    run(scenario, live_server)


@pytest.fixture(scope="module")
def hashing_server(databases, tmp_path_factory):
    """A server whose updates carry the text's hash, not the text (LIVE_UPDATE_HASHES=1)."""
    from support.live_server import serve

    with serve(databases, tmp_path_factory.mktemp("hashes"), {"LIVE_UPDATE_HASHES": "1"}) as server:
        yield server


def test_a_page_that_misses_an_update_asks_for_the_text_and_shows_it(hashing_server):
    """Updates carry a patch and a hash, not the text: a page that never got one of them (its
    frame dropped on the way here) sees the gap at the next, asks `resync` and shows the
    stored text."""
    live_server = hashing_server
    pid = paragraph_id(live_server, "7")

    async def scenario(b: Browser) -> None:
        _, sv = await b.page_of("elsalvador@demo.test")
        context = await b.browser.new_context(viewport={"width": 390, "height": 800})
        await context.request.post(
            f"{b.server.url}/api/login",
            data={"email": "mexico@demo.test", "password": "demo-password"},
        )
        mx = await context.new_page()
        dropped, asked = [], []

        def between(ws) -> None:
            server = ws.connect_to_server()

            def to_page(message) -> None:
                if '"paragraph_updated"' in str(message) and not dropped:
                    dropped.append(message)  # lost on the way
                    return
                ws.send(message)

            def to_server(message) -> None:
                if '"resync"' in str(message):
                    asked.append(message)
                server.send(message)

            server.on_message(to_page)
            ws.on_message(to_server)

        await mx.route_web_socket(re.compile(r".*/socket\.io/.*"), between)
        await mx.goto(f"{b.server.url}/documents/{b.server.document_id}")
        await settled(mx)
        await type_at(sv, pid, "Control+End", " First.")
        await settled(sv)
        await type_at(sv, pid, "Control+End", " Second.")
        await settled(sv)
        final = stored_text(live_server, pid)
        assert final.endswith(" First. Second.")
        await mx.wait_for_function(
            f"() => document.querySelector('#p-{pid} .ptext[data-lang=en]').innerText"
            ".endsWith(' Second.')"
        )
        assert dropped and asked, (dropped, asked)
        assert await mx.inner_text(f"#p-{pid} .ptext[data-lang='en']") == final

    run(scenario, live_server)


def test_a_page_that_loses_its_connection_catches_up(live_server):
    pid = paragraph_id(live_server, "5")

    async def scenario(b: Browser) -> None:
        sv_context, sv = await b.page_of("elsalvador@demo.test")
        _, cr = await b.page_of("costarica@demo.test")
        await sv_context.set_offline(True)
        await sv.wait_for_selector("#live[data-connection='offline']", state="attached")
        assert await sv.inner_text("#live-status") == OFFLINE
        # Both edit the paragraph while one of them is cut off.
        await type_at(sv, pid, "Control+End", " Typed while offline.")
        await type_at(cr, pid, "Control+Home", "Meanwhile online: ")
        await settled(cr)
        assert "Typed while offline." not in stored_text(live_server, pid)
        assert not (await text_of(sv, pid)).startswith("Meanwhile online: ")
        await sv_context.set_offline(False)
        await settled(sv, timeout=20_000)
        await cr.wait_for_function(
            f"() => Drafting.editor.text({pid}, 'en').endsWith(' Typed while offline.')"
        )
        final = stored_text(live_server, pid)
        assert final.startswith("Meanwhile online: ") and final.endswith(" Typed while offline.")
        assert await text_of(sv, pid) == await text_of(cr, pid) == final

    run(scenario, live_server)


def test_workflow_changes_reach_an_open_page(live_server):
    pid = paragraph_id(live_server, "6")

    async def scenario(b: Browser) -> None:
        _, sv = await b.page_of("elsalvador@demo.test")
        assert await box(sv, pid).count() == 1
        secretariat = live_server.session("secretariat@demo.test")
        deadline = (datetime.now(UTC) + timedelta(days=5)).isoformat(timespec="seconds")
        url = f"{live_server.url}/api/documents/{live_server.document_id}/transitions"
        response = secretariat.post(f"{url}/open_round", json={"deadline": deadline})
        assert response.status_code == 200, response.text
        try:
            await sv.wait_for_selector("#doc-state.state-online_round")
            await sv.wait_for_selector(".live-notice")
            await sv.wait_for_function(f"() => !document.querySelector('#p-{pid} .ptext textarea')")
        finally:
            assert secretariat.post(f"{url}/close_round", json={}).status_code == 200
        await sv.wait_for_selector("#doc-state.state-committee_review")
        await box(sv, pid).wait_for()  # editable again

    run(scenario, live_server)


def test_the_browser_rebases_exactly_like_the_server(live_server):
    from drafting.text.rebase import insertion_ends, rebase

    rng = random.Random(7)
    words = ["", "a", "the ", "States ", "é", "migración ", "x"]

    def mutate(text: str) -> str:
        for _ in range(rng.randint(0, 3)):
            i = rng.randint(0, len(text))
            j = min(len(text), i + rng.randint(0, 6))
            text = text[:i] + rng.choice(words) + text[j:]
        return text

    cases = []
    for _ in range(200):
        base = " ".join(rng.choice(words[1:]) for _ in range(rng.randint(0, 8)))
        cases.append([base, mutate(base), mutate(base), rng.random() < 0.5, []])
    for _ in range(100):  # two people typing at one spot, one of them continuing a word
        typed = " ".join(rng.choice(words[1:]) for _ in range(rng.randint(1, 4)))
        at = rng.randint(0, len(typed))
        before = typed[:at] + typed[at + rng.randint(1, 3) :]
        spot = rng.randint(0, at)
        mine = typed[:at] + rng.choice(words) + typed[at:]
        theirs = typed[:spot] + rng.choice(words) + typed[spot:]
        cases.append([typed, mine, theirs, rng.random() < 0.5, insertion_ends(before, typed)])

    async def scenario(b: Browser) -> None:
        _, page = await b.page_of("mexico@demo.test")
        got = await page.evaluate(
            "cases => cases.map(c => Drafting.editor.rebase(c[0], c[1], c[2], c[3], c[4]))", cases
        )
        assert got == [rebase(a, m, t, mine_first=f, mine_at=at) for a, m, t, f, at in cases]
        # The browser's diff slides an edit around "é" differently (its word test is ASCII),
        # so the typing spots are compared on ASCII text.
        plain = [c for c in cases if (c[0] + c[1]).isascii()]
        ends = await page.evaluate(
            "cases => cases.map(c => Drafting.editor.insertionEnds(c[0], c[1]))", plain
        )
        assert ends == [insertion_ends(c[0], c[1]) for c in plain]

    run(scenario, live_server)


def test_comments_anchor_to_words_selected_in_the_text_and_in_a_committee_box(live_server):
    pid = paragraph_id(live_server, "5")
    text = stored_text(live_server, pid)
    two_words = " ".join(text.split(" ")[:2])

    async def comment(page: Page, body: str) -> None:
        panel = page.locator(f"details.para-panel[data-panel='{pid}']")
        if not await panel.get_attribute("open"):
            await panel.locator("> summary").click()
        form = panel.locator(".comment-form:has(.anchor-quote)")
        assert (await form.locator(".anchor-quote").inner_text()).strip() != ""
        await form.locator("textarea[name=body]").fill(body)
        async with page.expect_navigation():
            await form.locator("button[type=submit]").click()

    async def scenario(b: Browser) -> None:
        # A committee member's paragraph is a textarea: select two words with the keyboard.
        _, sv = await b.page_of("elsalvador@demo.test")
        await box(sv, pid).click()
        await sv.keyboard.press("Control+Home")
        for _ in two_words:
            await sv.keyboard.press("Shift+ArrowRight")
        await comment(sv, "Which States?")
        # A delegate reads plain text: select by dragging the mouse across the first line.
        _, mx = await b.page_of("mexico@demo.test")
        plain = mx.locator(f"#p-{pid} .ptext[data-lang='en']")
        await plain.scroll_into_view_if_needed()
        line = await plain.bounding_box()
        await mx.mouse.move(line["x"] + 1, line["y"] + 8)
        await mx.mouse.down()
        await mx.mouse.move(line["x"] + 160, line["y"] + 8, steps=5)
        await mx.mouse.up()
        await comment(mx, "Why these words?")
        assert sv.errors == mx.errors == []  # type: ignore[attr-defined]

    run(scenario, live_server)
    threads = live_server.session("secretariat@demo.test").get(
        f"{live_server.url}/api/documents/{live_server.document_id}/comments",
        params={"paragraph_id": pid},
    )
    by_body = {t["body"]: t for t in threads.json()}
    keyboard = by_body["Which States?"]
    assert keyboard["anchor"] == {"start": 0, "end": len(two_words)}
    assert keyboard["quote"] == two_words
    mouse = by_body["Why these words?"]
    start, end = mouse["anchor"]["start"], mouse["anchor"]["end"]
    assert 0 <= start < end and mouse["quote"] == text[start:end]


def test_an_open_bracket_shows_a_calm_marker_and_every_viewer_sees_the_badges(live_server):
    pid = paragraph_id(live_server, "7")
    last_word = re.findall(r"\w+", stored_text(live_server, pid))[-1]  # before the bracket
    marker = f"#p-{pid} .pmeta .bracket-marker"

    async def scenario(b: Browser) -> None:
        _, sv = await b.page_of("elsalvador@demo.test")
        _, mx = await b.page_of("mexico@demo.test")  # a delegate, reading
        assert await mx.locator(marker).count() == 0
        await type_at(sv, pid, "Control+End", " [and")
        await settled(sv)
        mine = sv.locator(marker)
        await mine.wait_for()
        assert await mine.inner_text() == f"bracket open after «{last_word}» (EN)"
        # No alarm: the text is saved, nothing is held back, no warning notice.
        assert await sv.locator(".live-notice.live-warn").count() == 0
        assert await sv.locator(".ptext.live-held").count() == 0
        assert stored_text(live_server, pid).endswith(" [and")
        # The delegate's page follows without a reload: marker, status, translation.
        await mx.locator(marker).wait_for()
        assert await mx.locator(marker).inner_text() == f"bracket open after «{last_word}» (EN)"
        await mx.locator(f"#p-{pid} .pmeta .badge.status-bracketed").wait_for()
        await mx.locator(f"#p-{pid} .pmeta [data-badge='translation'][data-lang='es']").wait_for()
        await sv.keyboard.type(" all]", delay=35)
        await settled(sv)
        await mx.wait_for_function(f"() => !document.querySelector('{marker}')")
        assert await sv.locator(marker).count() == 0
        assert sv.errors == [] and mx.errors == []  # type: ignore[attr-defined]

    run(scenario, live_server)


def test_the_history_page_shows_typing_together_as_one_session_and_restores_it(live_server):
    pid = paragraph_id(live_server, "9")
    original = stored_text(live_server, pid)
    people = [
        live_server.session("elsalvador@demo.test"),
        live_server.session("costarica@demo.test"),
    ]
    url = f"{live_server.url}/api/documents/{live_server.document_id}/paragraphs/{pid}/versions"
    text = original
    version = next(p for p in live_server.document()["paragraphs"] if p["id"] == pid)["version"][
        "en"
    ]
    start = version
    for turn in range(4):  # the two take turns, a word each
        text = f"{text} w{turn}"
        answer = people[turn % 2].post(
            url, json={"lang": "en", "text": text, "base_version": version}
        )
        assert answer.status_code == 201, answer.text
        version = answer.json()["version"]

    async def scenario(b: Browser) -> None:
        context, page = await b.page_of("elsalvador@demo.test")
        await page.goto(
            f"{live_server.url}/documents/{live_server.document_id}/paragraphs/{pid}/history"
        )
        entry = page.locator(f".history-entry[data-versions='{start + 1}-{version}']")
        assert await entry.locator(".history-head .deleg-chip").all_inner_texts() == ["SV", "CR"]
        assert "editing session" in await entry.inner_text()
        await entry.locator("summary").click()  # the versions of the session, each restorable
        assert await entry.locator("[data-restore-kind='version']").count() == 3  # last is current
        before = entry.locator("[data-restore-kind='before']")
        assert (
            await before.inner_text() == f"Restore the text before this session (version {start})"
        )
        await before.click()  # restoring asks first, saying what will happen
        dialog = page.locator("dialog.confirm-dialog")
        assert "the history keeps every version" in await dialog.inner_text()
        async with page.expect_navigation():
            await dialog.locator(".confirm-yes").click()
        await page.locator(".flash, .flashes, [role='status']").first.wait_for()
        assert stored_text(live_server, pid) == original
        restored = page.locator(".history-entry").first
        assert "restore" in await restored.inner_text()
        assert page.errors == []  # type: ignore[attr-defined]
        await context.close()

    run(scenario, live_server)
