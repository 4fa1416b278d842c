"""Validation problems in the reader's language: broken event files imported through the console
under ``?lang=fr`` and ``Accept-Language: de`` (the real parsers, the Flask test client, a real
SQLite file), a participant's profile refused in Spanish, a password refused in German. The record
paths (``participants[1].email``) stay as they are; the words around them are translated. The
English texts (command line, logs, every other test) are asserted unchanged."""

from __future__ import annotations

import html
import io
import json
import re

import pytest

from scheduler.domain.errors import InvalidInput
from scheduler.domain.language import load
from scheduler.files import formats
from tests.builders import document, event_block, person
from tests.webtools import PASSWORD, csrf_of, logged_in, seed_db
from webapp.i18n import CATALOGUES

EV = "i18n-problems"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """One stored event (for the portal) and olga, who imports files."""
    from webapp import create_app

    folder = tmp_path_factory.mktemp("i18n-problems")
    db = folder / "problems.db"
    tokens = seed_db(db, [document([person("t-1"), person("s-1")], [("t-1", "s-1", 2)], id=EV)])
    app = create_app({"DATABASE": str(db), "SECRET_KEY": "test", "TESTING": True, "OUTBOX_DIR": str(folder / "out"),
                      "NOW": "2027-03-01T09:00:00+00:00"})  # fmt: skip
    app.config["TOKENS"] = tokens[EV]
    return app


def words(page: str) -> str:
    """The page's text: tags gone, entities decoded, spaces collapsed."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def problems_of(page: str) -> list[str]:
    """The items of the import page's problem list."""
    block = re.search(r'id="import-problems">(.*?)</div>', page, re.S)
    assert block, words(page)[:500]
    return [words(li).strip() for li in re.findall(r"<li>(.*?)</li>", block.group(1), re.S)]


def upload(client, files: dict[str, bytes], headers: dict[str, str] | None = None, query: str = ""):
    """Post ``files`` (name -> bytes) to the console's import form; return the page and its status."""
    token = csrf_of(client.get("/events" + query, headers=headers).get_data(as_text=True))
    data = {"csrf_token": token, "files": [(io.BytesIO(b), name) for name, b in files.items()]}
    r = client.post("/events/import" + query, data=data, content_type="multipart/form-data", headers=headers)
    return r.get_data(as_text=True), r.status_code


def broken_document() -> dict:
    """Three mistakes at once: a bad e-mail, an unknown time zone, a duplicate participant id."""
    return document([person("t-1"), person("s-1", email="ana at alfa"), person("t-2", tz="Europe/Pariss"),
                     person("t-1", name="again")], [], id="broken")  # fmt: skip


SEMICOLON_CSV = "id;name;kind;timezone;available\nt-1;Alfa;traditional;Europe/Lisbon;26/03/2027 09:00-10:00\n"

# the same mistakes, in French and in German: paths unchanged, words translated
BROKEN = {
    "fr": ["participants[1].email: 'ana at alfa' n'est pas une adresse e-mail : An email address must have an @-sign.",
           "participants[2].timezone: 'Europe/Pariss' n'est pas un fuseau horaire IANA",
           "participants[3].id: identifiant de participant en double 't-1'"],
    "de": ["participants[1].email: 'ana at alfa' ist keine E-Mail-Adresse: An email address must have an @-sign.",
           "participants[2].timezone: 'Europe/Pariss' ist keine IANA-Zeitzone",
           "participants[3].id: doppelte Teilnehmerkennung 't-1'"],
}
MISSING = {"fr": ["participants: section obligatoire manquante"], "de": ["participants: Pflichtabschnitt fehlt"]}
EUROPEAN = {
    "fr": ["participants.csv line 2.available[0].date: '26/03/2027' n'est pas une date écrite AAAA-MM-JJ (YYYY-MM-DD)"],
    "de": ["participants.csv line 2.available[0].date: '26/03/2027' ist kein Datum der Form JJJJ-MM-TT (YYYY-MM-DD)"],
}
HEADING = {"fr": "3 problèmes trouvés ; rien n'a été importé", "de": "3 Probleme gefunden; nichts wurde importiert"}


def client_in(app, lang: str):
    """Olga's client and how it asks for ``lang``: French by the switcher (``?lang=fr``, kept in the
    session), German by the browser's Accept-Language alone."""
    client = logged_in(app, "olga")
    if lang == "fr":
        return client, {}, "?lang=fr"
    return client, {"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"}, ""


@pytest.mark.parametrize("lang", ["fr", "de"])
def test_an_imported_event_file_is_refused_in_the_organisers_language(app, lang):
    client, headers, query = client_in(app, lang)
    page, status = upload(client, {"broken.json": json.dumps(broken_document()).encode()}, headers, query)
    assert status == 400 and f'<html lang="{lang}">' in page
    assert problems_of(page) == BROKEN[lang]
    assert HEADING[lang] in words(page)
    assert "is not an IANA time zone" not in page and "duplicate participant id" not in page

    no_people = {"event": event_block(id="empty")}
    page, status = upload(client, {"empty.json": json.dumps(no_people).encode()}, headers, query)
    assert status == 400 and problems_of(page) == MISSING[lang]


