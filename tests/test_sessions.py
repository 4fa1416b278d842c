"""Session-restricted requests (issue 14): a request may name the sessions its meeting may take
place in; the format, the solver, the validator, the reasons, the repair and the store honour it."""

from __future__ import annotations

import copy
import random
from dataclasses import replace

import pytest
import requests
from openpyxl import load_workbook

from scheduler.changes.pipeline import not_placed
from scheduler.domain import sessions as S
from scheduler.domain.errors import InvalidInput
from scheduler.domain.model import Meeting, Request, Schedule, pair_sessions
from scheduler.domain.timegrid import build_slots
from scheduler.files.formats import parse_event_document
from scheduler.files.generator import generate_event
from scheduler.files.sheets import read_csv_dir, read_event_file, write_csv_dir, write_workbook
from scheduler.files.writer import event_document
from scheduler.live.repair import Absence, rebalance, reoptimise
from scheduler.solver import SolverConfig, solve
from scheduler.solving.problem import build_problem
from scheduler.solving.validate import move_problem, validate
from scheduler.store import Store
from tests.builders import document, person
from tests.webtools import Server, csrf_of, login, seed_db

FAST = SolverConfig(time_limit=2, seed=1)
#: two slots in the morning of 26 March (1), two in the afternoon (2), one on 29 March (3)
SESSIONS = [{"date": "2027-03-26", "start": "09:00", "end": "10:00"},
            {"date": "2027-03-26", "start": "14:00", "end": "15:00"},
            {"date": "2027-03-29", "start": "09:00", "end": "09:30"}]  # fmt: skip
MORNING, AFTERNOON, MONDAY = 0, 1, 2


def doc(requests: list[dict], people=("t1", "s1", "s2", "s3", "s4"), **over) -> dict:
    d = document([person(p) for p in people], **{"sessions": SESSIONS, "rooms": 3, **over})
    d["requests"] = requests
    return d


def req(a: str, b: str, sessions=None, priority: int = 1, **more) -> dict:
    r = {"from": a, "to": b, "priority": priority, **more}
    if sessions is not None:
        r["sessions"] = sessions
    return r


def parse(d: dict):
    return parse_event_document(copy.deepcopy(d))


def solved(data):
    result = solve(data, config=FAST)
    assert validate(result.problem, result.schedule) == []
    return result


def session_of_meeting(result, m: Meeting) -> int:
    slot = next(s for s in result.problem.slots if s.start == m.start)
    return S.session_of(result.problem.event, slot)


# ------------------------------------------------------------------ the written forms


@pytest.mark.parametrize("written, expected", [
    ("2", (AFTERNOON,)), ([2], (AFTERNOON,)), (2, (AFTERNOON,)), ("1;3", (MORNING, MONDAY)), ([3, "1"], (MORNING, MONDAY)),
    ("afternoon", (AFTERNOON,)), ("morning", (MORNING, MONDAY)), ("2027-03-26", (MORNING, AFTERNOON)),
    ("2027-03-26 14:00", (AFTERNOON,)), ("1, 3", (MORNING, MONDAY)), ("2027-03-26 14:00–15:00", (AFTERNOON,)), (" 2 ; 2 ", (AFTERNOON,)),
    ("", ()), ([], ()),
])  # fmt: skip
def test_a_request_names_sessions_by_number_date_start_or_part_of_the_day(written, expected):
    data = parse(doc([req("t1", "s1", written)]))
    assert data.requests[0].sessions == expected


@pytest.mark.parametrize("written, expected", [
    ("4", "'4' is not a session of the event, which has 3 sessions: 1 = 2027-03-26 09:00-10:00, "
          "2 = 2027-03-26 14:00-15:00, 3 = 2027-03-29 09:00-09:30"),
    ("evening", "'evening' names no session of the event; its sessions are 1 = 2027-03-26 09:00-10:00, "
                "2 = 2027-03-26 14:00-15:00, 3 = 2027-03-29 09:00-09:30"),
    ("2027-03-26 10:00", "'2027-03-26 10:00' names no session of the event; its sessions are "
                         "1 = 2027-03-26 09:00-10:00, 2 = 2027-03-26 14:00-15:00, 3 = 2027-03-29 09:00-09:30"),
    ("lunch", "'lunch' is not a session: write a session number, a date, a date and start time "
              "(YYYY-MM-DD HH:MM) or morning / afternoon / evening"),
    (2.0, "2.0 is not a list of sessions: write session numbers separated by ';' (1;3) or a list of "
          "numbers or session dates"),
])  # fmt: skip
def test_an_unknown_session_is_refused_naming_the_request_and_listing_the_sessions(written, expected):
    with pytest.raises(InvalidInput) as info:
        parse(doc([req("t1", "s1"), req("t1", "s2", written)]))
    assert [str(p) for p in info.value.problems] == [f"requests[1].sessions: {expected}"]


