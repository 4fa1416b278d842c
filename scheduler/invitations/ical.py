"""Calendar documents (icalendar 7): iTIP REQUEST / CANCEL per meeting, and feeds.

Decisions, so that Outlook, Google Calendar, Apple Calendar and Thunderbird
all apply our invites:

- **Times in UTC** (``DTSTART:20270326T080000Z``). Every client converts UTC
  to the reader's zone itself; a ``TZID`` needs a ``VTIMEZONE`` that each
  client must accept, and a stale or missing one is exactly how invites land
  an hour off around daylight-saving switches. The participant's local time is
  written in the description instead, for reading.
- **UID** derived from the event and meeting ids, never random, so every
  version of a meeting (moves, cancellation) updates the same calendar entry.
  Its domain is the event's own (``Event.uid_domain``, fixed when the event is
  first stored), so a rename of the product never changes the UIDs of an event
  calendars already hold.
- **SEQUENCE** is the meeting's version: 0 when first scheduled, +1 on every
  change of time or room, +1 again for a cancellation.
- **DTSTAMP** is injected (``stamp``), never a hidden ``now()``.
- **Cancelled meetings** (and missed ones, ``no_show``) stay in documents as
  ``STATUS:CANCELLED`` and ``TRANSP:TRANSPARENT`` with a "Cancelled: " (or
  "Missed: ") title and no alarm: clients that honour STATUS strike the entry
  out, those that ignore it (some feed subscriptions) still show plainly that
  it is off, and it never blocks the time. A feed keeps them rather than
  leaving them out so that the entry a client already has is updated in place
  (same UID) instead of silently vanishing.
- **Wording**: a first invite reads as an invitation; a later version of a
  meeting the reader was already invited to says "Updated" in its text (the
  title stays, so the calendar entry keeps its name); a cancellation says
  "Cancelled" in title and text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from icalendar import Alarm, Calendar, Event, vCalAddress, vDuration

from scheduler.domain.language import ENGLISH, Language
from scheduler.domain.messages import say_marked
from scheduler.domain.model import Event as B2BEvent
from scheduler.domain.model import Meeting, Participant

PRODID = "-//Entente//B2B match-making//EN"
ALARM_BEFORE = timedelta(minutes=10)


@dataclass(frozen=True)
class InviteContext:
    """What every document of one event needs besides the meeting."""

    event: B2BEvent
    organiser_email: str
    organiser_name: str
    agenda_url: str = ""  # the recipient's personal agenda link ("" when not served)
    language: Language = ENGLISH  # the recipient's language (scheduler.domain.language)
    reason: str = ""  # why this meeting changed (a live change): a Message or a text marked N_, said in ``language``

    @property
    def domain(self) -> str:
        """The domain of every UID and Message-ID of the event's documents (the event's own)."""
        return self.event.uid_domain


def organiser_of(event: B2BEvent, fallback: str = "organiser@localhost") -> tuple[str, str]:
    """The event's organiser address and display name (event fields, else defaults)."""
    return (str(event.extra.get("organiser_email") or fallback),
            str(event.extra.get("organiser_name") or f"{event.name} organisers"))  # fmt: skip


def contexts(event: B2BEvent, tokens: dict[str, str], base_url: str, organiser: str | None = None,
             language_of: Callable[[str], Language] | None = None) -> Callable[[str], InviteContext]:
    """Return participant id -> the InviteContext of their documents (with their agenda link and,
    from ``language_of`` (participant id -> Language), their language; English without it)."""
    email, name = organiser_of(event)
    base = base_url.rstrip("/")

    def ctx_for(pid: str) -> InviteContext:
        language = language_of(pid) if language_of else ENGLISH
        return InviteContext(event, organiser or email, name, f"{base}/p/{tokens[pid]}", language)

    return ctx_for


def uid(event_id: str, meeting_id: str, domain: str) -> str:
    """Return the stable UID of a meeting: the same for every version of it."""
    return f"{meeting_id}.{event_id}@{domain}"


def video_url(event: B2BEvent, m: Meeting) -> str:
    """Return the meeting's video link from the event's template ('' when none)."""
    template = event.video_url_template or ""
    return template.replace("{room}", str(m.room)).replace("{meeting}", m.id)


def _quoted_cn(address: vCalAddress) -> vCalAddress:
    """Quote a CN holding a backslash: unquoted, a trailing one makes parsers that (against RFC 5545)
    treat '\\' as an escape in parameters, icalendar's own included, read the rest of the line
    as the name (collective/icalendar#1497)."""
    address.params.quote_also = {**address.params.quote_also, "CN": " '\\"}
    return address


def _address(p: Participant, role: str = "REQ-PARTICIPANT", partstat: str = "NEEDS-ACTION") -> vCalAddress:
    return _quoted_cn(vCalAddress.new(p.email or f"{p.id}@invalid.invalid", cn=p.name, role=role,
                                      partstat=partstat, rsvp=True, cutype="INDIVIDUAL"))  # fmt: skip


def summary(me: Participant, other: Participant, language: Language = ENGLISH) -> str:
    """The calendar entry's title, in ``language``: "B2B meeting: A <> B"."""
    return language.gettext("B2B meeting: {me} <> {other}").format(me=me.name, other=other.name)


def off_words(status: str, language: Language = ENGLISH) -> tuple[str, str]:
    """The title prefix and the note of a cancelled (or missed, ``no_show``) meeting, in ``language``."""
    if status == "no_show":
        return (language.gettext("Missed: "),
                language.gettext("This meeting did not take place (someone did not come)."))  # fmt: skip
    return language.gettext("Cancelled: "), language.gettext("This meeting is cancelled.")


