"""Reporting: what the event achieved, as figures for organisers and funders.

Owns the key performance indicators (:mod:`.kpis`).

May import: :mod:`scheduler.domain`, :mod:`scheduler.matching`, :mod:`scheduler.changes`.
"""
