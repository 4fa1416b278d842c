"""Survey rounds: who a survey concerns, who still owes answers, which message is due, and the
default dates. Pure: the store reads and writes the rounds, the outbox sends the messages.

Who a survey concerns (its *audience*), at instant ``now``:

- ``adoption``: every participant; answered once (meeting ``''``).
- ``feedback``: every participant with a meeting that ended before ``now`` and was not
  cancelled (a no-show counts: "did it take place?" is the first question); one answer per
  such meeting.
- ``followup`` (per wave, ``m3`` / ``m6``): every participant with a meeting *held*, i.e. ended
  before ``now`` with a status other than ``cancelled`` or ``no_show`` (a meeting the hosts did
  not mark stays ``scheduled`` / ``moved`` and counts as held); one answer per such meeting.

Mail goes only to those of them with an e-mail address; the others answer on their page.

A participant *owes* answers while some meeting of theirs (or, for ``adoption``, the survey
itself) has no answer in the round's wave. The invitation goes at ``send_at`` to everyone who
owes answers then (and later to whoever starts owing, e.g. after a late meeting); reminder n
goes at its time to whoever still owes answers *and* had the invitation queued before that time.
When several reminders came due at once (a server that was down), only the last one is sent.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from scheduler.domain.model import EventData, Meeting
from scheduler.domain.timegrid import build_slots, local_instant, to_local
from scheduler.surveys.model import WAVES, Survey

#: A reminder of the default rounds comes this long after the invitation (adoption, follow-up).
REMIND_AFTER = timedelta(days=7)
FEEDBACK_REMIND_AFTER = timedelta(days=1)


@dataclass(frozen=True)
class Round:
    """When one survey (and wave) is sent: the invitation at ``send_at``, then the reminders (UTC)."""

    survey_id: str
    wave: str
    send_at: datetime
    reminders: tuple[datetime, ...] = ()

    @property
    def key(self) -> str:
        """The outbox's ``meeting_id`` of this round's messages: ``survey:<survey>:<wave>``."""
        return f"survey:{self.survey_id}:{self.wave}"


def round_of(row: Mapping) -> Round:
    """A :class:`Round` from a row of ``Store.rounds``."""
    return Round(row["survey_id"], row["wave"], row["send_at"], tuple(row["reminders"]))


def waves(survey: Survey) -> tuple[str, ...]:
    """The waves a survey is sent in: ``m3`` and ``m6`` for a follow-up, else the one wave ``''``."""
    return tuple(WAVES) if survey.kind == "followup" else ("",)


def concerned(survey: Survey, m: Meeting, now: datetime) -> bool:
    """Whether meeting ``m`` is one a per-meeting ``survey`` asks about at ``now``."""
    if m.end > now or m.status == "cancelled":
        return False
    return survey.kind != "followup" or m.status != "no_show"


def audience(survey: Survey, data: EventData, meetings: Iterable[Meeting], now: datetime,
             by_mail: bool = False) -> dict[str, tuple[str, ...]]:
    """Participant id -> the meeting ids they are asked about (``('',)`` for a survey not per
    meeting), for everyone the survey concerns at ``now`` (see the module text); ``by_mail``:
    only those with an e-mail address (whom the invitations reach; the others can still answer
    on their page)."""
    people = data.by_id()
    if not survey.per_meeting:
        return {p.id: ("",) for p in data.participants if p.email or not by_mail}
    out: dict[str, list[str]] = {}
    for m in sorted(meetings, key=lambda m: (m.start, m.id)):
        if concerned(survey, m, now):
            for pid in (m.a, m.b):
                if pid in people and (people[pid].email or not by_mail):
                    out.setdefault(pid, []).append(m.id)
    return {pid: tuple(ms) for pid, ms in out.items()}


def owing(asked: Mapping[str, tuple[str, ...]], answered: set[tuple[str, str]]) -> dict[str, tuple[str, ...]]:
    """Participant id -> the meetings they have not answered about yet (only those with some left)."""
    out = {pid: tuple(m for m in ms if (pid, m) not in answered) for pid, ms in asked.items()}
    return {pid: ms for pid, ms in out.items() if ms}


def due_message(rnd: Round, now: datetime, sent: Mapping[int, datetime]) -> int | None:
    """The message of ``rnd`` due now for one participant who owes answers: ``0`` the invitation,
    ``n`` reminder n, None nothing. ``sent`` maps the sequence numbers already queued for them to
    when they were queued."""
    if now < rnd.send_at:
        return None
    if 0 not in sent:
        return 0
    invited = sent[0]
    due = [n for n, at in enumerate(rnd.reminders, 1) if at <= now and invited < at]
    if not due or any(k >= due[-1] for k in sent if k):
        return None
    return due[-1]


@dataclass(frozen=True)
class Counts:
    """Response figures of one round: ``asked`` participants, ``answered`` of them (all their
    meetings answered), ``partly`` (some), ``answers`` stored and the ``rate`` answered/asked."""

    asked: int
    answered: int
    partly: int
    answers: int

    @property
    def rate(self) -> float:
        return self.answered / self.asked if self.asked else 0.0


def counts(asked: Mapping[str, tuple[str, ...]], answered: set[tuple[str, str]]) -> Counts:
    """Response counts over ``asked`` (from :func:`audience`) given the (participant, meeting)
    pairs answered."""
    left = owing(asked, answered)
    partly = sum(1 for pid, ms in left.items() if len(ms) < len(asked[pid]))
    answers = sum(1 for pid, ms in asked.items() for m in ms if (pid, m) in answered)
    return Counts(len(asked), len(asked) - len(left), partly, answers)


def event_end(data: EventData) -> datetime:
    """The end of the event's last session (UTC)."""
    ev = data.event
    return max(local_instant(s.date, s.end, ev.timezone) for s in ev.sessions)


