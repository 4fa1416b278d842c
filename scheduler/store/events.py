"""Events and participants: owns the ``events`` and ``participants`` tables (the
event settings, the people, their personal links and profiles).

:func:`event_row` and :func:`participant_row` are the rows as stored; writing a
whole event file is :mod:`.imports`.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from scheduler.domain.errors import NotFound
from scheduler.domain.language import N_
from scheduler.domain.messages import Message
from scheduler.domain.model import Event, EventData, Participant, Session, Window
from scheduler.files.inputs import parse_clock, parse_day
from scheduler.files.writer import event_to_dict, participant_to_dict
from scheduler.store.connection import Connection
from scheduler.store.rows import to_iso


def event_row(ev: Event, now: datetime) -> dict[str, Any]:
    """The ``events`` row of ``ev`` (``schedule_version`` 0, imported ``now``)."""
    doc = event_to_dict(ev)
    return {
        "id": ev.id, "name": ev.name, "timezone": ev.timezone, "slot_minutes": ev.slot_minutes,
        "gap_minutes": ev.gap_minutes, "rooms": ev.rooms, "max_meetings": ev.max_meetings,
        "video_url_template": ev.video_url_template, "allow_same_kind": int(ev.allow_same_kind),
        "sessions": json.dumps(doc["sessions"]), "extra": json.dumps(dict(ev.extra)),
        "schedule_version": 0, "imported_at": to_iso(now),
        "request_policy": ev.request_policy, "request_ttl_hours": ev.request_ttl_hours,
    }  # fmt: skip


def participant_row(event_id: str, p: Participant, token: str, position: int) -> dict[str, Any]:
    """The ``participants`` row of ``p``, with their link ``token`` and file ``position``."""
    doc = participant_to_dict(p)
    return {
        "event_id": event_id, "id": p.id, "name": p.name, "kind": p.kind,
        "timezone": p.timezone, "cluster": p.cluster, "country": p.country,
        "contact": p.contact, "email": p.email,
        "wh_start": doc["working_hours"]["start"], "wh_end": doc["working_hours"]["end"],
        "available": None if p.available is None else json.dumps(doc["available"]),
        "max_meetings": p.max_meetings, "sectors": json.dumps(list(p.sectors)),
        "needs": json.dumps(list(p.needs)), "offers": json.dumps(list(p.offers)),
        "languages": json.dumps(list(p.languages)), "description": p.description,
        "extra": json.dumps(dict(p.extra)), "token": token, "position": position, "locale": p.locale,
    }  # fmt: skip



def participant_of(r: dict[str, Any]) -> Participant:
    """One ``participants`` row as the domain's :class:`Participant`."""
    avail = None
    if r["available"] is not None:
        avail = tuple(Window(parse_day(w["date"]), parse_clock(w["start"]), parse_clock(w["end"]))
                      for w in json.loads(r["available"]))  # fmt: skip
    return Participant(
        id=r["id"], name=r["name"], kind=r["kind"], timezone=r["timezone"],
        working_hours=(parse_clock(r["wh_start"]), parse_clock(r["wh_end"])), available=avail,
        max_meetings=r["max_meetings"], cluster=r["cluster"] or "",
        country=r["country"] or "", contact=r["contact"] or "", email=r["email"] or "",
        sectors=tuple(json.loads(r["sectors"])), needs=tuple(json.loads(r["needs"])),
        offers=tuple(json.loads(r["offers"])), languages=tuple(json.loads(r["languages"])),
        description=r["description"] or "", extra=json.loads(r["extra"] or "{}"), locale=r["locale"] or "",
    )  # fmt: skip

