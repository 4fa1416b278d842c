"""The connection to the SQLite file: opening it, closing it, and write transactions.

Owns no table. Every aggregate class of the store derives from :class:`Connection`,
so its methods run on ``self.db`` and group their writes with ``self.write()``.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Self

import sqlite_utils

DEFAULT_DB = Path("data") / "matchmaking.db"
ENV_VAR = "MATCHMAKING_DB"


def default_path(env: dict[str, str] | None = None) -> Path:
    """Return the database path from the environment, else the default."""
    env = os.environ if env is None else env
    return Path(env.get(ENV_VAR) or DEFAULT_DB)


class Connection:
    """One SQLite file (or an in-memory database), WAL mode, foreign keys on."""

    def __init__(self, path: str | Path | None = None, *, memory: bool = False):
        if memory:
            self.db = sqlite_utils.Database(memory=True)
            self.path: Path | None = None
        else:
            self.path = Path(path) if path is not None else default_path()
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(str(self.path), timeout=30, isolation_level=None, check_same_thread=True)
            self.db = sqlite_utils.Database(conn)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA foreign_keys=ON")

    def close(self) -> None:
        self.db.conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def write(self) -> Iterator[sqlite_utils.Database]:
        """Run the block as one write transaction (BEGIN IMMEDIATE), rolled back on error."""
        conn = self.db.conn
        if conn.in_transaction:  # nested: join the outer transaction
            yield self.db
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        else:
            conn.execute("COMMIT")

    def counts(self) -> dict[str, int]:
        """Row counts per table (for tests and diagnostics)."""
        return {t: self.db[t].count for t in ("events", "participants", "requests", "meetings", "audit")}
