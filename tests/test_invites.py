"""Calendar invites: parsed by ical.js, round-tripped by icalendar, delivered over real SMTP."""

from __future__ import annotations

import email
import json
import socket
import subprocess
from datetime import UTC, datetime, timedelta
from email.utils import parseaddr
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from icalendar import Calendar

from scheduler.domain.model import Meeting, Schedule
from scheduler.files.formats import parse_event_document
from scheduler.invitations import delivery
from scheduler.invitations.ical import InviteContext, feed, meeting_invite, to_bytes
from tests.builders import document, person
from tests.conftest import ROOT

STAMP = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
ALL_DAY = {"start": "00:00", "end": "24:00"}
SESSIONS = [{"date": "2027-03-26", "start": "09:00", "end": "17:00"},
            {"date": "2027-03-29", "start": "09:00", "end": "17:00"}]


def ical_js(*paths: Path) -> list[dict]:
    """What Mozilla's ical.js (Thunderbird's parser) reads from the files."""
    proc = subprocess.run(["node", str(ROOT / "tests" / "js" / "parse_ics.mjs"), *map(str, paths)],
                          capture_output=True, text=True, check=True, timeout=60)
    return json.loads(proc.stdout)


def dst_world(**over):
    doc = document(
        [person("t-lis", tz="Europe/Lisbon", name="Ferreira Texteis", working_hours=ALL_DAY),
         person("s-mtq", tz="America/Martinique", name="Caraïbes Vision", working_hours=ALL_DAY),
         person("s-jer", tz="Asia/Jerusalem", name="Kibbutz Analytics", working_hours=ALL_DAY),
         *over.get("extra_people", [])],
        [("t-lis", "s-mtq"), ("t-lis", "s-jer")],
        sessions=SESSIONS, video_url_template="https://meet.example.org/dst-{room}",
    )
    return parse_event_document(doc)


def ctx(data, who="x"):
    return InviteContext(data.event, "organiser@cluster.example", "Cluster organisers",
                         f"https://b2b.example/p/token-of-{who}")


def at(day, hh, mm=0):
    return datetime(2027, 3, day, hh, mm, tzinfo=UTC)


def write(tmp_path, name, cal) -> Path:
    path = tmp_path / name
    path.write_bytes(to_bytes(cal))
    return path


def assert_round_trip(path: Path) -> None:
    raw = path.read_bytes()
    assert Calendar.from_ical(raw).to_ical() == raw


# 14:00 in Brussels is 13:00Z before the EU switch (26th) and 12:00Z after it (29th).
@pytest.mark.parametrize(
    "me, other, start, local",
    [
        ("t-lis", "s-mtq", at(26, 13), "Friday 26 March 2027, 13:00-13:25 (Europe/Lisbon)"),
        ("t-lis", "s-mtq", at(29, 12), "Monday 29 March 2027, 13:00-13:25 (Europe/Lisbon)"),
        ("s-mtq", "t-lis", at(26, 13), "Friday 26 March 2027, 09:00-09:25 (America/Martinique)"),
        ("s-mtq", "t-lis", at(29, 12), "Monday 29 March 2027, 08:00-08:25 (America/Martinique)"),
        ("s-jer", "t-lis", at(26, 13), "Friday 26 March 2027, 16:00-16:25 (Asia/Jerusalem)"),
        ("s-jer", "t-lis", at(29, 12), "Monday 29 March 2027, 15:00-15:25 (Asia/Jerusalem)"),
    ],
)
def test_ical_js_reads_the_right_instant_on_both_sides_of_the_switch(tmp_path, me, other, start, local):
    data = dst_world()
    people = data.by_id()
    m = Meeting("m-1", "t-lis", other if me == "t-lis" else me, start, start + timedelta(minutes=25), 2)
    path = write(tmp_path, "invite.ics", meeting_invite(ctx(data, me), m, people[me], people[other], 0, STAMP))
    [doc] = ical_js(path)
    [ev] = doc["events"]
    assert doc["method"] == "REQUEST"
    assert (ev["start"], ev["end"]) == (start.strftime("%Y-%m-%dT%H:%M:00.000Z"),
                                        (start + timedelta(minutes=25)).strftime("%Y-%m-%dT%H:%M:00.000Z"))
    assert ev["startZone"] == "UTC"
    assert ev["summary"] == f"B2B meeting: {people[me].name} <> {people[other].name}"
    assert ev["alarm"] == "-PT10M" and ev["location"] == "https://meet.example.org/dst-2"
    assert ev["organizer"] == "mailto:organiser@cluster.example"
    assert [(a["address"], a["cn"], a["role"], a["partstat"], a["rsvp"]) for a in ev["attendees"]] == [
        (f"mailto:{me}@example.org", people[me].name, "REQ-PARTICIPANT", "NEEDS-ACTION", "TRUE"),
        (f"mailto:{other}@example.org", people[other].name, "REQ-PARTICIPANT", "NEEDS-ACTION", "TRUE"),
    ]
    cal = Calendar.from_ical(path.read_bytes())
    description = str(cal.walk("VEVENT")[0]["DESCRIPTION"])
    assert f"Your time: {local}" in description and f"https://b2b.example/p/token-of-{me}" in description
    assert_round_trip(path)


