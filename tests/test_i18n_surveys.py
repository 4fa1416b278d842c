"""The surveys and the pilot report in the reader's language: a French participant's survey page
(texts, options, error messages, the portal's survey button) through the Flask test client, answers
stored exactly as an English participant's; an organiser's edited copy shown in its own words under
?lang=fr; the console's Surveys and Results pages in French; survey mail in German and French
received by a real SMTP server; ``run.py report --lang fr`` and the event's own language."""

from __future__ import annotations

import email.policy
from datetime import UTC, datetime
from email.utils import parseaddr

import openpyxl
import pytest
from aiosmtpd.controller import Controller

from scheduler.domain.model import Schedule
from scheduler.store import Store
from scheduler.surveys.builtin import BUILTIN
from scheduler.surveys.model import survey_from_dict, survey_to_dict
from tests.builders import document, person
from tests.test_i18n_console import text
from tests.test_invites import Inbox
from tests.test_pilot_kpis import ADOPTERS, adoption_answers
from tests.test_report import run
from tests.test_surveys_rounds import EV, MEETINGS, at
from tests.test_surveys_web import cli
from tests.webtools import csrf_of, free_port, logged_in, seed_db

NOW = "2027-03-27T10:00:00+01:00"  # the day after the event
#: t-1 reads French (their profile), s-1 and t-2 have no language set (the page's or English)
PEOPLE = [person("t-1", locale="fr"), person("t-2"), person("s-1"), person("s-2"), person("s-mute", email="")]
COPY = "meeting_check"  # the organiser's own copy of the feedback survey


def organisers_copy() -> dict:
    """The feedback survey as an organiser edited it: a new title and first question, the rest untouched."""
    doc = survey_to_dict(BUILTIN["feedback"])
    doc["id"], doc["title"], doc["intro"] = COPY, "Your meeting, in short", ""
    doc["questions"][0]["text"] = "Did it take place?"
    return doc


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    from webapp import create_app

    folder = tmp_path_factory.mktemp("i18n-surveys")
    db = folder / "s.db"
    tokens = seed_db(db, [document(PEOPLE)])[EV]
    with Store(db) as s:
        s.save_schedule(Schedule(EV, MEETINGS))
        s.save_survey(EV, survey_from_dict(organisers_copy()), actor="olga", now=at(12))
        for sid in ("adoption", "feedback", COPY):
            s.set_round(EV, sid, at(14), [], actor="olga", now=at(12))
    flask_app = create_app({"DATABASE": str(db), "SECRET_KEY": "test", "TESTING": True, "COMPUTE_WAIT": 60, "NOW": NOW,
                            "OUTBOX_DIR": str(folder / "out")})  # fmt: skip
    return flask_app, db, tokens


def answer(client, token: str, survey: str, form: dict[str, object], query: str = ""):
    """Post ``form`` (field -> value or list) to my survey page with the page's CSRF token."""
    page = client.get(f"/p/{token}/surveys/{survey}{query}").get_data(as_text=True)
    return client.post(f"/p/{token}/surveys/{survey}", data={"csrf_token": csrf_of(page), **form})


FORM = {"m-1|took_place": "partly", "m-1|useful": "4", "m-1|next_step": "visit", "m-1|comments": "Bon échange"}


