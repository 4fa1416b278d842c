"""The domain: what an event, a participant, a request, a slot and a meeting are.

Owns the frozen dataclasses (:mod:`.model`), the one error tree (:mod:`.errors`), the slot
grid and wall-time rules in the event's zone (:mod:`.timegrid`, :mod:`.zones`), the bounds on
every input (:mod:`.limits`) and e-mail address checks (:mod:`.addresses`).

May import: the standard library and small parsing libraries only; nothing else from
``scheduler``. Every other package builds on this one.
"""
