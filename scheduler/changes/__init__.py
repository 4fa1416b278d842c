"""The change pipeline's rules: what a change to a published event does, computed purely.

Owns the event's phase and the rules on announced meetings (:mod:`.pipeline`), the diff
of two schedules (:mod:`.diff`) and the plan of a re-import merge (:mod:`.merge`). The
store applies these plans in one transaction; the web and the command line show them.

May import: :mod:`scheduler.domain`, :mod:`scheduler.matching`, :mod:`scheduler.files`,
:mod:`scheduler.solving`, :mod:`scheduler.solver`.
"""
