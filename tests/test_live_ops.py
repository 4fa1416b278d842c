"""The live day over a real server: standby "meet now", closed rooms, moves and late requests by
hand, live settings, and one repair at a time. Real HTTP, real Socket.IO clients, real SQLite."""

from __future__ import annotations

import html
import re
import time
from datetime import timedelta

import pytest
import requests

from scheduler.domain.timegrid import allowed_map
from scheduler.files.formats import parse_event_document
from scheduler.files.generator import generate_event
from scheduler.matching.scores import Scorer
from scheduler.solver import SolverConfig, solve
from scheduler.store import Store
from tests.test_webapp import Listener
from tests.webtools import Server, csrf_of, login, publish, seed_db

EV = "ops"
LIVE = ("scheduled", "moved")


@pytest.fixture(scope="module")
def ops(tmp_path_factory):
    doc = generate_event(60, seed=2, event_id=EV)
    db = tmp_path_factory.mktemp("ops") / "ops.db"
    tokens = seed_db(db, [doc])[EV]
    data = parse_event_document(doc)
    result = solve(data, config=SolverConfig(time_limit=3))
    with Store(db) as s:
        s.save_schedule(result.schedule)
    slots = result.problem.slots
    now = slots[3].start + timedelta(minutes=6)  # six minutes into the fourth slot
    server = Server(db, now=now.isoformat(), extra_env={"MATCHMAKING_STANDBY_TICK": "0"})
    publish(server.url, EV)  # invites went out before the day: live changes send new versions
    host, csrf = login(server.url, "hans")
    yield {"server": server, "url": server.url, "tokens": tokens, "db": db, "data": data, "slots": slots,
           "now": now, "running": slots[3], "host": host, "csrf": csrf}
    server.stop()


def meetings(ops):
    with Store(ops["db"]) as s:
        return s.meetings(EV)


def version(ops) -> int:
    page = ops["host"].get(ops["url"] + f"/events/{EV}/board").text
    return int(re.search(r'id="schedule-version">(\d+)<', page).group(1))


def flashes(page: str) -> list[str]:
    return [html.unescape(x) for x in re.findall(r'class="flash (?:error|message)?[^"]*"[^>]*>([^<]*)<', page)]


