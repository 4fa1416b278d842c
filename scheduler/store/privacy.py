"""Data protection: erasure and retention of participants' personal data (GDPR art. 17 and 5(1)(e)).

Owns the ``erasure_in_progress`` table and the ``retention_days`` and ``erased_at`` columns of
``events`` and ``participants``; what it rewrites in the other tables is listed in
``docs/privacy.md`` (the data inventory).

Erasing a person keeps a pseudonymised record (id, kind, country, cluster, sectors, needs,
offers, languages, time zone: what the funders' aggregates count) and takes out everything that
names or reaches them: name, e-mail, contact, description, availability, extra fields, the text
of the mails sent about their meetings, their free-text survey answers, and every mention of
their name, e-mail or contact in any text of the event (audit details, request history, offers,
check-ins, snapshots). Their future meetings must have been cancelled first (the edges do it
through the change pipeline, so the CANCEL reaches both calendars before the address is gone).
:meth:`Privacy.compact` then moves the bytes out of the file (WAL checkpoint and VACUUM).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from scheduler.domain.addresses import InvalidEmail, check_email
from scheduler.domain.errors import Conflict, InvalidInput, NotFound, Problem
from scheduler.domain.language import N_
from scheduler.domain.timegrid import build_slots
from scheduler.store.connection import Connection
from scheduler.store.rows import from_iso, to_iso

#: Days after an event's last session its personal data is kept, unless the organiser sets another.
DEFAULT_RETENTION_DAYS = 180
#: What an erased person's name becomes (their id is kept: meetings and aggregates refer to it).
ERASED_NAME = "Erased participant"
REDACTED = "[erased]"
#: Shorter values are not searched for in other text (a two-letter contact would blank half the audit).
MIN_SECRET = 3
LIVE = ("scheduled", "moved")


@dataclass(frozen=True)
class Erasure:
    """What one erasure did: who (``participants``), how many rows it rewrote per table, and the
    outbox rows whose text it erased (``messages``: a folder transport's .eml copies of them go too)."""

    event_id: str
    participants: tuple[str, ...]
    rewritten: dict[str, int]
    messages: tuple[int, ...] = ()


@dataclass(frozen=True)
class Retention:
    """One event's retention: its last session ends ``ends_at``; its personal data is erased at
    ``erase_at`` (``ends_at`` + ``days``); ``erased_at`` says when it was (None: not yet)."""

    event_id: str
    name: str
    days: int
    ends_at: datetime | None
    erase_at: datetime | None
    erased_at: datetime | None

    def due(self, now: datetime) -> bool:
        return self.erased_at is None and self.erase_at is not None and self.erase_at <= now


def _secrets(rows: Iterable[dict[str, Any]]) -> list[str]:
    """The strings that identify the people in ``rows``: name, e-mail (as stored and as sent),
    contact, in their own form and as JSON writes them (``\\u00eb`` for ë)."""
    found: set[str] = set()
    for r in rows:
        values = [r["name"], r["email"], r["contact"]]
        try:
            values.append(check_email(r["email"]).delivery)
        except InvalidEmail:
            pass
        for v in values:
            v = (v or "").strip()
            if len(v) >= MIN_SECRET:
                found |= {v, json.dumps(v)[1:-1]}
    return sorted(found, key=len, reverse=True)


def _names(doc: Any, pid: str) -> bool:
    """Whether a JSON document names ``pid`` (as a value anywhere in it)."""
    if isinstance(doc, dict):
        return any(_names(v, pid) for v in doc.values())
    if isinstance(doc, list):
        return any(_names(v, pid) for v in doc)
    return doc == pid


class _Scrubber:
    """Replace every mention of the secrets in a text, or in the strings inside a JSON text."""

    def __init__(self, secrets: list[str]):
        self.pattern = re.compile("|".join(re.escape(s) for s in secrets), re.IGNORECASE) if secrets else None

    def text(self, value: str) -> str:
        if self.pattern is None or not value:
            return value
        if value[:1] in "{[":
            try:
                doc = json.loads(value)
            except ValueError:
                pass
            else:
                cleaned = self._walk(doc)
                return value if cleaned == doc else json.dumps(cleaned)
        return self.pattern.sub(REDACTED, value)

    def _walk(self, doc: Any) -> Any:
        if isinstance(doc, str):
            assert self.pattern is not None
            return self.pattern.sub(REDACTED, doc)
        if isinstance(doc, list):
            return [self._walk(x) for x in doc]
        if isinstance(doc, dict):
            return {self._walk(k): self._walk(v) for k, v in doc.items()}
        return doc


class Privacy(Connection):
    """Erase participants (one by one, or a whole event when its retention ends)."""

    def participant_record(self, event_id: str, pid: str) -> dict[str, Any]:
        """The participant's stored row, removed and erased ones included; NotFound if none."""
        row = self.db.execute("SELECT * FROM participants WHERE event_id = ? AND id = ?", [event_id, pid]).fetchone()
        if row is None:
            raise NotFound(f"no participant {pid!r} in event {event_id!r}")
        cols = [d[0] for d in self.db.execute("SELECT * FROM participants LIMIT 0").description]
        return dict(zip(cols, row, strict=True))

    def future_meetings(self, event_id: str, pid: str, now: datetime) -> list[str]:
        """Ids of ``pid``'s meetings still to come (scheduled or moved, starting after ``now``)."""
        rows = self.db.execute(
            "SELECT id FROM meetings WHERE event_id = ? AND (a = ? OR b = ?) AND status IN ('scheduled', 'moved')"
            " AND start > ? ORDER BY start", [event_id, pid, pid, to_iso(now)])  # fmt: skip
        return [r[0] for r in rows.fetchall()]

    def personal_data(self, event_id: str, pid: str, now: datetime | None = None) -> dict[str, Any]:
        """Everything the file holds about one participant (GDPR art. 15), as JSON-ready data:
        ``profile`` (their row; the link token left out), ``requests`` (each with its
        ``history``), ``meetings`` (with the partner's id and name), ``checkins``, ``offers``,
        ``messages`` (the outbox rows addressed to them, without the text), ``audit`` (records
        naming them), ``survey_answers``. Nothing about anyone else but their partners' names.

        Raises NotFound for an unknown event or participant."""
        now = now or datetime.now(UTC)
        profile = self.participant_record(event_id, pid)
        profile.pop("token")
        for key in ("available", "sectors", "needs", "offers", "languages", "extra"):
            if profile.get(key):
                profile[key] = json.loads(profile[key])

        def rows(sql: str, args: list[Any]) -> list[dict[str, Any]]:
            cur = self.db.execute(sql, args)
            cols = [d[0] for d in cur.description]
            return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]

        requests = rows("SELECT sender, receiver, priority, status, origin, sessions, created_at, updated_at,"
                        " expires_at FROM requests WHERE event_id = ? AND (sender = ? OR receiver = ?)"
                        " ORDER BY position", [event_id, pid, pid])  # fmt: skip
        for r in requests:
            r["history"] = rows("SELECT at, actor, action, status FROM request_history WHERE event_id = ?"
                                " AND sender = ? AND receiver = ? ORDER BY id", [event_id, r["sender"], r["receiver"]])
        meetings = rows("SELECT m.id, m.start, m.end, m.room, m.status, m.version,"
                        " CASE WHEN m.a = ? THEN m.b ELSE m.a END AS partner, p.name AS partner_name"
                        " FROM meetings m JOIN participants p ON p.event_id = m.event_id"
                        " AND p.id = CASE WHEN m.a = ? THEN m.b ELSE m.a END"
                        " WHERE m.event_id = ? AND (m.a = ? OR m.b = ?) ORDER BY m.start",
                        [pid, pid, event_id, pid, pid])  # fmt: skip
        audit = [r for r in rows("SELECT id, at, actor, action, detail FROM audit WHERE event_id = ? ORDER BY id",
                                 [event_id]) if r["actor"] == pid or _names(json.loads(r["detail"]), pid)]
        for r in audit:
            r["detail"] = json.loads(r["detail"])
        answers = rows("SELECT survey_id, version, meeting_id, wave, answers, answered_at, updated_at"
                       " FROM survey_answers WHERE event_id = ? AND participant_id = ? ORDER BY id", [event_id, pid])
        for r in answers:
            r["answers"] = json.loads(r["answers"])
        return {
            "about": {"event": event_id, "participant": pid, "exported_at": to_iso(now),
                      "format": "Entente personal data export, version 1 (docs/privacy.md)"},
            "profile": profile,
            "requests": requests,
            "meetings": meetings,
            "checkins": rows("SELECT at, by FROM checkins WHERE event_id = ? AND participant_id = ?", [event_id, pid]),
            "offers": rows("SELECT id, slot_start, slot_end, a, b, room, status, a_answer, b_answer, meeting_id,"
                           " created_at, updated_at FROM offers WHERE event_id = ? AND (a = ? OR b = ?) ORDER BY id",
                           [event_id, pid, pid]),
            "messages": rows("SELECT id, kind, meeting_id, method, sequence, recipient, subject, status, attempts,"
                             " created_at, sent_at FROM outbox WHERE event_id = ? AND participant_id = ? ORDER BY id",
                             [event_id, pid]),
            "audit": audit,
            "survey_answers": answers,
        }  # fmt: skip

    def erased_link(self, token: str) -> bool:
        """Whether ``token`` was the personal link of a participant whose data was erased."""
        return bool(token) and self.db.execute(
            "SELECT 1 FROM participants WHERE token = ? AND erased_at IS NOT NULL", [token]).fetchone() is not None

    def erase_participants(self, event_id: str, pids: list[str], *, actor: str, now: datetime | None = None,
                           drop_unsent: bool = False) -> Erasure:
        """Erase the personal data of ``pids`` in one transaction (see the module); already erased
        ones are skipped. Call :meth:`compact` afterwards to move the bytes out of the file.

        Raises:
            NotFound: an id is no participant of the event.
            Conflict: one of them still has meetings to come (cancel them first, so the CANCEL
                reaches the calendars), or mail about them still waits to be sent (deliver it
                first) unless ``drop_unsent`` (then it is marked failed and never sent).
        """
        now = now or datetime.now(UTC)
        with self.write() as db:
            rows = [self.participant_record(event_id, pid) for pid in pids]
            rows = [r for r in rows if r["erased_at"] is None]
            ids = [r["id"] for r in rows]
            if not ids:
                return Erasure(event_id, (), {})
            for r in rows:
                if future := self.future_meetings(event_id, r["id"], now):
                    raise Conflict(f"{r['name']} ({r['id']}) still has {len(future)} meetings to come: "
                                   "cancel them first, so that the partners and calendars are told")
            marks = ",".join("?" * len(ids))
            meetings = [m[0] for m in db.execute(
                f"SELECT id FROM meetings WHERE event_id = ? AND (a IN ({marks}) OR b IN ({marks}))",
                [event_id, *ids, *ids]).fetchall()]  # fmt: skip
            mmarks = ",".join("?" * len(meetings)) or "NULL"
            about = f"event_id = ? AND (participant_id IN ({marks}) OR meeting_id IN ({mmarks}))"
            args = [event_id, *ids, *meetings]
            unsent = db.execute(f"SELECT count(*) FROM outbox WHERE {about} AND status IN ('queued', 'sending')",
                                args).fetchone()[0]  # fmt: skip
            if unsent and not drop_unsent:
                raise Conflict(f"{unsent} messages about {', '.join(ids)} still wait to be sent: deliver them "
                               "first (the mail server may be down), then erase")
            db.execute("INSERT INTO erasure_in_progress (event_id, started_at) VALUES (?, ?)", [event_id, to_iso(now)])
            counts = {"participants": len(ids)}
            # before the event is over they also leave it (no longer scheduled, like a participant a
            # re-import removed); after it, they stay counted as they were, so the figures do not change
            [span] = self.retention(event_id)
            leaves = span.ends_at is None or now < span.ends_at
            db.execute(
                f"UPDATE participants SET name = ? || ' ' || id, email = '', contact = '', description = '',"
                f" extra = '{{}}', available = NULL, erased_at = ?,"
                f" removed_at = CASE WHEN ? THEN coalesce(removed_at, ?) ELSE removed_at END"
                f" WHERE event_id = ? AND id IN ({marks})",
                [ERASED_NAME, to_iso(now), int(leaves), to_iso(now), event_id, *ids])  # fmt: skip
            # the mails about their meetings (theirs and their partners'): metadata stays, the text goes
            messages = tuple(r[0] for r in db.execute(f"SELECT id FROM outbox WHERE {about} ORDER BY id", args))
            counts["outbox"] = db.execute(
                f"UPDATE outbox SET message = '', subject = ?, last_error = CASE WHEN status IN ('queued', 'sending')"
                f" THEN 'not sent: the participant was erased' ELSE last_error END,"
                f" status = CASE WHEN status IN ('queued', 'sending') THEN 'failed' ELSE status END,"
                f" recipient = CASE WHEN participant_id IN ({marks}) THEN '' ELSE recipient END WHERE {about}",
                [REDACTED, *ids, *args]).rowcount  # fmt: skip
            counts["survey_answers"] = self._erase_free_text(event_id, ids)
            scrub = _Scrubber(_secrets(rows))
            for table in ("audit", "request_history", "requests", "outbox", "snapshots", "checkins", "offers",
                          "survey_answers", "survey_rounds", "surveys"):
                counts[table] = counts.get(table, 0) + self._scrub_table(table, event_id, scrub)
            # others' free text that quotes them (a description naming a former employee, say)
            counts["participants"] += self._scrub_table("participants", event_id, scrub, ("description", "extra"))
            db.execute("DELETE FROM erasure_in_progress")
            self.audit(event_id, "erased", actor=actor, now=now,
                       detail={"participants": ids, "rewritten": {k: v for k, v in counts.items() if v}})
            return Erasure(event_id, tuple(ids), counts, messages)

    def _erase_free_text(self, event_id: str, ids: list[str]) -> int:
        """Drop the text answers of ``ids``' survey answers; choices and scales stay (aggregates)."""
        changed = 0
        marks = ",".join("?" * len(ids))
        for rowid, survey_id, version, answers in self.db.execute(
                f"SELECT rowid, survey_id, version, answers FROM survey_answers WHERE event_id = ?"
                f" AND participant_id IN ({marks})", [event_id, *ids]).fetchall():  # fmt: skip
            try:
                texts = {q.id for q in self.survey(event_id, survey_id, version).questions
                         if q.type == "text"}
            except NotFound:  # a version we no longer know: keep nothing that might be text
                texts = None
            values = json.loads(answers)
            kept = {k: v for k, v in values.items() if (k not in texts if texts is not None else not isinstance(v, str))}
            if kept != values:
                self.db.execute("UPDATE survey_answers SET answers = ? WHERE rowid = ?",
                                [json.dumps(kept, ensure_ascii=False), rowid])
                changed += 1
        return changed

    def _scrub_table(self, table: str, event_id: str, scrub: _Scrubber, only: tuple[str, ...] = ()) -> int:
        """Rewrite the text columns (``only``: these) of ``table``'s rows of the event that mention a secret."""
        cols = [c.name for c in self.db[table].columns
                if c.type.upper() == "TEXT" and c.name not in ("event_id", "token") and (not only or c.name in only)]
        changed = 0
        for row in self.db.execute(f"SELECT rowid, {', '.join(cols)} FROM {table} WHERE event_id = ?",
                                   [event_id]).fetchall():  # fmt: skip
            new = {c: scrub.text(v) for c, v in zip(cols, row[1:], strict=True) if isinstance(v, str)}
            new = {c: v for c, v in new.items() if v != row[1 + cols.index(c)]}
            if new:
                sets = ", ".join(f"{c} = ?" for c in new)
                self.db.execute(f"UPDATE {table} SET {sets} WHERE rowid = ?", [*new.values(), row[0]])
                changed += 1
        return changed

    def compact(self) -> bool:
        """Move erased bytes out of the file: checkpoint the WAL into the database, VACUUM (which
        rewrites every page), and checkpoint and truncate the WAL again. Returns False when another
        connection's open read kept the WAL from being emptied (run it again later)."""
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.db.execute("VACUUM")
        busy = self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        return busy is None or busy[0] == 0

    # ------------------------------------------------------------ retention

    def retention(self, event_id: str | None = None) -> list[Retention]:
        """Every event's retention (``event_id``: only that one's), in id order."""
        out = []
        where, args = ("WHERE id = ?", [event_id]) if event_id else ("", [])
        for eid, name, days, erased in self.db.execute(
                f"SELECT id, name, retention_days, erased_at FROM events {where} ORDER BY id", args).fetchall():
            slots = build_slots(self.event(eid))
            ends = max((s.end for s in slots), default=None)
            out.append(Retention(eid, name, int(days), ends, None if ends is None else ends + timedelta(days=days),
                                 from_iso(erased) if erased else None))  # fmt: skip
        if event_id and not out:
            raise NotFound(f"no event {event_id!r}")
        return out

    def set_retention(self, event_id: str, days: int, *, actor: str, now: datetime | None = None) -> None:
        """Keep the event's personal data ``days`` days after its last session (0 to 3650).

        Raises InvalidInput naming ``retention_days``; NotFound for an unknown event."""
        if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= 3650:
            raise InvalidInput([Problem.of("retention_days", N_("{got} is not a number of days from 0 to 3650"),
                                           got=repr(days))])
        with self.write() as db:
            [before] = self.retention(event_id)
            db.execute("UPDATE events SET retention_days = ? WHERE id = ?", [days, event_id])
            self.audit(event_id, "retention", actor=actor, now=now,
                       detail={"before": before.days, "after": days})

    def erase_event(self, event_id: str, *, actor: str, now: datetime | None = None) -> Erasure:
        """Erase every participant of the event (removed ones too) and mark the event erased, in
        one transaction; mail still unsent about them is dropped. Their links then show that the
        event's data was erased."""
        now = now or datetime.now(UTC)
        with self.write() as db:
            ids = [r[0] for r in db.execute("SELECT id FROM participants WHERE event_id = ? ORDER BY position",
                                            [event_id]).fetchall()]  # fmt: skip
            done = self.erase_participants(event_id, ids, actor=actor, now=now, drop_unsent=True)
            db.execute("UPDATE events SET erased_at = ? WHERE id = ?", [to_iso(now), event_id])
            return done

    def apply_retention(self, now: datetime | None = None, *, actor: str = "retention",
                        compact: bool = True) -> list[Erasure]:
        """Erase every event whose retention ended by ``now``; compact the file when any was
        (unless ``compact`` is False: the caller does it, see :meth:`last_erasure`)."""
        now = now or datetime.now(UTC)
        done = [self.erase_event(r.event_id, actor=actor, now=now) for r in self.retention() if r.due(now)]
        if done and compact:
            self.compact()
        return done

    def last_erasure(self) -> int:
        """The audit id of the newest ``erased`` record (0: none), so that a periodic job can
        compact the file again after an erasure whose compaction another connection blocked."""
        return int(self.db.execute("SELECT coalesce(max(id), 0) FROM audit WHERE action = 'erased'").fetchone()[0])