class Events(Connection):
    """One event, its participants, their personal links and profiles."""

    def event_ids(self) -> list[str]:
        return [r["id"] for r in self.db["events"].rows_where(order_by="id", select="id")]

    def event_summaries(self) -> list[dict[str, Any]]:
        """Return one summary row per stored event (for listings)."""
        sql = """
            SELECT e.id, e.name, e.timezone, e.rooms, e.schedule_version,
              (SELECT count(*) FROM participants p WHERE p.event_id = e.id AND p.removed_at IS NULL)
                AS participants,
              (SELECT count(*) FROM participants p WHERE p.event_id = e.id AND p.kind='traditional'
                AND p.removed_at IS NULL) AS traditional,
              (SELECT count(*) FROM requests r WHERE r.event_id = e.id) AS requests,
              (SELECT count(*) FROM meetings m WHERE m.event_id = e.id AND m.status != 'cancelled')
                AS meetings
            FROM events e ORDER BY e.id
        """
        return [dict(r) for r in self.db.query(sql)]

    def event(self, event_id: str) -> Event:
        row = self.db["events"].get(event_id) if self._has_event(event_id) else None
        if row is None:
            raise NotFound(f"no event {event_id!r}")

        return Event(
            id=row["id"], name=row["name"], timezone=row["timezone"],
            slot_minutes=row["slot_minutes"], gap_minutes=row["gap_minutes"],
            sessions=tuple(
                Session(parse_day(s["date"]), parse_clock(s["start"]), parse_clock(s["end"]))
                for s in json.loads(row["sessions"])
            ),
            rooms=row["rooms"], max_meetings=row["max_meetings"],
            video_url_template=row["video_url_template"],
            allow_same_kind=bool(row["allow_same_kind"]),
            request_policy=row.get("request_policy") or "unless_declined",
            request_ttl_hours=row.get("request_ttl_hours") or 72.0,
            extra=json.loads(row["extra"] or "{}"), uid_domain=row["uid_domain"],
        )  # fmt: skip

    def _has_event(self, event_id: str) -> bool:
        return bool(self.db["events"].count_where("id = ?", [event_id]))

    def participants(self, event_id: str, *, removed: bool = False) -> tuple[Participant, ...]:
        """The event's participants in file order (``removed``: instead, the ones a re-import removed)."""
        where = "event_id = ? AND removed_at IS " + ("NOT NULL" if removed else "NULL")
        return tuple(participant_of(r) for r in self.db["participants"].rows_where(where, [event_id], order_by="position"))

    def participants_by_id(self, event_id: str, ids: Iterable[str]) -> dict[str, Participant]:
        """The participants named by ``ids`` (present or removed by a re-import), by id; ids
        the event does not have are left out. Reads only those rows: a participant's own page
        asks for its partners, not for the whole event."""
        wanted = sorted(set(ids))
        out: dict[str, Participant] = {}
        for i in range(0, len(wanted), 500):  # SQLite's limit on bound parameters
            chunk = wanted[i:i + 500]
            marks = ",".join("?" * len(chunk))
            for r in self.db["participants"].rows_where(f"event_id = ? AND id IN ({marks})", [event_id, *chunk]):
                out[r["id"]] = participant_of(r)
        return out

    def load(self, event_id: str) -> EventData:
        """Return the whole stored event; requests of removed participants are left out (they
        stay in :meth:`request_states`), the removed participants are in ``removed``."""
        people = self.participants(event_id)
        ids = {p.id for p in people}
        reqs = tuple(r for r in self.requests(event_id) if r.sender in ids and r.receiver in ids)
        return EventData(self.event(event_id), people, reqs, self.participants(event_id, removed=True))

    def tokens(self, event_id: str) -> dict[str, str]:
        """Return participant id -> personal access token (erased participants have none: their
        link only says that it expired)."""
        return {
            r["id"]: r["token"]
            for r in self.db["participants"].rows_where("event_id = ? AND erased_at IS NULL", [event_id],
                                                        select="id, token")
        }

    def by_token(self, token: str) -> tuple[str, str] | None:
        """Return (event id, participant id) for a personal link token, or None."""
        if not token:
            return None
        row = self.db.execute("SELECT event_id, id FROM participants WHERE token = ? AND removed_at IS NULL"
                              " AND erased_at IS NULL", [token]).fetchone()  # fmt: skip
        return (row[0], row[1]) if row else None

    def participant_locale(self, event_id: str, pid: str) -> str:
        """The participant's chosen language ("" when they chose none, or there is no such participant)."""
        row = self.db.execute("SELECT locale FROM participants WHERE event_id = ? AND id = ?", [event_id, pid]).fetchone()
        return str(row[0] or "") if row else ""

    def remember_page_language(self, event_id: str, pid: str, code: str) -> None:
        """Keep ``code`` as the language ``pid``'s page is shown in (written only when it changed:
        thousands of pages connecting write nothing when their language stays the same)."""
        if self.db.execute("SELECT 1 FROM participants WHERE event_id = ? AND id = ? AND page_locale = ?",
                           [event_id, pid, code]).fetchone():  # fmt: skip
            return
        with self.write() as db:
            db.execute("UPDATE participants SET page_locale = ? WHERE event_id = ? AND id = ?", [code, event_id, pid])

    def page_languages(self, event_id: str) -> dict[str, str]:
        """Participant id -> the language their page was last shown in (only those seen)."""
        return dict(self.db.execute("SELECT id, page_locale FROM participants WHERE event_id = ? AND page_locale != ''",
                                    [event_id]).fetchall())  # fmt: skip

    def renew_token(self, event_id: str, pid: str, actor: str) -> str:
        """Revoke a participant's link and return the new one's token."""
        token = secrets.token_urlsafe(24)
        with self.write() as db:
            cur = db.execute("UPDATE participants SET token = ? WHERE event_id = ? AND id = ?",
                             [token, event_id, pid])  # fmt: skip
            if cur.rowcount != 1:
                raise NotFound(f"no participant {pid!r} in event {event_id!r}")
            self.audit(event_id, "renew_token", actor=actor, detail={"participant": pid})
        return token

    def update_participant(self, event_id: str, p: Participant, actor: str) -> None:
        """Replace one participant's profile (already validated) in one transaction."""
        with self.write() as db:
            row = participant_row(event_id, p, "", 0)
            for key in ("token", "position", "event_id", "id"):
                row.pop(key)
            cols = ", ".join(f"{k} = ?" for k in row)
            cur = db.execute(f"UPDATE participants SET {cols} WHERE event_id = ? AND id = ?",
                             [*row.values(), event_id, p.id])  # fmt: skip
            if cur.rowcount != 1:
                raise NotFound(f"no participant {p.id!r} in event {event_id!r}")
            self.audit(event_id, "profile", actor=actor, detail={"participant": p.id})

    def change_profile(self, event_id: str, p: Participant, *, actor: str, keep: list[str], release: list[str],
                       now: datetime | None = None) -> None:
        """Save ``p``'s profile and decide its meetings that fall outside the new hours, in one
        transaction: ``keep`` ones are locked in place (no repair moves or cancels them: the
        participant said they will make it), ``release`` ones are cancelled (SEQUENCE + 1)."""
        now = now or datetime.now(UTC)
        with self.write() as db:
            self.update_participant(event_id, p, actor)
            if keep:
                marks = ",".join("?" * len(keep))
                db.execute(f"UPDATE meetings SET locked = 1 WHERE event_id = ? AND id IN ({marks})", [event_id, *keep])
                self.audit(event_id, "keep_meetings", actor=actor, now=now,
                           detail={"participant": p.id, "kept": keep, "why": "kept outside the new availability"})
            if release:
                self.cancel_meetings(event_id, release, actor=actor, now=now,
                                     why=Message(N_("{name} is no longer available then"), name=p.name))
