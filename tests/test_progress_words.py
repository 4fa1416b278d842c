"""Solve progress a person understands: phases in words, one figure that never goes back, the
quality in one sentence; and the console's pages of long lists and its next step in words."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduler.files.formats import parse_event_document
from scheduler.files.generator import generate_event
from scheduler.solver import SolverConfig, solve
from scheduler.viewmodels.console import next_action, schedule_grid
from scheduler.viewmodels.lists import find_participants, grid_page, paginate
from webapp.progress import PHASES, done_sentence, phase_words, quality, replay, starting_payload


def msg(phase: str, elapsed: float, meetings: int = 0, gap: float | None = None, limit: float = 10.0) -> dict:
    return {"phase": phase, "elapsed": elapsed, "meetings": meetings, "gap": gap, "limit": limit}


def test_a_solve_reads_as_phases_in_words_and_a_figure_that_only_grows():
    shown = replay([msg("queued", 0), msg("build", 0), msg("select", 1, 300, 0.2), msg("select", 4, 812, 0.05),
                    msg("compact", 5, 840, 0.01), msg("select", 6, 845, 0.004),  # a late report of phase 1
                    msg("compact", 9, 847, 0.0)])  # fmt: skip
    assert [s["words"] for s in shown] == ["Waiting for a free solver", "Reading the requests", "Placing meetings",
                                           "Placing meetings", "Making days compact", "Placing meetings",
                                           "Making days compact"]  # fmt: skip
    assert [s["percent"] for s in shown] == [0.0, 2.0, 16.5, 36.0, 86.5, 86.5, 95.7]
    assert shown[3]["sentence"] == "812 meetings placed; the best possible is at most 5.0% better."
    assert shown[-1]["sentence"] == "847 meetings placed; no better schedule is possible."


def test_the_first_message_says_the_requests_are_being_read():
    first = starting_payload(30.0)
    assert (first["words"], first["percent"], first["sentence"]) == ("Reading the requests", 2.0,
                                                                    "No meetings placed yet.")  # fmt: skip
    assert starting_payload(30.0, "queued")["words"] == "Waiting for a free solver"


@pytest.mark.parametrize(("meetings", "bound", "sentence"), [
    (847, 851, "847 meetings placed; at most 851 are possible."),
    (851, 851, "851 meetings placed; no schedule can place more."),
    (0, 0, "0 meetings placed; no schedule can place more."),
])  # fmt: skip
def test_the_finished_solve_in_one_sentence(meetings, bound, sentence):
    assert done_sentence(meetings, bound) == sentence


def test_quality_before_any_gap_is_known():
    assert quality(0, None) == "No meetings placed yet."
    assert quality(12, None) == "12 meetings placed so far."
    assert phase_words("something-new") == "something-new"  # an unknown phase is shown as it is


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.lists(st.tuples(st.sampled_from(sorted(PHASES)), st.floats(0, 100), st.integers(0, 5000),
                          st.one_of(st.none(), st.floats(0, 1))), max_size=30),  # fmt: skip
       st.floats(0.1, 60))
def test_the_figure_never_goes_back_and_stays_within_0_and_100(events, limit):
    shown = replay(msg(p, e, m, g, limit) for p, e, m, g in events)
    figures = [s["percent"] for s in shown]
    assert figures == sorted(figures) and all(0 <= f <= 100 for f in figures)


def test_pages_cut_a_list_and_clamp_the_number():
    items = list(range(120))
    assert [(p.items[0], len(p.items), p.number, p.pages, p.first, p.last) for p in
            (paginate(items, 1), paginate(items, 3), paginate(items, 9), paginate(items, 0))] == [
        (0, 50, 1, 3, 1, 50), (100, 20, 3, 3, 101, 120), (100, 20, 3, 3, 101, 120), (0, 50, 1, 3, 1, 50)]  # fmt: skip
    empty = paginate([], 4)
    assert (empty.items, empty.number, empty.pages, empty.first, empty.last) == ((), 1, 1, 0, 0)


def test_participants_are_found_by_name_id_or_country_in_any_case():
    data = parse_event_document(generate_event(60, seed=5, event_id="find"))
    one = data.participants[17]
    assert one in find_participants(data.participants, one.name.upper())
    assert find_participants(data.participants, f" {one.id.upper()} ") == [one]
    tech = find_participants(data.participants, one.country, "tech")
    assert tech == [p for p in data.participants if p.kind == "tech" and (
        one.country.casefold() in (p.name + "\n" + p.id + "\n" + p.country).casefold())]  # fmt: skip


def test_a_grid_page_keeps_near_its_cells_and_the_days_hold_every_slot_once():
    data = parse_event_document(generate_event(200, seed=2, event_id="grid"))
    meetings = solve(data, (), SolverConfig(method="greedy")).schedule.meetings
    grid = schedule_grid(data, meetings)
    seen = []
    for day in range(len(grid_page(grid, 0, 1).days)):
        first = grid_page(grid, day, 1, cells=60)
        for number in range(1, first.page.pages + 1):
            gp = grid_page(grid, day, number, cells=60)
            assert len(gp.rows) * gp.rooms <= max(60, gp.rooms)
            seen += [r.slot.index for r in gp.rows]
    assert seen == [r.slot.index for r in grid.rows]
    assert grid_page(grid, 99, 99, cells=60).day == len(grid_page(grid, 0, 1).days) - 1  # clamped


@pytest.mark.parametrize(("stage", "counts", "words"), [
    ("draft", (0, 0, 0, 0), "Import participants"),
    ("draft", (10, 0, 0, 0), "Collect meeting requests: import them, or let participants ask"),
    ("draft", (10, 5, 0, 0), "Generate the schedule"),
    ("draft", (10, 5, 4, 0), "Publish the invites"),
    ("published", (10, 5, 4, 2), "Retry the 2 failed messages in the outbox"),
    ("published", (10, 5, 4, 0), "Update the schedule to place new requests"),
    ("live", (10, 5, 4, 0), "Run the day from the host board"),
    ("closed", (10, 5, 4, 1), "Read the results and send the surveys"),
])  # fmt: skip
def test_the_next_step_in_words(stage, counts, words):
    assert next_action(stage, *counts).words == words
