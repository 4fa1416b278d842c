"""The portal's main button fits the event's phase, on the server's event clock (MATCHMAKING_NOW):
before the event, answer requests; on the live day, "I'm here" and the running meeting; after it,
the feedback survey (then a thank-you once answered)."""

from __future__ import annotations

import html
import re

import pytest
import requests

from scheduler.domain.model import Schedule
from scheduler.store import Store
from tests.builders import document
from tests.test_surveys_rounds import EV, MEETINGS, PEOPLE, at
from tests.webtools import Server, seed_db

PHASES = {"before": "2027-03-20T10:00:00+01:00", "live": "2027-03-26T09:10:00+01:00",
          "closed": "2027-03-27T10:00:00+01:00"}  # fmt: skip


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    db = tmp_path_factory.mktemp("phase") / "ph.db"
    tokens = seed_db(db, [document(PEOPLE)])[EV]
    with Store(db) as s:
        s.save_schedule(Schedule(EV, MEETINGS))
        s.set_round(EV, "feedback", at(13), [], actor="t")
        s.add_requests(EV, [("t-2", "s-2", 2)], status="pending", origin="participant",
                       actor="t-2")  # fmt: skip
    return db, tokens


def main_action(server, token) -> str:
    text = requests.get(server.url + f"/p/{token}", timeout=30).text
    m = re.search(r'<div class="main-action" id="main-action" data-phase="(\w+)">([\s\S]*?)\n</div>', text)
    assert m, text[:2000]
    return m.group(1) + " | " + html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", m.group(2)))).strip()


@pytest.mark.parametrize("phase", list(PHASES))
def test_the_main_button_fits_the_phase(seeded, phase):
    db, tokens = seeded
    server = Server(db, now=PHASES[phase], extra_env={"MATCHMAKING_STANDBY_TICK": "0"})
    try:
        s2 = requests.get(server.url + f"/p/{tokens['s-2']}", timeout=30).text
        t1 = main_action(server, tokens["t-1"])
        words = main_action(server, tokens["s-2"])
    finally:
        server.stop()
    if phase == "before":  # days before: no "I'm here"; the request waiting for s-2 first
        assert words.startswith("draft | Answer 1 meeting request Find companies to meet")
        assert 'id="checkin"' not in s2 and "Join your meeting" not in s2
    elif phase == "live":  # 09:10 on the day: t-1 and s-1 are in m-1 (09:00-09:25, room 1)
        assert t1 == "live | I'm here Join your meeting with s-1 SME now (room 1) When I can meet"
        assert words.startswith("live | I'm here When I can meet")  # s-2 has no meeting running
        assert 'id="checkin"' in s2 and "Answer 1 meeting request" not in s2
    else:  # the day after: the feedback survey
        assert words == "closed | How were your meetings with t-2 SME, t-1 SME? When I can meet"
        assert 'id="checkin"' not in s2 and "Answer 1 meeting request" not in s2
