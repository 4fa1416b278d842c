"""Every number in the format has a sane upper bound; costs grow with meetings, not typed numbers (BR-17)."""

from __future__ import annotations

import copy
import json
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from scheduler.domain import limits as L
from scheduler.domain.errors import InfeasibleLock, InvalidInput
from scheduler.domain.model import Meeting
from scheduler.domain.timegrid import build_slots
from scheduler.files.formats import parse_event_document
from scheduler.solver import SolverConfig, solve
from scheduler.solving.problem import lowest_free_room
from tests.builders import document, person

ROOT = Path(__file__).resolve().parent.parent
MEMORY_LIMIT = 2 * 1024**3  # address space of the child: a regression fails instead of eating the machine


def br17_document() -> dict:
    """BR-17: a room count typed with extra zeros."""
    return {
        "event": {"id": "min-br17", "name": "Rooms with extra zeros", "timezone": "Europe/Lisbon",
                  "slot_minutes": 30, "rooms": 10000000000, "max_meetings": 2,
                  "sessions": [{"date": "2027-03-26", "start": "09:00", "end": "09:30"}]},
        "participants": [
            {"id": "t-1", "name": "Alfa Tecidos Lda", "kind": "traditional", "timezone": "Europe/Lisbon"},
            {"id": "s-1", "name": "Beta Vision", "kind": "tech", "timezone": "Europe/Lisbon"},
        ],
        "requests": [{"from": "t-1", "to": "s-1", "priority": 1}],
    }


def _limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def run_limited(args: list[str], stdin: str = "", timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], input=stdin, capture_output=True, text=True, cwd=ROOT,
                          preexec_fn=_limited, timeout=timeout)


def test_br17_import_refuses_the_room_count_and_stores_nothing(tmp_path):
    path, db = tmp_path / "event.json", tmp_path / "cases.db"
    path.write_text(json.dumps(br17_document()))
    done = run_limited(["run.py", "--db", str(db), "import", str(path)])
    assert done.returncode == 2, done.stderr
    assert "event.rooms: at most 1000 (got 10000000000)" in done.stderr
    listed = run_limited(["run.py", "--db", str(db), "events"])
    assert "min-br17" not in listed.stdout


def test_br17_solve_refuses_the_file_under_a_memory_limit(tmp_path):
    path = tmp_path / "event.json"
    path.write_text(json.dumps(br17_document()))
    done = run_limited(["run.py", "solve", str(path), "-o", str(tmp_path / "out.json"), "--time-limit", "5"])
    assert done.returncode == 2, done.stderr
    assert "event.rooms: at most 1000 (got 10000000000)" in done.stderr


_HUGE = r"""
import json, sys
from dataclasses import replace
from scheduler.files.formats import parse_event_document
from scheduler.solver import SolverConfig, solve
doc = json.load(sys.stdin)
rooms = doc["event"]["rooms"]
doc["event"]["rooms"] = 1
data = parse_event_document(doc)
data = replace(data, event=replace(data.event, rooms=rooms))  # as if stored before the bound existed
r = solve(data, config=SolverConfig(time_limit=3, seed=1))
print(json.dumps([[m.a, m.b, m.room] for m in r.schedule.meetings]))
"""


def test_a_huge_room_count_that_slips_through_costs_nothing_per_room():
    done = run_limited(["-c", _HUGE], stdin=json.dumps(br17_document()))
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout) == [["s-1", "t-1", 1]]


def _doc() -> dict:
    return document(
        [person("t-1", available=[{"date": "2027-03-26", "start": "09:00", "end": "12:00"}]), person("s-1")],
        [("t-1", "s-1")],
    )


def _set(path: str, value):
    def change(doc):
        *head, last = path.split(".")
        target = doc
        for part in head:
            target = target[int(part)] if part.isdigit() else target[part]
        target[last] = value
    return change


def _many(section: str, n: int):
    def change(doc):
        doc[section] = [copy.deepcopy(doc[section][0]) for _ in range(n)]
    return change


