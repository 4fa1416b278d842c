"""Answers as a table (one row per answer, one column per question) for the organiser's CSV.

This is personal data: only organisers download it (the console and the command line check).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping

from scheduler.domain.model import Participant
from scheduler.surveys.model import Answer, Survey

FIXED = ("participant_id", "participant", "kind", "country", "meeting_id", "wave", "version", "answered_at", "updated_at")


def answer_rows(survey: Survey, answers: Iterable[Answer], people: Mapping[str, Participant]) -> list[list[str]]:
    """Header then one row per answer: who, which meeting and wave, then each question's value
    (a multiple choice as option ids joined by ``;``; a question the answer lacks stays empty).
    Questions of older versions that the current one dropped get their own columns at the end."""
    answers = [a for a in answers if a.survey_id == survey.id]
    qids = [q.id for q in survey.questions]
    qids += sorted({k for a in answers for k in a.values} - set(qids))
    rows = [[*FIXED, *qids]]
    for a in answers:
        p = people.get(a.participant_id)
        updated = a.extra.get("updated_at", a.answered_at)
        rows.append([a.participant_id, p.name if p else "", p.kind if p else "", p.country if p else "",
                     a.meeting_id, a.wave, str(a.version), a.answered_at.isoformat(), updated.isoformat(),
                     *(_cell(a.values.get(q)) for q in qids)])  # fmt: skip
    return rows


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, tuple | list):
        return ";".join(map(str, value))
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text  # no formula runs in a spreadsheet


def answers_csv(survey: Survey, answers: Iterable[Answer], people: Mapping[str, Participant]) -> str:
    """The rows of :func:`answer_rows` as CSV text (UTF-8 with BOM when written, for Excel)."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(answer_rows(survey, answers, people))
    return buf.getvalue()
