"""What-if capacity planning: meetings possible by rooms and by slot length, the fewest rooms for
99%, the plot, the command and the console page."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st
from werkzeug.security import generate_password_hash

from scheduler.domain.errors import InvalidInput
from scheduler.files.formats import parse_event_document
from scheduler.files.generator import generate_event
from scheduler.reporting.capacity import Options, capacity_plan, smallest
from scheduler.reporting.capacity_plot import capacity_figure, capacity_svg
from scheduler.solver import meetings_upper_bound
from scheduler.solving.problem import build_problem
from scheduler.store import Store
from tests.builders import document, person
from tests.conftest import ROOT
from tests.webtools import PASSWORD, logged_in

TRAD = [f"t{i}" for i in range(1, 5)]
TECH = [f"s{i}" for i in range(1, 5)]
#: one session of 90 minutes in 30-minute slots without gaps: 3 slots; 2 rooms, caps of 6
FOUR_BY_FOUR = document([person(p) for p in TRAD + TECH], [(t, s) for t in TRAD for s in TECH],
                        sessions=[{"date": "2027-03-26", "start": "09:00", "end": "10:30"}],
                        slot_minutes=30, gap_minutes=0, rooms=2, max_meetings=6)  # fmt: skip


def four_by_four():
    return parse_event_document(json.loads(json.dumps(FOUR_BY_FOUR)))


def test_four_by_four_by_rooms_is_the_hand_computed_answer():
    """4 traditional x 4 tech SMEs, every cross pair wanted, caps 6, 3 slots.

    Each SME can meet at most min(cap 6, 3 slots) = 3 partners, so at most 4 x 3 = 12 meetings
    whatever the rooms (and 12 are placeable: three disjoint perfect matchings of K4,4, one per
    slot). A room holds one meeting per slot: r rooms hold at most 3r meetings. So: 1 room 3,
    2 rooms 6, 3 rooms 9, 4 rooms 12 = unlimited. 99% of 12 is 11.88, so 12 meetings are
    needed: 4 rooms. Traditional SMEs served: at most min(3r, 4): 3, then 4.
    """
    plan = capacity_plan(four_by_four())
    assert [(p.rooms, p.bound.meetings, p.bound.traditional_served) for p in plan.by_rooms] == [
        (1, 3, 3), (2, 6, 4), (3, 9, 4), (4, 12, 4)]  # fmt: skip
    assert (plan.unlimited.bound.meetings, plan.unlimited.bound.traditional_served) == (12, 4)
    assert (plan.target, plan.rooms_needed, plan.traditional, plan.slots) == (12, 4, 4, 3)
    assert plan.unlimited_rooms == 4  # 4 of each kind can take every slot: 4 meetings at once
    assert all(p.placed is None for p in plan.by_rooms) and not plan.solved


def test_four_by_four_by_slot_length_is_the_hand_computed_answer():
    """The 90-minute session cut into slots of m minutes (no gaps) holds floor(90 / m) slots.

    With s slots each SME meets at most min(6, s, 4 partners) others, so unlimited rooms allow
    4 x min(s, 4) meetings; the event's 2 rooms allow min(2s, that); traditional SMEs served
    min(2s, 4); the fewest rooms for 99% (all of them, below 100 meetings) is
    ceil(unlimited / s). 10 min: 9 slots, 16, 16, 4, 2 rooms. 15: 6 slots, 12 of 16, 3 rooms.
    20: 4 slots, 8 of 16, 4 rooms. 25 and 30: 3 slots, 6 of 12, 4 rooms. 40 and 45: 2 slots,
    4 of 8, 4 rooms. 60 and 90: 1 slot, 2 of 4, served 2, 4 rooms.
    """
    plan = capacity_plan(four_by_four())
    got = [(o.point.slot_minutes, o.point.slots, o.point.bound.meetings, o.unlimited_meetings,
            o.point.bound.traditional_served, o.rooms_needed) for o in plan.by_slot_minutes]  # fmt: skip
    assert got == [(10, 9, 16, 16, 4, 2), (15, 6, 12, 16, 4, 3), (20, 4, 8, 16, 4, 4), (25, 3, 6, 12, 4, 4),
                   (30, 3, 6, 12, 4, 4), (40, 2, 4, 8, 4, 4), (45, 2, 4, 8, 4, 4), (60, 1, 2, 4, 2, 4),
                   (90, 1, 2, 4, 2, 4)]  # fmt: skip
    only = capacity_plan(four_by_four(), Options(slot_minutes=(15, 120)))  # 120: no slot fits, left out
    assert [o.point.slot_minutes for o in only.by_slot_minutes] == [15, 30]  # the event's own always


def test_real_solves_place_what_the_bound_allows_on_four_by_four():
    plan = capacity_plan(four_by_four(), Options(solve=True, budget=1.0, slot_minutes=(15, 60)))
    assert [(p.rooms, p.placed.meetings, p.placed.traditional_served) for p in plan.by_rooms] == [
        (1, 3, 3), (2, 6, 4), (3, 9, 4), (4, 12, 4)]  # fmt: skip
    assert (plan.solved_target, plan.solved_rooms_needed, plan.unlimited.placed.meetings) == (12, 4, 12)
    assert [(o.point.slot_minutes, o.point.placed.meetings) for o in plan.by_slot_minutes] == [
        (15, 12), (30, 6), (60, 2)]  # fmt: skip
    assert not plan.wall_limit_hit


@pytest.mark.parametrize("seed", [1, 2])
def test_figures_by_rooms_are_the_solvers_bound_and_grow_with_rooms(seed):
    """Each row is meetings_upper_bound with that many rooms (and, with traditional caps of 1,
    the traditional SMEs served); neither ever falls as rooms grow."""
    data = parse_event_document(generate_event(40, seed=seed))
    plan = capacity_plan(data, Options(slot_minutes=(30,)))
    one_each = replace(data, participants=tuple(
        replace(p, max_meetings=min(p.cap(data.event), 1)) if p.kind == "traditional" else p
        for p in data.participants))  # fmt: skip
    rooms = [p.rooms for p in plan.by_rooms]
    assert rooms == list(range(1, len(rooms) + 1)) and rooms[-1] >= plan.rooms_needed
    direct = []
    for r in [*rooms, plan.unlimited_rooms, plan.unlimited_rooms + 5]:
        bound = meetings_upper_bound(build_problem(replace(data, event=replace(data.event, rooms=r)), scores=False))
        served = meetings_upper_bound(build_problem(replace(one_each, event=replace(data.event, rooms=r)),
                                                    scores=False))  # fmt: skip
        direct.append((bound, served))
    assert [(p.bound.meetings, p.bound.traditional_served) for p in plan.by_rooms] == direct[: len(rooms)]
    assert direct[-2] == direct[-1] == (plan.unlimited.bound.meetings, plan.unlimited.bound.traditional_served)
    assert all(a[0] <= b[0] and a[1] <= b[1] for a, b in zip(direct, direct[1:], strict=False))
    assert plan.by_rooms[plan.rooms_needed - 1].bound.meetings >= plan.target
    assert plan.rooms_needed == 1 or plan.by_rooms[plan.rooms_needed - 2].bound.meetings < plan.target


@given(st.integers(0, 50), st.integers(0, 60), st.integers(0, 60))
def test_smallest_finds_the_threshold_of_a_monotone_test(lo, width, offset):
    hi, threshold = lo + width, lo + min(offset, width)
    calls = []

    def reaches(r: int) -> bool:
        calls.append(r)
        return r >= threshold

    assert smallest(reaches, lo, hi) == threshold
    assert all(lo <= r <= hi for r in calls)
    assert len(calls) <= 2 * (threshold - lo).bit_length() + 2


def test_options_out_of_range_name_each_field():
    with pytest.raises(InvalidInput) as err:
        capacity_plan(four_by_four(), Options(percent=0, slot_minutes=(20, 3), budget=0))
    assert [str(p) for p in err.value.problems] == [
        "percent: must be a whole number from 1 to 100 (got 0)",
        "slot minutes[1]: must be from 5 to 480 minutes (got 3)",
        "budget: must be above 0 and at most 600 seconds (got 0)",
    ]


def test_the_plot_has_titles_and_axis_labels_and_inlines_without_css():
    plan = capacity_plan(four_by_four())
    left, right = capacity_figure(plan).axes
    assert (left.get_title(), left.get_xlabel()) == ("By virtual rooms (3 slots of 30 min)",
                                                     "virtual rooms (this event: 2)")  # fmt: skip
    assert (right.get_title(), right.get_xlabel()) == ("By slot length (same sessions, 0 min gaps)",
                                                       "slots in the event (labels: slot minutes)")  # fmt: skip
    assert left.get_ylabel() == right.get_ylabel() == "meetings / traditional SMEs"
    svg = capacity_svg(plan)
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg"') and svg.endswith("</svg>")
    assert "style=" not in svg and "<style" not in svg and "<script" not in svg  # the CSP allows no inline CSS
    assert 'role="img"' in svg and "<title" in svg and 'fill="#1f5fa8"' in svg
    assert capacity_svg(plan) == svg  # the same plan, the same picture


# ------------------------------------------------------------------ the command


def run(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, str(ROOT / "run.py"), *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=300)  # fmt: skip
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


@pytest.fixture(scope="module")
def cli_db(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("capacity-cli")
    src, db = tmp_path / "four.json", tmp_path / "cap.db"
    src.write_text(json.dumps(FOUR_BY_FOUR))
    run("--db", str(db), "import", str(src))
    return db


def cells(text: str) -> list[list[str]]:
    """The rows of rich's tables in ``text``, as lists of cell texts."""
    return [[c.strip() for c in line.strip("│ ").split("│")] for line in text.splitlines() if line.startswith("│")]


