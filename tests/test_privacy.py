"""Data protection (issue 17, docs/privacy.md): a participant's export holds every table's rows
about them and nothing about others; erasure cancels their meetings to come (CANCEL mailed to a
real SMTP server on 127.0.0.1) and leaves no byte of their e-mail, name or contact in the
database files, with the aggregates unchanged; retention erases an old event and leaves a
current one; the command line asks before erasing; the console's actions are organiser-only,
behind CSRF and a confirmation naming the person; an erased person's link shows that it expired."""

from __future__ import annotations

import email
import email.policy
import json
import os
import pty
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
import requests

from scheduler.domain.addresses import check_email
from scheduler.domain.model import Meeting, Schedule
from scheduler.domain.timegrid import build_slots
from scheduler.files import formats
from scheduler.invitations import delivery
from scheduler.invitations.ical import contexts
from scheduler.reporting.kpis import kpis
from scheduler.store import Store
from scheduler.surveys.model import Answer
from tests.builders import document, person
from tests.test_invites import Inbox
from tests.webtools import ROOT, Server, csrf_of, free_port, login, seed_db

NAME = "Zoë Ångström Bäckerei"
CONTACT = "Łukasz Żółtowski-Ñúñez"
EMAIL = "zoe.privacy-probe@bäckerei-ångström.example"
DELIVERY = check_email(EMAIL).delivery  # the address as mailed: its domain in IDNA (xn--...)
PUBLIC = "http://entente.example"  # the configured public address, for links in mails (http: an https one
# makes the session cookie Secure, which these tests over plain http could not send back)
SECRETS = (NAME, CONTACT, EMAIL, DELIVERY, "zoe.privacy-probe", "Żółtowski", "Ångström")


def world_doc(event_id: str, day: str = "2027-03-26") -> dict:
    """Four companies; t1 is the person who asks for erasure, with accented name and contact."""
    people = [person("t1", name=NAME, contact=CONTACT, email=EMAIL, country="PL", cluster="Baltic",
                     description=f"{CONTACT} runs the bakery"),
              person("t2", country="DE", description=f"Partner of {NAME} since 2020"), person("s1", country="FR"), person("s2", country="PL")]
    return document(people, [("t1", "s1"), ("s1", "t1"), ("t1", "s2"), ("t2", "s1"), ("s2", "t2")], id=event_id,
                    sessions=[{"date": day, "start": "09:00", "end": "13:00"}])


