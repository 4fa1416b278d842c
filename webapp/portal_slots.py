"""The slot picker page and the time zone's search list (:mod:`.slotpicker` turns ticks into windows).

Zone changes go through the profile form (field ``timezone``, :func:`.portal.profile`). Meetings
are stored in UTC and do not move; working hours and availability windows keep their wall-clock
times, now read in the new zone (the person corrects the zone their times were written in); a
meeting they no longer cover is asked about (keep or release) like any narrowing of hours.
Nothing is e-mailed: an invite's start and end are UTC, so calendars already show them right;
the "Your time" line of invites already sent keeps the old zone until that meeting next changes,
while the pages and the personal calendar feed show the new zone at once (docs/portal.md).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import g, render_template

from scheduler.domain import zones
from scheduler.domain.timegrid import allowed_slots, build_slots, local_label

from .extensions import get_store
from .i18n import page_language
from .live import clock
from .portal import bp
from .slotpicker import crosses_midnight


def zone_choices(now: datetime) -> list[dict[str, str]]:
    """Every canonical IANA zone with its offset at ``now`` and its cities (``Kolkata, Calcutta``)."""
    cities: dict[str, list[str]] = {}
    for name, canon in sorted(zones.table().canonical.items()):
        city = name.rsplit("/", 1)[-1].replace("_", " ")
        if "/" in name and city not in cities.setdefault(canon, []):
            cities[canon].append(city)
    out = []
    for canon in sorted(cities):
        off = now.astimezone(zones.zone_info(canon)).utcoffset() or timedelta(0)
        minutes = int(off.total_seconds()) // 60
        sign = "-" if minutes < 0 else "+"
        label = f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
        out.append({"name": canon, "label": f"{label} · {', '.join(cities[canon][:4])}", "offset": label})
    return out


@bp.get("/<token>/availability")
def availability(**_):
    """The slot picker: the event's slots by local date in my zone, ticked where I can meet."""
    store = get_store()
    data = store.load(g.event_id)
    me = data.by_id()[g.pid]
    slots = build_slots(data.event)
    allowed = allowed_slots(me, slots)
    days: dict[str, list[dict]] = {}
    lang = page_language()  # the days and the event's times in the page's language
    for s in sorted(slots, key=lambda s: s.start):
        days.setdefault(lang.when(s.start, me.timezone, "date"), []).append({
            "index": s.index, "time": f"{local_label(s.start, me.timezone)}-{local_label(s.end, me.timezone)}",
            "event_time": lang.when(s.start, data.event.timezone, "short"),
            "checked": s.index in allowed, "midnight": crosses_midnight(s, me.timezone)})  # fmt: skip
    now = clock()
    offset = next((z["offset"] for z in zone_choices(now) if z["name"] == zones.canonical_zone(me.timezone)), "")
    return render_template("availability.html", ev=data.event, me=me, days=days, zones=zone_choices(now),
                           offset=offset, any_time=me.available is None)  # fmt: skip