def updated_note(language: Language = ENGLISH) -> str:
    """The note of an invite that replaces an earlier one, in ``language``."""
    return language.gettext("Updated: this replaces the earlier invitation to this meeting (its time or room changed).")


UPDATED = updated_note()


def reason_note(ctx: InviteContext) -> str:
    """"Why: ..." in the recipient's language when a live change sends this document, else ""."""
    if not ctx.reason:
        return ""
    return ctx.language.gettext("Why: {reason}").format(reason=say_marked(ctx.reason, ctx.language))


def describe(ctx: InviteContext, m: Meeting, me: Participant, other: Participant) -> str:
    """The invite's text in the reader's language: when (in their zone), with whom, how to join."""
    tz, t = me.timezone, ctx.language
    kind = t.gettext("tech provider") if other.kind == "tech" else t.gettext("traditional SME")
    lines = [
        f"{ctx.event.name}",
        t.gettext("Your time: {start}-{end} ({zone})").format(
            start=t.when(m.start, tz, "long"), end=t.when(m.end, tz, "time"), zone=tz),
        "",
        t.gettext("You meet {name} ({kind})").format(
            name=other.name, kind=kind + (f", {other.country}" if other.country else "")),
    ]
    for label, value in (
        (t.gettext("Cluster"), other.cluster), (t.gettext("Contact"), other.contact),
        (t.gettext("Sectors"), ", ".join(other.sectors)), (t.gettext("Offers"), ", ".join(other.offers)),
        (t.gettext("Needs"), ", ".join(other.needs)), (t.gettext("Languages"), ", ".join(other.languages)),
    ):  # fmt: skip
        if value:
            lines.append(f"{label}: {value}")
    if other.description:
        lines += ["", other.description]
    link = video_url(ctx.event, m)
    lines += ["", t.gettext("Virtual room {room}").format(room=m.room) + (f": {link}" if link else "")]
    if ctx.agenda_url:
        lines.append(t.gettext("Your agenda: {url}").format(url=ctx.agenda_url))
    return "\n".join(lines)


def _vevent(ctx: InviteContext, m: Meeting, me: Participant, other: Participant, sequence: int,
            stamp: datetime, cancelled: bool, update: bool = False) -> Event:
    link, t = video_url(ctx.event, m), ctx.language
    prefix, note = off_words(m.status, t) if cancelled else ("", updated_note(t) if update else "")
    note = "\n".join(x for x in (note, reason_note(ctx)) if x)
    ev = Event.new(
        uid=uid(ctx.event.id, m.id, ctx.domain),
        sequence=sequence,
        stamp=stamp,
        start=m.start,
        end=m.end,
        summary=prefix + summary(me, other, t),
        description=(note + "\n\n" if note else "") + describe(ctx, m, me, other),
        location=link or t.gettext("Virtual room {room}").format(room=m.room),
        url=link or None,
        organizer=_quoted_cn(vCalAddress.new(ctx.organiser_email, cn=ctx.organiser_name)),
        attendees=[_address(me), _address(other)],
        status="CANCELLED" if cancelled else "CONFIRMED",
        transparency="TRANSPARENT" if cancelled else "OPAQUE",
    )
    if not cancelled:
        alarm = Alarm.new(description=t.gettext("In 10 minutes: {title}").format(title=summary(me, other, t)))
        alarm.add("action", "DISPLAY")
        alarm.add("trigger", -ALARM_BEFORE)
        ev.add_component(alarm)
    return ev


def meeting_invite(ctx: InviteContext, m: Meeting, me: Participant, other: Participant, sequence: int,
                   stamp: datetime, method: str = "REQUEST", update: bool = False) -> Calendar:
    """Return the iTIP document (METHOD REQUEST or CANCEL) of one meeting for one attendee.

    ``update``: ``me`` was already invited to an earlier version, so the text says "Updated"."""
    if method not in ("REQUEST", "CANCEL"):
        raise ValueError(f"method must be REQUEST or CANCEL, not {method!r}")
    cal = Calendar.new(prodid=PRODID, method=method,
                       uid=f"{method.lower()}-{sequence}-{me.id}-{uid(ctx.event.id, m.id, ctx.domain)}")
    cal.add_component(_vevent(ctx, m, me, other, sequence, stamp, cancelled=method == "CANCEL", update=update))
    return cal


def feed(ctx: InviteContext, name: str, meetings: Iterable[Meeting], people: dict[str, Participant],
         stamp: datetime, viewer: str | None = None,
         refresh: timedelta = timedelta(hours=1)) -> Calendar:
    """Return a subscribable feed (no METHOD): ``viewer``'s meetings, or all of them for the organiser.

    Cancelled and missed meetings stay in, as STATUS:CANCELLED, TRANSP:TRANSPARENT entries titled
    "Cancelled: ..." / "Missed: ..." without an alarm (see the module notes for why)."""
    cal = Calendar.new(prodid=PRODID, name=name, refresh_interval=refresh,
                       uid=f"feed-{viewer or 'organiser'}.{ctx.event.id}@{ctx.domain}")
    cal["REFRESH-INTERVAL"].params["VALUE"] = "DURATION"
    cal.add("x-published-ttl", vDuration(refresh))
    for m in sorted(meetings, key=lambda m: (m.start, m.room, m.id)):
        if viewer is not None and viewer not in (m.a, m.b):
            continue
        me_id = viewer or m.a
        other_id = m.b if me_id == m.a else m.a
        cancelled = m.status in ("cancelled", "no_show")
        cal.add_component(_vevent(ctx, m, people[me_id], people[other_id], m.version, stamp, cancelled))
    return cal


def to_bytes(cal: Calendar) -> bytes:
    return cal.to_ical()
