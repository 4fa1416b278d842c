"""One road for every change to a published event, over a real server on the live day, a real
SMTP server on 127.0.0.1 and real calendar parsers: after each change the database, every
participant's agenda.json and feed, and the mail received tell the same story."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import requests

from scheduler.domain.timegrid import to_local
from scheduler.matching.requests import wanted_pairs
from scheduler.store import Store
from tests.consistency import assert_same_story
from tests.webtools import csrf_of, login, mailed_live_world, publish, wait_for_delivery

EV = "pipe"
UPCOMING = ("scheduled", "moved")


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    # the live day: two slots are over; the organiser publishes, and every invite arrives
    for w in mailed_live_world(tmp_path_factory.mktemp("pipe"), EV, 30, 7, timedelta(minutes=1)):
        publish(w["server"].url, EV)
        settled(w)
        assert_same_story(w["db"], EV, w["inbox"].messages, w["server"].url)
        yield w


def settled(world) -> None:
    wait_for_delivery(world["db"], EV, world["inbox"])


def portal(world, pid: str) -> tuple[requests.Session, str, str]:
    with Store(world["db"]) as s:
        token = s.tokens(EV)[pid]
    session = requests.Session()
    base = f"{world['server'].url}/p/{token}"
    return session, base, csrf_of(session.get(base).text)


def meetings(world):
    with Store(world["db"]) as s:
        return {m.id: m for m in s.meetings(EV)}


def started(world, ms) -> dict:
    return {k: m for k, m in ms.items() if m.start <= world["now"]}


def test_a_declined_request_cancels_its_meeting_in_calendars_and_pages(world):
    with Store(world["db"]) as s:
        data = s.load(EV)
    single = [p for p in wanted_pairs(data) if not p.mutual]
    before = meetings(world)
    target = next(m for m in before.values() if m.status in UPCOMING and m.start > world["now"]
                  and any({p.a, p.b} == {m.a, m.b} for p in single))
    req = next(r for r in data.requests if {r.sender, r.receiver} == {target.a, target.b})
    session, base, csrf = portal(world, req.receiver)
    r = session.post(f"{base}/requests/{req.sender}/{req.receiver}/decline", data={"csrf_token": csrf})
    assert r.status_code == 200 and "Its scheduled meeting is cancelled" in r.text
    after = meetings(world)
    assert after[target.id].status == "cancelled" and after[target.id].version == target.version + 1
    assert started(world, after) == started(world, before)  # the past is never rewritten
    settled(world)
    assert_same_story(world["db"], EV, world["inbox"].messages, world["server"].url)


def next_hour_only(world, ms, first: bool):
    """A participant with meetings more than an hour ahead (the first such meeting's first side, or
    the last one's second side), those meetings, and an availability window covering only the next
    hour of today in their zone: every one of those meetings falls outside it."""
    late = [m for m in ms.values() if m.status in UPCOMING and m.start > world["now"] + timedelta(hours=1)
            and not m.locked]
    pid = late[0].a if first else late[-1].b
    with Store(world["db"]) as s:
        me = s.load(EV).by_id()[pid]
    start = to_local(world["now"], me.timezone)
    window = f"{start:%Y-%m-%d} {start:%H:%M}-{(start + timedelta(minutes=59)):%H:%M}"
    return pid, [m for m in late if pid in (m.a, m.b)], window


def test_narrowing_availability_lists_the_meetings_it_leaves_out_and_releases_them(world):
    before = meetings(world)
    pid, mine, window = next_hour_only(world, before, first=True)
    session, base, csrf = portal(world, pid)
    r = session.post(f"{base}/profile", data={"csrf_token": csrf, "available": window})
    assert r.status_code == 200 and "Nothing is saved yet" in r.text
    listed = re.findall(r"<li>([^<]+)</li>", r.text.split('id="conflicts"')[1].split("</ul>")[0])
    assert len(listed) == len(mine)
    assert meetings(world) == before  # nothing saved until the participant decides
    csrf = csrf_of(r.text)
    r = session.post(f"{base}/profile", data={"csrf_token": csrf, "available": window, "conflicts": "release"})
    assert r.status_code == 200 and "cancelled and your partners were told" in r.text
    after = meetings(world)
    assert all(after[m.id].status == "cancelled" or after[m.id].start != m.start for m in mine)
    assert started(world, after) == started(world, before)
    settled(world)
    assert_same_story(world["db"], EV, world["inbox"].messages, world["server"].url)


def test_keeping_meetings_outside_new_hours_locks_them_against_repairs(world):
    before = meetings(world)
    pid, mine, window = next_hour_only(world, before, first=False)
    session, base, csrf = portal(world, pid)
    r = session.post(f"{base}/profile", data={"csrf_token": csrf, "available": window, "conflicts": "keep"})
    assert r.status_code == 200 and "You keep the" in r.text
    after = meetings(world)
    assert all(after[m.id].locked and after[m.id].start == m.start for m in mine)
    # a later repair around someone else never moves or cancels them
    host, hcsrf = login(world["server"].url, "hans")
    other = next(m for m in after.values() if m.status in UPCOMING and m.start > world["now"]
                 and pid not in (m.a, m.b))
    r = host.post(world["server"].url + f"/events/{EV}/board/absence",
                  data={"csrf_token": hcsrf, "participant": other.a, "mode": "gone", "apply": "1"})
    assert r.status_code == 200
    later = meetings(world)
    assert all(later[m.id].status in UPCOMING and later[m.id].start == m.start for m in mine)
    settled(world)
    assert_same_story(world["db"], EV, world["inbox"].messages, world["server"].url)


def _reoptimise(world, moves: bool) -> tuple[int, str]:
    s, csrf = login(world["server"].url, "olga")
    url = world["server"].url
    r = s.post(url + f"/events/{EV}/solve", headers={"X-CSRFToken": csrf})
    assert r.status_code == 200, r.text
    preview = url + r.json()["preview"] + ("?moves=1" if moves else "")
    page = s.get(preview)
    assert page.status_code == 200 and "Update the published schedule?" in page.text
    counts = re.search(r'id="preview-counts">(\d+) added · (\d+) moved · (\d+) cancelled', page.text)
    added, moved, cancelled = map(int, counts.groups())
    if "apply-reoptimise" in page.text:
        version = re.search(r'name="version" value="(\d+)"', page.text).group(1)
        r = s.post(url + f"/events/{EV}/reoptimise",
                   data={"csrf_token": csrf_of(page.text), "version": version, "moves": "1" if moves else "0"})
        assert r.status_code == 200 and "Applied:" in r.text, r.text
    return moved, page.text


def test_regenerating_on_the_live_day_keeps_the_past_and_moves_nothing(world):
    # what the hosts recorded this morning: one meeting held, one a no-show
    past = sorted((m for m in meetings(world).values() if m.start <= world["now"] and m.status in UPCOMING),
                  key=lambda m: m.id)
    with Store(world["db"]) as s:
        s.update_meeting(EV, past[0].id, actor="hans", status="held", reason="held")
        s.update_meeting(EV, past[1].id, actor="hans", status="no_show", reason="no-show")
    before = meetings(world)
    moved, _ = _reoptimise(world, moves=False)
    after = meetings(world)
    assert moved == 0
    assert started(world, after) == started(world, before)  # held and no-show stay what they are
    assert (after[past[0].id].status, after[past[1].id].status) == ("held", "no_show")
    for k, m in before.items():  # every meeting still to come is where it was
        if m.status in UPCOMING:
            assert (after[k].start, after[k].room, after[k].status) == (m.start, m.room, m.status)
    settled(world)
    assert_same_story(world["db"], EV, world["inbox"].messages, world["server"].url)
    # with nothing changed since, a second re-generation changes nothing at all
    moved, text = _reoptimise(world, moves=False)
    assert "Nothing to change" in text and meetings(world) == after


def test_regenerating_with_moves_allowed_never_touches_started_slots(world):
    before = meetings(world)
    _reoptimise(world, moves=True)
    after = meetings(world)
    assert started(world, after) == started(world, before)
    assert all(m.status != "scheduled" or m.start > world["now"] for k, m in after.items() if k not in before)
    settled(world)
    assert_same_story(world["db"], EV, world["inbox"].messages, world["server"].url)


def _hidden(page: str, marker: str) -> dict[str, str]:
    """The hidden fields of the form whose submit button carries ``marker``."""
    import html

    form = page.split(marker)[0].rsplit("<form", 1)[1]
    return {k: html.unescape(v) for k, v in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form)}


def test_closing_a_room_then_reopening_it_tells_one_story(world):
    url = world["server"].url
    host, csrf = login(url, "hans")
    before = meetings(world)
    future = [m for m in before.values() if m.start > world["now"] and m.status in UPCOMING]
    room = max({m.room for m in future}, key=lambda r: sum(m.room == r for m in future))
    preview = host.post(url + f"/events/{EV}/board/rooms/close", data={"csrf_token": csrf, "room": str(room)})
    assert "Repair preview" in preview.text
    r = host.post(url + f"/events/{EV}/board/apply", data=_hidden(preview.text, 'id="apply-repair"'))
    assert r.status_code == 200 and "Applied:" in r.text
    closed = meetings(world)
    assert not [m for m in closed.values() if m.start > world["now"] and m.status in UPCOMING and m.room == room]
    assert started(world, closed) == started(world, before)
    settled(world)
    assert_same_story(world["db"], EV, world["inbox"].messages, url)
    # reopening offers to put back what the closing moved away or cancelled, where still free
    page = host.post(url + f"/events/{EV}/board/rooms/{room}/open", data={"csrf_token": csrf})
    assert page.status_code == 200
    if 'name="restore"' in page.text:
        version = re.search(r'name="version" value="(\d+)"', page.text).group(1)
        r = host.post(url + f"/events/{EV}/board/rooms/{room}/open",
                      data={"csrf_token": csrf, "apply": "1", "restore": "1", "version": version})
        assert r.status_code == 200
        back = meetings(world)
        assert any(m.room == room and m.status in UPCOMING and m.start > world["now"] for m in back.values())
    settled(world)
    assert_same_story(world["db"], EV, world["inbox"].messages, url)


def test_undo_and_a_console_move_tell_one_story(world):
    url = world["server"].url
    host, csrf = login(url, "hans")
    board = host.get(url + f"/events/{EV}/board").text
    version = re.search(r'id="schedule-version">(\d+)<', board).group(1)
    r = host.post(url + f"/events/{EV}/board/undo", data={"csrf_token": csrf, "version": version})
    assert r.status_code == 200
    settled(world)
    assert_same_story(world["db"], EV, world["inbox"].messages, url)
    # the organiser moves a meeting by hand from the console, to a free place later today
    from scheduler.domain.timegrid import allowed_map, build_slots

    org, ocsrf = login(url, "olga")
    ms = meetings(world)
    with Store(world["db"]) as s:
        data = s.load(EV)
        closed = s.live_settings(EV)["closed_rooms"]
    slots = build_slots(data.event)
    allowed = allowed_map(data, slots)
    m = next(m for m in ms.values() if m.status in UPCOMING and m.start > world["now"] + timedelta(hours=1))
    busy = {(x.start, p) for x in ms.values() if x.status in UPCOMING for p in (x.a, x.b)}
    target = next(s for s in slots if s.start > world["now"] + timedelta(hours=1) and s.start != m.start
                  and s.index in allowed[m.a] and s.index in allowed[m.b]
                  and (s.start, m.a) not in busy and (s.start, m.b) not in busy)
    used = {x.room for x in ms.values() if x.start == target.start and x.status in UPCOMING}
    room = next(r for r in range(1, data.event.rooms + 1) if r not in used and r not in closed)
    page = org.get(url + f"/events/{EV}/schedule").text
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    r = org.post(url + f"/events/{EV}/meetings/{m.id}/move",
                 data={"csrf_token": ocsrf, "slot": str(target.index), "room": str(room), "version": version})
    assert r.status_code == 200 and "moved" in r.text.lower()
    assert meetings(world)[m.id].start == target.start
    settled(world)
    assert_same_story(world["db"], EV, world["inbox"].messages, url)


def test_re_importing_the_event_without_one_participant_tells_one_story(world):
    import json

    from scheduler.files.writer import event_document

    url = world["server"].url
    org, csrf = login(url, "olga")
    with Store(world["db"]) as s:
        data = s.load(EV)
        tokens = s.tokens(EV)
    ms = meetings(world)
    gone = next(m.a for m in ms.values() if m.status in UPCOMING and m.start > world["now"])
    doc = event_document(data)
    doc["participants"] = [p for p in doc["participants"] if p["id"] != gone]
    doc["requests"] = [r for r in doc["requests"] if gone not in (r["from"], r["to"])]
    files = {"files": ("event.json", json.dumps(doc).encode(), "application/json")}
    page = org.post(url + "/events/import", data={"csrf_token": csrf}, files=files)
    assert page.status_code == 200 and "merge" in page.text.lower()
    action = re.search(r'action="(/events/import/[^"]+)"', page.text).group(1)
    r = org.post(url + action, data=_hidden(page.text, 'id="apply-merge"'))
    assert r.status_code == 200, r.text
    after = meetings(world)
    assert all(after[m.id].status == "cancelled" for m in ms.values()
               if gone in (m.a, m.b) and m.status in UPCOMING and m.start > world["now"])
    assert started(world, after) == started(world, ms)
    with Store(world["db"]) as s:  # everyone else keeps their personal link
        assert {p: t for p, t in s.tokens(EV).items() if p != gone} == {p: t for p, t in tokens.items() if p != gone}
    settled(world)
    assert_same_story(world["db"], EV, world["inbox"].messages, url)


def test_a_confirmed_replace_cancels_every_announced_meeting_in_calendars_and_pages(world):
    """Last in this module: it replaces the whole event. Unconfirmed, nothing changes; confirmed,
    every announced meeting still standing gets its CANCEL, and the new links show it."""
    import json

    from scheduler.files.writer import event_document

    url = world["server"].url
    org, csrf = login(url, "olga")
    with Store(world["db"]) as s:
        doc = event_document(s.load(EV))
    before = meetings(world)
    files = {"files": ("event.json", json.dumps(doc).encode(), "application/json")}
    page = org.post(url + "/events/import", data={"csrf_token": csrf, "replace": "1"}, files=files)
    assert page.status_code == 200 and 'id="replace-warning"' in page.text
    assert re.search(r"This cancels \d+ announced meetings \(\d+ calendar entries\)", page.text)
    assert meetings(world) == before  # a warning only: nothing changed yet
    action = re.search(r'action="(/events/import/[^"]+)"', page.text).group(1)
    refused = org.post(url + action, data={"csrf_token": csrf_of(page.text), "action": "replace"})
    assert refused.status_code == 400 and meetings(world) == before  # the box was not ticked
    r = org.post(url + action, data={"csrf_token": csrf_of(page.text), "action": "replace", "confirm": "1"})
    assert r.status_code == 200, r.text
    after = meetings(world)
    assert all(after[k].status == "cancelled" for k, m in before.items()
               if m.status in UPCOMING and m.start > world["now"])
    settled(world)
    assert_same_story(world["db"], EV, world["inbox"].messages, url)