@pytest.mark.parametrize(
    "change, expected",
    [
        (_set("event.rooms", 10_000_000_000), "event.rooms: at most 1000 (got 10000000000)"),
        (_set("event.slot_minutes", 100_000), "event.slot_minutes: at most 480 (got 100000)"),
        (_set("event.gap_minutes", 100_000), "event.gap_minutes: at most 240 (got 100000)"),
        (_set("event.max_meetings", 10**12), "event.max_meetings: at most 1000 (got 1000000000000)"),
        (_set("event.request_ttl_hours", 1e9), "event.request_ttl_hours: at most 8760 (got 1000000000.0)"),
        (_set("participants.0.max_meetings", 5000), "participants[0].max_meetings: at most 1000 (got 5000)"),
        (_set("requests.0.priority", 7), "requests[0].priority: at most 3 (got 7)"),
        (_set("event.sessions", [{"date": "2027-03-26", "start": "09:00", "end": "09:30"}] * 101),
         "event.sessions: at most 100 entries (got 101)"),
        (_set("participants.0.available",
              [{"date": "2027-03-26", "start": "09:00", "end": "12:00"}] * 501),
         "participants[0].available: at most 500 entries (got 501)"),
        (_many("participants", L.PARTICIPANTS_MAX + 1), "participants: at most 20000 records (got 20001)"),
        (_many("requests", L.REQUESTS_MAX + 1), "requests: at most 200000 records (got 200001)"),
        (_set("event.sessions", [{"date": "99999-03-26", "start": "09:00", "end": "10:00"}]),
         "event.sessions[0].date: '99999-03-26' is not a date written YYYY-MM-DD"),
        (_set("event.sessions", [{"date": "9999-12-31", "start": "09:00", "end": "24:00"}]),
         "event.sessions[0].date: '9999-12-31' is not between the years 2000 and 2200"),
        (_set("event.sessions", [{"date": "2027-03-26", "start": "09:00", "end": "10:00"},
                                 {"date": "2029-03-26", "start": "09:00", "end": "10:00"}]),
         "event.sessions: the first and last session are 731 days apart; at most 366"),
        (_set("event.sessions", [{"date": f"2027-03-{d:02d}", "start": "00:00", "end": "24:00"}
                                 for d in range(1, 13)]),
         "event.sessions: 3456 slots in all; at most 3000"),
    ],
)
def test_each_number_has_an_upper_bound(change, expected):
    doc = _doc()
    change(doc)
    if "slots in all" in expected:
        doc["event"].update(slot_minutes=5, gap_minutes=0)
    with pytest.raises(InvalidInput) as info:
        parse_event_document(doc)
    assert [str(p) for p in info.value.problems] == [expected]


def test_values_at_the_bounds_are_accepted():
    doc = _doc()
    doc["event"].update(rooms=L.ROOMS_MAX, max_meetings=L.MAX_MEETINGS_MAX, gap_minutes=L.GAP_MINUTES_MAX,
                        request_ttl_hours=L.REQUEST_TTL_HOURS_MAX)
    doc["participants"][0]["max_meetings"] = L.MAX_MEETINGS_MAX
    data = parse_event_document(doc)
    assert (data.event.rooms, data.event.max_meetings) == (1000, 1000)


@pytest.mark.parametrize("taken, rooms, expected", [
    (set(), 10**12, 1), ({1, 2, 4}, 10**12, 3), ({1, 2, 3}, 3, None), ({2, 3}, 3, 1), ({5, 7}, 1, 1),
])
def test_lowest_free_room_looks_at_the_taken_rooms_only(taken, rooms, expected):
    assert lowest_free_room(taken, rooms) == expected


def _locked_world(cap: int):
    sessions = [{"date": "2027-03-26", "start": f"{h:02d}:00", "end": f"{h:02d}:25"} for h in (9, 10, 11)]
    doc = document([person("t-1", max_meetings=cap), person("s-1"), person("s-2"), person("s-3")],
                   [("t-1", "s-1"), ("t-1", "s-2")], sessions=sessions)
    data = parse_event_document(doc)
    return data, build_slots(data.event)


def test_locks_beyond_a_participants_cap_are_reported_not_relaxed():
    data, slots = _locked_world(cap=2)
    locks = tuple(Meeting(f"m-{i}", "t-1", f"s-{i}", slots[i - 1].start, slots[i - 1].end, 1, locked=True)
                  for i in (1, 2, 3))
    with pytest.raises(InfeasibleLock) as info:
        solve(data, locks, SolverConfig(time_limit=2, seed=1))
    assert [str(p) for p in info.value.problems] == [
        "locked meetings m-1, m-2, m-3: give t-1 3 meetings, more than their cap of 2"
    ]


def test_locks_that_collide_are_named():
    data, slots = _locked_world(cap=3)
    s = slots[0]
    locks = (Meeting("m-a", "t-1", "s-1", s.start, s.end, 1, locked=True),
             Meeting("m-b", "t-1", "s-2", s.start, s.end, 1, locked=True))
    with pytest.raises(InfeasibleLock) as info:
        solve(data, locks, SolverConfig(time_limit=2, seed=1))
    assert {p.path for p in info.value.problems} == {"locked meetings m-a and m-b"}
    assert any("both put t-1 in slot 0" in p.message for p in info.value.problems)
    assert any("both use room 1 in slot 0" in p.message for p in info.value.problems)


def test_locks_within_the_cap_are_kept():
    data, slots = _locked_world(cap=2)
    locks = tuple(Meeting(f"m-{i}", "t-1", f"s-{i}", slots[i - 1].start, slots[i - 1].end, 1, locked=True)
                  for i in (1, 3))
    got = solve(data, locks, SolverConfig(time_limit=2, seed=1)).schedule.meetings
    assert {(m.id, m.locked) for m in got} >= {("m-1", True), ("m-3", True)}
    assert sum("t-1" in m.participants for m in got) == 2