def test_a_french_participant_reads_french_and_stores_what_an_english_one_stores(app):
    flask_app, db, tokens = app
    fr, en = flask_app.test_client(), flask_app.test_client()
    page = fr.get(f"/p/{tokens['t-1']}/surveys/feedback").get_data(as_text=True)
    words = text(page)
    assert '<html lang="fr">' in page
    for french in ("Comment s'est passé votre rendez-vous ?", "Trois questions sur ce rendez-vous.",
                   "Le rendez-vous a-t-il eu lieu ?", "En partie (en retard ou écourté)", "Oui", "Non",
                   "Quelle a été son utilité ?", "1 = pas utile", "5 = très utile", "Une visite ou une démonstration",
                   "Commentaires (facultatif)"):  # fmt: skip
        assert french in words, french
    for english in ("Did the meeting take place?", "Partly (late or cut short)", "A visit or demo"):
        assert english not in words
    assert 'value="partly"' in page and 'value="visit"' in page  # the values sent stay the option ids
    english = text(en.get(f"/p/{tokens['s-1']}/surveys/feedback").get_data(as_text=True))
    assert "Did the meeting take place?" in english and "Partly (late or cut short)" in english

    assert answer(fr, tokens["t-1"], "feedback", FORM).status_code == 302
    assert answer(en, tokens["s-1"], "feedback", FORM).status_code == 302
    with Store(db) as s:
        (mine,) = [a for a in s.answers(EV, "feedback", "t-1") if a.meeting_id == "m-1"]
        (theirs,) = [a for a in s.answers(EV, "feedback", "s-1") if a.meeting_id == "m-1"]
    assert dict(mine.values) == dict(theirs.values) == {
        "took_place": "partly", "useful": 4, "next_step": "visit", "comments": "Bon échange"}  # fmt: skip
    assert mine.version == theirs.version == 1
    again = text(fr.get(f"/p/{tokens['t-1']}/surveys/feedback?thanks=1").get_data(as_text=True))
    assert "Merci" in again and "Le rendez-vous a-t-il eu lieu ?" in again


@pytest.mark.parametrize(("who", "query", "required", "scale"), [
    ("t-1", "", "Veuillez répondre à cette question.", "Doit être un nombre entier de 1 à 5."),
    ("t-2", "?lang=de", "Bitte beantworten Sie diese Frage.", "Muss eine ganze Zahl von 1 bis 5 sein."),
])  # fmt: skip
def test_wrong_answers_are_explained_in_the_page_language(app, who, query, required, scale):
    flask_app, _, tokens = app
    meeting = "m-4" if who == "t-1" else "m-3"
    r = answer(flask_app.test_client(), tokens[who], "feedback", {f"{meeting}|useful": "9"}, query)
    words = text(r.get_data(as_text=True))
    assert r.status_code == 400 and required in words and scale in words
    assert "Please answer this question." not in words and "Must be a whole number" not in words


def test_nothing_answered_is_said_in_french(app):
    flask_app, _, tokens = app
    r = answer(flask_app.test_client(), tokens["t-1"], "feedback", {"m-4|comments": ""})
    assert r.status_code == 400 and "Veuillez répondre à au moins une question." in text(r.get_data(as_text=True))


def test_the_portal_survey_button_names_the_survey_in_french(app):
    flask_app, _, tokens = app
    words = text(flask_app.test_client().get(f"/p/{tokens['t-1']}").get_data(as_text=True))
    assert "Répondre à l'enquête : Adoption des technologies : opportunités et menaces" in words
    german = text(flask_app.test_client().get(f"/p/{tokens['t-2']}?lang=de").get_data(as_text=True))
    assert "Technologieeinführung: Chancen und Risiken" in german


def test_an_organisers_copy_shows_their_own_words_in_every_language(app):
    flask_app, _, tokens = app
    client = flask_app.test_client()
    page = client.get(f"/p/{tokens['s-1']}/surveys/{COPY}?lang=fr").get_data(as_text=True)
    words = text(page)
    assert '<html lang="fr">' in page and "Envoyer mes réponses" in words  # the page around it is French
    for own in ("Your meeting, in short", "Did it take place?", "How useful was it?", "Partly (late or cut short)",
                "Yes", "1 = not useful"):  # fmt: skip
        assert own in words, own
    for translated in ("Quelle a été son utilité ?", "En partie (en retard ou écourté)", "Oui", "pas utile"):
        assert translated not in words, translated
    # the built-in survey, in the same French session, is still translated
    assert "Le rendez-vous a-t-il eu lieu ?" in text(client.get(f"/p/{tokens['s-1']}/surveys/feedback").get_data(as_text=True))


