"""Fairness for traditional SMEs is leximin (docs/solver.md, Objective): raise the worst-served
first, then the next; the pair weights (priority, mutuality) only choose among equally fair
allocations. Checked on small worlds by served counts and objective values, on the flow path
(traditional x tech) and the CP-SAT path (same-kind events), and against a brute-force oracle."""

from __future__ import annotations

from itertools import combinations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ortools.sat.python import cp_model

from scheduler.domain.model import Meeting
from scheduler.files.formats import parse_event_document
from scheduler.files.generator import generate_event
from scheduler.solver import SolverConfig, solve
from scheduler.solving.cpsat import AggregateModel, objective_value
from scheduler.solving.fairness import fairness
from scheduler.solving.flow import select_by_flow
from scheduler.solving.problem import Assignment, build_problem, pair_weight
from scheduler.solving.validate import validate
from tests.builders import build, person

FAST = SolverConfig(time_limit=3, seed=1)
MAX_SUM = SolverConfig(time_limit=3, seed=1, fairness=False)
P1_MUTUAL, P1, P3 = pair_weight(1, True), pair_weight(1, False), pair_weight(3, False)


def solved(data, config=FAST):
    result = solve(data, config=config)
    assert validate(result.problem, result.schedule) == []
    return result


def served(result) -> dict[str, int]:
    """Traditional SME -> meetings it got (every traditional SME of the event, 0 included)."""
    count = {p.id: 0 for p in result.problem.data.participants if p.kind == "traditional"}
    for m in result.schedule.meetings:
        for p in m.participants:
            if p in count:
                count[p] += 1
    return count


def single_cap(*ids: str) -> list[dict]:
    return [person(s, max_meetings=1) for s in ids]


def mutual(t: str, s: str, priority: int = 1) -> list[tuple]:
    return [(t, s, priority), (s, t, priority)]


PROVIDERS = [f"s{i}" for i in range(1, 7)]


def two_sme_six_providers(**event) -> dict:
    """t1 asks all six single-cap providers mutually at priority 1, t2 one-way at priority 3."""
    requests = [r for s in PROVIDERS for r in mutual("t1", s)] + [("t2", s, 3) for s in PROVIDERS]
    return dict(participants=[person("t1"), person("t2"), *single_cap(*PROVIDERS)], requests=requests,
                **event)  # fmt: skip


# ------------------------------------------------------------------ the cases of issue 14


def test_two_smes_share_six_single_cap_providers_three_and_three():
    case = two_sme_six_providers()
    r = solved(build(case["participants"], case["requests"]))
    assert served(r) == {"t1": 3, "t2": 3}
    assert r.report.meetings == r.report.meetings_upper_bound == 6
    fair = fairness(r.problem)
    assert fair.levels == 6 and fair.step == 1 + 6 * P1_MUTUAL + 6 * P3
    assert r.report.objective == r.report.bound == 2 * fair.value(3) + 3 * P1_MUTUAL + 3 * P3
    # the pair weights alone (max-sum) give every provider to t1
    assert served(solved(build(case["participants"], case["requests"]), MAX_SUM)) == {"t1": 6, "t2": 0}


def test_sme_with_one_possible_partner_gets_it_at_the_cost_of_a_fourth_meeting():
    # t1 could meet s1..s4 (mutual priority 1); t2 only s4 (one-way priority 3): leximin gives
    # t2 its only meeting and t1 three, where max-sum gives t1 four and t2 nothing.
    people = [person("t1", max_meetings=4), person("t2"), *single_cap("s1", "s2", "s3", "s4")]
    requests = [r for s in ("s1", "s2", "s3", "s4") for r in mutual("t1", s)] + [("t2", "s4", 3)]
    data = build(people, requests)
    r = solved(data)
    assert served(r) == {"t1": 3, "t2": 1}
    fair = fairness(r.problem)
    assert r.report.objective == r.report.bound == fair.value(3) + fair.value(1) + 3 * P1_MUTUAL + P3
    assert served(solved(data, MAX_SUM)) == {"t1": 4, "t2": 0}


def test_after_the_worst_served_the_next_is_raised():
    # t3 can only ever have one meeting; maximising the minimum alone would stop there and let t1
    # take three of the four providers t1 and t2 share. Leximin goes on: two each.
    shared = ["s1", "s2", "s3", "s4"]
    people = [person("t1"), person("t2"), person("t3"), *single_cap(*shared, "s5")]
    requests = [r for s in shared for r in mutual("t1", s)] + [("t2", s, 3) for s in shared]
    r = solved(build(people, requests + [("t3", "s5", 2)]))
    assert served(r) == {"t1": 2, "t2": 2, "t3": 1}
    assert r.report.meetings == r.report.meetings_upper_bound == 5


# ------------------------------------------------------------------ the priority rule


