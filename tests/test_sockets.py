"""Revoking a credential ends the live connections opened with it (BR-19), over a real server."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest
import requests
import socketio

from scheduler.domain.timegrid import build_slots
from scheduler.files.formats import parse_event_document
from scheduler.solver import SolverConfig, solve
from scheduler.store import Store
from tests.builders import document, person
from tests.webtools import ROOT, Server, csrf_of, login, seed_db

EVENT = "min-br19"
NOW = "2027-03-26T08:30:00+00:00"  # before the first slot: every meeting can still be moved


def br19_doc() -> dict:
    """BR-19's event: one traditional SME, one tech SME, one request, one room, 09:00-11:00 Lisbon."""
    doc = document([person("t-1", name="Alfa Tecidos Lda", tz="Europe/Lisbon"),
                    person("s-1", name="Beta Vision", tz="Europe/Lisbon")],
                   [("t-1", "s-1")], id=EVENT, name="Live agenda", timezone="Europe/Lisbon",
                   slot_minutes=30, gap_minutes=0, rooms=1, max_meetings=2,
                   sessions=[{"date": "2027-03-26", "start": "09:00", "end": "11:00"}])  # fmt: skip
    return doc


@pytest.fixture
def live(tmp_path):
    db = tmp_path / "br19.db"
    doc = br19_doc()
    seed_db(db, [doc])
    result = solve(parse_event_document(doc), config=SolverConfig(time_limit=3))
    with Store(db) as s:
        s.save_schedule(result.schedule)
    server = Server(db, now=NOW, extra_env={"MATCHMAKING_STANDBY_TICK": "0", "MATCHMAKING_SOCKET_RECHECK": "1"})
    yield server, db
    server.stop()


class Tab:
    """A real Socket.IO client, like an open page: records what reaches it and when it is dropped."""

    EVENTS = ("agenda_changed", "schedule_changed", "watching", "error", "link_revoked", "session_ended")

    def __init__(self, url: str, *, token: str | None = None, cookie: str | None = None, watch: str | None = None,
                 origin: str | None = None):
        self.got: list[tuple[str, dict]] = []
        self.dropped = threading.Event()
        # the page's origin, as a browser sends it (behind a proxy: the public URL's, not the socket's)
        extra = {"websocket_extra_options": {"origin": origin}} if origin else {}
        self.client = socketio.Client(reconnection=False, **extra)
        for name in self.EVENTS:
            self.client.on(name, self._recorder(name))
        self.client.on("disconnect", lambda *reason: self.dropped.set())
        self.client.connect(url, auth={"token": token} if token else None,
                            headers={"Cookie": cookie} if cookie else {}, transports=["websocket"], wait_timeout=10)
        if watch:
            self.client.emit("watch", {"event": watch})

    def _recorder(self, name):
        return lambda data=None: self.got.append((name, data))

    def names(self) -> list[str]:
        return [n for n, _ in self.got]

    def close(self) -> None:
        if self.client.connected:
            self.client.disconnect()


