"""Organiser actions in the web (issue 18): edit the event, add / edit / remove a participant,
create or impose a request, auto-fill, store recommendations, expire, lock. Through a real server
with CSRF on; effects read back from the store; mails from the outbox."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from email.utils import parseaddr

import pytest
import requests

from scheduler.domain.model import Meeting, Schedule
from scheduler.store import Store
from tests.builders import document, person
from tests.webtools import Server, login, seed_db

EV = "ev-act"
AT = datetime(2027, 3, 26, 8, 0, tzinfo=UTC)  # 09:00 in Brussels, the session's first slot


def world_doc() -> dict:
    people = [person("t-1", sectors=["textiles"], needs=["computer-vision"]),
              person("t-2", sectors=["food"], needs=["robotics"]),
              person("s-1", offers=["computer-vision"]), person("s-2", offers=["robotics"]),
              person("s-3", offers=["computer-vision", "robotics"])]  # fmt: skip
    doc = document(people, [("t-1", "s-1", 2), ("t-2", "s-2", 2)], id=EV,
                   sessions=[{"date": "2027-03-26", "start": "09:00", "end": "13:00"}])  # fmt: skip
    return doc


@pytest.fixture
def world(tmp_path):
    """A published event with two announced meetings at 09:00 (its own database per test)."""
    db = tmp_path / "act.db"
    seed_db(db, [world_doc()])
    with Store(db) as store:
        store.save_schedule(Schedule(EV, (
            Meeting("m-1", "t-1", "s-1", AT, AT + timedelta(minutes=25), 1),
            Meeting("m-2", "t-2", "s-2", AT + timedelta(minutes=30), AT + timedelta(minutes=55), 1))), actor="test")
    server = Server(db)
    s, csrf = login(server.url)
    r = s.post(server.url + f"/events/{EV}/publish", data={"csrf_token": csrf})
    assert r.status_code == 200 and "Published:" in r.text
    yield server, s, csrf, db
    server.stop()


def methods(db, meeting_id: str) -> list[tuple[str, str]]:
    with Store(db) as store:
        return sorted((o["participant_id"], o["method"]) for o in store.outbox(EV) if o["meeting_id"] == meeting_id)


def audit_actions(db) -> list[str]:
    with Store(db) as store:
        return [a["action"] for a in store.audit_log(EV)]


def test_create_and_impose_a_request(world):
    server, s, csrf, db = world
    r = s.post(server.url + f"/events/{EV}/requests", data={"csrf_token": csrf, "from": "t-1", "to": "s-3",
                                                           "priority": "1", "sessions": ""})
    assert r.status_code == 200 and "Request t-1 SME → s-3 SME created, pending" in r.text
    r = s.post(server.url + f"/events/{EV}/requests", data={"csrf_token": csrf, "from": "t-2", "to": "s-3",
                                                           "priority": "2", "imposed": "1"})
    assert "imposed: it will be scheduled" in r.text
    with Store(db) as store:
        states = {(x.request.sender, x.request.receiver): x for x in store.request_states(EV)}
    assert states[("t-1", "s-3")].request.status == "pending" and states[("t-1", "s-3")].origin == "organiser"
    assert states[("t-1", "s-3")].expires_at is not None and states[("t-1", "s-3")].request.priority == 1
    assert states[("t-2", "s-3")].request.status == "imposed"
    assert audit_actions(db).count("request_create") == 2
    # refusals name the field, and change nothing
    for form, words in (({"from": "t-1", "to": "nobody"}, "to: unknown participant"),
                        ({"from": "t-1", "to": "t-2"}, "both traditional"),
                        ({"from": "t-1", "to": "s-2", "priority": "x"}, "priority: write 1, 2 or 3"),
                        ({"from": "t-1", "to": "s-2", "sessions": "7"}, "sessions"),
                        ({"from": "t-1", "to": "s-3"}, "already exists")):  # fmt: skip
        r = s.post(server.url + f"/events/{EV}/requests", data={"csrf_token": csrf, **form})
        assert "The request was not created" in r.text and words in r.text, (form, r.text[-2000:])
    with Store(db) as store:
        assert len(store.requests(EV)) == 4


def test_autofill_recommendations_and_expiry(world):
    server, s, csrf, db = world
    # a pending request whose answer time passed expires when asked (the clock of the store is real time)
    with Store(db) as store:
        store.add_requests(EV, [("t-1", "s-2", 2)], status="pending", origin="organiser", actor="test",
                           now=datetime.now(UTC) - timedelta(days=30))  # fmt: skip
    r = s.post(server.url + f"/events/{EV}/expire", data={"csrf_token": csrf})
    assert "1 pending requests were past their answer time" in r.text
    with Store(db) as store:
        assert next(x for x in store.requests(EV) if (x.sender, x.receiver) == ("t-1", "s-2")).status == "expired"
    r = s.post(server.url + f"/events/{EV}/autofill", data={"csrf_token": csrf, "minimum": "0"})
    assert "minimum: write a whole number from 1 to 20" in r.text
    r = s.post(server.url + f"/events/{EV}/autofill", data={"csrf_token": csrf, "minimum": "2"})
    assert "Auto-fill added" in r.text
    with Store(db) as store:
        auto = [x for x in store.request_states(EV) if x.origin == "autofill"]
        data = store.load(EV)
    assert auto and all(x.request.status == "suggested" for x in auto)
    count = {p.id: 0 for p in data.participants}
    for pr in data.pairs():
        count[pr.a] += 1
        count[pr.b] += 1
    assert count["t-1"] >= 2 and count["t-2"] >= 2
    r = s.post(server.url + f"/events/{EV}/recommendations", data={"csrf_token": csrf, "per": "3"})
    assert r.status_code == 200 and "recommendations as suggested requests" in r.text
    assert {"autofill", "recommendations_stored", "expire"} <= set(audit_actions(db))


def test_lock_and_unlock_a_meeting(world):
    server, s, csrf, db = world
    page = s.get(server.url + f"/events/{EV}/participants/t-1").text
    assert 'id="lock-m-1"' in page
    r = s.post(server.url + f"/events/{EV}/meetings/m-1/lock", data={"csrf_token": csrf, "locked": "1", "back": "t-1"})
    assert "is locked" in r.text and "locked · unlock" in r.text
    with Store(db) as store:
        assert next(m for m in store.meetings(EV) if m.id == "m-1").locked
    s.post(server.url + f"/events/{EV}/meetings/m-1/lock", data={"csrf_token": csrf, "locked": "0"})
    with Store(db) as store:
        assert not next(m for m in store.meetings(EV) if m.id == "m-1").locked
    r = s.post(server.url + f"/events/{EV}/meetings/m-9/lock", data={"csrf_token": csrf, "locked": "1"})
    assert "no meeting" in r.text
    assert audit_actions(db)[-2:] == ["lock", "unlock"]


def test_edit_settings_safe_at_once_and_a_shorter_session_after_a_preview(world):
    server, s, csrf, db = world
    form = {"csrf_token": csrf, "name": "Renamed fair", "timezone": "Europe/Brussels",
            "sessions": "2027-03-26 09:00-13:00", "slot_minutes": "25", "gap_minutes": "5", "rooms": "3",
            "max_meetings": "6", "video_url_template": "https://meet.example.org/{room}",
            "request_policy": "unless_declined", "request_ttl_hours": "48", "standby_minutes": "5",
            "waitlist": "3", "retention_days": "90", "auto_repair": "1"}  # fmt: skip
    bad = s.post(server.url + f"/events/{EV}/settings/edit", data={**form, "rooms": "many", "retention_days": "-1"})
    assert bad.status_code == 400 and "retention_days: write a whole number" in bad.text and "event.rooms" in bad.text
    bad = s.post(server.url + f"/events/{EV}/settings/edit", data={**form, "compactness": "tight"})
    assert bad.status_code == 400 and "event.compactness" in bad.text
    bad = s.post(server.url + f"/events/{EV}/settings/edit", data={**form, "compactness": "breaks", "break_spread": "-3"})
    assert bad.status_code == 400 and "event.break_spread" in bad.text
    bad = s.post(server.url + f"/events/{EV}/settings/edit", data={**form, "rooms": "many"})
    assert bad.status_code == 400 and "event.rooms" in bad.text
    bad = s.post(server.url + f"/events/{EV}/settings/edit", data={**form, "video_url_template": "{nope}"})
    assert bad.status_code == 400 and "event.video_url_template" in bad.text
    r = s.post(server.url + f"/events/{EV}/settings/edit", data=form)
    assert "The event settings: saved" in r.text
    r = s.post(server.url + f"/events/{EV}/settings/edit", data={**form, "compactness": "breaks", "break_spread": "none"})
    assert "saved" in r.text and "1 settings changed" in r.text
    with Store(db) as store:
        ev = store.event(EV)
        assert (ev.name, ev.request_ttl_hours, ev.video_url_template) == ("Renamed fair", 48.0,
                                                                         "https://meet.example.org/{room}")
        assert store.retention(EV)[0].days == 90 and store.live_settings(EV)["auto_repair"] is True
        assert (ev.extra["compactness"], ev.extra["break_spread"]) == ("breaks", None)
        assert all(m.status == "scheduled" for m in store.meetings(EV))
    assert "event_edit" in audit_actions(db)
    # the session starts an hour later: the 09:00 meetings no longer fit; a preview first
    later = {**form, "sessions": "2027-03-26 10:00-13:00"}
    r = s.post(server.url + f"/events/{EV}/settings/edit", data=later)
    assert "Check the change" in r.text and "t-1 SME" in r.text
    with Store(db) as store:
        assert all(m.status == "scheduled" for m in store.meetings(EV))  # nothing yet
    stale = s.post(server.url + f"/events/{EV}/settings/edit", data={**later, "confirm": "1", "version": "1"})
    assert "Nothing was changed" in stale.text  # the schedule moved on since that version
    version = re.search(r'name="version" value="(\d+)"', r.text).group(1)
    r = s.post(server.url + f"/events/{EV}/settings/edit", data={**later, "confirm": "1", "version": version})
    assert "saved" in r.text
    with Store(db) as store:
        assert {m.id: m.status for m in store.meetings(EV)} == {"m-1": "cancelled", "m-2": "cancelled"}
    assert ("t-1", "CANCEL") in methods(db, "m-1") and ("s-1", "CANCEL") in methods(db, "m-1")


def test_add_edit_and_remove_a_participant(world):
    server, s, csrf, db = world
    new = {"csrf_token": csrf, "id": "s-9", "name": "Nine Robotics", "kind": "tech", "timezone": "Europe/Paris",
           "email": "nine@example.org", "working_hours": "08:00-17:00", "offers": "robotics; vision",
           "languages": "fr; en", "country": "FR"}  # fmt: skip
    bad = s.post(server.url + f"/events/{EV}/participants/new", data={**new, "email": "not-mail", "kind": "x"})
    assert bad.status_code == 400 and "email" in bad.text and "kind" in bad.text
    taken = s.post(server.url + f"/events/{EV}/participants/new", data={**new, "id": "s-1"})
    assert taken.status_code == 400 and "already taken" in taken.text
    r = s.post(server.url + f"/events/{EV}/participants/new", data=new)
    assert "Participant Nine Robotics: saved" in r.text
    with Store(db) as store:
        p = store.load(EV).by_id()["s-9"]
        assert (p.offers, p.languages, p.timezone) == (("robotics", "vision"), ("fr", "en"), "Europe/Paris")
        assert "s-9" in store.tokens(EV)
    # edit: a new name keeps the link; availability that drops 09:00 cancels m-1 after a preview
    form = s.get(server.url + f"/events/{EV}/participants/t-1/edit").text
    assert 'value="t-1 SME"' in form
    edit = {"csrf_token": csrf, "name": "One Textiles", "kind": "traditional", "timezone": "Europe/Brussels",
            "email": "t-1@example.org", "working_hours": "08:00-18:00", "needs": "computer-vision"}  # fmt: skip
    r = s.post(server.url + f"/events/{EV}/participants/t-1/edit", data=edit)
    assert "Participant t-1 SME: saved" in r.text
    r = s.post(server.url + f"/events/{EV}/participants/t-1/edit",
               data={**edit, "available": "2027-03-26 11:00-13:00"})  # fmt: skip
    assert "Check the change" in r.text
    r = s.post(server.url + f"/events/{EV}/participants/t-1/edit",
               data={**edit, "available": "2027-03-26 11:00-13:00", "confirm": "1"})  # fmt: skip
    assert "saved" in r.text
    assert ("t-1", "CANCEL") in methods(db, "m-1")
    # remove s-2: m-2 is cancelled after a preview; the record stays, the link is revoked
    with Store(db) as store:
        token = store.tokens(EV)["s-2"]
    r = s.post(server.url + f"/events/{EV}/participants/s-2/remove", data={"csrf_token": csrf})
    assert "Check the change" in r.text and "Removal of s-2 SME" in r.text
    r = s.post(server.url + f"/events/{EV}/participants/s-2/remove", data={"csrf_token": csrf, "confirm": "1"})
    assert "saved" in r.text
    with Store(db) as store:
        assert "s-2" not in {p.id for p in store.participants(EV)}
        assert "s-2" in {p.id for p in store.participants(EV, removed=True)}
        assert next(m for m in store.meetings(EV) if m.id == "m-2").status == "cancelled"
    assert ("t-2", "CANCEL") in methods(db, "m-2") and ("s-2", "CANCEL") in methods(db, "m-2")
    assert requests.get(server.url + f"/p/{token}").status_code in (404, 410)
    assert {"participant_add", "participant_edit", "participant_remove"} <= set(audit_actions(db))


ROUTES = [("post", f"/events/{EV}/requests"), ("post", f"/events/{EV}/autofill"),
          ("post", f"/events/{EV}/recommendations"), ("post", f"/events/{EV}/expire"),
          ("post", f"/events/{EV}/meetings/m-1/lock"), ("get", f"/events/{EV}/settings/edit"),
          ("post", f"/events/{EV}/settings/edit"), ("get", f"/events/{EV}/participants/new"),
          ("post", f"/events/{EV}/participants/new"), ("get", f"/events/{EV}/participants/t-1/edit"),
          ("post", f"/events/{EV}/participants/t-1/edit"), ("post", f"/events/{EV}/participants/t-1/remove")]  # fmt: skip


def test_refused_for_a_host_anonymous_and_without_csrf(world):
    server, s, csrf, db = world
    host, host_csrf = login(server.url, "hans")
    anon = requests.Session()
    before = audit_actions(db)
    for method, path in ROUTES:
        r = getattr(host, method)(server.url + path, data={"csrf_token": host_csrf, "locked": "1"},
                                  allow_redirects=False)  # fmt: skip
        assert r.status_code == 403, (path, r.status_code)
        r = getattr(anon, method)(server.url + path, allow_redirects=False)
        assert r.status_code in (302, 400), (path, r.status_code)  # to the log-in page, or no CSRF token
        if method == "post":
            r = s.post(server.url + path, data={"locked": "1"}, allow_redirects=False)
            assert r.status_code == 400, (path, r.status_code)  # the organiser, without a CSRF token
    assert audit_actions(db) == before


def test_the_server_expires_requests_on_its_own(tmp_path):
    """The server's tick expires a pending request past its answer time, nobody clicking."""
    db = tmp_path / "tick.db"
    seed_db(db, [world_doc()])
    with Store(db) as store:
        store.add_requests(EV, [("t-1", "s-3", 2)], status="pending", origin="organiser", actor="test",
                           now=datetime.now(UTC) - timedelta(days=30))  # fmt: skip
        store.add_requests(EV, [("t-2", "s-3", 2)], status="pending", origin="organiser", actor="test")
    server = Server(db, extra_env={"MATCHMAKING_STANDBY_TICK": "1"})
    try:
        status = {}
        for _ in range(100):  # the tick runs every second
            with Store(db) as store:
                status = {(r.sender, r.receiver): r.status for r in store.requests(EV)}
            if status[("t-1", "s-3")] == "expired":
                break
            time.sleep(0.2)
    finally:
        server.stop()
    assert status[("t-1", "s-3")] == "expired" and status[("t-2", "s-3")] == "pending"
    with Store(db) as store:
        assert [h["actor"] for h in store.request_history(EV, "t-1", "s-3")] == ["test", "system"]