def test_capacity_command_prints_both_tables_the_answer_and_draws(cli_db, tmp_path):
    plot = tmp_path / "cap.svg"
    text = run("--db", str(cli_db), "capacity", "--event", "ev-test", "--slot-minutes", "15,60",
               "--plot", str(plot)).stdout  # fmt: skip
    assert "upper bounds of the solver's flow relaxation" in text
    assert cells(text) == [
        ["1", "3", "25.0%", "3 of 4"], ["2 (this event)", "6", "50.0%", "4 of 4"], ["3", "9", "75.0%", "4 of 4"],
        ["4", "12", "100.0%", "4 of 4"], ["unlimited", "12", "100.0%", "4 of 4"],
        ["15", "6", "12", "4 of 4", "16", "3"], ["30 (this event)", "3", "6", "4 of 4", "12", "4"],
        ["60", "1", "2", "2 of 4", "4", "4"],
    ]  # fmt: skip
    assert ("fewest rooms reaching 99% of the 12 meetings possible with unlimited rooms (12): 4 by the bound "
            "(this event has 2)") in text  # fmt: skip
    assert plot.read_text(encoding="utf-8").startswith("<svg")


def test_capacity_command_with_solve_shows_placed_meetings(cli_db):
    text = run("--db", str(cli_db), "capacity", "--event", "ev-test", "--solve", "--slot-minutes", "60").stdout
    assert "'placed' figures are real solves (1 s of deterministic work each" in text
    assert [row[4:] for row in cells(text)[:5]] == [["3", "3"], ["6", "4"], ["9", "4"], ["12", "4"], ["12", "4"]]
    assert "by real solves: 4 rooms reach 99% of the 12 meetings placed with unlimited rooms (12;" in text


