"""Breaks as the compactness objective: optima known by hand, the spread bound, the event's choice, determinism.

A break is a run of empty slots between two of a participant's meetings in one session
(docs/solver.md, "Breaks"). Every solve here is checked by the validator and by
``breaks_of``, a count written for the tests from the schedule's meetings and the slot
grid alone, without the solver's code.
"""

from __future__ import annotations

import re
from collections import defaultdict

import pytest

from scheduler.domain.errors import InvalidInput
from scheduler.domain.model import EventData, Meeting
from scheduler.domain.timegrid import build_slots
from scheduler.files.formats import parse_event_document
from scheduler.files.generator import generate_fixed_list
from scheduler.files.schedules import schedule_document
from scheduler.solver import SolverConfig, solve
from scheduler.solving.breaks import count_breaks, min_breaks
from scheduler.solving.config import NO_SPREAD
from scheduler.solving.problem import build_problem
from scheduler.solving.validate import validate
from tests.builders import build, person

BREAKS = SolverConfig(time_limit=10, seed=1, compactness="breaks")
ALL_DAY = {"start": "00:00", "end": "24:00"}
DAY = "2027-03-26"


def breaks_of(data: EventData, meetings: tuple[Meeting, ...]) -> dict[str, int]:
    """Breaks per participant with a meeting: within each session, gaps between consecutive meetings."""
    slots = build_slots(data.event)
    where = {s.start: (s.session, s.index) for s in slots}
    per: dict[tuple[str, int], list[int]] = defaultdict(list)
    for m in meetings:
        session, index = where[m.start]
        for p in (m.a, m.b):
            per[p, session].append(index)
    out: dict[str, int] = defaultdict(int)
    for (p, _), ts in per.items():
        ts.sort()
        out[p] += sum(1 for a, b in zip(ts, ts[1:], strict=False) if b - a > 1)
    return dict(out)


def solved(data: EventData, config: SolverConfig = BREAKS, locked: tuple[Meeting, ...] = ()):
    result = solve(data, locked, config)
    assert validate(result.problem, result.schedule) == []
    assert result.report.meetings == len(result.problem.pairs)  # every meeting of these events fits
    counted = breaks_of(data, result.schedule.meetings)
    assert result.report.breaks == sum(counted.values())
    assert result.report.break_spread == max(counted.values()) - min(counted.values())
    return result


def hours(*slots: str) -> list[dict[str, str]]:
    """Availability windows, one per 55-minute slot starting at the given hours."""
    return [{"date": DAY, "start": h, "end": f"{h[:2]}:55"} for h in slots]


def forum(people: list[dict], meetings: list[tuple[str, str]], sessions=None, **event) -> EventData:
    """Companies (same kind allowed) and the meetings they must have, one-hour slots."""
    sessions = sessions or [{"date": DAY, "start": "09:00", "end": "13:00"}]
    return build(people, meetings, allow_same_kind=True, sessions=sessions, slot_minutes=55, gap_minutes=5,
                 **event)


def company(pid: str, *slots: str) -> dict:
    return person(pid, "tech", working_hours=ALL_DAY, **({"available": hours(*slots)} if slots else {}))


# ------------------------------------------------------------------ the count and the bound


@pytest.mark.parametrize("busy, expected", [
    ([], 0), ([3], 0), ([0, 1, 2], 0), ([0, 2], 1), ([0, 3, 4, 7], 2),
    ([3, 4], 0),  # slots 3 and 4 lie in two sessions: back to back, no break
    ([2, 5], 0),  # the lunch between the sessions is not a break
    ([0, 2, 5, 7], 2),
])  # fmt: skip
def test_count_breaks_per_session(busy, expected):
    session_of = [0, 0, 0, 0, 1, 1, 1, 1]
    assert count_breaks(session_of, busy) == expected


@pytest.mark.parametrize("slots, meetings, expected", [
    ({0, 1, 2, 3}, 4, 0),
    ({0, 1, 3}, 3, 1),  # a forbidden slot inside the only way to hold three meetings
    ({0, 1, 3}, 2, 0),
    ({0, 2, 4, 5, 6, 7}, 4, 0),  # the afternoon holds them all
    ({0, 2, 4, 6}, 4, 2),  # two per session, each pair apart
    ({0, 1, 2, 3, 4, 5, 6, 7}, 1, 0),
])  # fmt: skip
def test_min_breaks_is_what_own_slots_force(slots, meetings, expected):
    session_of = [0, 0, 0, 0, 1, 1, 1, 1]
    assert min_breaks(session_of, slots, meetings) == expected


# ------------------------------------------------------------------ optima known by hand


