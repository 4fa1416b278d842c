"""The solver's knobs and what it reports while it runs.

:class:`SolverConfig` and :class:`Progress` are the public face of
:mod:`scheduler.solver` (imported from there); the search (:mod:`.search`) and the
CP-SAT models (:mod:`.cpsat`) read them here so that they never import the entry point.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

Method = Literal["cpsat", "greedy"]


@dataclass(frozen=True)
class SolverConfig:
    """Solver knobs; the defaults are the measured ones (docs/solver.md)."""

    time_limit: float = 30.0  # work budget, in seconds of an idle machine (deterministic: see search.Clock)
    seed: int = 0
    workers: int = 8
    method: Method = "cpsat"
    select_share: float = 0.7  # share of the work budget the selection may use (compaction gets the rest)
    fairness: bool = True  # leximin over traditional SMEs' meetings (docs/solver.md); False: weights alone
    idle_weight: int = 3  # per idle slot inside a session
    session_weight: int = 2  # per session a participant must attend
    compact: bool = True
    deterministic: bool = True  # one worker on a deterministic clock: repeatable runs
    #: the wall clock is only a safety net: a solve stops at wall_factor x time_limit real seconds
    #: (reported as ``wall_limit_hit``; only then may the same input give another schedule)
    wall_factor: float = 10.0
    log: bool = False


@dataclass(frozen=True)
class Progress:
    """One progress report: the web app and the CLI show the same figures."""

    phase: str
    elapsed: float
    meetings: int
    objective: float
    bound: float

    @property
    def gap(self) -> float:
        return relative_gap(self.objective, self.bound)


ProgressFn = Callable[[Progress], None]


def relative_gap(obj: float, bound: float) -> float:
    """How far ``obj`` falls short of ``bound``, as a share of the bound (0 when the bound is not positive)."""
    return 0.0 if bound <= 0 else max(0.0, (bound - obj) / bound)
