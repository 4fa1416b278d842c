"""The access matrix: every route of ``app.url_map`` (each rule and method) and every Socket.IO
handler, for each actor, against the rule the table below gives its endpoint.

A route or handler missing from :data:`RULES` / :data:`SOCKET_RULES` fails the test: a new one
must be classified. Each cell runs on a fresh copy of one stored world (so a publish, a removal
or a solve in one cell changes nothing in the next), through the Flask test client with CSRF off
(CSRF has its own tests: tests/test_webapp.py).

Actors: anonymous, participant A, participant B (B's link on A's resources), the host of this
event, the host of another event, an organiser.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import socketio

from tests.security_world import EVENT_A, World, build
from tests.test_sockets import Tab, cookie_of, until
from tests.webtools import Server, login
from webapp import create_app

ACTORS = ("anonymous", "participant_a", "participant_b", "host_here", "host_elsewhere", "organiser")
STAFF_LOGINS = {"host_here": ("hans", "host"), "host_elsewhere": ("greta", "host"), "organiser": ("olga", "organiser")}

#: who may use a route, by kind of rule
ALLOWED = {
    "anyone": set(ACTORS),
    "staff": {"host_here", "host_elsewhere", "organiser"},  # any staff account, no event named
    "event_staff": {"host_here", "organiser"},  # host or organiser of the URL's event
    "event_organiser": {"organiser"},  # organiser of the URL's event
    "organiser": {"organiser"},  # a global organiser (imports, staff accounts)
    "own_link": {"participant_a", "participant_b"},  # a personal link, on its own page
    "a_only": {"participant_a"},  # a personal link on something of A's: B's link is refused
}

#: each endpoint's rule (every method of it); a new endpoint must be added here
RULES = {
    "static": "anyone", "auth.login": "anyone", "auth.logout": "anyone", "console.index": "anyone",
    "console.events": "staff", "staff.own_password": "staff",
    "console.event": "event_staff", "console.grid": "event_staff", "console.participant": "event_staff",
    "console.move": "event_staff", "console.schedule_json": "event_staff", "console.schedule_csv": "event_staff",
    "console.schedule_xlsx": "event_staff", "console.organiser_feed": "event_staff",
    "console.recommendations": "event_organiser", "console.solve": "event_organiser",
    "console.reoptimise": "event_organiser", "console.apply_reoptimise": "event_organiser",
    "console.publish": "event_organiser", "console.renew_link": "event_organiser",
    "console.capacity": "event_organiser", "console.request_sessions": "event_organiser",
    "console.import_event": "organiser", "console.import_apply": "organiser",
    "console.create_request": "event_organiser", "console.autofill": "event_organiser",
    "console.store_recommendations": "event_organiser", "console.expire": "event_organiser",
    "console.lock": "event_organiser", "console.event_settings": "event_organiser",
    "console.save_event_settings": "event_organiser", "console.new_participant": "event_organiser",
    "console.add_participant": "event_organiser", "console.edit_participant": "event_organiser",
    "console.save_participant": "event_organiser", "console.remove_participant": "event_organiser",
    "board.board": "event_staff", "board.move": "event_staff", "board.settings": "event_staff",
    "board.standby_now": "event_staff", "board.undo": "event_staff", "board.checkin": "event_staff",
    "board.mark": "event_staff", "board.absence": "event_staff", "board.close_room": "event_staff",
    "board.open_room": "event_staff", "board.late_request": "event_staff", "board.apply": "event_staff",
    "staff.staff": "organiser", "staff.add": "organiser", "staff.remove": "organiser", "staff.reset": "organiser",
    "staff.role": "organiser", "staff.grant": "organiser", "staff.revoke": "organiser",
    "portal.home": "own_link", "portal.agenda_json": "own_link", "portal.profile": "own_link",
    "portal.new_request": "own_link", "portal.checkin": "own_link", "portal.offers_json": "own_link",
    "portal.my_feed": "own_link", "portal.directory": "own_link", "portal.availability": "own_link",
    "console.erase_participant": "event_organiser", "console.export_participant": "event_organiser",
    "console.set_retention": "event_organiser", "console.surveys": "event_organiser",
    "console.survey_csv": "event_organiser", "console.survey_defaults": "event_organiser",
    "console.survey_edit": "event_organiser", "console.survey_round": "event_organiser",
    "console.survey_send": "event_organiser", "console.results": "event_staff", "console.results_file": "event_staff",
    "console.notice": "anyone",
    "console.participants": "event_staff", "console.requests_page": "event_staff", "console.schedule": "event_staff",
    "console.not_placed_page": "event_staff", "console.outbox": "event_staff", "console.event_setup": "event_staff",
    "console.retry_message": "event_organiser",
    "portal.my_data": "own_link", "portal.my_privacy": "own_link", "portal.survey_page": "own_link",
    "portal.survey_answer": "own_link",
    "portal.request_action": "a_only", "portal.answer_offer": "a_only", "portal.meeting_ics": "a_only",
}  # fmt: skip

#: Socket.IO handlers (namespace "/"): who may connect, who may watch event A
SOCKET_RULES = {"connect": {"participant_a", "participant_b", "host_here", "host_elsewhere", "organiser"},
                "watch": {"host_here", "organiser"}}  # fmt: skip

#: form fields a request sends (else an empty body): a discard of an upload that is not there
BODIES = {"console.import_apply": {"action": "discard"}}

#: a previewed upload waiting to be applied or discarded (the file is written before each cell)
UPLOAD = "u" * 43

#: the ``action`` part of URLs that have one
ACTIONS = {"board.mark": "held", "portal.request_action": "withdraw", "portal.answer_offer": "decline"}

_PROBE = create_app({"DATABASE": ":memory:", "SECRET_KEY": "probe", "TESTING": True})
ROUTES = sorted((r.endpoint, r.rule, m) for r in _PROBE.url_map.iter_rules() for m in r.methods - {"HEAD", "OPTIONS"})


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> World:
    return build(tmp_path_factory.mktemp("matrix"))


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    out = tmp_path_factory.mktemp("matrix-out")
    return create_app({"DATABASE": ":unset:", "SECRET_KEY": "matrix", "TESTING": True, "WTF_CSRF_ENABLED": False,
                       "OUTBOX_DIR": str(out), "SOLVE_TIME_LIMIT": 0.5, "IMPORT_DIR": str(out / "imports")})


def client_for(app, actor: str, world: World):
    c = app.test_client()
    with c.session_transaction() as s:
        if actor in STAFF_LOGINS:
            s["user"], s["role"] = STAFF_LOGINS[actor]
            s["generation"] = 0
        elif actor.startswith("participant"):
            s["participant"] = [EVENT_A, world.a if actor == "participant_a" else world.b]
    return c


def url_of(endpoint: str, rule_text: str, actor: str, world: World) -> str:
    values = {"event_id": EVENT_A, "pid": world.a, "meeting_id": world.meeting, "sender": world.request[0],
              "receiver": world.request[1], "room": 1, "offer_id": world.offer, "upload": UPLOAD,
              "username": "zed", "filename": "app.css", "action": ACTIONS.get(endpoint, ""),
              "survey_id": "adoption", "wave": "m3", "fmt": "xlsx", "message_id": 1}  # fmt: skip
    if "<token>" in rule_text:
        pid = {"participant_a": world.a, "participant_b": world.b}.get(actor)
        values["token"] = world.tokens[pid] if pid else "no-such-link-" + "x" * 20
    if "<wave>" in rule_text:
        values["survey_id"] = "followup"  # the survey sent in waves
    adapter = _PROBE.url_map.bind("localhost")
    return adapter.build(endpoint, {k: v for k, v in values.items() if f"{k}>" in rule_text or f":{k}>" in rule_text})


def outcome(resp) -> str:
    """``allowed``, ``denied`` (401, 403, 404, or sent to log in) or ``error`` (a 5xx)."""
    if resp.status_code >= 500:
        return "error"
    if resp.status_code in (401, 403, 404):
        return "denied"
    if resp.status_code in (301, 302, 303) and "/login" in resp.headers.get("Location", ""):
        return "denied"
    return "allowed"


def test_every_route_is_classified():
    missing = sorted({e for e, _, _ in ROUTES} - set(RULES))
    assert missing == [], f"routes without an access rule: add them to RULES: {missing}"
    assert sorted(set(RULES) - {e for e, _, _ in ROUTES}) == []  # no stale rule either


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize(("endpoint", "rule", "method"), ROUTES, ids=[f"{m} {r}" for _, r, m in ROUTES])
def test_access(app, world, tmp_path, endpoint, rule, method, actor):
    assert endpoint in RULES, f"{endpoint} ({method} {rule}) has no access rule: classify it in RULES"
    app.config["DATABASE"] = str(world.fresh(tmp_path))
    parked = Path(app.config["IMPORT_DIR"]) / f"{UPLOAD}.json"
    parked.parent.mkdir(parents=True, exist_ok=True)
    parked.write_text("{}", encoding="utf-8")
    with client_for(app, actor, world).open(url_of(endpoint, rule, actor, world), method=method,
                                            data=BODIES.get(endpoint) if method == "POST" else None) as resp:
        got = outcome(resp)
    if RULES[endpoint] == "anyone":  # a failed log-in (401) or a log-out page is an answer, not a refusal
        assert got != "error", resp.status_code
        return
    expected = "allowed" if actor in ALLOWED[RULES[endpoint]] else "denied"
    assert got == expected, f"{actor} {method} {rule}: {resp.status_code} {resp.headers.get('Location', '')}"
    if got == "denied" and actor == "host_elsewhere" and "<event_id>" in rule:
        assert resp.status_code == 404  # another event's host cannot tell the event exists
    staff_rule = RULES[endpoint] not in ("own_link", "a_only")
    if got == "denied" and actor == "anonymous" and staff_rule:
        assert resp.status_code in (302, 401)  # sent to log in
    if got == "denied" and actor.startswith("participant") and staff_rule:
        assert resp.status_code == 403  # a personal link opens no staff page


def test_every_socket_handler_is_classified():
    handlers = set(_PROBE.extensions["socketio"].server.handlers.get("/", {}))
    assert sorted(handlers - set(SOCKET_RULES)) == [], "Socket.IO handlers without an access rule"


@pytest.fixture(scope="module")
def server(world, tmp_path_factory):
    """A real server on a copy of the world, for the Socket.IO cells (handlers need real sockets)."""
    srv = Server(world.fresh(tmp_path_factory.mktemp("matrix-server")), extra_env={"MATCHMAKING_STANDBY_TICK": "0"})
    yield srv
    srv.stop()


def socket_tab(server, world: World, actor: str, watch: str | None = None) -> Tab | None:
    """A live connection as the actor opens it, or None when the handshake is refused."""
    pid = {"participant_a": world.a, "participant_b": world.b}.get(actor)
    cookie = cookie_of(login(server.url, STAFF_LOGINS[actor][0])[0]) if actor in STAFF_LOGINS else None
    try:
        return Tab(server.url, token=world.tokens[pid] if pid else None, cookie=cookie, watch=watch)
    except socketio.exceptions.ConnectionError:
        return None


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("handler", sorted(SOCKET_RULES))
def test_socket_access(server, world, handler, actor):
    tab = socket_tab(server, world, actor, watch=EVENT_A if handler == "watch" else None)
    try:
        if handler == "connect" or tab is None:
            assert (tab is not None) == (actor in SOCKET_RULES[handler]), actor
            return
        assert until(lambda: tab.got, 5), "no answer to watch"
        assert (tab.names()[0] == "watching") == (actor in SOCKET_RULES[handler]), tab.got
    finally:
        if tab is not None:
            tab.close()


def test_matrix_size():
    """The size the closing note reports: routes x actors plus handlers x actors."""
    assert len(ROUTES) * len(ACTORS) + len(SOCKET_RULES) * len(ACTORS) >= 6 * 55
