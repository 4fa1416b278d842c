"""Read and write the interchange formats (JSON event and schedule documents, CSV).

Field names follow ``shared/spec/event-format.md``. Validation runs record by
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
)
from pydantic_core import PydanticCustomError

from .addresses import InvalidEmail, normalise_email
from .errors import InvalidInput, Problem
from .model import (
    END_OF_DAY,
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
from .timegrid import is_zone

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
    if not isinstance(v, str) or not is_zone(v):
        raise _fail("zone", "{value!r} is not an IANA time zone", v)
    return v


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
        return date.fromisoformat(v)
    except ValueError:
        raise _fail("day", "{value!r} is not a date on the calendar", v) from None


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


class HoursIn(_In):
    start: Clock
    end: Clock


class EventIn(_In):
    id: Ident
    name: Annotated[str, Field(min_length=1, max_length=200)]
    timezone: Zone
    slot_minutes: Annotated[int, Field(strict=True, ge=5, le=480)]
    gap_minutes: Annotated[int, Field(strict=True, ge=0, le=240)] = 0
    sessions: Annotated[list[Annotated[WindowIn, AfterValidator(_ordered)]], Field(min_length=1)]
    rooms: PosInt
    max_meetings: PosInt
    video_url_template: str | None = None
    allow_same_kind: Annotated[bool, Field(strict=True)] = False
    request_policy: Literal["unless_declined", "accepted_only"] = "unless_declined"
    request_ttl_hours: Annotated[float, Field(gt=0, le=24 * 365)] = 72.0


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
    available: list[Annotated[WindowIn, AfterValidator(_ordered)]] | None = None
    max_meetings: NonNegInt | None = None
    sectors: Tags = []
    needs: Tags = []
    offers: Tags = []
    languages: Tags = []
    description: str = ""


class RequestIn(_In):
    sender: Ident = Field(alias="from")
    receiver: Ident = Field(alias="to")
    priority: Annotated[int, Field(strict=True, ge=1, le=3)] = 2
    status: str = "pending"


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


def _problems(label: str, err: ValidationError) -> list[Problem]:
    aliases = {"sender": "from", "receiver": "to"}
    out = []
    for e in err.errors(include_url=False):
        loc = tuple(aliases.get(p, p) if isinstance(p, str) else p for p in e["loc"])
        msg = e["msg"]
        if e["type"] == "missing":
            msg = "required field is missing"
        elif e["type"] not in ("ident", "zone", "clock", "day", "email", "order"):
            msg = f"{msg[0].lower()}{msg[1:]} (got {e['input']!r})"
        elif e["type"] == "order":
            msg = "end is not after start"
        out.append(Problem(f"{label}{_loc(loc)}", msg))
    return out


def _validate(model: type[_In], label: str, raw: Any, problems: list[Problem]) -> Any:
    if not isinstance(raw, Mapping):
        problems.append(Problem(label, f"expected an object, got {type(raw).__name__}"))
        return None
    try:
        return model.model_validate(raw)
    except ValidationError as err:
        problems.extend(_problems(label, err))
        return None


# ---------------------------------------------------------------- documents

Labeller = Callable[[str, int], str]


def _json_label(section: str, i: int) -> str:
    return f"{section}[{i}]"


def parse_event_document(doc: Any, source: str = "", label: Labeller = _json_label) -> EventData:
    """Validate an event document (already decoded JSON) and return it as domain objects."""
    problems: list[Problem] = []
    if not isinstance(doc, Mapping):
        raise InvalidInput([Problem("", "the document must be a JSON object")], source)
    for key, kind in (("event", Mapping), ("participants", list), ("requests", list)):
        if key not in doc:
            if key != "requests":
                problems.append(Problem(key, "required section is missing"))
        elif not isinstance(doc[key], kind):
            want = "an object" if kind is Mapping else "a list"
            problems.append(Problem(key, f"must be {want}"))
    if problems:
        raise InvalidInput(problems, source)

    ev = _validate(EventIn, "event", doc["event"], problems)
    parts = [
        _validate(ParticipantIn, label("participants", i), raw, problems)
        for i, raw in enumerate(doc["participants"])
    ]
    reqs = [
        _validate(RequestIn, label("requests", i), raw, problems)
        for i, raw in enumerate(doc.get("requests", []))
    ]

    if ev is not None:
        _check_sessions(ev, problems)
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
    for (d1, _s1, e1, _i), (d2, s2, _e2, j) in zip(spans, spans[1:], strict=False):
        if d1 == d2 and s2 < e1:
            problems.append(Problem(f"event.sessions[{j}]", "overlaps another session on the same date"))
    for i, s in enumerate(ev.sessions):
        if s.end > s.start:
            minutes = (
                (24 * 60 if s.end == END_OF_DAY else s.end.hour * 60 + s.end.minute)
                - (s.start.hour * 60 + s.start.minute)
            )
            if minutes < ev.slot_minutes:
                problems.append(
                    Problem(f"event.sessions[{i}]", f"shorter than one slot of {ev.slot_minutes} minutes")
                )


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
    """Read an event from a JSON file, or from a directory of CSV files."""
    path = Path(path)
    if path.is_dir():
        return read_csv_dir(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InvalidInput(f"no such file: {path}") from None
    except UnicodeDecodeError:
        raise InvalidInput("the file is not UTF-8 text", str(path)) from None
    return parse_event_json(text, str(path))


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
REQUEST_COLUMNS = ("from", "to", "priority")
_LIST_COLUMNS = ("sectors", "needs", "offers", "languages")
_WINDOW_RE = re.compile(r"^\s*(\S+)\s+(\S+)\s*-\s*(\S+)\s*$")
_HOURS_RE = re.compile(r"^\s*(\S+)\s*-\s*(\S+)\s*$")


def _csv_int(v: str) -> Any:
    v = v.strip()
    return int(v) if re.fullmatch(r"-?\d+", v) else v


def _participant_row(row: Mapping[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in row.items():
        if key is None:
            continue
        value = (value or "").strip()
        if value == "":
            continue
        if key in _LIST_COLUMNS:
            out[key] = [t.strip() for t in value.split(";") if t.strip()]
        elif key == "working_hours":
            m = _HOURS_RE.match(value)
            out[key] = {"start": m.group(1), "end": m.group(2)} if m else value
        elif key == "available":
            out[key] = parse_windows(value)
        elif key == "max_meetings":
            out[key] = _csv_int(value)
        else:
            out[key] = value
    return out


def parse_windows(text: str) -> list[Any]:
    """Turn ``2027-03-26 08:00-11:00; 2027-03-29 14:00-18:00`` into availability windows."""
    out: list[Any] = []
    for part in text.split(";"):
        if part.strip():
            m = _WINDOW_RE.match(part)
            out.append({"date": m.group(1), "start": m.group(2), "end": m.group(3)} if m else part.strip())
    return out


def parse_participant(raw: Mapping[str, Any], label: str = "participant") -> Participant:
    """Validate one participant record (a profile edit); raise InvalidInput naming each field."""
    problems: list[Problem] = []
    p = _validate(ParticipantIn, label, raw, problems)
    if problems:
        raise InvalidInput(problems)
    return _participant(p)


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))


def read_csv_dir(folder: Path) -> EventData:
    """Read ``event.json`` (the event block), ``participants.csv`` and ``requests.csv``."""
    problems: list[Problem] = []
    event_file = folder / "event.json"
    event: Any = None
    if not event_file.exists():
        problems.append(Problem("event.json", "missing: the folder needs the event settings"))
    else:
        try:
            event = json.loads(event_file.read_text(encoding="utf-8-sig"))
        except json.JSONDecodeError as exc:
            problems.append(Problem("event.json", f"not valid JSON: {exc.msg} (line {exc.lineno})"))
        if isinstance(event, Mapping) and "event" in event:
            event = event["event"]
    participants: list[Any] = []
    requests: list[Any] = []
    for name, target in (("participants.csv", participants), ("requests.csv", requests)):
        path = folder / name
        if not path.exists():
            if name == "participants.csv":
                problems.append(Problem(name, "missing"))
            continue
        rows = _read_csv(path)
        if name == "participants.csv":
            target.extend(_participant_row(r) for r in rows)
        else:
            target.extend(
                {k: (_csv_int(v) if k == "priority" else v.strip()) for k, v in r.items() if k and v and v.strip()}
                for r in rows
            )
    if problems:
        raise InvalidInput(problems, str(folder))

    def label(section: str, i: int) -> str:
        return f"{section}.csv line {i + 2}"

    return parse_event_document(
        {"event": event, "participants": participants, "requests": requests}, str(folder), label
    )


def write_csv_dir(data: EventData, folder: Path) -> None:
    """Write the event as ``event.json`` + ``participants.csv`` + ``requests.csv``."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "event.json").write_text(
        json.dumps({"event": event_to_dict(data.event)}, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    with (folder / "participants.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, PARTICIPANT_COLUMNS)
        w.writeheader()
        for p in data.participants:
            w.writerow(
                {
                    "id": p.id, "name": p.name, "kind": p.kind, "cluster": p.cluster,
                    "country": p.country, "timezone": p.timezone, "contact": p.contact,
                    "email": p.email,
                    "working_hours": f"{_fmt_time(p.working_hours[0])}-{_fmt_time(p.working_hours[1])}",
                    "available": ";".join(
                        f"{w.date.isoformat()} {_fmt_time(w.start)}-{_fmt_time(w.end)}"
                        for w in p.available or ()
                    ),
                    "max_meetings": "" if p.max_meetings is None else p.max_meetings,
                    "sectors": ";".join(p.sectors), "needs": ";".join(p.needs),
                    "offers": ";".join(p.offers), "languages": ";".join(p.languages),
                    "description": p.description,
                }
            )  # fmt: skip
    with (folder / "requests.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, REQUEST_COLUMNS)
        w.writeheader()
        for r in data.requests:
            w.writerow({"from": r.sender, "to": r.receiver, "priority": r.priority})


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
            meetings.append(
                Meeting(
                    str(m["id"]), a, b, start.astimezone(UTC), end.astimezone(UTC), room,
                    m.get("status", "scheduled"), bool(m.get("locked", False)),
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