def test_same_uid_and_rising_sequence_through_moves_and_cancellation(tmp_path, store):
    data = dst_world()
    store.save_event(data)
    m = Meeting("m-1", "t-lis", "s-mtq", at(26, 13), at(26, 13, 25), 1)
    store.save_schedule(Schedule(data.event.id, (m,)))
    store.update_meeting(data.event.id, "m-1", actor="host", start=at(26, 13, 30), end=at(26, 13, 55))
    store.update_meeting(data.event.id, "m-1", actor="host", room=2)
    final = store.update_meeting(data.event.id, "m-1", actor="host", status="cancelled")
    assert final.version == 3
    people = data.by_id()
    paths = []
    for version in (1, 2, 3):
        method = "CANCEL" if version == 3 else "REQUEST"
        cur = Meeting("m-1", "t-lis", "s-mtq", final.start, final.end, final.room, final.status, version=version)
        paths.append(write(tmp_path, f"v{version}.ics", meeting_invite(
            ctx(data), cur, people["t-lis"], people["s-mtq"], version, STAMP, method)))
    docs = ical_js(*paths)
    assert len({d["events"][0]["uid"] for d in docs}) == 1
    assert [d["events"][0]["sequence"] for d in docs] == [1, 2, 3]
    assert [d["method"] for d in docs] == ["REQUEST", "REQUEST", "CANCEL"]
    assert docs[2]["events"][0]["status"] == "CANCELLED"
    for p in paths:
        assert_round_trip(p)
    log = [r for r in store.audit_log(data.event.id) if r["action"] == "meeting"]
    assert [r["detail"]["after"]["status"] for r in log] == ["moved", "moved", "cancelled"]


def test_feeds_hold_only_the_viewers_meetings(tmp_path):
    data = dst_world()
    people = data.by_id()
    ms = [Meeting("m-1", "t-lis", "s-mtq", at(26, 13), at(26, 13, 25), 1),
          Meeting("m-2", "t-lis", "s-jer", at(29, 12), at(29, 12, 25), 1, "cancelled", version=1)]
    mine = write(tmp_path, "mtq.ics", feed(ctx(data), "My B2B agenda", ms, people, STAMP, viewer="s-mtq"))
    org = write(tmp_path, "org.ics", feed(ctx(data), "All meetings", ms, people, STAMP))
    a, b = ical_js(mine, org)
    assert a["method"] is None and a["name"] == "My B2B agenda" and a["refresh"] == [{}, "duration"]
    assert [e["uid"].split(".")[0] for e in a["events"]] == ["m-1"]
    assert [e["status"] for e in b["events"]] == ["CONFIRMED", "CANCELLED"]
    assert "VALUE=DURATION" in mine.read_text()
    assert_round_trip(mine)
    assert_round_trip(org)


# ------------------------------------------------------------------ delivery


class Inbox:
    def __init__(self):
        self.messages: list[email.message.Message] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def scheduled(store):
    bad = [person("s-nomail", email=""), person("s-bad")]
    data = dst_world(extra_people=bad)
    store.save_event(data)
    # the import refuses a malformed address; it can still arrive later (portal edit, old data)
    store.db.execute("UPDATE participants SET email = 'nobody at example' WHERE id = 's-bad'")
    ms = (Meeting("m-1", "t-lis", "s-mtq", at(26, 13), at(26, 13, 25), 1),
          Meeting("m-2", "s-jer", "t-lis", at(29, 12), at(29, 12, 25), 1),
          Meeting("m-3", "t-lis", "s-nomail", at(26, 14), at(26, 14, 25), 1),
          Meeting("m-4", "s-bad", "s-mtq", at(29, 13), at(29, 13, 25), 1))
    store.save_schedule(Schedule(data.event.id, ms))
    return store


