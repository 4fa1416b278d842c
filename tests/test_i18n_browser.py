"""A participant walks through the French interface on a phone (390x844) in headless Chromium,
with axe-core finding no serious or critical WCAG 2.1 A/AA violation on any page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect, sync_playwright

from scheduler.domain.model import Schedule
from scheduler.store import Store
from tests.a11y import axe_violations
from tests.builders import document, person
from tests.test_browser import ARGS, ARTIFACTS, CHROMIUM
from tests.test_surveys_rounds import EV, MEETINGS
from tests.webtools import Server, seed_db


@pytest.fixture(scope="module")
def phone(tmp_path_factory):
    db = tmp_path_factory.mktemp("i18n-browser") / "b.db"
    doc = document([person("t-1", contact="Marie Dupont"), person("t-2"), person("s-1"), person("s-2"),
                    person("s-mute", email="")], id=EV, organiser_email="team@cluster.example")  # fmt: skip
    tokens = seed_db(db, [doc])[EV]
    with Store(db) as s:
        s.save_schedule(Schedule(EV, MEETINGS))
    # during the first session: the portal's main button is "I'm here" while the event is live
    server = Server(db, now="2027-03-26T09:10:00+01:00", extra_env={"MATCHMAKING_STANDBY_TICK": "0"})
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        ctx = browser.new_context(viewport={"width": 390, "height": 844}, locale="fr-FR")  # Accept-Language: fr-FR
        yield server, tokens, ctx.new_page()
        browser.close()
    server.stop()


def no_violations(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"i18n-fr-phone-{name}.png"), full_page=True)
    assert axe_violations(page) == [], name
    wide = page.evaluate("() => document.documentElement.scrollWidth")
    assert wide <= 390, f"{name}: the page is {wide}px wide on a 390px phone"


def test_a_participant_in_french_on_a_phone(phone):
    server, tokens, page = phone
    page.goto(server.url + f"/p/{tokens['t-1']}")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", name="Mes rendez-vous")).to_be_visible()
    expect(page.locator("#agenda li.meeting").first).to_contain_text("vendredi 26 mars")
    expect(page.locator("#agenda li.meeting").first).to_contain_text("Salle 1")  # drawn again by portal.js
    expect(page.locator("#agenda")).to_contain_text("prochain")
    expect(page.locator("#agenda")).not_to_contain_text("Room")
    no_violations(page, "agenda")

    page.get_by_role("button", name="Je suis là").click()  # the live day: the flash answers in French
    expect(page.locator(".flash").first).to_contain_text("Merci : les hôtes voient que vous êtes là.")

    page.get_by_label("Langue de mes e-mails et pages").select_option("de")  # the profile's language
    page.get_by_role("button", name="Enregistrer le profil").click()
    expect(page.locator(".flash").first).to_contain_text("Profil gespeichert.")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    page.get_by_role("link", name="Français").click()  # the switcher brings French back
    expect(page.get_by_role("heading", name="Mes rendez-vous")).to_be_visible()

    page.goto(server.url + f"/p/{tokens['t-1']}/surveys/feedback")
    expect(page.get_by_role("link", name="← Mon agenda")).to_be_visible()
    no_violations(page, "survey")

    page.goto(server.url + f"/p/{tokens['t-1']}/privacy")
    expect(page.get_by_role("heading", name="Vos droits")).to_be_visible()
    no_violations(page, "privacy")

    page.goto(server.url + "/p/an-old-link-that-was-renewed")
    expect(page.get_by_role("heading", name="Ce lien ne fonctionne plus")).to_be_visible()
    expect(page.locator("#organiser-contact")).to_contain_text("team@cluster.example")
    no_violations(page, "bad-link")
