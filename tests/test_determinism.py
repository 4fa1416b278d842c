"""Same input, seed and workers give the same result however busy the machine is: the solver
and the live repair decide by deterministic work only; real time is a reported safety net.

The stress tests start CPU-burning processes (each stops by itself after a minute even if the
test dies) and kill them when done."""

from __future__ import annotations

import os
import subprocess
import sys
from contextlib import contextmanager
from dataclasses import replace

from scheduler.files.formats import parse_event_document
from scheduler.files.generator import generate_event
from scheduler.files.schedules import schedule_document
from scheduler.live.repair import Absence, RebalanceConfig, rebalance, with_waitlist
from scheduler.solver import SolverConfig, solve
from scheduler.solving.validate import validate

BURN = "import time\nend = time.monotonic() + 60\nwhile time.monotonic() < end:\n    pass\n"


@contextmanager
def busy_machine(extra: int = 1):
    """Keep every core busy (cores + ``extra`` spinning processes) for the duration of the block."""
    procs = [subprocess.Popen([sys.executable, "-c", BURN]) for _ in range((os.cpu_count() or 1) + extra)]
    try:
        yield
    finally:
        for p in procs:
            p.kill()
        for p in procs:
            p.wait(timeout=10)


def document_of(result) -> dict:
    doc = schedule_document(result.schedule)
    doc["stats"].pop("solve_seconds")
    return doc


def test_solve_on_a_busy_machine_gives_the_same_schedule():
    data = parse_event_document(generate_event(120, seed=4))
    config = SolverConfig(time_limit=2, seed=7)
    quiet = solve(data, config=config)
    with busy_machine():
        busy = [solve(data, config=config) for _ in range(2)]
    for r in (quiet, *busy):
        assert validate(r.problem, r.schedule) == []
        assert not r.report.wall_limit_hit  # else the safety net fired: the machine is far too slow
    assert document_of(busy[0]) == document_of(busy[1]) == document_of(quiet)
    assert busy[0].report.work == quiet.report.work > 0


def test_repair_preview_and_apply_agree_on_a_busy_machine():
    data = parse_event_document(generate_event(120, seed=3))
    r = solve(data, config=SolverConfig(time_limit=2, seed=1))
    live = with_waitlist(data, 3)
    slots = r.problem.slots
    now = slots[6].start
    # four people gone, and a budget the search uses up (it is not proven optimal before it)
    away = [Absence(p) for p in sorted({m.a for m in r.schedule.meetings if m.start > now})[:4]]
    config = RebalanceConfig(time_limit=0.3, wall_factor=40)  # the safety net far above any slowdown
    preview = rebalance(live, r.schedule.meetings, now, away, config)
    with busy_machine():
        applied = rebalance(live, r.schedule.meetings, now, away, config)
    assert not preview.wall_limit_hit and not applied.wall_limit_hit
    assert preview.work >= 0.3  # stopped by its deterministic budget
    assert replace(applied, seconds=0.0) == replace(preview, seconds=0.0)
    assert preview.cancelled  # the repair did something


def test_the_safety_net_is_reported_when_it_fires():
    data = parse_event_document(generate_event(40, seed=2))
    r = solve(data, config=SolverConfig(time_limit=1, wall_factor=1e-6))
    assert r.report.wall_limit_hit and r.schedule.stats.extra["wall_limit_hit"] is True
    assert validate(r.problem, r.schedule) == []  # still a valid schedule
    calm = solve(data, config=SolverConfig(time_limit=1))
    assert not calm.report.wall_limit_hit and calm.schedule.stats.extra["wall_limit_hit"] is False


def test_repair_safety_net_is_reported_when_it_fires():
    data = parse_event_document(generate_event(60, seed=2))
    r = solve(data, config=SolverConfig(time_limit=1))
    now = r.problem.slots[3].start
    absent = next(m for m in r.schedule.meetings if m.start > now).a
    plan = rebalance(data, r.schedule.meetings, now, [Absence(absent)],
                     RebalanceConfig(time_limit=1.0, wall_factor=1e-9))  # fmt: skip
    calm = rebalance(data, r.schedule.meetings, now, [Absence(absent)], RebalanceConfig(time_limit=1.0))
    assert plan.wall_limit_hit and not calm.wall_limit_hit


def test_cli_says_when_the_safety_net_fired(tmp_path):
    from tests.test_cli import run

    sample = "data/sample-event.json"
    out = run("solve", sample, "-o", str(tmp_path / "s.json"), "--time-limit", "1", "--safety-factor", "1e-6")
    assert "wall-clock safety net" in " ".join(out.stdout.split())
    calm = run("solve", sample, "-o", str(tmp_path / "t.json"), "--time-limit", "1")
    assert "safety net" not in calm.stdout and "deterministic work" in calm.stdout
