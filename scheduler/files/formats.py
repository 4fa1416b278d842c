"""Read and write the interchange formats (JSON event and schedule documents, CSV).

Field names follow ``docs/format.md``. Validation runs record by
record with pydantic, then across records (duplicates, references, kinds), and
collects every problem before raising one :class:`InvalidInput`, each problem
named by record and field: ``participants[12].timezone: 'Europe/Pariss' is not
an IANA time zone``.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from scheduler.domain import limits as L
from scheduler.domain.addresses import InvalidEmail, normalise_email
from scheduler.domain.errors import InvalidInput, Problem
from scheduler.domain.model import (
    END_OF_DAY,
    MEETING_STATUSES,
    Event,
    EventData,
    Meeting,
    Participant,
    Request,
    Schedule,
    Session,
    Stats,
    Unscheduled,
    Window,
)
from scheduler.domain.timegrid import wall_time_problem
from scheduler.domain.zones import UnknownZone, canonical_zone
from scheduler.files.spreadsheets import DASHES, decode, unknown_name_problems
from scheduler.matching.requests import POLICIES, STATUSES

# ---------------------------------------------------------------- field types

_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_TIME_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _fail(kind: str, message: str, value: Any) -> PydanticCustomError:
    return PydanticCustomError(kind, message.replace("{value!r}", "{value}"), {"value": repr(value)})


def _ident(v: Any) -> str:
    if not isinstance(v, str) or not _ID_RE.match(v):
        raise _fail("ident", "{value!r} is not an identifier (letters, digits, '-', '_')", v)
    return v


def _zone(v: Any) -> str:
    try:
        return canonical_zone(v)  # an alias (US/Eastern) is stored as its zone (America/New_York)
    except UnknownZone as exc:
        raise PydanticCustomError("zone", "{message}", {"message": str(exc)}) from None


def parse_clock(v: Any) -> time:
    if isinstance(v, time):
        return v
    if not isinstance(v, str) or not _TIME_RE.match(v):
        raise _fail("clock", "{value!r} is not a time of day written HH:MM", v)
    return END_OF_DAY if v == "24:00" else time.fromisoformat(v)


def parse_day(v: Any) -> date:
    if isinstance(v, date):
        return v
    if not isinstance(v, str) or not _DATE_RE.match(v):
        raise _fail("day", "{value!r} is not a date written YYYY-MM-DD", v)
    try:
        day = date.fromisoformat(v)
    except ValueError:
        raise _fail("day", "{value!r} is not a date on the calendar", v) from None
    if not L.YEAR_MIN <= day.year <= L.YEAR_MAX:
        raise _fail("day", f"{{value!r}} is not between the years {L.YEAR_MIN} and {L.YEAR_MAX}", v)
    return day


def _email(v: Any) -> str:
    if v in (None, ""):
        return ""
    try:
        return normalise_email(v)
    except InvalidEmail as exc:
        raise PydanticCustomError("email", "{value} is not an e-mail address: {reason}",
                                  {"value": repr(v), "reason": exc.reason}) from None


def _tags(v: Any) -> Any:
    if isinstance(v, str):  # tolerate "a;b" where a list was meant
        return [t.strip() for t in v.split(";") if t.strip()]
    return v


Ident = Annotated[str, BeforeValidator(_ident)]
Zone = Annotated[str, BeforeValidator(_zone)]
Clock = Annotated[time, BeforeValidator(parse_clock)]
Day = Annotated[date, BeforeValidator(parse_day)]
Email = Annotated[str, BeforeValidator(_email)]
Tags = Annotated[list[Annotated[str, Field(min_length=1, max_length=80)]], BeforeValidator(_tags)]
PosInt = Annotated[int, Field(strict=True, gt=0)]
NonNegInt = Annotated[int, Field(strict=True, ge=0)]


_WINDOW_RE = re.compile(r"^\s*(\S+)\s+(\S+)\s*-\s*(\S+)\s*$")
_HOURS_RE = re.compile(r"^\s*(\S+)\s*-\s*(\S+)\s*$")
WINDOW_FORM = "YYYY-MM-DD HH:MM-HH:MM"


def _window_text(v: Any) -> Any:
    """Accept a window written ``2027-03-26 09:00-11:00`` (any dash) as well as an object."""
    if isinstance(v, str):
        m = _WINDOW_RE.match(DASHES.sub("-", v))
        if not m:
            raise _fail("window", f"{{value!r}} is not written {WINDOW_FORM}", v)
        return {"date": m.group(1), "start": m.group(2), "end": m.group(3)}
    if not isinstance(v, Mapping):
        raise _fail("window", f"{{value!r}} is not a window: write {WINDOW_FORM} or "
                              '{"date": ..., "start": ..., "end": ...}', v)
    return v


def _hours_text(v: Any) -> Any:
    """Accept working hours written ``08:00-18:00`` (any dash) as well as an object."""
    if isinstance(v, str):
        m = _HOURS_RE.match(DASHES.sub("-", v))
        if not m:
            raise _fail("hours", "{value!r} is not written HH:MM-HH:MM", v)
        return {"start": m.group(1), "end": m.group(2)}
    if not isinstance(v, Mapping):
        raise _fail("hours", '{value!r} is not working hours: write HH:MM-HH:MM or {"start": ..., "end": ...}', v)
    return v


def _ordered(w: Any) -> Any:
    if w.end <= w.start:
        raise _fail("order", "end {value} is not after start", _fmt_time(w.end) + f" {_fmt_time(w.start)}")
    return w


class _In(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)


class WindowIn(_In):
    date: Day
    start: Clock
    end: Clock

    _text = model_validator(mode="before")(_window_text)


class HoursIn(_In):
    start: Clock
    end: Clock

    _text = model_validator(mode="before")(_hours_text)


class EventIn(_In):
    id: Ident
    name: Annotated[str, Field(min_length=1, max_length=200)]
    timezone: Zone
    slot_minutes: Annotated[int, Field(strict=True, ge=L.SLOT_MINUTES_MIN, le=L.SLOT_MINUTES_MAX)]
    gap_minutes: Annotated[int, Field(strict=True, ge=0, le=L.GAP_MINUTES_MAX)] = 0
    sessions: Annotated[
        list[Annotated[WindowIn, AfterValidator(_ordered)]], Field(min_length=1, max_length=L.SESSIONS_MAX)
    ]
    rooms: Annotated[int, Field(strict=True, gt=0, le=L.ROOMS_MAX)]
    max_meetings: Annotated[int, Field(strict=True, gt=0, le=L.MAX_MEETINGS_MAX)]
    video_url_template: str | None = None
    allow_same_kind: Annotated[bool, Field(strict=True)] = False
    request_policy: Literal[POLICIES] = "unless_declined"  # type: ignore[valid-type]
    request_ttl_hours: Annotated[float, Field(gt=0, le=L.REQUEST_TTL_HOURS_MAX)] = 72.0

    @field_validator("video_url_template")
    @classmethod
    def _placeholders(cls, v: str | None) -> str | None:
        unknown = sorted(set(re.findall(r"\{([^{}]*)\}", v or "")) - {"room", "meeting"})
        if unknown:
            raise _fail("template", "{value} are not placeholders it knows; use {room} and {meeting}",
                        "{" + "}, {".join(unknown) + "}")
        return v


class ParticipantIn(_In):
    id: Ident
    name: Annotated[str, Field(min_length=1, max_length=200)]
    kind: Literal["traditional", "tech"]
    timezone: Zone
    cluster: str = ""
    country: str = ""
    contact: str = ""
    email: Email = ""
    working_hours: Annotated[HoursIn, AfterValidator(_ordered)] | None = None
    available: Annotated[
        list[Annotated[WindowIn, AfterValidator(_ordered)]], Field(max_length=L.WINDOWS_MAX)
    ] | None = None
    max_meetings: Annotated[int, Field(strict=True, ge=0, le=L.MAX_MEETINGS_MAX)] | None = None
    sectors: Tags = []
    needs: Tags = []
    offers: Tags = []
    languages: Tags = []
    description: str = ""


class RequestIn(_In):
    sender: Ident = Field(alias="from")
    receiver: Ident = Field(alias="to")
    priority: Annotated[int, Field(strict=True, ge=L.PRIORITY_MIN, le=L.PRIORITY_MAX)] = 2
    status: Literal[STATUSES] = "pending"  # type: ignore[valid-type]


# ---------------------------------------------------------------- messages


def _loc(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part.startswith(("function-", "constrained-")):  # validator wrappers, not fields
            continue
        else:
            out += f".{part}"
    return out


_OWN = ("ident", "zone", "clock", "day", "email", "order", "window", "hours", "template")


def _message(e: Any) -> str:
    """A pydantic error in words a user understands: the value quoted, the expected form named."""
    kind, got, ctx = e["type"], e.get("input"), e.get("ctx") or {}
    if kind == "missing":
        return "required field is missing"
    if kind == "order":
        return "end is not after start"
    if kind in _OWN:
        return e["msg"]
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"input should be a valid integer (got {got!r})"
    if kind in ("float_type", "float_parsing", "finite_number"):
        return f"input should be a number (got {got!r})"
    if kind in ("bool_type", "bool_parsing"):
        return f"input should be true or false (got {got!r})"
    if kind == "string_type":
        return f"input should be text (got {got!r})"
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "string_too_long":
        return f"must be at most {ctx.get('max_length')} characters long (got {len(got)})"
    if kind in ("list_type", "tuple_type"):
        return f"input should be a list (got {got!r})"
    if kind == "too_short":
        return f"needs at least {ctx.get('min_length')} entry (got none)"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return f"input should be an object with named fields (got {got!r})"
    if kind == "less_than_equal":
        return L.at_most(ctx["le"], got)
    if kind == "too_long":
        return L.at_most(ctx["max_length"], ctx.get("actual_length")).replace(" (", " entries (")
    if kind in ("greater_than", "greater_than_equal", "less_than", "literal_error"):
        msg = e["msg"]  # "input should be less than or equal to 3", "input should be 'a' or 'b'"
        return f"{msg[0].lower()}{msg[1:]} (got {got!r})"
    # Anything else: pydantic's words without its internals (class names, "instance of").
    msg = re.sub(r"\s*(or )?instance of \w+", "", e["msg"])
    return f"{msg[0].lower()}{msg[1:]} (got {got!r})"


def _problems(label: str, err: ValidationError) -> list[Problem]:
    aliases = {"sender": "from", "receiver": "to"}
    out = []
    for e in err.errors(include_url=False):
        loc = tuple(aliases.get(p, p) if isinstance(p, str) else p for p in e["loc"])
        out.append(Problem(f"{label}{_loc(loc)}", _message(e)))
    return out


#: Nested objects whose keys are checked too: model -> {field: model of its items}.
_NESTED: dict[type, dict[str, type]] = {
    EventIn: {"sessions": WindowIn},
    ParticipantIn: {"available": WindowIn, "working_hours": HoursIn},
}


def _known(model: type[BaseModel]) -> set[str]:
    return {f.alias or name for name, f in model.model_fields.items()}


def _name_problems(model: type[BaseModel], label: str, raw: Mapping[str, Any]) -> list[Problem]:
    """Unknown keys close to a known one (``Email``, ``max_meeting``): errors, since data would be lost."""
    out = unknown_name_problems([k for k in raw if isinstance(k, str)], _known(model), label)
    for key, inner in _NESTED.get(model, {}).items():
        value = raw.get(key)
        items = value if isinstance(value, list) else [value]
        for i, item in enumerate(items):
            if isinstance(item, Mapping):
                where = f"{label}.{key}[{i}]" if isinstance(value, list) else f"{label}.{key}"
                out.extend(_name_problems(inner, where, item))
    return out


def _validate(model: type[_In], label: str, raw: Any, problems: list[Problem], names: bool = True) -> Any:
    if not isinstance(raw, Mapping):
        problems.append(Problem(label, f"expected an object, got {type(raw).__name__}"))
        return None
    named = _name_problems(model, label, raw) if names else []
    problems.extend(named)
    try:
        ok = model.model_validate(raw)
    except ValidationError as err:
        problems.extend(_problems(label, err))
        return None
    return None if named else ok


# ---------------------------------------------------------------- documents

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
        raise InvalidInput([Problem("", "the document must be a JSON object")], source)
    names = unknown_name_problems([k for k in doc if isinstance(k, str)], SECTIONS, "", "section")
    for key, kind in (("event", Mapping), ("participants", list), ("requests", list)):
        if key not in doc:
            if key != "requests":
                problems.append(Problem(key, "required section is missing"))
        elif not isinstance(doc[key], kind):
            want = "an object" if kind is Mapping else "a list"
            problems.append(Problem(key, f"must be {want}"))
    for key, bound in (("participants", L.PARTICIPANTS_MAX), ("requests", L.REQUESTS_MAX)):
        if len(doc.get(key, ())) > bound:  # refused before reading millions of records one by one
            problems.append(Problem(key, L.at_most(bound, len(doc[key])).replace(" (", " records (")))
    if problems:
        raise InvalidInput(names + problems, source)
    problems.extend(names)

    ev = _validate(EventIn, "event", doc["event"], problems, "event" in checked)
    parts = [
        _validate(ParticipantIn, label("participants", i), raw, problems, "participants" in checked)
        for i, raw in enumerate(doc["participants"])
    ]
    reqs = [
        _validate(RequestIn, label("requests", i), raw, problems, "requests" in checked)
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
                problems.append(Problem(f"{label('participants', i)}.id", f"duplicate participant id {pid!r}"))
            written.add(pid)
    kinds: dict[str, str] = {}
    for p in parts:
        if p is not None:
            kinds.setdefault(p.id, p.kind)
    same_kind_ok = ev is not None and ev.allow_same_kind
    seen: set[tuple[str, str]] = set()
    for i, r in enumerate(reqs):
        if r is None:
            continue
        where = label("requests", i)
        for field_name, pid in (("from", r.sender), ("to", r.receiver)):
            if pid not in written:
                problems.append(Problem(f"{where}.{field_name}", f"unknown participant {pid!r}"))
        if r.sender == r.receiver:
            problems.append(Problem(f"{where}.to", f"{r.sender!r} cannot request a meeting with itself"))
        elif (r.sender, r.receiver) in seen:
            problems.append(Problem(where, f"duplicate request from {r.sender!r} to {r.receiver!r}"))
        elif (
            not same_kind_ok
            and r.sender in kinds
            and r.receiver in kinds
            and kinds[r.sender] == kinds[r.receiver]
        ):
            problems.append(
                Problem(
                    f"{where}.to",
                    f"{r.sender!r} and {r.receiver!r} are both {kinds[r.sender]} SMEs; "
                    "the event does not allow same-kind meetings",
                )
            )
        seen.add((r.sender, r.receiver))
    if problems:
        raise InvalidInput(problems, source)
    return EventData(
        event=_event(ev),
        participants=tuple(_participant(p) for p in parts),
        requests=tuple(_request(r) for r in reqs),
    )


def _check_sessions(ev: EventIn, problems: list[Problem]) -> None:
    spans = sorted((s.date, s.start, s.end, i) for i, s in enumerate(ev.sessions))
    days = (spans[-1][0] - spans[0][0]).days
    if days > L.EVENT_SPAN_DAYS_MAX:
        problems.append(Problem("event.sessions", f"the first and last session are {days} days apart; "
                                f"at most {L.EVENT_SPAN_DAYS_MAX}"))
    slots = 0
    for (d1, _s1, e1, _i), (d2, s2, _e2, j) in zip(spans, spans[1:], strict=False):
        if d1 == d2 and s2 < e1:
            problems.append(Problem(f"event.sessions[{j}]", "overlaps another session on the same date"))
    for i, s in enumerate(ev.sessions):
        if s.end > s.start:
            minutes = (
                (24 * 60 if s.end == END_OF_DAY else s.end.hour * 60 + s.end.minute)
                - (s.start.hour * 60 + s.start.minute)
            )
            slots += (minutes + ev.gap_minutes) // (ev.slot_minutes + ev.gap_minutes)
            if minutes < ev.slot_minutes:
                problems.append(
                    Problem(f"event.sessions[{i}]", f"shorter than one slot of {ev.slot_minutes} minutes")
                )
        _wall_times(f"event.sessions[{i}]", s, ev.timezone, problems)
    if slots > L.SLOTS_MAX:
        problems.append(Problem("event.sessions", f"{slots} slots in all; at most {L.SLOTS_MAX}"))


def _wall_times(where: str, w: Any, tz: str, problems: list[Problem]) -> None:
    """Refuse a window bound that does not exist, or exists twice, on its date in ``tz``."""
    for name in ("start", "end"):
        why = wall_time_problem(w.date, getattr(w, name), tz)
        if why:
            problems.append(Problem(f"{where}.{name}", why))


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
    )


def _request(r: RequestIn) -> Request:
    return Request(r.sender, r.receiver, r.priority, r.status, extra=dict(r.model_extra or {}))


def _fmt_time(t: time) -> str:
    return "24:00" if t == END_OF_DAY else t.strftime("%H:%M")


def event_to_dict(e: Event) -> dict[str, Any]:
    out: dict[str, Any] = dict(e.extra)
    out.update(
        id=e.id,
        name=e.name,
        timezone=e.timezone,
        slot_minutes=e.slot_minutes,
        gap_minutes=e.gap_minutes,
        sessions=[
            {"date": s.date.isoformat(), "start": _fmt_time(s.start), "end": _fmt_time(s.end)}
            for s in e.sessions
        ],
        rooms=e.rooms,
        max_meetings=e.max_meetings,
        allow_same_kind=e.allow_same_kind,
        request_policy=e.request_policy,
        request_ttl_hours=e.request_ttl_hours,
    )
    if e.video_url_template is not None:
        out["video_url_template"] = e.video_url_template
    return out


def participant_to_dict(p: Participant) -> dict[str, Any]:
    out: dict[str, Any] = dict(p.extra)
    out.update(
        id=p.id,
        name=p.name,
        kind=p.kind,
        cluster=p.cluster,
        country=p.country,
        timezone=p.timezone,
        contact=p.contact,
        email=p.email,
        working_hours={"start": _fmt_time(p.working_hours[0]), "end": _fmt_time(p.working_hours[1])},
    )
    if p.available is not None:
        out["available"] = [
            {"date": w.date.isoformat(), "start": _fmt_time(w.start), "end": _fmt_time(w.end)}
            for w in p.available
        ]
    if p.max_meetings is not None:
        out["max_meetings"] = p.max_meetings
    out.update(
        sectors=list(p.sectors), needs=list(p.needs), offers=list(p.offers), languages=list(p.languages)
    )
    if p.description:
        out["description"] = p.description
    return out


def request_to_dict(r: Request) -> dict[str, Any]:
    out: dict[str, Any] = dict(r.extra)
    out.update({"from": r.sender, "to": r.receiver, "priority": r.priority})
    if r.status != "pending":
        out["status"] = r.status
    return out


def event_document(data: EventData) -> dict[str, Any]:
    """Return the event as an interchange document (a dict ready for ``json.dump``)."""
    return {
        "event": event_to_dict(data.event),
        "participants": [participant_to_dict(p) for p in data.participants],
        "requests": [request_to_dict(r) for r in data.requests],
    }


# ---------------------------------------------------------------- files


def read_event_file(path: str | Path) -> EventData:
    """Read an event from a JSON file, an .xlsx workbook, or a folder of CSV (or .xlsx) tables.

    Raises InvalidInput listing every problem (a file that cannot be decoded is one problem).
    """
    from scheduler.files import sheets  # sheets builds on this module

    path = Path(path)
    if path.is_dir():
        return sheets.read_folder(path)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return sheets.read_workbook_event(path)
    if not path.exists():
        raise InvalidInput(f"no such file: {path}")
    return parse_event_json(decode(path.read_bytes(), "", "save it as UTF-8"), str(path))


def parse_event_json(text: str, source: str = "") -> EventData:
    """Parse and validate JSON text holding an event document."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            [Problem(f"line {exc.lineno} column {exc.colno}", f"not valid JSON: {exc.msg}")], source
        ) from None
    return parse_event_document(doc, source)


