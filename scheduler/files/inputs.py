"""The event document's input models (pydantic) and the field parsers they use.

Each field type checks one value and says what is wrong with it in words
(``'25:00' is not a time of day written HH:MM``); the models check one record.
How those errors become problems named by record and field is in :mod:`.records`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, time
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from scheduler.domain import limits as L
from scheduler.domain.addresses import InvalidEmail, normalise_email
from scheduler.domain.errors import Message
from scheduler.domain.language import N_
from scheduler.domain.model import END_OF_DAY
from scheduler.domain.text import LONG_MAX, NAME_MAX, SHORT_MAX, URL_MAX, text_problem
from scheduler.domain.zones import UnknownZone, canonical_zone
from scheduler.files.spreadsheets import DASHES
from scheduler.matching.requests import POLICIES, STATUSES

# ---------------------------------------------------------------- field types

_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_TIME_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _fail(kind: str, message: str, value: Any, **args: Any) -> PydanticCustomError:
    """A pydantic error of ``kind`` whose words are the ``N_`` template ``message`` ({value} is ``value`` quoted)."""
    return _said(kind, Message.of(message, value=repr(value), **args))


def _said(kind: str, words: Message) -> PydanticCustomError:
    """A pydantic error of ``kind`` carrying ``words`` (English in its ``msg``, any language in ``ctx["message"]``)."""
    return PydanticCustomError(kind, "{message}", {"message": words})


def _ident(v: Any) -> str:
    if not isinstance(v, str) or not _ID_RE.match(v):
        raise _fail("ident", N_("{value} is not an identifier (letters, digits, '-', '_')"), v)
    return v


def _zone(v: Any) -> str:
    try:
        return canonical_zone(v)  # an alias (US/Eastern) is stored as its zone (America/New_York)
    except UnknownZone as exc:
        raise _said("zone", exc.words) from None


def parse_clock(v: Any) -> time:
    """Read a time of day written HH:MM (``24:00`` is the end of the day); a pydantic error otherwise."""
    if isinstance(v, time):
        return v
    if not isinstance(v, str) or not _TIME_RE.match(v):
        raise _fail("clock", N_("{value} is not a time of day written HH:MM"), v)
    return END_OF_DAY if v == "24:00" else time.fromisoformat(v)


def parse_day(v: Any) -> date:
    """Read a date written YYYY-MM-DD within the years the event may use; a pydantic error otherwise."""
    if isinstance(v, date):
        return v
    if not isinstance(v, str) or not _DATE_RE.match(v):
        raise _fail("day", N_("{value} is not a date written YYYY-MM-DD"), v)
    try:
        day = date.fromisoformat(v)
    except ValueError:
        raise _fail("day", N_("{value} is not a date on the calendar"), v) from None
    if not L.YEAR_MIN <= day.year <= L.YEAR_MAX:
        raise _fail("day", N_("{value} is not between the years {first} and {last}"), v,
                    first=L.YEAR_MIN, last=L.YEAR_MAX)
    return day


def format_clock(t: time) -> str:
    """Write a time of day as HH:MM; the end of the day is ``24:00`` (the inverse of :func:`parse_clock`)."""
    return "24:00" if t == END_OF_DAY else t.strftime("%H:%M")


def _email(v: Any) -> str:
    if v in (None, ""):
        return ""
    try:
        return normalise_email(v)
    except InvalidEmail as exc:
        raise _said("email", exc.words) from None


def _tags(v: Any) -> Any:
    if isinstance(v, str):  # tolerate "a;b" where a list was meant
        return [t.strip() for t in v.split(";") if t.strip()]
    return v


def _session_refs(v: Any) -> Any:
    """Sessions a request names: ``"1;3"`` or a list of numbers and texts; each is resolved
    against the event's sessions across records (``formats``)."""
    if v is None:
        return []
    if isinstance(v, str):
        return [part.strip() for part in re.split(r"[;,]", v) if part.strip()]
    if isinstance(v, int) and not isinstance(v, bool):
        return [v]
    if not isinstance(v, list) or any(isinstance(x, bool) or not isinstance(x, int | str) for x in v):
        raise _fail("sessions", N_("{value} is not a list of sessions: write session numbers separated by ';' "
                                   "(1;3) or a list of numbers or session dates"), v)
    return v


def _plain(limit: int, multiline: bool = False):
    """A validator of free text: at most ``limit`` characters, no control or bidi characters."""

    def check(v: str) -> str:
        why = text_problem(v, limit, multiline)
        if why is not None:
            raise _said("text", why)
        return v

    return AfterValidator(check)


Ident = Annotated[str, BeforeValidator(_ident)]
Name = Annotated[str, Field(min_length=1), _plain(NAME_MAX)]
Short = Annotated[str, _plain(SHORT_MAX)]
Long = Annotated[str, _plain(LONG_MAX, multiline=True)]
Zone = Annotated[str, BeforeValidator(_zone)]
Clock = Annotated[time, BeforeValidator(parse_clock)]
Day = Annotated[date, BeforeValidator(parse_day)]
Email = Annotated[str, BeforeValidator(_email)]
Tags = Annotated[list[Annotated[str, Field(min_length=1, max_length=80), _plain(80)]], BeforeValidator(_tags),
                Field(max_length=200)]
