"""Surveys over a real server: mail to a real SMTP server on 127.0.0.1 (invitation, then reminder)
with a personal link that works, answering through it (CSRF, plain-words errors, nobody answers for
somebody else's meeting), the organiser's Surveys page (organisers only) and the command line."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
import time
from email import policy
from email.utils import parseaddr

import pytest
import requests
from aiosmtpd.controller import Controller

from scheduler.domain.model import Schedule
from scheduler.store import Store
from tests.builders import document
from tests.conftest import ROOT
from tests.test_invites import Inbox
from tests.test_surveys_rounds import EV, MEETINGS, PEOPLE, at
from tests.webtools import Server, csrf_of, free_port, login, seed_db

NOW = "2027-03-27T10:00:00+01:00"  # the day after the event, on the server's event clock


def cli(db, *args: str, env: dict | None = None, check: bool = True) -> subprocess.CompletedProcess:
    import os

    proc = subprocess.run([sys.executable, str(ROOT / "run.py"), "--db", str(db), *args], capture_output=True,
                          text=True, cwd=ROOT, timeout=120, env={**os.environ, **(env or {})})  # fmt: skip
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    folder = tmp_path_factory.mktemp("surveys")
    db = folder / "s.db"
    tokens = seed_db(db, [document(PEOPLE)])[EV]
    with Store(db) as s:
        s.save_schedule(Schedule(EV, MEETINGS))
    inbox = Inbox()
    port = free_port()
    smtp = Controller(inbox, hostname="127.0.0.1", port=port)
    smtp.start()
    server = Server(db, now=NOW, extra_env={"MATCHMAKING_STANDBY_TICK": "0"})
    try:
        yield {"db": db, "tokens": tokens, "server": server, "inbox": inbox, "smtp_port": port}
    finally:
        server.stop()
        smtp.stop()


def page(server, token: str, path: str = "") -> tuple[requests.Session, requests.Response]:
    s = requests.Session()
    return s, s.get(server.url + f"/p/{token}{path}")


def test_invitation_then_reminder_by_smtp_with_a_working_personal_link(world):
    db, server, inbox = world["db"], world["server"], world["inbox"]
    env = {"MATCHMAKING_SMTP_HOST": "127.0.0.1", "MATCHMAKING_SMTP_PORT": str(world["smtp_port"]),
           "MATCHMAKING_SMTP_FROM": "events@cluster.example"}  # fmt: skip
    cli(db, "survey", "rounds", "--event", EV, "--set", "followup", "--wave", "m3",
        "--send-at", "2027-03-26 14:00", "--remind", "2027-03-27 09:00")  # fmt: skip
    first = len(inbox.messages)
    out = cli(db, "survey", "send", "--event", EV, "--now", "2027-03-26T15:00:00+01:00", "--base-url", server.url,
              env=env).stdout  # fmt: skip
    assert "queued 3 survey messages; delivered 3 via SMTP" in out
    got = inbox.messages[first:]
    # held meetings only: t-2's one meeting was a no-show, s-mute has no address
    assert sorted(parseaddr(m["To"])[1] for m in got) == ["s-1@example.org", "s-2@example.org", "t-1@example.org"]
    t1 = next(m for m in got if "t-1@" in m["To"])
    assert str(t1["Subject"]) == "What came of your meeting? (Test event)"
    link = re.search(r"(http://\S+/surveys/followup/m3)", _plain(t1)).group(1)
    assert link == f"{server.url}/p/{world['tokens']['t-1']}/surveys/followup/m3"
    r = requests.get(link)
    assert r.status_code == 200 and "Where does it stand today?" in r.text
    assert r.text.count('class="card item"') == 3  # t-1's three meetings held, on one page

    # s-1 answers; the reminder goes to the two others only, and only once
    s, r = page(server, world["tokens"]["s-1"], "/surveys/followup/m3")
    mid = re.search(r'data-meeting="([^"]+)"', r.text).group(1)
    r = s.post(server.url + f"/p/{world['tokens']['s-1']}/surveys/followup/m3",
               data={"csrf_token": csrf_of(r.text), f"{mid}|outcome": "negotiation"})
    assert r.status_code == 200 and "Thank you" in r.text
    mark = len(inbox.messages)
    out = cli(db, "survey", "send", "--event", EV, "--now", "2027-03-27T09:30:00+01:00", "--base-url", server.url,
              env=env).stdout  # fmt: skip
    assert "queued 2 survey messages" in out
    reminders = inbox.messages[mark:]
    assert sorted(parseaddr(m["To"])[1] for m in reminders) == ["s-2@example.org", "t-1@example.org"]
    assert all(str(m["Subject"]).startswith("Reminder: What came of your meeting?") for m in reminders)
    assert "queued 0 survey messages" in cli(db, "survey", "send", "--event", EV, "--now", "2027-03-28T09:30:00+01:00",
                                             "--base-url", server.url, env=env).stdout  # fmt: skip


def _plain(msg) -> str:
    import email

    parsed = email.message_from_bytes(msg.as_bytes(), policy=policy.default)
    return parsed.get_body(("plain",)).get_content()


def test_answering_feedback_through_the_personal_link(world):
    db, server, tokens = world["db"], world["server"], world["tokens"]
    with Store(db) as s:
        s.set_round(EV, "feedback", at(13), [], actor="t")
    s, home = page(server, tokens["t-1"])
    assert "How were your meetings with s-1 SME, s-2 SME, s-mute SME?" in home.text
    s, r = page(server, tokens["t-1"], "/surveys/feedback")
    items = re.findall(r'data-meeting="([^"]+)"', r.text)
    assert items == ["m-1", "m-4", "m-5"]
    url = server.url + f"/p/{tokens['t-1']}/surveys/feedback"
    csrf = csrf_of(r.text)
    assert s.post(url, data={"m-1|took_place": "yes"}).status_code == 400  # no CSRF token
    bad = s.post(url, data={"csrf_token": csrf, "m-1|useful": "9", "m-4|took_place": "maybe",
                            "m-4|comments": "ok\x1b[31m"})  # fmt: skip
    assert bad.status_code == 400
    assert "Please answer this question." in bad.text  # m-1 took_place, required
    assert "Must be a whole number from 1 to 5." in bad.text
    assert "Must be one of: yes, partly, no." in bad.text
    assert "Contains a control character (U+001B)." in bad.text
    with Store(db) as st:
        assert st.answers(EV, "feedback", "t-1") == []  # nothing stored when anything is wrong
    ok = s.post(url, data={"csrf_token": csrf, "m-1|took_place": "yes", "m-1|useful": "4", "m-1|next_step": "pilot",
                           "m-4|took_place": "partly", "m-4|comments": "Réunion écourtée"})  # fmt: skip
    assert ok.status_code == 200 and 'id="thanks"' in ok.text
    assert 'value="pilot" checked' in ok.text and "Réunion écourtée</textarea>" in ok.text  # pre-filled
    with Store(db) as st:
        got = {a.meeting_id: dict(a.values) for a in st.answers(EV, "feedback", "t-1")}
    assert got == {"m-1": {"took_place": "yes", "useful": 4, "next_step": "pilot"},
                   "m-4": {"took_place": "partly", "comments": "Réunion écourtée"}}  # fmt: skip
    # answers can be changed
    s.post(url, data={"csrf_token": csrf, "m-1|took_place": "yes", "m-1|useful": "2"})
    with Store(db) as st:
        assert {a.meeting_id: a.values.get("useful") for a in st.answers(EV, "feedback", "t-1")} == {"m-1": 2, "m-4": None}


def test_nobody_answers_for_somebody_elses_meeting(world):
    server, tokens = world["server"], world["tokens"]
    with Store(world["db"]) as s:
        s.set_round(EV, "feedback", at(13), [], actor="t")
    assert "How was your meeting with t-1 SME?" in page(server, tokens["s-1"])[1].text
    s, r = page(server, tokens["s-1"], "/surveys/feedback")
    assert re.findall(r'data-meeting="([^"]+)"', r.text) == ["m-1"]
    r = s.post(server.url + f"/p/{tokens['s-1']}/surveys/feedback",
               data={"csrf_token": csrf_of(r.text), "m-4|took_place": "no"})  # m-4 is t-1 and s-2's
    assert r.status_code == 403
    with Store(world["db"]) as st:
        assert [a for a in st.answers(EV, "feedback", "s-1") if a.meeting_id == "m-4"] == []
    assert requests.get(server.url + "/p/not-a-token/surveys/feedback").status_code == 404
    assert page(server, tokens["s-1"], "/surveys/nosuch")[1].status_code == 404
    # a survey with no round planned is not open yet
    with Store(world["db"]) as st:
        planned = {r["survey_id"] for r in st.rounds(EV)}
    assert "adoption" not in planned
    assert 'id="not-open"' in page(server, tokens["s-1"], "/surveys/adoption")[1].text


def test_the_surveys_page_is_for_organisers_only(world):
    server = world["server"]
    url = server.url + f"/events/{EV}/surveys"
    assert requests.get(url, allow_redirects=False).status_code == 302  # anonymous: to the log-in
    host, _ = login(server.url, "hans")
    assert host.get(url).status_code == 403
    assert host.get(url + "/feedback/answers.csv").status_code == 403
    participant, _ = page(server, world["tokens"]["t-1"])
    assert participant.get(url).status_code == 403
    org, csrf = login(server.url)
    r = org.get(url)
    assert r.status_code == 200 and 'id="survey-feedback"' in r.text and "version 1" in r.text
    assert "Did the meeting take place?" in r.text
    r = org.post(url + "/plan-defaults", data={"csrf_token": csrf})
    assert "with the default dates" in r.text
    with Store(world["db"]) as s:
        assert {(x["survey_id"], x["wave"]) for x in s.rounds(EV)} >= {("adoption", ""), ("followup", "m6")}
    r = org.post(url + "/rounds", data={"csrf_token": csrf, "survey": "adoption", "wave": "",
                                        "send_at": "2027-02-30 09:00", "reminders": ""})  # fmt: skip
    assert "adoption, invitation: &#39;2027-02-30 09:00&#39; is not a date and time" in r.text
    r = org.post(url + "/rounds", data={"csrf_token": csrf, "survey": "adoption", "wave": "",
                                        "send_at": "2027-03-01 09:00", "reminders": "2027-03-08 09:00\n2027-03-15 09:00"})
    assert "Planned adoption: invitation 2027-03-01 09:00 (Europe/Brussels), 2 reminders." in r.text

    # an edited copy: a mistake named by its question, then a new version
    edit = url + "/feedback/edit"
    doc = json.loads(re.search(r'<textarea name="doc"[^>]*>(.*?)</textarea>', org.get(edit).text, re.S).group(1)
                     .replace("&#34;", '"').replace("&quot;", '"').replace("&#39;", "'").replace("&amp;", "&"))
    doc["questions"][1]["options"] = [{"id": "x", "label": "X"}]
    r = org.post(edit, data={"csrf_token": csrf, "doc": json.dumps(doc)})
    assert r.status_code == 400 and "question 2 (\u201cuseful\u201d), options: a scale question has no options" in r.text
    assert org.post(edit, data={"csrf_token": csrf, "doc": "{not json"}).status_code == 400
    doc["questions"][1]["options"] = []
    doc["questions"][1]["text"] = "Was it worth your time?"
    r = org.post(edit, data={"csrf_token": csrf, "doc": json.dumps(doc)})
    assert "Saved feedback as version 2" in r.text and "Was it worth your time?" in r.text

    # the answers as CSV: one row per answer, one column per question
    with Store(world["db"]) as s:
        s.set_round(EV, "feedback", at(13), [], actor="t")
    t2, r = page(server, world["tokens"]["t-2"], "/surveys/feedback")
    t2.post(server.url + f"/p/{world['tokens']['t-2']}/surveys/feedback",
            data={"csrf_token": csrf_of(r.text), "m-3|took_place": "no", "m-3|comments": "=HYPERLINK(1)"})
    r = org.get(url + "/feedback/answers.csv")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    mine = [x for x in rows if x["participant_id"] == "t-2"]
    assert [(x["meeting_id"], x["took_place"], x["comments"], x["version"]) for x in mine] == [
        ("m-3", "no", "'=HYPERLINK(1)", "2")]  # fmt: skip


def test_the_command_line(world, tmp_path):
    db = world["db"]
    assert "usage:" in cli(db, "survey", "--help").stdout
    listed = cli(db, "survey", "list", "--event", EV, "--now", NOW).stdout
    assert "feedback  (feedback, version" in listed and "adoption" in listed
    shown = json.loads(cli(db, "survey", "show", "followup", "--event", EV, "--json").stdout)
    assert [q["id"] for q in shown["questions"]] == ["outcome", "agreement_kind", "comments"]
    copy = tmp_path / "followup.json"
    cli(db, "survey", "copy", "followup", "--event", EV, "-o", str(copy))
    doc = json.loads(copy.read_text())
    doc["questions"][0]["options"] = doc["questions"][0]["options"][:1]
    copy.write_text(json.dumps(doc))
    bad = cli(db, "survey", "save", str(copy), "--event", EV, check=False)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert "survey.questions[1].options: between 2 and 40 options" in bad.stderr
    bad = cli(db, "survey", "rounds", "--event", EV, "--set", "feedback", "--send-at", "soon", check=False)
    assert bad.returncode == 2 and "feedback, send at: 'soon' is not a date and time" in bad.stderr
    assert cli(db, "survey", "show", "nosuch", "--event", EV, check=False).returncode == 2
    out = tmp_path / "answers.csv"
    cli(db, "survey", "answers", "feedback", "--event", EV, "-o", str(out))
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert rows[0][:2] == ["participant_id", "participant"] and "took_place" in rows[0]
    with Store(db) as s:
        assert len(rows) - 1 == len(s.answers(EV, "feedback"))


def test_the_server_sends_survey_mail_on_its_own(tmp_path):
    """A running server queues what came due and delivers it, without anybody asking."""
    db = tmp_path / "tick.db"
    tokens = seed_db(db, [document(PEOPLE)])[EV]
    with Store(db) as s:
        s.save_schedule(Schedule(EV, MEETINGS))
        s.set_round(EV, "adoption", at(8), [], actor="t")
    inbox = Inbox()
    port = free_port()
    smtp = Controller(inbox, hostname="127.0.0.1", port=port)
    smtp.start()
    server = Server(db, now=NOW, extra_env={"MATCHMAKING_STANDBY_TICK": "0.3", "MATCHMAKING_SMTP_HOST": "127.0.0.1",
                                            "MATCHMAKING_SMTP_PORT": str(port)})  # fmt: skip
    try:
        deadline = time.monotonic() + 20
        while len(inbox.messages) < 4 and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(1)  # a few more ticks: nothing is sent twice
        assert sorted(m["To"] for m in inbox.messages) == sorted(f'"{p} SME" <{p}@example.org>'
                                                                 for p in ("t-1", "t-2", "s-1", "s-2"))
        assert all(tokens[m["To"].split("<")[1].split("@")[0]] in _plain(m) for m in inbox.messages)
    finally:
        server.stop()
        smtp.stop()
