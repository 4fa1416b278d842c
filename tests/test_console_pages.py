"""The organiser console in pages: participants, requests, schedule, not placed, outbox and
settings, a page at a time with their filters on the server, the shared tabs, and the outbox's
"Retry" (organisers only, with CSRF), through the Flask test client on a real SQLite file."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from werkzeug.security import generate_password_hash

from scheduler.files.formats import parse_event_document
from scheduler.files.generator import generate_event
from scheduler.solver import SolverConfig, solve
from scheduler.store import Store
from tests.webtools import PASSWORD, csrf_of, logged_in

EV = "gen-120"
PAGES = ("", "/participants", "/requests", "/schedule", "/not-placed", "/outbox", "/setup")


@pytest.fixture(scope="module")
def web(tmp_path_factory):
    """An event of 120 generated SMEs with a greedy schedule, published (its invites in the outbox)."""
    from webapp import create_app

    folder = tmp_path_factory.mktemp("pages")
    db = folder / "web.db"
    with Store(db) as s:
        s.save_event(parse_event_document(generate_event(120, seed=3, event_id=EV)))
        s.add_user("olga", generate_password_hash(PASSWORD), "organiser")
        s.add_user("hans", generate_password_hash(PASSWORD), "host")
        s.grant(EV, "hans", "host", by="test")
        s.save_schedule(solve(s.load(EV), (), SolverConfig(method="greedy")).schedule, actor="test")
    app = create_app({"DATABASE": str(db), "SECRET_KEY": "test", "TESTING": True, "OUTBOX_DIR": str(folder / "out"),
                      "NOW": "2027-03-01T09:00:00+00:00",
                      "COMPUTE_WAIT": 60,  # pages wait for their figures (no "being computed" state)
                      "PUBLISH_WAIT": 600})  # the publish below answers once its invites are queued  # fmt: skip
    olga = logged_in(app, "olga")
    r = olga.post(f"/events/{EV}/publish", data={"csrf_token": token_of(olga)})
    assert r.status_code == 302
    return app, db



def token_of(client) -> str:
    return csrf_of(client.get("/events").get_data(as_text=True))


def rows(html: str, table: str) -> list[str]:
    body = re.search(rf'id="{table}".*?<tbody>(.*?)</tbody>', html, re.S).group(1)
    return re.findall(r"<tr[ >].*?</tr>", body, re.S)


@pytest.mark.parametrize("page", PAGES)
def test_every_page_has_the_tabs_with_its_own_marked_current(web, page):
    app, _ = web
    html = logged_in(app, "olga").get(f"/events/{EV}{page}").get_data(as_text=True)
    tabs = html.split('class="tabs console-tabs"', 1)[1].split("</nav>", 1)[0]
    current = re.findall(r'<a href="([^"]+)" aria-current="page">', tabs)
    assert current == [f"/events/{EV}{page}"]
    for other in PAGES:
        assert f'href="/events/{EV}{other}"' in html
    assert 'href="/events/gen-120/surveys"' in html and 'href="/events/gen-120/results"' in html


def test_a_host_sees_the_pages_but_not_the_organisers_tabs(web):
    app, _ = web
    html = logged_in(app, "hans").get(f"/events/{EV}/participants").get_data(as_text=True)
    assert 'href="/events/gen-120/results"' in html and "/surveys" not in html and "/capacity" not in html
    assert "Personal link" not in html  # the personal links are the organisers'


def test_participants_come_fifty_a_page_and_search_on_the_server(web):
    app, db = web
    c = logged_in(app, "olga")
    with Store(db) as s:
        people = s.load(EV).participants
    first = c.get(f"/events/{EV}/participants").get_data(as_text=True)
    assert len(rows(first, "participants-table")) == 50 and "Page 1 of 3" in first and "1–50 of 120" in first
    last = c.get(f"/events/{EV}/participants?page=3").get_data(as_text=True)
    assert len(rows(last, "participants-table")) == 20
    assert c.get(f"/events/{EV}/participants?page=99").get_data(as_text=True).count("<tr data-kind") == 20
    assert "Page 1 of 3" in c.get(f"/events/{EV}/participants?page=x").get_data(as_text=True)
    one = people[77]
    found = c.get(f"/events/{EV}/participants", query_string={"q": one.id.upper()}).get_data(as_text=True)
    assert [f'/events/{EV}/participants/{one.id}"' in r for r in rows(found, "participants-table")] == [True]
    by_country = c.get(f"/events/{EV}/participants", query_string={"q": one.country, "kind": one.kind})
    q = one.country.casefold()
    expected = [p for p in people if p.kind == one.kind and any(q in x.casefold() for x in (p.name, p.id, p.country))]
    assert f"of {len(expected)}</p>" in by_country.get_data(as_text=True)


def test_requests_filter_by_status_origin_and_participant(web):
    app, db = web
    c = logged_in(app, "olga")
    with Store(db) as s:
        states = s.request_states(EV)
    who = states[0].request.sender
    html = c.get(f"/events/{EV}/requests", query_string={"participant": who}).get_data(as_text=True)
    mine = [x for x in states if who in (x.request.sender, x.request.receiver)]
    assert len(rows(html, "requests-table")) == min(50, len(mine))
    status = states[0].request.status
    html = c.get(f"/events/{EV}/requests", query_string={"status": status, "origin": "import"}).get_data(as_text=True)
    want = [x for x in states if x.request.status == status and x.origin == "import"]
    assert f"of {len(want)}</p>" in html
    assert all(f'data-status="{status}"' in r for r in rows(html, "requests-table"))
    nothing = c.get(f"/events/{EV}/requests", query_string={"status": "declined", "q": "no such name"})
    assert "Nothing matches." in nothing.get_data(as_text=True)


def test_schedule_pages_by_day_and_slots_and_opens_a_participants_day(web):
    app, db = web
    c = logged_in(app, "olga")
    with Store(db) as s:
        meetings = [m for m in s.meetings(EV) if m.status != "cancelled"]
    shown: set[str] = set()
    for day in (1, 2):
        html = c.get(f"/events/{EV}/schedule?day={day}").get_data(as_text=True)
        pages = int(re.search(r"Page 1 of (\d+)", html).group(1)) if "Page 1 of" in html else 1
        for number in range(1, pages + 1):
            html = c.get(f"/events/{EV}/schedule?day={day}&page={number}").get_data(as_text=True)
            shown |= set(re.findall(r'data-meeting="([^"]+)"', html))
    assert shown == {m.id for m in meetings}  # every meeting on exactly the pages of its day
    r = c.get(f"/events/{EV}/schedule?participant={meetings[0].a}")
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/events/{EV}/participants/{meetings[0].a}")


def test_not_placed_lists_the_reasons(web):
    app, _ = web
    html = logged_in(app, "olga").get(f"/events/{EV}/not-placed").get_data(as_text=True)
    assert "Wanted meetings not placed, and why" in html
    assert "not-placed-table" in html or "Nothing to report yet." in html


def test_outbox_shows_every_message_and_an_organiser_retries_a_failed_one(web):
    app, db = web
    olga, hans = logged_in(app, "olga"), logged_in(app, "hans")
    with Store(db) as s:
        messages = s.outbox(EV)
        assert len(messages) > 200  # more than the old page's last 200
        bad = messages[7]
        s.mark(bad["id"], "failed", datetime.now(UTC), error="550 no such mailbox here")
    html = olga.get(f"/events/{EV}/outbox").get_data(as_text=True)
    assert f"of {len(messages)}</p>" in html and "failed: 1" in html
    failed = olga.get(f"/events/{EV}/outbox?status=failed").get_data(as_text=True)
    assert len(rows(failed, "outbox-table")) == 1 and "550 no such mailbox here" in failed
    to = olga.get(f"/events/{EV}/outbox", query_string={"recipient": bad["recipient"].upper()}).get_data(as_text=True)
    assert all(bad["recipient"] in r for r in rows(to, "outbox-table")) and rows(to, "outbox-table")
    assert "Retry" not in hans.get(f"/events/{EV}/outbox?status=failed").get_data(as_text=True)
    url = f"/events/{EV}/outbox/{bad['id']}/retry"
    assert hans.post(url, data={"csrf_token": token_of(hans)}).status_code == 403  # a host may not
    assert olga.post(url, data={}).status_code == 400  # no CSRF token: refused
    with Store(db) as s:
        assert s.outbox_counts(EV).get("failed") == 1
    r = olga.post(url, data={"csrf_token": token_of(olga), "back": f"/events/{EV}/outbox?status=failed"})
    assert r.status_code == 303 and r.headers["Location"].endswith(f"/events/{EV}/outbox?status=failed")
    wait_until_sent(db, bad["id"])
    again = olga.post(url, data={"csrf_token": token_of(olga)}, follow_redirects=True).get_data(as_text=True)
    assert f"Message {bad['id']} was not retried: it is not a failed message of this event" in again


def wait_until_sent(db, message_id: int, seconds: float = 20) -> None:
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with Store(db) as s:
            row = next(r for r in s.outbox(EV) if r["id"] == message_id)
        if row["status"] == "sent":
            return
        time.sleep(0.1)
    raise AssertionError(f"message {message_id} was not sent again: {row['status']}")


def test_settings_page_shows_the_events_settings_read_only(web):
    app, _ = web
    html = logged_in(app, "olga").get(f"/events/{EV}/setup").get_data(as_text=True)
    assert "Europe/Brussels" in html and "25 minutes, with 5 minutes between" in html
    assert '<form method="post"' not in html.split('id="setup"')[1]


def test_overview_names_the_next_step(web):
    app, _ = web
    html = logged_in(app, "olga").get(f"/events/{EV}").get_data(as_text=True)
    assert re.search(r'id="next-action">[^<]+<', html)
    assert 'id="participants-table"' not in html  # the long lists have their own pages now