def wait_for(cond, seconds=5.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not cond():
        time.sleep(0.1)
    return cond()


def post(ops, path, **data):
    return ops["host"].post(ops["url"] + f"/events/{EV}/board" + path, data={"csrf_token": ops["csrf"], **data})


def undone_to(now, before) -> bool:
    """Whether an undo put back ``before`` (times, rooms, statuses; invite versions keep rising):
    a meeting the undone change added and announced is not deleted but stays, cancelled."""
    key = lambda x: (x.id, x.start, x.room, x.status)  # noqa: E731
    old = {m.id for m in before}
    extra = [m for m in now if m.id not in old]
    return sorted(map(key, (m for m in now if m.id in old))) == sorted(map(key, before)) and all(
        m.status == "cancelled" for m in extra)


def standby_scene(data, schedule, slots, running):
    """A meeting of the running slot whose traditional side could meet one of the free tech SMEs
    (available then, below their cap, a positive match score, not met yet); the free tech SMEs."""
    people = data.by_id()
    now_meetings = [m for m in schedule if m.start == running.start and m.status in LIVE]
    busy = {p for m in now_meetings for p in (m.a, m.b)}
    allowed = allowed_map(data, slots)
    load = {p.id: sum(p.id in (x.a, x.b) for x in schedule if x.status in (*LIVE, "held")) for p in data.participants}
    free_tech = sorted(p.id for p in data.participants if p.id not in busy and p.kind == "tech"
                       and running.index in allowed[p.id] and load[p.id] < p.cap(data.event))  # fmt: skip
    scorer = Scorer(data)
    met = {frozenset((m.a, m.b)) for m in schedule}

    def trad(m):
        return m.a if people[m.a].kind == "traditional" else m.b

    m = next(m for m in now_meetings
             if any(scorer.score(trad(m), p) > 0 and frozenset((trad(m), p)) not in met for p in free_tech))
    return m, trad(m), (m.b if trad(m) == m.a else m.a), free_tech


def test_standby_meet_now_offered_accepted_by_both_and_pushed_to_exactly_those_concerned(ops):
    data, url, tokens, running = ops["data"], ops["url"], ops["tokens"], ops["running"]
    people = data.by_id()
    m, waiting, missing, free_tech = standby_scene(data, meetings(ops), ops["slots"], running)
    scorer = Scorer(data)
    met = {frozenset((x.a, x.b)) for x in meetings(ops)}
    now_meetings = [x for x in meetings(ops) if x.start == running.start and x.status in LIVE]
    bystander = next(x for x in now_meetings if x.id != m.id)
    ears = {p: Listener(url, token=tokens[p]) for p in [waiting, missing, bystander.a, bystander.b, *free_tech]}
    staff = Listener(url, cookie="; ".join(f"{c.name}={c.value}" for c in ops["host"].cookies), watch=EV)
    time.sleep(0.5)
    for p in free_tech:  # the host sees them in the waiting room
        assert post(ops, f"/checkin/{p}").status_code == 200
    assert not any(e.got for e in ears.values())  # nobody is waiting yet: no offers
    portal = requests.Session()
    page = portal.get(url + f"/p/{tokens[waiting]}").text
    assert portal.post(url + f"/p/{tokens[waiting]}/checkin", data={"csrf_token": csrf_of(page)}).status_code == 200
    assert wait_for(lambda: ears[waiting].got)
    with Store(ops["db"]) as s:
        [offer] = s.offers(EV, status="open")
    partner = offer["b"]
    assert offer["a"] == waiting and partner in free_tech and offer["replaces"] == [m.id]
    assert offer["score"] > 0 and frozenset((waiting, partner)) not in met
    # the best free match by score
    assert offer["score"] == pytest.approx(max(scorer.score(waiting, p) for p in free_tech
                                               if frozenset((waiting, p)) not in met), abs=1e-3)
    assert wait_for(lambda: ears[partner].got)
    time.sleep(0.3)
    heard = {p for p, e in ears.items() if e.got}
    assert heard == {waiting, partner}
    assert ears[waiting].got[0][0] == "standby_offer" and ears[waiting].got[0][1]["other"] == people[partner].name
    # each side sees it on their own page; nobody else can answer it
    p2 = requests.Session()
    other_page = p2.get(url + f"/p/{tokens[partner]}").text
    assert "Meet now" in other_page and html.escape(people[waiting].name) in other_page
    intruder = requests.Session()
    ipage = intruder.get(url + f"/p/{tokens[bystander.a]}").text
    assert intruder.post(url + f"/p/{tokens[bystander.a]}/offers/{offer['id']}/accept",
                         data={"csrf_token": csrf_of(ipage)}).status_code == 404
    for e in ears.values():
        e.got.clear()
    r = p2.post(url + f"/p/{tokens[partner]}/offers/{offer['id']}/accept", data={"csrf_token": csrf_of(other_page)})
    assert "waiting for the other side" in r.text
    assert wait_for(lambda: ears[waiting].got) and ears[waiting].got[0][0] == "offer_update"
    version_before = version(ops)
    page = portal.get(url + f"/p/{tokens[waiting]}").text
    r = portal.post(url + f"/p/{tokens[waiting]}/offers/{offer['id']}/accept", data={"csrf_token": csrf_of(page)})
    assert "It's a meeting" in html.unescape(r.text)
    after = {x.id: x for x in meetings(ops)}
    new = next(x for x in after.values() if {x.a, x.b} == {waiting, partner})
    assert (new.start, new.status, new.room) == (running.start, "scheduled", m.room)
    assert after[m.id].status == "no_show"
    assert version(ops) == version_before + 1
    assert wait_for(lambda: all(any(n == "agenda_changed" for n, _ in ears[p].got) for p in (waiting, partner, missing)))
    time.sleep(0.3)
    assert not ears[bystander.a].got and not ears[bystander.b].got
    assert not any(ears[p].got for p in free_tech if p != partner)
    assert "offer_changed" in staff.names() and "schedule_changed" in staff.names()
    diff = next(d for n, d in staff.got if n == "schedule_changed")  # the staff room gets the diff
    assert {(c["kind"], c["meeting"]) for c in diff["changes"]} == {("added", new.id), ("cancelled", m.id)}
    with Store(ops["db"]) as s:
        sent = {(o["meeting_id"], o["participant_id"], o["method"]) for o in s.outbox(EV)}
        assert (new.id, waiting, "REQUEST") in sent and (new.id, partner, "REQUEST") in sent
        assert s.offer(EV, offer["id"])["status"] == "confirmed"
    assert "confirmed" in ops["host"].get(url + f"/events/{EV}/board").text
    # the new meeting is in both agendas, in each one's own zone
    agenda = requests.get(url + f"/p/{tokens[partner]}/agenda.json").json()["agenda"]
    assert any(a["id"] == new.id and a["status"] == "scheduled" for a in agenda)
    for e in [*ears.values(), staff]:
        e.client.disconnect()


def test_live_settings_are_checked_and_turn_auto_repair_into_a_preview(ops):
    bad = post(ops, "/settings", standby_minutes="99", auto_repair="1", waitlist="3")
    assert any("standby_minutes: must be a whole number from 0 to 24" in f for f in flashes(bad.text))
    bad = post(ops, "/settings", standby_minutes="5", auto_repair="1", waitlist="many")
    assert any("waitlist: must be a whole number from 0 to 10" in f for f in flashes(bad.text))
    ok = post(ops, "/settings", standby_minutes="3", waitlist="2")  # checkbox left empty: auto-repair off
    assert "Settings saved." in flashes(ok.text)
    with Store(ops["db"]) as s:
        assert s.live_settings(EV) == {"auto_repair": False, "standby_minutes": 3, "closed_rooms": [], "waitlist": 2}
    m = next(x for x in meetings(ops) if x.start > ops["now"] + timedelta(hours=1) and x.status in LIVE)
    r = post(ops, f"/meetings/{m.id}/no-show", version=version(ops), absent=m.a)
    assert "Repair preview" in r.text  # marked, but the repair waits for the host
    after = {x.id: x for x in meetings(ops)}
    assert after[m.id].status == "no_show"
    assert all(after[x.id].status == x.status for x in meetings(ops) if x.id != m.id)
    post(ops, "/settings", standby_minutes="5", auto_repair="1", waitlist="3")


def _apply_preview(ops, preview_html: str):
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">',
                             preview_html.split('id="apply-repair"')[0].rsplit("<form", 1)[1]))
    return ops["host"].post(ops["url"] + f"/events/{EV}/board/apply", data={k: html.unescape(v) for k, v in fields.items()})


