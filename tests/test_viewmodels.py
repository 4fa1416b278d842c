"""The view models of the host board and the organiser console, as pure functions.

Small real worlds: a two-day event (two slots a day, four rooms, Brussels) with a hand-made
schedule; the store's records come from a real in-memory store. No Flask: the values the
pages render are checked whole."""

from __future__ import annotations

from datetime import timedelta

from scheduler.changes.pipeline import not_placed
from scheduler.domain.model import Meeting, Schedule, Unscheduled
from scheduler.domain.timegrid import build_slots
from scheduler.reporting.kpis import kpis
from scheduler.store import Store
from scheduler.viewmodels.board import (
    Board,
    BoardRow,
    HistoryLine,
    LastChange,
    RunningCounts,
    history,
    host_board,
    last_change,
    running_counts,
)
from scheduler.viewmodels.console import (
    DayRow,
    EventPage,
    Grid,
    GridRow,
    event_page,
    meeting_counts,
    participant_day,
    schedule_grid,
    unplaced,
)
from tests.builders import build, person

PEOPLE = [person("t1"), person("t2"), person("t3"), person("s1"), person("s2"), person("s3", tz="America/New_York")]
TWO_DAYS = [{"date": "2027-03-26", "start": "09:00", "end": "10:00"},
            {"date": "2027-03-27", "start": "09:00", "end": "10:00"}]  # fmt: skip
LABELS = ("Fri 26 Mar 09:00", "Fri 26 Mar 09:30", "Sat 27 Mar 09:00", "Sat 27 Mar 09:30")
EV = "ev-test"


def meet(slots, i: int, room: int, a: str, b: str, status: str = "scheduled") -> Meeting:
    return Meeting(f"m-{a}-{b}", a, b, slots[i].start, slots[i].end, room, status)


def world():
    """The event (each scheduled pair requested, and t3 -> s1 too) and its schedule: on day one
    t1-s1 (room 2) and t2-s2 (room 1) in the first slot, t1-s2 and a cancelled t2-s1 in the
    second; on day two t3-s3 in the first slot; the last slot is empty."""
    data = build(PEOPLE, [("t1", "s1"), ("t2", "s2"), ("t1", "s2"), ("t2", "s1"), ("t3", "s3"), ("t3", "s1")],
                 sessions=TWO_DAYS, rooms=4)  # fmt: skip
    slots = build_slots(data.event)
    ms = (meet(slots, 0, 2, "t1", "s1"), meet(slots, 0, 1, "t2", "s2"), meet(slots, 1, 1, "t1", "s2"),
          meet(slots, 1, 2, "t2", "s1", "cancelled"), meet(slots, 2, 1, "t3", "s3"))  # fmt: skip
    return data, slots, ms


# ------------------------------------------------------------------ host board


def test_the_board_shows_the_day_being_run_with_the_running_slot_its_counts_and_offers():
    data, slots, (a, b, c, d, e) = world()
    now = slots[0].start + timedelta(minutes=10)
    offers = ({"id": 1, "slot_start": slots[0].start}, {"id": 2, "slot_start": slots[1].start})
    board = host_board(data, (a, b, c, d, e), now, checked={"t1", "s1", "t2"}, offers=offers)
    assert board == Board(
        rows=(BoardRow(slots[0], LABELS[0], (b, a), current=True, past=False),  # by room
              BoardRow(slots[1], LABELS[1], (c, d), current=False, past=False)),
        whole=False, has_today=True,
        running=RunningCounts(meetings=2, both_here=1, one_waiting=1, nobody_yet=0, held=0, no_show=0, cancelled=0),
        upcoming=(c,),  # still to come on the day shown, not cancelled: what the move form offers
        future=((1, LABELS[1]), (2, LABELS[2]), (3, LABELS[3])),  # every slot still to come
        offers=({"id": 1, "slot_start": slots[0].start},),  # the running slot's only
        history=(), last_change=None,
    )  # fmt: skip


def test_every_day_on_request_and_when_no_slot_falls_on_today():
    data, slots, (a, b, c, d, e) = world()
    now = slots[1].end + timedelta(minutes=30)  # day one is over, day two not begun
    every = host_board(data, (a, b, c, d, e), now, every_day=True)
    assert every.rows == (BoardRow(slots[0], LABELS[0], (b, a), current=False, past=True),
                          BoardRow(slots[1], LABELS[1], (c, d), current=False, past=True),
                          BoardRow(slots[2], LABELS[2], (e,), current=False, past=False),
                          BoardRow(slots[3], LABELS[3], (), current=False, past=False))  # fmt: skip
    assert (every.whole, every.has_today, every.running, every.upcoming) == (True, True, None, (e,))
    today = host_board(data, (a, b, c, d, e), now)
    assert (today.rows, today.whole, today.upcoming) == (every.rows[:2], False, ())

    before = host_board(data, (a, b, c, d, e), slots[0].start - timedelta(days=1))  # no slot that day
    assert (before.whole, before.has_today, before.running) == (True, False, None)
    assert [r.slot for r in before.rows] == list(slots) and not any(r.current or r.past for r in before.rows)
    assert before.upcoming == (a, b, c, e)


def test_running_counts_sort_meetings_by_who_is_here_and_how_they_ended():
    data, slots, _ = world()
    ms = [meet(slots, 0, 1, "t1", "s1"), meet(slots, 0, 2, "t2", "s2", "moved"), meet(slots, 0, 3, "t3", "s3"),
          meet(slots, 0, 4, "t1", "s2", "held"), meet(slots, 0, 5, "t2", "s1", "no_show"),
          meet(slots, 0, 6, "t3", "s1", "cancelled")]  # fmt: skip
    counts = running_counts(ms, {"t1", "s1", "s2"})
    assert counts == RunningCounts(meetings=6, both_here=1, one_waiting=1, nobody_yet=1, held=1, no_show=1,
                                   cancelled=1)  # fmt: skip
    assert counts.labelled() == (("meetings", 6), ("both here", 1), ("one waiting", 1), ("nobody yet", 1),
                                 ("held", 1), ("no-show", 1), ("cancelled", 1))  # fmt: skip
    assert running_counts([], {"t1"}) is None