def test_requests_csv_sessions_column_errors_name_the_line(tmp_path):
    d = doc([req("t1", "s1", "2")])
    write_csv_dir(parse(d), tmp_path / "ok")
    text = (tmp_path / "ok" / "requests.csv").read_text(encoding="utf-8-sig")
    assert text.splitlines()[0] == "from,to,priority,status,sessions"
    assert text.splitlines()[1] == "t1,s1,1,pending,2"
    (tmp_path / "ok" / "requests.csv").write_text(text + "t1,s2,2,pending,5\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as info:
        read_event_file(tmp_path / "ok")
    assert [str(p) for p in info.value.problems] == [
        "requests.csv line 3.sessions: '5' is not a session of the event, which has 3 sessions: "
        "1 = 2027-03-26 09:00-10:00, 2 = 2027-03-26 14:00-15:00, 3 = 2027-03-29 09:00-09:30"]


def test_sessions_round_trip_through_json_csv_and_xlsx(tmp_path):
    data = parse(doc([req("t1", "s1", "afternoon"), req("t1", "s2", "1;3"), req("t1", "s3")]))
    want = [((r.sender, r.receiver), r.sessions) for r in data.requests]
    assert want == [(("t1", "s1"), (AFTERNOON,)), (("t1", "s2"), (MORNING, MONDAY)), (("t1", "s3"), ())]
    written = event_document(data)
    assert [r.get("sessions") for r in written["requests"]] == [[2], [1, 3], None]  # numbers from 1
    assert [((r.sender, r.receiver), r.sessions) for r in parse(written).requests] == want
    write_csv_dir(data, tmp_path / "csv")
    assert [((r.sender, r.receiver), r.sessions) for r in read_csv_dir(tmp_path / "csv").requests] == want
    write_workbook(data, tmp_path / "book.xlsx")
    assert [((r.sender, r.receiver), r.sessions) for r in read_event_file(tmp_path / "book.xlsx").requests] == want
    sheet = load_workbook(tmp_path / "book.xlsx")["requests"]
    assert [c.value for c in sheet[1]] == ["from", "to", "priority", "status", "sessions"]


def test_sessions_in_words():
    ev = parse(doc([])).event
    assert S.describe(ev, (AFTERNOON,)) == "the afternoon session of 26 March"
    assert S.describe(ev, (MORNING, MONDAY)) == "the morning session of 26 March or the morning session of 29 March"
    assert S.short(ev, (AFTERNOON,)) == "afternoon of 26 March"
    one_day = parse(doc([], sessions=SESSIONS[:2])).event
    assert S.short(one_day, (AFTERNOON,)) == "afternoon"
    two_mornings = parse(doc([], sessions=[SESSIONS[0], {"date": "2027-03-26", "start": "10:30", "end": "11:30"}])).event
    assert S.describe(two_mornings, (1,)) == "the 10:30-11:30 session of 26 March"


@pytest.mark.parametrize("named, expected", [
    ([(), ()], None), ([(1,), ()], (1,)), ([(0, 1), (1, 2)], (1,)), ([(0,), (1,)], ()),
])
def test_a_pair_may_meet_in_the_sessions_every_restricting_request_names(named, expected):
    assert pair_sessions([Request("t1", "s1", sessions=named[0]), Request("s1", "t1", sessions=named[1])]) == expected


# ------------------------------------------------------------------ the solver


def test_restricted_meetings_take_place_only_in_their_sessions():
    data = parse(doc([req("t1", "s1", "1"), req("t1", "s2", "2"), req("t1", "s3", "2"), req("t1", "s4")],
                     sessions=SESSIONS[:2]))  # fmt: skip
    result = solved(data)
    where = {frozenset(m.participants) - {"t1"}: session_of_meeting(result, m) for m in result.schedule.meetings}
    assert len(where) == 4  # all four fit: s1 in the morning, s2 and s3 in the afternoon, s4 in either
    assert where[frozenset({"s1"})] == MORNING
    assert where[frozenset({"s2"})] == where[frozenset({"s3"})] == AFTERNOON


def test_a_restriction_to_one_session_caps_the_meetings_at_its_slots():
    # t1 asks for three meetings, all in the afternoon of 26 March: it has two slots, so two take place
    data = parse(doc([req("t1", p, "afternoon") for p in ("s1", "s2", "s3")], sessions=SESSIONS[:2]))
    result = solved(data)
    r = result.report
    assert r.meetings == r.meetings_upper_bound == 2
    # two priority-1 pairs (12 each) and t1's leximin bonuses for its first and second meeting
    # (docs/solver.md: step D = 1 + 3 x 12 feasible pair weight = 37, levels K = 3: 37 x (3 + 2))
    assert r.objective == r.bound == 2 * 12 + 37 * (3 + 2)
    assert {session_of_meeting(result, m) for m in result.schedule.meetings} == {AFTERNOON}
    [left] = result.schedule.unscheduled
    assert left.reason == (f"restricted to the afternoon session of 26 March, where {left.sender} and t1 "
                           "have no common free slot (the meetings t1 got there come first)")  # fmt: skip
    # without the restriction all three take place
    free = parse(doc([req("t1", p) for p in ("s1", "s2", "s3")], sessions=SESSIONS[:2]))
    assert solved(free).report.meetings == 3


def test_requests_naming_sessions_that_do_not_overlap_leave_the_pair_out_and_say_why():
    data = parse(doc([req("t1", "s1", "1"), req("s1", "t1", "2"), req("t1", "s2", "2"), req("s2", "t1")]))
    result = solved(data)
    assert [frozenset(m.participants) for m in result.schedule.meetings] == [frozenset({"t1", "s2"})]
    assert session_of_meeting(result, result.schedule.meetings[0]) == AFTERNOON  # s2's own request adds nothing
    [left] = result.schedule.unscheduled
    assert left.reason == ("its requests restrict it to sessions that do not overlap, so it has no session "
                           "it may take place in")


def test_no_common_slot_in_the_restricted_session_is_said_with_names():
    t1 = person("t1", available=["2027-03-26 09:00-10:00"])  # only in the morning
    d = document([t1, person("s1")], sessions=SESSIONS, rooms=3)
    d["requests"] = [req("t1", "s1", "2")]
    data = parse(d)
    result = solved(data)
    assert result.schedule.meetings == ()
    assert [u.reason for u in result.schedule.unscheduled] == [
        "restricted to the afternoon session of 26 March, where s1 and t1 have no common slot in both "
        "working hours and availability"]
    assert [u.reason for u in not_placed(data, ())] == [
        "restricted to the afternoon session of 26 March, where s1 SME and t1 SME have no common slot in both "
        "working hours and availability"]


# ------------------------------------------------------------------ the validator and moves by hand


def test_the_validator_refuses_a_meeting_outside_its_sessions_unless_locked():
    data = parse(doc([req("t1", "s1", "afternoon")]))
    prob = build_problem(data)
    morning = prob.slots[0]
    m = Meeting("m1", "t1", "s1", morning.start, morning.end, 1)
    assert validate(prob, Schedule(data.event.id, (m,))) == [
        "m1: slot 0 is in the morning session of 26 March, but the requests of t1 and s1 allow only "
        "the afternoon session of 26 March"]
    afternoon = next(s for s in prob.slots if S.session_of(data.event, s) == AFTERNOON)
    assert validate(prob, Schedule(data.event.id, (replace(m, start=afternoon.start, end=afternoon.end),))) == []
    locked = replace(m, locked=True)  # the organiser decided it: like a lock outside someone's hours
    assert validate(build_problem(data, (locked,)), Schedule(data.event.id, (locked,))) == []


def test_a_move_by_hand_keeps_to_the_sessions():
    data = parse(doc([req("t1", "s1", "afternoon")]))
    slots = build_slots(data.event)
    afternoon = [s for s in slots if S.session_of(data.event, s) == AFTERNOON]
    m = Meeting("m1", "t1", "s1", afternoon[0].start, afternoon[0].end, 1)
    assert move_problem(data, (m,), m, slots, 0, 1) == (
        "slot: the meeting request restricts this meeting to the afternoon session of 26 March")
    assert move_problem(data, (m,), m, slots, afternoon[1].index, 2) is None


# ------------------------------------------------------------------ repairs


def restricted_event(n: int, seed: int):
    """A generated event whose requests are restricted, one in three, to one or two sessions."""
    d = generate_event(n, seed=seed)
    rng = random.Random(seed)
    for r in d["requests"]:
        if rng.random() < 1 / 3:
            r["sessions"] = rng.choice(["morning", "afternoon", "1", "2;3", "4"])
    return parse_event_document(d)


def test_a_repair_never_moves_a_restricted_meeting_outside_its_sessions():
    data = restricted_event(40, seed=5)
    assert sum(1 for r in data.requests if r.sessions) > 10
    result = solved(data)
    slots = result.problem.slots
    for cut in (3, 9, 16):
        now = slots[cut].start
        upcoming = [m for m in result.schedule.meetings if m.start > now]
        absent = [upcoming[0].a, upcoming[-1].b]
        plan = rebalance(data, result.schedule.meetings, now, [Absence(p) for p in absent])
        assert validate(result.problem, Schedule(data.event.id, plan.meetings)) == []
    dropped = tuple(replace(m, status="cancelled") if i % 4 == 0 else m
                    for i, m in enumerate(result.schedule.meetings))  # fmt: skip
    plan = reoptimise(data, dropped, slots[2].start, allow_moves=True)
    assert validate(result.problem, Schedule(data.event.id, plan.meetings)) == []


# ------------------------------------------------------------------ the store and re-imports


EV = "ev-test"


def test_the_store_keeps_the_sessions_and_a_new_restriction_cancels_a_meeting_outside(db_path):
    data = parse(doc([req("t1", "s1"), req("t1", "s2", "1;3")]))
    slots = build_slots(data.event)
    with Store(db_path) as store:
        store.save_event(data)
        assert [r.sessions for r in store.load(EV).requests] == [(), (MORNING, MONDAY)]
        store.save_schedule(Schedule(EV, (Meeting("m1", "t1", "s1", slots[0].start, slots[0].end, 1),)))
        before = slots[0].start - (slots[1].start - slots[0].start)
        assert store.restrict_request(EV, "t1", "s1", (AFTERNOON,), actor="organiser", now=before) == ("m1",)
        assert [m.status for m in store.meetings(EV)] == ["cancelled"]
        assert [r.sessions for r in store.load(EV).requests] == [(AFTERNOON,), (MORNING, MONDAY)]
        assert store.request_history(EV, "t1", "s1")[-1]["action"] == "sessions"
        with pytest.raises(InvalidInput, match="sessions: 7 is not a session of the event, which has 3"):
            store.restrict_request(EV, "t1", "s1", (6,), actor="organiser", now=before)
        store.add_requests(EV, [("t1", "s3", 2)], status="pending", origin="participant", actor="t1",
                           now=before, sessions={("t1", "s3"): (MONDAY,)})  # fmt: skip
        assert store.load(EV).requests[-1].sessions == (MONDAY,)


def test_a_re_import_that_changes_the_sessions_changes_the_request(db_path):
    first = doc([req("t1", "s1"), req("t1", "s2")])
    data = parse(first)
    slots = build_slots(data.event)
    with Store(db_path) as store:
        store.save_event(data)
        store.save_schedule(Schedule(EV, (Meeting("m1", "t1", "s1", slots[0].start, slots[0].end, 1),
                                          Meeting("m2", "t1", "s2", slots[1].start, slots[1].end, 1))))
        second = copy.deepcopy(first)
        second["requests"][0]["sessions"] = "afternoon"
        now = slots[0].start - (slots[1].start - slots[0].start)
        plan = store.plan_merge(parse(second), now)
        assert [(r.sender, r.receiver, r.sessions, r.status) for r in plan.requests_changed] == [
            ("t1", "s1", (AFTERNOON,), "pending")]
        assert "~ request t1 -> s1: sessions 2 (the afternoon session of 26 March)" in plan.lines()
        assert [(c.meeting.id, c.reason) for c in plan.cancelled] == [
            ("m1", "outside the sessions its request now allows")]
        assert "1 changed" in plan.summary()
        store.merge(parse(second), actor="organiser", now=now)
        assert [r.sessions for r in store.load(EV).requests] == [(AFTERNOON,), ()]
        assert {m.id: m.status for m in store.meetings(EV)} == {"m1": "cancelled", "m2": "scheduled"}
        assert store.plan_merge(parse(second), now).empty  # the same file again changes nothing


# ------------------------------------------------------------------ the console and the portal


def test_console_and_portal_show_and_set_the_sessions(tmp_path):
    d = doc([req("t1", "s1", "afternoon"), req("t1", "s2")])
    tokens = seed_db(tmp_path / "web.db", [d])[EV]
    server = Server(tmp_path / "web.db")
    try:
        s, csrf = login(server.url)
        page = s.get(server.url + f"/events/{EV}/requests").text
        assert "afternoon of 26 March only" in page
        url = server.url + f"/events/{EV}/requests/t1/s2/sessions"
        assert s.post(url, data={"sessions": "1"}).status_code == 400  # no CSRF token: refused
        r = s.post(url, data={"sessions": "9", "csrf_token": csrf})
        assert "Request t1 SME → s2 SME, sessions: &#39;9&#39; is not a session of the event, which has 3 " \
               "sessions: 1 = 2027-03-26 09:00-10:00" in r.text
        r = s.post(url, data={"sessions": "1;3", "csrf_token": csrf})
        assert "Request t1 SME → s2 SME: morning of 26 March or morning of 29 March only." in r.text
        host, host_csrf = login(server.url, "hans")
        assert host.post(url, data={"sessions": "", "csrf_token": host_csrf}).status_code == 403  # organisers only
        # the participant sees it on the request, and may restrict a new one
        home = requests.get(server.url + f"/p/{tokens['t1']}").text
        assert "· afternoon of 26 March only" in home and "· morning of 26 March or morning of 29 March only" in home
        p = requests.Session()
        token = csrf_of(p.get(server.url + f"/p/{tokens['s3']}").text)
        r = p.post(server.url + f"/p/{tokens['s3']}/requests", data={"to": "t1", "priority": "2", "sessions": "2",
                                                                     "csrf_token": token})
        assert "Request sent." in r.text
    finally:
        server.stop()
    with Store(tmp_path / "web.db") as store:
        assert {(r.sender, r.receiver): r.sessions for r in store.load(EV).requests} == {
            ("t1", "s1"): (AFTERNOON,), ("t1", "s2"): (MORNING, MONDAY), ("s3", "t1"): (AFTERNOON,)}



def test_the_command_line_lists_and_sets_the_sessions(tmp_path):
    import json
    import subprocess
    import sys

    from tests.conftest import ROOT

    (tmp_path / "ev.json").write_text(json.dumps(doc([req("t1", "s1", "afternoon"), req("t1", "s2")])))
    db = str(tmp_path / "cli.db")

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, str(ROOT / "run.py"), "--db", db, *args], cwd=ROOT,
                              capture_output=True, text=True, env={"COLUMNS": "200", "PATH": ""})  # fmt: skip

    assert run("import", str(tmp_path / "ev.json")).returncode == 0
    listing = run("requests", "--event", EV).stdout
    assert "2 (afternoon of 26 March)" in listing and "any" in listing
    bad = run("request", "sessions", "t1", "s2", "--event", EV, "--sessions", "4")
    assert bad.returncode == 2 and "--sessions: '4' is not a session of the event, which has 3 sessions" in bad.stderr
    ok = run("request", "sessions", "t1", "s2", "--event", EV, "--sessions", "2027-03-29")
    assert ok.stdout.strip() == "request t1 -> s2 now allows the morning session of 29 March"
    with Store(db) as store:
        assert [r.sessions for r in store.load(EV).requests] == [(AFTERNOON,), (MONDAY,)]


def test_standby_does_not_offer_a_pair_whose_request_names_another_session():
    from datetime import timedelta

    from scheduler.live import standby

    people = [person("t1", needs=["AI"]), person("s1", offers=["AI"]), person("s2", offers=["AI"])]
    d = document(people, sessions=SESSIONS, rooms=3)
    d["requests"] = [req("t1", "s1"), req("t1", "s2", "afternoon")]
    data = parse(d)
    slot = build_slots(data.event)[0]  # the morning of 26 March
    m = Meeting("m-s1-t1", "s1", "t1", slot.start, slot.end, 1)
    now = slot.start + timedelta(minutes=6)
    assert standby.propose(data, [m], {"t1", "s2"}, now, 5) == []  # t1 asked to meet s2 in the afternoon only
    d["requests"][1].pop("sessions")
    [offer] = standby.propose(parse(d), [m], {"t1", "s2"}, now, 5)
    assert (offer["a"], offer["b"]) == ("t1", "s2")
