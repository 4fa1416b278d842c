"""The core's texts in the reader's language, through the real app (Flask test client, real SQLite
file): a recommendation's reasons and session labels on a participant's page, why a meeting was
not placed, the recommendations page and an import's summary on the console, a meet-now offer's
reasons for each of its two people, and a repair's reason in the mail and the invite DESCRIPTION
each participant receives (read back with the email and icalendar packages)."""

from __future__ import annotations

import email
import html
import io
import json
import re
from datetime import date, datetime, time, timedelta
from email import policy

import pytest
from icalendar import Calendar

from scheduler.domain.messages import Day, Message, dump, restore, say
from scheduler.domain.model import Meeting, Schedule
from scheduler.domain.timegrid import local_instant
from scheduler.store import Store
from tests.builders import document, person
from tests.webtools import csrf_of, logged_in, seed_db

EV = "core-i18n"
TZ = "Europe/Brussels"
SESSIONS = [{"date": "2027-03-25", "start": "09:00", "end": "12:00"},
            {"date": "2027-03-26", "start": "14:00", "end": "18:00"}]  # fmt: skip
ON_26 = [{"date": "2027-03-26", "start": "14:00", "end": "18:00"}]
PEOPLE = [
    person("t-1", name="Fromagerie Lune", needs=["demand-forecasting"], languages=["en"], locale="fr"),
    person("t-2", name="Brasserie Nord", needs=["quality-inspection"], languages=["en"], locale="de",
           available=[{"date": "2027-03-26", "start": "15:00", "end": "18:00"}]),
    person("s-1", name="Forecast Lab", offers=["demand-forecasting"], languages=["en"], locale="de", available=ON_26),
    person("s-2", name="Vision Works", offers=["computer-vision"], languages=["en"], locale="fr"),
    person("s-3", name="Data Mill", offers=["demand-forecasting"], languages=["en"], locale="de"),
]


def at(day: int, hh: int, mm: int = 0) -> datetime:
    return local_instant(date(2027, 3, day), time(hh, mm), TZ)


def meeting(mid: str, a: str, b: str, start: datetime, room: int) -> Meeting:
    return Meeting(mid, a, b, start, start + timedelta(minutes=25), room, "scheduled")


#: by hand, so the live day has a running slot and a meeting still to come: t-1 waits for s-2 at
#: 14:00 on 26 March; t-2 meets s-2 at 15:00
MEETINGS = (meeting("m-t-1-s-2", "t-1", "s-2", at(26, 14), 1), meeting("m-t-2-s-2", "t-2", "s-2", at(26, 15), 1))


def doc() -> dict:
    d = document(PEOPLE, [("t-1", "s-2", 2), ("t-2", "s-2", 2), ("t-1", "s-1", 1)], id=EV, sessions=SESSIONS)
    d["requests"][2]["sessions"] = "1"  # only the morning of 25 March, when Forecast Lab is not there
    return d


@pytest.fixture
def app_at(tmp_path):
    """``app_at(now)``: the app on a fresh copy of the event (schedule stored) with its clock at ``now``."""
    from webapp import create_app

    def make(now: str):
        db = tmp_path / "core.db"
        tokens = seed_db(db, [doc()])[EV]
        with Store(db) as s:
            s.save_schedule(Schedule(EV, MEETINGS))
        app = create_app({"DATABASE": str(db), "SECRET_KEY": "test", "TESTING": True, "COMPUTE_WAIT": 60, "NOW": now,
                          "OUTBOX_DIR": str(tmp_path / "out"), "STANDBY_TICK": 0})  # fmt: skip
        return app, db, tokens

    return make


def text_of(client, url: str) -> str:
    r = client.get(url)
    assert r.status_code == 200, r.get_data(as_text=True)[:500]
    return html.unescape(r.get_data(as_text=True))


def reasons_of(page: str, partner: str) -> str:
    """The reasons shown with the recommendation of ``partner`` (an id) on a participant's page."""
    m = re.search(rf'<li data-partner="{partner}">.*?<div class="small reasons">(.*?)</div>', page, re.S)
    assert m, f"no recommendation of {partner}"
    return m.group(1)


