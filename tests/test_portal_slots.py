"""The slot picker and the time zone over a real server, on the sample event (26 March in winter
time, 29 March in summer time: Brussels switches on the 28th). America/Martinique keeps UTC-4, so
the event's slots shift by an hour on its clock between the two days; Pacific/Auckland (UTC+13)
puts the first session across its local midnight. Expected local times are worked out by hand."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, date, datetime, time, timedelta

import pytest
import requests

from scheduler.domain.model import Meeting, Schedule, Window
from scheduler.store import Store
from tests.conftest import SAMPLE
from tests.webtools import Server, csrf_of, publish, seed_db

EV = "ai4trad-2027"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    db = tmp_path_factory.mktemp("slots") / "s.db"
    tokens = seed_db(db, [json.loads(SAMPLE.read_text())])[EV]
    # s-001 meets t-003 in the first slot of the second session: 29 March 14:00 Brussels = 12:00 UTC
    start = datetime(2027, 3, 29, 12, 0, tzinfo=UTC)
    with Store(db) as s:
        s.save_schedule(Schedule(EV, (Meeting("m-1", "t-003", "s-001", start, start + timedelta(minutes=25), 1),)))
    server = Server(db, extra_env={"MATCHMAKING_STANDBY_TICK": "0"})
    try:
        yield {"db": db, "tokens": tokens, "server": server}
    finally:
        server.stop()


def base(world, pid):
    return world["server"].url + f"/p/{world['tokens'][pid]}"


def picker(session, world, pid) -> tuple[str, dict[int, tuple[str, str]], set[int]]:
    """The picker page: its html, slot -> (local date legend, local time), and the ticked slots."""
    text = session.get(base(world, pid) + "/availability").text
    rows, ticked = {}, set()
    for legend, body in re.findall(r"<legend>([^<]+)</legend>([\s\S]*?)</fieldset>", text):
        for value, checked, when in re.findall(r'name="slot" value="(\d+)" id="slot-\d+" (checked)?>\s*<span><b>([^<]+)</b>',
                                               body):  # fmt: skip
            rows[int(value)] = (legend, when)
            if checked:
                ticked.add(int(value))
    return text, rows, ticked


def tick(session, world, pid, slots, **extra) -> requests.Response:
    text = session.get(base(world, pid) + "/availability").text
    data = [("csrf_token", csrf_of(text)), ("picker", "1"), *(("slot", str(s)) for s in slots), *extra.items()]
    return session.post(base(world, pid) + "/profile", data=data)


def stored(world, pid):
    with Store(world["db"]) as s:
        return s.load(EV).by_id()[pid]


def errors(text: str) -> list[str]:
    return [html.unescape(m) for m in re.findall(r'<div class="flash error" role="alert">([^<]*)<', text)]


def test_martinique_sees_the_event_on_its_own_clock_across_the_dst_switch_and_round_trips(world):
    s = requests.Session()
    _, rows, ticked = picker(s, world, "t-004")
    # 26 March: Brussels 09:00 (UTC+1) is 04:00 in Martinique; 29 March: Brussels 14:00 (UTC+2) is 08:00
    assert rows[0] == ("Friday 26 March 2027", "04:00-04:25")
    assert rows[7] == ("Friday 26 March 2027", "07:30-07:55")
    assert rows[8] == ("Monday 29 March 2027", "08:00-08:25")
    assert rows[15] == ("Monday 29 March 2027", "11:30-11:55")
    # no availability yet: any slot in the working hours (07:00-17:00)
    assert ticked == {6, 7, *range(8, 16)}
    r = tick(s, world, "t-004", [7, 8, 9, 12])
    assert r.url == base(world, "t-004") + "/availability" and errors(r.text) == []
    assert stored(world, "t-004").available == (
        Window(date(2027, 3, 26), time(7, 30), time(7, 55)),
        Window(date(2027, 3, 29), time(8, 0), time(8, 55)),
        Window(date(2027, 3, 29), time(10, 0), time(10, 25)),
    )
    assert picker(s, world, "t-004")[2] == {7, 8, 9, 12}


@pytest.mark.parametrize(("slots", "words"), [
    ([], "Tick at least one slot in which you can meet."),
    (["99"], "'99' is not a slot of this event."),
    (["x7"], "'x7' is not a slot of this event."),
    ([0, 8], "Fri 26 Mar 04:00-04:25 is outside your working hours (07:00-17:00); widen them in your profile first."),
])  # fmt: skip
def test_the_picker_refuses_nonsense_in_words_and_saves_nothing(world, slots, words):
    s = requests.Session()
    before = stored(world, "t-004")
    r = tick(s, world, "t-004", slots)
    assert words in errors(r.text)
    assert stored(world, "t-004") == before


def test_a_zone_change_moves_no_meeting_sends_nothing_and_the_picker_follows_the_new_clock(world):
    publish(world["server"].url, EV)
    with Store(world["db"]) as st:
        sent, meetings = len(st.outbox(EV)), st.meetings(EV)
    assert sent > 0  # the meeting was announced
    s = requests.Session()
    page = s.get(base(world, "s-001") + "/availability").text
    assert 'id="current-zone">Europe/Brussels<' in page and '<option value="Pacific/Auckland" label="UTC+' in page
    # a name that is not a zone is refused with a suggestion, and nothing changes
    r = s.post(base(world, "s-001") + "/profile", data={"csrf_token": csrf_of(page), "timezone": "pacific/auckland"})
    assert "Time zone: 'pacific/auckland' is not an IANA time zone; did you mean 'Pacific/Auckland'?" in errors(r.text)
    assert stored(world, "s-001").timezone == "Europe/Brussels"
    # all day in Auckland, then the zone: the meeting at 01:00 on 30 March local stays inside the hours
    s.post(base(world, "s-001") + "/profile", data={"csrf_token": csrf_of(page), "wh_start": "00:00", "wh_end": "24:00"})
    r = s.post(base(world, "s-001") + "/profile", data={"csrf_token": csrf_of(page), "timezone": "Pacific/Auckland"})
    assert errors(r.text) == [] and 'id="current-zone">Pacific/Auckland<' in r.text
    with Store(world["db"]) as st:
        assert st.meetings(EV) == meetings  # same UTC times, same invite versions
        assert len(st.outbox(EV)) == sent  # nothing re-sent
    home = s.get(base(world, "s-001")).text
    assert "01:00-01:25" in home and "Tuesday 30 March" in home  # the agenda on the new clock
    # the first session falls across Auckland's midnight: 21:00 on the 26th to 00:55 on the 27th (UTC+13)
    _, rows, ticked = picker(s, world, "s-001")
    assert rows[0] == ("Friday 26 March 2027", "21:00-21:25")
    assert rows[6] == ("Saturday 27 March 2027", "00:00-00:25")
    assert rows[8] == ("Tuesday 30 March 2027", "01:00-01:25")
    assert ticked == set(range(16))
    r = tick(s, world, "s-001", [5, 6, 7, 8, 9])
    assert errors(r.text) == []
    assert stored(world, "s-001").available == (
        Window(date(2027, 3, 26), time(23, 30), time(23, 55)),
        Window(date(2027, 3, 27), time(0, 0), time(0, 55)),
        Window(date(2027, 3, 30), time(1, 0), time(1, 55)),
    )
    assert picker(s, world, "s-001")[2] == {5, 6, 7, 8, 9}
    # unticking the slot of the announced meeting asks first, like any narrowing of hours
    r = tick(s, world, "s-001", [5, 6, 7])
    assert "Your new hours leave out 1 meeting" in r.text
    assert stored(world, "s-001").available[-1] == Window(date(2027, 3, 30), time(1, 0), time(1, 55))


@pytest.mark.parametrize(("zone", "words"), [
    ("Mars/Olympus_Mons", "Time zone: 'Mars/Olympus_Mons' is not an IANA time zone"),
    ("right/Europe/Berlin", "Time zone: 'right/Europe/Berlin' is not an IANA time zone; did you mean 'Europe/Berlin'?"),
    ("Factory", "Time zone: 'Factory' is not an IANA time zone"),
    ("", "Time zone:"),
    ("Europe/Paris\x00", "Time zone:"),
])  # fmt: skip
def test_a_zone_that_is_not_one_is_refused_in_words(world, zone, words):
    s = requests.Session()
    page = s.get(base(world, "t-001") + "/availability").text
    before = stored(world, "t-001")
    r = s.post(base(world, "t-001") + "/profile", data={"csrf_token": csrf_of(page), "timezone": zone})
    assert r.url == base(world, "t-001") + "/availability"
    assert [e for e in errors(r.text) if e.startswith(words)], errors(r.text)
    assert stored(world, "t-001") == before