def test_zero_breaks_is_proven_at_once():
    # c1 meets three companies and c5 one more: four slots, back to back for everyone
    data = forum([company(f"c{i}") for i in range(1, 6)],
                 [("c1", "c2"), ("c1", "c3"), ("c1", "c4"), ("c4", "c5")])
    r = solved(data, SolverConfig(time_limit=30, seed=1, compactness="breaks"))
    assert r.report.breaks == 0 and r.report.compact_bound == 0
    assert r.report.proven_optimal and r.report.compactness == "breaks"
    # the search stops at the bound: almost none of its 30 units of deterministic work is used
    assert r.report.work < 1.0


def test_forced_break_between_two_fixed_slots():
    # c1 meets c2 (free only at 09:00) and c3 (free only at 11:00): one break, proven
    data = forum([company("c1"), company("c2", "09:00"), company("c3", "11:00"), company("c4"), company("c5")],
                 [("c1", "c2"), ("c1", "c3"), ("c4", "c5")])
    r = solved(data)
    assert r.report.breaks == 1 and r.report.proven_optimal
    assert breaks_of(data, r.schedule.meetings)["c1"] == 1


def test_forbidden_slot_inside_a_day_is_a_break():
    # c1 cannot take 11:00 and meets three companies in a four-slot morning
    data = forum([company("c1", "09:00", "10:00", "12:00"), company("c2"), company("c3"), company("c4")],
                 [("c1", "c2"), ("c1", "c3"), ("c1", "c4")])
    r = solved(data)
    assert r.report.breaks == 1 and r.report.proven_optimal


def test_triangle_forces_a_break_the_own_bounds_do_not_see():
    # three companies meeting each other in three slots: whoever is not in the middle meeting
    # waits one slot. Each one alone could meet back to back (own bounds 0): the search must
    # refute 0 breaks before it proves 1.
    data = forum([company("a"), company("b"), company("c")], [("a", "b"), ("a", "c"), ("b", "c")],
                 sessions=[{"date": DAY, "start": "09:00", "end": "12:00"}])
    r = solved(data)
    assert r.report.breaks == 1 and r.report.compact_bound == 1 and r.report.proven_optimal


def test_lunch_between_sessions_is_not_a_break():
    # c1 meets c2 (mornings only) and c3 (afternoons only): a morning and an afternoon, no break
    sessions = [{"date": DAY, "start": "09:00", "end": "12:00"}, {"date": DAY, "start": "14:00", "end": "17:00"}]
    data = forum([company("c1"), company("c2", "09:00", "10:00", "11:00"), company("c3", "14:00", "15:00", "16:00")],
                 [("c1", "c2"), ("c1", "c3")], sessions=sessions)
    r = solved(data)
    assert r.report.breaks == 0 and r.report.proven_optimal


# ------------------------------------------------------------------ the spread bound d


def five_slot_triangle() -> EventData:
    """Three companies meeting each other in five slots: the fewest breaks (1) falls on one of them."""
    return forum([company("a"), company("b"), company("c")], [("a", "b"), ("a", "c"), ("b", "c")],
                 sessions=[{"date": DAY, "start": "09:00", "end": "14:00"}])


@pytest.mark.parametrize("spread, breaks, honoured", [
    (NO_SPREAD, 1, None),  # no bound: one company waits
    (2, 1, 2),  # JAIR's default d = 2 allows that
    (1, 1, 1),
    (0, 3, 0),  # all equal: each company waits once (meetings at 09:00, 11:00, 13:00)
])  # fmt: skip
def test_spread_bound_is_honoured(spread, breaks, honoured):
    data = five_slot_triangle()
    r = solved(data, SolverConfig(time_limit=10, seed=1, compactness="breaks", break_spread=spread))
    counted = breaks_of(data, r.schedule.meetings)
    assert r.report.breaks == breaks and r.report.proven_optimal
    assert r.report.break_spread_limit == honoured
    if honoured is not None:
        assert max(counted.values()) - min(counted.values()) <= honoured


def test_spread_that_cannot_hold_is_raised_to_the_fairest_that_can():
    # in three slots exactly one of the three companies waits: spread 0 is impossible, 1 is the fairest
    data = forum([company("a"), company("b"), company("c")], [("a", "b"), ("a", "c"), ("b", "c")],
                 sessions=[{"date": DAY, "start": "09:00", "end": "12:00"}])
    r = solved(data, SolverConfig(time_limit=10, seed=1, compactness="breaks", break_spread=0))
    assert r.report.break_spread_limit == 1 and r.report.break_spread == 1 and r.report.breaks == 1


# ------------------------------------------------------------------ the organiser's choice


