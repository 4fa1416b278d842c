"""Live changes reach mailboxes: a real SMTP server on 127.0.0.1 receives, for exactly the meetings
a host's change touched, a new invite version (REQUEST with a higher SEQUENCE, or CANCEL), and
nothing for anybody else. The invites are read back with icalendar."""

from __future__ import annotations

import time
from datetime import timedelta
from email.utils import parseaddr

import pytest
from icalendar import Calendar

from scheduler.store import Store
from tests.test_invites import Inbox
from tests.webtools import login, mailed_live_world, publish, wait_for_delivery

EV = "mail"
LIVE = ("scheduled", "moved")


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    yield from mailed_live_world(tmp_path_factory.mktemp("mail"), EV, 40, 4, timedelta(0))


def invites(inbox: Inbox, since: int = 0) -> set[tuple[str, str, str, int]]:
    """(recipient, meeting id, METHOD, SEQUENCE) of every message from the ``since``-th on, read
    with icalendar."""
    out = set()
    for msg in inbox.messages[since:]:
        part = next(p for p in msg.walk() if p.get_content_type() == "text/calendar")
        cal = Calendar.from_ical(part.get_payload(decode=True))
        [ev] = cal.walk("VEVENT")
        out.add((parseaddr(msg["To"])[1], str(ev["UID"]).split(".")[0], str(cal["METHOD"]), int(ev["SEQUENCE"])))
    return out


def settled(world) -> None:
    """Wait for the background delivery to empty the outbox into the inbox."""
    wait_for_delivery(world["db"], EV, world["inbox"], 15)


def expected(world, before, after) -> set[tuple[str, str, str, int]]:
    """What each changed meeting owes its two participants; a cancellation goes only to the invited."""
    people = world["data"].by_id()
    old = {m.id: m for m in before}
    out = set()
    for m in after:
        was = old.get(m.id)
        if was is not None and (was.start, was.room, was.status) == (m.start, m.room, m.status):
            continue
        if m.status in LIVE:
            out |= {(people[p].email, m.id, "REQUEST", m.version) for p in (m.a, m.b)}
        elif m.status == "cancelled" and was is not None and was.status in LIVE:
            out |= {(people[p].email, m.id, "CANCEL", m.version) for p in (m.a, m.b)}
    return out


def test_live_repairs_mail_exactly_the_changed_meetings_new_versions(world):
    server, now = world["server"], world["now"]
    host, csrf = login(server.url, "hans")
    # before the organiser publishes, changes are not mailed (participants see them on their page)
    with Store(world["db"]) as s:
        first = next(x for x in s.meetings(EV) if x.start > now and x.status in LIVE)
    r = host.post(server.url + f"/events/{EV}/board/meetings/{first.id}/cancel",
                  data={"csrf_token": csrf, "version": str(_version(host, server))})
    assert r.status_code == 200 and "Meeting marked cancelled" in r.text
    time.sleep(0.5)
    with Store(world["db"]) as s:
        assert s.outbox(EV) == [] and world["inbox"].messages == []
    publish(server.url, EV)
    settled(world)
    with Store(world["db"]) as s:
        published = s.meetings(EV)
    assert invites(world["inbox"]) == {(world["data"].by_id()[p].email, m.id, "REQUEST", 0)
                                       for m in published if m.status in LIVE for p in (m.a, m.b)}
    mark = len(world["inbox"].messages)

    # gone for the day: their meetings still to come today are called off, partners refilled
    m = next(x for x in published if x.start > now and x.status in LIVE)
    r = host.post(server.url + f"/events/{EV}/board/absence",
                  data={"csrf_token": csrf, "participant": m.a, "mode": "gone", "apply": "1"})
    assert r.status_code == 200 and "Applied:" in r.text
    with Store(world["db"]) as s:
        after = s.meetings(EV)
    want = expected(world, published, after)
    assert any(method == "CANCEL" for _, _, method, _ in want)
    settled(world)
    got = invites(world["inbox"], mark)
    assert got == want  # exactly the changed meetings, to exactly their two participants
    assert all(seq >= 1 for _, _, method, seq in got if method == "CANCEL")  # a higher SEQUENCE
    # undo mails the way back: the cancelled meetings come back as REQUESTs with a higher SEQUENCE
    mark = len(world["inbox"].messages)
    r = host.post(server.url + f"/events/{EV}/board/undo", data={"csrf_token": csrf, "version": str(_version(host, server))})
    assert r.status_code == 200
    with Store(world["db"]) as s:
        undone = s.meetings(EV)
    settled(world)
    back = invites(world["inbox"], mark)
    assert back == expected(world, after, undone)
    cancelled = {(to, mid) for to, mid, method, _ in got if method == "CANCEL"}
    assert cancelled <= {(to, mid) for to, mid, method, _ in back if method == "REQUEST"}


def _version(host, server) -> int:
    import re

    page = host.get(server.url + f"/events/{EV}/board").text
    return int(re.search(r'id="schedule-version">(\d+)<', page).group(1))
