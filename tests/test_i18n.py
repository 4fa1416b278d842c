"""Languages: catalogues complete for every shipped language, dates by Babel, participants' pages,
survey and error pages in French over a real server, and an invite mailed in German."""

from __future__ import annotations

import email
import html
import re
from dataclasses import replace
from datetime import UTC, datetime
from email import policy
from pathlib import Path

import pytest
import requests
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from icalendar import Calendar

from scheduler.domain.language import LANGUAGES, load
from scheduler.domain.model import Schedule
from scheduler.invitations.delivery import build_message
from scheduler.invitations.ical import contexts
from scheduler.store import Store
from tests.builders import build, document, person
from tests.conftest import ROOT
from tests.test_surveys_rounds import EV, MEETINGS, at
from tests.webtools import Server, csrf_of, seed_db
from webapp.i18n import CATALOGUES, mail_languages

SHIPPED = [code for code in LANGUAGES if code != "en"]
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w+\}")


def extracted() -> set[str]:
    """Every msgid of the code and templates, extracted as `make translations` does (babel.cfg)."""
    with open(ROOT / "babel.cfg") as f:
        method_map, options_map = parse_mapping_cfg(f)
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "N_": None}
    return {msg[2] if isinstance(msg[2], str) else msg[2][0]
            for msg in extract_from_dir(str(ROOT), method_map, options_map, keywords=keywords)
            if not str(msg[0]).startswith((".venv", "tests"))}  # fmt: skip


@pytest.mark.parametrize("lang", SHIPPED)
def test_every_interface_string_is_translated(lang):
    """A string added to a template or a view without its translation fails here (run `make translations`)."""
    folder = Path(CATALOGUES) / lang / "LC_MESSAGES"
    with (folder / "messages.po").open("rb") as f:
        po = read_po(f, locale=lang)
    have = {m.id if isinstance(m.id, str) else m.id[0]: m for m in po if m.id}
    missing = extracted() - set(have)
    assert not missing, f"not in the {lang} catalogue (run `make translations` and translate): {sorted(missing)}"
    for key, m in have.items():
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        assert all(s.strip() for s in strings), f"{lang}: no translation for {key!r}"
        assert all(sorted(PLACEHOLDER.findall(s)) == sorted(PLACEHOLDER.findall(key)) for s in strings[:1]), (
            f"{lang}: the placeholders of {key!r} differ in {strings[0]!r}")
        assert "fuzzy" not in m.flags, f"{lang}: {key!r} is marked fuzzy"
    with (folder / "messages.mo").open("rb") as f:
        mo = read_mo(f)
    compiled = {m.id if isinstance(m.id, str) else m.id[0]: tuple(m.string) if m.pluralizable else m.string
                for m in mo if m.id}  # fmt: skip
    assert compiled == {k: m.string for k, m in have.items()}, f"{lang}: messages.mo is older than messages.po"


@pytest.mark.parametrize(("lang", "full", "short"), [
    ("fr", "jeudi 25 mars 2027 à 09:00", "jeu. 25 mars 09:00"),
    ("de", "Donnerstag, 25. März 2027 um 09:00", "Do., 25. März 09:00"),
    ("es", "jueves, 25 de marzo de 2027 a las 09:00", "jue, 25 mar 09:00"),
    ("en", "Thursday 25 March 2027 at 09:00", "Thu 25 Mar 09:00"),
])  # fmt: skip
def test_dates_are_written_in_the_readers_language_and_zone(lang, full, short):
    instant = datetime(2027, 3, 25, 8, 0, tzinfo=UTC)  # 09:00 in Brussels
    language = load(lang, CATALOGUES)
    assert language.when(instant, "Europe/Brussels") == full
    assert language.when(instant, "Europe/Brussels", "short") == short
    assert language.when(datetime(2027, 12, 3, 8, tzinfo=UTC), "Europe/Brussels", "weekday") == {
        "fr": "vendredi 3 décembre", "de": "Freitag, 3. Dezember", "es": "viernes, 3 de diciembre",
        "en": "Friday 3 December"}[lang]  # fmt: skip


