"""The commands behind ``run.py``, grouped by what the user does.

``run.py`` builds the argument parser from these modules and dispatches; each
module owns its subcommands' options and handlers:

- ``common``: the console, the store handle, the ``--now`` event clock, subcommand wiring
- ``events``: generate, import (merge plan), export, events
- ``solving``: solve (and the published-event re-optimisation), progress and quality report
- ``capacity``: capacity (what-if planning of rooms and slot length, with a plot)
- ``matching``: recommend, autofill, requests, request
- ``invites``: invites
- ``surveys``: survey (list, show, copy, save, rounds, plan-defaults, send, answers)
- ``live``: simulate
- ``report``: report (the pilot report: PDF, HTML, xlsx)
- ``users``: user
- ``privacy``: participant (export, erase), retention
- ``serve``: serve, demo, worker

Layering: ``cli`` may import ``scheduler`` and ``webapp`` (serve, demo; imported
lazily), never the reverse. Inside ``cli`` every module may import ``common``;
``serve`` (demo) also uses ``events``, ``solving``, ``matching`` and ``report``.
"""
