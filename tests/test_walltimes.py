"""Wall times that do not exist (a DST gap) or happen twice (a fold) (BR-10, issue 12)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduler.domain.errors import InvalidInput
from scheduler.domain.model import END_OF_DAY, Event, EventData, Meeting, Participant, Session
from scheduler.domain.timegrid import (
    allowed_map,
    build_slots,
    local_instant,
    local_label,
    wall_time_problem,
)
from scheduler.domain.zones import table, zone_info
from scheduler.files.formats import parse_event_document, parse_participant
from scheduler.invitations.delivery import build_message
from scheduler.invitations.ical import InviteContext, describe
from tests.builders import document, person

ALL_DAY = {"start": "00:00", "end": "24:00"}


def br10(which: str) -> dict:
    """BR-10: a session at a wall time that never happens (spring) or happens twice (autumn)."""
    tz, day, start, end = {
        "spring": ("Europe/Berlin", "2027-03-28", "02:30", "03:30"),
        "autumn": ("Europe/Lisbon", "2027-10-31", "01:00", "02:00"),
    }[which]
    return {
        "event": {"id": f"min-br10-{which}", "name": "DST night", "timezone": tz, "slot_minutes": 30,
                  "sessions": [{"date": day, "start": start, "end": end}], "rooms": 1, "max_meetings": 2},
        "participants": [{"id": "t-1", "name": "Alfa", "kind": "traditional", "timezone": tz,
                          "working_hours": ALL_DAY}],
    }


def problems_of(doc: dict) -> list[str]:
    with pytest.raises(InvalidInput) as info:
        parse_event_document(doc)
    return [str(p) for p in info.value.problems]


def test_br10_spring_session_in_the_gap_is_refused():
    assert problems_of(br10("spring")) == [
        "event.sessions[0].start: 02:30 does not exist on 2027-03-28 in Europe/Berlin "
        "(clocks jump from 02:00 to 03:00)"
    ]


def test_br10_autumn_session_in_the_fold_is_refused():
    assert problems_of(br10("autumn")) == [
        "event.sessions[0].start: 01:00 occurs twice on 2027-10-31 in Europe/Lisbon "
        "(clocks go back from 02:00 to 01:00)"
    ]


@pytest.mark.parametrize(
    "tz, day, at, expected",
    [
        ("Australia/Lord_Howe", "2027-10-03", "02:15",
         "02:15 does not exist on 2027-10-03 in Australia/Lord_Howe (clocks jump from 02:00 to 02:30)"),
        ("Australia/Lord_Howe", "2027-04-04", "01:45",
         "01:45 occurs twice on 2027-04-04 in Australia/Lord_Howe (clocks go back from 02:00 to 01:30)"),
        ("America/Santiago", "2027-09-05", "00:30",
         "00:30 does not exist on 2027-09-05 in America/Santiago (clocks jump from 00:00 to 01:00)"),
        ("America/Santiago", "2027-04-03", "23:30",
         "23:30 occurs twice on 2027-04-03 in America/Santiago (clocks go back from 24:00 to 23:00)"),
        ("Europe/Dublin", "2027-10-31", "01:15",  # negative DST in the rules, same clocks
         "01:15 occurs twice on 2027-10-31 in Europe/Dublin (clocks go back from 02:00 to 01:00)"),
        ("Atlantic/Azores", "2027-03-28", "00:30",
         "00:30 does not exist on 2027-03-28 in Atlantic/Azores (clocks jump from 00:00 to 01:00)"),
        ("Atlantic/Azores", "2027-10-31", "00:15",
         "00:15 occurs twice on 2027-10-31 in Atlantic/Azores (clocks go back from 01:00 to 00:00)"),
    ],
)
def test_availability_in_a_gap_or_fold_names_field_date_and_zone(tz, day, at, expected):
    h, m = map(int, at.split(":"))
    end = f"{(h + 2) % 24:02d}:{m:02d}" if h < 22 else "24:00"
    doc = document([person("t-1", tz=tz, working_hours=ALL_DAY,
                           available=[{"date": day, "start": at, "end": end}])])
    assert problems_of(doc) == [f"participants[0].available[0].start: {expected}"]
    with pytest.raises(InvalidInput, match="available\\[0\\].start: " + expected.split(" (")[0]):
        parse_participant(doc["participants"][0])


@pytest.mark.parametrize("tz", ["America/Martinique", "Indian/Reunion", "Asia/Kolkata"])
def test_zones_without_dst_never_refuse_a_time(tz):
    days = [date(2027, 1, 1) + timedelta(days=i) for i in range(0, 365, 7)]
    assert all(wall_time_problem(d, time(h, 30), tz) is None for d in days for h in range(24))


@pytest.mark.parametrize("tz, day", [("Atlantic/Azores", date(2027, 3, 28)), ("Atlantic/Azores", date(2027, 10, 31)),
                                     ("America/Santiago", date(2027, 9, 5))])
def test_midnight_is_always_the_start_of_the_day(tz, day):
    # 00:00 is skipped or repeated here, yet as a bound it names the day's first instant
    assert wall_time_problem(day, time(0, 0), tz) is None
    assert wall_time_problem(day - timedelta(days=1), END_OF_DAY, tz) is None
    start = local_instant(day, time(0, 0), tz)
    assert local_instant(day - timedelta(days=1), END_OF_DAY, tz) == start
    assert start.astimezone(zone_info(tz)).date() == day
    assert (start - timedelta(seconds=1)).astimezone(zone_info(tz)).date() == day - timedelta(days=1)


def _utc_days(first: date, days: int, slot: int = 15) -> Event:
    sessions = tuple(Session(first + timedelta(days=i), time(0, 0), END_OF_DAY) for i in range(days))
    return Event("e", "E", "Etc/UTC", slot, sessions, rooms=1, max_meetings=1)


def _allowed(ev: Event, tz: str, hours: tuple[time, time]) -> set:
    p = Participant("t-1", "T", "traditional", tz, working_hours=hours)
    slots = build_slots(ev)
    return {slots[i] for i in allowed_map(EventData(ev, (p,), ()), slots)["t-1"]}


def test_working_hours_in_the_gap_start_after_it():
    # Berlin 02:30-04:00: the 28th has no 02:30, so the window opens at 03:00 CEST (01:00Z)
    got = sorted(s.start for s in _allowed(_utc_days(date(2027, 3, 27), 3, 30), "Europe/Berlin",
                                            (time(2, 30), time(4, 0))))
    z = lambda d, h, m=0: datetime(2027, 3, d, h, m, tzinfo=UTC)  # noqa: E731
    assert got == [z(27, 1, 30), z(27, 2), z(27, 2, 30), z(28, 1), z(28, 1, 30),
                   z(29, 0, 30), z(29, 1), z(29, 1, 30)]


def test_working_hours_in_the_fold_use_the_first_occurrence():
    # Lisbon 01:30-03:00 on the 31st: from the first 01:30 (00:30Z) to 03:00 WET (03:00Z)
    got = sorted(s.start for s in _allowed(_utc_days(date(2027, 10, 31), 1, 30), "Europe/Lisbon",
                                            (time(1, 30), time(3, 0))))
    assert got == [datetime(2027, 10, 31, h, m, tzinfo=UTC) for h in (0, 1, 2) for m in (0, 30)][1:]


def _transitions(tz: str, year: int = 2027) -> list[date]:
    z = zone_info(tz)
    out, t = [], datetime(year, 1, 1, tzinfo=UTC)
    while t.year == year:
        nxt = t + timedelta(hours=6)
        if t.astimezone(z).utcoffset() != nxt.astimezone(z).utcoffset():
            out.append(nxt.astimezone(z).date())
        t = nxt
    return out


INTERESTING = ["Europe/Berlin", "Europe/Lisbon", "Europe/Dublin", "Atlantic/Azores", "America/Santiago",
               "Australia/Lord_Howe", "Pacific/Chatham", "America/St_Johns", "Asia/Jerusalem",
               "America/Martinique", "Indian/Reunion", "Asia/Kathmandu", "Pacific/Apia"]


@st.composite
def zone_day_cut(draw):
    tz = draw(st.sampled_from(INTERESTING) | st.sampled_from(sorted(set(table().canonical.values()))))
    days = _transitions(tz)
    if days and draw(st.integers(0, 3)):  # mostly a switch day, sometimes any day
        day = draw(st.sampled_from(days))
    else:
        day = date(2027, 1, 1) + timedelta(days=draw(st.integers(0, 364)))
    cut = time(*divmod(draw(st.integers(1, 95)) * 15, 60))
    return tz, day, cut


@settings(max_examples=60, deadline=None)
@given(zone_day_cut())
def test_no_allowed_slot_is_lost_or_doubled_across_a_transition(case):
    tz, day, cut = case
    ev = _utc_days(day - timedelta(days=1), 3)
    whole = _allowed(ev, tz, (time(0, 0), END_OF_DAY))
    early = _allowed(ev, tz, (time(0, 0), cut))
    late = _allowed(ev, tz, (cut, END_OF_DAY))
    z = zone_info(tz)
    # the whole local day: exactly the slots that start and end on one local date
    assert whole == {s for s in build_slots(ev)
                     if s.start.astimezone(z).date() == (s.end - timedelta(microseconds=1)).astimezone(z).date()}
    # splitting the day at ``cut`` neither doubles a slot nor drops one that does not straddle the cut
    assert not early & late
    cuts = [local_instant(d, cut, tz) for d in (day - timedelta(days=2) + timedelta(days=i) for i in range(5))]
    straddling = {s for s in whole if any(s.start < c < s.end for c in cuts)}
    assert early | late == whole - straddling


@pytest.mark.parametrize(
    "tz, first, second",
    [
        ("Europe/Lisbon", "01:30 WEST", "01:30 WET"),
        ("Europe/Dublin", "01:30 IST", "01:30 GMT"),
    ],
)
def test_labels_in_a_repeated_hour_carry_the_abbreviation(tz, first, second):
    a, b = datetime(2027, 10, 31, 0, 30, tzinfo=UTC), datetime(2027, 10, 31, 1, 30, tzinfo=UTC)
    assert (local_label(a, tz), local_label(b, tz)) == (first, second)
    assert local_label(datetime(2027, 10, 31, 3, 0, tzinfo=UTC), tz) == "03:00"
    assert local_label(a, "America/Martinique", "%a %H:%M") == "Sat 20:30"
    assert local_label(datetime(2027, 4, 4, 2, 30, tzinfo=UTC), "America/Santiago") == "23:30 -03"
    assert local_label(datetime(2027, 4, 4, 3, 30, tzinfo=UTC), "America/Santiago") == "23:30 -04"


def test_invite_text_and_subject_tell_the_two_01_30s_apart():
    data = parse_event_document(document(
        [person("t-1", tz="Europe/Lisbon", working_hours=ALL_DAY),
         person("s-1", tz="Europe/Lisbon", working_hours=ALL_DAY)],
        timezone="Europe/Lisbon", sessions=[{"date": "2027-10-31", "start": "00:00", "end": "04:00"}]))
    me, other = data.participants
    ctx = InviteContext(data.event, "org@example.org", "Organisers")
    seen = []
    for hh in (0, 1):
        start = datetime(2027, 10, 31, hh, 30, tzinfo=UTC)
        m = Meeting(f"m-{hh}", "t-1", "s-1", start, start + timedelta(minutes=25), 1)
        text = describe(ctx, m, me, other)
        subject = build_message(ctx, m, me, other, 0, start, "REQUEST", "org@example.org")["Subject"]
        seen.append((text.splitlines()[1], subject))
    assert seen == [
        ("Your time: Sunday 31 October 2027, 01:30 WEST-01:55 WEST (Europe/Lisbon)",
         "Invitation: B2B meeting: t-1 SME <> s-1 SME, Sun 31 Oct 01:30 WEST (Europe/Lisbon)"),
        ("Your time: Sunday 31 October 2027, 01:30 WET-01:55 WET (Europe/Lisbon)",
         "Invitation: B2B meeting: t-1 SME <> s-1 SME, Sun 31 Oct 01:30 WET (Europe/Lisbon)"),
    ]
