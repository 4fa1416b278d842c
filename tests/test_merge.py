"""Re-import of a published event: merge by default (links, SEQUENCE and unchanged meetings kept),
a full replace only when confirmed, and never a calendar entry left pointing at nothing."""

from __future__ import annotations

import copy
import io
import json

import pytest

from scheduler.domain.errors import Conflict
from scheduler.domain.model import Meeting, Schedule
from scheduler.domain.timegrid import build_slots
from scheduler.files import formats
from scheduler.invitations import delivery
from scheduler.invitations.ical import contexts
from scheduler.store import Store
from tests.builders import document, person

EV = "ev-test"
PEOPLE = ["t-001", "t-002", "t-003", "s-001", "s-002", "s-003"]
REQUESTS = [("t-001", "s-001"), ("t-002", "s-002"), ("t-003", "s-003"), ("t-001", "s-002")]
#: meeting id -> (a, b, slot index, room)
MEETINGS = {"m1": ("t-001", "s-001", 0, 1), "m2": ("t-002", "s-002", 1, 1),
            "m3": ("t-003", "s-003", 5, 2), "m4": ("t-001", "s-002", 6, 1)}  # fmt: skip


def doc(**event_over) -> dict:
    return document([person(p) for p in PEOPLE], REQUESTS, **event_over)


def without(pid: str) -> dict:
    """The event file with ``pid`` (and their requests) taken out."""
    d = doc()
    d["participants"] = [p for p in d["participants"] if p["id"] != pid]
    d["requests"] = [r for r in d["requests"] if pid not in (r["from"], r["to"])]
    return d


def parse(d: dict):
    return formats.parse_event_document(copy.deepcopy(d))


def stamp(store: Store):
    return build_slots(store.event(EV))[3].start  # slots 0-2 are history, 5 and 6 still to come


def published(store: Store) -> None:
    """Import, schedule and publish the event (invites queued for every meeting)."""
    data = parse(doc())
    store.save_event(data)
    slots = build_slots(data.event)
    store.save_schedule(Schedule(EV, tuple(Meeting(mid, a, b, slots[i].start, slots[i].end, room)
                                           for mid, (a, b, i, room) in MEETINGS.items())))  # fmt: skip
    queue(store)


def queue(store: Store) -> int:
    """Queue what the outbox owes (as 'invites --send' does before delivering)."""
    ctx_for = contexts(store.event(EV), store.tokens(EV), "http://b2b.example")
    n, skipped = delivery.queue_invites(store, EV, ctx_for, stamp(store), "events@b2b.example")
    assert skipped == []
    return n


def owed(store: Store) -> set[tuple[str, str, int, str]]:
    """(meeting, participant, SEQUENCE, METHOD) the outbox would send now."""
    data = store.load(EV)
    ctx_for = contexts(data.event, store.tokens(EV), "http://b2b.example")
    rows, _ = delivery.plan(ctx_for, store.meetings(EV), data.by_id(), store.notified(EV), stamp(store), "x@y.z")
    return {(r["meeting_id"], r["participant_id"], r["sequence"], r["method"]) for r in rows}


@pytest.fixture
def store(db_path):
    with Store(db_path) as s:
        published(s)
        yield s


def test_merge_adds_a_late_registrant_without_touching_anyone(store):
    tokens, meetings, version = store.tokens(EV), store.meetings(EV), store.schedule_version(EV)
    late = doc()
    late["participants"].append(person("t-004"))
    late["requests"].append({"from": "t-004", "to": "s-003", "priority": 1})
    plan = store.plan_merge(parse(late), stamp(store))
    assert [p.id for p in plan.added] == ["t-004"]
    assert [(r.sender, r.receiver) for r in plan.requests_added] == [("t-004", "s-003")]
    assert (plan.updated, plan.removed, plan.requests_withdrawn, plan.settings, plan.cancelled, plan.told) == (
        (), (), (), (), (), ())
    assert store.tokens(EV) == tokens  # a preview stores nothing

    applied, v = store.merge(parse(late), actor="olga", now=stamp(store), expected_version=version)
    assert v == version + 1
    assert store.meetings(EV) == meetings  # same ids, times, rooms, statuses and SEQUENCEs
    after = store.tokens(EV)
    assert {k: after[k] for k in tokens} == tokens
    assert store.by_token(after["t-004"]) == (EV, "t-004")
    assert store.by_token(tokens["t-001"]) == (EV, "t-001")
    assert owed(store) == set()  # nobody's calendar changes
    assert store.audit_log(EV, last=1)[0]["action"] == "merge"
    assert store.plan_merge(parse(late), stamp(store)).empty  # applying the same file again changes nothing


