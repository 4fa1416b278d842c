"""The slot grid and each participant's allowed slots, across DST switches."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from scheduler.domain.timegrid import allowed_map, build_slots
from tests.builders import build

# The EU switches to summer time on Sunday 2027-03-28; Israel on Friday 2027-03-26;
# Martinique and Réunion never; Pacific/Chatham sits at UTC+13:45.
DST_SESSIONS = [
    {"date": "2027-03-26", "start": "09:00", "end": "13:00"},
    {"date": "2027-03-29", "start": "09:00", "end": "13:00"},
]


def z(day: int, hh: int, mm: int = 0) -> datetime:
    return datetime(2027, 3, day, hh, mm, tzinfo=UTC)


def starts(data, pid):
    slots = build_slots(data.event)
    allowed = allowed_map(data, slots)[pid]
    return [slots[i].start for i in sorted(allowed)]


@pytest.fixture(scope="module")
def dst_event():
    wh = lambda a, b: {"start": a, "end": b}  # noqa: E731
    return build(
        [
            {"id": "lis", "name": "Lisbon", "kind": "traditional", "timezone": "Europe/Lisbon",
             "working_hours": wh("08:00", "10:00")},
            {"id": "hel", "name": "Helsinki", "kind": "tech", "timezone": "Europe/Helsinki",
             "working_hours": wh("12:00", "14:00")},
            {"id": "azo", "name": "Azores", "kind": "traditional", "timezone": "Atlantic/Azores",
             "working_hours": wh("08:00", "18:00")},
            {"id": "mtq", "name": "Martinique", "kind": "traditional", "timezone": "America/Martinique",
             "working_hours": wh("07:00", "18:00")},
            {"id": "reu", "name": "Réunion", "kind": "tech", "timezone": "Indian/Reunion",
             "working_hours": wh("08:00", "13:00")},
            {"id": "jer", "name": "Jerusalem", "kind": "tech", "timezone": "Asia/Jerusalem",
             "working_hours": wh("10:00", "12:00")},
            {"id": "cht", "name": "Chatham", "kind": "tech", "timezone": "Pacific/Chatham",
             "working_hours": wh("00:00", "24:00"),
             "available": [{"date": "2027-03-26", "start": "23:00", "end": "24:00"},
                           {"date": "2027-03-27", "start": "00:00", "end": "01:00"}]},
        ],
        sessions=DST_SESSIONS,
    )


def test_grid_is_utc_and_follows_the_event_zone_across_the_switch(dst_event):
    slots = build_slots(dst_event.event)
    assert len(slots) == 16  # floor((240 + 5) / 30) = 8 per session
    # Brussels is UTC+1 on the 26th and UTC+2 on the 29th
    assert slots[0].start == z(26, 8) and slots[0].end == z(26, 8, 25)
    assert slots[7].start == z(26, 11, 30) and slots[7].end == z(26, 11, 55)
    assert slots[8].start == z(29, 7) and slots[15].end == z(29, 10, 55)
    assert all(s.start.tzinfo is UTC for s in slots)
    assert [s.session for s in slots] == [0] * 8 + [1] * 8


def test_lisbon_moves_one_hour_with_the_eu(dst_event):
    assert starts(dst_event, "lis") == [z(26, 8), z(26, 8, 30), z(26, 9), z(26, 9, 30),
                                        z(29, 7), z(29, 7, 30), z(29, 8), z(29, 8, 30)]


def test_helsinki(dst_event):
    assert starts(dst_event, "hel") == [z(26, 10), z(26, 10, 30), z(26, 11), z(26, 11, 30),
                                        z(29, 9), z(29, 9, 30), z(29, 10), z(29, 10, 30)]


def test_azores_is_utc_minus_one_then_utc(dst_event):
    assert starts(dst_event, "azo") == [z(26, 9), z(26, 9, 30), z(26, 10), z(26, 10, 30),
                                        z(26, 11), z(26, 11, 30),
                                        z(29, 8), z(29, 8, 30), z(29, 9), z(29, 9, 30),
                                        z(29, 10), z(29, 10, 30)]


def test_martinique_has_no_dst_and_loses_the_second_morning(dst_event):
    # 07:00 in Martinique is 11:00Z on both days; the 29th session ends at 11:00Z
    assert starts(dst_event, "mtq") == [z(26, 11), z(26, 11, 30)]


def test_reunion_has_no_dst(dst_event):
    # 08:00-13:00 at UTC+4 is 04:00-09:00Z on both days
    assert starts(dst_event, "reu") == [z(26, 8), z(26, 8, 30),
                                        z(29, 7), z(29, 7, 30), z(29, 8), z(29, 8, 30)]


def test_jerusalem_switches_on_friday_not_sunday(dst_event):
    # Israel is already UTC+3 on Friday the 26th, while Brussels is still UTC+1
    assert starts(dst_event, "jer") == [z(26, 8), z(26, 8, 30),
                                        z(29, 7), z(29, 7, 30), z(29, 8), z(29, 8, 30)]


def test_slot_crossing_local_midnight_is_never_allowed(dst_event):
    # Chatham (UTC+13:45) midnight is 10:15Z; the 10:00Z slot runs 23:45-00:10 local.
    got = starts(dst_event, "cht")
    assert z(26, 10) not in got
    assert got == [z(26, 9, 30), z(26, 10, 30)]


def test_gap_and_slot_count_formula():
    data = build([], sessions=[{"date": "2027-06-01", "start": "09:00", "end": "10:00"}],
                 slot_minutes=20, gap_minutes=10)
    # floor((60 + 10) / 30) = 2
    assert [s.start for s in build_slots(data.event)] == [
        datetime(2027, 6, 1, 7, 0, tzinfo=UTC), datetime(2027, 6, 1, 7, 30, tzinfo=UTC)
    ]


def test_availability_restricts_to_listed_dates():
    data = build(
        [{"id": "t1", "name": "T", "kind": "traditional", "timezone": "Europe/Lisbon",
          "available": [{"date": "2027-03-29", "start": "07:00", "end": "09:00"}]}],
        sessions=DST_SESSIONS,
    )
    # working hours default 08:00-18:00 clip the window to 08:00-09:00 WEST = 07:00-08:00Z
    assert starts(data, "t1") == [z(29, 7), z(29, 7, 30)]
