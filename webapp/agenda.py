"""A participant's agenda as their page shows it: one list of rows, the same whether the page
asks for it (``agenda.json``) or a live change pushes it (``agenda_changed`` carries the rows,
so thousands of open pages need not all ask at once after a change)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from scheduler.domain.language import Language
from scheduler.domain.model import Event, Meeting, Participant
from scheduler.invitations.ical import video_url

#: the ``.ics`` link of a row is ``ICS_PATH`` under the page's own link (``/p/<token>/``): the
#: pushed rows carry no token (``webapp/static/portal.js`` completes it)
ICS_PATH = "meetings/{meeting}.ics"


def agenda_rows(event: Event, people: Mapping[str, Participant], meetings: Iterable[Meeting], pid: str,
                lang: Language, now: datetime) -> list[dict[str, Any]]:
    """``pid``'s meetings among ``meetings``, by start, each a dict for the page: status, room,
    day and times in their zone (and the event's), the partner, the video and ``.ics`` links
    (relative to the personal link), and where the meeting stands at ``now`` (``phase``: now,
    next, past or ""); texts in ``lang``. ``people`` must hold ``pid`` and their partners."""
    me = people[pid]
    mine = sorted((m for m in meetings if pid in (m.a, m.b)), key=lambda m: m.start)
    upcoming = next((m.id for m in mine if m.start > now and m.status in ("scheduled", "moved")), None)
    words = {"cancelled": lang.gettext("cancelled"), "no_show": lang.gettext("missed"), "held": lang.gettext("held"),
             "now": lang.gettext("now"), "next": lang.gettext("next"), "video": lang.gettext("join video")}  # fmt: skip
    out = []
    for m in mine:
        other = people[m.b if m.a == pid else m.a]
        out.append({
            "id": m.id, "status": m.status, "room": m.room, "day": lang.when(m.start, me.timezone, "weekday"),
            "time": f"{lang.when(m.start, me.timezone, 'time')}-{lang.when(m.end, me.timezone, 'time')}",
            "event_time": f"{lang.when(m.start, event.timezone, 'time')} {event.timezone}",
            "other": other.name, "other_id": other.id, "other_country": other.country,
            "other_offers": ", ".join(other.offers or other.needs), "video": video_url(event, m),
            "ics": ICS_PATH.format(meeting=m.id),
            "phase": "now" if m.start <= now < m.end else "next" if m.id == upcoming else "past" if m.end <= now else "",
            "words": words | {"room": lang.gettext("Room %(room)s") % {"room": m.room}},  # portal.js writes these
        })  # fmt: skip
    return out