PARTICIPANT_COLUMNS = (
    "id", "name", "kind", "cluster", "country", "timezone", "contact", "email",
    "working_hours", "available", "max_meetings", "sectors", "needs", "offers",
    "languages", "description",
)  # fmt: skip
REQUEST_COLUMNS = ("from", "to", "priority", "status")


def parse_windows(text: str) -> list[str]:
    """Split ``2027-03-26 08:00-11:00; 2027-03-29 14:00-18:00`` into windows (each checked on validation)."""
    return [part.strip() for part in text.split(";") if part.strip()]


def parse_participant(raw: Mapping[str, Any], label: str = "participant") -> Participant:
    """Validate one participant record (a profile edit); raise InvalidInput naming each field."""
    problems: list[Problem] = []
    p = _validate(ParticipantIn, label, raw, problems)
    if p is not None:
        _check_windows(p, label, problems)
    if problems:
        raise InvalidInput(problems)
    return _participant(p)


def read_csv_dir(folder: Path) -> EventData:
    """Read ``event.json`` with ``participants.csv`` and ``requests.csv`` (or .xlsx tables) from a folder."""
    from scheduler.files import sheets

    return sheets.read_folder(Path(folder))


def write_csv_dir(data: EventData, folder: Path) -> None:
    """Write the event as ``event.json`` + ``participants.csv`` + ``requests.csv`` (UTF-8 with BOM)."""
    from scheduler.files import sheets

    sheets.write_folder(data, Path(folder))