def test_closing_a_room_relocates_its_meetings_and_tells_only_their_people(ops):
    url, tokens, now = ops["url"], ops["tokens"], ops["now"]
    before = meetings(ops)
    future = [m for m in before if m.start > now and m.status in LIVE]
    room = max({m.room for m in future}, key=lambda r: sum(m.room == r for m in future))
    inside = [m for m in future if m.room == room]
    touched = {p for m in inside for p in (m.a, m.b)}
    others = sorted({p for m in future for p in (m.a, m.b)} - touched)[:6]
    ears = {p: Listener(url, token=tokens[p]) for p in sorted(touched)[:6] + others}
    time.sleep(0.5)
    preview = post(ops, "/rooms/close", room=str(room))
    assert "Repair preview" in preview.text and f"room {room} closes" in preview.text
    assert meetings(ops) == before  # a preview changes nothing
    r = _apply_preview(ops, preview.text)
    assert any(f.startswith("Applied:") for f in flashes(r.text)), flashes(r.text)
    after = meetings(ops)
    assert not [m for m in after if m.start > now and m.status in LIVE and m.room == room]
    past = lambda ms: sorted((m for m in ms if m.start <= now), key=lambda m: m.id)  # noqa: E731
    assert past(after) == past(before)
    with Store(ops["db"]) as s:
        assert s.live_settings(EV)["closed_rooms"] == [room]
    changed = {p for m in after for p in (m.a, m.b)
               if any(b.id == m.id and (b.start, b.room, b.status) != (m.start, m.room, m.status) for b in before)}
    time.sleep(1.0)
    assert {p for p, e in ears.items() if e.got} == changed & set(ears)
    # only meetings of people who had a meeting in the closed room may change (a chain of moves
    # can free a slot for them); everybody else's day is left alone
    changed_meetings = [m for m in after if any(b.id == m.id and (b.start, b.room, b.status) != (m.start, m.room, m.status)
                                                for b in before)]  # fmt: skip
    assert changed_meetings and all({m.a, m.b} & touched for m in changed_meetings)
    # a closed room cannot be chosen by hand either; reopening it frees it again
    m = next(x for x in after if x.start > now and x.status in LIVE)
    slot = next(s.index for s in ops["slots"] if s.start == m.start)
    r = post(ops, "/move", meeting=m.id, slot=str(slot), room=str(room), version=version(ops))
    assert any(f.startswith(f"room: room {room} is closed") for f in flashes(r.text))
    # in a slot with a free room the meetings only changed room; the others moved or were cancelled
    assert all(a.room != room for a in after if a.start > now and a.status in LIVE)
    # reopening offers to put back what the closing moved in time or cancelled, then does it
    reopen = post(ops, f"/rooms/{room}/open")
    if "can go back" in reopen.text:
        back = re.search(r'id="restore-count">(\d+) meetings can go back', reopen.text)
        r = post(ops, f"/rooms/{room}/open", apply="1", restore="1", version=version(ops))
        assert any(f"{back.group(1)} meetings are back at their original time and room" in f for f in flashes(r.text))
    with Store(ops["db"]) as s:
        assert s.live_settings(EV)["closed_rooms"] == []
    for e in ears.values():
        e.client.disconnect()