def test_a_repeated_hour_keeps_its_offset_in_every_language():
    first, second = datetime(2027, 10, 31, 0, 30, tzinfo=UTC), datetime(2027, 10, 31, 1, 30, tzinfo=UTC)
    fr = load("fr", CATALOGUES)
    assert fr.when(first, "Europe/Lisbon", "time") == "01:30 WEST"
    assert fr.when(second, "Europe/Lisbon", "time") == "01:30 WET"


def test_an_invite_for_a_participant_who_reads_german():
    data = build([person("t-1", locale="de", contact="Frau Weber"), person("s-1", country="FR")],
                 id=EV, language="fr")  # the event's own language is French; t-1 chose German
    assert data.by_id()["t-1"].locale == "de"
    ctx_for = contexts(data.event, {"t-1": "tok-1", "s-1": "tok-2"}, "https://b2b.example", None, mail_languages(data))
    people = data.by_id()
    m = replace(MEETINGS[3], a="t-1", b="s-1")
    stamp = datetime(2027, 3, 1, tzinfo=UTC)
    raw = build_message(ctx_for("t-1"), m, people["t-1"], people["s-1"], 0, stamp, "REQUEST", "events@b2b.example")
    msg = email.message_from_bytes(raw.as_bytes(), policy=policy.default)
    assert str(msg["Subject"]) == "Einladung: B2B-Termin: t-1 SME <> s-1 SME, Fr., 26. März 10:30 (Europe/Brussels)"
    text = msg.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert text.startswith("Guten Tag Frau Weber,\n\nTest event\nIhre Zeit: Freitag, 26. März 2027, 10:30-10:55")
    assert "Sie treffen s-1 SME (Technologieanbieter, FR)" in text and "Ihre Agenda: https://b2b.example/p/tok-1" in text
    ics = next(p for p in msg.walk() if p.get_content_type() == "text/calendar").get_content()
    event = Calendar.from_ical(ics).walk("VEVENT")[0]  # still a valid iCalendar document
    assert str(event["SUMMARY"]) == "B2B-Termin: t-1 SME <> s-1 SME" and event.decoded("DTSTART") == m.start
    assert "Ihre Zeit: Freitag, 26. März 2027, 10:30-10:55 (Europe/Brussels)" in str(event["DESCRIPTION"])
    # the partner chose nothing: the event's language (French)
    other = build_message(ctx_for("s-1"), m, people["s-1"], people["t-1"], 0, stamp, "REQUEST", "events@b2b.example")
    assert str(other["Subject"]).startswith("Invitation : Rendez-vous B2B : s-1 SME <> t-1 SME, ven. 26 mars 10:30")


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    db = tmp_path_factory.mktemp("i18n") / "i18n.db"
    doc = document([person("t-1"), person("t-2"), person("s-1"), person("s-2"), person("s-mute", email="")],
                   id=EV, organiser_email="team@cluster.example", organiser_name="Cluster team")  # fmt: skip
    tokens = seed_db(db, [doc])[EV]
    with Store(db) as s:
        s.save_schedule(Schedule(EV, MEETINGS))
    server = Server(db, now="2027-03-27T10:00:00+01:00", extra_env={"MATCHMAKING_STANDBY_TICK": "0"})
    yield server, tokens
    server.stop()


def test_the_participants_page_follows_the_browser_and_the_switcher(world):
    server, tokens = world
    url = server.url + f"/p/{tokens['t-1']}"
    fr = requests.get(url, headers={"Accept-Language": "fr-BE,fr;q=0.9,en;q=0.5"})
    assert fr.status_code == 200 and '<html lang="fr">' in fr.text
    assert "Mes rendez-vous" in fr.text and "Demandes de rendez-vous" in fr.text and "My meetings" not in fr.text
    assert "vendredi 26 mars" in fr.text  # the agenda's days in French
    for code, name in LANGUAGES.items():  # the switcher: every language, named in itself
        assert (f'hreflang="{code}"' in fr.text) == (code != "fr") and name in fr.text
    s = requests.Session()  # an English browser that picks Italiano, then keeps it
    assert "Le mie riunioni" not in s.get(url).text
    it = s.get(url + "?lang=it")
    assert '<html lang="it">' in it.text and "I miei incontri" in it.text
    assert "I miei incontri" in s.get(url, headers={"Accept-Language": "en"}).text


