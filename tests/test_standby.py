"""Standby "meet now" and the other live repairs (closed rooms, late requests) at the core."""

from __future__ import annotations

from datetime import timedelta

import pytest

from scheduler.domain.errors import Conflict
from scheduler.domain.model import Meeting, Schedule
from scheduler.domain.timegrid import build_slots
from scheduler.files.formats import parse_event_document
from scheduler.files.generator import generate_event
from scheduler.live import standby
from scheduler.live.repair import rebalance
from scheduler.solver import SolverConfig, solve
from scheduler.solving.problem import build_problem
from scheduler.solving.validate import validate
from scheduler.store import Store
from tests.builders import build, person

SESSIONS = [{"date": "2027-03-26", "start": f"{9 + i:02d}:00", "end": f"{9 + i:02d}:25"} for i in range(3)]


def world():
    """t1 meets s1 in the first slot; s2 (AI, like t1 needs) and s3 (nothing in common) are free."""
    people = [person("t1", needs=["AI"], sectors=["food"]), person("s1", offers=["AI"]),
              person("s2", offers=["AI"], sectors=["food"]), person("s3", offers=["welding robots"]),
              person("t2", needs=["cloud"])]
    data = build(people, [("t1", "s1", 1)], rooms=2, sessions=SESSIONS)
    slot = build_slots(data.event)[0]
    m = Meeting("m-s1-t1", "s1", "t1", slot.start, slot.end, 1)
    return data, slot, m


def stored(path, data, m, here=("t1", "s2")) -> Store:
    """The world in a real SQLite file, with ``here`` checked in; the caller closes it."""
    s = Store(path)
    s.save_event(data)
    s.save_schedule(Schedule(data.event.id, (m,)))
    for p in here:
        s.check_in(data.event.id, p, by=p)
    return s


def test_the_one_left_waiting_is_offered_the_best_free_checked_in_partner():
    data, slot, m = world()
    early = slot.start + timedelta(minutes=2)
    assert standby.propose(data, [m], {"t1", "s2", "s3"}, early, 5) == []  # not yet N minutes in
    now = slot.start + timedelta(minutes=6)
    [offer] = standby.propose(data, [m], {"t1", "s2", "s3"}, now, 5)
    assert (offer["a"], offer["b"], offer["replaces"], offer["room"]) == ("t1", "s2", ["m-s1-t1"], 1)
    assert offer["score"] > 0 and any("AI" in r for r in offer["reasons"])
    # nobody compatible and here: no offer (s3 offers nothing t1 needs; t2 is the same kind)
    assert standby.propose(data, [m], {"t1", "s3", "t2"}, now, 5) == []
    # both here, or both missing: nobody is waiting
    assert standby.propose(data, [m], {"t1", "s1", "s2"}, now, 5) == []
    # one open offer per person: nothing more while it stands
    offers = [{**offer, "status": "open"}]
    assert standby.propose(data, [m], {"t1", "s2"}, now, 5, offers) == []
    # a declined pair is not offered again in that slot
    assert standby.propose(data, [m], {"t1", "s2"}, now, 5, [{**offer, "status": "declined"}]) == []


def test_an_accepted_offer_becomes_a_valid_meeting_and_the_missed_one_a_no_show():
    data, slot, m = world()
    now = slot.start + timedelta(minutes=6)
    [offer] = standby.propose(data, [m], {"t1", "s2"}, now, 5)
    after = standby.confirm(data, [m], offer, now)
    by_id = {x.id: x for x in after}
    assert by_id["m-s1-t1"].status == "no_show"
    new = by_id["m-s2-t1"]
    assert (new.start, new.room, new.status) == (slot.start, 1, "scheduled")
    assert validate(build_problem(data), Schedule(data.event.id, after)) == []
    # the partner turned up and the host marked the meeting held meanwhile: it no longer fits
    with pytest.raises(Conflict, match="already marked held"):
        standby.confirm(data, [Meeting(**{**m.__dict__, "status": "held"})], offer, now)
    with pytest.raises(Conflict, match="slot of this offer is over"):
        standby.confirm(data, [m], offer, slot.end)


def test_offer_answers_through_the_store_one_transaction_each(tmp_path):
    data, slot, m = world()
    now = slot.start + timedelta(minutes=6)
    with stored(tmp_path / "s.db", data, m) as s:
        [offer], _ = standby.scan(s, data.event.id, now)
        assert standby.scan(s, data.event.id, now) == ([], [])  # idempotent while the offer is open
        with pytest.raises(Exception, match="not addressed to s3"):
            standby.answer(s, data.event.id, offer["id"], "s3", True, now)
        first = standby.answer(s, data.event.id, offer["id"], "s2", True, now)
        assert first.offer["status"] == "open" and first.after == ()
        version = s.schedule_version(data.event.id)
        done = standby.answer(s, data.event.id, offer["id"], "t1", True, now)
        assert done.offer["status"] == "confirmed" and done.offer["meeting_id"] == "m-s2-t1"
        assert s.schedule_version(data.event.id) == version + 1
        statuses = {x.id: x.status for x in s.meetings(data.event.id)}
        assert statuses == {"m-s1-t1": "no_show", "m-s2-t1": "scheduled"}
        assert any(a["detail"].get("action") == "standby" for a in s.audit_log(data.event.id))
        with pytest.raises(Conflict, match="confirmed already"):
            standby.answer(s, data.event.id, offer["id"], "t1", False, now)
        # undo takes the standby meeting back like any other change
        s.undo(data.event.id, actor="host")
        assert {x.id: x.status for x in s.meetings(data.event.id)} == {"m-s1-t1": "scheduled"}


