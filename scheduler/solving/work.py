"""Counting a CP-SAT call's work: its deterministic time, and whether the wall clock stopped it.

Shared by the search (:mod:`.search`), the compaction LNS (:mod:`.compaction`) and the
breaks search (:mod:`.breaks_search`), so that every budget decision reads the same
rounded figures and never the wall clock (docs/solver.md, "Determinism").
"""

from __future__ import annotations

from ortools.sat.python import cp_model

#: Counted work per CP-SAT model we build, besides CP-SAT's deterministic time: per variable
#: built and per step, calibrated so a unit of work takes about a second here.
WORK_PER_VAR = 3e-5
WORK_PER_STEP = 2e-3


def stopped_by_wall(solver: cp_model.CpSolver, status: int) -> bool:
    """True when the wall-clock safety net, not the deterministic budget, ended this CP-SAT call."""
    if status in (cp_model.OPTIMAL, cp_model.INFEASIBLE):
        return False
    return solver.wall_time >= 0.98 * solver.parameters.max_time_in_seconds


def dtime_used(solver: cp_model.CpSolver) -> float:
    """CP-SAT's deterministic time of the last call, to the microsecond: its last bits vary
    between identical runs, and a budget decision must not hang on them."""
    return round(solver.deterministic_time, 6)