def test_the_console_surveys_page_shows_the_builtin_words_in_french(app):
    flask_app, _, _ = app
    olga = logged_in(flask_app, "olga")
    words = text(olga.get(f"/events/{EV}/surveys?lang=fr").get_data(as_text=True))
    for french in ("Adoption des technologies : opportunités et menaces", "Le rendez-vous a-t-il eu lieu ?",
                   "Coût de l'investissement", "Accord de coopération conclu"):  # fmt: skip
        assert french in words, french
    assert "Your meeting, in short" in words and "Did it take place?" in words  # the copy as written
    assert "How useful was it?" in words and "Quelle a été son utilité ?" in words  # the copy's, the built-in's


def test_a_copy_that_only_drops_or_reorders_questions_keeps_the_translation():
    from scheduler.domain.language import load
    from scheduler.surveys.translated import in_language
    from webapp.i18n import CATALOGUES

    fr = load("fr", CATALOGUES)
    doc = survey_to_dict(BUILTIN["feedback"])
    doc["id"], doc["questions"] = "short_feedback", doc["questions"][1::-1]  # useful, then took_place
    doc["questions"][1]["required"] = False
    shown = in_language(survey_from_dict(doc), fr)
    assert [q.text for q in shown.questions] == ["Quelle a été son utilité ?", "Le rendez-vous a-t-il eu lieu ?"]
    assert [q.id for q in shown.questions] == ["useful", "took_place"]  # ids and order as stored
    doc["questions"][1]["options"][0]["label"] = "Yes, on time"  # one word of theirs: all of it is theirs
    mine = in_language(survey_from_dict(doc), fr)
    assert [q.text for q in mine.questions] == ["How useful was it?", "Did the meeting take place?"]
    assert in_language(BUILTIN["feedback"], load("en", CATALOGUES)) is BUILTIN["feedback"]


def test_survey_mail_in_german_and_french_through_a_real_smtp_server(tmp_path):
    db = tmp_path / "mail.db"
    people = [person("t-1"), person("t-2", locale="fr"), person("s-1"), person("s-2"), person("s-mute", email="")]
    seed_db(db, [document(people, language="de")])  # the event writes German to whoever set no language
    with Store(db) as s:
        s.save_schedule(Schedule(EV, MEETINGS))
        s.set_round(EV, "feedback", at(14), [], actor="olga", now=at(12))  # 2027-03-26 14:00, the event's clock
    inbox, port = Inbox(), free_port()
    smtp = Controller(inbox, hostname="127.0.0.1", port=port)
    smtp.start()
    try:
        env = {"MATCHMAKING_SMTP_HOST": "127.0.0.1", "MATCHMAKING_SMTP_PORT": str(port),
               "MATCHMAKING_SMTP_FROM": "events@cluster.example"}  # fmt: skip
        out = cli(db, "survey", "send", "--event", EV, "--now", "2027-03-26T15:00:00+01:00",
                  "--base-url", "http://127.0.0.1:9", env=env).stdout  # fmt: skip
    finally:
        smtp.stop()
    assert "delivered 4 via SMTP" in out
    got = {parseaddr(m["To"])[1]: m for m in inbox.messages}
    assert sorted(got) == ["s-1@example.org", "s-2@example.org", "t-1@example.org", "t-2@example.org"]
    de = email.message_from_bytes(got["t-1@example.org"].as_bytes(), policy=email.policy.default)
    assert str(de["Subject"]) == "Wie war Ihr Termin? (Test event)"
    assert de["From"].addresses[0].display_name == "Die Veranstalter von Test event"
    body = de.get_body(("plain",)).get_content()
    assert "Drei Fragen zu diesem Termin." in body and "Guten Tag t-1 SME," in body
    assert "Umfrage beantworten" in de.get_body(("html",)).get_content()
    fr = email.message_from_bytes(got["t-2@example.org"].as_bytes(), policy=email.policy.default)
    assert str(fr["Subject"]) == "Comment s'est passé votre rendez-vous ? (Test event)"
    assert "Trois questions sur ce rendez-vous." in fr.get_body(("plain",)).get_content()


@pytest.fixture(scope="module")
def adopters_db(tmp_path_factory):
    """Twelve traditional SMEs that answered the adoption survey, in an event whose language is German."""
    db = tmp_path_factory.mktemp("i18n-report") / "r.db"
    seed_db(db, [document(ADOPTERS, language="de")])
    with Store(db) as s:
        for a in adoption_answers():
            s.save_answer(a, actor="test")
    return db