def dump_json(doc: Any, path: str | Path | None = None) -> str:
    text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    if path is not None:
        Path(path).write_text(text, encoding="utf-8")
    return text


# ---------------------------------------------------------------- schedules


def _utc(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def schedule_document(s: Schedule) -> dict[str, Any]:
    """Return the schedule as an interchange document."""
    return {
        "event_id": s.event_id,
        "meetings": [
            {
                "id": m.id,
                "participants": [m.a, m.b],
                "start": _utc(m.start),
                "end": _utc(m.end),
                "room": m.room,
                "status": m.status,
                **({"locked": True} if m.locked else {}),
            }
            for m in sorted(s.meetings, key=lambda m: (m.start, m.room, m.id))
        ],
        "unscheduled": [{"from": u.sender, "to": u.receiver, "reason": u.reason} for u in s.unscheduled],
        "stats": {
            "meetings": s.stats.meetings,
            "requests": s.stats.requests,
            "objective": s.stats.objective,
            "bound": s.stats.bound,
            "solve_seconds": round(s.stats.solve_seconds, 3),
            **dict(s.stats.extra),
        },
    }


def parse_schedule_document(doc: Any, source: str = "") -> Schedule:
    """Read a schedule document back (for locked meetings and independent checks)."""
    problems: list[Problem] = []
    if not isinstance(doc, Mapping) or not isinstance(doc.get("meetings"), list):
        raise InvalidInput([Problem("meetings", "a schedule needs a list of meetings")], source)
    meetings = []
    for i, m in enumerate(doc["meetings"]):
        where = f"meetings[{i}]"
        try:
            a, b = m["participants"]
            start = datetime.fromisoformat(m["start"].replace("Z", "+00:00"))
            end = datetime.fromisoformat(m["end"].replace("Z", "+00:00"))
            if start.tzinfo is None or end.tzinfo is None:
                raise ValueError("times must carry a zone (end them with Z)")
            room = m["room"]
            if not isinstance(room, int) or isinstance(room, bool) or room < 1:
                raise ValueError(f"room must be a positive integer, got {room!r}")
            status = m.get("status", "scheduled")
            if status not in MEETING_STATUSES:
                raise ValueError(f"status {status!r} is not one of {', '.join(MEETING_STATUSES)}")
            if not isinstance(m.get("locked", False), bool):
                raise ValueError(f"locked must be true or false, got {m['locked']!r}")
            meetings.append(
                Meeting(
                    str(m["id"]), a, b, start.astimezone(UTC), end.astimezone(UTC), room,
                    status, m.get("locked", False),
                )
            )  # fmt: skip
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            problems.append(Problem(where, f"malformed meeting: {exc}"))
    if problems:
        raise InvalidInput(problems, source)
    unscheduled = tuple(
        Unscheduled(u.get("from", ""), u.get("to", ""), u.get("reason", ""))
        for u in doc.get("unscheduled", [])
        if isinstance(u, Mapping)
    )
    st = doc.get("stats", {}) or {}
    return Schedule(
        str(doc.get("event_id", "")),
        tuple(meetings),
        unscheduled,
        Stats(
            int(st.get("meetings", len(meetings))), int(st.get("requests", 0)),
            float(st.get("objective", 0)), float(st.get("bound", 0)), float(st.get("solve_seconds", 0)),
        ),  # fmt: skip
    )


def csv_text(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, columns, extrasaction="ignore")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue()
