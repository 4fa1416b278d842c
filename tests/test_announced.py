"""An announced meeting is never deleted: every path that drops one from the schedule keeps it as
cancelled with a higher SEQUENCE, so the outbox sends CANCEL (BR-08 and its kind)."""

from __future__ import annotations

import email
import json
from dataclasses import replace
from datetime import UTC, datetime
from email.utils import parseaddr

import pytest
from icalendar import Calendar

from scheduler.domain.model import Schedule
from scheduler.files.formats import parse_event_document
from scheduler.invitations import delivery
from scheduler.invitations.ical import contexts
from tests.test_cli import run

BR08 = {
    "event": {"id": "min-br08", "name": "BR-08", "timezone": "Europe/Lisbon", "slot_minutes": 30, "rooms": 1,
              "max_meetings": 2, "sessions": [{"date": "2027-03-26", "start": "09:00", "end": "10:00"}]},
    "participants": [
        {"id": "t-1", "name": "Alfa Texteis", "kind": "traditional", "timezone": "Europe/Lisbon",
         "email": "ana@alfa.example", "working_hours": {"start": "08:00", "end": "18:00"}},
        {"id": "s-1", "name": "Beta Vision", "kind": "tech", "timezone": "Europe/Berlin",
         "email": "bo@beta.example", "working_hours": {"start": "08:00", "end": "18:00"}},
    ],
    "requests": [{"from": "t-1", "to": "s-1", "priority": 1}],
}
BEFORE = "--now=2027-03-01T09:00:00+00:00"  # weeks before the event: published, not live


def cancels(folder) -> set[tuple[str, str, int, str]]:
    """(To, UID, SEQUENCE, STATUS) of every CANCEL written to the .eml folder, read with icalendar."""
    out = set()
    for f in sorted(folder.glob("*.eml")):
        msg = email.message_from_bytes(f.read_bytes())
        part = next(p for p in msg.walk() if p.get_content_type() == "text/calendar")
        cal = Calendar.from_ical(part.get_payload(decode=True))
        if str(cal["METHOD"]) == "CANCEL":
            [ev] = cal.walk("VEVENT")
            out.add((parseaddr(str(msg["To"]))[1], str(ev["UID"]), int(ev["SEQUENCE"]), str(ev["STATUS"])))
    return out


@pytest.mark.parametrize("action, actor", [("withdraw", "t-1"), ("decline", "s-1")])
def test_br08_a_request_called_off_after_invites_sends_cancel_to_both(tmp_path, action, actor):
    src, db = tmp_path / "event.json", str(tmp_path / "br08.db")
    src.write_text(json.dumps(BR08))
    run("--db", db, "import", str(src))
    run("--db", db, "solve", "--event", "min-br08", "--time-limit", "5")
    run("--db", db, "invites", "--event", "min-br08", "--send", "--outbox-dir", str(tmp_path / "o1"))
    run("--db", db, "request", action, "t-1", "s-1", "--event", "min-br08", "--actor", actor)
    out = run("--db", db, "solve", "--event", "min-br08", "--time-limit", "5", BEFORE).stdout
    assert "Published" in out and "nothing to change" in out
    assert "0 invites and 2 cancellations to send" in run("--db", db, "invites", "--event", "min-br08").stdout
    run("--db", db, "invites", "--event", "min-br08", "--send", "--outbox-dir", str(tmp_path / "o2"))
    uid = "m-s-1-t-1.min-br08@entente.invalid"
    assert cancels(tmp_path / "o2") == {("ana@alfa.example", uid, 1, "CANCELLED"),
                                        ("bo@beta.example", uid, 1, "CANCELLED")}


def test_a_schedule_that_leaves_out_an_announced_meeting_keeps_it_cancelled(store):
    doc = json.loads(json.dumps(BR08))
    doc["participants"].append({"id": "s-2", "name": "Gamma AI", "kind": "tech", "timezone": "Indian/Reunion",
                                "email": "gi@gamma.example"})
    doc["requests"].append({"from": "t-1", "to": "s-2", "priority": 2})
    data = parse_event_document(doc)
    store.save_event(data)
    from scheduler.solver import SolverConfig, solve

    first = solve(data, config=SolverConfig(time_limit=5)).schedule
    assert len(first.meetings) == 2
    store.save_schedule(first)
    now = datetime(2027, 3, 1, tzinfo=UTC)
    ctx = contexts(data.event, store.tokens("min-br08"), "http://127.0.0.1:5000")
    announced = first.meetings[0]
    rows, _ = delivery.plan(ctx, [announced], data.by_id(), set(), now, "o@x.example")
    store.queue(rows, now)  # only the first meeting was announced
    store.save_schedule(Schedule("min-br08", ()))  # a re-solve that drops both
    kept = {m.id: m for m in store.meetings("min-br08")}
    assert set(kept) == {announced.id}  # the never-announced one may go; the announced one stays
    assert kept[announced.id].status == "cancelled" and kept[announced.id].version == announced.version + 1
    rows, _ = delivery.plan(ctx, store.meetings("min-br08"), data.by_id(), store.notified("min-br08"), now,
                            "o@x.example")  # fmt: skip
    assert {(r["participant_id"], r["method"], r["sequence"]) for r in rows} == {
        (announced.a, "CANCEL", 1), (announced.b, "CANCEL", 1)}
    store.queue(rows, now)
    # the same meeting coming back is a new version again: calendars re-add it
    store.save_schedule(Schedule("min-br08", (replace(announced, status="scheduled"),)))
    back = {m.id: m for m in store.meetings("min-br08")}[announced.id]
    assert back.status == "scheduled" and back.version == 2
    rows, _ = delivery.plan(ctx, [back], data.by_id(), store.notified("min-br08"), now, "o@x.example")
    assert {(r["method"], r["sequence"]) for r in rows} == {("REQUEST", 2)}