@pytest.mark.parametrize(
    "requests, expected, why",
    [
        # equally fair either way (one SME served): the priority-1 request wins
        ([("t1", "s1", 1), ("t2", "s1", 3)], {"t1": 1, "t2": 0}, "tie: priority decides"),
        ([("t1", "s1", 3), ("t2", "s1", 1)], {"t1": 0, "t2": 1}, "tie: priority decides"),
        # priority never buys a second meeting while another SME has none
        ([("t1", "s1", 1), ("t1", "s2", 1), ("t2", "s1", 3)], {"t1": 1, "t2": 1}, "fair first"),
    ],
)
def test_priority_chooses_only_among_equally_fair_allocations(requests, expected, why):
    r = solved(build([person("t1"), person("t2"), *single_cap("s1", "s2")], requests))
    assert served(r) == expected, why
    assert r.report.gap == 0


def test_priority_picks_which_partners_when_counts_tie():
    # both get one meeting whichever way; only t1-s1 with t2-s2 (priority 1 each) reaches 2 x P1
    r = solved(build([person("t1"), person("t2"), *single_cap("s1", "s2")],
                     [("t1", "s1", 1), ("t1", "s2", 3), ("t2", "s1", 3), ("t2", "s2", 1)]))  # fmt: skip
    assert served(r) == {"t1": 1, "t2": 1}
    assert r.report.objective == r.report.bound == 2 * fairness(r.problem).value(1) + 2 * P1


# ------------------------------------------------------------------ the CP-SAT path


def test_same_kind_events_get_the_same_leximin():
    # one tech-tech request makes the flow inapplicable: the CP-SAT aggregate chooses the pairs
    case = two_sme_six_providers(allow_same_kind=True)
    people = [*case["participants"], person("s7"), person("s8")]
    r = solved(build(people, [*case["requests"], ("s7", "s8", 1)], allow_same_kind=True))
    assert served(r) == {"t1": 3, "t2": 3}
    assert r.report.meetings == r.report.meetings_upper_bound == 7
    fair = fairness(r.problem)
    assert r.report.objective == r.report.bound == (2 * fair.value(3) + 3 * P1_MUTUAL + 3 * P3 + P1)


# ------------------------------------------------------------------ against a brute-force oracle


def leximin_best(people: dict[str, int], pairs: list[tuple[str, str]]) -> list[int]:
    """The best sorted served-count vector of the traditional SMEs over every pair subset within caps."""
    best: list[int] = []
    trad = sorted(p for p in people if p.startswith("t"))
    for n in range(len(pairs) + 1):
        for chosen in combinations(pairs, n):
            deg = dict.fromkeys(people, 0)
            for a, b in chosen:
                deg[a] += 1
                deg[b] += 1
            if all(deg[p] <= cap for p, cap in people.items()):
                best = max(best, sorted(deg[t] for t in trad))
    return best


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_served_counts_are_leximin_optimal(data):
    """With slots and rooms to spare (a bipartite graph of degree d is d-edge-colourable), the pairs
    within caps are exactly the feasible choices: the solve must reach the best sorted vector."""
    n_trad, n_tech = data.draw(st.integers(2, 3)), data.draw(st.integers(2, 4))
    caps = {f"t{i}": data.draw(st.integers(1, 3)) for i in range(1, n_trad + 1)}
    caps |= {f"s{i}": data.draw(st.integers(1, 2)) for i in range(1, n_tech + 1)}
    candidates = [(t, s) for t in caps if t.startswith("t") for s in caps if s.startswith("s")]
    pairs = data.draw(st.lists(st.sampled_from(candidates), min_size=1, max_size=9, unique=True))
    requests = [(t, s, data.draw(st.integers(1, 3))) for t, s in pairs]
    r = solved(build([person(p, max_meetings=c) for p, c in caps.items()], requests, rooms=9))
    assert sorted(served(r).values()) == leximin_best(caps, pairs)
    assert r.report.gap == 0


# ------------------------------------------------------------------ the two engines agree


@pytest.mark.parametrize("n, seed, lock", [(30, 1, False), (40, 2, True)])
def test_flow_and_cpsat_aggregate_reach_the_same_optimum(n, seed, lock):
    """The flow (traditional x tech) and the CP-SAT aggregate (same-kind events) optimise one objective."""
    data = parse_event_document(generate_event(n, seed=seed))
    locked = ()
    if lock:  # a lock is committed before the flow and forced in CP-SAT
        prob = build_problem(data)
        k = next(k for k, c in enumerate(prob.common) if c)
        s = prob.slots[prob.common[k][0]]
        locked = (Meeting("m-lock", prob.pairs[k].a, prob.pairs[k].b, s.start, s.end, 1, locked=True),)
    prob = build_problem(data, locked)
    chosen = select_by_flow(prob, fairness(prob))
    assert chosen is not None
    agg = AggregateModel(prob, FAST)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 1
    solver.parameters.max_deterministic_time = 20.0
    assert solver.solve(agg.m) == cp_model.OPTIMAL
    assert solver.objective_value == objective_value(prob, Assignment(dict.fromkeys(chosen, 0)), FAST)
