"""Host board over a real server: no-show repair pushed to exactly the affected, conflicts, undo."""

from __future__ import annotations

import html
import re
import time

import pytest

from scheduler.domain.timegrid import to_local
from scheduler.files.formats import parse_event_document
from scheduler.files.generator import generate_event
from scheduler.solver import SolverConfig, solve
from scheduler.store import Store
from tests.test_live_ops import undone_to
from tests.test_webapp import Listener
from tests.webtools import Server, login, publish, seed_db


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    doc = generate_event(60, seed=2, event_id="live")
    db = tmp_path_factory.mktemp("board") / "board.db"
    tokens = seed_db(db, [doc])
    data = parse_event_document(doc)
    result = solve(data, config=SolverConfig(time_limit=3))
    with Store(db) as s:
        s.save_schedule(result.schedule)
    slots = result.problem.slots
    now = slots[3].start  # the fourth slot of the first day is running
    server = Server(db, now=now.isoformat())
    publish(server.url, "live")  # invites went out before the day: live changes send new versions
    yield server, tokens["live"], db, result, now
    server.stop()


def board_version(s, url):
    html = s.get(url + "/events/live/board").text
    return int(re.search(r"id=\"schedule-version\">(\d+)<", html).group(1))


def changed_people(before, after) -> set[str]:
    """Participants with a meeting added, moved, re-roomed or changed in state."""
    old = {x.id: x for x in before}
    return {p for x in after for p in (x.a, x.b)
            if x.id not in old or (old[x.id].start, old[x.id].room, old[x.id].status) != (x.start, x.room, x.status)}


def test_no_show_then_gone_for_the_day_reach_exactly_the_affected_and_undo_restores(live):
    server, tokens, db, result, now = live
    host, csrf = login(server.url, "hans")
    with Store(db) as s:
        meetings = s.meetings("live")
    m = next(x for x in meetings if x.start == now and x.status == "scheduled")
    absent, partner = m.a, m.b
    later = [x for x in meetings if x.start > now and absent in (x.a, x.b) and x.status in ("scheduled", "moved")]
    assert later  # the absent participant has meetings still to come
    later_partners = {x.b if x.a == absent else x.a for x in later}
    concerned = later_partners | {absent, partner}
    others = [p for p in sorted(tokens) if p not in concerned][:8]
    listeners = {p: Listener(server.url, token=tokens[p]) for p in sorted(concerned) + others}
    time.sleep(0.5)

    # 1. the host marks the no-show: the partner left waiting is refilled, the absent keep their day
    r = host.post(server.url + f"/events/live/board/meetings/{m.id}/no-show",
                  data={"csrf_token": csrf, "version": board_version(host, server.url), "absent": absent},
                  allow_redirects=True)
    assert r.status_code == 200 and "Applied:" in r.text, re.findall(r"class=\"flash[^>]*>([^<]*)", r.text)
    assert f'<option value="{absent}" selected>' in r.text  # "gone for the day?" is one click away
    time.sleep(1.0)
    with Store(db) as s:
        after = s.meetings("live")
    assert next(x for x in after if x.id == m.id).status == "no_show"
    kept = {x.id: x for x in after}
    assert all(kept[x.id].status in ("scheduled", "moved") for x in later)  # nothing of theirs was cancelled
    frozen = lambda ms: sorted((x for x in ms if x.start <= now and x.id != m.id), key=lambda x: x.id)  # noqa: E731
    assert frozen(after) == frozen(meetings)  # past and running slots are frozen
    changed = changed_people(meetings, after)
    assert {p for p, c in listeners.items() if c.got} == changed & set(listeners)  # exactly the affected
    for c in listeners.values():
        c.got.clear()

    # 2. the absent has left for the day: their later meetings go, their partners hear, nobody else
    before_outbox = len(Store(db).outbox("live"))
    r = host.post(server.url + "/events/live/board/absence",
                  data={"csrf_token": csrf, "participant": absent, "mode": "gone", "apply": "1"})
    assert r.status_code == 200 and "Applied:" in r.text
    time.sleep(1.0)
    with Store(db) as s:
        gone = s.meetings("live")
        outbox = s.outbox("live")
    tz = result.problem.event.timezone
    today = to_local(now, tz).date()
    assert all(x.status == "cancelled" or to_local(x.start, tz).date() > today  # back tomorrow
               for x in gone if absent in (x.a, x.b) and x.start > now)  # fmt: skip
    changed = changed_people(after, gone)
    heard = {p for p, c in listeners.items() if c.got}
    assert heard == changed & set(listeners)
    partners_today = {x.b if x.a == absent else x.a for x in later if to_local(x.start, tz).date() == today}
    assert partners_today and partners_today <= heard and len(heard) < len(tokens)
    assert frozen(gone) == frozen(meetings)
    assert len(outbox) > before_outbox  # new invite versions (REQUEST or CANCEL) went out

    # 3. undo puts the schedule back exactly as it was before "gone for the day"
    r = host.post(server.url + "/events/live/board/undo",
                  data={"csrf_token": csrf, "version": board_version(host, server.url)})
    assert r.status_code == 200
    with Store(db) as s:
        undone = s.meetings("live")
    assert undone_to(undone, after)  # a meeting the repair added and announced stays, cancelled
    for c in listeners.values():
        c.client.disconnect()


def test_a_stale_board_gets_a_clear_conflict(live):
    server, tokens, db, result, now = live
    host, csrf = login(server.url, "hans")
    v = board_version(host, server.url)
    with Store(db) as s:
        m = next(x for x in s.meetings("live") if x.start > now and x.status in ("scheduled", "moved"))
    ok = host.post(server.url + f"/events/live/board/meetings/{m.id}/held", data={"csrf_token": csrf, "version": v})
    assert ok.status_code == 200 and "Meeting marked held" in ok.text
    stale = host.post(server.url + f"/events/live/board/meetings/{m.id}/cancel", data={"csrf_token": csrf, "version": v})
    assert "meanwhile" in stale.text and "The board below is fresh" in stale.text
    with Store(db) as s:
        assert next(x for x in s.meetings("live") if x.id == m.id).status == "held"


def test_preview_then_apply_and_participant_check_in(live):
    server, tokens, db, result, now = live
    host, csrf = login(server.url, "hans")
    with Store(db) as s:
        m = next(x for x in s.meetings("live") if x.start > now and x.status in ("scheduled", "moved"))
    preview = host.post(server.url + "/events/live/board/absence", data={"csrf_token": csrf, "participant": m.b, "mode": "gone"})
    assert preview.status_code == 200 and "Repair preview" in preview.text and "cancelled" in preview.text
    told = re.search(r'id="people-told"><b>People told</b>[^:]*: ([^<]*)</p>', preview.text).group(1)
    assert html.escape(result.problem.participants[m.a].name) in told  # the partner of the one away is named
    import requests

    p = requests.Session()
    page = p.get(server.url + f"/p/{tokens[m.a]}").text
    from tests.webtools import csrf_of

    assert p.post(server.url + f"/p/{tokens[m.a]}/checkin", data={"csrf_token": csrf_of(page)}).status_code == 200
    assert "✓" in host.get(server.url + "/events/live/board").text