def test_re_solving_a_published_event_previews_and_stores_only_with_apply(tmp_path):
    src, db = tmp_path / "event.json", str(tmp_path / "p.db")
    doc = json.loads(json.dumps(BR08))
    doc["participants"].append({"id": "s-2", "name": "Gamma AI", "kind": "tech", "timezone": "Indian/Reunion",
                                "email": "gi@gamma.example"})
    src.write_text(json.dumps(doc))
    run("--db", db, "import", str(src))
    run("--db", db, "solve", "--event", "min-br08", "--time-limit", "5")
    run("--db", db, "invites", "--event", "min-br08", "--send", "--outbox-dir", str(tmp_path / "o1"))
    run("--db", db, "request", "create", "t-1", "s-2", "--event", "min-br08", "--actor", "t-1")
    out = run("--db", db, "solve", "--event", "min-br08", "--time-limit", "5").stdout  # now: published
    assert "1 added, 0 moved, 0 cancelled" in out and "preview only" in out
    assert "0 invites and 0 cancellations" in run("--db", db, "invites", "--event", "min-br08").stdout
    out = run("--db", db, "solve", "--event", "min-br08", "--time-limit", "5", "--apply").stdout
    assert "stored as schedule version" in out
    assert "2 invites and 0 cancellations" in run("--db", db, "invites", "--event", "min-br08").stdout
    # after the event, its schedule is the record: a solve is refused with a plain reason
    late = run("--db", db, "solve", "--event", "min-br08", "--now=2027-04-01T09:00:00+00:00", check=False)
    assert late.returncode == 2 and "is over" in late.stderr and "Traceback" not in late.stderr


def test_generate_schedule_in_the_console_expires_late_answers_first(tmp_path):
    """A pending request whose answer time passed is expired before the web solve, never scheduled."""
    import time
    from datetime import timedelta

    from scheduler.store import Store
    from webapp import create_app

    db = tmp_path / "web.db"
    doc = json.loads(json.dumps(BR08))
    doc["requests"][0]["status"] = "accepted"
    doc["participants"].append({"id": "s-2", "name": "Gamma AI", "kind": "tech", "timezone": "Indian/Reunion",
                                "email": "gi@gamma.example"})
    with Store(db) as s:
        s.save_event(parse_event_document(doc))
        s.add_user("olga", "not-a-password-hash", "organiser")
        asked = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)  # 72 h to answer: late by 10 March
        s.add_requests("min-br08", [("t-1", "s-2", 1)], status="pending", origin="participant", actor="t-1",
                       now=asked)  # fmt: skip
    app = create_app({"DATABASE": str(db), "SECRET_KEY": "test", "WTF_CSRF_ENABLED": False, "TESTING": True,
                      "NOW": (asked + timedelta(days=9)).isoformat(), "OUTBOX_DIR": str(tmp_path / "out"),
                      "SOLVE_TIME_LIMIT": 5})  # fmt: skip
    client = app.test_client()
    with client.session_transaction() as sess:
        sess["user"], sess["role"] = "olga", "organiser"
    assert client.post("/events/min-br08/solve").status_code == 202
    with Store(db) as s:
        assert {(st.request.receiver, st.request.status) for st in s.request_states("min-br08")} == {
            ("s-1", "accepted"), ("s-2", "expired")}
        for _ in range(100):
            if not s.solving("min-br08"):
                break
            time.sleep(0.1)
        assert {frozenset((m.a, m.b)) for m in s.meetings("min-br08")} == {frozenset(("t-1", "s-1"))}


def test_a_participant_reads_refusals_with_names_not_ids(tmp_path):
    from scheduler.store import Store
    from webapp import create_app

    db = tmp_path / "p.db"
    with Store(db) as s:
        s.save_event(parse_event_document(BR08))
        token = s.tokens("min-br08")["t-1"]
    app = create_app({"DATABASE": str(db), "SECRET_KEY": "test", "WTF_CSRF_ENABLED": False, "TESTING": True,
                      "OUTBOX_DIR": str(tmp_path / "out")})  # fmt: skip
    client = app.test_client()
    client.post(f"/p/{token}/requests", data={"to": "s-1", "priority": "1"})  # it exists already
    client.post(f"/p/{token}/requests/t-1/s-1/accept")  # only Beta Vision may accept it
    page = client.get(f"/p/{token}").get_data(as_text=True)
    assert "The request from you to Beta Vision already exists" in page
    assert "only Beta Vision may accept it" in page
    assert "t-1" not in page.split('id="flashes"')[1].split("</div>\n")[0]