def test_a_decline_ends_the_offer_and_the_next_scan_tries_someone_else(tmp_path):
    data, slot, m = world()
    now = slot.start + timedelta(minutes=6)
    extra = person("s4", offers=["AI"])
    data = build([*(p for p in _docs(data)), extra], [("t1", "s1", 1)], rooms=2, sessions=SESSIONS)
    with stored(tmp_path / "s.db", data, m, here=("t1", "s2", "s4")) as s:
        [offer], _ = standby.scan(s, data.event.id, now)
        assert offer["b"] == "s2"  # same needs matched, and a shared sector
        before = s.meetings(data.event.id)
        out = standby.answer(s, data.event.id, offer["id"], "s2", False, now)
        assert out.offer["status"] == "declined" and s.meetings(data.event.id) == before
        [again], _ = standby.scan(s, data.event.id, now)
        assert (again["a"], again["b"]) == ("t1", "s4")
        # an offer whose slot is over expires instead of turning into a meeting
        late = standby.answer(s, data.event.id, again["id"], "s4", True, slot.end)
        assert late.offer["status"] == "expired" and s.meetings(data.event.id) == before


def _docs(data):
    from scheduler.files.writer import participant_to_dict

    return [participant_to_dict(p) for p in data.participants]


def test_closing_a_room_moves_its_meetings_to_free_rooms_in_the_same_slot_when_it_can():
    data = parse_event_document(generate_event(60, seed=2))
    r = solve(data, config=SolverConfig(time_limit=3))
    slots = r.problem.slots
    now = slots[2].start
    busiest = max(set(m.room for m in r.schedule.meetings), key=lambda k: sum(m.room == k for m in r.schedule.meetings))
    plan = rebalance(data, r.schedule.meetings, now, closed_rooms=[busiest])
    live = [m for m in plan.meetings if m.status in ("scheduled", "moved")]
    assert not [m for m in live if m.start > now and m.room == busiest]
    assert sorted((m for m in plan.meetings if m.start <= now), key=lambda m: m.id) == \
        sorted((m for m in r.schedule.meetings if m.start <= now), key=lambda m: m.id)
    assert validate(r.problem, Schedule(data.event.id, plan.meetings)) == []
    evicted = [m for m in r.schedule.meetings if m.start > now and m.room == busiest]
    assert evicted and len(plan.moved) + len(plan.cancelled) >= len(evicted)
    # a room change keeps the time whenever another room is free then; the others move or go
    free = {s.start for s in slots if sum(m.start == s.start for m in r.schedule.meetings) < data.event.rooms}
    after = {m.id: m for m in plan.meetings}
    assert all(after[m.id].start == m.start and after[m.id].status == "moved" for m in evicted if m.start in free)
    assert all(after[m.id].start != m.start or after[m.id].status == "cancelled" for m in evicted if m.start not in free)
    assert not [b for b, a in plan.moved if b.room != busiest]  # nobody else was touched
    assert not [m for m in plan.cancelled if m.room != busiest]  # nor lost a meeting for it


def test_a_late_request_is_placed_in_a_free_common_slot():
    people = [person("t1"), person("s1"), person("s2")]
    data = build(people, [("t1", "s1", 1)], rooms=2, sessions=SESSIONS)
    r = solve(data, config=SolverConfig(time_limit=2))
    now = build_slots(data.event)[0].start
    late = build(people, [("t1", "s1", 1), ("s2", "t1", 2)], rooms=2, sessions=SESSIONS)
    plan = rebalance(late, r.schedule.meetings, now, wanted=[("s2", "t1")])
    assert [(m.a, m.b) for m in plan.added] == [("s2", "t1")]
    assert plan.added[0].start > now and plan.moved == () and plan.cancelled == ()


def test_an_offer_is_void_when_the_missing_partner_arrives_after_all(tmp_path):
    data, slot, m = world()
    now = slot.start + timedelta(minutes=6)
    with stored(tmp_path / "s.db", data, m) as s:
        [offer], _ = standby.scan(s, data.event.id, now)
        standby.answer(s, data.event.id, offer["id"], "s2", True, now)
        s.check_in(data.event.id, "s1", by="s1")  # the planned partner turns up after all
        with pytest.raises(Conflict, match="s1 SME has arrived"):
            standby.confirm(data, s.meetings(data.event.id), offer, now, checked=s.checked_in(data.event.id))
        out = standby.answer(s, data.event.id, offer["id"], "t1", True, now)
        assert out.offer["status"] == "void" and "arrived" in out.offer["note"]
        assert {x.id: x.status for x in s.meetings(data.event.id)} == {"m-s1-t1": "scheduled"}
        # and a scan closes such offers by itself
        s2 = standby.scan(s, data.event.id, now)
        assert s2 == ([], [])


def test_a_scan_closes_open_offers_when_the_partner_arrives_or_the_slot_ends(tmp_path):
    data, slot, m = world()
    now = slot.start + timedelta(minutes=6)
    with stored(tmp_path / "s.db", data, m) as s:
        [offer], _ = standby.scan(s, data.event.id, now)
        s.check_in(data.event.id, "s1", by="host")
        new, closed = standby.scan(s, data.event.id, now)
        assert new == [] and [(o["id"], o["status"]) for o in closed] == [(offer["id"], "void")]
    with stored(tmp_path / "t.db", data, m) as s:
        [offer], _ = standby.scan(s, data.event.id, now)
        new, closed = standby.scan(s, data.event.id, slot.end)
        assert new == [] and [(o["id"], o["status"]) for o in closed] == [(offer["id"], "expired")]
