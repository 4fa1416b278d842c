"""The policy recommendations (every rule firing and not firing), the report's tables, charts,
HTML, PDF (parsed by pypdf) and workbook (opened by openpyxl), the ``report`` command and the
console's Results page with its downloads."""

from __future__ import annotations

import io
import re
import struct
import subprocess
import sys
from dataclasses import replace

import openpyxl
import pypdf
import pytest
from werkzeug.security import generate_password_hash

from scheduler.files.formats import parse_event_document
from scheduler.reporting.findings import Group, Share
from scheduler.reporting.pilot import TechRow, pilot_figures
from scheduler.reporting.pilot_charts import charts
from scheduler.reporting.recommendations import RULES, recommend
from scheduler.reporting.report import build_report, report_html, report_pdf, report_xlsx
from scheduler.reporting.tables import report_tables
from scheduler.store import Store
from tests.builders import build, document, person
from tests.conftest import ROOT
from tests.test_pilot_kpis import (
    ADOPTERS,
    FEEDBACK,
    FOLLOWUP,
    MEETINGS,
    PEOPLE,
    STATUSES,
    adoption_answers,
    figures,
)
from tests.webtools import PASSWORD, logged_in

ARTIFACTS = ROOT / "tests" / "artifacts"


def adopters():
    """The adoption world of test_pilot_kpis: 12 traditional SMEs answering, no meeting."""
    return pilot_figures(build(ADOPTERS), (), (), None, adoption_answers())


def test_the_adoption_world_gives_these_recommendations_word_for_word():
    assert [r.text for r in recommend(adopters())] == [
        "67% of traditional SMEs in agrifood (n=6) name lack of skills in the company as the main barrier: fund "
        "training and skills programmes for their staff, delivered with the technology providers.",
        "80% of traditional SMEs in BE (n=5) name lack of skills in the company as the main barrier: fund training "
        "and skills programmes for their staff, delivered with the technology providers.",
        "100% of traditional SMEs (n=12) name cost of investment among the threats they see: co-fund first "
        "investments (vouchers or grants sized for small firms).",
        "58% of traditional SMEs (n=12) ask for training and skills: make training and skills part of the "
        "programme's next call.",
        "only 0% of traditional SMEs (0 of 12) had at least one meeting: recruit more technology providers matching "
        "their needs and let the organiser propose meetings to those left without.",
    ]  # fmt: skip


def test_the_small_world_fires_no_rule():
    assert recommend(figures()) == ()  # every group under 5, or every figure within its threshold


def _group(name, n, count):
    return Group(name, n, (), (), (Share("skills", "Lack of skills in the company", count, n),))


def _with(f, part, **changes):
    return replace(f, **{part: replace(getattr(f, part), **changes)})


def _wave(f, no_contact, valuable, negotiation, agreement):
    m3 = f.waves[0]
    n = no_contact + valuable + negotiation + agreement
    levels = tuple(replace(s, count=c, n=n) for s, c in zip(m3.levels, (no_contact, valuable, negotiation, agreement),
                                                            strict=True))  # fmt: skip
    return replace(f, waves=(replace(m3, levels=levels, meetings=n), *f.waves[1:]))


def _few(f):
    return replace(f, waves=tuple(replace(w, respondents=4) for w in f.waves))


