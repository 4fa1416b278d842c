"""Answering the feedback survey on a phone (390 x 844) in headless Chromium: the call to action on
the portal, big tap targets, an error shown by its question, then the thank-you state."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect, sync_playwright

from scheduler.domain.model import Schedule
from scheduler.store import Store
from tests.builders import document
from tests.test_browser import ARGS, ARTIFACTS, CHROMIUM
from tests.test_surveys_rounds import EV, MEETINGS, PEOPLE, at
from tests.test_surveys_web import NOW
from tests.webtools import Server, seed_db


def choice(item, question: str, words: str):
    """The label (not the input) of one option of one question: a tap on the words."""
    return item.locator(f"[data-question={question}] label.choice").filter(has_text=re.compile(rf"^\s*{re.escape(words)}\s*$"))


@pytest.fixture
def phone_world(tmp_path):
    db = tmp_path / "phone.db"
    tokens = seed_db(db, [document(PEOPLE)])[EV]
    with Store(db) as s:
        s.save_schedule(Schedule(EV, MEETINGS))
        s.set_round(EV, "feedback", at(13), [], actor="t")
    server = Server(db, now=NOW, extra_env={"MATCHMAKING_STANDBY_TICK": "0"})
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield server, tokens, browser, db
        browser.close()
    server.stop()


def test_a_participant_rates_their_meetings_on_a_phone(phone_world):
    server, tokens, browser, db = phone_world
    page = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True).new_page()
    page.goto(server.url + f"/p/{tokens['s-2']}")
    page.get_by_role("link", name="How were your meetings with t-2 SME, t-1 SME?").click()
    items = page.locator("fieldset.item")
    expect(items).to_have_count(2)
    first, second = items.nth(0), items.nth(1)
    expect(first.locator("legend")).to_contain_text("Your meeting with t-2 SME")
    # tapping the words of an option chooses it; the target is big enough for a thumb
    yes = choice(first, "took_place", "Yes")
    box = yes.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 300
    choice(first, "took_place", "No").click()
    choice(first, "useful", "2").click()
    choice(second, "useful", "5").click()  # forgot "did it take place?"
    page.click("#save")
    expect(second.locator("[data-question=took_place] p.error")).to_have_text("Please answer this question.")
    expect(page.locator("fieldset.item").nth(0).locator("input[value=no]")).to_be_checked()  # kept
    choice(page.locator("fieldset.item").nth(1), "took_place", "Partly (late or cut short)").click()
    page.locator("fieldset.item").nth(1).locator("textarea").fill("Bonne discussion, suite en avril")
    page.click("#save")
    expect(page.locator("#thanks")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "survey-phone.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
    with Store(db) as s:
        got = {a.meeting_id: dict(a.values) for a in s.answers(EV, "feedback", "s-2")}
    assert got == {"m-3": {"took_place": "no", "useful": 2},
                   "m-4": {"took_place": "partly", "useful": 5, "comments": "Bonne discussion, suite en avril"}}
    page.goto(server.url + f"/p/{tokens['s-2']}")
    expect(page.locator("#survey-calls")).to_contain_text("answered, thank you")