def add_months(instant: datetime, months: int, tz: str) -> datetime:
    """The same wall time ``months`` calendar months later in zone ``tz`` (day capped at the
    month's last day), as UTC."""
    local = to_local(instant, tz)
    y, m = divmod(local.month - 1 + months, 12)
    year, month = local.year + y, m + 1
    day = min(local.day, calendar.monthrange(year, month)[1])
    return local_instant(local.date().replace(year=year, month=month, day=day), local.time().replace(tzinfo=None), tz)


def default_rounds(surveys: Mapping[str, Survey], data: EventData, now: datetime) -> list[Round]:
    """The rounds used when the organiser sets none:

    - adoption: invitation at ``now`` (planning it is choosing to send it), a reminder 7 days
      later, or one day before the event starts when that is sooner (none when that has passed);
    - feedback: at the end of the last session, a reminder a day later;
    - followup m3 / m6: 3 and 6 calendar months after the end of the event, a reminder 7 days later.
    """
    tz = data.event.timezone
    start = min(s.start for s in build_slots(data.event))
    end = event_end(data)
    out: list[Round] = []
    for sid, survey in sorted(surveys.items()):
        if survey.kind == "adoption":
            remind = min(now + REMIND_AFTER, start - timedelta(days=1))
            out.append(Round(sid, "", now, (remind,) if remind > now else ()))
        elif survey.kind == "feedback":
            out.append(Round(sid, "", end, (end + FEEDBACK_REMIND_AFTER,)))
        else:
            for wave, months in WAVES.items():
                at = add_months(end, months, tz)
                out.append(Round(sid, wave, at, (at + REMIND_AFTER,)))
    return out


def parse_when(text: str, tz: str, what: str) -> datetime:
    """Read a date and time the organiser typed (``2027-04-01 09:00`` or ``2027-04-01T09:00``) on
    the wall clock of ``tz`` (or with its own UTC offset); return it as aware UTC.

    Raises:
        InvalidInput: naming ``what`` (e.g. "feedback, reminder 1") in plain words.
    """
    from scheduler.domain.errors import InvalidInput

    try:
        at = datetime.fromisoformat(text.strip().replace(" ", "T", 1))
    except ValueError:
        raise InvalidInput(f"{what}: {text.strip()!r} is not a date and time like 2027-04-01 09:00") from None
    if at.tzinfo is not None:
        return at.astimezone(UTC)
    return local_instant(at.date(), at.time(), tz)