#: (rule, figures, whether it fires): each rule once firing, and not firing at and beyond its edges
CASES = [
    ("main-barrier-sector", lambda: adopters(), True),
    ("main-barrier-sector", lambda: _with(adopters(), "adoption", by_sector=(_group("agrifood", 10, 3),)), False),  # 30%
    ("main-barrier-sector", lambda: _with(adopters(), "adoption", by_sector=(_group("agrifood", 10, 4),)), True),  # 40%
    ("main-barrier-sector", lambda: _with(adopters(), "adoption", by_sector=(_group("agrifood", 4, 4),)), False),  # n < 5
    ("main-barrier-sector", lambda: _with(adopters(), "adoption", by_sector=(_group("other", 9, 9),)), False),  # pooled
    ("main-barrier-country", lambda: adopters(), True),
    ("main-barrier-country", lambda: _with(adopters(), "adoption", by_country=(_group("BE", 10, 3),)), False),
    ("threat-overall", lambda: adopters(), True),
    ("threat-overall", lambda: _with(adopters(), "adoption", overall=replace(
        adopters().adoption.overall, threats=(Share("cost", "Cost of investment", 5, 11),))), False),  # 45%
    ("support-wanted", lambda: adopters(), True),
    ("support-wanted", lambda: _with(adopters(), "adoption", support=(Share("training", "Training", 5, 11),)), False),
    ("technology-gap", lambda: replace(figures(), technologies=(TechRow("ai", 6, 3),)), True),
    ("technology-gap", lambda: replace(figures(), technologies=(TechRow("ai", 6, 4),)), False),  # offered > half
    ("technology-gap", lambda: replace(figures(), technologies=(TechRow("ai", 4, 0),)), False),  # demand under 5
    ("low-reach", lambda: adopters(), True),
    ("low-reach", lambda: _with(figures(), "reach", traditional=10, traditional_1=8), False),  # 80%
    ("low-reach", lambda: _with(figures(), "reach", traditional=10, traditional_1=7), True),
    ("no-shows", lambda: _with(figures(), "funnel", held=8, no_show=2), True),  # 20%
    ("no-shows", lambda: _with(figures(), "funnel", held=18, no_show=2), False),  # 10%
    ("no-shows", lambda: figures(), False),  # 1 of 4 marked: under 5
    ("cross-border-low", lambda: _with(figures(), "cross_border", known=10, cross=2), True),
    ("cross-border-low", lambda: _with(figures(), "cross_border", known=10, cross=3), False),  # 30%
    ("low-usefulness", lambda: _with(figures(), "feedback", useful_mean=2.9), True),
    ("low-usefulness", lambda: figures(), False),  # 3.6
    ("low-usefulness", lambda: _with(figures(), "feedback", useful_mean=2.9, respondents=4), False),  # suppressed
    ("stalled-contacts", lambda: _wave(figures(), 1, 2, 0, 1), True),  # 2 of 4
    ("stalled-contacts", lambda: figures(), False),  # 1 of 4
    ("stalled-contacts", lambda: _few(_wave(figures(), 1, 2, 0, 1)), False),  # the wave under 5 respondents
]  # fmt: skip


def test_every_rule_has_cases_both_ways():
    assert {(rule, fires) for rule, _, fires in CASES} == {(r, b) for r in RULES for b in (True, False)}


@pytest.mark.parametrize(("rule", "make", "fires"), CASES, ids=[f"{r}-{'fires' if b else 'quiet'}-{i}"
                                                                 for i, (r, _, b) in enumerate(CASES)])  # fmt: skip
def test_rule(rule, make, fires):
    found = [r for r in RULES[rule](make())]
    assert bool(found) is fires
    for r in found:
        assert r.rule == rule and r.n >= 5 and re.search(r"\d", r.finding)


def test_the_stalled_rule_states_its_figures():
    (r,) = RULES["stalled-contacts"](_wave(figures(), 1, 2, 0, 1))
    assert r.text.startswith("3 months after the event, 50% of the meetings followed up (2 of 4, 5 respondents) are "
                             "valuable contacts or negotiations without an agreement: fund follow-up")  # fmt: skip


# ------------------------------------------------------------------ tables, charts, formats


def test_tables_and_workbook_hold_the_same_numbers():
    report = build_report(figures(), "1 April 2027", with_charts=False)
    ids = [t.id for t in report.tables]
    assert len(ids) == len(set(ids)) and {"kpis", "country_pairs", "outcomes", "feedback", "recommendations"} <= set(ids)
    wb = openpyxl.load_workbook(io.BytesIO(report_xlsx(report)))
    assert wb.sheetnames == ["about", *ids]
    for t in report.tables:
        rows = [tuple(c.value for c in row) for row in wb[t.id].iter_rows()]
        assert rows[0] == tuple(c.name for c in t.columns)
        assert len(rows) - 1 == len(t.rows), t.id
        for got, want in zip(rows[1:], t.rows, strict=True):  # the workbook keeps 15 significant digits
            assert got == tuple(pytest.approx(v, rel=1e-12) if isinstance(v, float) else v for v in want), t.id
    kpis = {r[0]: r[1] for r in wb["kpis"].iter_rows(values_only=True)}
    assert kpis["meetings held"] == 3 and kpis["meetings with a country unknown"] == 1
    pairs = list(wb["country_pairs"].iter_rows(values_only=True))
    assert pairs == [("country", "BE", "DE", "FR"), ("BE", 1, 1, 1), ("DE", 1, 0, 1), ("FR", 1, 1, 0)]


def test_suppressed_survey_tables_have_no_rows_and_say_why():
    tables = {t.id: t for t in report_tables(figures((*FEEDBACK[:4], *FOLLOWUP)))}
    assert tables["feedback"].rows == () and "3 respondents, fewer than the minimum group of 5" in tables["feedback"].note
    assert tables["threats"].rows == () and "0 respondents" in tables["threats"].note
    assert [r[0] for r in tables["outcomes"].rows] == ["m3"]  # m6 has 3 respondents


