"""Sessions as people name them: the restriction of a request to some of the event's sessions.

A request may name the sessions its meeting may take place in (``Request.sessions``:
indices into ``Event.sessions``, in the order the event lists them). People write a
session as its number counted from 1 (``2``), its window as the event writes it
(``2027-03-26 14:00-18:00``), its date and start (``2027-03-26 14:00``), a date alone
(every session of that date) or a part of the day (``morning``: every session starting
before 12:00; ``afternoon``: from 12:00 to 18:00; ``evening``: from 18:00), several
separated by ``;`` (or ``,``, which no reference holds). Files write the numbers (``1;3``). Reasons and pages describe them
in words: "the afternoon session of 26 March".

The slot grid numbers sessions in time order (``Slot.session``); :func:`grid_sessions`
maps those numbers to the event's own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import time

from scheduler.domain.errors import Message as Words
from scheduler.domain.language import N_
from scheduler.domain.messages import Day, Message
from scheduler.domain.model import END_OF_DAY, Event, Session, Slot

#: parts of the day by the hour a session starts: [from, to)
PARTS = {"morning": (time(0, 0), time(12, 0)), "afternoon": (time(12, 0), time(18, 0)),
         "evening": (time(18, 0), END_OF_DAY)}  # fmt: skip

_DATE = r"(\d{4}-\d{2}-\d{2})"
_TIME = r"(\d{2}:\d{2})"
_DASHES = re.compile("[\u2010-\u2015\u2212]")
_WINDOW = re.compile(rf"^{_DATE}\s+{_TIME}\s*-\s*{_TIME}$")
_START = re.compile(rf"^{_DATE}\s+{_TIME}$")
_DAY = re.compile(rf"^{_DATE}$")

FORMS = "a session number, a date, a date and start time (YYYY-MM-DD HH:MM) or morning / afternoon / evening"


class UnknownSession(ValueError):
    """A reference that names no session of the event; ``words`` say so in any language (``str()``: English)."""

    def __init__(self, words: Words):
        self.words = words
        super().__init__(str(words))


def _not_a_session(ref: object) -> UnknownSession:
    return UnknownSession(Words.of(N_("{ref} is not a session: write a session number, a date, a date and start "
                                        "time (YYYY-MM-DD HH:MM) or morning / afternoon / evening"), ref=repr(ref)))


def _clock(t: time) -> str:
    return "24:00" if t == END_OF_DAY else f"{t:%H:%M}"


def window_text(s: Session) -> str:
    """A session as the event document writes it: ``2027-03-26 14:00-18:00``."""
    return f"{s.date.isoformat()} {_clock(s.start)}-{_clock(s.end)}"


def catalogue(event: Event, most: int = 12) -> str:
    """The event's sessions numbered as people write them: ``1 = 2027-03-26 09:00-13:00, 2 = ...``
    (the first ``most`` of them, then how many more)."""
    text = ", ".join(f"{i + 1} = {window_text(s)}" for i, s in enumerate(event.sessions[:most]))
    more = len(event.sessions) - most
    return text + (f" and {more} more" if more > 0 else "")


def _part(s: Session) -> str:
    return next(name for name, (lo, hi) in PARTS.items() if lo <= s.start < hi)


def _one(event: Event, ref: object) -> list[int]:
    """The indices of the sessions ``ref`` names; :class:`UnknownSession` (a ValueError) when it names none."""
    n = len(event.sessions)
    if isinstance(ref, bool) or not isinstance(ref, int | str):
        raise _not_a_session(ref)
    text = ref if isinstance(ref, int) else _DASHES.sub("-", ref.strip())
    if isinstance(text, int) or text.isdigit():
        k = int(text)
        if not 1 <= k <= n:
            raise UnknownSession(Words.ngettext("{ref} is not a session of the event, which has {n} session: {sessions}",
                                                  "{ref} is not a session of the event, which has {n} sessions: {sessions}",
                                                  n, ref=repr(ref), sessions=catalogue(event)))
        return [k - 1]
    found: list[int]
    if text.lower() in PARTS:
        found = [i for i, s in enumerate(event.sessions) if _part(s) == text.lower()]
    elif m := _WINDOW.match(text):
        found = [i for i, s in enumerate(event.sessions)
                 if (s.date.isoformat(), _clock(s.start), _clock(s.end)) == m.groups()]  # fmt: skip
    elif m := _START.match(text):
        found = [i for i, s in enumerate(event.sessions) if (s.date.isoformat(), _clock(s.start)) == m.groups()]
    elif m := _DAY.match(text):
        found = [i for i, s in enumerate(event.sessions) if s.date.isoformat() == m.group(1)]
    else:
        raise _not_a_session(ref)
    if not found:
        raise UnknownSession(Words.of(N_("{ref} names no session of the event; its sessions are {sessions}"),
                                        ref=repr(ref), sessions=catalogue(event)))
    return found


def parse_sessions(event: Event, value: object) -> tuple[int, ...]:
    """Read the sessions a request names: a list of references, or one text of references
    separated by ``;`` or ``,`` (``1;3``, ``2027-03-26 14:00``, ``afternoon``); empty means any session.

    Returns indices into ``event.sessions``, sorted, without repeats. Raises :class:`UnknownSession`
    (a ValueError) saying which reference names no session, and listing the event's sessions.
    """
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        refs: Sequence[object] = [part.strip() for part in re.split(r"[;,]", value) if part.strip()]
    elif isinstance(value, list | tuple):
        refs = value
    else:
        refs = [value]
    found: set[int] = set()
    for ref in refs:
        found.update(_one(event, ref))
    return tuple(sorted(found))


def format_sessions(sessions: Iterable[int]) -> str:
    """The sessions as a spreadsheet cell holds them: numbers from 1 separated by ``;`` (``1;3``)."""
    return ";".join(str(i + 1) for i in sessions)


#: a session's name in a label, by its part of the day (else its window): "afternoon of 26 March"
_OF_DAY = {"morning": N_("morning of {day}"), "afternoon": N_("afternoon of {day}"), "evening": N_("evening of {day}"),
           "": N_("{window} of {day}")}  # fmt: skip
#: a session's name in a sentence: "the afternoon session of 26 March"
_SESSION_OF_DAY = {"morning": N_("the morning session of {day}"), "afternoon": N_("the afternoon session of {day}"),
                   "evening": N_("the evening session of {day}"), "": N_("the {window} session of {day}")}  # fmt: skip
_PART_WORDS = {"morning": N_("morning"), "afternoon": N_("afternoon"), "evening": N_("evening")}


def _name(event: Event, i: int, day: bool = True, sentence: bool = False) -> Message:
    """``afternoon`` (``14:00-18:00`` when its date has two afternoon sessions), then ``of 26 March``
    (with ``day``); ``sentence``: "the afternoon session of 26 March"."""
    if not 0 <= i < len(event.sessions):
        return Message(N_("session {number} (no longer in the event)"), number=i + 1)
    s = event.sessions[i]
    same = [t for t in event.sessions if t.date == s.date and _part(t) == _part(s)]
    part = _part(s) if len(same) == 1 else ""
    window = f"{_clock(s.start)}-{_clock(s.end)}"
    if not day:
        return Message(_PART_WORDS[part]) if part else Message("{window}", window=window)
    the_day = Day(s.date, year=len({t.date.year for t in event.sessions}) > 1)
    return Message((_SESSION_OF_DAY if sentence else _OF_DAY)[part], day=the_day, **({} if part else {"window": window}))


def _either(names: list[Message]) -> Message:
    """``a``, ``a or b``, ``a, b or c``."""
    if len(names) == 1:
        return names[0]
    return Message(N_("{some} or {last}"), some=tuple(names[:-1]), last=names[-1])


def describe(event: Event, sessions: Iterable[int]) -> Message:
    """The sessions in words for a sentence: ``the afternoon session of 26 March``, ``the morning
    session of 26 March or the afternoon session of 29 March``; ``no session`` when empty.
    A :class:`~scheduler.domain.messages.Message`: English as a str, any language by ``say``."""
    names = [_name(event, i, sentence=True) for i in sessions]
    return _either(names) if names else Message(N_("no session"))


def short(event: Event, sessions: Iterable[int]) -> Message:
    """The sessions in a few words for a label: ``afternoon`` on a one-day event,
    ``afternoon of 26 March`` otherwise; several joined by ``or`` (a Message, as :func:`describe`)."""
    one_day = len({s.date for s in event.sessions}) == 1
    names = [_name(event, i, day=not one_day) for i in sessions]
    return _ors(names) if names else Message("{nothing}", nothing="")


def _ors(names: list[Message]) -> Message:
    """``a or b or c`` (a label's several sessions)."""
    out = names[0]  # "or" joins two at a time, so each language says its own word for it
    for n in names[1:]:
        out = Message(N_("{first} or {second}"), first=out, second=n)
    return out


def grid_sessions(event: Event) -> tuple[int, ...]:
    """For each session of the slot grid (``Slot.session``, time order), its index in ``event.sessions``."""
    return tuple(sorted(range(len(event.sessions)), key=lambda i: (event.sessions[i].date, event.sessions[i].start)))


def slots_in(event: Event, slots: Iterable[Slot], sessions: Iterable[int]) -> frozenset[int]:
    """The indices of the ``slots`` that lie in the given sessions (indices into ``event.sessions``)."""
    wanted = set(sessions)
    order = grid_sessions(event)
    return frozenset(s.index for s in slots if order[s.session] in wanted)


def session_of(event: Event, slot: Slot) -> int:
    """The index in ``event.sessions`` of the session ``slot`` belongs to."""
    return grid_sessions(event)[slot.session]