@pytest.mark.parametrize("lang", ["fr", "de"])
def test_a_european_spreadsheet_with_a_day_first_date_is_refused_in_the_organisers_language(app, lang):
    client, headers, query = client_in(app, lang)
    files = {"event.json": json.dumps({"event": event_block(id="euro")}).encode(),
             "participants.csv": SEMICOLON_CSV.encode()}
    page, status = upload(client, files, headers, query)
    assert status == 400 and problems_of(page) == EUROPEAN[lang]


def test_the_same_import_stays_english_without_a_choice(app):
    page, status = upload(logged_in(app, "olga"), {"broken.json": json.dumps(broken_document()).encode()})
    assert status == 400 and problems_of(page) == [
        "participants[1].email: 'ana at alfa' is not an e-mail address: An email address must have an @-sign.",
        "participants[2].timezone: 'Europe/Pariss' is not an IANA time zone",
        "participants[3].id: duplicate participant id 't-1'",
    ]


def test_the_core_keeps_english_and_writes_any_language():
    """str(), message and summary() stay English (the command line); text(lang) and summary(lang)
    write the same problems from the shipped catalogues, with a plural for the count."""
    with pytest.raises(InvalidInput) as info:
        formats.parse_event_document(broken_document(), "broken.json")
    exc = info.value
    assert exc.summary().splitlines()[0] == "broken.json: 3 problems found:"
    assert [p.message for p in exc.problems][2] == "duplicate participant id 't-1'"
    french = exc.summary(load("fr", CATALOGUES)).splitlines()
    assert french == ["broken.json: 3 problèmes trouvés :", *(f"  - {line}" for line in BROKEN["fr"])]
    italian = exc.problems[2].text(load("it", CATALOGUES))
    assert italian == "participants[3].id: identificativo di partecipante duplicato 't-1'"


def test_a_profile_refused_in_spanish(app):
    """The portal's profile form: a bad zone and a day-first date, said in Spanish with the form's labels."""
    client = app.test_client()
    url = f"/p/{app.config['TOKENS']['t-1']}"
    es = {"Accept-Language": "es-ES,es;q=0.9"}
    page = client.get(url, headers=es).get_data(as_text=True)
    assert '<html lang="es">' in page
    r = client.post(url + "/profile", headers=es, data={
        "csrf_token": csrf_of(page), "name": "t-1 SME", "timezone": "europe/paris",
        "available": "2027-03-26 09:00-10:00; 26/03/2027 11:00-12:00"})
    assert r.status_code == 303
    shown = words(client.get(r.headers["Location"], headers=es).get_data(as_text=True))
    assert "Zona horaria: 'europe/paris' no es una zona horaria IANA; ¿quería decir 'Europe/Paris'?" in shown
    # the second window, counted from 1 and named with the form's label
    assert "Solo disponible el, intervalo 2: '26/03/2027' no es una fecha escrita AAAA-MM-DD (YYYY-MM-DD)" in shown
    assert "is not an IANA time zone" not in shown and "is not a date written" not in shown


def test_a_password_refused_in_german(app):
    """The staff password form: the policy's reasons and the field's name in German."""
    client = logged_in(app, "olga")
    page = client.get("/account/password?lang=de").get_data(as_text=True)
    r = client.post("/account/password", data={"csrf_token": csrf_of(page), "password": PASSWORD,
                                               "new_password": "olga-short", "repeat": "olga-short"})
    assert r.status_code == 303
    shown = words(client.get(r.headers["Location"]).get_data(as_text=True))
    assert "verwenden Sie mindestens 12 Zeichen (dieses hat 10)" in shown, shown[:800]
    assert "use at least" not in shown


def test_a_meeting_request_for_a_session_the_event_lacks_is_refused_in_spanish(app):
    """The portal's request form: a session reference that names none, said in Spanish; the
    reference and the event's sessions (data) as written."""
    client = app.test_client()
    url = f"/p/{app.config['TOKENS']['t-1']}"
    es = {"Accept-Language": "es"}
    page = client.get(url, headers=es).get_data(as_text=True)
    r = client.post(url + "/requests", headers=es, data={"csrf_token": csrf_of(page), "to": "s-1", "priority": "2",
                                                         "sessions": "lunch"})  # fmt: skip
    shown = words(client.get(r.headers["Location"], headers=es).get_data(as_text=True))
    assert "'lunch' no es una sesión: escriba un número de sesión" in shown, shown[:800]
    assert "is not a session" not in shown
