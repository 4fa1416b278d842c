"""The CP-SAT scheduler: validity, optimality, fairness, locks, determinism, reasons."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler.domain.errors import InfeasibleLock
from scheduler.domain.model import Meeting
from scheduler.files.formats import parse_event_document
from scheduler.files.generator import generate_event, generate_fixed_list
from scheduler.files.schedules import schedule_document
from scheduler.solver import SolverConfig, objective_value, solve
from scheduler.solving import search
from scheduler.solving.fairness import fairness
from scheduler.solving.flow import select_by_flow
from scheduler.solving.greedy import greedy
from scheduler.solving.problem import build_problem
from scheduler.solving.validate import validate
from tests.builders import build, person

FAST = SolverConfig(time_limit=3, seed=1)


def one_slot_each(n: int) -> list[dict]:
    return [{"date": "2027-03-26", "start": f"{9 + i:02d}:00", "end": f"{9 + i:02d}:25"} for i in range(n)]


def solved(data, config=FAST, locked=()):
    result = solve(data, locked, config)
    assert validate(result.problem, result.schedule) == []
    return result


# ------------------------------------------------------------------ validator


def meeting(mid, a, b, slot, room=1, locked=False, data=None):
    prob = build_problem(data)
    s = prob.slots[slot]
    return Meeting(mid, a, b, s.start, s.end, room, locked=locked)


@pytest.fixture
def small():
    return build(
        [person("t1"), person("t2"), person("s1"), person("s2", max_meetings=1),
         person("s3", tz="America/Martinique")],
        [("t1", "s1"), ("t2", "s1"), ("t1", "s2"), ("t2", "s2")],
        rooms=1, sessions=one_slot_each(3),
    )


@pytest.mark.parametrize(
    "meetings, expected",
    [
        ([("m1", "t1", "s1", 0, 1)], []),
        ([("m1", "t1", "s1", 0, 1), ("m2", "t1", "s2", 0, 2)],
         ["m2: room 2 is not between 1 and 1", "t1 has 2 meetings in slot 0: m1, m2",
          "slot 0 has 2 meetings for 1 rooms"]),
        ([("m1", "t1", "s1", 0, 1), ("m2", "t2", "s2", 1, 1), ("m3", "t1", "s2", 2, 1)],
         ["s2 has 2 meetings, over its cap of 1"]),
        ([("m1", "t1", "s1", 0, 1), ("m2", "t1", "s1", 1, 1)], ["m2: t1 and s1 already meet in m1"]),
        ([("m1", "t1", "t2", 0, 1)], ["m1: t1 and t2 are both traditional"]),
        # Martinique is UTC-4: 09:00 Brussels (08:00Z) is 04:00 there
        ([("m1", "t1", "s3", 0, 1)], ["m1: slot 0 is outside s3's hours or availability"]),
    ],
)
def test_validator_names_each_broken_rule(small, meetings, expected):
    prob = build_problem(small)
    ms = tuple(meeting(mid, a, b, t, r, data=small) for mid, a, b, t, r in meetings)
    from scheduler.domain.model import Schedule

    assert validate(prob, Schedule("ev-test", ms)) == expected


def test_validator_rejects_times_off_the_grid(small):
    prob = build_problem(small)
    from scheduler.domain.model import Schedule

    t = datetime(2027, 3, 26, 8, 10, tzinfo=UTC)
    bad = Meeting("m1", "t1", "s1", t, t.replace(minute=35), 1)
    assert validate(prob, Schedule("ev-test", (bad,))) == [
        "m1: 2027-03-26 08:10-08:35 UTC is not a slot of the grid"
    ]


# ------------------------------------------------------------------ optimality


def test_known_optimum_with_fairness():
    # 2 slots, 1 room. Leximin bonus (docs/solver.md): step D = 1 + 18 + 18 + 5 = 42, levels
    # K = 2, so a first meeting earns 2D = 84 and a second D = 42. Giving t1 both of its mutual
    # priority-1 meetings scores 84 + 42 + 2 x 18 = 162; serving t2 too scores 84 + 84 + 18 + 5 = 191.
    data = build(
        [person("t1"), person("t2"), person("s1"), person("s2")],
        [("t1", "s1", 1), ("s1", "t1", 1), ("t1", "s2", 1), ("s2", "t1", 1), ("t2", "s1", 3)],
        rooms=1, sessions=one_slot_each(2),
    )
    r = solved(data)
    assert r.report.objective == 191 and r.report.bound == 191 and r.report.gap == 0
    assert {frozenset(m.participants) for m in r.schedule.meetings} == {
        frozenset({"t1", "s1"}), frozenset({"t2", "s1"})
    } or {frozenset(m.participants) for m in r.schedule.meetings} == {
        frozenset({"t1", "s2"}), frozenset({"t2", "s1"})
    }
    assert r.report.traditional_served == 2


def test_mutual_request_beats_one_way_of_same_priority():
    data = build([person("t1"), person("s1"), person("s2")],
                 [("t1", "s1", 1), ("t1", "s2", 1), ("s2", "t1", 1)],
                 rooms=1, sessions=one_slot_each(1))
    r = solved(data)
    assert [m.participants for m in r.schedule.meetings] == [("s2", "t1")]


def test_generated_80_is_optimal_and_beats_greedy():
    data = parse_event_document(generate_event(80, seed=1))
    r = solved(data, SolverConfig(time_limit=8, seed=1))
    g = solved(data, SolverConfig(method="greedy"))
    assert r.report.gap == 0
    assert r.report.objective >= g.report.objective
    assert r.report.idle_slots < g.report.idle_slots
    assert r.report.meetings <= r.report.meetings_upper_bound
    assert r.report.traditional_served == r.report.traditional_with_feasible


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), n=st.integers(6, 30), rooms=st.integers(1, 4))
def test_random_instances_are_valid_and_never_worse_than_greedy(seed, n, rooms):
    doc = generate_event(n, seed=seed)
    doc["event"]["rooms"] = rooms
    data = parse_event_document(doc)
    r = solved(data, SolverConfig(time_limit=1.5, seed=seed))
    g = solved(data, SolverConfig(method="greedy"))
    assert r.report.objective >= g.report.objective
    assert r.report.objective <= r.report.bound
    assert r.report.meetings <= r.report.meetings_upper_bound
    assert objective_value(r.problem, _asg(r), FAST) == r.report.objective


def _asg(result):
    from scheduler.solving.problem import Assignment

    index = {pr.key: k for k, pr in enumerate(result.problem.pairs)}
    slot = {s.start: s.index for s in result.problem.slots}
    return Assignment({index[tuple(sorted(m.participants))]: slot[m.start] for m in result.schedule.meetings})


# ------------------------------------------------------------------ fixed meeting lists


@pytest.mark.parametrize("companies, slots, meetings, seed", [(40, 8, 120, 1), (60, 14, 200, 2)])
def test_fixed_list_places_every_meeting_with_optimal_idle(companies, slots, meetings, seed):
    data = parse_event_document(generate_fixed_list(companies, slots, meetings, seed))
    r = solved(data, SolverConfig(time_limit=20, seed=1, session_weight=0))
    assert r.report.meetings == len(data.requests) == r.report.meetings_upper_bound
    assert r.report.compact_optimal
    assert r.report.idle_slots * 3 == r.report.compact_penalty


def test_unavoidable_idle_slot_is_proven_optimal():
    # c1 meets c2 (only free in slot 0) and c3 (only free in slot 2): one idle slot is forced.
    at = lambda h: [{"date": "2027-03-26", "start": h, "end": f"{h[:2]}:59"}]  # noqa: E731
    data = build(
        [person("c1", "tech", working_hours={"start": "00:00", "end": "24:00"}),
         person("c2", "tech", available=at("09:00")), person("c3", "tech", available=at("11:00")),
         person("c4", "tech"), person("c5", "tech")],
        [("c1", "c2"), ("c1", "c3"), ("c4", "c5")],
        allow_same_kind=True, sessions=[{"date": "2027-03-26", "start": "09:00", "end": "12:00"}],
        slot_minutes=55, gap_minutes=5,
    )
    r = solved(data, SolverConfig(time_limit=5, session_weight=0))
    assert r.report.meetings == 3
    assert r.report.idle_slots == 1 and r.report.compact_optimal


# ------------------------------------------------------------------ locks


def test_locked_meetings_stay_exactly_where_they_are(sample_doc):
    data = parse_event_document(sample_doc)
    prob = build_problem(data)
    s = prob.slots[9]  # 29 March, second slot of the afternoon
    lock = Meeting("m-fixed", "t-006", "s-003", s.start, s.end, 4, locked=True)
    r = solved(data, locked=(lock,))
    got = [m for m in r.schedule.meetings if m.id == "m-fixed"]
    assert got == [replace(lock, status="scheduled")]


def test_infeasible_lock_names_both_meetings(sample_doc):
    data = parse_event_document(sample_doc)
    s = build_problem(data).slots[0]
    locks = (Meeting("m-a", "t-001", "s-001", s.start, s.end, 1, locked=True),
             Meeting("m-b", "t-001", "s-003", s.start, s.end, 2, locked=True))
    with pytest.raises(InfeasibleLock) as info:
        solve(data, locks, FAST)
    text = str(info.value)
    assert "m-a" in text and "m-b" in text and "t-001" in text


def test_large_events_place_what_greedy_left_out_by_moving_only_its_neighbours(monkeypatch):
    # above FULL_MODEL_LIMIT no whole-event model is built: the chosen pairs greedy left out are
    # placed by a model over their participants' meetings alone (search._place_rest)
    monkeypatch.setattr(search, "FULL_MODEL_LIMIT", 500)
    data = parse_event_document(generate_event(120, seed=1))
    prob = build_problem(data)
    chosen = select_by_flow(prob, fairness(prob, FAST.fairness))
    assert len(greedy(prob, chosen, compact=True).slot_of) < len(chosen)
    r = solved(data, replace(FAST, compact=False))
    assert r.report.status == "optimal"  # every chosen pair placed: the flow's bound is reached
    assert r.report.meetings >= len(chosen)


# ------------------------------------------------------------------ determinism and reasons


def test_same_input_seed_and_workers_give_the_same_schedule():
    data = parse_event_document(generate_event(120, seed=4))
    docs = []
    for _ in range(2):
        d = schedule_document(solved(data, SolverConfig(time_limit=4, seed=7)).schedule)
        d["stats"].pop("solve_seconds")
        docs.append(d)
    assert docs[0] == docs[1]


def test_unscheduled_requests_say_why():
    data = build(
        [person("t1", max_meetings=1), person("t2"), person("t3"), person("t4"),
         person("s1"), person("s2"), person("s9", tz="Pacific/Auckland")],
        [("t1", "s1", 1), ("t1", "s2", 3),  # t1's cap of 1
         ("t2", "s9"),  # Auckland is asleep
         ("t3", "s2", 1), ("t4", "s2", 1), ("t2", "s2", 1)],  # one slot, one room left
        rooms=2, sessions=one_slot_each(1),
    )
    r = solved(data)
    reasons = {(u.sender, u.receiver): u.reason for u in r.schedule.unscheduled}
    assert reasons[("s2", "t1")] == "t1 reached its cap of 1"
    assert reasons[("s9", "t2")] == "s9 has no available slot in the event's sessions"
    full = [v for k, v in reasons.items() if "s2" in k and k != ("s2", "t1")]
    assert full and all(v == "all rooms full in the 1 slot both share" for v in full)
