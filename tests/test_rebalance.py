"""Live repair core (groundwork for issue 7): frozen past, rescue meetings, local changes only."""

from __future__ import annotations

from datetime import timedelta

from scheduler.domain.model import Schedule
from scheduler.files.formats import parse_event_document
from scheduler.files.generator import generate_event
from scheduler.live.repair import Absence, rebalance
from scheduler.solver import SolverConfig, solve
from scheduler.solving.problem import build_problem
from scheduler.solving.validate import validate
from tests.builders import build, person

SESSIONS = [{"date": "2027-03-26", "start": f"{9 + i:02d}:00", "end": f"{9 + i:02d}:25"} for i in range(3)]


def test_a_no_show_frees_a_rescue_meeting_with_a_compatible_free_partner():
    data = build([person("t1", max_meetings=1), person("s1"), person("s2")],
                 [("t1", "s1", 1), ("t1", "s2", 2)], rooms=2, sessions=SESSIONS)
    r = solve(data, config=SolverConfig(time_limit=2))
    [m] = r.schedule.meetings
    assert {m.a, m.b} == {"s1", "t1"}
    from dataclasses import replace

    now = m.start  # the meeting's slot has started and s1 is not there: the host marks a no-show
    plan = rebalance(data, (replace(m, status="no_show"),), now, [Absence("s1")])
    assert [(x.a, x.b) for x in plan.added] == [("s2", "t1")]
    assert plan.cancelled == () and plan.affected == {"s2", "t1"}
    assert plan.added[0].start > now
    assert validate(r.problem, Schedule(data.event.id, plan.meetings)) == []


def test_frozen_slots_never_change_and_changes_stay_local():
    data = parse_event_document(generate_event(120, seed=3))
    r = solve(data, config=SolverConfig(time_limit=4))
    slots = r.problem.slots
    for cut in (5, 12, 20):
        now = slots[cut].start
        upcoming = [m for m in r.schedule.meetings if m.start == slots[cut + 1].start]
        absent = upcoming[0].a
        plan = rebalance(data, r.schedule.meetings, now, [Absence(absent)])
        past_before = sorted((m for m in r.schedule.meetings if m.start <= now), key=lambda m: m.id)
        past_after = sorted((m for m in plan.meetings if m.start <= now), key=lambda m: m.id)
        assert past_before == past_after
        assert validate(r.problem, Schedule(data.event.id, plan.meetings)) == []
        partners = {m.b if m.a == absent else m.a for m in r.schedule.meetings if absent in (m.a, m.b)}
        assert sum(1 for before, _ in plan.moved if not {before.a, before.b} & (partners | {absent})) <= 3
        # a meeting going ahead that is moved to another time is announced at least an hour ahead
        assert all(after.start >= now + timedelta(minutes=60) for before, after in plan.moved
                   if after.start != before.start and absent not in (before.a, before.b))  # fmt: skip
        assert all(absent not in (m.a, m.b) or m.start <= now or m.status == "cancelled" for m in plan.meetings)


def test_simulated_day_holds_more_meetings_with_rebalancing():
    from scheduler.live.simulate import compare

    data = parse_event_document(generate_event(60, seed=2))
    r = solve(data, config=SolverConfig(time_limit=3))
    rep = compare(data, r.schedule.meetings, 0.25, seed=4)
    assert rep.held_with > rep.held_without
    assert sum(s.no_shows for s in rep.slots) > 0
    assert sum(s.cancelled for s in rep.slots) > 0  # meetings called off ahead are refilled too
    assert rep.meet_now > 0  # some of those left waiting met someone else in the same slot
    assert all(s.moved_others <= 3 for s in rep.slots)


def _stored(tmp_path):
    from scheduler.store import Store

    data = parse_event_document(generate_event(40, seed=5))
    r = solve(data, config=SolverConfig(time_limit=2))
    path = tmp_path / "live.db"
    with Store(path) as s:
        s.save_event(data)
        s.save_schedule(r.schedule)
    return path, data, r


