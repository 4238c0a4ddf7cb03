"""What the browser tests share: Debian's Chromium, the flags it needs here, the rule for
skipping, and an async runner that prints the server's log when a scenario fails."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def skip_without_chromium() -> None:
    """Skip the module where Chromium is missing, but never in CI, which installs it."""
    if os.environ.get("CI") != "true" and not CHROMIUM.exists():
        pytest.skip(
            f"{CHROMIUM} is not installed (CI=true installs it and runs these tests)",
            allow_module_level=True,
        )


def launch_options() -> dict[str, Any]:
    """Playwright's launch options for that Chromium, headless."""
    return {"executable_path": str(CHROMIUM), "headless": True, "args": ARGS}


# What sticks out of a page at its width (a wide table scrolls inside its own box).
SIDEWAYS = """Array.from(document.querySelectorAll('body *'))
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
  .filter(e => !e.closest('.table-scroll'))
  .map(e => e.tagName + '.' + e.className)
  .concat(document.documentElement.scrollWidth > window.innerWidth ? ['(document)'] : [])"""


def sideways(page) -> list[str]:
    """What makes a (sync) page scroll sideways, measured once its stylesheets have loaded:
    a page whose new HTML is parsed but not yet styled lays its tables out at full width."""
    page.wait_for_load_state("load")
    return page.evaluate(SIDEWAYS)


def run_async(scenario: Callable[[Any], Awaitable[None]], live_server, wrap=None) -> None:
    """Run `scenario(browser)` with a fresh Chromium (wrapped by `wrap` if given)."""
    from playwright.async_api import async_playwright

    async def main() -> None:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(**launch_options())
            try:
                await scenario(wrap(browser) if wrap else browser)
            finally:
                await browser.close()

    try:
        asyncio.run(main())
    except Exception:
        print(live_server.log_tail())
        raise