PosInt = Annotated[int, Field(strict=True, gt=0)]
NonNegInt = Annotated[int, Field(strict=True, ge=0)]


_WINDOW_RE = re.compile(r"^\s*(\S+)\s+(\S+)\s*-\s*(\S+)\s*$")
_HOURS_RE = re.compile(r"^\s*(\S+)\s*-\s*(\S+)\s*$")
WINDOW_FORM = "YYYY-MM-DD HH:MM-HH:MM"


def parse_windows(text: str) -> list[str]:
    """Split ``2027-03-26 08:00-11:00; 2027-03-29 14:00-18:00`` into windows (each checked on validation)."""
    return [part.strip() for part in text.split(";") if part.strip()]


def _window_text(v: Any) -> Any:
    """Accept a window written ``2027-03-26 09:00-11:00`` (any dash) as well as an object."""
    if isinstance(v, str):
        m = _WINDOW_RE.match(DASHES.sub("-", v))
        if not m:
            raise _fail("window", N_("{value} is not written {form}"), v, form=WINDOW_FORM)
        return {"date": m.group(1), "start": m.group(2), "end": m.group(3)}
    if not isinstance(v, Mapping):
        raise _fail("window", N_("{value} is not a window: write {form} or {object}"), v, form=WINDOW_FORM,
                    object='{"date": ..., "start": ..., "end": ...}')
    return v


def _hours_text(v: Any) -> Any:
    """Accept working hours written ``08:00-18:00`` (any dash) as well as an object."""
    if isinstance(v, str):
        m = _HOURS_RE.match(DASHES.sub("-", v))
        if not m:
            raise _fail("hours", N_("{value} is not written HH:MM-HH:MM"), v)
        return {"start": m.group(1), "end": m.group(2)}
    if not isinstance(v, Mapping):
        raise _fail("hours", N_("{value} is not working hours: write HH:MM-HH:MM or {object}"), v,
                    object='{"start": ..., "end": ...}')
    return v


def _ordered(w: Any) -> Any:
    if w.end <= w.start:
        raise _said("order", Message.of(N_("end is not after start")))
    return w


# ---------------------------------------------------------------- records


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
    name: Name
    timezone: Zone
    slot_minutes: Annotated[int, Field(strict=True, ge=L.SLOT_MINUTES_MIN, le=L.SLOT_MINUTES_MAX)]
    gap_minutes: Annotated[int, Field(strict=True, ge=0, le=L.GAP_MINUTES_MAX)] = 0
    sessions: Annotated[
        list[Annotated[WindowIn, AfterValidator(_ordered)]], Field(min_length=1, max_length=L.SESSIONS_MAX)
    ]
    rooms: Annotated[int, Field(strict=True, gt=0, le=L.ROOMS_MAX)]
    max_meetings: Annotated[int, Field(strict=True, gt=0, le=L.MAX_MEETINGS_MAX)]
    video_url_template: Annotated[str, _plain(URL_MAX)] | None = None
    allow_same_kind: Annotated[bool, Field(strict=True)] = False
    request_policy: Literal[POLICIES] = "unless_declined"  # type: ignore[valid-type]
    request_ttl_hours: Annotated[float, Field(gt=0, le=L.REQUEST_TTL_HOURS_MAX)] = 72.0

    @field_validator("video_url_template")
    @classmethod
    def _placeholders(cls, v: str | None) -> str | None:
        unknown = sorted(set(re.findall(r"\{([^{}]*)\}", v or "")) - {"room", "meeting"})
        if unknown:
            raise _said("template", Message.of(N_("{value} are not placeholders it knows; use {room} and {meeting}"),
                                               value=repr("{" + "}, {".join(unknown) + "}"), room="{room}",
                                               meeting="{meeting}"))
        return v


class ParticipantIn(_In):
    id: Ident
    name: Name
    kind: Literal["traditional", "tech"]
    timezone: Zone
    cluster: Short = ""
    country: Short = ""
    contact: Short = ""
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
    description: Long = ""
    locale: Literal["", "en", "fr", "de", "es", "it", "pt"] = ""  # scheduler.domain.language.LANGUAGES


class RequestIn(_In):
    sender: Ident = Field(alias="from")
    receiver: Ident = Field(alias="to")
    priority: Annotated[int, Field(strict=True, ge=L.PRIORITY_MIN, le=L.PRIORITY_MAX)] = 2
    status: Literal[STATUSES] = "pending"  # type: ignore[valid-type]
    sessions: Annotated[list[int | str], BeforeValidator(_session_refs),
                        Field(max_length=L.SESSIONS_MAX)] = []  # fmt: skip
