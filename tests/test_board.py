"""Host board over a real server: no-show repair pushed to exactly the affected, conflicts, undo."""

from __future__ import annotations

import time

import pytest

from scheduler.formats import parse_event_document
from scheduler.generator import generate_event
from scheduler.solver import SolverConfig, solve
from scheduler.store import Store
from tests.test_webapp import Listener
from tests.webtools import Server, login, seed_db


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
    yield server, tokens["live"], db, result, now
    server.stop()


def board_version(s, url):
    import re

    html = s.get(url + "/events/live/board").text
    return int(re.search(r"id=\"schedule-version\">(\d+)<", html).group(1))


def test_no_show_repair_reaches_exactly_the_affected_and_can_be_undone(live):
    server, tokens, db, result, now = live
    host, csrf = login(server.url, "hans")
    with Store(db) as s:
        meetings = s.meetings("live")
    current = [m for m in meetings if m.start == now and m.status == "scheduled"]
    m = current[0]
    absent = m.a
    later = [x for x in meetings if x.start > now and absent in (x.a, x.b)]
    affected_guess = {x.b if x.a == absent else x.a for x in later} | {absent, m.b if m.a == absent else m.a}
    others = [p for p in sorted(tokens) if p not in affected_guess][:8]
    listeners = {p: Listener(server.url, token=tokens[p]) for p in sorted(affected_guess) + others}
    time.sleep(0.5)
    before_outbox = len(Store(db).outbox("live"))
    r = host.post(server.url + f"/events/live/board/meetings/{m.id}/no-show",
                  data={"csrf_token": csrf, "version": board_version(host, server.url), "absent": absent, "auto": "1"},
                  allow_redirects=True)
    import re as _re
    assert r.status_code == 200 and "Applied:" in r.text, _re.findall(r"class=\"flash[^>]*>([^<]*)", r.text)
    time.sleep(1.0)
    with Store(db) as s:
        after = s.meetings("live")
        outbox = s.outbox("live")
    changed = {p for x in after for p in (x.a, x.b)
               if any(y.id == x.id and (y.start, y.room, y.status) != (x.start, x.room, x.status) for y in meetings)}
    changed |= {p for x in after if x.id not in {y.id for y in meetings} for p in (x.a, x.b)}
    heard = {p for p, c in listeners.items() if c.got}
    assert heard == changed & set(listeners)  # exactly the affected among those listening
    assert affected_guess - {m.b if m.a == absent else m.a} <= heard | {absent}
    assert len(heard) < len(tokens)
    frozen = lambda ms: sorted((x for x in ms if x.start <= now and x.id != m.id), key=lambda x: x.id)  # noqa: E731
    assert frozen(after) == frozen(meetings)  # past and running slots are frozen
    assert next(x for x in after if x.id == m.id).status == "no_show"
    assert len(outbox) > before_outbox  # new invite versions (REQUEST or CANCEL) went out
    # undo puts the schedule back as it was before the repair
    r = host.post(server.url + "/events/live/board/undo",
                  data={"csrf_token": csrf, "version": board_version(host, server.url)})
    assert r.status_code == 200
    with Store(db) as s:
        undone = s.meetings("live")
    key = lambda x: (x.id, x.start, x.room)  # noqa: E731
    assert sorted(map(key, [x for x in undone if x.status != "cancelled"])) == sorted(
        map(key, [x for x in meetings if x.status != "cancelled" and x.id != m.id] + [m]))
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
    assert "changed meanwhile" in stale.text and "The board below is fresh" in stale.text
    with Store(db) as s:
        assert next(x for x in s.meetings("live") if x.id == m.id).status == "held"


def test_preview_then_apply_and_participant_check_in(live):
    server, tokens, db, result, now = live
    host, csrf = login(server.url, "hans")
    with Store(db) as s:
        m = next(x for x in s.meetings("live") if x.start > now and x.status in ("scheduled", "moved"))
    preview = host.post(server.url + "/events/live/board/absence", data={"csrf_token": csrf, "participant": m.b, "mode": "gone"})
    assert preview.status_code == 200 and "Repair preview" in preview.text and "cancelled" in preview.text
    import requests

    p = requests.Session()
    page = p.get(server.url + f"/p/{tokens[m.a]}").text
    from tests.webtools import csrf_of

    assert p.post(server.url + f"/p/{tokens[m.a]}/checkin", data={"csrf_token": csrf_of(page)}).status_code == 200
    assert "✓" in host.get(server.url + "/events/live/board").text
