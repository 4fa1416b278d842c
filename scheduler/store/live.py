"""The live day: owns the ``checkins`` and ``offers`` tables and the live columns of
``events`` (``auto_repair``, ``standby_minutes``, ``closed_rooms``, ``waitlist``, the
live-day settings). The solve lock is :mod:`.locks` (the old ``events.solving_since``
column is no longer used).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from scheduler.domain.errors import NotFound
from scheduler.domain.messages import dump, from_data, restore, to_data
from scheduler.store.connection import Connection
from scheduler.store.rows import from_iso, to_iso


class LiveState(Connection):
    """Check-ins, live-day settings and standby offers. An offer's reasons and note are messages, stored as
    their template and arguments (``scheduler.domain.messages``), shown in each reader's language."""

    def check_in(self, event_id: str, pid: str, by: str, now: datetime | None = None) -> None:
        """Record that ``pid`` is here (said by themselves or a host), with an audit record."""
        now = now or datetime.now(UTC)
        with self.write() as db:
            db["checkins"].upsert({"event_id": event_id, "participant_id": pid, "at": to_iso(now), "by": by},
                                  pk=("event_id", "participant_id"))  # fmt: skip
            self.audit(event_id, "checkin", actor=by, now=now, detail={"participant": pid})

    def checked_in(self, event_id: str) -> set[str]:
        return {r["participant_id"] for r in self.db["checkins"].rows_where("event_id = ?", [event_id])}

    # ------------------------------------------------------------ live day

    def live_settings(self, event_id: str) -> dict[str, Any]:
        """``auto_repair`` (apply repairs after a no-show at once), ``standby_minutes`` (offer a
        "meet now" when a partner is this late), ``closed_rooms`` (virtual rooms out of use),
        ``waitlist`` (top recommendations per traditional SME a repair may refill from)."""
        row = self.db.execute("SELECT auto_repair, standby_minutes, closed_rooms, waitlist FROM events WHERE id = ?",
                              [event_id]).fetchone()  # fmt: skip
        if row is None:
            raise NotFound(f"no event {event_id!r}")
        return {"auto_repair": bool(row[0]), "standby_minutes": int(row[1]), "closed_rooms": json.loads(row[2]),
                "waitlist": int(row[3])}  # fmt: skip

    def set_live_settings(self, event_id: str, *, actor: str, auto_repair: bool | None = None,
                          standby_minutes: int | None = None, closed_rooms: list[int] | None = None,
                          waitlist: int | None = None, now: datetime | None = None) -> dict[str, Any]:
        with self.write() as db:
            current = self.live_settings(event_id)
            new = {"auto_repair": current["auto_repair"] if auto_repair is None else bool(auto_repair),
                   "standby_minutes": current["standby_minutes"] if standby_minutes is None else int(standby_minutes),
                   "closed_rooms": current["closed_rooms"] if closed_rooms is None else sorted(set(closed_rooms)),
                   "waitlist": current["waitlist"] if waitlist is None else int(waitlist)}  # fmt: skip
            db.execute("UPDATE events SET auto_repair = ?, standby_minutes = ?, closed_rooms = ?, waitlist = ?"
                       " WHERE id = ?", [int(new["auto_repair"]), new["standby_minutes"],
                                         json.dumps(new["closed_rooms"]), new["waitlist"], event_id])  # fmt: skip
            self.audit(event_id, "live_settings", actor=actor, now=now, detail={"before": current, "after": new})
            return new

    def add_offers(self, event_id: str, offers: list[dict[str, Any]], now: datetime) -> list[dict[str, Any]]:
        """Store new standby offers (one transaction); return them with their ids."""
        out = []
        with self.write() as db:
            for o in offers:
                row = {"event_id": event_id, "slot_start": to_iso(o["slot_start"]), "slot_end": to_iso(o["slot_end"]),
                       "a": o["a"], "b": o["b"], "room": o["room"], "score": o["score"],
                       "reasons": json.dumps([to_data(r) for r in o["reasons"]]), "replaces": json.dumps(list(o["replaces"])),
                       "status": "open", "created_at": to_iso(now), "updated_at": to_iso(now)}  # fmt: skip
                row["id"] = db["offers"].insert(row).last_pk
                self.audit(event_id, "standby_offer", actor="system", now=now,
                           detail={"offer": row["id"], "a": o["a"], "b": o["b"], "slot": row["slot_start"]})  # fmt: skip
                out.append(self.offer(event_id, row["id"]))
        return out

    @staticmethod
    def _offer(row: dict[str, Any]) -> dict[str, Any]:
        return {**row, "slot_start": from_iso(row["slot_start"]), "slot_end": from_iso(row["slot_end"]),
                "reasons": [from_data(r) for r in json.loads(row["reasons"])], "replaces": json.loads(row["replaces"]),
                "note": restore(row.get("note"))}  # fmt: skip

    def offers(self, event_id: str, *, status: str | None = None, participant: str | None = None,
               ) -> list[dict[str, Any]]:
        where, args = "event_id = ?", [event_id]
        if status:
            where, args = where + " AND status = ?", [*args, status]
        if participant:
            where, args = where + " AND (a = ? OR b = ?)", [*args, participant, participant]
        return [self._offer(dict(r)) for r in self.db["offers"].rows_where(where, args, order_by="id")]

    def offer(self, event_id: str, offer_id: int) -> dict[str, Any]:
        rows = list(self.db["offers"].rows_where("event_id = ? AND id = ?", [event_id, offer_id]))
        if not rows:
            raise NotFound(f"no offer {offer_id} in event {event_id!r}")
        return self._offer(dict(rows[0]))

    def set_offer(self, event_id: str, offer_id: int, now: datetime, *, actor: str = "system",
                  **fields: Any) -> dict[str, Any]:
        """Change an offer's ``a_answer``, ``b_answer``, ``status``, ``meeting_id`` or ``note`` (a
        :class:`~scheduler.domain.messages.Message` is stored as its template and arguments)."""
        allowed = {"a_answer", "b_answer", "status", "meeting_id", "note"}
        if set(fields) - allowed:
            raise ValueError(f"cannot set {sorted(set(fields) - allowed)} on an offer")
        if "note" in fields:
            fields["note"] = dump(fields["note"])
        with self.write() as db:
            self.offer(event_id, offer_id)
            cols = ", ".join(f"{k} = ?" for k in fields)
            db.execute(f"UPDATE offers SET {cols}, updated_at = ? WHERE event_id = ? AND id = ?",
                       [*fields.values(), to_iso(now), event_id, offer_id])  # fmt: skip
            self.audit(event_id, "standby_offer", actor=actor, now=now, detail={"offer": offer_id, **fields})
            return self.offer(event_id, offer_id)
