"""Figures remembered per state of an event: computed once, computed again after any change."""

from __future__ import annotations

from datetime import UTC, datetime

from scheduler.store import Store
from tests.builders import build, person
from webapp.memo import remembered


def test_a_figure_is_computed_once_per_state_and_again_after_a_change(tmp_path):
    data = build([person("t-1"), person("t-2"), person("s-1", kind="tech")], [("t-1", "s-1")])
    calls: list[int] = []

    def compute() -> int:
        calls.append(1)
        return len(calls)

    with Store(tmp_path / "m.db") as store:
        store.save_event(data)
        ev = data.event.id
        assert remembered("figure", store, ev, compute) == 1
        assert remembered("figure", store, ev, compute) == 1  # same state: not computed again
        assert remembered("figure", store, ev, compute, "fr") == 2  # another language is another figure
        store.add_requests(ev, [("t-2", "s-1", 1)], status="pending", origin="organiser", actor="olga",
                           now=datetime(2027, 3, 1, tzinfo=UTC))  # fmt: skip
        assert remembered("figure", store, ev, compute) == 3  # a new request: computed afresh
        store.check_in(ev, "t-1", by="t-1", now=datetime(2027, 3, 26, 9, tzinfo=UTC))
        assert remembered("figure", store, ev, compute) == 4  # a check-in too
        assert remembered("figure", store, ev, compute) == 4
