"""The participant's pages on a phone (390 x 844) in headless Chromium: no control cut off, nothing
scrolls sideways, no serious or critical axe-core violation; the slot picker by keyboard alone; and
the host board's sticky table header no longer covers a row's buttons."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect, sync_playwright

from scheduler.files.formats import parse_event_document
from scheduler.solver import SolverConfig, solve
from scheduler.store import Store
from tests.a11y import axe_violations
from tests.conftest import SAMPLE
from tests.test_browser import ARGS, ARTIFACTS, CHROMIUM, staff_page
from tests.webtools import Server, seed_db

EV = "ai4trad-2027"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True}
#: every control a person can reach
CONTROLS = "button, a.button, input:not([type=hidden]), select, textarea, label.slot, summary"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    db = tmp_path_factory.mktemp("portal-phone") / "pp.db"
    doc = json.loads(SAMPLE.read_text())
    tokens = seed_db(db, [doc])[EV]
    result = solve(parse_event_document(doc), config=SolverConfig(time_limit=3, seed=1))
    with Store(db) as s:
        s.save_schedule(result.schedule)
    server = Server(db, extra_env={"MATCHMAKING_STANDBY_TICK": "0"})
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield server, tokens, browser
        browser.close()
    server.stop()


def cut_off(page) -> list[str]:
    """The visible controls whose box leaves the viewport's width, as ``tag#id "text" x..x``."""
    return page.evaluate("""sel => [...document.querySelectorAll(sel)].filter(e => {
        const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0 && (r.left < 0 || r.right > innerWidth + 0.5);
      }).map(e => { const r = e.getBoundingClientRect();
        return `${e.tagName}#${e.id} "${(e.innerText || e.value || '').slice(0, 30)}" ${r.left}..${r.right}`; })""", CONTROLS)


@pytest.mark.parametrize(("who", "path", "shot"), [
    ("s-001", "", "portal-tech-phone.png"),
    ("t-004", "", "portal-traditional-phone.png"),
    ("s-001", "/directory", "directory-phone.png"),
    ("t-004", "/directory?country=BE", "directory-filtered-phone.png"),
    ("t-004", "/availability", "slot-picker-phone.png"),
])  # fmt: skip
def test_participant_pages_fit_a_phone_and_pass_axe(world, who, path, shot):
    server, tokens, browser = world
    page = browser.new_context(**PHONE).new_page()
    page.goto(server.url + f"/p/{tokens[who]}{path}")
    expect(page.locator("h1").first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing scrolls sideways
    assert cut_off(page) == []
    assert axe_violations(page) == []
    page.screenshot(path=str(ARTIFACTS / shot), full_page=True)
    page.context.close()


def test_accept_and_decline_are_whole_on_a_phone_and_work(world):
    server, tokens, browser = world
    page = browser.new_context(**PHONE).new_page()
    page.goto(server.url + f"/p/{tokens['s-001']}#requests")
    accept = page.locator("#requests button", has_text="accept").first
    expect(accept).to_be_visible()
    for b in page.locator("#requests button").all():
        box = b.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    accept.click()
    expect(page.locator(".flash").first).to_contain_text("is accepted")
    page.context.close()


def test_the_slot_picker_works_by_keyboard_alone(world):
    server, tokens, browser = world
    page = browser.new_context(**PHONE).new_page()
    page.goto(server.url + f"/p/{tokens['t-002']}/availability")
    first = page.locator("#slot-0")
    expect(first).to_be_checked()  # t-002 has no availability windows: every slot in its hours
    first.focus()
    page.keyboard.press("Space")  # untick the first slot
    expect(first).not_to_be_checked()
    page.locator("#save-slots").focus()
    page.keyboard.press("Enter")
    expect(page.locator(".flash").first).to_contain_text("Profile saved.")
    expect(page.locator("#slot-0")).not_to_be_checked()
    expect(page.locator("#slot-1")).to_be_checked()
    assert axe_violations(page) == []
    page.context.close()


@pytest.mark.parametrize("size", [(390, 844), (1366, 900)])
def test_the_board_header_does_not_cover_a_rows_buttons(world, size):
    server, _tokens, browser = world
    ctx, page = staff_page(browser, server, "hans")
    page.set_viewport_size({"width": size[0], "height": size[1]})
    page.goto(server.url + f"/events/{EV}/board")
    buttons = page.locator("#board-table tbody tr button", has_text="held")
    assert buttons.count() >= 10
    for i in (3, buttons.count() - 1):
        target = buttons.nth(i)
        # jump the row to the top of its scrolling table, where the sticky header sits
        target.evaluate("e => e.scrollIntoView({block: 'start'})")
        page.wait_for_timeout(100)
        hit = target.evaluate("""e => { const r = e.getBoundingClientRect();
            const at = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
            return at === e || e.contains(at) ? true : (at ? at.outerHTML.slice(0, 200) : "nothing"); }""")
        assert hit is True, f"the {i}th 'held' button is covered by {hit}"
    assert axe_violations(page) == []
    page.screenshot(path=str(ARTIFACTS / f"board-{size[0]}x{size[1]}.png"))
    ctx.close()
