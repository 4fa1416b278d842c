"""Accounts: owns the ``users`` table (organisers and hosts)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from scheduler.domain.errors import Conflict, NotFound
from scheduler.store.connection import Connection
from scheduler.store.rows import to_iso


class Users(Connection):
    """Organiser and host accounts."""

    def add_user(self, username: str, password_hash: str, role: str, now: datetime | None = None) -> None:
        if role not in ("organiser", "host"):
            raise ValueError(f"role must be organiser or host, not {role!r}")
        with self.write() as db:
            if db["users"].count_where("username = ?", [username]):
                raise Conflict(f"user {username!r} already exists")
            db["users"].insert({"username": username, "password_hash": password_hash, "role": role,
                                "created_at": to_iso(now or datetime.now(UTC))})  # fmt: skip

    def remove_user(self, username: str) -> None:
        """Delete an account; its open sessions and sockets end at their next check."""
        with self.write() as db:
            if db.execute("DELETE FROM users WHERE username = ?", [username]).rowcount != 1:
                raise NotFound(f"no user {username!r}")

    def set_role(self, username: str, role: str) -> None:
        if role not in ("organiser", "host"):
            raise ValueError(f"role must be organiser or host, not {role!r}")
        with self.write() as db:
            if db.execute("UPDATE users SET role = ? WHERE username = ?", [role, username]).rowcount != 1:
                raise NotFound(f"no user {username!r}")

    def user(self, username: str) -> dict[str, Any] | None:
        rows = list(self.db["users"].rows_where("username = ?", [username]))
        return rows[0] if rows else None
