"""The organiser console in the staff member's language: the overview (phase, next step, figures,
the progress words handed to console.js), the participants page and the settings form with an
error, in German and French, through the Flask test client on a real SQLite file."""

from __future__ import annotations

import html
import json
import re

import pytest

from tests.builders import document, person
from tests.webtools import PASSWORD, csrf_of, seed_db

EV = "i18n-console"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """A draft event of four SMEs and one request, no schedule yet; olga organises it."""
    from webapp import create_app

    folder = tmp_path_factory.mktemp("i18n-console")
    db = folder / "console.db"
    seed_db(db, [document([person("t-1"), person("t-2"), person("s-1"), person("s-2")], [("t-1", "s-1", 2)], id=EV)])
    return create_app({"DATABASE": str(db), "SECRET_KEY": "test", "TESTING": True, "OUTBOX_DIR": str(folder / "out"),
                       "NOW": "2027-03-01T09:00:00+00:00"})  # fmt: skip


def organiser(app, lang: str):
    """Olga's logged-in test client whose pages speak ``lang`` (chosen once with ``?lang=``, then kept)."""
    client = app.test_client()
    token = csrf_of(client.get("/login").get_data(as_text=True))
    r = client.post("/login", data={"username": "olga", "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 302, r.get_data(as_text=True)
    assert f'<html lang="{lang}">' in client.get(f"/events?lang={lang}").get_data(as_text=True)
    return client


def text(page: str) -> str:
    """The page's words without tags, entities decoded and spaces collapsed."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


OVERVIEW = {  # the phase, the next step (no schedule yet), a figure's label, a tab, a download
    "de": ("Entwurf", "Nächster Schritt", "Den Zeitplan erstellen", "Teilnehmende", "Postausgang", "Zeitplan (CSV)"),
    "fr": ("Brouillon", "Étape suivante", "Générer le planning", "participants", "Boîte d'envoi", "Planning (CSV)"),
}
PROGRESS = {  # what console.js shows of a solve that runs outside any request: filled in the browser
    "de": ("Fertig in {seconds} s.", "Termine werden eingeplant", "%(n)d Termine bisher eingeplant."),
    "fr": ("Terminé en {seconds} s.", "Placement des rendez-vous", "%(n)d rendez-vous placés jusqu'ici."),
}


@pytest.mark.parametrize("lang", ["de", "fr"])
def test_the_overview_speaks_the_staff_members_language(app, lang):
    r = organiser(app, lang).get(f"/events/{EV}")
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and f'<html lang="{lang}">' in page
    words = text(page)
    for expected in OVERVIEW[lang]:
        assert expected in words, expected
    assert re.search(r'id="next-action">([^<]*)<', page).group(1) == OVERVIEW[lang][2]
    for english in ("Next step", "Generate the schedule", "Publish invites", "Host board", "cross-border meetings"):
        assert english not in words, english
    labels = json.loads(re.search(r'<script type="application/json" id="i18n">(.*?)</script>', page, re.S).group(1))
    # console.js fills the placeholders from each message: no English left in the script
    assert (labels["done"], labels["sentences"]["phases"]["select"], labels["sentences"]["so_far"]) == PROGRESS[lang]


def test_the_overview_stays_english_without_a_choice(app):
    client = app.test_client()
    token = csrf_of(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"username": "olga", "password": PASSWORD, "csrf_token": token})
    words = text(client.get(f"/events/{EV}").get_data(as_text=True))
    assert "Next step" in words and "Generate the schedule" in words and "Draft" in words


PARTICIPANTS = {
    "de": ("Teilnehmende Person hinzufügen", "Persönlicher Link", "Traditionelle KMU", "traditionell"),
    "fr": ("Ajouter un participant", "Lien personnel", "PME traditionnelles", "traditionnelle"),
}


@pytest.mark.parametrize("lang", ["de", "fr"])
def test_the_participants_page_in_german_and_french(app, lang):
    page = organiser(app, lang).get(f"/events/{EV}/participants").get_data(as_text=True)
    words = text(page)
    for expected in PARTICIPANTS[lang]:
        assert expected in words, expected
    assert "Add a participant" not in words and "Personal link" not in words
    assert '<span class="tag traditional">' in page  # the kind stays the CSS class; only its word is translated


SETTINGS = {
    "de": ("Einstellungen der Veranstaltung", "Nichts wurde gespeichert:", "Virtuelle Räume"),
    "fr": ("Paramètres de l'événement", "Rien n'a été enregistré :", "Salles virtuelles"),
}


@pytest.mark.parametrize("lang", ["de", "fr"])
def test_the_settings_form_with_an_error_in_german_and_french(app, lang):
    client = organiser(app, lang)
    form_page = client.get(f"/events/{EV}/settings/edit").get_data(as_text=True)
    form = dict(re.findall(r'<input[^>]*name="(\w+)"[^>]*value="([^"]*)"', form_page))
    r = client.post(f"/events/{EV}/settings/edit", data={**form, "csrf_token": csrf_of(form_page), "rooms": "many"})
    page = r.get_data(as_text=True)
    assert r.status_code == 400 and f'<html lang="{lang}">' in page
    words = text(page)
    for expected in SETTINGS[lang]:
        assert expected in words, expected
    assert "event.rooms" in re.search(r'id="settings-problems".*?</div>', page, re.S).group(0)  # names the field
    assert "Nothing was saved" not in words and "Event settings" not in words