def test_a_participants_recommendations_and_session_labels_speak_their_language(app_at):
    app, _, tokens = app_at("2027-03-01T09:00:00+00:00")
    client = app.test_client()
    english = text_of(client, f"/p/{tokens['t-1']}?lang=en")
    assert reasons_of(english, "s-3") == "offers demand-forecasting, which you need; both speak English"  # the language named, not its code
    assert "morning of 25 March only" in english
    french = text_of(client, f"/p/{tokens['t-1']}?lang=fr")
    assert reasons_of(french, "s-3") == "propose demand-forecasting, dont vous avez besoin; vous parlez tous deux anglais"
    assert "matin du 25 mars uniquement" in french  # the request's sessions, in the request list
    assert "après-midi du 26 mars uniquement" in french  # and in the slot picker of a new request
    assert "which you need" not in french and "morning of" not in french
    # the profile's language (fr) when the browser picked none; the tag and the name are data
    fresh = text_of(app.test_client(), f"/p/{tokens['t-1']}")
    assert reasons_of(fresh, "s-3").startswith("propose demand-forecasting, dont vous avez besoin")
    # the other side reads the same reason turned to them, in German (their profile's language)
    german = text_of(app.test_client(), f"/p/{tokens['s-3']}")
    assert reasons_of(german, "t-1").startswith("braucht demand-forecasting, was Sie anbieten")
    spanish = text_of(app.test_client(), f"/p/{tokens['s-3']}?lang=es")
    assert reasons_of(spanish, "t-1").startswith("necesita demand-forecasting, que usted ofrece")


def test_the_console_says_not_placed_recommendations_and_an_import_summary_in_german(app_at):
    app, _, _ = app_at("2027-03-01T09:00:00+00:00")
    olga = logged_in(app, "olga")
    english = text_of(olga, f"/events/{EV}/not-placed?lang=en")
    assert ("restricted to the morning session of 25 March, where Forecast Lab and Fromagerie Lune have no common "
            "slot in both working hours and availability") in english  # fmt: skip
    german = text_of(olga, f"/events/{EV}/not-placed?lang=de")
    assert ("beschränkt auf die Vormittagssitzung am 25. März, wo Forecast Lab und Fromagerie Lune kein gemeinsames "
            "Zeitfenster in Arbeitszeit und Verfügbarkeit haben") in german  # fmt: skip
    assert "restricted to" not in german
    recs = text_of(olga, f"/events/{EV}/recommendations")  # the language is kept for the next pages
    assert "bietet demand-forecasting, was Fromagerie Lune braucht; Sie sprechen beide Englisch" in recs
    requests_page = text_of(olga, f"/events/{EV}/requests")
    assert "nur Vormittag am 25. März" in requests_page
    r = olga.post(f"/events/{EV}/requests/t-2/s-2/sessions", data={"sessions": "1;2", "csrf_token": csrf_of(
        requests_page)}, follow_redirects=True)  # fmt: skip
    assert "nur Vormittag am 25. März oder Nachmittag am 26. März." in html.unescape(r.get_data(as_text=True))
    # a re-import: its summary and the meetings it cancels, in German
    d = doc()
    d["participants"].append(person("t-3", name="Mühle Süd", needs=["robotics"]))
    d["participants"] = [p for p in d["participants"] if p["id"] != "t-2"]
    d["requests"] = [r for r in d["requests"] if "t-2" not in (r["from"], r["to"])]
    page = olga.get("/events?lang=de").get_data(as_text=True)
    r = olga.post("/events/import", data={"csrf_token": csrf_of(page),
                                          "files": (io.BytesIO(json.dumps(d).encode()), "event.json")},
                  content_type="multipart/form-data")  # fmt: skip
    preview = html.unescape(r.get_data(as_text=True))
    assert r.status_code == 200, preview[:500]
    assert ("1 Teilnehmende hinzugefügt, 0 geändert, 1 entfernt; 0 Anfragen hinzugefügt, 1 zurückgezogen; "
            "0 Einstellungen geändert; 1 Termine abgesagt; 2 Teilnehmende benachrichtigt") in preview  # fmt: skip
    assert "Brasserie Nord hat die Veranstaltung verlassen" in preview  # why its meeting is cancelled
    assert "participants added" not in preview and "left the event" not in preview