def test_a_removed_participant_is_kept_as_a_record_and_their_meetings_to_come_cancelled(store):
    tokens = store.tokens(EV)
    gone = without("s-002")
    plan, _ = store.merge(parse(gone), actor="olga", now=stamp(store))
    assert [p.id for p in plan.removed] == ["s-002"]
    assert [(c.meeting.id, c.reason) for c in plan.cancelled] == [("m4", "s-002 SME left the event")]
    assert {(r.sender, r.receiver) for r in plan.requests_withdrawn} == {("t-002", "s-002"), ("t-001", "s-002")}
    assert plan.told == ("s-002", "t-001")
    by_id = {m.id: m for m in store.meetings(EV)}
    assert (by_id["m4"].status, by_id["m4"].version) == ("cancelled", 1)  # kept, SEQUENCE + 1
    assert (by_id["m2"].status, by_id["m2"].version) == ("scheduled", 0)  # took place: history stays
    # the outbox owes a CANCEL to the partner and to the one removed, nothing else
    assert owed(store) == {("m4", "t-001", 1, "CANCEL"), ("m4", "s-002", 1, "CANCEL")}
    data = store.load(EV)
    assert "s-002" not in {p.id for p in data.participants}
    assert [p.id for p in data.removed] == ["s-002"] and data.by_id()["s-002"].name == "s-002 SME"
    assert store.by_token(tokens["s-002"]) is None  # the personal link stops working
    assert store.by_token(tokens["t-001"]) == (EV, "t-001")
    states = {(s.request.sender, s.request.receiver): s.request.status for s in store.request_states(EV)}
    assert states[("t-002", "s-002")] == states[("t-001", "s-002")] == "withdrawn"
    assert store.event_summaries()[0]["participants"] == 5
    # the removed one coming back is a participant again, with a new link
    plan, _ = store.merge(parse(doc()), actor="olga", now=stamp(store))
    assert [p.id for p in plan.added] == ["s-002"]
    assert store.by_token(store.tokens(EV)["s-002"]) == (EV, "s-002") and store.tokens(EV)["s-002"] != tokens["s-002"]
    assert {(r.sender, r.receiver) for r in plan.requests_added} == {("t-002", "s-002"), ("t-001", "s-002")}
    states = {(s.request.sender, s.request.receiver): s.request.status for s in store.request_states(EV)}
    assert states[("t-002", "s-002")] == states[("t-001", "s-002")] == "pending"
    assert len(states) == len(REQUESTS)


def test_a_changed_profile_keeps_its_link_and_its_meetings(store):
    tokens, meetings = store.tokens(EV), store.meetings(EV)
    changed = doc()
    changed["participants"][0].update(name="Ferreira Têxteis", email="new@example.org")
    plan, _ = store.merge(parse(changed), actor="olga", now=stamp(store))
    assert [(u.participant.id, u.fields) for u in plan.updated] == [("t-001", ("name", "email"))]
    assert store.tokens(EV) == tokens
    assert store.meetings(EV) == meetings
    assert store.load(EV).by_id()["t-001"].name == "Ferreira Têxteis"


