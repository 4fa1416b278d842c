"""The host board's recent changes with their date, newest first by when they were made, across a
midnight and the night the clocks go forward (Brussels, 28 March 2027: 02:00 CET -> 03:00 CEST),
in the host's language: the view model on a real in-memory store's records, and the board page
through the Flask test client on a real SQLite file."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

import pytest

from scheduler.domain.language import load
from scheduler.store import Store
from scheduler.viewmodels.board import history
from tests.builders import build, document, person
from tests.webtools import logged_in, seed_db
from webapp.i18n import CATALOGUES

EV = "dst-fair"
PEOPLE = [person("t-1"), person("s-1")]
SESSIONS = [{"date": "2027-03-27", "start": "09:00", "end": "12:00"},
            {"date": "2027-03-28", "start": "09:00", "end": "12:00"}]  # fmt: skip
#: made in this order (the store's ids), but not at increasing times: the first is the newest
SUNDAY = datetime(2027, 3, 28, 1, 10, tzinfo=UTC)  # 03:10 CEST, after the clocks went forward
LATE_SATURDAY = datetime(2027, 3, 27, 22, 50, tzinfo=UTC)  # 23:50 CET, before midnight
SATURDAY = datetime(2027, 3, 27, 21, 0, tzinfo=UTC)  # 22:00 CET
WHEN = {"en": ["Sun 28 Mar 03:10", "Sat 27 Mar 23:50", "Sat 27 Mar 22:00"],
        "fr": ["dim. 28 mars 03:10", "sam. 27 mars 23:50", "sam. 27 mars 22:00"],
        "de": ["So., 28. März 03:10", "Sa., 27. März 23:50", "Sa., 27. März 22:00"]}  # fmt: skip


def record_changes(store: Store) -> None:
    store.check_in(EV, "s-1", by="hans", now=SUNDAY)
    store.set_live_settings(EV, actor="hans", auto_repair=False, now=LATE_SATURDAY)
    store.check_in(EV, "t-1", by="hans", now=SATURDAY)


@pytest.mark.parametrize("lang", list(WHEN))
def test_the_history_dates_each_change_and_orders_them_by_time_across_midnight_and_dst(lang):
    data = build(PEOPLE, [("t-1", "s-1")], id=EV, sessions=SESSIONS)
    with Store(memory=True) as s:
        s.save_event(data, actor="olga", now=datetime(2027, 3, 1, 9, 0, tzinfo=UTC))
        record_changes(s)
        records = s.audit_log(EV, last=12)
    assert [r["at"] for r in records][-3:] == [SUNDAY.isoformat(), LATE_SATURDAY.isoformat(), SATURDAY.isoformat()]
    lines = history(data, (), records, load(lang, CATALOGUES))
    assert [h.at for h in lines[:3]] == WHEN[lang]
    english = history(data, (), records)
    assert [h.what for h in english] == ["s-1 SME is here", "live settings changed", "t-1 SME is here", "import"]
    assert english[-1].at == "Mon 1 Mar 10:00"  # the import, weeks before: its date says so


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    from webapp import create_app

    folder = tmp_path_factory.mktemp("board-history")
    db = folder / "b.db"
    seed_db(db, [document(PEOPLE, [("t-1", "s-1", 1)], id=EV, sessions=SESSIONS)])
    with Store(db) as s:
        record_changes(s)
    return create_app({"DATABASE": str(db), "SECRET_KEY": "test", "TESTING": True, "OUTBOX_DIR": str(folder / "out"),
                       "NOW": "2027-03-28T08:00:00+00:00"})  # fmt: skip


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_board_page_shows_the_history_with_dates_newest_first(app, lang):
    client = logged_in(app, "hans")
    page = client.get(f"/events/{EV}/board?lang={lang}").get_data(as_text=True)
    assert f'<html lang="{lang}">' in page
    section = page[page.index('id="history"'):page.index("</details>", page.index('id="history"'))]
    rows = [[html.unescape(c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)]
            for tr in re.findall(r"<tr><td>.*?</tr>", section, re.S)]
    assert [r[0] for r in rows[:3]] == WHEN[lang] and [r[1] for r in rows[:3]] == ["hans"] * 3
