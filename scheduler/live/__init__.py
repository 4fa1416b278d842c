"""The live day: repairs while the event runs.

Owns the minimal-change repair and re-optimisation (:mod:`.repair`), the standby
"meet now" offers (:mod:`.standby`) and the simulated day (:mod:`.simulate`).

May import: every core package below it (:mod:`scheduler.domain`, :mod:`scheduler.matching`,
:mod:`scheduler.solving`, :mod:`scheduler.solver`, :mod:`scheduler.changes`); never the
store, the web or the clock (``now`` is a parameter).
"""
