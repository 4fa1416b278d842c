"""The event's settings for a newcomer: the event's default language on the settings form (saved
like every other setting: one transaction, an audit record) and the Settings tab in words, each
setting with what it does, in English, French and German, through the Flask test client on a real
SQLite file and the real HTML parser."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import pytest

from scheduler.domain.language import LANGUAGES
from scheduler.store import Store
from tests.builders import document, person
from tests.webtools import PASSWORD, csrf_of, seed_db

EV, STRICT = "words-fair", "strict-fair"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """Two draft events: EV as imported by default (unless_declined, 72 hours, no language), STRICT
    with accepted_only, 1.5 hours, same-kind meetings allowed and German as its language."""
    from webapp import create_app

    folder = tmp_path_factory.mktemp("settings-words")
    db = folder / "w.db"
    people = [person("t-1"), person("t-2"), person("s-1"), person("s-2")]
    seed_db(db, [document(people, [("t-1", "s-1", 2)], id=EV),
                 document(people, [], id=STRICT, request_policy="accepted_only", request_ttl_hours=1.5,
                          allow_same_kind=True, language="de")])  # fmt: skip
    app = create_app({"DATABASE": str(db), "SECRET_KEY": "test", "TESTING": True, "OUTBOX_DIR": str(folder / "out"),
                      "NOW": "2027-03-01T09:00:00+00:00"})  # fmt: skip
    return app, db


def organiser(app, lang: str = "en"):
    """Olga logged in through the form, her pages in ``lang`` (chosen once with ``?lang=``, then kept)."""
    client = app.test_client()
    token = csrf_of(client.get("/login").get_data(as_text=True))
    assert client.post("/login", data={"username": "olga", "password": PASSWORD, "csrf_token": token}).status_code == 302
    client.get(f"/events?lang={lang}")
    return client


class FormFields(HTMLParser):
    """What a browser would submit from the page's ``#settings-form``: inputs, checked boxes,
    textareas and each select's selected option; and each select's options as (value, label)."""

    def __init__(self):
        super().__init__()
        self.fields: dict[str, str] = {}
        self.options: dict[str, list[tuple[str, str]]] = {}
        self._in_form = False
        self._select = self._option = self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("id") == "settings-form":
            self._in_form = True
        if not self._in_form:
            return
        if tag == "input" and a.get("name") and (a.get("type") != "checkbox" or "checked" in a):
            self.fields[a["name"]] = a.get("value") or ""
        elif tag == "textarea":
            self._textarea = a["name"]
            self.fields[self._textarea] = ""
        elif tag == "select":
            self._select = a["name"]
            self.options[self._select] = []
        elif tag == "option":
            self._option = [a.get("value"), ""]
            if "selected" in a:
                self.fields[self._select] = a.get("value")

    def handle_data(self, data):
        if self._option is not None:
            self._option[1] += data
        elif self._textarea:
            self.fields[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_form = False
        elif tag == "option" and self._option is not None:
            value, label = self._option
            self.options[self._select].append((value if value is not None else label.strip(), label.strip()))
            self._option = None
        elif tag == "textarea":
            self._textarea = None


def settings_form(client, event_id: str) -> FormFields:
    parser = FormFields()
    parser.feed(client.get(f"/events/{event_id}/settings/edit").get_data(as_text=True))
    return parser


def text(page: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def setting(page: str, key: str) -> tuple[str, str]:
    """The Settings tab's value of one setting and its one-line meaning, as read on the page."""
    m = re.search(rf'<dd id="setting-{key}">(.*?)<br><span class="muted small">(.*?)</span></dd>', page, re.S)
    assert m, key
    return html.unescape(m.group(1)).strip(), html.unescape(m.group(2)).strip()