def test_settings_that_no_longer_fit_cancel_the_meetings_to_come(store):
    fewer = doc(rooms=1)
    plan = store.plan_merge(parse(fewer), stamp(store))
    assert plan.settings == (("rooms", "3", "1"),)
    assert [(c.meeting.id, c.reason) for c in plan.cancelled] == [("m3", "room 2 no longer exists (the event has 1)")]
    shorter = doc(sessions=[{"date": "2027-03-26", "start": "09:00", "end": "11:30"}])
    plan = store.plan_merge(parse(shorter), stamp(store))
    assert {c.meeting.id for c in plan.cancelled} == {"m3", "m4"}
    assert {c.reason for c in plan.cancelled} == {"its time is no longer a slot of the event"}
    assert plan.lines()[-1] == "x meeting t-001 SME <> s-002 SME, Fri 26 Mar 12:00, room 1: cancelled (its time is no longer a slot of the event)"


def test_sequence_never_resets_across_merge_and_confirmed_replace(store):
    gone = without("s-002")
    store.merge(parse(gone), actor="olga", now=stamp(store))
    queue(store)
    tokens = store.tokens(EV)
    store.save_event(parse(doc()), replace=True, confirmed=True, actor="olga")
    by_id = {m.id: m for m in store.meetings(EV)}
    # every announced meeting stays as a cancelled record with a higher SEQUENCE
    assert {k: (m.status, m.version) for k, m in by_id.items()} == {
        "m1": ("cancelled", 1), "m2": ("cancelled", 1), "m3": ("cancelled", 1), "m4": ("cancelled", 1)}
    assert owed(store) == {(mid, p, 1, "CANCEL") for mid, (a, b, _, _) in MEETINGS.items() if mid != "m4"
                           for p in (a, b)}  # fmt: skip
    assert all(store.tokens(EV)[p] != tokens[p] for p in tokens)  # every link revoked
    # a meeting that comes back with the same id continues its SEQUENCE
    slots = build_slots(store.event(EV))
    store.save_schedule(Schedule(EV, (Meeting("m3", "t-003", "s-003", slots[5].start, slots[5].end, 2),)))
    assert {m.id: m.version for m in store.meetings(EV)}["m3"] == 2


def test_published_replace_refuses_without_confirmation(store):
    before = (store.counts(), store.tokens(EV), store.meetings(EV))
    with pytest.raises(Conflict, match=r"This cancels 4 announced meetings \(8 calendar entries\) and revokes every"):
        store.save_event(parse(doc()), replace=True)
    assert (store.counts(), store.tokens(EV), store.meetings(EV)) == before


def test_cli_prints_the_plan_and_stores_it_only_with_apply(db_path, tmp_path):
    from tests.test_cli import run

    with Store(db_path) as s:
        published(s)
        tokens, now = s.tokens(EV), stamp(s)
    late = doc()
    late["participants"].append(person("t-004"))
    path = tmp_path / "late.json"
    path.write_text(json.dumps(late))
    base = ("--db", str(db_path), "import", str(path), "--now", now.isoformat())
    proc = run(*base)
    assert "+ participant t-004 (t-004 SME)" in proc.stdout and "preview only" in proc.stdout
    with Store(db_path) as s:
        assert "t-004" not in s.tokens(EV)
    proc = run(*base, "--apply")
    assert "merged into event 'ev-test'" in proc.stdout
    with Store(db_path) as s:
        assert {k: v for k, v in s.tokens(EV).items() if k != "t-004"} == tokens
    proc = run("--db", str(db_path), "import", str(path), "--replace", check=False)
    assert proc.returncode == 2 and "This cancels 4 announced meetings (8 calendar entries)" in proc.stderr
    with Store(db_path) as s:
        assert {k: v for k, v in s.tokens(EV).items() if k != "t-004"} == tokens


# ------------------------------------------------------------------ the console, over the Flask test client


