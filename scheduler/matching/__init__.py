"""Matching: who should meet whom, and the request / accept cycle that decides it.

Owns the recommendation scores (:mod:`.scores`) and the request lifecycle with its
statuses and transitions (:mod:`.requests`).

May import: :mod:`scheduler.domain`.
"""
