"""Figures remembered per state of an event: computed once, computed again after any change."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from scheduler.store import Store
from tests.builders import build, person
from webapp.memo import ready, remembered


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


def test_a_slow_figure_is_computed_once_in_the_background_and_never_shown_from_an_earlier_state(tmp_path):
    data = build([person("t-1"), person("t-2"), person("s-1", kind="tech")], [("t-1", "s-1")])
    release, calls = threading.Event(), []

    def slow() -> str:
        calls.append(1)
        release.wait(30)  # held until the test lets it finish
        return f"figures {len(calls)}"

    with Store(tmp_path / "r.db") as store:
        store.save_event(data)
        ev = data.event.id
        assert ready("slow", store, ev, slow, wait=0) is None  # not there yet: the page says "being computed"
        assert ready("slow", store, ev, slow, wait=0) is None  # asked again meanwhile: still one computation
        release.set()
        assert ready("slow", store, ev, slow, wait=30) == "figures 1"
        assert ready("slow", store, ev, slow, wait=0) == "figures 1" and len(calls) == 1
        release.clear()
        store.check_in(ev, "t-1", by="t-1", now=datetime(2027, 3, 26, 9, tzinfo=UTC))
        assert ready("slow", store, ev, slow, wait=0) is None  # a new state: not the old figures
        release.set()
        assert ready("slow", store, ev, slow, wait=30) == "figures 2"


def test_a_figure_whose_computation_failed_is_computed_again(tmp_path):
    data = build([person("t-1"), person("s-1", kind="tech")], [("t-1", "s-1")])
    tries: list[int] = []

    def flaky() -> int:
        tries.append(1)
        if len(tries) == 1:
            raise RuntimeError("the first try fails")
        return len(tries)

    with Store(tmp_path / "f.db") as store:
        store.save_event(data)
        ev = data.event.id
        assert ready("flaky", store, ev, flaky, wait=30) is None  # failed: nothing remembered
        assert ready("flaky", store, ev, flaky, wait=30) == 2
