"""A participant's own page reads only their meetings and partners (thousands of pages ask at
once after a live change): the narrow reads give exactly what the whole-event reads give."""

from __future__ import annotations

from scheduler.domain.model import Meeting, Schedule
from scheduler.domain.timegrid import build_slots
from scheduler.store import Store
from tests.builders import build, person

N = 1200  # more ids than one SQLite IN (...) chunk of participants_by_id


def _world(path):
    people = [person(f"t{i:04d}") for i in range(N // 2)] + [person(f"s{i:04d}") for i in range(N // 2)]
    data = build(people, rooms=60)
    slots = build_slots(data.event)
    meetings = tuple(Meeting(f"m{i}", f"t{i % (N // 2):04d}", f"s{(i * 7) % (N // 2):04d}", slots[i % len(slots)].start,
                             slots[i % len(slots)].end, i // len(slots) + 1) for i in range(900))  # fmt: skip
    store = Store(path)
    store.save_event(data)
    store.save_schedule(Schedule(data.event.id, meetings), actor="test")
    return store, data.event.id


def test_participants_by_id_equals_the_whole_event_read_for_any_ids(tmp_path):
    store, ev = _world(tmp_path / "own.db")
    with store:
        everyone = store.load(ev).by_id()
        wanted = [*sorted(everyone)[::2], "nobody", "t0001"]  # 600 ids, one unknown, one twice
        got = store.participants_by_id(ev, wanted)
        assert set(got) == set(wanted) - {"nobody"}
        assert all(got[pid] == everyone[pid] for pid in got)


def test_meetings_of_is_the_participants_share_of_the_schedule(tmp_path):
    store, ev = _world(tmp_path / "own.db")
    with store:
        every = store.meetings(ev)
        for pid in ("t0000", "s0007", "t0599", "s0599"):
            mine = store.meetings_of(ev, pid)
            assert set(mine) == {m for m in every if pid in (m.a, m.b)}
            assert [m.start for m in mine] == sorted(m.start for m in mine)
        assert store.meetings_of(ev, "nobody") == ()
