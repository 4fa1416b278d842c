"""Words a newcomer found English (or raw) on French pages: the console's schedule grid and a
participant's day, the staff member's role, a directory's request status and languages, names
joined in a live reason. Flask test client on a real SQLite file; a real store for the schedule."""

from __future__ import annotations

import html
import re

import pytest

from scheduler.domain.language import load
from scheduler.domain.messages import Message, dump, joined, restore, say
from scheduler.domain.model import Meeting, Schedule
from scheduler.domain.timegrid import build_slots
from scheduler.store import Store
from tests.builders import document, person
from tests.webtools import PASSWORD, csrf_of, seed_db
from webapp.i18n import catalogues

EV = "words-found"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """Four SMEs, a meeting on Thursday 25 March 2027, a pending request t-2 -> s-1."""
    from webapp import create_app

    folder = tmp_path_factory.mktemp("words")
    db = folder / "w.db"
    doc = document([person("t-1", languages=["en", "hu"]), person("t-2"), person("s-1", languages=["en", "hu"]),
                    person("s-2")], [("t-2", "s-1", 2)], id=EV,
                   sessions=[{"date": "2027-03-25", "start": "09:00", "end": "12:00"}])  # fmt: skip
    tokens = seed_db(db, [doc])[EV]
    with Store(db) as s:
        slot = build_slots(s.event(EV))[0]
        s.save_schedule(Schedule(EV, (Meeting("m1", "t-1", "s-2", slot.start, slot.end, 1),)))
    app = create_app({"DATABASE": str(db), "SECRET_KEY": "test", "TESTING": True, "OUTBOX_DIR": str(folder / "out"),
                      "NOW": "2027-03-01T09:00:00+00:00"})  # fmt: skip
    return app, tokens


def words(page: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def organiser(app):
    client = app.test_client()
    token = csrf_of(client.get("/login").get_data(as_text=True))
    assert client.post("/login", data={"username": "olga", "password": PASSWORD, "csrf_token": token}).status_code == 302
    return client


def test_the_schedule_grid_and_a_participants_day_are_dated_in_the_consoles_language(world):
    app, _ = world
    client = organiser(app)
    french = words(client.get(f"/events/{EV}/schedule?lang=fr").get_data(as_text=True))
    assert "jeu. 25 mars" in french and "Thu 25 Mar" not in french
    day = words(client.get(f"/events/{EV}/participants/t-1?lang=fr").get_data(as_text=True))
    assert "jeu. 25 mars 09:00" in day and "Thu" not in day
    english = words(client.get(f"/events/{EV}/schedule?lang=en").get_data(as_text=True))
    assert "Thu 25 Mar 09:00" in english  # English as before


def test_the_staff_members_role_is_a_word_of_the_page(world):
    app, _ = world
    page = words(organiser(app).get("/events?lang=fr").get_data(as_text=True))
    assert "olga · organisateur" in page and "· organiser" not in page


def test_the_directory_says_statuses_and_languages_in_words(world):
    app, tokens = world
    client = app.test_client()
    page = words(client.get(f"/p/{tokens['t-2']}/directory?lang=fr").get_data(as_text=True))
    assert "en attente" in page and "pending" not in page  # the request t-2 made to s-1
    assert "parle anglais, hongrois" in page  # s-1's languages, named
    raw = client.get(f"/p/{tokens['t-2']}/directory?lang=fr").get_data(as_text=True)
    assert re.search(r'<option value="hu"\s*>hongrois</option>', raw)  # the language filter, named too


def test_names_are_joined_in_the_readers_language_and_stored_whole():
    fr, de = (load(code, catalogues()) for code in ("fr", "de"))
    two = Message("a meeting of {names} was cancelled", names=joined(["Silva Labs GmbH", "Hansen Metallbau SL"]))
    assert str(two) == "a meeting of Silva Labs GmbH and Hansen Metallbau SL was cancelled"
    assert say(two, fr) == "un rendez-vous de Silva Labs GmbH et Hansen Metallbau SL a été annulé"
    assert say(restore(dump(two)), de).count(" und ") == 1
    assert say(joined(["A", "B", "C"]), fr) == "A, B et C" and joined(["A"]) == "A" and joined([]) == ""
