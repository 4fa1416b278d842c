"""Solving: an event in, a valid schedule out.

Owns the problem the solver sees (:mod:`.problem`: slots, pairs, allowed slots, rooms),
the solver-independent validator that specifies a valid schedule (:mod:`.validate`), the
flow upper bound (:mod:`.flow`), the leximin fairness rule (:mod:`.fairness`), the greedy warm
start (:mod:`.greedy`), the compaction of idle slots or breaks (:mod:`.compaction`, its LNS
:mod:`.lns`, the breaks model :mod:`.breaks` and its search :mod:`.breaks_search`), the solver's
knobs and progress reports (:mod:`.config`),
the CP-SAT models with their constraint families and objective (:mod:`.cpsat`) and the
staged search under a deterministic work budget (:mod:`.search`). The entry point is
:mod:`scheduler.solver`, which imports this package, never the reverse.

May import: :mod:`scheduler.domain`, :mod:`scheduler.matching`.
"""
