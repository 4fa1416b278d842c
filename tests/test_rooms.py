"""Closing and reopening rooms, the one move rule, and "not placed" from the current schedule.

Small real worlds: a hand-made schedule on a three-room grid, the pure rules, then the same
story through the Flask test client on a real SQLite file (published, so invites go out)."""

from __future__ import annotations

import html
import re
from dataclasses import replace
from datetime import timedelta

import pytest

from scheduler.changes.pipeline import not_placed, restorable
from scheduler.domain.model import Meeting, Schedule
from scheduler.domain.timegrid import build_slots
from scheduler.live.repair import rebalance
from scheduler.matching.requests import wanted_pairs
from scheduler.solving.problem import build_problem, pair_key
from scheduler.solving.validate import move_problem, validate
from scheduler.store import Store
from tests.builders import build, person

PEOPLE = [person(p) for p in ("t1", "t2", "t3", "t4", "s1", "s2", "s3", "s4")]


def meet(slots, i: int, room: int, a: str, b: str) -> Meeting:
    return Meeting(f"m-{a}-{b}", a, b, slots[i].start, slots[i].end, room)


def world(layout, extra=(), **event):
    """The event (every pair of ``layout`` requested, plus ``extra``) and its hand-made schedule."""
    data = build(PEOPLE, [(a, b, 1) for _, _, a, b in layout] + [(a, b, 2) for a, b in extra], **event)
    slots = build_slots(data.event)
    return data, slots, tuple(meet(slots, *row) for row in layout)


def kinds(plan):
    """Count a plan's changes: room only (same slot), moved in time, cancelled."""
    room_only = sum(1 for b, a in plan.moved if b.start == a.start)
    return room_only, len(plan.moved) - room_only, len(plan.cancelled)


def test_closing_a_room_changes_room_in_the_same_slot_first_and_moves_only_what_cannot_stay():
    # slot 2 is full (3 rooms), slot 3 half full; room 1 closes while slot 0 runs
    data, slots, ms = world([(0, 1, "t4", "s4"), (2, 1, "t1", "s1"), (2, 2, "t2", "s2"), (2, 3, "t3", "s3"),
                             (3, 1, "t1", "s2"), (3, 2, "t2", "s1")])  # fmt: skip
    now = slots[0].start + timedelta(minutes=5)
    plan = rebalance(data, ms, now, closed_rooms=[1])
    assert kinds(plan) == (1, 1, 0)
    after = {m.id: m for m in plan.meetings}
    assert (after["m-t1-s2"].start, after["m-t1-s2"].room) == (slots[3].start, 3)  # same time, free room
    moved = after["m-t1-s1"]  # nowhere to go in its full slot: another time, at least an hour ahead
    assert moved.start >= now + timedelta(minutes=60) and moved.room != 1 and moved.status == "moved"
    # nobody else's meeting changes
    assert [after[m.id] for m in ms if m.id not in ("m-t1-s1", "m-t1-s2")] == [
        m for m in ms if m.id not in ("m-t1-s1", "m-t1-s2")]
    assert not [m for m in plan.meetings if m.start > now and m.room == 1 and m.status != "cancelled"]
    assert validate(build_problem(data, scores=False), Schedule(data.event.id, plan.meetings)) == []


def test_a_room_change_is_not_held_back_by_notice_or_the_bystander_limit():
    from scheduler.live.repair import RebalanceConfig

    # the room closes a minute before a half-full slot starts: still re-roomed, not cancelled
    data, slots, ms = world([(1, 1, "t1", "s1"), (1, 2, "t2", "s2"), (2, 1, "t3", "s3")])
    now = slots[1].start - timedelta(minutes=1)
    plan = rebalance(data, ms, now, closed_rooms=[1],
                     config=RebalanceConfig(min_notice=timedelta(hours=5), max_bystander_moves=0))
    assert kinds(plan) == (2, 0, 0)