def test_moving_by_hand_checks_the_target_and_tells_both(ops):
    url, tokens, now, data, slots = ops["url"], ops["tokens"], ops["now"], ops["data"], ops["slots"]
    allowed = allowed_map(data, slots)
    current = meetings(ops)
    live = [x for x in current if x.status in LIVE]

    def free_target(m):
        for s in slots:
            if s.start <= now or s.start == m.start or not {s.index} <= allowed[m.a] & allowed[m.b]:
                continue
            here = [x for x in live if x.start == s.start]
            if len(here) < data.event.rooms and not any({x.a, x.b} & {m.a, m.b} for x in here):
                return s
        return None

    m = next(x for x in live if x.start > now and free_target(x))
    target = free_target(m)
    taken = next((x for x in live if x.start == target.start), None)
    if taken is not None:
        r = post(ops, "/move", meeting=m.id, slot=str(target.index), room=str(taken.room), version=version(ops))
        names = {p.id: p.name for p in data.participants}
        assert f"room: room {taken.room} is taken by {names[taken.a]} ⇄ {names[taken.b]} in that slot" in flashes(r.text)
    r = post(ops, "/move", meeting=m.id, slot="0", room="", version=version(ops))
    assert "slot: only meetings and slots that have not started can be moved" in flashes(r.text)
    a, b = Listener(url, token=tokens[m.a]), Listener(url, token=tokens[m.b])
    time.sleep(0.4)
    r = post(ops, "/move", meeting=m.id, slot=str(target.index), room="", version=version(ops))
    assert "Meeting moved; both participants were told." in flashes(r.text)
    moved = next(x for x in meetings(ops) if x.id == m.id)
    assert (moved.start, moved.status) == (target.start, "moved") and moved.version == m.version + 1
    assert wait_for(lambda: a.got and b.got)
    assert "moved from" in a.got[0][1]["changes"][0]
    # a stale board is refused
    r = post(ops, "/move", meeting=m.id, slot=str(target.index), room="", version="1")
    assert any("meanwhile" in f for f in flashes(r.text))
    a.client.disconnect()
    b.client.disconnect()


