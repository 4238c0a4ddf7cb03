"""Notifications in Chromium against a real server: the bell counts what arrives without a
reload, the notifications page lists it and marks it read, and the settings page chooses
mail modes and a time zone that the pages then use; at phone width nothing scrolls sideways."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from support.browser import launch_options, sideways, skip_without_chromium

skip_without_chromium()

from playwright.sync_api import expect, sync_playwright  # noqa: E402

pytestmark = pytest.mark.browser
MEXICO, PANAMA = "mexico@demo.test", "panama@demo.test"


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


def take(server, name: str, **body) -> None:
    http = server.session(PANAMA)
    url = f"{server.url}/api/documents/{server.document_id}/transitions/{name}"
    response = http.post(url, json=body, timeout=10)
    assert response.status_code == 200, response.text


def test_the_bell_the_notifications_page_and_the_settings(live_server, browser):
    server = live_server
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    log_in(page, server.url, MEXICO)
    bell = page.locator("#bell")
    expect(bell).to_be_visible()
    expect(page.locator("#bell-count")).to_be_hidden()
    expect(bell).to_have_attribute("data-live", "connected")  # in the person's room

    # A round opens elsewhere: the bell counts it on the open page, without a reload.
    due = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0).isoformat()
    take(server, "open_round", deadline=due)
    expect(page.locator("#bell-count")).to_have_text("1")
    expect(bell).to_have_attribute("aria-label", "Notifications: 1 unread")

    bell.click()
    page.wait_for_url(f"{server.url}/notifications")
    first = page.locator(".notification").first
    expect(first).to_contain_text("is open for amendments and comments until")
    expect(first).to_contain_text("America/Panama (UTC-05:00)")
    expect(first).to_have_class("notification unread")

    # The round closes while the page is open: it appears at the top.
    take(server, "close_round")
    expect(page.locator(".notification").first).to_contain_text("the round has closed")
    expect(page.locator("#bell-count")).to_have_text("2")

    page.reload()
    page.click("#read-all")
    expect(page.locator("#bell-count")).to_be_hidden()
    expect(page.locator(".notification.unread")).to_have_count(0)

    # Settings: adoption by daily digest, replies by mail at once, and Mexico City's time.
    page.click("text=Settings: mail, digest, time zone")
    page.wait_for_url(f"{server.url}/notifications/settings")
    expect(page.locator("input[name=mail-round_opened][value=immediate]")).to_be_checked()
    page.check("input[name=mail-adopted][value=digest]")
    page.check("input[name=mail-comment_reply][value=immediate]")
    page.select_option("#timezone", "America/Mexico_City")
    page.click("#notification-settings button[type=submit]")
    expect(page.locator(".flash-ok")).to_contain_text("Your notification settings are saved.")
    expect(page.locator("input[name=mail-adopted][value=digest]")).to_be_checked()
    settings = server.session(MEXICO).get(f"{server.url}/api/me/notification-settings").json()
    assert settings["adopted"] == {"mail": "digest"}
    assert settings["comment_reply"] == {"mail": "immediate"}

    page.goto(f"{server.url}/notifications")
    expect(page.locator(".notification").first).to_contain_text("America/Mexico_City")
    expect(page.locator(".notification").last).to_contain_text("(UTC-06:00)")

    # The same pages in Spanish, at phone width.
    phone = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    log_in(phone, server.url, MEXICO)
    for path in ("/notifications?lang=es", "/notifications/settings?lang=es", "/?lang=es"):
        phone.goto(server.url + path)
        expect(phone.locator("#bell")).to_be_visible()
        assert sideways(phone) == [], path
    phone.goto(f"{server.url}/notifications?lang=es")
    expect(phone.locator("h1")).to_have_text("Notificaciones")
    expect(phone.locator(".notification").first).to_contain_text("la ronda se ha cerrado")