def queue(store):
    data = store.load("ev-test")
    return delivery.queue_invites(store, "ev-test", lambda pid: ctx(data, pid), STAMP, "organiser@cluster.example")


def test_bad_addresses_are_reported_per_participant_and_do_not_stop_the_others(scheduled):
    n, skipped = queue(scheduled)
    assert n == 6  # m-1 and m-2 to both sides, m-3 and m-4 to the side with a good address
    assert sorted((s.participant, s.meeting, s.reason) for s in skipped) == [
        ("s-bad", "m-4", "'nobody at example' is not an e-mail address: An email address must have an @-sign."),
        ("s-nomail", "m-3", "no e-mail address"),
    ]
    assert queue(scheduled) == (0, skipped)  # a second run queues nothing new


def test_smtp_delivery_survives_a_server_outage_without_loss_or_duplicates(scheduled, tmp_path):
    queue(scheduled)
    port = free_port()
    inbox = Inbox()
    transport = delivery.Transport(delivery.SmtpConfig("127.0.0.1", port, sender="organiser@cluster.example"))
    # the server is down: nothing is lost, everything waits with the reason
    report = delivery.deliver(scheduled, transport, STAMP)
    assert (report.sent, report.retrying, report.failed) == (0, 6, 0)
    rows = scheduled.outbox("ev-test")
    assert {r["status"] for r in rows} == {"queued"}
    assert all("ConnectionRefusedError" in r["last_error"] for r in rows)
    # too early for the retry: still nothing sent
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        assert delivery.deliver(scheduled, transport, STAMP + timedelta(seconds=5)).sent == 0
        later = STAMP + timedelta(minutes=2)
        assert delivery.deliver(scheduled, transport, later).sent == 6
        assert delivery.deliver(scheduled, transport, later + timedelta(hours=2)).sent == 0
    finally:
        controller.stop()
    assert len(inbox.messages) == 6
    assert len({m["Message-ID"] for m in inbox.messages}) == 6
    assert {r["status"] for r in scheduled.outbox("ev-test")} == {"sent"}
    msg = next(m for m in inbox.messages if parseaddr(m["To"])[1] == "s-mtq@example.org")
    assert msg.get_content_type() == "multipart/mixed"
    alt, attachment = msg.get_payload()
    assert alt.get_content_type() == "multipart/alternative"
    text, cal = alt.get_payload()
    assert text.get_content_type() == "text/plain" and "Martinique" in text.get_payload(decode=True).decode()
    assert cal.get_content_type() == "text/calendar" and cal.get_param("method") == "REQUEST"
    assert attachment.get_filename() == "invite.ics"
    # the same document twice (a text part travels with the mail's own CRLF line ends)
    assert attachment.get_payload(decode=True).replace(b"\r\n", b"\n") == cal.get_payload(decode=True).replace(
        b"\r\n", b"\n")
    path = tmp_path / "mail.ics"
    path.write_bytes(attachment.get_payload(decode=True))
    [doc] = ical_js(path)
    assert doc["events"][0]["start"] == "2027-03-26T13:00:00.000Z"


def test_a_refusing_server_is_recorded_with_its_answer(scheduled):
    class Refuse:
        async def handle_RCPT(self, server, session, envelope, address, options):  # noqa: N802
            return "450 mailbox busy, try later"

    queue(scheduled)
    port = free_port()
    controller = Controller(Refuse(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        report = delivery.deliver(scheduled, delivery.Transport(delivery.SmtpConfig("127.0.0.1", port)), STAMP)
    finally:
        controller.stop()
    assert report.retrying == 6
    assert {r["last_error"] for r in scheduled.outbox("ev-test")} == {"450 mailbox busy, try later"}


def test_without_smtp_messages_land_in_a_folder(scheduled, tmp_path):
    queue(scheduled)
    report = delivery.deliver(scheduled, delivery.Transport(folder=tmp_path / "eml"), STAMP)
    assert report.sent == 6 and len(list((tmp_path / "eml").glob("*.eml"))) == 6
    cancelled = scheduled.update_meeting("ev-test", "m-1", actor="host", status="cancelled")
    n, _ = queue(scheduled)
    assert n == 2 and cancelled.version == 1
    delivery.deliver(scheduled, delivery.Transport(folder=tmp_path / "eml"), STAMP)
    cancels = [p for p in (tmp_path / "eml").glob("*-cancel-1.eml")]
    assert len(cancels) == 2
