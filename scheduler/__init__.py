"""The pure core of the match-making scheduler: no Flask, no clock, SQLite only in ``store``.

Packages, lowest first (a package may import only those listed before it; the contract is
``[tool.importlinter]`` in ``pyproject.toml`` and ``docs/architecture.md`` draws it):

- :mod:`scheduler.domain`: model, errors, slot grid and zones, input limits;
- :mod:`scheduler.matching` and :mod:`scheduler.surveys`: recommendation scores and the request
  cycle; surveys as data (questions, built-in pilot surveys, checked answers);
- :mod:`scheduler.files` and :mod:`scheduler.solving`: the interchange format, and the
  problem, validator and heuristics the solver uses;
- :mod:`scheduler.solver`: the CP-SAT entry point, ``solve(data, locked, config, progress) -> Result``;
- :mod:`scheduler.changes`: the change pipeline's rules (phases, announced meetings, diffs,
  re-import merge);
- :mod:`scheduler.live` and :mod:`scheduler.invitations`: repairs on the day; iCalendar
  and e-mail;
- :mod:`scheduler.store` and :mod:`scheduler.reporting`: SQLite persistence; figures and
  capacity planning;
- :mod:`scheduler.viewmodels`: what the board and the console show, as data.

:mod:`scheduler.legacy` keeps the flat module names of earlier releases importable (with a
deprecation warning) for scripts written against them.
"""

from scheduler import legacy

legacy.install()
