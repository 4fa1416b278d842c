"""The command line, run as a user runs it."""

from __future__ import annotations

import json
import re
import subprocess
import sys

from scheduler.store import Store
from tests.conftest import ROOT, SAMPLE
from tests.test_formats import FIVE_MESSAGES, five_mistakes


def run(*args: str, env_db=None, check: bool = True) -> subprocess.CompletedProcess:
    cmd = [sys.executable, str(ROOT / "run.py"), *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=300)
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


def test_help_for_every_subcommand():
    for sub in ("generate", "import", "export", "events", "demo", "solve", "capacity", "recommend", "autofill",
                "requests", "request", "invites", "survey", "user", "serve", "worker", "simulate", "participant",
                "retention"):
        assert "usage:" in run(sub, "--help").stdout


def test_bad_import_prints_all_five_problems_and_changes_nothing(tmp_path, sample_doc):
    db = tmp_path / "cli.db"
    run("--db", str(db), "import", str(ROOT / "data" / "sample-event.json"))
    with Store(db) as s:
        before = (s.counts(), s.tokens("ai4trad-2027"), s.load("ai4trad-2027"))
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(five_mistakes(sample_doc)))
    proc = run("--db", str(db), "import", "--replace", str(bad), check=False)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "5 problems found" in proc.stderr
    for message in FIVE_MESSAGES:
        assert message in proc.stderr
    with Store(db) as s:
        assert (s.counts(), s.tokens("ai4trad-2027"), s.load("ai4trad-2027")) == before


def test_generate_import_export_round_trip(tmp_path):
    db, src, dst = tmp_path / "g.db", tmp_path / "g.json", tmp_path / "out.json"
    run("generate", "--participants", "60", "--seed", "3", "-o", str(src))
    run("--db", str(db), "import", str(src))
    run("--db", str(db), "export", "gen-60-s3", "-o", str(dst))
    original, exported = json.loads(src.read_text()), json.loads(dst.read_text())
    assert len(exported["participants"]) == 60
    for section in ("participants", "requests"):
        for given, got in zip(original[section], exported[section], strict=True):
            assert {k: got[k] for k in given} == given
    listing = run("--db", str(db), "events").stdout
    assert "gen-60-s3" in listing


def test_csv_folder_import(tmp_path):
    db, out = tmp_path / "c.db", tmp_path / "csv"
    run("--db", str(db), "import", str(ROOT / "data" / "sample-event.json"))
    run("--db", str(db), "export", "ai4trad-2027", "--format", "csv", "-o", str(out))
    assert (out / "participants.csv").exists()
    db2 = tmp_path / "c2.db"
    run("--db", str(db2), "import", str(out))
    with Store(db) as a, Store(db2) as b:
        assert a.load("ai4trad-2027") == b.load("ai4trad-2027")


def test_user_mistakes_exit_2_without_traceback(tmp_path):
    db = tmp_path / "m.db"
    for args in (("import", str(tmp_path / "missing.json")), ("export", "nope", "-o", "x.json")):
        proc = run("--db", str(db), *args, check=False)
        assert proc.returncode == 2 and proc.stderr.startswith("error:") and "Traceback" not in proc.stderr


def test_generator_is_deterministic():
    from scheduler.files.generator import generate_event

    a, b = generate_event(200, seed=5), generate_event(200, seed=5)
    assert a == b and a != generate_event(200, seed=6)
    zones = {p["timezone"] for p in generate_event(400, seed=1)["participants"]}
    assert {"Atlantic/Azores", "Indian/Reunion", "America/Martinique"} & zones


def test_recommend_autofill_and_request_cycle_from_the_command_line(tmp_path):
    db = tmp_path / "r.db"
    run("--db", str(db), "import", str(ROOT / "data" / "sample-event.json"))
    rec = run("--db", str(db), "recommend", "--event", "ai4trad-2027", "-k", "2", "--write").stdout
    assert "recommendations for 6 traditional SMEs" in rec and "stored" in rec
    listing = run("--db", str(db), "requests", "--event", "ai4trad-2027", "--status", "suggested").stdout
    assert "recommendation" in listing
    fill = run("--db", str(db), "autofill", "--event", "ai4trad-2027", "--min", "3").stdout
    assert fill.startswith("added ")
    run("--db", str(db), "request", "decline", "t-002", "s-002", "--event", "ai4trad-2027", "--actor", "s-002")
    proc = run("--db", str(db), "request", "accept", "t-002", "s-002", "--event", "ai4trad-2027",
               "--actor", "s-002", check=False)
    assert proc.returncode == 2 and "is declined since" in proc.stderr and "Traceback" not in proc.stderr
    proc = run("--db", str(db), "request", "create", "t-001", "t-002", "--event", "ai4trad-2027", check=False)
    assert proc.returncode == 2 and "both traditional" in proc.stderr


def test_solve_file_to_file_and_stored(tmp_path):
    out = tmp_path / "s.json"
    proc = run("solve", str(ROOT / "data" / "sample-event.json"), "-o", str(out), "--time-limit", "3")
    doc = json.loads(out.read_text())
    assert doc["event_id"] == "ai4trad-2027" and doc["meetings"]
    assert doc["stats"]["meetings"] == len(doc["meetings"])
    assert "Schedule quality" in proc.stdout
    db = tmp_path / "sv.db"
    run("--db", str(db), "import", str(ROOT / "data" / "sample-event.json"))
    proc = run("--db", str(db), "solve", "--event", "ai4trad-2027", "--time-limit", "3")
    assert "stored as schedule version 1" in proc.stdout
    with Store(db) as s:
        assert len(s.meetings("ai4trad-2027")) == doc["stats"]["meetings"]


def test_invites_twice_sends_nothing_new(tmp_path):
    db, folder = tmp_path / "i.db", tmp_path / "eml"
    run("--db", str(db), "import", str(ROOT / "data" / "sample-event.json"))
    run("--db", str(db), "solve", "--event", "ai4trad-2027", "--time-limit", "3")
    plan = run("--db", str(db), "invites", "--event", "ai4trad-2027").stdout
    assert plan.startswith("22 invites and 0 cancellations to send")
    first = run("--db", str(db), "invites", "--event", "ai4trad-2027", "--send", "--outbox-dir", str(folder))
    assert "queued 22 new messages; delivered 22 via folder" in first.stdout
    second = run("--db", str(db), "invites", "--event", "ai4trad-2027", "--send", "--outbox-dir", str(folder))
    assert "queued 0 new messages; delivered 0" in second.stdout
    assert len(list(folder.glob("*.eml"))) == 22


def test_simulate_prints_the_day_and_checks_its_rates(tmp_path):
    db = tmp_path / "sim.db"
    assert run("--db", str(db), "import", str(SAMPLE)).returncode == 0
    assert run("--db", str(db), "solve", "--event", "ai4trad-2027", "--time-limit", "3").returncode == 0
    r = run("--db", str(db), "simulate", "--event", "ai4trad-2027", "--no-show-rate", "0.3", "--seed", "2")
    assert r.returncode == 0, r.stderr
    assert "meet now" in r.stdout and "called off" in r.stdout
    held = re.search(r"meetings held: (\d+) with repairs and meet-now, (\d+) without", r.stdout)
    assert held and int(held.group(1)) >= int(held.group(2))
    bad = run("--db", str(db), "simulate", "--event", "ai4trad-2027", "--no-show-rate", "1.5", check=False)
    assert bad.returncode != 0 and "--no-show-rate: must be a share from 0 to below 1" in bad.stderr
