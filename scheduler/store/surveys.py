"""Pilot surveys: owns the ``surveys``, ``survey_answers`` and ``survey_rounds`` tables.

A survey version is written once and never changed (an edit stores the next version); the
built-in surveys (:data:`scheduler.surveys.builtin.BUILTIN`) are what an event uses until the
organiser stores a version of its own under the same id. An answer is one row per participant,
survey, meeting and wave, replaced when the participant answers again, with an audit record.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from scheduler.domain.errors import InvalidInput, NotFound
from scheduler.store.connection import Connection
from scheduler.store.rows import from_iso, to_iso
from scheduler.surveys.builtin import BUILTIN
from scheduler.surveys.model import Answer, Survey, check_survey, survey_from_dict, survey_to_dict
from scheduler.surveys.rounds import waves


def _answer(r: Mapping[str, Any]) -> Answer:
    values = {k: tuple(v) if isinstance(v, list) else v for k, v in json.loads(r["answers"]).items()}
    return Answer(r["event_id"], r["survey_id"], r["version"], r["participant_id"], values,
                  from_iso(r["answered_at"]), meeting_id=r["meeting_id"], wave=r["wave"],
                  extra={"updated_at": from_iso(r["updated_at"])})  # fmt: skip


class Surveys(Connection):
    """Survey versions per event, answers, and the rounds of invitations."""

    def surveys(self, event_id: str) -> dict[str, Survey]:
        """The current version of every survey of the event: built-in ones unless replaced."""
        out = dict(BUILTIN)
        rows = self.db.execute(
            "SELECT doc FROM surveys s WHERE event_id = ? AND version ="
            " (SELECT max(version) FROM surveys t WHERE t.event_id = s.event_id AND t.id = s.id) ORDER BY id",
            [event_id]).fetchall()  # fmt: skip
        for (doc,) in rows:
            survey = survey_from_dict(json.loads(doc))
            out[survey.id] = survey
        return out

    def survey(self, event_id: str, survey_id: str, version: int | None = None) -> Survey:
        """One survey of the event, the current version unless ``version`` is given.

        Raises:
            NotFound: no such survey (or version) in the event.
        """
        if version is None:
            found = self.surveys(event_id).get(survey_id)
            if found is None:
                raise NotFound(f"survey {survey_id!r} not found in event {event_id!r}")
            return found
        row = self.db.execute("SELECT doc FROM surveys WHERE event_id = ? AND id = ? AND version = ?",
                              [event_id, survey_id, version]).fetchone()  # fmt: skip
        if row:
            return survey_from_dict(json.loads(row[0]))
        builtin = BUILTIN.get(survey_id)
        if builtin is not None and builtin.version == version:
            return builtin
        raise NotFound(f"survey {survey_id!r} has no version {version} in event {event_id!r}")

    def save_survey(self, event_id: str, survey: Survey, *, actor: str, now: datetime | None = None) -> Survey:
        """Store ``survey`` as the next version of its id in the event (one transaction, audited).

        Returns the survey as stored (its ``version`` is the next free one, whatever was passed).

        Raises:
            InvalidInput: the survey is not valid (:func:`check_survey`) or changes the kind of an
                existing id; NotFound: unknown event.
        """
        now = now or datetime.now(UTC)
        check_survey(survey)
        with self.write() as db:
            self.event(event_id)
            current = self.surveys(event_id).get(survey.id)
            if current is not None and current.kind != survey.kind:
                raise InvalidInput(f"survey.kind: {survey.id!r} is a {current.kind} survey; use a new id for a "
                                   f"{survey.kind} survey")  # fmt: skip
            stored = db.execute("SELECT max(version) FROM surveys WHERE event_id = ? AND id = ?",
                                [event_id, survey.id]).fetchone()[0]  # fmt: skip
            version = max(stored or 0, current.version if current else 0) + 1
            doc = {**survey_to_dict(survey), "version": version}
            db["surveys"].insert({"event_id": event_id, "id": survey.id, "version": version, "kind": survey.kind,
                                  "doc": json.dumps(doc, ensure_ascii=False), "created_at": to_iso(now),
                                  "created_by": actor})  # fmt: skip
            self.audit(event_id, "survey_saved", actor=actor, now=now, detail={"survey": survey.id, "version": version})
            return survey_from_dict(doc)

    def save_answer(self, answer: Answer, *, actor: str) -> None:
        """Store one participant's (checked) answers, replacing their earlier ones for the same
        survey, meeting and wave; one transaction with an audit record (ids only, no answers)."""
        self.save_answers([answer], actor=actor)

    def save_answers(self, answers: list[Answer], *, actor: str) -> None:
        """Store several answers (e.g. one page rating several meetings) in one transaction, each
        as :meth:`save_answer` does."""
        with self.write():
            for answer in answers:
                self._save_answer(answer, actor)

    def _save_answer(self, answer: Answer, actor: str) -> None:
        values = {k: list(v) if isinstance(v, tuple) else v for k, v in answer.values.items()}
        at = to_iso(answer.answered_at)
        with self.write() as db:
            db.execute(
                "INSERT INTO survey_answers (event_id, survey_id, version, participant_id, meeting_id, wave,"
                " answers, answered_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (event_id, survey_id, participant_id, meeting_id, wave) DO UPDATE SET"
                " version = excluded.version, answers = excluded.answers, updated_at = excluded.updated_at",
                [answer.event_id, answer.survey_id, answer.version, answer.participant_id, answer.meeting_id,
                 answer.wave, json.dumps(values, ensure_ascii=False), at, at])  # fmt: skip
            self.audit(answer.event_id, "survey_answered", actor=actor, now=answer.answered_at,
                       detail={"survey": answer.survey_id, "participant": answer.participant_id,
                               "meeting": answer.meeting_id, "wave": answer.wave})  # fmt: skip

    def answers(self, event_id: str, survey_id: str | None = None, participant_id: str | None = None) -> list[Answer]:
        """Answers of the event, oldest first, optionally of one survey and / or one participant."""
        where, args = "event_id = ?", [event_id]
        if survey_id is not None:
            where, args = where + " AND survey_id = ?", [*args, survey_id]
        if participant_id is not None:
            where, args = where + " AND participant_id = ?", [*args, participant_id]
        return [_answer(r) for r in self.db["survey_answers"].rows_where(where, args, order_by="id")]

    def answered(self, event_id: str, survey_id: str, wave: str = "") -> set[tuple[str, str]]:
        """(participant, meeting) pairs that answered ``survey_id`` in ``wave`` (meeting ``''`` when
        the survey is not per meeting)."""
        rows = self.db.execute("SELECT participant_id, meeting_id FROM survey_answers WHERE event_id = ?"
                               " AND survey_id = ? AND wave = ?", [event_id, survey_id, wave])  # fmt: skip
        return {(p, m) for p, m in rows.fetchall()}

    def set_round(self, event_id: str, survey_id: str, send_at: datetime, reminders: list[datetime], *,
                  wave: str = "", actor: str, now: datetime | None = None) -> None:
        """Plan (or re-plan) when a survey's invitations (``send_at``) and reminders go out; aware UTC.

        Raises:
            InvalidInput: a naive time, a reminder not after ``send_at``, or a wave the survey is not
                sent in (``m3`` / ``m6`` for a follow-up, ``''`` otherwise); NotFound: unknown survey.
        """
        now = now or datetime.now(UTC)
        if send_at.tzinfo is None or any(r.tzinfo is None for r in reminders):
            raise InvalidInput("survey round: times must carry a time zone")
        if any(r <= send_at for r in reminders):
            raise InvalidInput("survey round.reminders: each reminder must come after the invitation")
        with self.write() as db:
            survey = self.survey(event_id, survey_id)
            if wave not in waves(survey):
                named = " or ".join(repr(w) for w in waves(survey) if w) or "no wave (leave it empty)"
                raise InvalidInput(f"survey round.wave: {survey_id} ({survey.kind}) is sent in {named}, not {wave!r}")
            db["survey_rounds"].upsert({"event_id": event_id, "survey_id": survey_id, "wave": wave,
                                        "send_at": to_iso(send_at),
                                        "reminders": json.dumps([to_iso(r) for r in sorted(reminders)]),
                                        "created_at": to_iso(now), "created_by": actor},
                                       pk=("event_id", "survey_id", "wave"))  # fmt: skip
            self.audit(event_id, "survey_round_set", actor=actor, now=now,
                       detail={"survey": survey_id, "wave": wave, "send_at": to_iso(send_at)})

    def rounds(self, event_id: str) -> list[dict[str, Any]]:
        """The planned rounds: ``survey_id``, ``wave``, ``send_at`` and ``reminders`` (aware UTC)."""
        return [{"survey_id": r["survey_id"], "wave": r["wave"], "send_at": from_iso(r["send_at"]),
                 "reminders": [from_iso(x) for x in json.loads(r["reminders"])]}
                for r in self.db["survey_rounds"].rows_where("event_id = ?", [event_id],
                                                             order_by="send_at, survey_id, wave")]  # fmt: skip
