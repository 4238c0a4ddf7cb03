"""An accessibility audit of every page with axe-core in Chromium: each role, in English
and Spanish, and no serious or critical violation (WCAG 2.1 A/AA rules and best practices).

axe-core is vendored in tests/support/vendor (see its README); it is injected into each page
after load, so the site's Content-Security-Policy stays as it is served.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from support.browser import launch_options, skip_without_chromium

skip_without_chromium()

from playwright.sync_api import expect, sync_playwright  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.slow]
AXE = (Path(__file__).parent / "support" / "vendor" / "axe.min.js").read_text("utf-8")
SERIOUS = ("serious", "critical")
ROLES = {
    "anonymous": None,
    "secretariat": "secretariat@demo.test",
    "ppt": "panama@demo.test",
    "committee": "elsalvador@demo.test",
    "delegate": "mexico@demo.test",
    "observer": "iom@demo.test",
}
PUBLIC = ["/login", "/password/forgot", "/"]
PAGES = [
    "/",
    "/account",
    "/processes",
    "/processes/new",
    "/processes/{process}",
    "/processes/{process}/edit",
    "/processes/{process}/participants",
    "/processes/{process}/import",
    "/documents/{doc}",
    "/documents/{doc}/amendments",
    "/documents/{doc}/amendments/new",
    "/documents/{doc}/amendments/import",
    "/documents/{doc}/translation",
    "/documents/{doc}/compilation",
    "/documents/{doc}/changes",
    "/documents/{doc}/compare",
    "/documents/{doc}/parallel",
    "/documents/{doc}/print",
    "/documents/{doc}/paragraphs/{paragraph}/history",
    "/documents/{doc}/audit",
    "/amendments/{amendment}/conflict",
]


@pytest.fixture(scope="module")
def audited(live_server):
    """The demo with an amendment and a comment, so their pages have something to show."""
    document = live_server.document()
    paragraph = document["paragraphs"][20]
    mexico = live_server.session("mexico@demo.test")
    base = f"{live_server.url}/api/documents/{live_server.document_id}"
    filed = mexico.post(
        f"{base}/amendments",
        json={
            "kind": "modify",
            "paragraph_id": paragraph["id"],
            "text": paragraph["text"]["en"] + " As agreed.",
            "rationale": "Agreed in Panama.",
        },
    )
    filed.raise_for_status()
    mexico.post(
        f"{base}/comments",
        json={"paragraph_id": paragraph["id"], "body": "Shall we say so?", "anchor_start": 0,
              "anchor_end": 10},
    ).raise_for_status()  # fmt: skip
    return {
        "doc": live_server.document_id,
        "process": document["process_id"],
        "paragraph": paragraph["id"],
        "amendment": filed.json()["id"],
    }


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(**launch_options())
        yield chromium
        chromium.close()


def violations(page) -> list[dict]:
    page.add_script_tag(content=AXE)
    found = page.evaluate(
        """async () => {
             const result = await axe.run(document, {resultTypes: ["violations"]});
             return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
               nodes: v.nodes.slice(0, 3).map(n => n.target.join(" ") + ": " + n.failureSummary)
             }));
           }"""
    )
    return [v for v in found if v["impact"] in SERIOUS]


@pytest.mark.parametrize("role", list(ROLES))
def test_every_page_has_no_serious_accessibility_violation(live_server, audited, browser, role):
    email = ROLES[role]
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    if email:
        page.goto(f"{live_server.url}/login")
        page.fill("#email", email)
        page.fill("#password", "demo-password")
        page.press("#password", "Enter")
        page.wait_for_url(f"{live_server.url}/")
    problems = []
    audited_pages = 0
    for lang in ("en", "es"):
        for pattern in PAGES if email else PUBLIC:
            url = pattern.format(**audited)
            response = page.goto(f"{live_server.url}{url}?lang={lang}")
            assert response is not None
            if response.status in (403, 404):
                continue  # a page this role may not see
            assert page.evaluate("document.documentElement.lang") == lang, url
            audited_pages += 1
            for v in violations(page):
                problems.append(
                    f"{lang} {url}: {v['id']} ({v['impact']}) {v['help']}: {v['nodes']}"
                )
    context.close()
    assert audited_pages >= (4 if not email else 20)
    assert not problems, "\n".join(problems)


def test_the_live_editor_announces_others_changes_and_presence_politely(live_server, browser):
    """Screen readers hear a summary in a polite live region: who joined, who changed
    which paragraphs; a burst of edits is one sentence naming the paragraph once."""
    url = f"{live_server.url}/documents/{live_server.document_id}"
    watcher = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    watcher.goto(f"{live_server.url}/login")
    watcher.fill("#email", "panama@demo.test")
    watcher.fill("#password", "demo-password")
    watcher.press("#password", "Enter")
    watcher.wait_for_url(f"{live_server.url}/")
    watcher.goto(url)
    region = watcher.locator("#live-announcer")
    assert region.get_attribute("aria-live") == "polite"
    assert region.get_attribute("role") == "status"
    expect(watcher.locator("#live")).to_have_attribute("data-connection", "saved")

    editor = browser.new_context().new_page()
    editor.goto(f"{live_server.url}/login")
    editor.fill("#email", "elsalvador@demo.test")
    editor.fill("#password", "demo-password")
    editor.press("#password", "Enter")
    editor.wait_for_url(f"{live_server.url}/")
    editor.goto(url)
    # the region speaks at most every 4 s; the other person's page has to load first
    expect(region).to_contain_text("Joined:", timeout=20_000)
    expect(region).to_contain_text("(SV)")

    http = live_server.session("elsalvador@demo.test")
    paragraph = next(p for p in live_server.document()["paragraphs"] if p["number"] == "8.a")
    version = paragraph["version"]["en"]
    for n in range(5):
        saved = http.post(
            f"{live_server.url}/api/documents/{live_server.document_id}/paragraphs/"
            f"{paragraph['id']}/versions",
            json={"lang": "en", "text": paragraph["text"]["en"] + " x" * (n + 1),
                  "base_version": version},
        )  # fmt: skip
        assert saved.status_code == 201, saved.text
        version = saved.json()["version"]
    expect(region).to_contain_text("changed 8.a.", timeout=20_000)
    assert region.inner_text().count("8.a") == 1
    editor.context.close()
    expect(region).to_contain_text("Left:")
    watcher.context.close()


def test_keyboard_one_stop_per_paragraph_shortcuts_and_highlighted_comments(
    live_server, audited, browser
):
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.goto(f"{live_server.url}/login")
    page.fill("#email", "mexico@demo.test")
    page.fill("#password", "demo-password")
    page.press("#password", "Enter")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/documents/{audited['doc']}")
    stops = page.evaluate(
        """() => {
             const text = document.getElementById("text");
             const all = [...text.querySelectorAll("a[href], button, summary, input, select, "
               + "textarea, [tabindex]")].filter(el => el.tabIndex >= 0 && el.checkVisibility());
             return {stops: all.length, articles: text.querySelectorAll("article.para").length,
                     allArticles: all.every(el => el.matches("article.para"))};
           }"""
    )
    assert stops["stops"] == stops["articles"] and stops["allArticles"], (
        stops,
        page.evaluate(
            """() => [...document.querySelectorAll("#text [tabindex], #text a, #text summary")]
                 .filter(el => el.tabIndex >= 0 && el.checkVisibility()).slice(0, 8)
                 .map(el => el.outerHTML.slice(0, 120))"""
        ),
    )

    # Unnumbered paragraphs show the PP reference the other pages use.
    first = page.locator("article.para").first
    expect(first.locator(".num")).to_have_text("PP1")

    first.focus()
    page.keyboard.press("j")
    focused = "document.activeElement.getAttribute('data-number')"
    assert page.evaluate(focused) == "PP2"
    page.keyboard.press("ArrowDown")
    assert page.evaluate(focused) == "PP3"
    page.keyboard.press("k")
    assert page.evaluate(focused) == "PP2"

    page.keyboard.press("n")  # the next paragraph with amendments
    assert page.evaluate("document.activeElement.id") == f"p-{audited['paragraph']}"
    page.keyboard.press("Enter")  # into its actions
    assert page.evaluate("document.activeElement.tagName") == "SUMMARY"
    page.keyboard.press("ArrowRight")
    assert page.evaluate("document.activeElement.closest('article').id") == (
        f"p-{audited['paragraph']}"
    )
    page.keyboard.press("Escape")
    assert page.evaluate("document.activeElement.id") == f"p-{audited['paragraph']}"

    page.keyboard.press("?")
    help_box = page.locator("#keyboard-help")
    expect(help_box).to_have_attribute("open", "")
    expect(help_box).to_contain_text("next / previous paragraph with amendments")

    # The comment's stretch of text is highlighted in the paragraph.
    quoted = page.evaluate(
        """() => { const h = CSS.highlights.get("comment-range");
                   return h ? [...h].map(r => r.toString()) : []; }"""
    )
    text = page.locator(f"#p-{audited['paragraph']} .ptext[lang=en]").inner_text()
    assert quoted == [text[:10]]
    page.context.close()