def test_a_late_request_is_previewed_then_placed_and_imposed(ops):
    data, now, slots = ops["data"], ops["now"], ops["slots"]
    allowed = allowed_map(data, slots)
    live = [x for x in meetings(ops) if x.status in LIVE or x.status == "held"]
    count = {p.id: sum(p.id in (x.a, x.b) for x in live) for p in data.participants}
    asked = {frozenset((r.sender, r.receiver)) for r in data.requests}

    def common_free(t, s):
        return [x for x in slots if x.start > now and {x.index} <= allowed[t] & allowed[s]
                and not any({y.a, y.b} & {t, s} for y in live if y.start == x.start)]

    pairs = [(t.id, s.id) for t in data.participants if t.kind == "traditional"
             for s in data.participants if s.kind == "tech"
             if frozenset((t.id, s.id)) not in asked and count[t.id] < t.cap(data.event)
             and count[s.id] < s.cap(data.event) and common_free(t.id, s.id)]
    t, s = min(pairs, key=lambda p: (count[p[0]] + count[p[1]], p))
    same = next(p.id for p in data.participants if p.kind == "traditional" and p.id != t)
    r = post(ops, "/late-request", **{"from": t, "to": same, "priority": "1"})
    assert any("both traditional SMEs" in f for f in flashes(r.text))
    preview = post(ops, "/late-request", **{"from": t, "to": s, "priority": "1"})
    assert "Repair preview" in preview.text and "late request" in preview.text
    r = _apply_preview(ops, preview.text)
    assert any(f.startswith("Applied:") for f in flashes(r.text)), flashes(r.text)
    placed = [x for x in meetings(ops) if {x.a, x.b} == {t, s} and x.status in LIVE]
    assert len(placed) == 1 and placed[0].start > now
    with Store(ops["db"]) as st:
        states = {(x.request.sender, x.request.receiver): x.request.status for x in st.request_states(EV)}
    assert states[(t, s)] == "imposed"


def test_one_repair_at_a_time_and_nothing_changes_when_refused(ops):
    now = ops["now"]
    m = next(x for x in meetings(ops) if x.start > now and x.status in LIVE)
    preview = post(ops, "/absence", participant=m.a, mode="gone")
    assert "Repair preview" in preview.text
    before, v = meetings(ops), version(ops)
    with Store(ops["db"]) as s:
        assert s.start_solve(EV)  # somebody else's repair (or a solve) is running
        try:
            r = _apply_preview(ops, preview.text)
            assert any("Another repair or a schedule solve is running" in f for f in flashes(r.text))
            assert meetings(ops) == before and version(ops) == v
        finally:
            s.end_solve(EV)
    r = _apply_preview(ops, preview.text)
    assert any(f.startswith("Applied:") for f in flashes(r.text)), flashes(r.text)
    assert version(ops) == v + 1
    # undo brings the schedule back exactly as it was before the repair
    post(ops, "/undo", version=str(v + 1))
    assert undone_to(meetings(ops), before)


def test_the_board_shows_the_day_being_run_and_every_day_on_request(ops):
    from scheduler.domain.timegrid import to_local

    tz = ops["data"].event.timezone
    today = to_local(ops["now"], tz).date()
    other = [m for m in meetings(ops) if to_local(m.start, tz).date() != today]
    ours = [m for m in meetings(ops) if to_local(m.start, tz).date() == today]
    assert other and ours  # the generated event runs over several days
    page = ops["host"].get(ops["url"] + f"/events/{EV}/board").text
    rows = set(re.findall(r'<tr class="[^"]*" data-meeting="([^"]+)"', page))
    assert rows == {m.id for m in ours}
    everything = ops["host"].get(ops["url"] + f"/events/{EV}/board?all=1").text
    assert set(re.findall(r'<tr class="[^"]*" data-meeting="([^"]+)"', everything)) == {m.id for m in meetings(ops)}