def test_charts_are_deterministic_inline_svg_with_unique_ids_and_a_table_each():
    f = figures()
    drawn = charts(f)
    assert [c.id for c in drawn] == ["funnel", "per-participant", "outcomes", "technology-gap"]  # no adoption answers
    assert [c.svg for c in charts(f)] == [c.svg for c in drawn]
    table_ids = {t.id for t in report_tables(f)}
    seen: set[str] = set()
    for c in drawn:
        assert c.svg.startswith("<svg") and 'role="img"' in c.svg and "style=" not in c.svg and "<metadata" not in c.svg
        assert c.table in table_ids
        ids = re.findall(r'\sid="([^"]+)"', c.svg)
        assert all(i.startswith(f"chart-{c.id}-") for i in ids) and not seen & set(ids)
        seen |= set(ids)
        for ref in re.findall(r'(?:href="|url\()#([^")]+)', c.svg):
            assert ref in ids  # every reference points inside its own chart


def test_html_escapes_names_and_the_pdf_parses():
    f = replace(figures(), event_name="<script>alert(1)</script> Pilot & Co")
    report = build_report(f, "1 April 2027", demo=True)
    html = report_html(report)
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; Pilot &amp; Co" in html
    assert 'id="demo-note"' in html and html.count("<svg") == 4
    pdf = report_pdf(report)
    assert pdf.startswith(b"%PDF")
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) >= 2
    first = reader.pages[0].extract_text()
    assert "Pilot results" in first and "Demo data" in first and "Pilot & Co" in first


def test_the_pdf_renders_page_one_as_an_image(tmp_path):
    """Poppler (another PDF engine than the one that wrote it) draws page 1 as a PNG."""
    (tmp_path / "r.pdf").write_bytes(report_pdf(build_report(figures(), "1 April 2027", demo=True)))
    subprocess.run(["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", "-singlefile",
                    str(tmp_path / "r.pdf"), str(tmp_path / "page1")], check=True, capture_output=True)  # fmt: skip
    png = (tmp_path / "page1.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", png[16:24])
    assert 380 <= width <= 460 and 540 <= height <= 620  # an A4 page at 50 dpi: 413 x 585
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "report-page1.png").write_bytes(png)


# ------------------------------------------------------------------ a stored event: command and console


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    """The small world of test_pilot_kpis stored: requests with their statuses, meetings, answers."""
    from scheduler.domain.model import Schedule

    db = tmp_path_factory.mktemp("report") / "report.db"
    doc = document(PEOPLE, list(STATUSES))
    for r in doc["requests"]:
        r["status"] = STATUSES[(r["from"], r["to"])]
    with Store(db) as s:
        s.save_event(parse_event_document(doc))
        s.save_schedule(Schedule("ev-test", MEETINGS), actor="test")
        for a in (*FEEDBACK, *FOLLOWUP):
            s.save_answer(a, actor="test")
        s.check_in("ev-test", "t1", by="t1")
        s.add_user("olga", generate_password_hash(PASSWORD), "organiser")
        s.add_user("hans", generate_password_hash(PASSWORD), "host")
        s.grant("ev-test", "hans", "host")  # hosts see the events they are granted
        s.add_user("greta", generate_password_hash(PASSWORD), "host")  # ... and no other
        tokens = s.tokens("ev-test")
    return db, tokens


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "run.py"), *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=300)  # fmt: skip