@pytest.fixture
def client(db_path, tmp_path):
    from webapp import create_app

    with Store(db_path) as s:
        published(s)
        now = stamp(s)
        s.add_user("olga", "not-a-password-hash", "organiser")  # the session names an account that exists
    app = create_app({"DATABASE": str(db_path), "SECRET_KEY": "test", "WTF_CSRF_ENABLED": False,
                      "TESTING": True, "NOW": now.isoformat(), "OUTBOX_DIR": str(tmp_path / "outbox"),
                      "IMPORT_DIR": str(tmp_path / "imports")})  # fmt: skip
    c = app.test_client()
    with c.session_transaction() as sess:
        sess["user"], sess["role"] = "olga", "organiser"
    return c


def upload(client, d: dict, **form):
    return client.post("/events/import", data={"files": (io.BytesIO(json.dumps(d).encode()), "ev.json"), **form},
                       content_type="multipart/form-data")  # fmt: skip


def parked(tmp_path) -> list[str]:
    return sorted(p.stem for p in (tmp_path / "imports").glob("*.json"))


def test_console_previews_a_merge_then_applies_it(client, db_path, tmp_path):
    with Store(db_path) as s:
        tokens, version = s.tokens(EV), s.schedule_version(EV)
    gone = without("s-002")
    gone["participants"].append(person("t-004"))
    r = upload(client, gone)
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    assert "Participants added" in page and "t-004 SME" in page and "s-002 SME left the event" in page
    [name] = parked(tmp_path)
    with Store(db_path) as s:
        assert s.tokens(EV) == tokens and s.schedule_version(EV) == version  # nothing stored yet
    r = client.post(f"/events/import/{name}", data={"action": "merge", "version": str(version)})
    assert r.status_code == 302
    assert parked(tmp_path) == []
    with Store(db_path) as s:
        assert s.schedule_version(EV) == version + 1
        assert {k: v for k, v in s.tokens(EV).items() if k not in ("t-004", "s-002")} == {
            k: v for k, v in tokens.items() if k != "s-002"}
        # notify queued the CANCEL of the removed participant's meeting to come (the event was published)
        assert {(r["meeting_id"], r["participant_id"], r["method"], r["sequence"]) for r in s.outbox(EV)
                if r["method"] == "CANCEL"} == {("m4", "t-001", "CANCEL", 1), ("m4", "s-002", "CANCEL", 1)}  # fmt: skip
    # a name that was never parked, or was used, is a 404; discarding keeps everything
    assert client.post(f"/events/import/{name}", data={"action": "merge"}).status_code == 404
    assert client.post("/events/import/..%2Fsecret_key", data={"action": "merge"}).status_code == 404
    upload(client, doc())
    [name] = parked(tmp_path)
    assert client.post(f"/events/import/{name}", data={"action": "discard"}).status_code == 302
    assert parked(tmp_path) == []


def test_console_replace_of_a_published_event_needs_the_confirmation(client, db_path, tmp_path):
    with Store(db_path) as s:
        tokens = s.tokens(EV)
    r = upload(client, doc(), replace="1")
    assert r.status_code == 200
    assert "This cancels 4 announced meetings (8 calendar entries) and revokes every personal link" in r.get_data(
        as_text=True)
    [name] = parked(tmp_path)
    r = client.post(f"/events/import/{name}", data={"action": "replace"})  # the box was not ticked
    assert r.status_code == 400
    with Store(db_path) as s:
        assert s.tokens(EV) == tokens
    r = client.post(f"/events/import/{name}", data={"action": "replace", "confirm": "1"})
    assert r.status_code == 302
    with Store(db_path) as s:
        assert all(s.tokens(EV)[p] != tokens[p] for p in tokens)
        assert {m.status for m in s.meetings(EV)} == {"cancelled"}
        cancels = {(r["meeting_id"], r["participant_id"]) for r in s.outbox(EV) if r["method"] == "CANCEL"}
    assert cancels == {(mid, p) for mid, (a, b, _, _) in MEETINGS.items() for p in (a, b)}