def meetings_of(store: Store, event_id: str) -> tuple[Meeting, ...]:
    """t1 meets s1 in the first slot and s2 in the last; t2 meets s1 in the middle."""
    slots = build_slots(store.event(event_id))
    pick = [(slots[0], "t1", "s1"), (slots[len(slots) // 2], "t2", "s1"), (slots[-1], "t1", "s2")]
    return tuple(Meeting(f"m-{i}", a, b, s.start, s.end, 1) for i, (s, a, b) in enumerate(pick))


def populate(store: Store, event_id: str, folder: Path) -> None:
    """Every table gets rows about t1 and about others: schedule, request history, a check-in, an
    offer, invites in the outbox (delivered to ``folder``), survey answers with free text."""
    store.save_schedule(Schedule(event_id, meetings_of(store, event_id)), actor="olga")
    store.transition_request(event_id, "s1", "t1", "accept", actor="t1")
    store.transition_request(event_id, "s2", "t2", "decline", actor="t2")
    first = meetings_of(store, event_id)[0]
    store.check_in(event_id, "t1", by="t1", now=first.start)
    store.check_in(event_id, "t2", by="hans", now=first.start)
    store.add_offers(event_id, [{"slot_start": first.start, "slot_end": first.end, "a": "t1", "b": "s2",
                                 "room": 2, "score": 0.5, "reasons": [f"{NAME} needs AI"], "replaces": []}],
                     now=first.start)  # fmt: skip
    ctx_for = contexts(store.event(event_id), store.tokens(event_id), "https://entente.example")
    delivery.queue_invites(store, event_id, ctx_for, first.start - timedelta(days=30), "events@cluster.example")
    delivery.deliver(store, delivery.Transport(None, folder), first.start - timedelta(days=30))
    at = first.end + timedelta(hours=1)
    store.save_answer(Answer(event_id, "feedback", 1, "t1", {"took_place": "yes", "useful": 4,
                                                             "comments": f"Signed by {CONTACT}"}, at,
                             meeting_id=first.id), actor="t1")  # fmt: skip
    store.save_answer(Answer(event_id, "feedback", 1, "s1", {"took_place": "yes", "useful": 5,
                                                             "comments": f"{NAME} was great"}, at,
                             meeting_id=first.id), actor="s1")  # fmt: skip


def raw_bytes(db: Path) -> bytes:
    """The database files as on disk: the file, its WAL and shared memory."""
    return b"".join(p.read_bytes() for p in db.parent.glob(db.name + "*"))


def mentions(blob: bytes) -> list[str]:
    """Which of the person's identifying strings the bytes hold (UTF-8 or as JSON escapes them)."""
    forms = {s: (s.encode(), json.dumps(s)[1:-1].encode()) for s in SECRETS}
    return [s for s, fs in forms.items() if any(f.lower() in blob.lower() for f in fs)]


def aggregates(store: Store, event_id: str) -> dict:
    """What the funders' figures count: meetings by status and by pair of kinds and countries."""
    people = {**{p.id: p for p in store.participants(event_id, removed=True)},
              **{p.id: p for p in store.participants(event_id)}}
    ms = store.meetings(event_id)
    return {"kpis": kpis(store.load(event_id), ms), "status": Counter(m.status for m in ms),
            "kinds": Counter(tuple(sorted((people[m.a].kind, people[m.b].kind))) for m in ms),
            "countries": Counter(tuple(sorted((people[m.a].country, people[m.b].country))) for m in ms),
            "people": Counter((p.kind, p.country, p.cluster) for p in people.values())}


def run(db: Path, *args: str, env: dict | None = None, stdin=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "run.py"), "--db", str(db), *args], cwd=ROOT,
                          capture_output=True, text=True, env={**os.environ, **(env or {})},
                          stdin=stdin if stdin is not None else subprocess.DEVNULL, timeout=120)  # fmt: skip


@pytest.fixture
def world(tmp_path):
    db = tmp_path / "privacy.db"
    with Store(db) as s:
        s.save_event(formats.parse_event_document(world_doc("ev-p")))
        populate(s, "ev-p", tmp_path / "outbox")
    return db


def test_export_holds_every_table_about_the_person_and_nothing_about_others(world, tmp_path):
    out = tmp_path / "t1.json"
    r = run(world, "participant", "export", "t1", "--event", "ev-p", "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert out.stat().st_mode & 0o077 == 0  # personal data: readable by its owner only
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert (doc["profile"]["name"], doc["profile"]["email"], doc["profile"]["contact"]) == (NAME, EMAIL, CONTACT)
    assert "token" not in doc["profile"]
    assert {(r["sender"], r["receiver"]) for r in doc["requests"]} == {("t1", "s1"), ("s1", "t1"), ("t1", "s2")}
    accepted = next(r for r in doc["requests"] if r["sender"] == "s1")
    assert [(h["actor"], h["action"]) for h in accepted["history"]] == [("t1", "accept")]
    assert [(m["id"], m["partner"]) for m in doc["meetings"]] == [("m-0", "s1"), ("m-2", "s2")]
    assert [c["by"] for c in doc["checkins"]] == ["t1"]
    assert [(o["a"], o["b"]) for o in doc["offers"]] == [("t1", "s2")]
    assert {(m["meeting_id"], m["recipient"]) for m in doc["messages"]} == {("m-0", DELIVERY), ("m-2", DELIVERY)}
    assert "message" not in doc["messages"][0]
    assert {a["action"] for a in doc["audit"]} >= {"checkin", "standby_offer", "survey_answered"}
    assert all(a["actor"] == "t1" or "t1" in json.dumps(a["detail"]) for a in doc["audit"])
    assert [a["answers"]["comments"] for a in doc["survey_answers"]] == [f"Signed by {CONTACT}"]
    text = json.dumps(doc, ensure_ascii=False)
    with Store(world) as s:
        others = [p for p in s.participants("ev-p") if p.id != "t1"]
    assert not [p.email for p in others if p.email in text]  # nobody else's address
    assert "s1 was great" not in text and "t2 SME" not in text  # nor their answers, nor people t1 never met
    assert "decline" not in text  # nor the history of requests between others


def test_cli_erase_leaves_no_byte_of_the_person_and_keeps_the_aggregates(world, tmp_path):
    with Store(world) as s:
        before = aggregates(s, "ev-p")
        ends = max(x.end for x in s.meetings("ev-p"))
    assert mentions(raw_bytes(world)) == list(SECRETS)  # the probe finds them before
    after_event = (ends + timedelta(days=1)).isoformat()
    mails = tmp_path / "outbox"
    assert sorted(f.name.split("-", 1)[1] for f in mails.iterdir()) == [
        "m-0-s1-request-0.eml", "m-0-t1-request-0.eml", "m-1-s1-request-0.eml", "m-1-t2-request-0.eml",
        "m-2-s2-request-0.eml", "m-2-t1-request-0.eml"]
    r = run(world, "participant", "erase", "t1", "--event", "ev-p", "--yes", "--now", after_event,
            "--outbox-dir", str(mails))
    assert r.returncode == 0, r.stderr
    assert "erased t1: 0 meetings to come cancelled" in r.stdout and "4 .eml copies deleted" in r.stdout
    assert mentions(raw_bytes(world)) == []
    # the mails about meetings t1 was in are gone, with their text in the outbox; the others stay
    assert sorted(f.name.split("-", 1)[1] for f in mails.iterdir()) == ["m-1-s1-request-0.eml", "m-1-t2-request-0.eml"]
    assert mentions(b"".join(f.read_bytes() for f in mails.iterdir())) == []
    with Store(world) as s:
        assert aggregates(s, "ev-p") == before
        rec = s.participant_record("ev-p", "t1")
        assert (rec["name"], rec["email"], rec["contact"], rec["description"]) == ("Erased participant t1", "", "", "")
        assert s.by_token(rec["token"]) is None and s.erased_link(rec["token"])
        answers = {a.participant_id: dict(a.values) for a in s.answers("ev-p", "feedback")}
        assert answers["t1"] == {"took_place": "yes", "useful": 4}  # choices and scales kept, words gone
        assert answers["s1"]["comments"] == "[erased] was great" and answers["s1"]["useful"] == 5
        assert s.participant_record("ev-p", "t2")["description"] == "Partner of [erased] since 2020"
        assert s.audit_log("ev-p")[-1]["action"] == "erased"
        with pytest.raises(Exception, match="append-only"):  # the logs are append-only again afterwards
            s.db.execute("UPDATE audit SET actor = 'x'")
    again = run(world, "participant", "erase", "t1", "--event", "ev-p", "--yes")
    assert again.returncode == 0 and "already erased" in again.stdout


def test_cli_erase_asks_on_a_terminal_and_refuses_without_one(world):
    r = run(world, "participant", "erase", "t1", "--event", "ev-p")
    assert r.returncode == 2 and "--yes" in r.stderr
    unknown = run(world, "participant", "erase", "t9", "--event", "ev-p", "--yes")
    assert unknown.returncode == 2 and "no participant 't9' in event 'ev-p'" in unknown.stderr
    nowhere = run(world, "participant", "export", "t1", "--event", "ev-x")
    assert nowhere.returncode == 2 and "no participant 't1' in event 'ev-x'" in nowhere.stderr
    for answer, code in (("s1\n", 2), ("t1\n", 0)):
        master, slave = pty.openpty()
        os.write(master, answer.encode())
        r = run(world, "participant", "erase", "t1", "--event", "ev-p", "--now", "2028-01-01T00:00:00Z", stdin=slave)
        os.close(slave)
        os.close(master)
        assert r.returncode == code, r.stderr
        assert NAME in r.stdout  # the prompt names the person
        with Store(world) as s:
            assert (s.participant_record("ev-p", "t1")["erased_at"] is None) == (code == 2)


def test_erase_cancels_meetings_to_come_by_mail_first(world, tmp_path):
    from aiosmtpd.controller import Controller

    inbox, port = Inbox(), free_port()
    smtp = Controller(inbox, hostname="127.0.0.1", port=port)
    smtp.start()
    try:
        with Store(world) as s:
            first = s.meetings("ev-p")[0]
            before = {m.id: m.status for m in s.meetings("ev-p")}
        now = (first.end + timedelta(minutes=1)).isoformat()  # m-0 is over, m-2 (t1 with s2) to come
        r = run(world, "participant", "erase", "t1", "--event", "ev-p", "--yes", "--now", now,
                env={"MATCHMAKING_SMTP_HOST": "127.0.0.1", "MATCHMAKING_SMTP_PORT": str(port)})
    finally:
        smtp.stop()
    assert r.returncode == 0, r.stderr
    assert "1 meetings to come cancelled (2 cancellations queued, 2 delivered" in r.stdout
    assert sorted((m["To"].rsplit("<", 1)[-1].rstrip(">"), "CANCEL" in m.as_string()) for m in inbox.messages) == \
        sorted([(DELIVERY, True), ("s2@example.org", True)])
    with Store(world) as s:
        status = {m.id: m.status for m in s.meetings("ev-p")}
        assert before["m-2"] == "scheduled" and status == {**before, "m-2": "cancelled"}
        assert [o["status"] for o in s.outbox("ev-p") if o["meeting_id"] == "m-2" and o["method"] == "CANCEL"] == \
            ["sent", "sent"]
    assert mentions(raw_bytes(world)) == []


def test_erase_waits_while_the_cancellation_cannot_be_mailed(world):
    with Store(world) as s:
        first = s.meetings("ev-p")[0]
    now = (first.end + timedelta(minutes=1)).isoformat()
    down = {"MATCHMAKING_SMTP_HOST": "127.0.0.1", "MATCHMAKING_SMTP_PORT": str(free_port())}  # nobody listens
    r = run(world, "participant", "erase", "t1", "--event", "ev-p", "--yes", "--now", now, env=down)
    assert r.returncode == 2
    assert "2 messages about t1 still wait to be sent: deliver them first" in r.stderr
    with Store(world) as s:
        assert s.participant_record("ev-p", "t1")["email"] == EMAIL  # nothing erased
        cancels = [o for o in s.outbox("ev-p") if o["method"] == "CANCEL"]
        assert [(o["meeting_id"], o["status"]) for o in cancels] == [("m-2", "queued"), ("m-2", "queued")]
        assert {m.id: m.status for m in s.meetings("ev-p")}["m-2"] == "cancelled"  # the cancellation stands


def test_retention_erases_an_old_event_and_leaves_a_current_one(tmp_path):
    db = tmp_path / "ret.db"
    with Store(db) as s:
        s.save_event(formats.parse_event_document(world_doc("old", day="2026-01-15")))
        s.save_event(formats.parse_event_document(world_doc("new", day="2026-11-20")))
        populate(s, "old", tmp_path / "outbox")
        populate(s, "new", tmp_path / "outbox")
        current, past = aggregates(s, "new"), aggregates(s, "old")
        old_tokens = s.tokens("old")
    r = run(db, "retention", "--event", "new", "--days", "x")
    assert r.returncode == 2  # argparse: not a number
    r = run(db, "retention", "--event", "new", "--days", "4000")
    assert r.returncode == 2 and "retention_days" in r.stderr
    with Store(db) as s:
        kept = {f"{o['id']:06d}" for o in s.outbox("new")}
    assert len(list((tmp_path / "outbox").iterdir())) == 2 * len(kept) == 12
    r = run(db, "retention", "--apply", "--now", "2026-11-30T10:00:00Z", "--outbox-dir", str(tmp_path / "outbox"))
    assert r.returncode == 0, r.stderr
    assert "event old: personal data of 4 participants erased (6 .eml copies deleted)" in r.stdout
    assert {f.name[:6] for f in (tmp_path / "outbox").iterdir()} == kept
    assert "new: keeps personal data 180 days after its last session: erase on 2027-05-19" in r.stdout
    with Store(db) as s:
        assert {p.email for p in s.participants("new")} == {EMAIL, "t2@example.org", "s1@example.org",
                                                           "s2@example.org"}
        assert aggregates(s, "new") == current
        assert aggregates(s, "old") == past  # the funders' figures of the erased event are as they were
        assert {p.name for p in s.participants("old")} == {f"Erased participant {i}" for i in ("t1", "t2", "s1", "s2")}
        assert {p.email for p in s.participants("old")} == {""}
        assert all(s.erased_link(t) for t in old_tokens.values())
        [old] = s.retention("old")
        assert old.erased_at is not None
    # the old event's bytes are gone, the current event's are still there
    assert b"t2@example.org" in raw_bytes(db) and mentions(raw_bytes(db)) == list(SECRETS)


# ------------------------------------------------------------------ the web


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    folder = tmp_path_factory.mktemp("privacy-web")
    db = folder / "web.db"
    tokens = seed_db(db, [world_doc("web")])
    with Store(db) as s:
        populate(s, "web", folder / "mail")
    first = meetings_of(Store(db), "web")[0]
    server = Server(db, now=(first.end + timedelta(minutes=1)).isoformat(),
                    extra_env={"MATCHMAKING_BASE_URL": PUBLIC, "MATCHMAKING_STANDBY_TICK": "0"})
    yield {"server": server, "db": db, "tokens": tokens["web"]}
    server.stop()


def test_renewing_a_link_asks_first_and_mails_the_new_link_on_the_public_address(served):
    url, db = served["server"].url, served["db"]
    old = served["tokens"]["t2"]
    path = f"{url}/events/web/participants/t2/renew-link"
    host, host_csrf = login(url, "hans")
    assert host.get(path).status_code == 403
    assert host.post(path, data={"csrf_token": host_csrf, "confirm": "t2"}).status_code == 403
    olga, _ = login(url, "olga")
    ask = olga.get(path)
    assert "Give t2 SME (t2) a new personal link?" in ask.text and "mailed to <b>t2@example.org</b>" in ask.text
    unconfirmed = olga.post(path, data={"csrf_token": csrf_of(ask.text)})
    assert unconfirmed.status_code == 200 and "Give t2 SME (t2)" in unconfirmed.text
    assert olga.post(path, data={"confirm": "t2"}).status_code == 400  # no CSRF token
    with Store(db) as s:
        assert s.tokens("web")["t2"] == old
    done = olga.post(path, data={"csrf_token": csrf_of(ask.text), "confirm": "t2"})
    assert "mailed to t2@example.org" in done.text
    with Store(db) as s:
        new = s.tokens("web")["t2"]
    assert new != old
    mail = db.parent / "outbox"
    deadline = time.monotonic() + 15
    while not list(mail.glob("*-t2-link-1.eml")) and time.monotonic() < deadline:
        time.sleep(0.2)
    [eml] = mail.glob("*-t2-link-1.eml")
    body = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert body["To"].endswith("<t2@example.org>") and body["Subject"] == "Your new personal link for Test event"
    assert f"    {PUBLIC}/p/{new}" in body.get_content().splitlines() and old not in body.get_content()
    assert requests.get(f"{url}/p/{old}").status_code == 404
    assert requests.get(f"{url}/p/{new}").status_code == 200
    with Store(db) as s:
        assert s.published("web") and "" not in s.announced("web")  # a link mail announces no meeting


def test_the_server_applies_retention_by_itself(tmp_path):
    db = tmp_path / "loop.db"
    tokens = seed_db(db, [world_doc("past", day="2025-06-02"), world_doc("soon", day="2027-06-02"),
                          world_doc("kept", day="2025-06-02")])
    with Store(db) as s:  # an event over long ago but kept ten years, and one person erased on request
        s.set_retention("kept", 3650, actor="olga")
        s.erase_participants("kept", ["t1"], actor="olga")
    server = Server(db, extra_env={"MATCHMAKING_RETENTION_TICK": "0.5", "MATCHMAKING_STANDBY_TICK": "0"})
    try:
        deadline = time.monotonic() + 20
        while requests.get(f"{server.url}/p/{tokens['past']['t1']}").status_code != 410:
            assert time.monotonic() < deadline, "the retention run did not erase the past event"
            time.sleep(0.3)
        assert requests.get(f"{server.url}/p/{tokens['soon']['t1']}").status_code == 200
        olga, _ = login(server.url, "olga")
        page = olga.get(f"{server.url}/events/kept/participants")
        assert page.status_code == 200 and page.text.count('<span class="muted">erased</span>') == 1
        assert "Erased participant t1" in page.text and EMAIL not in page.text and "t2 SME" in page.text
        assert requests.get(f"{server.url}/p/{tokens['kept']['t2']}").status_code == 200
    finally:
        server.stop()
    with Store(db) as s:
        assert [r.erased_at is not None for r in s.retention()] == [False, True, False]  # kept, past, soon
        assert s.audit_log("past")[-1]["actor"] == "retention"


def test_participant_downloads_their_data_and_reads_the_privacy_notice(served):
    url, token = served["server"].url, served["tokens"]["t1"]
    page = requests.get(f"{url}/p/{token}")
    assert page.status_code == 200 and "Download my data" in page.text
    assert page.headers["Referrer-Policy"] == "no-referrer"
    notice = requests.get(f"{url}/p/{token}/privacy")
    assert notice.status_code == 200 and "180 days" in notice.text and "my-data.json" in notice.text
    assert requests.get(f"{url}/privacy").status_code == 200
    mine = requests.get(f"{url}/p/{token}/my-data.json")
    assert mine.status_code == 200 and "attachment" in mine.headers["Content-Disposition"]
    assert mine.json()["profile"]["email"] == EMAIL
    assert "s1@example.org" not in mine.text


def test_console_erase_is_organiser_only_behind_csrf_and_a_confirmation(served):
    url, db, tokens = served["server"].url, served["db"], served["tokens"]
    path = f"{url}/events/web/participants/t1"
    anon = requests.get(path + "/export", allow_redirects=False)
    assert anon.status_code == 302 and "/login" in anon.headers["Location"]
    host, host_csrf = login(url, "hans")
    assert host.get(path + "/export").status_code == 403
    assert host.post(path + "/erase", data={"csrf_token": host_csrf, "confirm": "t1"}).status_code == 403
    olga, csrf = login(url, "olga")
    assert "Erase…" in olga.get(path).text and "Erase…" not in host.get(path).text
    # the event's retention: organisers only, CSRF, a clear message for a wrong number
    setting = f"{url}/events/web/retention"
    assert host.post(setting, data={"csrf_token": host_csrf, "days": "30"}).status_code == 403
    assert olga.post(setting, data={"days": "30"}).status_code == 400
    wrong = olga.post(setting, data={"csrf_token": csrf, "days": "a year"})
    assert wrong.status_code == 400 and "retention_days: &#39;a year&#39; is not a whole number of days" in wrong.text
    saved = olga.post(setting, data={"csrf_token": csrf, "days": "30"})
    assert "kept 30 days after its last session" in saved.text and 'value="30"' in saved.text
    assert "30 days" in requests.get(f"{url}/p/{tokens['s1']}/privacy").text
    export = olga.get(path + "/export")
    assert export.status_code == 200 and export.json()["profile"]["contact"] == CONTACT
    confirm = olga.get(path + "/erase")
    assert f"Erase {NAME} (t1)?" in confirm.text.replace("&#39;", "'") and "1</b> meetings still to come" in confirm.text
    assert olga.post(path + "/erase", data={"confirm": "t1"}).status_code == 400  # no CSRF token
    wrong = olga.post(path + "/erase", data={"csrf_token": csrf_of(confirm.text), "confirm": "s1"})
    assert "Type the participant id t1" in wrong.text
    with Store(db) as s:
        assert s.participant_record("web", "t1")["erased_at"] is None
    done = olga.post(path + "/erase", data={"csrf_token": csrf_of(confirm.text), "confirm": "t1"})
    assert done.status_code == 200 and "The personal data of t1 was erased (1 meetings to come cancelled" in done.text
    # the partner's page shows the cancellation; the erased person's link says it expired
    agenda = requests.get(f"{url}/p/{tokens['s2']}/agenda.json").json()["agenda"]
    assert [(m["other"], m["status"]) for m in agenda] == [("Erased participant t1", "cancelled")]
    gone = requests.get(f"{url}/p/{tokens['t1']}")
    assert gone.status_code == 410 and "This link has expired" in gone.text
    assert requests.get(f"{url}/p/{tokens['t1']}/my-data.json").status_code == 410
    assert requests.get(f"{url}/p/not-a-token").status_code == 404
    assert mentions(raw_bytes(db)) == []


def test_an_erased_person_imported_again_is_back_with_a_new_link(tmp_path):
    db = tmp_path / "again.db"
    doc = world_doc("again")
    with Store(db) as s:
        s.save_event(formats.parse_event_document(doc))
        old = s.tokens("again")["t1"]
        s.erase_participants("again", ["t1"], actor="olga")
        assert "t1" not in s.tokens("again") and "t1" not in {p.id for p in s.participants("again")}
        s.merge(formats.parse_event_document(doc), actor="olga")  # the organiser's file still lists them
        back = s.participant_record("again", "t1")
        assert (back["email"], back["erased_at"], back["removed_at"]) == (EMAIL, None, None)
        assert s.tokens("again")["t1"] != old and s.erased_link(old) is False