def test_the_profile_language_wins_over_the_browser(world):
    server, tokens = world
    s = requests.Session()
    url = server.url + f"/p/{tokens['t-2']}"
    page = s.get(url, headers={"Accept-Language": "en"}).text
    assert '<select name="locale" id="locale">' in page
    r = s.post(url + "/profile", data={"csrf_token": csrf_of(page), "name": "t-2 SME", "locale": "de"})
    assert r.status_code == 200 and "Profil gespeichert." in r.text
    again = requests.get(url, headers={"Accept-Language": "en"})
    assert '<html lang="de">' in again.text and "Meine Termine" in again.text
    assert '<option value="de" lang="de" selected>' in again.text
    with Store(server.db) as store:
        assert store.load(EV).by_id()["t-2"].locale == "de"


def test_a_survey_page_in_french(world):
    server, tokens = world
    r = requests.get(server.url + f"/p/{tokens['s-1']}/surveys/feedback", headers={"Accept-Language": "fr"})
    assert r.status_code == 200 and '<html lang="fr">' in r.text
    assert "← Mon agenda" in r.text and ("Envoyer mes réponses" in r.text or "Cette enquête" in r.text)


def test_a_link_that_does_not_work_says_so_in_french(world):
    server, tokens = world
    r = requests.get(server.url + "/p/not-a-real-token", headers={"Accept-Language": "fr"})
    assert r.status_code == 404 and '<html lang="fr">' in r.text
    assert "Ce lien ne fonctionne plus" in r.text and "Demandez un nouveau lien à votre organisateur" in r.text
    assert "team@cluster.example" not in r.text  # this browser never opened a link of the event
    s = requests.Session()
    s.get(server.url + f"/p/{tokens['t-1']}")
    known = s.get(server.url + "/p/revoked-or-mistyped", headers={"Accept-Language": "fr"})
    assert known.status_code == 404 and 'href="mailto:team@cluster.example"' in known.text


@pytest.mark.parametrize(("method", "path", "status", "words"), [
    ("get", "/no/such/page", 404, "Page introuvable"),
    ("put", "/login", 405, "Cela n'a pas fonctionné"),
    ("post", "/login", 400, "Cela n'a pas fonctionné"),  # no CSRF token
])  # fmt: skip
def test_error_pages_in_the_pages_language(world, method, path, status, words):
    server, _ = world
    r = getattr(requests, method)(server.url + path, headers={"Accept-Language": "fr"})
    assert r.status_code == status and words in html.unescape(r.text) and '<html lang="fr">' in r.text
    assert 'id="back"' in r.text and "Traceback" not in r.text


def test_survey_mail_in_the_readers_language():
    from scheduler.invitations.surveymail import plan_survey_mail
    from scheduler.surveys.builtin import BUILTIN
    from scheduler.surveys.rounds import Round

    data = build([person("t-1", locale="it"), person("s-1")], id=EV, language="es")
    meetings = [replace(MEETINGS[0], a="t-1", b="s-1")]
    rnd = Round("feedback", "", at(14), (at(15),))
    rows, skipped = plan_survey_mail(data, meetings, {"feedback": BUILTIN["feedback"]}, [rnd], {}, {},
                                     {"t-1": "tok-1", "s-1": "tok-2"}, "https://b2b.example", at(16), "e@b2b.example",
                                     CATALOGUES)  # fmt: skip
    texts = {r["participant_id"]: email.message_from_string(r["message"], policy=policy.default) for r in rows}
    assert not skipped and set(texts) == {"t-1", "s-1"}
    italian = texts["t-1"].get_body(("plain",)).get_content()
    assert "Gentile t-1 SME," in italian and "il suo incontro con s-1 SME il ven 26 mar 09:00 (Europe/Brussels)" in italian
    spanish = texts["s-1"].get_body(("plain",)).get_content()  # no locale of their own: the event's
    assert "Estimado/a s-1 SME:" in spanish and "Este enlace es personal" in spanish