def test_console_tampered_upload_is_validated_again(client, tmp_path):
    upload(client, doc())
    [name] = parked(tmp_path)
    path = tmp_path / "imports" / f"{name}.json"
    bad = json.loads(path.read_text())
    bad["participants"][0]["timezone"] = "Europe/Pariss"
    path.write_text(json.dumps(bad))
    r = client.post(f"/events/import/{name}", data={"action": "merge"})
    assert r.status_code == 400 and "Europe/Pariss" in r.get_data(as_text=True)


def test_replace_of_a_draft_event_works_as_before(db_path):
    with Store(db_path) as s:
        s.save_event(parse(doc()))
        s.save_event(parse(doc(rooms=2)), replace=True)
        assert s.event(EV).rooms == 2 and s.meetings(EV) == ()


# ------------------------------------------------------------------ real mail, over a real server


def test_after_a_merge_each_calendar_holds_the_stored_meeting_state(tmp_path):
    """A real SMTP server on 127.0.0.1: after publishing and a merge applied in the console, the
    last message each participant received per meeting UID (by SEQUENCE) says what is stored."""
    import re

    from aiosmtpd.controller import Controller

    from tests.test_invites import Inbox, free_port
    from tests.test_live_mail import invites
    from tests.webtools import Server, login, publish, seed_db, wait_for_delivery

    db = tmp_path / "mail.db"
    seed_db(db, [doc()])
    with Store(db) as s:
        slots = build_slots(s.event(EV))
        s.save_schedule(Schedule(EV, tuple(Meeting(mid, a, b, slots[i].start, slots[i].end, room)
                                           for mid, (a, b, i, room) in MEETINGS.items())))  # fmt: skip
        now = stamp(s)
    inbox, port = Inbox(), free_port()
    smtp = Controller(inbox, hostname="127.0.0.1", port=port)
    smtp.start()
    server = Server(db, now=now.isoformat(), extra_env={
        "MATCHMAKING_SMTP_HOST": "127.0.0.1", "MATCHMAKING_SMTP_PORT": str(port),
        "MATCHMAKING_SMTP_FROM": "events@cluster.example", "MATCHMAKING_STANDBY_TICK": "0",
        "MATCHMAKING_IMPORT_DIR": str(tmp_path / "imports")})  # fmt: skip

    def settled() -> None:
        wait_for_delivery(db, EV, inbox, 15)

    try:
        publish(server.url, EV)
        settled()
        change = without("s-002")  # s-002 leaves (m4 still to come), fewer rooms (m3 in room 2), a late t-004
        change["event"]["rooms"] = 1
        change["participants"].append(person("t-004"))
        olga, csrf = login(server.url)
        r = olga.post(server.url + "/events/import", data={"csrf_token": csrf},
                      files={"files": ("ev.json", json.dumps(change), "application/json")})  # fmt: skip
        assert r.status_code == 200 and "Apply" in r.text
        action = re.search(r'action="(/events/import/[A-Za-z0-9_-]+)"', r.text).group(1)
        version = re.search(r'name="version" value="(\d+)"', r.text).group(1)
        r = olga.post(server.url + action, data={"csrf_token": csrf, "action": "merge", "version": version})
        assert r.status_code == 200 and "Merged:" in r.text
        settled()
    finally:
        server.stop()
        smtp.stop()
    last: dict[tuple[str, str], tuple[int, str]] = {}
    for to, mid, method, seq in invites(inbox):
        if (to, mid) not in last or seq > last[(to, mid)][0]:
            last[(to, mid)] = (seq, method)
    with Store(db) as s:
        stored = {m.id: m for m in s.meetings(EV)}
        people = s.load(EV).by_id()
    want = {(people[p].email, m.id): (m.version, "CANCEL" if m.status == "cancelled" else "REQUEST")
            for m in stored.values() for p in (m.a, m.b)}  # fmt: skip
    assert last == want
    assert {mid for (_, mid), (_, method) in last.items() if method == "CANCEL"} == {"m3", "m4"}