def test_a_removal_reaches_both_mailboxes_as_a_cancel(tmp_path):
    """Through a real SMTP server on 127.0.0.1: the removed participant and their partner each
    receive a CANCEL of the announced meeting; the other pair receives nothing new."""
    from aiosmtpd.controller import Controller

    from tests.test_invites import Inbox
    from tests.webtools import free_port, wait_for_delivery

    db = tmp_path / "mail.db"
    seed_db(db, [world_doc()])
    with Store(db) as store:
        store.save_schedule(Schedule(EV, (
            Meeting("m-1", "t-1", "s-1", AT, AT + timedelta(minutes=25), 1),
            Meeting("m-2", "t-2", "s-2", AT + timedelta(minutes=30), AT + timedelta(minutes=55), 1))), actor="test")
    inbox, port = Inbox(), free_port()
    smtp = Controller(inbox, hostname="127.0.0.1", port=port)
    smtp.start()
    server = Server(db, extra_env={"MATCHMAKING_SMTP_HOST": "127.0.0.1", "MATCHMAKING_SMTP_PORT": str(port),
                                   "MATCHMAKING_SMTP_FROM": "events@cluster.example",
                                   "MATCHMAKING_STANDBY_TICK": "0"})  # fmt: skip
    try:
        s, csrf = login(server.url)
        s.post(server.url + f"/events/{EV}/publish", data={"csrf_token": csrf})
        wait_for_delivery(db, EV, inbox)
        published = len(inbox.messages)
        r = s.post(server.url + f"/events/{EV}/participants/s-2/remove", data={"csrf_token": csrf, "confirm": "1"})
        assert "Removal of s-2 SME: saved" in r.text and "2 participants told" in r.text
        wait_for_delivery(db, EV, inbox)
    finally:
        server.stop()
        smtp.stop()
    new = inbox.messages[published:]

    def calendar(msg) -> str:
        return next(p.get_payload(decode=True).decode() for p in msg.walk() if p.get_content_type() == "text/calendar")

    assert sorted(parseaddr(m["To"])[1] for m in new) == ["s-2@example.org", "t-2@example.org"]
    assert all("METHOD:CANCEL" in calendar(m) and "m-2" in calendar(m) for m in new)
