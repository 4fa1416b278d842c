"""The web app in headless Chromium (Debian's, driven by Playwright), as people use it."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.conftest import ROOT, SAMPLE
from tests.webtools import PASSWORD, Server, free_slot, seed_db

ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking"]


@pytest.fixture(scope="module")
def browser_world(tmp_path_factory):
    db = tmp_path_factory.mktemp("browser") / "b.db"
    tokens = seed_db(db, [json.loads(SAMPLE.read_text())])
    server = Server(db, solve_seconds=3)
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield server, tokens["ai4trad-2027"], browser
        browser.close()
    server.stop()


def test_organiser_solves_and_a_participant_sees_a_move_live(browser_world):
    server, tokens, browser = browser_world
    org = browser.new_context(viewport={"width": 1366, "height": 900})
    page = org.new_page()
    page.goto(server.url + "/login")
    page.fill("input[name=username]", "olga")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    expect(page.get_by_role("heading", name="Events")).to_be_visible()
    page.click("text=AI for Traditional Manufacturing")
    page.click("#solve-btn")
    expect(page.locator("#progress-text")).to_contain_text("Done in", timeout=30_000)
    expect(page.locator("#grid-table td.meet").first).to_be_visible(timeout=10_000)
    assert page.locator("#grid-table td.meet").count() >= 8
    page.screenshot(path=str(ARTIFACTS / "organiser-grid.png"), full_page=True)

    # the participant opens its personal link in another browser (context)
    portal_ctx = browser.new_context(viewport={"width": 390, "height": 844})  # a phone
    portal = portal_ctx.new_page()
    portal.goto(server.url + f"/p/{tokens['t-001']}")
    first = portal.locator("#agenda li.meeting").first
    expect(first).to_be_visible()
    before = portal.locator("#agenda").inner_text()
    portal.wait_for_timeout(700)  # let its socket join the room

    # the organiser moves one of t-001's meetings by hand
    page.click("#move summary")
    option = page.locator("#move-meeting option", has_text="Ferreira Texteis").first
    page.select_option("#move-meeting", value=option.get_attribute("value"))
    schedule = page.request.get(page.url.split("#")[0].rstrip("/") + "/schedule.json").json()
    target = free_slot(SAMPLE, schedule, option.get_attribute("value"))
    page.select_option("#move-slot", value=str(target[0]))
    page.fill("#move-room", str(target[1]))
    page.click("#move-form button[type=submit]")
    expect(page.locator(".flash").first).to_contain_text("Meeting moved")

    banner = portal.locator("#changes")
    expect(banner).to_be_visible(timeout=2_000)  # within 2 s, without a reload
    expect(banner).to_contain_text("moved from")
    assert portal.locator("#agenda").inner_text() != before
    portal.screenshot(path=str(ARTIFACTS / "participant-agenda-phone.png"), full_page=True)


def test_pages_render_for_people(browser_world):
    server, tokens, browser = browser_world
    ctx = browser.new_context(viewport={"width": 1280, "height": 800})
    page = ctx.new_page()
    page.goto(server.url + f"/p/{tokens['s-002']}")
    expect(page.get_by_role("heading", name="Kibbutz Analytics")).to_be_visible()
    assert re.search(r"your times are in\s+Asia/Jerusalem", page.inner_text("body"))
    page.screenshot(path=str(ARTIFACTS / "participant-laptop.png"), full_page=True)
