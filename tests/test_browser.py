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


def staff_page(browser, server, user: str):
    """A desktop browser context with ``user`` logged in through the real form; (context, page)."""
    ctx = browser.new_context(viewport={"width": 1366, "height": 900})
    page = ctx.new_page()
    page.goto(server.url + "/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    return ctx, page


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
    org, page = staff_page(browser, server, "olga")
    expect(page.get_by_role("heading", name="Events")).to_be_visible()
    page.click("text=AI for Traditional Manufacturing")
    page.evaluate("""() => { window.seenPhases = [];
        new MutationObserver(() => window.seenPhases.push(document.getElementById("progress-phase").textContent))
          .observe(document.getElementById("progress-phase"), {childList: true, characterData: true, subtree: true}); }""")
    page.click("#solve-btn")
    expect(page.locator("#progress-phase")).to_contain_text("Done in", timeout=30_000)
    expect(page.locator("#progress-text")).to_contain_text("meetings placed")  # the quality in one sentence
    seen = " | ".join(page.evaluate("() => window.seenPhases"))
    assert "Reading the requests" in seen or "Placing meetings" in seen, seen  # phases in words
    assert page.locator("#progress-bar").evaluate("b => b.value") == 100
    assert page.locator("#progress-terms abbr[title]").all_inner_texts() == ["upper bound", "gap", "idle slots"]
    page.click(".console-tabs >> text=Schedule")
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
    schedule = page.request.get(server.url + "/events/ai4trad-2027/schedule.json").json()
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


def test_two_participants_meet_now_from_their_phones(browser_world, tmp_path):
    """A partner is missing six minutes into a slot: the one waiting and a free, checked-in match
    both get a 'Meet now' offer live, accept it from their phones, and find the meeting in their agenda."""
    from datetime import timedelta

    from scheduler.files.formats import parse_event_document
    from scheduler.files.generator import generate_event
    from scheduler.solver import SolverConfig, solve
    from scheduler.store import Store
    from tests.test_live_ops import standby_scene

    _, _, browser = browser_world
    doc = generate_event(60, seed=2, event_id="live-phone")
    db = tmp_path / "phone.db"
    tokens = seed_db(db, [doc])["live-phone"]
    data = parse_event_document(doc)
    result = solve(data, config=SolverConfig(time_limit=3))
    running = result.problem.slots[3]
    with Store(db) as s:
        s.save_schedule(result.schedule)
        m, waiting, missing, free_tech = standby_scene(data, s.meetings("live-phone"), result.problem.slots, running)
        for p in free_tech:
            s.check_in("live-phone", p, by="host")
    people = data.by_id()
    server = Server(db, now=(running.start + timedelta(minutes=6)).isoformat(),
                    extra_env={"MATCHMAKING_STANDBY_TICK": "0"})
    try:
        phone = {"viewport": {"width": 390, "height": 844}}
        me = browser.new_context(**phone).new_page()
        me.goto(server.url + f"/p/{tokens[waiting]}")
        expect(me.locator("#offers")).to_be_hidden()
        me.click("#checkin")  # "I'm here": my partner is not, so a match is looked for at once
        expect(me.locator("#offers")).to_be_visible()
        with Store(db) as s:
            [offer] = s.offers("live-phone", status="open")
        partner = offer["b"]
        expect(me.locator("#offer-list")).to_contain_text(people[partner].name)
        me.wait_for_timeout(700)  # let the socket join its room

        them = browser.new_context(**phone).new_page()
        them.goto(server.url + f"/p/{tokens[partner]}")
        expect(them.locator("#offer-list")).to_contain_text(people[waiting].name)
        them.wait_for_timeout(700)
        them.click("#offer-list button[data-act=accept]")
        expect(them.locator("#offer-list")).to_contain_text("waiting for")

        # no reload on my side: the update arrives over the socket and I accept
        expect(me.locator("#changes")).to_be_hidden()
        me.locator("#offer-list button[data-act=accept]").click()
        expect(me.locator(".flash").first).to_contain_text("It's a meeting")
        expect(me.locator("#agenda")).to_contain_text(people[partner].name)
        me.screenshot(path=str(ARTIFACTS / "meet-now-phone.png"), full_page=True)
        banner = them.locator("#changes")
        expect(banner).to_be_visible(timeout=2_000)
        expect(banner).to_contain_text("standby meeting was agreed")
        expect(them.locator("#agenda")).to_contain_text(people[waiting].name)

        # the host's board shows the agreed standby meeting in the running slot
        host = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
        host.goto(server.url + "/login")
        host.fill("input[name=username]", "hans")
        host.fill("input[name=password]", PASSWORD)
        host.click("button[type=submit]")
        host.goto(server.url + "/events/live-phone/board")
        expect(host.locator("#standby")).to_contain_text("confirmed")
        expect(host.locator("tr.now").first).to_be_visible()
        host.screenshot(path=str(ARTIFACTS / "host-board.png"))
        # finding someone on a busy board
        rows = host.locator("#board-table tbody tr")
        total = rows.count()
        host.fill("#board-filter", people[partner].name)
        expect(host.locator("#board-table tbody tr:visible").first).to_contain_text(people[partner].name)
        assert 0 < host.locator("#board-table tbody tr:visible").count() < total
        host.fill("#board-filter", "")
        # the host checks someone in and marks a no-show with the row's own buttons
        with Store(db) as s:
            other = next(x for x in s.meetings("live-phone") if x.start == running.start
                         and x.status == "scheduled" and not {x.a, x.b} & {waiting, partner, missing})  # fmt: skip
        row = host.locator(f'tr[data-meeting="{other.id}"]')
        row.locator("button", has_text="here?").first.click()
        expect(host.locator(f'tr[data-meeting="{other.id}"]')).to_contain_text(people[other.a].name + " ✓")
        host.once("dialog", lambda d: d.accept())  # "Mark … absent from this meeting?"
        host.locator(f'tr[data-meeting="{other.id}"] button[name=absent][value="{other.b}"]').click()
        expect(host.locator(".flash").first).to_contain_text("Meeting marked no-show")
        expect(host.locator(f'tr[data-meeting="{other.id}"] .tag.st-no_show')).to_have_text("no-show")
        expect(host.locator("#absence-form select[name=participant]")).to_have_value(other.b)
        with Store(db) as s:
            assert next(x for x in s.meetings("live-phone") if x.id == other.id).status == "no_show"
            assert other.a in s.checked_in("live-phone")
    finally:
        server.stop()


def test_a_host_is_asked_before_a_meeting_is_cancelled(browser_world):
    server, tokens, browser = browser_world
    ctx, page = staff_page(browser, server, "hans")
    page.goto(server.url + "/events/ai4trad-2027/board?all=1")
    row = page.locator("#board-table tbody tr", has=page.locator("button", has_text="cancel")).first
    meeting = row.get_attribute("data-meeting")
    asked: list[str] = []

    def answer(dialog, accept):
        asked.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", lambda d: answer(d, False))
    row.locator("button", has_text="cancel").click()
    page.wait_for_timeout(500)
    assert asked and asked[0].startswith("Cancel the meeting of ") and "Both are told" in asked[0]
    expect(page.locator(f'tr[data-meeting="{meeting}"] .tag')).to_have_text("scheduled")  # nothing happened
    page.once("dialog", lambda d: answer(d, True))
    page.locator(f'tr[data-meeting="{meeting}"] button', has_text="cancel").click()
    expect(page.locator(f'tr[data-meeting="{meeting}"] .tag')).to_have_text("cancelled", timeout=10_000)
    ctx.close()


def test_a_page_whose_connection_dropped_catches_up_when_it_is_back(browser_world, tmp_path):
    """The participant's line is cut, a host moves their meeting meanwhile (the live push is lost),
    the line comes back: the page reads its agenda again, shows the new time and says what changed
    while it was offline. The host board behind the same cut line shows itself fresh too."""
    from scheduler.domain.timegrid import to_local
    from scheduler.files.formats import parse_event_document
    from scheduler.solver import SolverConfig, solve
    from scheduler.store import Store
    from tests.test_sockets import EVENT, NOW, br19_doc, move_on_board, renew
    from tests.webtools import Proxy, login

    _, _, browser = browser_world
    db = tmp_path / "offline.db"
    tokens = seed_db(db, [br19_doc()])[EVENT]
    with Store(db) as s:
        s.save_schedule(solve(parse_event_document(br19_doc()), config=SolverConfig(time_limit=3)).schedule)
        [before] = s.meetings(EVENT)
    server = Server(db, now=NOW, extra_env={"MATCHMAKING_STANDBY_TICK": "0"})
    line = Proxy(server.port)
    try:
        page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
        page.goto(line.url + f"/p/{tokens['t-1']}")
        was = to_local(before.start, "Europe/Lisbon").strftime("%H:%M")
        expect(page.locator("#agenda li.meeting")).to_contain_text(was)
        host = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
        host.goto(line.url + "/login")
        host.fill("input[name=username]", "hans")
        host.fill("input[name=password]", PASSWORD)
        host.click("button[type=submit]")
        host.goto(line.url + f"/events/{EVENT}/board")
        version = host.locator("#schedule-version").inner_text()
        page.wait_for_timeout(1000)  # both sockets connected and in their rooms

        line.cut()
        move_on_board(login(server.url, "olga")[0], server.url, db)  # straight to the server
        page.wait_for_timeout(1500)
        expect(page.locator("#changes")).to_be_hidden()  # the live push did not get through
        line.restore()

        with Store(db) as s:
            [after] = s.meetings(EVENT)
        now = to_local(after.start, "Europe/Lisbon").strftime("%H:%M")
        banner = page.locator("#changes")
        expect(banner).to_be_visible(timeout=15_000)
        expect(banner).to_contain_text(f"While you were offline: Your meeting with Beta Vision moved from {was} to {now}")
        expect(page.locator("#agenda li.meeting")).to_contain_text(now)
        page.screenshot(path=str(ARTIFACTS / "participant-back-online.png"), full_page=True)
        expect(host.locator("#board-changes")).to_contain_text("While you were offline the schedule changed",
                                                               timeout=15_000)  # fmt: skip
        assert host.locator("#schedule-version").inner_text() != version

        # then the organiser renews the link: the open page says so at once, instead of going stale
        renew(login(server.url, "olga")[0], server.url, db, "t-1")
        expect(banner).to_have_text("This link was renewed; use the new link you were sent.", timeout=5_000)
    finally:
        line.close()
        server.stop()


def test_after_publication_generate_shows_a_preview_to_apply_or_discard(browser_world):
    """Once invites went out, "Generate schedule" becomes "Update schedule…": a preview of what would
    be added, moved and cancelled, with the people told, applied only when the organiser says so."""
    from scheduler.store import Store

    server, tokens, browser = browser_world
    db = server.db
    org, page = staff_page(browser, server, "olga")
    page.goto(server.url + "/events/ai4trad-2027")
    with Store(db) as s:
        if not s.meetings("ai4trad-2027"):
            pytest.skip("needs the schedule of the first test")
    page.click("text=Publish invites")
    expect(page.locator("#phase")).to_contain_text("Published")
    expect(page.locator("#solve-btn")).to_have_text("Update schedule…")
    with Store(db) as s:  # a late request arrives after publication
        data = s.load("ai4trad-2027")
        placed = {frozenset((m.a, m.b)) for m in s.meetings("ai4trad-2027")}
        pair = next((t.id, u.id) for t in data.participants for u in data.participants
                    if t.kind == "traditional" and u.kind == "tech" and frozenset((t.id, u.id)) not in placed
                    and not any({r.sender, r.receiver} == {t.id, u.id} for r in data.requests))
        s.add_requests("ai4trad-2027", [(pair[0], pair[1], 1)], status="accepted", origin="organiser", actor="olga")
        before = s.meetings("ai4trad-2027")
    page.click("#solve-btn")
    expect(page.get_by_role("heading", name="Update the published schedule?")).to_be_visible(timeout=20_000)
    expect(page.locator("#preview-counts")).to_contain_text("0 moved")
    page.screenshot(path=str(ARTIFACTS / "organiser-update-preview.png"), full_page=True)
    page.click("#discard")
    with Store(db) as s:
        assert s.meetings("ai4trad-2027") == before  # discarded: nothing changed
    page.click("#solve-btn")
    expect(page.get_by_role("heading", name="Update the published schedule?")).to_be_visible(timeout=20_000)
    if page.locator("#apply-reoptimise").count():
        page.click("#apply-reoptimise")
        expect(page.locator(".flash").first).to_contain_text("Applied:")
        with Store(db) as s:
            after = {m.id: m for m in s.meetings("ai4trad-2027")}
        assert all((after[m.id].start, after[m.id].room) == (m.start, m.room)
                   for m in before if m.status in ("scheduled", "moved"))  # nothing announced moved
        assert any(frozenset((m.a, m.b)) == frozenset(pair) for m in after.values())
    else:
        expect(page.locator("#nothing-to-change")).to_be_visible()