def test_closing_a_room_cancels_only_the_meetings_with_nowhere_to_go():
    data, slots, ms = world([(0, 1, "t4", "s4"), (1, 1, "t1", "s1"), (1, 2, "t2", "s2"), (1, 3, "t3", "s3"),
                             (2, 1, "t1", "s2"), (2, 2, "t2", "s3"), (2, 3, "t3", "s1"),
                             (3, 1, "t1", "s3"), (3, 2, "t2", "s1")],
                            sessions=[{"date": "2027-03-26", "start": "09:00", "end": "11:00"}])  # fmt: skip
    now = slots[0].start + timedelta(minutes=5)
    plan = rebalance(data, ms, now, closed_rooms=[1])
    assert kinds(plan) == (1, 0, 2)
    assert {m.id for m in plan.cancelled} == {"m-t1-s1", "m-t1-s2"}
    # reopening: both cancelled meetings can go back; the room change stays (its time never changed)
    found = restorable(data, plan.meetings, [m for m in ms if m.id in ("m-t1-s1", "m-t1-s2", "m-t1-s3")], now)
    assert sorted((m.id, m.start, m.room, m.status) for _, m in found.back) == sorted(
        (m.id, m.start, m.room, "scheduled") for m in ms if m.id in ("m-t1-s1", "m-t1-s2"))
    # once someone else uses the slot and room, that one stays cancelled, with the reason
    taken = (*plan.meetings, Meeting("m-t4-s3", "t4", "s3", slots[1].start, slots[1].end, 1))
    found = restorable(data, taken, [m for m in ms if m.id in ("m-t1-s1", "m-t1-s2")], now)
    assert [m.id for _, m in found.back] == ["m-t1-s2"]
    assert [(m.id, why) for m, why in found.stay] == [("m-t1-s1", "room 1 is taken then")]
    # and nothing goes back into a slot that has started
    found = restorable(data, plan.meetings, [m for m in ms if m.id == "m-t1-s1"], slots[1].start)
    assert found.back == () and found.stay[0][1] == "its time has passed"


@pytest.mark.parametrize(("slot", "room", "closed", "expected"), [
    (0, 2, (), "slot: only meetings and slots that have not started can be moved"),
    (4, 1, (1,), "room: room 1 is closed; choose an open room or reopen it on the host board first"),
    (4, 4, (), "room: must be between 1 and 3"),
    (2, 3, (), "room: room 3 is taken by t3 SME ⇄ s3 SME in that slot"),
    (3, 3, (), "slot: t1 SME already meet someone then"),
    (4, 2, (1,), None),
])  # fmt: skip
def test_one_move_rule(slot, room, closed, expected):
    data, slots, ms = world([(0, 1, "t4", "s4"), (2, 1, "t1", "s1"), (2, 3, "t3", "s3"), (3, 1, "t1", "s2")])
    now = slots[0].start + timedelta(minutes=5)
    assert move_problem(data, ms, ms[1], slots, slot, room, closed, now=now) == expected


# ------------------------------------------------------------------ through the web app

LAYOUT = [(0, 1, "t4", "s4"), (1, 1, "t1", "s1"), (1, 2, "t2", "s2"), (1, 3, "t3", "s3"),
          (2, 1, "t1", "s2"), (2, 2, "t2", "s3"), (2, 3, "t3", "s1"), (3, 1, "t1", "s3"), (3, 2, "t2", "s1")]
SESSION = [{"date": "2027-03-26", "start": "09:00", "end": "11:00"}]


@pytest.fixture
def app_world(tmp_path):
    from webapp import create_app

    data, slots, ms = world(LAYOUT, extra=[("t4", "s1"), ("t4", "s2")], sessions=SESSION)
    db = tmp_path / "rooms.db"
    with Store(db) as s:
        s.save_event(data)
        s.save_schedule(Schedule(data.event.id, ms))
        s.add_user("olga", "not-a-password-hash", "organiser")  # the session names an account that exists
    now = slots[0].start + timedelta(minutes=5)
    app = create_app({"DATABASE": str(db), "SECRET_KEY": "test", "WTF_CSRF_ENABLED": False, "NOW": now.isoformat(),
                      "OUTBOX_DIR": str(tmp_path / "outbox"), "TESTING": True,
                      "COMPUTE_WAIT": 60})  # pages wait for their figures (no "being computed" state)  # fmt: skip
    client = app.test_client()
    with client.session_transaction() as sess:
        sess["user"], sess["role"] = "olga", "organiser"
    ev = data.event.id
    assert client.post(f"/events/{ev}/publish").status_code == 302  # invites went out
    return {"client": client, "db": db, "data": data, "slots": slots, "ev": ev, "now": now}


