"""Read the event document: JSON text or a decoded document in, domain objects out.

Field names follow ``docs/format.md``. Validation runs record by record with
pydantic (:mod:`.inputs`, :mod:`.records`), then across records (duplicates,
references, kinds, sessions), and collects every problem before raising one
:class:`InvalidInput`, each problem named by record and field:
``participants[12].timezone: 'Europe/Pariss' is not an IANA time zone``.
Writing the document out is :mod:`.writer`; files and tables are :mod:`.sheets`;
the schedule document is :mod:`.schedules`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import time
from typing import Any

from scheduler.domain import limits as L
from scheduler.domain.errors import InvalidInput, Problem
from scheduler.domain.language import N_
from scheduler.domain.model import (
    END_OF_DAY,
    Event,
    EventData,
    Participant,
    Request,
    Session,
    Window,
)
from scheduler.domain.sessions import parse_sessions
from scheduler.domain.timegrid import wall_time_problem
from scheduler.files.inputs import EventIn, ParticipantIn, RequestIn
from scheduler.files.records import validate_record
from scheduler.files.spreadsheets import unknown_name_problems

Labeller = Callable[[str, int], str]


def _json_label(section: str, i: int) -> str:
    return f"{section}[{i}]"


SECTIONS = ("event", "participants", "requests")


def parse_event_document(doc: Any, source: str = "", label: Labeller = _json_label,
                         checked: tuple[str, ...] = SECTIONS) -> EventData:
    """Validate an event document (already decoded JSON) and return it as domain objects.

    Raises InvalidInput listing every problem, each named by record and field.
    Keys of the ``checked`` sections that are unknown but close to a known
    name are problems too (the CSV reader checks its header itself).
    """
    problems: list[Problem] = []
    if not isinstance(doc, Mapping):
        raise InvalidInput([Problem.of("", N_("the document must be a JSON object"))], source)
    names = unknown_name_problems([k for k in doc if isinstance(k, str)], SECTIONS, "", "section")
    for key, kind in (("event", Mapping), ("participants", list), ("requests", list)):
        if key not in doc:
            if key != "requests":
                problems.append(Problem.of(key, N_("required section is missing")))
        elif not isinstance(doc[key], kind):
            problems.append(Problem.of(key, N_("must be an object") if kind is Mapping else N_("must be a list")))
    for key, bound in (("participants", L.PARTICIPANTS_MAX), ("requests", L.REQUESTS_MAX)):
        if len(doc.get(key, ())) > bound:  # refused before reading millions of records one by one
            problems.append(Problem.of(key, L.at_most(bound, len(doc[key]), "records")))
    if problems:
        raise InvalidInput(names + problems, source)
    problems.extend(names)

    ev = validate_record(EventIn, "event", doc["event"], problems, "event" in checked)
    parts = [
        validate_record(ParticipantIn, label("participants", i), raw, problems, "participants" in checked)
        for i, raw in enumerate(doc["participants"])
    ]
    reqs = [
        validate_record(RequestIn, label("requests", i), raw, problems, "requests" in checked)
        for i, raw in enumerate(doc.get("requests", []))
    ]

    if ev is not None:
        _check_sessions(ev, problems)
    for i, p in enumerate(parts):
        if p is not None:
            _check_windows(p, label("participants", i), problems)
    # References are checked against every id written, even on a record that
    # failed validation, so one bad participant does not cascade into errors
    # on each of its requests.
    written: set[str] = set()
    for i, raw in enumerate(doc["participants"]):
        pid = raw.get("id") if isinstance(raw, Mapping) else None
        if isinstance(pid, str):
            if pid in written:
                problems.append(Problem.of(f"{label('participants', i)}.id", N_("duplicate participant id {id}"),
                                           id=repr(pid)))
            written.add(pid)
    kinds: dict[str, str] = {}
    for p in parts:
        if p is not None:
            kinds.setdefault(p.id, p.kind)
    same_kind_ok = ev is not None and ev.allow_same_kind
    event = _event(ev) if ev is not None else None
    restricted: dict[int, tuple[int, ...]] = {}
    seen: set[tuple[str, str]] = set()
    for i, r in enumerate(reqs):
        if r is None:
            continue
        where = label("requests", i)
        if r.sessions and event is not None:
            try:
                restricted[i] = parse_sessions(event, r.sessions)
            except ValueError as exc:
                problems.append(Problem.of(f"{where}.sessions", getattr(exc, "words", None) or str(exc)))
        for field_name, pid in (("from", r.sender), ("to", r.receiver)):
            if pid not in written:
                problems.append(Problem.of(f"{where}.{field_name}", N_("unknown participant {id}"), id=repr(pid)))
        if r.sender == r.receiver:
            problems.append(Problem.of(f"{where}.to", N_("{id} cannot request a meeting with itself"),
                                       id=repr(r.sender)))
        elif (r.sender, r.receiver) in seen:
            problems.append(Problem.of(where, N_("duplicate request from {sender} to {receiver}"),
                                       sender=repr(r.sender), receiver=repr(r.receiver)))
        elif (
            not same_kind_ok
            and r.sender in kinds
            and r.receiver in kinds
            and kinds[r.sender] == kinds[r.receiver]
        ):
            problems.append(Problem.of(
                f"{where}.to", N_("{sender} and {receiver} are both {kind} SMEs; the event does not allow same-kind meetings"),
                sender=repr(r.sender), receiver=repr(r.receiver), kind=kinds[r.sender]))
        seen.add((r.sender, r.receiver))
    if problems:
        raise InvalidInput(problems, source)
    return EventData(
        event=event,
        participants=tuple(_participant(p) for p in parts),
        requests=tuple(_request(r, restricted.get(i, ())) for i, r in enumerate(reqs)),
    )


def _check_sessions(ev: EventIn, problems: list[Problem]) -> None:
    spans = sorted((s.date, s.start, s.end, i) for i, s in enumerate(ev.sessions))
    days = (spans[-1][0] - spans[0][0]).days
    if days > L.EVENT_SPAN_DAYS_MAX:
        problems.append(Problem.of("event.sessions", N_("the first and last session are {days} days apart; at most {most}"),
                                   days=days, most=L.EVENT_SPAN_DAYS_MAX))
    slots = 0
    for (d1, _s1, e1, _i), (d2, s2, _e2, j) in zip(spans, spans[1:], strict=False):
        if d1 == d2 and s2 < e1:
            problems.append(Problem.of(f"event.sessions[{j}]", N_("overlaps another session on the same date")))
    for i, s in enumerate(ev.sessions):
        if s.end > s.start:
            minutes = (
                (24 * 60 if s.end == END_OF_DAY else s.end.hour * 60 + s.end.minute)
                - (s.start.hour * 60 + s.start.minute)
            )
            slots += (minutes + ev.gap_minutes) // (ev.slot_minutes + ev.gap_minutes)
            if minutes < ev.slot_minutes:
                problems.append(Problem.of(f"event.sessions[{i}]", N_("shorter than one slot of {minutes} minutes"),
                                           minutes=ev.slot_minutes))
        _wall_times(f"event.sessions[{i}]", s, ev.timezone, problems)
    if slots > L.SLOTS_MAX:
        problems.append(Problem.of("event.sessions", N_("{slots} slots in all; at most {most}"), slots=slots,
                                   most=L.SLOTS_MAX))


def _wall_times(where: str, w: Any, tz: str, problems: list[Problem]) -> None:
    """Refuse a window bound that does not exist, or exists twice, on its date in ``tz``."""
    for name in ("start", "end"):
        why = wall_time_problem(w.date, getattr(w, name), tz)
        if why:
            problems.append(Problem.of(f"{where}.{name}", why))


def _check_windows(p: ParticipantIn, where: str, problems: list[Problem]) -> None:
    for j, w in enumerate(p.available or ()):
        _wall_times(f"{where}.available[{j}]", w, p.timezone, problems)


def _event(ev: EventIn) -> Event:
    return Event(
        id=ev.id,
        name=ev.name,
        timezone=ev.timezone,
        slot_minutes=ev.slot_minutes,
        gap_minutes=ev.gap_minutes,
        sessions=tuple(Session(s.date, s.start, s.end) for s in ev.sessions),
        rooms=ev.rooms,
        max_meetings=ev.max_meetings,
        video_url_template=ev.video_url_template,
        allow_same_kind=ev.allow_same_kind,
        request_policy=ev.request_policy,
        request_ttl_hours=ev.request_ttl_hours,
        extra=dict(ev.model_extra or {}),
    )


def _participant(p: ParticipantIn) -> Participant:
    wh = p.working_hours
    return Participant(
        id=p.id,
        name=p.name,
        kind=p.kind,
        timezone=p.timezone,
        working_hours=(wh.start, wh.end) if wh else (time(8, 0), time(18, 0)),
        available=(
            None if p.available is None else tuple(Window(w.date, w.start, w.end) for w in p.available)
        ),
        max_meetings=p.max_meetings,
        cluster=p.cluster,
        country=p.country,
        contact=p.contact,
        email=p.email,
        sectors=tuple(p.sectors),
        needs=tuple(p.needs),
        offers=tuple(p.offers),
        languages=tuple(p.languages),
        description=p.description,
        extra=dict(p.model_extra or {}),
        locale=p.locale,
    )


def _request(r: RequestIn, sessions: tuple[int, ...]) -> Request:
    return Request(r.sender, r.receiver, r.priority, r.status, extra=dict(r.model_extra or {}), sessions=sessions)



def parse_event_json(text: str, source: str = "") -> EventData:
    """Parse and validate JSON text holding an event document."""
    return parse_event_document(load_json(text, source), source)


#: How deep objects and lists may nest in an event document (a real one needs 4).
JSON_DEPTH_MAX = 32


def load_json(text: str, source: str = "") -> Any:
    """Parse JSON text, refusing invalid JSON and nesting deeper than :data:`JSON_DEPTH_MAX`
    with :class:`InvalidInput` (never a ``RecursionError``)."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            [Problem.of(f"line {exc.lineno} column {exc.colno}", N_("not valid JSON: {reason}"), reason=exc.msg)], source
        ) from None
    except RecursionError:
        doc, deep = None, True
    else:
        deep = _depth(doc) > JSON_DEPTH_MAX
    if deep:
        raise InvalidInput([Problem.of("", N_("objects and lists nest more than {most} levels deep; "
                                              "an event document needs only a few"), most=JSON_DEPTH_MAX)], source)
    return doc


def _depth(doc: Any) -> int:
    """How deep lists and objects nest in ``doc`` (without recursion)."""
    deepest, todo = 0, [(doc, 1)]
    while todo:
        value, level = todo.pop()
        if isinstance(value, dict | list):
            deepest = max(deepest, level)
            if level <= JSON_DEPTH_MAX:
                todo.extend((v, level + 1) for v in (value.values() if isinstance(value, dict) else value))
    return deepest



def parse_participant(raw: Mapping[str, Any], label: str = "participant") -> Participant:
    """Validate one participant record (a profile edit); raise InvalidInput naming each field."""
    problems: list[Problem] = []
    p = validate_record(ParticipantIn, label, raw, problems)
    if p is not None:
        _check_windows(p, label, problems)
    if problems:
        raise InvalidInput(problems)
    return _participant(p)

