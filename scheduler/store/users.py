"""Accounts: owns ``users`` (organisers and hosts), ``event_staff`` (who may run which event)
and ``login_failures`` (recent failed log-ins, for the lock-out).

An account's global ``role`` is ``organiser`` (administers every event and the staff) or
``host``; a host, or an organiser of one event only, reaches an event through a grant in
``event_staff``. ``session_generation`` is copied into each log-in's cookie and bumped by
log-out, password changes and resets, so an older cookie opens nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from scheduler.domain.errors import Conflict, NotFound
from scheduler.store.connection import Connection
from scheduler.store.rows import to_iso

ROLES = ("organiser", "host")


def _role(role: str) -> str:
    if role not in ROLES:
        raise ValueError(f"role must be organiser or host, not {role!r}")
    return role


class Users(Connection):
    """Organiser and host accounts, their grants per event, and failed log-ins."""

    def add_user(self, username: str, password_hash: str, role: str, now: datetime | None = None) -> None:
        """Create an account; :class:`Conflict` when the name is taken."""
        _role(role)
        with self.write() as db:
            if db["users"].count_where("username = ?", [username]):
                raise Conflict(f"user {username!r} already exists")
            db["users"].insert({"username": username, "password_hash": password_hash, "role": role,
                                "created_at": to_iso(now or datetime.now(UTC))})  # fmt: skip

    def remove_user(self, username: str) -> None:
        """Delete an account and its grants; its open sessions and sockets end at their next check."""
        with self.write() as db:
            db.execute("DELETE FROM event_staff WHERE username = ?", [username])
            if db.execute("DELETE FROM users WHERE username = ?", [username]).rowcount != 1:
                raise NotFound(f"no user {username!r}")

    def set_role(self, username: str, role: str) -> None:
        """Change an account's global role (organiser: every event; host: granted events only)."""
        _role(role)
        with self.write() as db:
            if db.execute("UPDATE users SET role = ? WHERE username = ?", [role, username]).rowcount != 1:
                raise NotFound(f"no user {username!r}")

    def set_password(self, username: str, password_hash: str) -> None:
        """Store a new password hash and end every session of the account (a new generation)."""
        with self.write() as db:
            if db.execute("UPDATE users SET password_hash = ?, session_generation = session_generation + 1"
                          " WHERE username = ?", [password_hash, username]).rowcount != 1:  # fmt: skip
                raise NotFound(f"no user {username!r}")
            db.execute("DELETE FROM login_failures WHERE username = ?", [username])

    def rehash_password(self, username: str, password_hash: str) -> None:
        """Replace a hash by a stronger one of the same password (at log-in); sessions stay."""
        with self.write() as db:
            db.execute("UPDATE users SET password_hash = ? WHERE username = ?", [password_hash, username])

    def end_sessions(self, username: str) -> int:
        """Invalidate every cookie of the account (log-out); return the new generation."""
        with self.write() as db:
            db.execute("UPDATE users SET session_generation = session_generation + 1 WHERE username = ?",
                       [username])  # fmt: skip
            row = db.execute("SELECT session_generation FROM users WHERE username = ?", [username]).fetchone()
        return int(row[0]) if row else 0

    def user(self, username: str) -> dict[str, Any] | None:
        """The account's row (username, password_hash, role, created_at, session_generation), or None."""
        rows = list(self.db["users"].rows_where("username = ?", [username]))
        return rows[0] if rows else None

    def users(self) -> list[dict[str, Any]]:
        """Every account without its hash, each with ``grants``: {event id: role}."""
        grants: dict[str, dict[str, str]] = {}
        for r in self.db.execute("SELECT username, event_id, role FROM event_staff ORDER BY event_id").fetchall():
            grants.setdefault(r[0], {})[r[1]] = r[2]
        return [{"username": r["username"], "role": r["role"], "created_at": r["created_at"],
                 "grants": grants.get(r["username"], {})}
                for r in self.db["users"].rows_where(order_by="username")]  # fmt: skip

    # ------------------------------------------------------------ staff per event

    def grant(self, event_id: str, username: str, role: str, by: str = "", now: datetime | None = None) -> None:
        """Let an account run one event as ``host`` or ``organiser`` (replacing an earlier grant)."""
        _role(role)
        with self.write() as db:
            if not db["users"].count_where("username = ?", [username]):
                raise NotFound(f"no user {username!r}")
            if not db["events"].count_where("id = ?", [event_id]):
                raise NotFound(f"no event {event_id!r}")
            db.execute("INSERT OR REPLACE INTO event_staff (event_id, username, role, granted_at, granted_by)"
                       " VALUES (?, ?, ?, ?, ?)",
                       [event_id, username, role, to_iso(now or datetime.now(UTC)), by])  # fmt: skip

    def revoke(self, event_id: str, username: str) -> None:
        """Take an account's grant on one event away; :class:`NotFound` when it had none."""
        with self.write() as db:
            if db.execute("DELETE FROM event_staff WHERE event_id = ? AND username = ?",
                          [event_id, username]).rowcount != 1:  # fmt: skip
                raise NotFound(f"{username!r} has no role on event {event_id!r}")

    def event_role(self, username: str, event_id: str) -> str | None:
        """The account's role on the event: ``organiser`` for a global organiser, else its grant, else None."""
        row = self.db.execute("SELECT role FROM users WHERE username = ?", [username]).fetchone()
        if row is None:
            return None
        if row[0] == "organiser":
            return "organiser"
        got = self.db.execute("SELECT role FROM event_staff WHERE username = ? AND event_id = ?",
                              [username, event_id]).fetchone()  # fmt: skip
        return got[0] if got else None

    def granted_events(self, username: str) -> set[str]:
        """The ids of the events the account was granted (a global organiser's are all events)."""
        return {r[0] for r in self.db.execute("SELECT event_id FROM event_staff WHERE username = ?", [username])}

    # ------------------------------------------------------------ failed log-ins

    def record_login_failure(self, username: str, address: str, now: datetime) -> None:
        """Remember one failed log-in (and forget those older than a day)."""
        with self.write() as db:
            db.execute("INSERT INTO login_failures (at, username, address) VALUES (?, ?, ?)",
                       [to_iso(now), username[:200], address[:100]])  # fmt: skip
            db.execute("DELETE FROM login_failures WHERE at < ?", [to_iso(now - timedelta(days=1))])

    def login_failures(self, *, username: str | None = None, address: str | None = None,
                       since: datetime) -> list[datetime]:  # fmt: skip
        """When the failed log-ins for the account (or from the address) since ``since`` happened, oldest first."""
        column, value = ("username", username) if username is not None else ("address", address)
        rows = self.db.execute(f"SELECT at FROM login_failures WHERE {column} = ? AND at >= ? ORDER BY at",
                               [value, to_iso(since)]).fetchall()  # fmt: skip
        return [datetime.fromisoformat(r[0]) for r in rows]

    def clear_login_failures(self, username: str) -> None:
        """Forget the account's failed log-ins (after a success or a reset)."""
        with self.write() as db:
            db.execute("DELETE FROM login_failures WHERE username = ?", [username])