def stored(w):
    with Store(w["db"]) as s:
        return {m.id: m for m in s.meetings(w["ev"])}, s.schedule_version(w["ev"])


def flashes(page: str) -> list[str]:
    return [html.unescape(x) for x in re.findall(r'class="flash (?:error|message)?[^"]*"[^>]*>([^<]*)<', page)]


def shown_not_placed(w) -> set[frozenset[str]]:
    page = w["client"].get(f"/events/{w['ev']}/not-placed").get_data(as_text=True)
    section = page[page.index('id="unscheduled"'):page.index("</section>")]
    names = {p.name: p.id for p in w["data"].participants}
    return {frozenset((names[html.unescape(a)], names[html.unescape(b)]))
            for a, b in re.findall(r"<tr><td><a [^>]*>([^<]*)</a> ⇄ <a [^>]*>([^<]*)</a></td>", section)}


def from_scratch(w) -> set[frozenset[str]]:
    """Wanted pairs under the request policy minus those with a meeting that takes place."""
    meetings, _ = stored(w)
    met = {pair_key(m.a, m.b) for m in meetings.values() if m.status in ("scheduled", "moved", "held")}
    return {frozenset(p.key) for p in wanted_pairs(w["data"]) if p.key not in met}


def test_close_then_reopen_restores_the_cancelled_with_a_new_sequence_and_not_placed_follows(app_world):
    w = app_world
    c, ev = w["client"], w["ev"]
    assert shown_not_placed(w) == from_scratch(w) == {frozenset(("t4", "s1")), frozenset(("t4", "s2"))}
    before, version = stored(w)
    preview = c.post(f"/events/{ev}/board/rooms/close", data={"room": "1"}).get_data(as_text=True)
    assert "room change only" in preview and "cancelled" in preview
    assert "1 change room only (same time) · 0 move to another time · 2 cancelled" in html.unescape(preview)
    assert stored(w)[0] == before  # a preview changes nothing
    r = c.post(f"/events/{ev}/board/apply", data={"close_room": "1", "version": str(version)}, follow_redirects=True)
    assert any(f.startswith("Applied: 0 meetings added, 1 changed room only") for f in flashes(r.get_data(as_text=True)))
    closed, _ = stored(w)
    assert {i for i, m in closed.items() if m.status == "cancelled"} == {"m-t1-s1", "m-t1-s2"}
    assert (closed["m-t1-s3"].start, closed["m-t1-s3"].room) == (before["m-t1-s3"].start, 3)
    # after the repair, "not placed" is the schedule as it is: the two called-off pairs join the list
    assert shown_not_placed(w) == from_scratch(w) and len(from_scratch(w)) == 4

    # reopening previews what can go back, then puts it back and sends new invite versions
    preview = c.post(f"/events/{ev}/board/rooms/1/open").get_data(as_text=True)
    assert "2 meetings can go back" in preview and stored(w)[0] == closed
    _, version = stored(w)
    r = c.post(f"/events/{ev}/board/rooms/1/open", data={"apply": "1", "restore": "1", "version": str(version)},
               follow_redirects=True)  # fmt: skip
    assert any("2 meetings are back at their original time and room" in f for f in flashes(r.get_data(as_text=True)))
    back, _ = stored(w)
    for mid in ("m-t1-s1", "m-t1-s2"):
        assert (back[mid].start, back[mid].room, back[mid].status) == (before[mid].start, 1, "scheduled")
        assert back[mid].version == closed[mid].version + 1 == before[mid].version + 2
    assert back["m-t1-s3"] == closed["m-t1-s3"]  # a room change only: it stays in its new room
    with Store(w["db"]) as s:
        assert s.live_settings(ev)["closed_rooms"] == []
        sent = {(o["meeting_id"], o["participant_id"], o["sequence"], o["method"]) for o in s.outbox(ev)}
    for mid in ("m-t1-s1", "m-t1-s2"):
        m = back[mid]
        assert {(mid, p, m.version, "REQUEST") for p in (m.a, m.b)} <= sent
        assert {(mid, p, m.version - 1, "CANCEL") for p in (m.a, m.b)} <= sent
    assert shown_not_placed(w) == from_scratch(w) and len(from_scratch(w)) == 2

    # undo (of the restore) keeps the list right too
    _, version = stored(w)
    c.post(f"/events/{ev}/board/undo", data={"version": str(version)})
    assert stored(w)[0]["m-t1-s1"].status == "cancelled"
    assert shown_not_placed(w) == from_scratch(w) and len(from_scratch(w)) == 4