def test_two_hosts_acting_at_once_get_one_success_and_one_conflict(tmp_path):
    import threading

    from scheduler.domain.errors import Conflict
    from scheduler.store import Store

    path, data, r = _stored(tmp_path)
    m = r.schedule.meetings[0]
    with Store(path) as s:
        version = s.schedule_version(data.event.id)
    results: list[str] = []
    barrier = threading.Barrier(2)

    def act(status: str) -> None:
        with Store(path) as s:  # each host has its own connection, as in the web app
            barrier.wait()
            try:
                s.update_meeting(data.event.id, m.id, actor=f"host-{status}", status=status,
                                 expected_version=version)
                results.append(status)
            except Conflict as exc:
                results.append(f"conflict: {exc}")

    threads = [threading.Thread(target=act, args=(st,)) for st in ("held", "no_show")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wins = [x for x in results if not x.startswith("conflict")]
    assert len(wins) == 1 and len(results) == 2
    assert "meanwhile" in next(x for x in results if x.startswith("conflict"))
    with Store(path) as s:
        got = next(x for x in s.meetings(data.event.id) if x.id == m.id)
        assert got.status == wins[0] and s.schedule_version(data.event.id) == version + 1
        assert len(s.meetings(data.event.id)) == len(r.schedule.meetings)  # nothing lost


def test_undo_restores_the_previous_schedule_exactly(tmp_path):
    from dataclasses import replace

    from scheduler.store import Store

    path, data, r = _stored(tmp_path)
    with Store(path) as s:
        before = s.meetings(data.event.id)
        m = before[0]
        plan = rebalance(data, [replace(m, status="no_show")] + list(before[1:]), m.start, [Absence(m.a)])
        s.save_schedule(Schedule(data.event.id, plan.meetings), actor="host", detail={"action": "rebalance"})
        assert s.meetings(data.event.id) != before
        s.undo(data.event.id, actor="host")
        after = s.meetings(data.event.id)
        key = lambda x: (x.id, x.a, x.b, x.start, x.end, x.room, x.status, x.locked)  # noqa: E731
        assert sorted(map(key, after)) == sorted(map(key, before))
        assert all(a.version >= b.version for a, b in zip(sorted(after, key=key), sorted(before, key=key), strict=True))


def test_a_late_arrival_gets_the_missed_meeting_back_later_and_the_no_show_stays_on_record():
    from dataclasses import replace

    data = build([person("t1"), person("s1"), person("s2")], [("t1", "s1", 1)], rooms=2, sessions=SESSIONS)
    r = solve(data, config=SolverConfig(time_limit=2))
    [m] = r.schedule.meetings
    missed = replace(m, status="no_show")
    plan = rebalance(data, (missed,), m.start, [Absence("s1", until=m.end)])
    [again] = plan.added
    assert (again.a, again.b, again.id) == ("s1", "t1", "m-s1-t1-2") and again.start >= m.end
    assert missed in plan.meetings  # the missed meeting stays in the day's record
    assert validate(r.problem, Schedule(data.event.id, plan.meetings)) == []


def test_a_cancelled_meeting_frees_both_sides_for_a_rescue():
    from dataclasses import replace

    data = build([person("t1", max_meetings=1), person("s1"), person("s2")],
                 [("t1", "s1", 1), ("t1", "s2", 3)], rooms=2, sessions=SESSIONS)
    r = solve(data, config=SolverConfig(time_limit=2))
    [m] = r.schedule.meetings
    assert {m.a, m.b} == {"s1", "t1"}
    cancelled = replace(m, status="cancelled")
    slots = r.problem.slots
    plan = rebalance(data, (cancelled,), slots[0].start - timedelta(hours=1), lost=[m.a, m.b])
    assert [(x.a, x.b) for x in plan.added] == [("s2", "t1")]  # t1's cap is free again; s1-t1 is not redone
    assert validate(r.problem, Schedule(data.event.id, plan.meetings)) == []


def test_no_meeting_is_pulled_in_at_short_notice_to_make_room_for_a_rescue():
    from scheduler.domain.model import Meeting
    from scheduler.domain.timegrid import build_slots
    from scheduler.live.repair import RebalanceConfig

    def at(*spans):
        return [{"date": "2027-03-26", "start": a, "end": b} for a, b in spans]

    # t1 lost s1 at 10:30; s2 could meet t1 then, but only if s2's 10:30 meeting with t2
    # moved to 09:30, 25 minutes from now
    data = build([person("t1", available=at(("10:30", "11:00"))), person("s1"), person("s2"),
                  person("t2", available=at(("09:30", "10:00"), ("10:30", "11:00")))],
                 [("t1", "s1", 1), ("t1", "s2", 1), ("t2", "s2", 2)], rooms=3,
                 sessions=[{"date": "2027-03-26", "start": "09:00", "end": "11:00"}])  # fmt: skip
    slots = build_slots(data.event)
    s3 = slots[3]
    day = (Meeting("m-s1-t1", "s1", "t1", s3.start, s3.end, 1), Meeting("m-s2-t2", "s2", "t2", s3.start, s3.end, 2))
    now = slots[0].start + timedelta(minutes=5)
    plan = rebalance(data, day, now, [Absence("s1")])
    assert plan.moved == () and plan.added == ()  # t2's meeting stays where it was announced
    assert [m.id for m in plan.cancelled] == ["m-s1-t1"]
    # told in time (or without the notice rule) the same repair would move it and rescue t1
    eager = rebalance(data, day, now, [Absence("s1")], RebalanceConfig(min_notice=timedelta(0)))
    assert [(b.id, a.start) for b, a in eager.moved] == [("m-s2-t2", slots[1].start)]
    assert [(m.a, m.b, m.start) for m in eager.added] == [("s2", "t1", s3.start)]
    assert validate(build_problem(data), Schedule(data.event.id, eager.meetings)) == []


def test_the_waitlist_refills_a_lost_meeting_from_recommendations_only_when_asked():
    from dataclasses import replace

    from scheduler.live.repair import with_waitlist

    data = build([person("t1", needs=["computer-vision"], sectors=["textiles"]),
                  person("s1", offers=["computer-vision"]), person("s2", offers=["computer-vision"])],
                 [("t1", "s1", 1)], rooms=2, sessions=SESSIONS)  # fmt: skip
    r = solve(data, config=SolverConfig(time_limit=2))
    [m] = r.schedule.meetings
    missed = (replace(m, status="no_show"),)
    assert rebalance(data, missed, m.start, [Absence("s1")]).added == ()  # nobody asked for s2
    listed = with_waitlist(data, 3)
    assert [(q.sender, q.receiver, q.priority, q.status) for q in listed.requests[1:]] == [("t1", "s2", 3, "suggested")]
    plan = rebalance(listed, missed, m.start, [Absence("s1")])
    assert [(x.a, x.b) for x in plan.added] == [("s2", "t1")] and plan.added[0].start > m.start
    assert with_waitlist(data, 0) is data