def test_event_field_chooses_breaks_and_the_config_overrides_it():
    doc = generate_fixed_list(20, 8, 40, seed=3)
    doc["event"]["compactness"] = "breaks"
    doc["event"]["break_spread"] = 1
    data = parse_event_document(doc)
    by_event = solved(data, SolverConfig(time_limit=10, seed=1))
    assert by_event.report.compactness == "breaks" and by_event.report.break_spread_limit == 1
    assert by_event.report.compact_penalty == by_event.report.breaks
    by_config = solve(data, config=SolverConfig(time_limit=10, seed=1, compactness="idle"))
    assert by_config.report.compactness == "idle" and by_config.report.break_spread_limit is None
    assert by_config.report.compact_penalty == 3 * by_config.report.idle_slots + 2 * by_config.report.sessions_attended


@pytest.mark.parametrize("field, value", [("compactness", "gaps"), ("break_spread", -1), ("break_spread", 1.5),
                                          ("break_spread", True)])  # fmt: skip
def test_bad_event_setting_names_the_field(field, value):
    doc = generate_fixed_list(20, 8, 40, seed=3)
    doc["event"][field] = value
    with pytest.raises(InvalidInput, match=f"event.{field}"):
        solve(parse_event_document(doc), config=SolverConfig(time_limit=2))


def test_idle_mode_is_the_default():
    data = parse_event_document(generate_fixed_list(20, 8, 40, seed=3))
    r = solve(data, config=SolverConfig(time_limit=5, seed=1, session_weight=0))
    assert r.report.compactness == "idle" and r.report.compact_penalty == 3 * r.report.idle_slots
    assert r.report.breaks == sum(breaks_of(data, r.schedule.meetings).values())


# ------------------------------------------------------------------ locks, fixed lists, determinism


def test_locked_meeting_stays_and_the_rest_packs_around_it():
    data = forum([company(f"c{i}") for i in range(1, 6)], [("c1", "c2"), ("c1", "c3"), ("c1", "c4"), ("c4", "c5")])
    s = build_problem(data).slots[3]
    lock = Meeting("m-fixed", "c1", "c2", s.start, s.end, 1, locked=True)
    r = solved(data, locked=(lock,))
    assert [m for m in r.schedule.meetings if m.id == "m-fixed"][0].start == s.start
    assert r.report.breaks == 0 and r.report.proven_optimal  # c1's other meetings fill 09:00-12:00


def test_fixed_meeting_list_is_placed_whole_and_proven():
    data = parse_event_document(generate_fixed_list(40, 8, 120, seed=1))
    r = solved(data, SolverConfig(time_limit=20, seed=1, compactness="breaks"))
    assert r.report.meetings == len(data.requests) and r.report.proven_optimal
    assert r.report.break_spread <= r.report.break_spread_limit == 2


def test_same_input_twice_gives_the_same_schedule():
    data = parse_event_document(generate_fixed_list(40, 8, 120, seed=2))
    config = SolverConfig(time_limit=10, seed=4, compactness="breaks")
    first, second = solve(data, config=config), solve(data, config=config)
    assert first.report.breaks == second.report.breaks and first.report.work == second.report.work

    def doc(result):
        d = schedule_document(result.schedule)
        d["stats"].pop("solve_seconds")
        return d

    assert doc(first) == doc(second)


# ------------------------------------------------------------------ the command line


def test_cli_solve_with_breaks(tmp_path):
    import json
    import subprocess
    import sys

    from tests.conftest import ROOT

    event = tmp_path / "forum.json"
    event.write_text(json.dumps(generate_fixed_list(20, 8, 40, seed=3)))
    out = tmp_path / "s.json"
    cmd = [sys.executable, str(ROOT / "run.py"), "solve", str(event), "-o", str(out), "--time-limit", "5",
           "--compactness", "breaks", "--break-spread", "none"]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert proc.returncode == 0, proc.stderr
    stats = json.loads(out.read_text())["stats"]
    assert stats["compactness"] == "breaks" and stats["proven_optimal"] is True
    assert re.search(r"breaks\s+│ \d+ \(spread between participants \d+\)", proc.stdout)
    bad = subprocess.run([*cmd[:-1], "-2"], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert bad.returncode == 2 and "--break-spread" in bad.stderr


def test_generated_event_has_no_more_breaks_than_idle_mode_gives():
    from scheduler.files.generator import generate_event

    data = parse_event_document(generate_event(80, seed=1))
    idle = solve(data, config=SolverConfig(time_limit=5, seed=1))
    breaks = solve(data, config=SolverConfig(time_limit=5, seed=1, compactness="breaks"))
    assert validate(breaks.problem, breaks.schedule) == []
    assert breaks.report.meetings >= idle.report.meetings
    assert breaks.report.breaks <= idle.report.breaks
    assert breaks.report.break_spread <= breaks.report.break_spread_limit == 2
