"""Reporting: what the event achieved and what it could hold, as figures for organisers and funders.

Owns the key performance indicators (:mod:`.kpis`) and what-if capacity planning
(:mod:`.capacity`: meetings possible by number of rooms and by slot length, from the solver's
upper bound and optionally real solves; :mod:`.capacity_plot` draws it as inline SVG).

May import: :mod:`scheduler.domain`, :mod:`scheduler.matching`, :mod:`scheduler.solving`,
:mod:`scheduler.solver`, :mod:`scheduler.changes`; matplotlib (drawing only, imported lazily).
"""