def test_capacity_command_mistakes_exit_2_with_the_field_named(cli_db):
    for args, message in ((("--slot-minutes", "20,x"), "error: --slot-minutes: 'x' is not a whole number"),
                          (("--percent", "120"), "error: capacity planning: percent: must be a whole number "
                                                 "from 1 to 100 (got 120)")):  # fmt: skip
        proc = run("--db", str(cli_db), "capacity", "--event", "ev-test", *args, check=False)
        assert proc.returncode == 2 and proc.stderr.startswith(message) and "Traceback" not in proc.stderr
    proc = run("--db", str(cli_db), "capacity", "--event", "nope", check=False)
    assert proc.returncode == 2 and "nope" in proc.stderr and "Traceback" not in proc.stderr


# ------------------------------------------------------------------ the console page


@pytest.fixture
def web(tmp_path):
    from webapp import create_app

    db = tmp_path / "web.db"
    doc = json.loads(json.dumps(FOUR_BY_FOUR))
    doc["event"]["name"] = "<script>alert(1)</script> Capacity & Co"
    with Store(db) as s:
        s.save_event(parse_event_document(doc))
        s.add_user("olga", generate_password_hash(PASSWORD), "organiser")
        s.add_user("hans", generate_password_hash(PASSWORD), "host")
        s.grant("ev-test", "hans", "host")  # the event's host
        tokens = s.tokens("ev-test")
    app = create_app({"DATABASE": str(db), "SECRET_KEY": "test", "TESTING": True,
                      "OUTBOX_DIR": str(tmp_path / "outbox"),
                      "COMPUTE_WAIT": 60})  # the page waits for its figures (no "being computed" state)  # fmt: skip
    return app, tokens



def test_console_page_shows_the_plot_and_the_tables_to_the_organiser(web):
    app, _ = web
    client = logged_in(app, "olga")
    assert 'href="/events/ev-test/capacity"' in client.get("/events/ev-test").get_data(as_text=True)
    r = client.get("/events/ev-test/capacity")
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and "'unsafe-inline'" not in r.headers["Content-Security-Policy"]
    svg = page[page.index("<svg"):page.index("</svg>")]
    assert 'role="img"' in svg and "style=" not in svg
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; Capacity &amp; Co" in page
    rooms = page[page.index('id="by-rooms"'):page.index('id="by-slots"')]
    rows = re.findall(r'<tr><th scope="row" class="num">([^<]*)</th>\s*<td class="num">(\d+)</td>', rooms)
    assert rows == [("1", "3"), ("2 (this event)", "6"), ("3", "9"), ("4 · fewest for 99%", "12"), ("unlimited", "12")]
    assert "<b>4 virtual rooms</b> reach 99% of the 12 meetings" in page
    assert "upper bound" in page and "run.py capacity --event ev-test --solve" in page
    half = client.get("/events/ev-test/capacity?percent=50").get_data(as_text=True)
    assert "<b>2 virtual rooms</b> reach 50% of the 12 meetings" in half
    bad = client.get("/events/ev-test/capacity?percent=abc")
    assert bad.status_code == 400 and "percent: &#39;abc&#39; is not a whole number" in bad.get_data(as_text=True)
    assert client.get("/events/nope/capacity").status_code == 404


def test_console_page_is_for_organisers_only(web):
    app, tokens = web
    anon = app.test_client().get("/events/ev-test/capacity")
    assert anon.status_code == 302 and "/login" in anon.headers["Location"]
    assert logged_in(app, "hans").get("/events/ev-test/capacity").status_code == 403  # a host
    participant = app.test_client()
    assert participant.get(f"/p/{tokens['t1']}").status_code == 200
    assert participant.get("/events/ev-test/capacity").status_code == 403