def test_report_lang_fr_writes_french_headings_and_recommendations(adopters_db, tmp_path):
    target = tmp_path / "x.html"
    proc = run("--db", str(adopters_db), "report", "--event", EV, "--lang", "fr", "-o", str(target))
    assert proc.returncode == 0, proc.stderr
    page = target.read_text(encoding="utf-8")
    words = text(page)
    assert '<html lang="fr">' in page
    for french in ("Résultats du pilote : Test event", "Recommandations politiques", "Chiffres clés",
                   "Menaces et obstacles perçus par les PME traditionnelles", "Coût de l'investissement",
                   "seules 0% des PME traditionnelles (0 sur 12) ont eu au moins un rendez-vous",
                   "100% des PME traditionnelles (n=12) citent coût de l'investissement parmi les menaces qu'elles "
                   "perçoivent: cofinancer les premiers investissements"):  # fmt: skip
        assert french in words, french
    for english in ("Policy recommendations", "Key figures", "Cost of investment", "of traditional SMEs"):
        assert english not in words, english
    assert "- seules 0% des PME traditionnelles" in proc.stdout  # the command line lists them the same way


def test_report_defaults_to_the_events_language_and_english_stays_english(adopters_db, tmp_path):
    proc = run("--db", str(adopters_db), "report", "--event", EV, "-o", str(tmp_path / "r.xlsx"))
    assert proc.returncode == 0, proc.stderr
    wb = openpyxl.load_workbook(tmp_path / "r.xlsx")
    about = {r[0]: r[1] for r in wb["about"].iter_rows(values_only=True) if r[0]}
    assert about["Ergebnisse des Pilotprojekts"] == "Test event" and "Mindestgruppengröße" in about
    assert [c.value for c in wb["threats"][1]] == ["Antwort", "KMU", "Anteil"]
    assert wb["threats"]["A2"].value == "Investitionskosten"
    sentences = [row[1] for row in wb["recommendations"].iter_rows(min_row=2, values_only=True)]
    assert "100% der traditionellen KMU (n=12) nennen „Investitionskosten“ unter den Risiken, die sie sehen: erste " \
           "Investitionen kofinanzieren (Gutscheine oder Zuschüsse für kleine Unternehmen)." in sentences
    proc = run("--db", str(adopters_db), "report", "--event", EV, "--lang", "en", "-o", str(tmp_path / "en.xlsx"))
    assert proc.returncode == 0, proc.stderr
    wb = openpyxl.load_workbook(tmp_path / "en.xlsx")
    assert wb["about"]["A1"].value == "Pilot results" and wb["threats"]["A2"].value == "Cost of investment"
    assert "- only 0% of traditional SMEs (0 of 12) had at least one meeting" in proc.stdout
    bad = run("--db", str(adopters_db), "report", "--event", EV, "--lang", "xx", "-o", str(tmp_path / "r.html"))
    assert bad.returncode == 2 and "--lang" in bad.stderr and "Traceback" not in bad.stderr


def test_the_results_page_in_french(adopters_db):
    from webapp import create_app

    flask_app = create_app({"DATABASE": str(adopters_db), "SECRET_KEY": "test", "TESTING": True, "COMPUTE_WAIT": 60,
                            "NOW": datetime(2027, 10, 1, 9, tzinfo=UTC).isoformat(),
                            "OUTBOX_DIR": str(adopters_db.parent / "out")})  # fmt: skip
    olga = logged_in(flask_app, "olga")
    words = text(olga.get(f"/events/{EV}/results?lang=fr").get_data(as_text=True))
    for french in ("Recommandations politiques", "Opportunités attendues par les PME traditionnelles",
                   "Productivité accrue, coûts réduits", "Le principal obstacle", "Coût de l'investissement",
                   "Chiffres au vendredi 1 octobre 2027, 09:00 UTC."):  # fmt: skip
        assert french in words, french
    english = text(olga.get(f"/events/{EV}/results?lang=en").get_data(as_text=True))
    assert "Threats and barriers traditional SMEs see" in english and "Cost of investment" in english
