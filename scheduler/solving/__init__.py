"""Solving: an event in, a valid schedule out.

Owns the problem the solver sees (:mod:`.problem`: slots, pairs, allowed slots, rooms),
the solver-independent validator that specifies a valid schedule (:mod:`.validate`), the
flow upper bound (:mod:`.flow`), the greedy warm start (:mod:`.greedy`) and the
compaction of idle slots (:mod:`.compaction`). The entry point is :mod:`scheduler.solver`.

May import: :mod:`scheduler.domain`, :mod:`scheduler.matching`.
"""
