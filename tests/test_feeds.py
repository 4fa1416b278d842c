"""Feeds and per-meeting files of cancelled meetings, and invite wording, as calendar parsers read them."""

from __future__ import annotations

import email
import email.policy
from email.message import Message

import requests
from icalendar import Calendar

from scheduler.domain.model import Meeting, Schedule
from scheduler.files.formats import parse_event_document
from scheduler.invitations import delivery
from scheduler.invitations.ical import UPDATED, feed, meeting_invite
from scheduler.solver import SolverConfig, solve
from scheduler.store import Store
from tests.test_invites import STAMP, at, ctx, dst_world, ical_js, write
from tests.test_sockets import EVENT, NOW, br19_doc
from tests.webtools import Server, csrf_of, login, seed_db

ON, OFF = "Ferreira Texteis <> Caraïbes Vision", "Ferreira Texteis <> Kibbutz Analytics"
PAIR = [("Alfa Tecidos Lda", "Beta Vision"), ("Beta Vision", "Alfa Tecidos Lda")]  # the organiser's feed: either way


def vevents(raw: bytes) -> dict[str, dict]:
    """What icalendar reads: meeting id -> status, transparency, title, text, alarm."""
    return {str(v["UID"]).split(".")[0]: {"status": str(v["STATUS"]), "transp": str(v["TRANSP"]),
                                          "summary": str(v["SUMMARY"]), "description": str(v["DESCRIPTION"]),
                                          "alarm": bool(v.walk("VALARM"))}
            for v in Calendar.from_ical(raw).walk("VEVENT")}  # fmt: skip


def test_feeds_keep_cancelled_and_missed_meetings_as_cancelled_free_time(tmp_path):
    data = dst_world()
    people = data.by_id()
    ms = [Meeting("m-1", "t-lis", "s-mtq", at(26, 13), at(26, 13, 25), 1),
          Meeting("m-2", "t-lis", "s-jer", at(29, 12), at(29, 12, 25), 1, "cancelled", version=1),
          Meeting("m-3", "t-lis", "s-jer", at(26, 14), at(26, 14, 25), 2, "no_show")]
    path = write(tmp_path, "mine.ics", feed(ctx(data), "My B2B agenda", ms, people, STAMP, viewer="t-lis"))
    got = vevents(path.read_bytes())
    assert {k: (v["status"], v["transp"], v["alarm"]) for k, v in got.items()} == {
        "m-1": ("CONFIRMED", "OPAQUE", True),
        "m-2": ("CANCELLED", "TRANSPARENT", False),
        "m-3": ("CANCELLED", "TRANSPARENT", False),
    }
    assert got["m-1"]["summary"] == "B2B meeting: " + ON
    assert got["m-2"]["summary"] == "Cancelled: B2B meeting: " + OFF
    assert got["m-3"]["summary"] == "Missed: B2B meeting: " + OFF
    assert got["m-2"]["description"].startswith("This meeting is cancelled.\n\n")
    [doc] = ical_js(path)  # Thunderbird's parser reads the same
    assert [(e["uid"].split(".")[0], e["status"], e["transp"], e["summary"].split(":")[0], e["alarm"])
            for e in doc["events"]] == [("m-1", "CONFIRMED", "OPAQUE", "B2B meeting", "-PT10M"),
                                        ("m-3", "CANCELLED", "TRANSPARENT", "Missed", None),
                                        ("m-2", "CANCELLED", "TRANSPARENT", "Cancelled", None)]  # fmt: skip


def test_invite_text_says_invitation_updated_or_cancelled(tmp_path):
    data = dst_world()
    people = data.by_id()
    m = Meeting("m-1", "t-lis", "s-mtq", at(26, 13), at(26, 13, 25), 1, "moved", version=2)
    first = meeting_invite(ctx(data), m, people["t-lis"], people["s-mtq"], 2, STAMP)
    later = meeting_invite(ctx(data), m, people["t-lis"], people["s-mtq"], 2, STAMP, update=True)
    off = meeting_invite(ctx(data), m, people["t-lis"], people["s-mtq"], 3, STAMP, "CANCEL")
    paths = [write(tmp_path, f"{n}.ics", c) for n, c in (("first", first), ("later", later), ("off", off))]
    a, b, c = (next(iter(vevents(p.read_bytes()).values())) for p in paths)
    assert a["summary"] == b["summary"] == "B2B meeting: " + ON  # the calendar entry keeps its name
    assert not a["description"].startswith("Updated") and b["description"].startswith(UPDATED + "\n\n")
    assert (c["summary"], c["status"], c["transp"]) == ("Cancelled: B2B meeting: " + ON, "CANCELLED", "TRANSPARENT")
    js = ical_js(*paths)
    assert [d["method"] for d in js] == ["REQUEST", "REQUEST", "CANCEL"]
    assert [d["events"][0]["description"].split("\n")[0] for d in js] == [
        data.event.name, UPDATED, "This meeting is cancelled."]