def test_the_running_slot_is_counted_on_the_board_and_marked_now_on_each_portal(ops):
    with Store(ops["db"]) as s:
        checked = s.checked_in(EV)
    running = [m for m in meetings(ops) if m.start == ops["running"].start]
    open_ = [m for m in running if m.status in LIVE]
    here = [(m.a in checked) + (m.b in checked) for m in open_]
    want = {"meetings": len(running), "both here": here.count(2), "one waiting": here.count(1),
            "nobody yet": here.count(0), "held": sum(m.status == "held" for m in running),
            "no-show": sum(m.status == "no_show" for m in running),
            "cancelled": sum(m.status == "cancelled" for m in running)}  # fmt: skip
    page = ops["host"].get(ops["url"] + f"/events/{EV}/board").text
    shown = {label: int(n) for label, n in re.findall(r'data-count="([^"]+)"><b>(\d+)</b>', page)}
    assert shown == {k: n for k, n in want.items() if n or k == "meetings"}
    assert re.search(r'<tr class="now [^"]*" data-meeting="[^"]+" id="now">', page)  # the "jump to" target
    # a participant of the running slot sees that meeting as "now", the earlier ones as over
    m = open_[0]
    agenda = requests.get(ops["url"] + f"/p/{ops['tokens'][m.a]}/agenda.json").json()["agenda"]
    phases = {a["id"]: a["phase"] for a in agenda}
    assert phases[m.id] == "now"
    mine = [x for x in meetings(ops) if m.a in (x.a, x.b)]
    assert all(phases[x.id] == "past" for x in mine if x.end <= ops["now"])
    upcoming = sorted((x for x in mine if x.start > ops["now"] and x.status in LIVE), key=lambda x: x.start)
    assert [i for i, p in phases.items() if p == "next"] == [x.id for x in upcoming[:1]]


def test_gone_for_the_day_cancels_that_day_only_and_a_late_time_must_lie_ahead(ops):
    from scheduler.domain.timegrid import to_local

    tz = ops["data"].event.timezone
    today = to_local(ops["now"], tz).date()
    before = meetings(ops)
    live_later = [m for m in before if m.start > ops["now"] and m.status in LIVE]
    pid = next(p for p in sorted({x for m in live_later for x in (m.a, m.b)})
               if {to_local(m.start, tz).date() == today for m in live_later if p in (m.a, m.b)} == {True, False})
    page = post(ops, "/absence", participant=pid, mode="late", until="00:30").text
    assert "until: 00:30 has already passed" in " ".join(flashes(page))
    assert meetings(ops) == before  # refused: nothing changed
    v = version(ops)
    page = post(ops, "/absence", participant=pid, mode="gone", apply="1").text
    assert "Applied:" in " ".join(flashes(page))
    after = {m.id: m for m in meetings(ops)}
    mine = [m for m in live_later if pid in (m.a, m.b)]
    # today's meetings are called off or moved to a day they are back; later days stay theirs
    assert all(after[m.id].status == "cancelled" or to_local(after[m.id].start, tz).date() > today
               for m in mine if to_local(m.start, tz).date() == today)  # fmt: skip
    assert all(after[m.id].status in LIVE for m in mine if to_local(m.start, tz).date() != today)
    post(ops, "/undo", version=str(v + 1))
    assert undone_to(meetings(ops), before)


def test_the_board_lists_recent_changes_with_who_what_and_why(ops):
    people = ops["data"].by_id()
    m = next(x for x in meetings(ops) if x.start > ops["now"] and x.status in LIVE)
    post(ops, f"/checkin/{m.a}")
    page = post(ops, "/absence", participant=m.b, mode="gone", apply="1").text
    assert "Applied:" in " ".join(flashes(page))
    post(ops, "/undo", version=str(version(ops)))
    page = ops["host"].get(ops["url"] + f"/events/{EV}/board").text
    section = page[page.index('id="history"'):page.index("</details>", page.index('id="history"'))]
    rows = [[html.unescape(c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)]
            for tr in re.findall(r"<tr><td>.*?</tr>", section, re.S)]
    assert [r[1:3] for r in rows[:3]] == [
        ["hans", "undo (a repair)"],
        ["hans", "repair applied"],
        ["hans", f"{people[m.a].name} is here"],
    ]
    assert rows[1][3] == f"{people[m.b].name} away for the rest of the day"