def test_a_meet_now_offer_gives_each_side_its_reasons_in_their_language(app_at):
    app, db, tokens = app_at("2027-03-26T13:10:00+00:00")  # 14:10 in Brussels: s-2 is 10 minutes late
    with Store(db) as s:
        s.check_in(EV, "s-3", by="s-3")
    lune = app.test_client()
    page = lune.get(f"/p/{tokens['t-1']}?lang=fr").get_data(as_text=True)
    r = lune.post(f"/p/{tokens['t-1']}/checkin", data={"csrf_token": csrf_of(page)})  # makes the offer due
    assert r.status_code == 302
    with Store(db) as s:
        [offer] = s.offers(EV, status="open")
    assert {offer["a"], offer["b"]} == {"t-1", "s-3"}
    french = text_of(lune, f"/p/{tokens['t-1']}")
    offer_html = re.search(r'<li data-offer="\d+">.*?<div class="small">(.*?)</div>', french, re.S).group(1)
    assert offer_html == "propose demand-forecasting, dont vous avez besoin; vous parlez tous deux anglais"
    mill = app.test_client()
    german = mill.get(f"/p/{tokens['s-3']}/offers.json").get_json()["offers"]
    assert german[0]["reasons"] == ["braucht demand-forecasting, was Sie anbieten", "Sie sprechen beide Englisch"]
    # the store keeps the language-independent form: English for an English reader, as before
    with Store(db) as s:
        stored = s.db.execute("SELECT reasons FROM offers").fetchone()[0]
    assert "dont vous" not in stored and json.loads(stored)[0]["msg"] == "offers {offer}, which {name} needs"
    english = mill.get(f"/p/{tokens['s-3']}/offers.json?lang=en").get_json()["offers"]
    assert english[0]["reasons"] == ["needs demand-forecasting, which you offer", "both speak English"]


def calendar_of(raw: str) -> tuple[str, str]:
    """The text part and the invite's DESCRIPTION of a queued message, read with email and icalendar."""
    msg = email.message_from_string(raw, policy=policy.default)
    text = next(p for p in msg.walk() if p.get_content_type() == "text/plain").get_content()
    ics = next(p for p in msg.walk() if p.get_content_type() == "text/calendar").get_content()
    [ev] = Calendar.from_ical(ics).walk("VEVENT")
    return text, str(ev["DESCRIPTION"])