def until(condition, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def renew(org: requests.Session, url: str, db, pid: str) -> str:
    """The organiser presses "renew link" and confirms; return the new token."""
    page = org.get(url + f"/events/{EVENT}/participants/{pid}/renew-link")
    r = org.post(url + f"/events/{EVENT}/participants/{pid}/renew-link",
                 data={"csrf_token": csrf_of(page.text), "confirm": pid})
    assert r.status_code == 200 and "old link no longer works" in r.text
    return Store(db).tokens(EVENT)[pid]


def move_on_board(host: requests.Session, url: str, db) -> None:
    """A host moves the only meeting to another slot on the board."""
    with Store(db) as s:
        [m] = s.meetings(EVENT)
        slots = build_slots(s.event(EVENT))
        version = s.schedule_version(EVENT)
    target = next(x.index for x in slots if x.start != m.start)
    page = host.get(url + f"/events/{EVENT}/board").text
    r = host.post(url + f"/events/{EVENT}/board/move", data={"csrf_token": csrf_of(page), "version": version,
                                                             "meeting": m.id, "slot": target, "room": ""})  # fmt: skip
    assert r.status_code == 200
    with Store(db) as s:
        assert s.meetings(EVENT)[0].start != m.start


def cookie_of(session: requests.Session) -> str:
    return "; ".join(f"{c.name}={c.value}" for c in session.cookies)


def test_renew_link_disconnects_the_old_links_socket_at_once(live):
    """BR-19: after "renew link", a page open on the old link hears nothing more; the new link does."""
    server, db = live
    old = Store(db).tokens(EVENT)["t-1"]
    tab_a = Tab(server.url, token=old)
    partner = Tab(server.url, token=Store(db).tokens(EVENT)["s-1"])
    org, _ = login(server.url, "olga")

    new = renew(org, server.url, db, "t-1")
    # "at once": the renewing request itself ends the connection, no periodic check needed
    assert tab_a.dropped.is_set() or until(tab_a.dropped.is_set, 0.5)
    assert not tab_a.client.connected
    assert tab_a.got == [("link_revoked", {"message": "This link was renewed; use the new link you were sent."})]
    assert not partner.dropped.is_set()  # the other participant's link still holds

    tab_b = Tab(server.url, token=new)
    move_on_board(login(server.url, "hans")[0], server.url, db)
    assert until(lambda: "agenda_changed" in tab_b.names())
    assert until(lambda: "agenda_changed" in partner.names())
    time.sleep(0.5)
    assert "agenda_changed" not in tab_a.names()
    assert "moved from" in tab_b.got[0][1]["changes"][0]
    # and the old link opens nothing any more: page, agenda, feed, socket
    for path in ("", "/agenda.json", "/feed.ics"):
        assert requests.get(server.url + f"/p/{old}{path}").status_code == 404
    with pytest.raises(socketio.exceptions.ConnectionError):
        Tab(server.url, token=old)
    for t in (tab_b, partner):
        t.close()


def test_two_tabs_on_the_old_link_and_a_second_renewal(live):
    """Every socket of the revoked link ends (two tabs), and a renewed link can itself be revoked."""
    server, db = live
    first = Store(db).tokens(EVENT)["t-1"]
    tabs = [Tab(server.url, token=first), Tab(server.url, token=first)]
    org, _ = login(server.url, "olga")
    second = renew(org, server.url, db, "t-1")
    assert until(lambda: all(t.dropped.is_set() for t in tabs), 1)
    middle = Tab(server.url, token=second)
    third = renew(org, server.url, db, "t-1")
    assert until(middle.dropped.is_set, 1) and middle.names() == ["link_revoked"]
    latest = Tab(server.url, token=third)
    move_on_board(org, server.url, db)
    assert until(lambda: "agenda_changed" in latest.names())
    time.sleep(0.5)
    assert all(t.names() == ["link_revoked"] for t in [*tabs, middle])
    latest.close()


def cli(db, *args: str) -> str:
    out = subprocess.run([sys.executable, str(ROOT / "run.py"), "--db", str(db), "user", *args],
                         cwd=ROOT, capture_output=True, text=True, check=True)  # fmt: skip
    return out.stdout


def test_staff_sockets_end_when_the_role_changes_or_the_account_is_removed(live):
    """Accounts changed from the command line, while the server runs: open staff pages lose their
    live connection within the recheck period (1 s here) and the HTTP session follows the store."""
    server, db = live
    hans, _ = login(server.url, "hans")  # a host
    board = Tab(server.url, cookie=cookie_of(hans), watch=EVENT)
    olga, _ = login(server.url, "olga")
    console = Tab(server.url, cookie=cookie_of(olga), watch=EVENT)
    assert until(lambda: "watching" in board.names() and "watching" in console.names())

    assert "is now organiser" in cli(db, "role", "hans", "--role", "organiser")
    assert until(board.dropped.is_set, 5)
    assert ("session_ended", {"message": "Your role changed to organiser: reload the page."}) in board.got
    # the same cookie now carries the new role: organiser-only views open, and a new socket is accepted
    assert hans.get(server.url + f"/events/{EVENT}/recommendations").status_code == 200
    again = Tab(server.url, cookie=cookie_of(hans), watch=EVENT)
    assert until(lambda: "watching" in again.names())

    cli(db, "remove", "hans")
    assert until(again.dropped.is_set, 5)
    assert ("session_ended", {"message": "Your account was removed: you are logged out."}) in again.got
    r = hans.get(server.url + f"/events/{EVENT}/board", allow_redirects=False)
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    with pytest.raises(socketio.exceptions.ConnectionError):
        Tab(server.url, cookie=cookie_of(hans))
    assert not console.dropped.is_set()  # nobody else's connection was touched
    console.close()