def test_console_move_checks_version_started_slots_and_closed_rooms(app_world):
    w = app_world
    c, ev = w["client"], w["ev"]
    page = c.get(f"/events/{ev}/schedule").get_data(as_text=True)
    assert re.search(r'name="version" value="(\d+)"', page)  # the console's move form carries the version
    before, version = stored(w)
    url = f"/events/{ev}/meetings/m-t2-s1/move"

    def refused(form, message):
        r = c.post(url, data=form, follow_redirects=True)
        assert message in flashes(r.get_data(as_text=True)), flashes(r.get_data(as_text=True))
        assert stored(w)[0] == before

    refused({"slot": "0", "room": "2", "version": str(version)},
            "slot: only meetings and slots that have not started can be moved")
    with Store(w["db"]) as s:
        s.set_live_settings(ev, actor="hans", closed_rooms=[3])
        refused({"slot": "3", "room": "3", "version": str(version)},
                "room: room 3 is closed; choose an open room or reopen it on the host board first")
        s.set_live_settings(ev, actor="hans", closed_rooms=[])
        # a host changes the schedule meanwhile: the console's page is stale
        s.update_meeting(ev, "m-t4-s4", actor="hans", status="held", expected_version=version)
    before, _ = stored(w)
    refused({"slot": "3", "room": "3", "version": str(version)},
            "The schedule changed meanwhile (someone else made a change), so nothing was moved. "
            "The page below is fresh: check the meeting and try again.")
    r = c.post(url, data={"slot": "3", "room": "3", "version": str(version + 1)}, follow_redirects=True)
    assert "Meeting moved; both participants were told." in flashes(r.get_data(as_text=True))
    assert (stored(w)[0]["m-t2-s1"].room, stored(w)[0]["m-t2-s1"].version) == (3, before["m-t2-s1"].version + 1)


def test_not_placed_is_what_the_schedule_leaves_out():
    data, slots, ms = world(LAYOUT, extra=[("t4", "s1")], sessions=SESSION)
    gone = [replace(m, status="cancelled") if m.id == "m-t1-s1" else m for m in ms]
    listed = {(u.sender, u.receiver): u.reason for u in not_placed(data, gone)}
    assert listed.keys() == {pair_key("t1", "s1"), pair_key("t4", "s1")}
    assert listed[pair_key("t1", "s1")] == "their meeting was called off (cancelled)"


def test_undo_asks_first_when_the_last_change_is_someone_elses(app_world):
    w = app_world
    c, ev = w["client"], w["ev"]
    _, version = stored(w)
    with Store(w["db"]) as s:
        s.update_meeting(ev, "m-t2-s1", actor="hans", status="cancelled", expected_version=version,
                         reason="marked cancelled")  # fmt: skip
    page = html.unescape(c.get(f"/events/{ev}/board").get_data(as_text=True))
    assert 'data-confirm="Undo the last change, made by hans at ' in page and "(marked cancelled)?" in page
    r = c.post(f"/events/{ev}/board/undo", data={"version": str(version + 1)}, follow_redirects=True)
    assert "The last change was undone; the participants it touched were told." in flashes(r.get_data(as_text=True))
    assert stored(w)[0]["m-t2-s1"].status == "scheduled"
    # olga's own change: no question; with nothing left to undo, the board says so in words
    _, version = stored(w)
    with Store(w["db"]) as s:
        s.update_meeting(ev, "m-t2-s1", actor="olga", room=3, expected_version=version, reason="moved by hand")
    page = c.get(f"/events/{ev}/board").get_data(as_text=True)
    assert 'id="undo" data-confirm' not in page and "moved by hand, by olga" in page
    with Store(w["db"]) as s:
        while s.last_change(ev):
            s.undo(ev, actor="olga")
    r = c.post(f"/events/{ev}/board/undo", data={"version": str(stored(w)[1])}, follow_redirects=True)
    assert "There is nothing to undo: no change was made since the schedule was saved." in flashes(
        r.get_data(as_text=True))
