"""Organiser actions in headless Chromium, by keyboard only (Tab, typing, Enter), each page checked
by axe-core: edit the event's settings (a refused field, then a change previewed because it cancels
a meeting), add a participant, lock a meeting."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect, sync_playwright

from scheduler.store import Store
from tests.a11y import axe_violations
from tests.test_browser import ARGS, ARTIFACTS, CHROMIUM, staff_page
from tests.test_console_actions import AT, EV, world_doc
from tests.webtools import Server, seed_db


@pytest.fixture
def browser_world(tmp_path):
    from datetime import timedelta

    from scheduler.domain.model import Meeting, Schedule

    db = tmp_path / "kb.db"
    doc = world_doc()
    doc["requests"].append({"from": "t-1", "to": "s-3", "priority": 2})  # the 11:00 meeting is wanted
    seed_db(db, [doc])
    with Store(db) as store:
        later = AT + timedelta(hours=2)  # 11:00 in Brussels
        store.save_schedule(Schedule(EV, (Meeting("m-1", "t-1", "s-1", AT, AT + timedelta(minutes=25), 1),
                                          Meeting("m-2", "t-1", "s-3", later, later + timedelta(minutes=25), 1))),
                            actor="test")  # fmt: skip
    server = Server(db)
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield server, browser, db
        browser.close()
    server.stop()


def tab_to(page, selector: str, most: int = 120) -> None:
    """Press Tab until the element ``selector`` has the focus (as a keyboard user reaches it)."""
    for _ in range(most):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} cannot be reached with Tab")


def type_into(page, selector: str, text: str) -> None:
    tab_to(page, selector)
    page.keyboard.press("Control+A")
    page.keyboard.type(text)


def test_settings_participant_and_lock_by_keyboard(browser_world):
    server, browser, db = browser_world
    ctx, page = staff_page(browser, server, "olga")
    page.goto(server.url + f"/events/{EV}/setup")  # the Settings tab
    tab_to(page, "#edit-settings")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Event settings")).to_be_visible()
    assert axe_violations(page) == []
    type_into(page, "#s-rooms", "lots")  # a mistake first: the field is named, nothing saved
    tab_to(page, "#save-settings")
    page.keyboard.press("Enter")
    expect(page.locator("#settings-problems")).to_contain_text("event.rooms")
    assert axe_violations(page) == []
    type_into(page, "#s-rooms", "5")
    type_into(page, "#s-name", "Keyboard fair")
    tab_to(page, "#save-settings")
    page.keyboard.press("Enter")
    expect(page.locator(".flash").first).to_contain_text("The event settings: saved")
    page.screenshot(path=str(ARTIFACTS / "actions-settings-saved.png"), full_page=True)
    # the session starts at 10:00: the 09:00 meeting would be cancelled, so a preview comes first
    tab_to(page, "#edit-settings")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Event settings")).to_be_visible()
    type_into(page, "#s-sessions", "2027-03-26 10:00-13:00")
    tab_to(page, "#save-settings")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Check the change")).to_be_visible()
    assert axe_violations(page) == []
    page.screenshot(path=str(ARTIFACTS / "actions-change-preview.png"), full_page=True)
    tab_to(page, "#apply-change")
    page.keyboard.press("Enter")
    expect(page.locator(".flash").first).to_contain_text("1 meetings cancelled")

    page.goto(server.url + f"/events/{EV}/participants")  # the Participants tab
    tab_to(page, "#add-participant")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Add a participant")).to_be_visible()
    assert axe_violations(page) == []
    type_into(page, "#p-id", "s-7")
    type_into(page, "#p-name", "Seven Vision")
    tab_to(page, "#p-kind")
    page.keyboard.press("End")  # the last kind: tech
    type_into(page, "#p-email", "seven@example.org")
    type_into(page, "#p-offers", "computer-vision")
    tab_to(page, "#save-participant")
    page.keyboard.press("Enter")
    expect(page.locator(".flash").first).to_contain_text("Participant Seven Vision: saved")

    page.goto(server.url + f"/events/{EV}/participants/t-1")
    assert axe_violations(page) == []
    tab_to(page, "#lock-m-2")
    page.keyboard.press("Enter")
    expect(page.locator(".flash").first).to_contain_text("is locked")
    page.screenshot(path=str(ARTIFACTS / "actions-participant-locked.png"), full_page=True)
    with Store(db) as store:
        ev = store.event(EV)
        assert (ev.name, ev.rooms) == ("Keyboard fair", 5)
        assert store.load(EV).by_id()["s-7"].kind == "tech"
        assert {m.id: (m.status, m.locked) for m in store.meetings(EV)} == {"m-1": ("cancelled", False),
                                                                             "m-2": ("scheduled", True)}
    ctx.close()
