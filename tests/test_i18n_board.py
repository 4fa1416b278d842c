"""The host board in French, on a phone (390x844) and on a desktop, and the staff page in German,
in headless Chromium: translated, and axe-core finds no serious or critical WCAG 2.1 A/AA violation."""

from __future__ import annotations

import re

import pytest
import requests
from playwright.sync_api import expect, sync_playwright

from scheduler.domain.model import Schedule
from scheduler.store import Store
from tests.a11y import axe_violations
from tests.builders import document
from tests.test_browser import ARGS, ARTIFACTS, CHROMIUM
from tests.test_surveys_rounds import EV, MEETINGS, PEOPLE
from tests.webtools import PASSWORD, Server, seed_db


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    db = tmp_path_factory.mktemp("i18n-board") / "b.db"
    doc = document(list(PEOPLE), id=EV)
    tokens = seed_db(db, [doc])[EV]
    with Store(db) as s:
        s.save_schedule(Schedule(EV, MEETINGS))
    # during the first session: a running slot, meetings to mark, a standby section
    server = Server(db, now="2027-03-26T09:10:00+01:00", extra_env={"MATCHMAKING_STANDBY_TICK": "0"})
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield server, browser, tokens
        browser.close()
    server.stop()


def logged_in(browser, server, user: str, locale: str, viewport: dict):
    """A page of a fresh context whose browser asks for ``locale``, ``user`` logged in through the form."""
    page = browser.new_context(viewport=viewport, locale=locale).new_page()
    page.goto(server.url + "/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("input[name=password]")).to_have_count(0)
    return page


def clean(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"i18n-{name}.png"), full_page=True)
    assert axe_violations(page) == [], name


@pytest.mark.parametrize(("name", "viewport"), [("phone", {"width": 390, "height": 844}),
                                                ("desktop", {"width": 1366, "height": 900})])  # fmt: skip
def test_the_host_board_in_french(world, name, viewport):
    server, browser, _ = world
    page = logged_in(browser, server, "hans", "fr-FR", viewport)
    page.goto(server.url + f"/events/{EV}/board")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", name="Tableau des hôtes")).to_be_visible()
    expect(page.locator("#phase")).to_have_text("en cours")  # the phase's word, not its value
    table = page.locator("#board-table")
    expect(table.locator(".tag.st-scheduled").first).to_have_text("planifié")
    expect(table).not_to_contain_text("scheduled")
    expect(table.locator("tbody tr").first).to_contain_text("ven. 26 mars 09:00")  # slots labelled by Babel
    expect(page.locator("#undo")).to_contain_text("un nouveau planning")  # what undo reverses, in words
    words = page.evaluate("() => JSON.parse(document.getElementById('i18n').textContent)")  # board.js's words
    assert words["fresh_board"] == "Afficher le tableau à jour"
    assert page.evaluate("() => tr('changed', {why: 'X', what: 'Y', num: 2})") == "X : Y ; 2 participants concernés."
    page.locator("#tools summary").click()  # the repair forms too
    expect(page.get_by_role("button", name="Enregistrer les réglages")).to_be_visible()
    clean(page, f"board-fr-{name}")
    page.context.close()


def test_the_staff_page_in_german(world):
    server, browser, _ = world
    page = logged_in(browser, server, "olga", "de-DE", {"width": 1366, "height": 900})
    page.goto(server.url + "/staff")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.get_by_role("heading", name="Team-Konten")).to_be_visible()
    expect(page.locator("#user-hans")).to_contain_text("Gastgeber")
    clean(page, "staff-de")
    page.get_by_label("Benutzername").fill("anna")  # a password the policy refuses, said in German
    page.locator("form[action$='/staff'] input[name=password]").fill("short")
    page.locator("form[action$='/staff'] input[name=password]").evaluate("e => e.removeAttribute('minlength')")
    page.get_by_role("button", name="Hinzufügen").click()
    expect(page.locator(".flash").first).to_contain_text(
        "Das Konto wurde nicht hinzugefügt: Passwort: verwenden Sie mindestens 12 Zeichen (dieses hat 5)")
    clean(page, "staff-de-refused")
    page.context.close()


def test_the_slot_picker_writes_its_days_in_spanish(world):
    server, _, tokens = world
    r = requests.get(server.url + f"/p/{tokens['t-1']}/availability", headers={"Accept-Language": "es"})
    assert r.status_code == 200 and '<html lang="es">' in r.text
    legends = re.findall(r"<legend>([^<]+)</legend>", r.text)
    assert legends[0] == "viernes, 26 de marzo de 2027" and "Friday" not in r.text
    assert "hora del evento vie, 26 mar 09:00" in r.text and "Guardar mis franjas" in r.text


def test_a_participant_hears_a_hosts_move_in_their_own_language(tmp_path):
    """The live line of a change reaches each participant in their profile's language (the reason too)."""
    from scheduler.files.formats import parse_event_document
    from scheduler.solver import SolverConfig, solve
    from tests.test_sockets import EVENT, NOW, Tab, br19_doc, move_on_board, until
    from tests.webtools import login

    db = tmp_path / "live-fr.db"
    doc = br19_doc()
    doc["participants"][0]["locale"] = "fr"  # t-1 reads French; s-1 chose nothing (the event's: English)
    tokens = seed_db(db, [doc])[EVENT]
    with Store(db) as s:
        s.save_schedule(solve(parse_event_document(doc), config=SolverConfig(time_limit=3)).schedule)
    server = Server(db, now=NOW, extra_env={"MATCHMAKING_STANDBY_TICK": "0"})
    try:
        french, english = Tab(server.url, token=tokens["t-1"]), Tab(server.url, token=tokens["s-1"])
        move_on_board(login(server.url, "hans")[0], server.url, db)
        assert until(lambda: "agenda_changed" in french.names() and "agenda_changed" in english.names())
        fr = dict(french.got)["agenda_changed"]
        assert fr["why"] == "Un hôte a déplacé un rendez-vous"
        assert re.fullmatch(r"Votre rendez-vous avec Beta Vision est déplacé du ven\. 26 mars \d\d:\d\d "
                            r"au ven\. 26 mars \d\d:\d\d, salle 1", fr["changes"][0]), fr["changes"]
        en = dict(english.got)["agenda_changed"]
        assert en["why"] == "A host moved a meeting" and en["changes"][0].startswith("Your meeting with Alfa Tecidos Lda moved from Fri 26 Mar")
        french.close()
        english.close()
    finally:
        server.stop()