def test_a_repair_reaches_each_participant_with_its_reason_in_their_language(app_at):
    app, db, _ = app_at("2027-03-26T13:10:00+00:00")
    olga = logged_in(app, "olga")
    page = olga.get(f"/events/{EV}").get_data(as_text=True)
    assert olga.post(f"/events/{EV}/publish", data={"csrf_token": csrf_of(page)}).status_code == 302
    with Store(db) as s:
        sent = len(s.outbox(EV))
    board = olga.get(f"/events/{EV}/board").get_data(as_text=True)
    r = olga.post(f"/events/{EV}/board/absence", data={"csrf_token": csrf_of(board), "participant": "t-2",
                                                        "mode": "gone", "apply": "1"})  # fmt: skip
    assert r.status_code == 303 and "Applied:" in olga.get(r.location).get_data(as_text=True)
    with Store(db) as s:
        rows = {(row["participant_id"], row["method"]): row for row in s.outbox(EV)[sent:]}
    assert set(rows) >= {("t-2", "CANCEL"), ("s-2", "CANCEL")}  # Brasserie Nord's 15:00 meeting is called off
    text, description = calendar_of(rows[("s-2", "CANCEL")]["message"])  # Vision Works reads French
    assert "Motif : Le planning a été réparé : Brasserie Nord absent pour le reste de la journée" in description
    assert "Motif : Le planning a été réparé : Brasserie Nord absent pour le reste de la journée" in text
    text, description = calendar_of(rows[("t-2", "CANCEL")]["message"])  # Brasserie Nord reads German
    assert "Grund: Der Plan wurde repariert: Brasserie Nord für den Rest des Tages abwesend" in description
    assert "Grund: Der Plan wurde repariert" in text and "repaired" not in description
    # a reason the webapp marks for the catalogue (not a core message) reads the same way
    board = olga.get(f"/events/{EV}/board").get_data(as_text=True)
    version = re.search(r'id="schedule-version">(\d+)<', board).group(1)
    with Store(db) as s:
        sent = len(s.outbox(EV))
    r = olga.post(f"/events/{EV}/board/meetings/m-t-1-s-2/cancel", data={"csrf_token": csrf_of(board),
                                                                        "version": version})  # fmt: skip
    assert r.status_code in (200, 303), r.get_data(as_text=True)[:300]
    with Store(db) as s:
        rows = {(row["participant_id"], row["method"]): row for row in s.outbox(EV)[sent:]}
    _, description = calendar_of(rows[("t-1", "CANCEL")]["message"])  # Fromagerie Lune reads French
    assert "Motif : Un hôte a marqué un rendez-vous comme annulé" in description
    # the board's history keeps the reason's template: each host reads it in their page's language
    french = text_of(olga, f"/events/{EV}/board?lang=fr")
    assert "Brasserie Nord absent pour le reste de la journée" in french
    english = text_of(olga, f"/events/{EV}/board?lang=en")
    assert "Brasserie Nord away for the rest of the day" in english


def test_a_stored_message_reads_back_whole_and_an_old_plain_row_as_it_is():
    from scheduler.domain.language import load
    from webapp.i18n import catalogues

    nested = Message("restricted to {sessions}, where {a} and {b} have no common slot in both working hours and "
                     "availability", a="A", b="B",
                     sessions=Message("the morning session of {day}", day=Day(date(2027, 3, 25))))  # fmt: skip
    back = restore(dump(nested))
    assert back == nested and isinstance(back, Message)
    assert say(back, load("it", catalogues())) == say(nested, load("it", catalogues()))
    assert "25 marzo" in say(back, load("it", catalogues()))
    assert restore("its slot is over") == "its slot is over"  # a row written before messages
    assert say("plain text", load("pt", catalogues())) == "plain text"  # data is never translated


def test_open_pages_hear_a_repairs_reason_in_their_own_language(tmp_path):
    """Over a real server and real Socket.IO clients: the line each open participant page gets."""
    from tests.test_sockets import Tab, until
    from tests.webtools import Server, login

    db = tmp_path / "live.db"
    tokens = seed_db(db, [doc()])[EV]
    with Store(db) as s:
        s.save_schedule(Schedule(EV, MEETINGS))
    server = Server(db, now="2027-03-26T13:10:00+00:00", extra_env={"MATCHMAKING_STANDBY_TICK": "0"})
    try:
        pages = {pid: Tab(server.url, token=tokens[pid]) for pid in ("s-2", "t-2")}  # fr and de
        host, csrf = login(server.url, "hans")
        r = host.post(server.url + f"/events/{EV}/board/absence",
                      data={"csrf_token": csrf, "participant": "t-2", "mode": "gone", "apply": "1"})  # fmt: skip
        assert r.status_code == 200 and "Applied:" in r.text
        assert until(lambda: all("agenda_changed" in p.names() for p in pages.values()))
        why = {pid: dict(p.got)["agenda_changed"]["why"] for pid, p in pages.items()}
        assert why == {"s-2": "Le planning a été réparé : Brasserie Nord absent pour le reste de la journée",
                       "t-2": "Der Plan wurde repariert: Brasserie Nord für den Rest des Tages abwesend"}
        for p in pages.values():
            p.close()
    finally:
        server.stop()
