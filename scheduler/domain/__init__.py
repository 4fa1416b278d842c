"""The domain: what an event, a participant, a request, a slot and a meeting are.

Owns the frozen dataclasses (:mod:`.model`), the one error tree (:mod:`.errors`), the slot
grid and wall-time rules in the event's zone (:mod:`.timegrid`, :mod:`.zones`), the bounds on
every input (:mod:`.limits`), e-mail address checks (:mod:`.addresses`), free-text limits and
refused characters (:mod:`.text`), the staff password policy (:mod:`.passwords`) and the
languages people read, with their catalogues and locale dates (:mod:`.language`, Babel), and
texts said once and read later in each reader's language (:mod:`.messages`).

May import: the standard library, small parsing libraries and Babel only; nothing else from
``scheduler``. Every other package builds on this one.
"""
