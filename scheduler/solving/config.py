"""The solver's knobs and what it reports while it runs.

:class:`SolverConfig` and :class:`Progress` are the public face of
:mod:`scheduler.solver` (imported from there); the search (:mod:`.search`) and the
CP-SAT models (:mod:`.cpsat`) read them here so that they never import the entry point.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

from scheduler.domain.errors import InvalidInput, Message, Problem
from scheduler.domain.language import N_

Method = Literal["cpsat", "greedy"]
#: What compact days minimise: idle slots and sessions attended, or breaks (docs/solver.md).
Compactness = Literal["idle", "breaks"]
COMPACTNESS: tuple[Compactness, ...] = ("idle", "breaks")
#: JAIR's fairness bound d (most minus fewest breaks) when breaks are chosen and nobody says otherwise.
DEFAULT_BREAK_SPREAD = 2
#: ``break_spread`` value for "no bound on the spread".
NO_SPREAD = -1


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
    #: None: the event's choice (its optional ``compactness`` field, docs/format.md), else "idle"
    compactness: Compactness | None = None
    #: breaks mode: bound on the most minus the fewest breaks of participants with a meeting (JAIR's d);
    #: None: the event's ``break_spread``, else DEFAULT_BREAK_SPREAD; NO_SPREAD: no bound
    break_spread: int | None = None

    @property
    def spread_limit(self) -> int | None:
        """The spread bound in force once resolved (:func:`resolve_compactness`); None: no bound."""
        if self.compactness != "breaks" or self.break_spread == NO_SPREAD:
            return None
        return DEFAULT_BREAK_SPREAD if self.break_spread is None else self.break_spread


def resolve_compactness(cfg: SolverConfig, event_extra: Mapping[str, Any]) -> SolverConfig:
    """Return ``cfg`` with ``compactness`` and ``break_spread`` decided: the config's own, else the event's.

    ``event_extra`` is the event's extra fields (``Event.extra``): an event document may
    set ``"compactness": "idle" | "breaks"`` and ``"break_spread": <whole number >= 0 | null>``
    (null: no bound). Raise InvalidInput naming the field when a value is not one of these.
    """
    problems = []
    mode = cfg.compactness
    if mode is None:
        mode = event_extra.get("compactness", "idle")
        if mode not in COMPACTNESS:
            problems.append(Problem.of("event.compactness", N_("must be 'idle' or 'breaks', not {got}"), got=repr(mode)))
    spread = cfg.break_spread
    if spread is None and "break_spread" in event_extra:
        value = event_extra["break_spread"]
        if value is None:
            spread = NO_SPREAD
        elif isinstance(value, bool) or not isinstance(value, int) or value < 0:
            problems.append(Problem.of("event.break_spread", N_("must be a whole number, 0 or more, or null; not {got}"),
                                       got=repr(value)))
        else:
            spread = value
    elif spread is not None and spread < 0:
        spread = NO_SPREAD
    if problems:
        raise InvalidInput(problems, Message.of(N_("solver settings")))
    return replace(cfg, compactness=mode, break_spread=spread)


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
