"""The only package that talks to SQLite (through sqlite-utils).

One file per deployment (default ``data/matchmaking.db``), WAL mode, foreign
keys on. The schema is versioned with ``PRAGMA user_version``: each entry of
:data:`MIGRATIONS` moves the file one version up inside one transaction, so a
later release appends entries and never edits old ones. Every change that
touches several rows runs in one transaction; a rejected change leaves the
file as it was.

Callers use one entry, :class:`Store` (:mod:`.core`): the connection
(:mod:`.connection`: open, close, the ``write()`` transaction) plus one class of
methods per aggregate, each module owning its tables:

- :mod:`.schema`: the migrations and ``PRAGMA user_version``;
- :mod:`.events`: ``events`` and ``participants`` (an event, its people, their links and profiles);
- :mod:`.imports`: an event file written over those tables (new, replaced, or merged);
- :mod:`.requests`: ``requests`` and ``request_history``;
- :mod:`.schedules`: ``meetings``, ``snapshots`` (undo), ``audit`` and the schedule version;
- :mod:`.live`: ``checkins``, ``offers`` and the live-day settings;
- :mod:`.locks`: ``solve_jobs`` (the solve lock with its owner and heartbeat, and finished jobs);
- :mod:`.outbox`: ``outbox`` (calendar messages and survey mail);
- :mod:`.users`: ``users`` (organiser and host accounts), ``event_staff`` (grants per event),
  ``login_failures`` (the log-in lock-out);
- :mod:`.surveys`: ``surveys``, ``survey_answers``, ``survey_rounds`` (pilot surveys);
- :mod:`.privacy`: erasure and retention of personal data (it rewrites the other tables' rows
  about an erased person, see ``docs/privacy.md``); the export of one person's data.

:mod:`.rows` holds the conversions they share. An aggregate module imports only
:mod:`.connection`, :mod:`.rows` and (for the event and participant rows)
:mod:`.events`, never :class:`Store`: a method reaches another aggregate through ``self``.

May import: :mod:`scheduler.domain`, :mod:`scheduler.matching`, :mod:`scheduler.surveys`,
:mod:`scheduler.files`, :mod:`scheduler.changes`.
"""

from scheduler.store.connection import DEFAULT_DB, ENV_VAR, default_path
from scheduler.store.core import Store
from scheduler.store.schedules import GONE
from scheduler.store.schema import MIGRATIONS, SCHEMA_VERSION

__all__ = ["DEFAULT_DB", "ENV_VAR", "GONE", "MIGRATIONS", "SCHEMA_VERSION", "Store", "default_path"]