def test_report_command_writes_each_format(stored, tmp_path):
    db, _ = stored
    for name in ("r.xlsx", "r.pdf"):  # .html is the PDF's source (render() in-process above)
        proc = run("--db", str(db), "report", "--event", "ev-test", "-o", str(tmp_path / name))
        assert proc.returncode == 0, proc.stderr
        assert f"wrote {tmp_path / name}" in proc.stdout
    assert (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF")
    assert len(pypdf.PdfReader(tmp_path / "r.pdf").pages) >= 2
    wb = openpyxl.load_workbook(tmp_path / "r.xlsx")
    held = {r[0]: r[1] for r in wb["kpis"].iter_rows(values_only=True)}["meetings held"]
    assert held == 3 and "demo data" not in {r[0] for r in wb["about"].iter_rows(values_only=True)}


def test_report_command_mistakes_exit_2_naming_the_field(stored, tmp_path):
    db, _ = stored
    proc = run("--db", str(db), "report", "--event", "ev-test", "-o", str(tmp_path / "r.docx"))
    assert proc.returncode == 2 and "-o/--output" in proc.stderr and ".pdf, .html or .xlsx" in proc.stderr
    assert "Traceback" not in proc.stderr and not (tmp_path / "r.docx").exists()
    proc = run("--db", str(db), "report", "--event", "nope", "-o", str(tmp_path / "r.html"))
    assert proc.returncode == 2 and "nope" in proc.stderr and "Traceback" not in proc.stderr


@pytest.fixture(scope="module")
def app(stored):
    from webapp import create_app

    db, _ = stored
    return create_app({"DATABASE": str(db), "SECRET_KEY": "test", "TESTING": True, "NOW": "2027-10-01T09:00:00+00:00",
                       "OUTBOX_DIR": str(db.parent / "outbox"),
                       "COMPUTE_WAIT": 60})  # the page waits for its figures (tests/test_memo.py: the "being computed" state)  # fmt: skip



def test_results_page_shows_figures_charts_and_downloads_to_organiser_and_host(app):
    olga = logged_in(app, "olga")
    assert 'href="/events/ev-test/results"' in olga.get("/events/ev-test").get_data(as_text=True)
    r = olga.get("/events/ev-test/results")
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and "'unsafe-inline'" not in r.headers["Content-Security-Policy"]
    report = page[page.index('<div class="report">'):]
    assert "style=" not in report and report.count("<svg") == 4
    assert "Figures as of 01 October 2027 09:00 UTC" in page
    assert re.search(r'<th scope="row">meetings held</th><td class="num">3</td>', page)
    assert re.search(r'<th scope="row">cross-border meetings \(share: of those with both countries known\)</th>'
                     r'<td class="num">3</td><td class="num">75%</td>', page)  # fmt: skip
    for name in ("t1 SME", "s1@example.org"):
        assert name not in page  # aggregates only
    for fmt in ("pdf", "html", "xlsx"):
        assert f'href="/events/ev-test/results.{fmt}"' in page
    xlsx = olga.get("/events/ev-test/results.xlsx")
    assert xlsx.status_code == 200 and "attachment; filename=ev-test-results-20271001.xlsx" == xlsx.headers["Content-Disposition"]
    wb = openpyxl.load_workbook(io.BytesIO(xlsx.data))
    assert {r[0]: r[1] for r in wb["kpis"].iter_rows(values_only=True)}["meetings held"] == 3
    assert olga.get("/events/ev-test/results.doc").status_code == 404
    assert olga.get("/events/nope/results").status_code == 404
    assert logged_in(app, "hans").get("/events/ev-test/results").status_code == 200  # a host may see it
    assert logged_in(app, "greta").get("/events/ev-test/results").status_code == 404  # not a host of this event


def test_results_are_refused_to_anonymous_and_participants(app, stored):
    _, tokens = stored
    for url in ("/events/ev-test/results", "/events/ev-test/results.pdf"):
        anon = app.test_client().get(url)
        assert anon.status_code == 302 and "/login" in anon.headers["Location"]
    participant = app.test_client()
    assert participant.get(f"/p/{tokens['t1']}").status_code == 200
    assert participant.get("/events/ev-test/results").status_code == 403
    assert participant.get("/events/ev-test/results.xlsx").status_code == 403


# ------------------------------------------------------------------ the demo's simulated outcomes


def test_demo_outcomes_are_seeded_checked_and_follow_the_meetings():
    from scheduler.files.demo_outcomes import demo_outcomes
    from scheduler.surveys.builtin import BUILTIN
    from scheduler.surveys.model import check_answers
    from tests.test_pilot_kpis import event

    data = event()
    one, two = demo_outcomes(data, MEETINGS, seed=3), demo_outcomes(data, MEETINGS, seed=3)
    assert one == two and one != demo_outcomes(data, MEETINGS, seed=4)
    status = {m.id: m.status for m in one.meetings}
    assert status["m5"] == "cancelled" and all(status[m] in ("held", "no_show") for m in ("m1", "m2", "m3", "m4", "m6"))
    people = data.by_id()
    for a in one.answers:
        assert check_answers(BUILTIN[a.survey_id], dict(a.values), people[a.participant_id].kind) == dict(a.values)
        if a.meeting_id:
            m = next(m for m in one.meetings if m.id == a.meeting_id)
            assert a.participant_id in m.participants and m.status in ("held", "no_show")
            assert a.survey_id == "feedback" or (m.status == "held" and a.wave in ("m3", "m6"))


def test_a_fresh_demo_has_results_marked_as_demo_data(tmp_path):
    (tmp_path / "data").mkdir()
    db = tmp_path / "demo.db"
    cmd = [sys.executable, str(ROOT / "run.py"), "--db", str(db), "demo", "--no-serve", "-n", "30", "--time-limit", "2"]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "demo outcomes (simulated):" in proc.stdout
    proc = subprocess.run([*cmd[:4], "report", "--event", "demo", "-o", str(tmp_path / "r.xlsx")], capture_output=True,
                          text=True, cwd=tmp_path, timeout=300)  # fmt: skip
    assert proc.returncode == 0 and "from demo data" in proc.stdout, proc.stderr
    wb = openpyxl.load_workbook(tmp_path / "r.xlsx")
    about = {r[0]: r[1] for r in wb["about"].iter_rows(values_only=True) if r and r[0]}
    assert about["demo data"].startswith("simulated")
    kpis = {r[0]: r[1] for r in wb["kpis"].iter_rows(values_only=True)}
    assert kpis["meetings held"] > 0 and kpis["meetings not yet marked held or no-show"] == 0
    assert wb["feedback"].max_row > 1 and wb["outcomes"].max_row > 1  # shown: at least 5 respondents each


def test_a_browser_sees_the_charts_and_downloads_a_workbook_with_the_pages_numbers(stored, tmp_path):
    from playwright.sync_api import sync_playwright

    from tests.test_browser import ARGS, CHROMIUM, staff_page
    from tests.webtools import Server

    db, _ = stored
    server = Server(db)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
            ctx, page = staff_page(browser, server, "olga")
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto(server.url + "/events/ev-test")
            page.click("text=Results")
            page.wait_for_url("**/events/ev-test/results")
            for cid in ("funnel", "per-participant", "outcomes", "technology-gap"):
                box = page.locator(f"#chart-{cid} svg").bounding_box()
                assert box and box["width"] > 300 and box["height"] > 100, cid
            shown = {}
            for row in page.locator("#table-kpis tbody tr").all():
                cells = [c.inner_text() for c in row.locator("th, td").all()]
                shown[cells[0]] = cells[1]
            with page.expect_download() as dl:
                page.click("#download-xlsx")
            path = tmp_path / "results.xlsx"
            dl.value.save_as(path)
            assert not errors, errors  # no resource or policy refused
            browser.close()
    finally:
        server.stop()
    wb = openpyxl.load_workbook(path)
    book = {r[0]: r[1] for r in wb["kpis"].iter_rows(min_row=2, values_only=True)}
    assert shown.keys() == book.keys()
    for name, value in book.items():
        assert shown[name] == (f"{value:.2f}" if isinstance(value, float) else str(value)), name


def test_the_breakdown_tables_back_the_main_barrier_findings():
    tables = {t.id: t for t in report_tables(adopters(), recommend(adopters()))}
    rows = tables["threats_by_sector"].rows
    assert [r for r in rows if r[2] == "main barrier"] == [
        ("agrifood", 6, "main barrier", "Lack of skills in the company", 4, 4 / 6),
        ("agrifood", 6, "main barrier", "Cost of investment", 2, 2 / 6),
        ("other", 6, "main barrier", "Cost of investment", 6, 1.0),
    ]
    assert ("BE", 5, "main barrier", "Lack of skills in the company", 4, 4 / 5) in tables["threats_by_country"].rows
    assert [r[3:] for r in rows if r[0] == "agrifood" and r[2] == "opportunities named"] == [
        ("Higher productivity, lower costs", 6, 1.0), ("Better quality, fewer defects", 3, 0.5)]
    assert [r[0] for r in tables["recommendations"].rows] == ["main-barrier-sector", "main-barrier-country",
                                                               "threat-overall", "support-wanted", "low-reach"]


def test_replacing_an_event_starts_its_surveys_again(store):
    """``make demo`` twice: a replaced (unpublished) event drops its answers instead of failing on them."""
    data = parse_event_document(document(PEOPLE, list(STATUSES)))
    store.save_event(data)
    for a in FEEDBACK:
        store.save_answer(a, actor="test")
    assert len(store.answers("ev-test")) == len(FEEDBACK)
    store.save_event(data, replace=True)
    assert store.answers("ev-test") == [] and store.load("ev-test").participants == data.participants


def test_an_event_without_meetings_or_answers_reports_without_errors():
    f = pilot_figures(build([person("t1"), person("s1")], [("t1", "s1")]), (), (), None, ())
    report = build_report(f, "1 April 2027")
    assert [c.id for c in report.charts] == ["funnel", "per-participant"] and recommend(f) == ()
    html = report_html(report)
    assert "No rule fires on these figures yet" in html and "not shown: 0 respondents" in html
    wb = openpyxl.load_workbook(io.BytesIO(report_xlsx(report)))
    assert wb["country_pairs"].max_row == 1 and wb["kpis"]["B2"].value == 1  # one request