def calendar_of(msg: Message) -> dict:
    [part] = [p for p in msg.walk() if p.get_content_type() == "text/calendar"]
    return next(iter(vevents(part.get_payload(decode=True)).values()))


def test_the_first_mail_one_gets_is_an_invitation_even_for_a_meeting_moved_before_publishing(store):
    """Subject and calendar text follow what this person was sent, not the meeting's SEQUENCE."""
    data = dst_world()
    store.save_event(data)
    store.save_schedule(Schedule(data.event.id, (Meeting("m-1", "t-lis", "s-mtq", at(26, 13), at(26, 13, 25), 1),)))
    store.update_meeting(data.event.id, "m-1", actor="olga", start=at(26, 14), end=at(26, 14, 25), room=1,
                         reason="moved before publishing")  # fmt: skip

    def sent() -> list[Message]:
        before = len(store.outbox(data.event.id))
        delivery.queue_invites(store, data.event.id, lambda pid: ctx(data, pid), STAMP, "organiser@cluster.example")
        return [email.message_from_string(r["message"], policy=email.policy.default) for r in store.outbox(data.event.id)[before:]]

    first = sent()
    assert [m["Subject"].split(":")[0] for m in first] == ["Invitation", "Invitation"]
    assert all(not calendar_of(m)["description"].startswith("Updated") for m in first)
    store.update_meeting(data.event.id, "m-1", actor="olga", start=at(26, 15), end=at(26, 15, 25), room=1,
                         reason="moved live")  # fmt: skip
    moved = sent()
    assert [m["Subject"].split(":")[0] for m in moved] == ["Updated", "Updated"]
    assert all(calendar_of(m)["description"].startswith(UPDATED) for m in moved)
    assert all(UPDATED in m.get_body(("plain",)).get_content() for m in moved)
    store.update_meeting(data.event.id, "m-1", actor="olga", status="cancelled", reason="called off")
    off = sent()
    assert [m["Subject"].split(":")[0] for m in off] == ["Cancelled", "Cancelled"]
    assert all(calendar_of(m)["summary"].startswith("Cancelled: ") for m in off)


def test_served_feeds_and_download_of_a_cancelled_meeting(tmp_path):
    """Over a real server: a host cancels the meeting; both feeds and the meeting's own .ics say so."""
    db = tmp_path / "feeds.db"
    tokens = seed_db(db, [br19_doc()])[EVENT]
    with Store(db) as s:
        s.save_schedule(solve(parse_event_document(br19_doc()), config=SolverConfig(time_limit=3)).schedule)
        [m] = s.meetings(EVENT)
        version = s.schedule_version(EVENT)
    server = Server(db, now=NOW, extra_env={"MATCHMAKING_STANDBY_TICK": "0"})
    try:
        host, _ = login(server.url, "hans")
        page = host.get(server.url + f"/events/{EVENT}/board").text
        r = host.post(server.url + f"/events/{EVENT}/board/meetings/{m.id}/cancel",
                      data={"csrf_token": csrf_of(page), "version": version})
        assert r.status_code == 200
        with Store(db) as s:
            [after] = s.meetings(EVENT)
        assert after.status == "cancelled"
        files = {"mine": requests.get(server.url + f"/p/{tokens['t-1']}/feed.ics"),
                 "download": requests.get(server.url + f"/p/{tokens['t-1']}/meetings/{m.id}.ics"),
                 "organiser": host.get(server.url + f"/events/{EVENT}/feed.ics")}
        paths = []
        for name, resp in files.items():
            assert resp.status_code == 200 and resp.headers["Content-Type"].startswith("text/calendar")
            [got] = vevents(resp.content).values()
            assert (got["status"], got["transp"], got["alarm"]) == ("CANCELLED", "TRANSPARENT", False), name
            assert got["summary"] in {f"Cancelled: B2B meeting: {a} <> {b}" for a, b in PAIR}, name
            paths.append(tmp_path / f"{name}.ics")
            paths[-1].write_bytes(resp.content)
        mine, download, organiser = ical_js(*paths)
        assert (mine["method"], download["method"], organiser["method"]) == (None, "CANCEL", None)
        for doc in (mine, download, organiser):
            [e] = doc["events"]
            assert (e["status"], e["transp"], e["sequence"]) == ("CANCELLED", "TRANSPARENT", after.version)
            assert e["summary"].startswith("Cancelled: ")
    finally:
        server.stop()
