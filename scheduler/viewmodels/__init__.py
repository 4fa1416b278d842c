"""View models: what the host board and the organiser console show, computed purely.

Owns the view models of the host board (:mod:`.board`: the slots of the day being run, the
running slot's counts, the recent changes in words, what "Undo last change" would reverse)
and of the organiser console (:mod:`.console`: the schedule grid, meetings per participant,
the wanted meetings not placed and why, one participant's day, the next step in words) and
the console's long lists a page at a time (:mod:`.lists`: participants, requests, the grid by
day). Each is a pure function from domain data (and the store's records, passed in) to frozen
dataclasses with named fields, so the same values can serve the HTML pages, a JSON API and the
reports.

May import: every core package (:mod:`scheduler.domain`, :mod:`scheduler.matching`,
:mod:`scheduler.files`, :mod:`scheduler.solving`, :mod:`scheduler.solver`,
:mod:`scheduler.changes`, :mod:`scheduler.live`, :mod:`scheduler.invitations`,
:mod:`scheduler.reporting`); never the store, Flask or the clock (``now`` is a parameter).
"""