def test_the_history_tells_the_stores_records_newest_first_in_words_and_names_the_undo():
    data, slots, ms = world()
    day = slots[0].start
    with Store(memory=True) as s:
        s.save_event(data, actor="olga", now=day - timedelta(days=1))
        s.save_schedule(Schedule(EV, ms), actor="olga", now=day - timedelta(days=1))
        s.check_in(EV, "s1", by="hans", now=day + timedelta(minutes=1))
        s.update_meeting(EV, "m-t1-s1", actor="hans", status="no_show", reason="t1 SME did not come",
                         now=day + timedelta(minutes=5))  # fmt: skip
        s.update_meeting(EV, "m-t2-s2", actor="hans", status="moved", start=slots[1].start, end=slots[1].end,
                         room=3, reason="moved by hand on the host board", now=day + timedelta(minutes=6))  # fmt: skip
        s.set_live_settings(EV, actor="hans", auto_repair=True, now=day + timedelta(minutes=7))
        s.add_offers(EV, [{"slot_start": slots[0].start, "slot_end": slots[0].end, "a": "t1", "b": "s2", "room": 4,
                           "score": 0.5, "reasons": [], "replaces": []}], now=day + timedelta(minutes=8))  # fmt: skip
        s.save_schedule(Schedule(EV, s.meetings(EV)), actor="hans", now=day + timedelta(minutes=9),
                        detail={"action": "rebalance", "why": "t1 SME away for the rest of the day"})  # fmt: skip
        records, last, offers, meetings = s.audit_log(EV, last=12), s.last_change(EV), s.offers(EV), s.meetings(EV)
    assert history(data, meetings, records) == (  # the import and first schedule were the day before
        HistoryLine("Fri 26 Mar 09:09", "hans", "repair applied", "t1 SME away for the rest of the day"),
        HistoryLine("Fri 26 Mar 09:08", "system", "meet-now offer 1 made", ""),
        HistoryLine("Fri 26 Mar 09:07", "hans", "live settings changed", ""),
        HistoryLine("Fri 26 Mar 09:06", "hans", "t2 SME ⇄ s2 SME: scheduled → moved, now Fri 09:30 room 3",
                    "moved by hand on the host board"),
        HistoryLine("Fri 26 Mar 09:05", "hans", "t1 SME ⇄ s1 SME: scheduled → no_show", "t1 SME did not come"),
        HistoryLine("Fri 26 Mar 09:01", "hans", "s1 SME is here", ""),
        HistoryLine("Thu 25 Mar 09:00", "olga", "schedule saved", ""),
        HistoryLine("Thu 25 Mar 09:00", "olga", "import", ""),
    )  # fmt: skip
    assert last_change(last, data.event.timezone) == LastChange("hans", "hans", "09:09", "a repair")
    assert last_change(None, data.event.timezone) is None
    board = host_board(data, meetings, day + timedelta(minutes=10), checked={"s1"}, offers=offers, records=records,
                       last=last)  # fmt: skip
    assert (board.history, board.last_change) == (history(data, meetings, records), last_change(last, "Europe/Brussels"))
    assert [o["id"] for o in board.offers] == [1]


# ------------------------------------------------------------------ console


def test_the_grid_has_a_row_per_slot_and_a_column_per_room_in_use():
    data, slots, (a, b, c, d, e) = world()
    grid = schedule_grid(data, (a, b, c, d, e))
    assert grid == Grid((GridRow(slots[0], LABELS[0], 0, (b, a)), GridRow(slots[1], LABELS[1], 0, (c, d)),
                         GridRow(slots[2], LABELS[2], 1, (e, None)), GridRow(slots[3], LABELS[3], 1, (None, None))))  # fmt: skip
    assert grid.slots == slots  # rows[i] is slot i: the move form labels slots by row
    assert schedule_grid(data, ()).rows[0] == GridRow(slots[0], LABELS[0], 0, ())  # no schedule: no room columns


def test_counts_and_not_placed_come_from_the_schedule_as_it_is_now():
    data, slots, (a, b, c, d, e) = world()
    ms = (a, b, c, d, e, meet(slots, 3, 1, "t3", "s1", "no_show"))
    assert meeting_counts(data, ms) == {"t1": 2, "t2": 1, "t3": 1, "s1": 1, "s2": 2, "s3": 1}
    assert unplaced(data, ()) == ()  # before the first schedule nothing was left out
    assert unplaced(data, ms) == (
        Unscheduled("s1", "t2", "their meeting was called off (cancelled)"),
        Unscheduled("s1", "t3", "one of them missed their meeting"),
    ) == not_placed(data, ms)
    assert event_page(data, ms) == EventPage(schedule_grid(data, ms), kpis(data, ms), meeting_counts(data, ms),
                                             unplaced(data, ms))  # fmt: skip


def test_a_participants_day_is_in_their_zone_and_the_events():
    data, slots, ms = world()
    people = data.by_id()
    assert participant_day(data, ms, "s3") == (DayRow(ms[4], people["t3"], "Sat 27 Mar 04:00", LABELS[2]),)
    assert participant_day(data, ms, "s1") == (DayRow(ms[0], people["t1"], LABELS[0], LABELS[0]),
                                               DayRow(ms[3], people["t2"], LABELS[1], LABELS[1]))  # fmt: skip