def test_the_event_language_is_chosen_on_the_settings_form_and_saved_with_an_audit_record(world):
    app, db = world
    client = organiser(app)
    form = settings_form(client, EV)
    assert form.options["language"] == list(LANGUAGES.items())  # each language named in itself
    assert form.fields["language"] == "en"  # none set: English, as the mails are
    assert form.fields["request_policy"] == "unless_declined"  # the values stay; the words are new
    assert dict(form.options["request_policy"])["unless_declined"] == "Pending requests are scheduled unless declined"

    r = client.post(f"/events/{EV}/settings/edit", data={**form.fields, "csrf_token": form.fields["csrf_token"],
                                                          "language": "fr"}, follow_redirects=True)  # fmt: skip
    words = text(r.get_data(as_text=True))
    assert "The event settings: saved" in words, words
    with Store(db) as store:
        assert store.event(EV).extra["language"] == "fr"
        edits = [r for r in store.audit_log(EV) if r["action"] == "event_edit"]
    assert len(edits) == 1 and edits[0]["actor"] == "olga"
    assert edits[0]["detail"]["settings"] == [["language", "", "fr"]]  # the one setting changed, no default written
    from webapp.i18n import mail_languages

    with Store(db) as store:  # a participant without a language of their own now gets French mail
        assert mail_languages(store.load(EV))("t-1").code == "fr"
    assert setting(client.get(f"/events/{EV}/setup").get_data(as_text=True), "language")[0] == "Français"
    assert settings_form(client, EV).fields["language"] == "fr"


@pytest.mark.parametrize(("lang", "says"), [("en", "event.language: choose one of en, fr, de, es, it, pt (got 'xx')"),
                                            ("fr", "event.language: choisissez parmi en, fr, de, es, it, pt (reçu 'xx')")])
def test_a_language_not_shipped_is_refused_naming_the_field_and_nothing_changes(world, lang, says):
    app, db = world
    client = organiser(app, lang)
    form = settings_form(client, STRICT)
    with Store(db) as store:
        before = (store.event(STRICT).extra.get("language"), len(store.audit_log(STRICT)))
    r = client.post(f"/events/{STRICT}/settings/edit", data={**form.fields, "language": "xx"})
    assert r.status_code == 400 and says in text(r.get_data(as_text=True))
    with Store(db) as store:
        assert (store.event(STRICT).extra.get("language"), len(store.audit_log(STRICT))) == before == ("de", 1)


SETTINGS = {  # event, language -> setting -> its value in words
    (EV, "en"): {"request_policy": "Pending requests are scheduled unless declined", "request_ttl_hours": "72 hours",
                 "allow_same_kind": "not allowed", "slots": "25 minutes, with 5 minutes between",
                 "compactness": "idle slots and sessions attended", "retention_days": "180 days"},
    (EV, "fr"): {"request_policy": "Les demandes en attente sont planifiées sauf si elles sont refusées",
                 "request_ttl_hours": "72 heures"},
    (STRICT, "en"): {"request_policy": "Only accepted requests are scheduled (and those both sides asked for)",
                     "request_ttl_hours": "1.5 hours", "allow_same_kind": "allowed", "language": "Deutsch"},
    (STRICT, "de"): {"request_policy": "Nur angenommene Anfragen werden eingeplant (und solche, die beide Seiten "
                                       "gestellt haben)", "request_ttl_hours": "1,5 Stunden", "allow_same_kind": "erlaubt",
                     "language": "Deutsch"},
}  # fmt: skip
SESSIONS = {"en": "Friday 26 March 2027, 09:00–13:00", "fr": "vendredi 26 mars 2027, 09:00–13:00",
            "de": "Freitag, 26. März 2027, 09:00–13:00"}  # fmt: skip


@pytest.mark.parametrize(("event_id", "lang"), list(SETTINGS))
def test_the_settings_tab_shows_every_setting_in_words_with_what_it_does(world, event_id, lang):
    app, _db = world
    page = organiser(app, lang).get(f"/events/{event_id}/setup").get_data(as_text=True)
    assert f'<html lang="{lang}">' in page
    for key, words in SETTINGS[(event_id, lang)].items():
        assert setting(page, key)[0] == words, key
    shown = re.findall(r'<dd id="setting-(\w+)">', page)
    assert shown == ["id", "language", "timezone", "slots", "rooms", "max_meetings", "allow_same_kind", "compactness",
                     "request_policy", "request_ttl_hours", "video_url_template", "auto_repair", "standby_minutes",
                     "waitlist", "retention_days"]  # fmt: skip
    meanings = [setting(page, key)[1] for key in shown]
    assert all(meanings) and len(set(meanings)) == len(meanings)  # one line of its own each
    words = text(page)
    for raw in ("unless_declined", "accepted_only", "72.0"):  # the stored values
        assert raw not in words, raw
    assert re.findall(r'<ol class="sessions-list"><li>(.*?)</li>', page) == [SESSIONS[lang]]
