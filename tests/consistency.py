"""One check for every change path: the database, each participant's agenda.json and feed, and
the messages a real SMTP server received tell the same story about every meeting."""

from __future__ import annotations

from datetime import datetime
from email.utils import parseaddr

import requests
from icalendar import Calendar

from scheduler.domain.timegrid import to_local
from scheduler.store import Store

#: statuses whose calendar entry stands (held and no-show are past meetings that took their slot)
STANDING = ("scheduled", "moved", "held", "no_show")


def last_messages(messages) -> dict[tuple[str, str], tuple[str, int, datetime]]:
    """(recipient, meeting id) -> (METHOD, SEQUENCE, DTSTART) of the newest version received,
    read back with icalendar."""
    out: dict[tuple[str, str], tuple[str, int, datetime]] = {}
    for msg in messages:
        part = next(p for p in msg.walk() if p.get_content_type() == "text/calendar")
        cal = Calendar.from_ical(part.get_payload(decode=True))
        [ev] = cal.walk("VEVENT")
        key = (parseaddr(str(msg["To"]))[1], str(ev["UID"]).split(".")[0])
        got = (str(cal["METHOD"]), int(ev["SEQUENCE"]), ev.decoded("DTSTART"))
        if key not in out or got[1] >= out[key][1]:
            out[key] = got
    return out


def assert_same_story(db, event_id: str, messages, url: str | None = None) -> None:
    """Every meeting's stored state matches the last message each participant received for it
    (REQUEST at its SEQUENCE and time while it stands, CANCEL at its SEQUENCE once cancelled, and
    no message at all for a meeting never announced and since cancelled); with ``url`` (a running
    server) each participant's agenda.json and feed.ics agree too."""
    with Store(db) as s:
        data = s.load(event_id)
        meetings = s.meetings(event_id)
        tokens = s.tokens(event_id)
    people = data.by_id()
    last = last_messages(messages)
    problems = []
    for m in meetings:
        for p in (m.a, m.b):
            got = last.get((people[p].email, m.id))
            if m.status in STANDING:
                want = ("REQUEST", m.version, m.start)
                if got != want:
                    problems.append(f"{p} / {m.id} ({m.status}): last message {got}, stored {want}")
            elif got is not None and got[:2] != ("CANCEL", m.version):
                problems.append(f"{p} / {m.id} (cancelled v{m.version}): last message {got}")
    assert not problems, "\n".join(problems)
    if url is None:
        return
    current = {p.id for p in data.participants}  # a removed participant's link no longer opens anything
    for p in {x for m in meetings for x in (m.a, m.b)} & current:
        mine = {m.id: m for m in meetings if p in (m.a, m.b)}
        agenda = requests.get(f"{url}/p/{tokens[p]}/agenda.json", timeout=10).json()["agenda"]
        shown = {a["id"]: a for a in agenda}
        assert set(shown) == set(mine), (p, set(shown) ^ set(mine))
        for mid, m in mine.items():
            tz = people[p].timezone
            assert shown[mid]["status"] == m.status, (p, mid)
            assert shown[mid]["time"].startswith(f"{to_local(m.start, tz):%H:%M}"), (p, mid, shown[mid]["time"])
        feed = Calendar.from_ical(requests.get(f"{url}/p/{tokens[p]}/feed.ics", timeout=10).content)
        entries = {str(e["UID"]).split(".")[0]: e for e in feed.walk("VEVENT")}
        for mid, m in mine.items():
            e = entries.get(mid)
            if m.status == "cancelled":
                assert e is None or str(e.get("STATUS")) == "CANCELLED", (p, mid)
            else:
                assert e is not None and e.decoded("DTSTART") == m.start, (p, mid)
