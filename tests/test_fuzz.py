"""Adversarial input: generated bodies through every POST route and the import, and odd ids in
every URL, against a real app on a real SQLite file (Flask test client, CSRF off).

Each answer must be a page, never a 500; nothing may be logged with a traceback; and a request
that is refused (4xx) must leave every stored table as it was (``login_failures`` aside: counting
failed log-ins is its purpose). The POST routes come from ``app.url_map``, so a new one is fuzzed
without being listed. Hypothesis runs derandomized, so a run is repeatable.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import threading
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler.store import Store
from tests.security_world import EVENT_A, World, build
from webapp import create_app

#: the fields the views read, and some they do not
FIELDS = ["absent", "action", "apply", "auto_repair", "available", "close_room", "confirm", "conflicts", "event",
          "from", "late_from", "late_priority", "late_to", "lost", "meeting", "mode", "moves", "new_password",
          "participant", "password", "priority", "repeat", "replace", "restore", "role", "room", "sessions", "slot",
          "to", "until", "username", "version", "wh_end", "wh_start", "name", "contact", "email", "description",
          "sectors", "needs", "offers", "languages", "standby_minutes", "waitlist", "csrf_token", "files", "x",
          "picker", "timezone", "back", "q", "id", "imposed", "locked", "max_meetings", "request_ttl_hours",
          "compactness", "break_spread", "allow_same_kind", "working_hours", "k", "retention_days"]  # fmt: skip

NASTY = ["", "0", "-1", "1e309", "nan", "9" * 20, str(2**64), "\x00", "\x1b[31m", "\u202eevil", "é" * 50,
         "<script>alert(1)</script>", "' OR 1=1 --", "../../etc/passwd", "{}", "[]", "null", "true", "1;2;3",
         "2027-03-26 09:00-11:00", "24:00", "99:99", "x" * 70_000]  # fmt: skip
TEXT = st.one_of(st.sampled_from(NASTY), st.text(max_size=40),
                 st.integers(min_value=-(2**70), max_value=2**70).map(str))
FORM = st.dictionaries(st.sampled_from(FIELDS), st.one_of(TEXT, st.lists(TEXT, max_size=3)), max_size=6)
JSON_VALUE = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
                          lambda kids: st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=8), kids, max_size=3),
                          max_leaves=10)  # fmt: skip
DEEP = "[" * 5000 + "]" * 5000
BIG_CELL = "id,name,kind,timezone\nt-1,\"" + "x" * (140 * 1024) + "\",traditional,Europe/Paris\n"


def _files() -> st.SearchStrategy:
    """What an import receives: event documents broken in every way, CSV with huge cells, bytes."""
    content = st.one_of(
        st.just(DEEP.encode()), st.just(BIG_CELL.encode()), st.binary(max_size=200),
        JSON_VALUE.map(lambda v: json.dumps(v).encode()),
        st.builds(lambda k, v: json.dumps({"event": {k: v}, "participants": [], "requests": []}).encode(),
                  st.sampled_from(["id", "name", "rooms", "sessions", "timezone"]), JSON_VALUE),
    )
    name = st.sampled_from(["event.json", "participants.csv", "requests.csv", "x.xlsx", "a.txt", "event.csv"])
    return st.lists(st.tuples(name, content), min_size=1, max_size=3)


BODY = st.one_of(
    FORM.map(lambda f: {"data": f}),
    JSON_VALUE.map(lambda v: {"json": v}),
    st.just({"data": DEEP, "content_type": "application/json"}),
    _files().map(lambda fs: {"data": {"files": [(io.BytesIO(c), n) for n, c in fs]},
                             "content_type": "multipart/form-data"}),
)  # fmt: skip


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> World:
    return build(tmp_path_factory.mktemp("fuzz"))


class Errors(logging.Handler):
    """Every log record with a traceback, or at ERROR and above."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info or record.levelno >= logging.ERROR:
            self.records.append(record)


@pytest.fixture(scope="module")
def fuzz_app(world, tmp_path_factory):
    BASELINE.update(threading.enumerate())
    folder = tmp_path_factory.mktemp("fuzz-app")
    db = world.fresh(folder)
    app = create_app({"DATABASE": str(db), "SECRET_KEY": "fuzz", "WTF_CSRF_ENABLED": False, "TESTING": False,
                      "OUTBOX_DIR": str(folder / "out"), "SOLVE_TIME_LIMIT": 0.2, "IMPORT_DIR": str(folder / "up"),
                      "LOGIN_MAX_FAILURES_PER_ADDRESS": 10**6})  # fmt: skip
    errors = Errors()
    for name in ("", "webapp", app.logger.name, "werkzeug"):
        logging.getLogger(name).addHandler(errors)
    yield app, db, errors
    for name in ("", "webapp", app.logger.name, "werkzeug"):
        logging.getLogger(name).removeHandler(errors)


def settle(seconds: float = 60) -> None:
    """Wait until the background threads the app started (solves, deliveries) have ended."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not [t for t in threading.enumerate() if t not in BASELINE and t.is_alive()]:
            return
        time.sleep(0.02)
    raise AssertionError("background work did not finish")


BASELINE: set[threading.Thread] = set()  # the threads alive before the app was made


@pytest.fixture
def clean_app(world, tmp_path):
    """An app on an untouched copy of the world (the fuzzed one has changed a lot)."""
    db = world.fresh(tmp_path)
    app = create_app({"DATABASE": str(db), "SECRET_KEY": "fuzz", "WTF_CSRF_ENABLED": False, "TESTING": False,
                      "OUTBOX_DIR": str(tmp_path / "out"), "IMPORT_DIR": str(tmp_path / "up")})  # fmt: skip
    errors = Errors()
    app.logger.addHandler(errors)
    yield app, db, errors
    app.logger.removeHandler(errors)


def digest(db) -> dict[str, str]:
    """A hash of each table's rows (the whole stored state, row by row)."""
    with Store(db) as s:
        tables = [t for t in s.db.table_names() if t != "login_failures"]
        return {t: hashlib.sha256(repr(s.db.execute(f"SELECT * FROM [{t}] ORDER BY rowid").fetchall()).encode())
                .hexdigest() for t in tables}  # fmt: skip


def client_of(app, db, rule: str, world: World):
    """A client logged in as the organiser (with the account's current session generation)."""
    c = app.test_client()
    with Store(db) as s:
        generation = s.user("olga")["session_generation"]
    with c.session_transaction() as sess:
        sess["user"], sess["role"], sess["generation"] = "olga", "organiser", generation
    return c


def url_for_rule(app, endpoint: str, rule: str, world: World, action: str, token: str | None = None) -> str:
    values = {"event_id": EVENT_A, "pid": world.a, "meeting_id": world.meeting, "sender": world.request[0],
              "receiver": world.request[1], "room": 1, "offer_id": world.offer, "upload": "u" * 43,
              "username": "zed", "token": token or world.tokens[world.a], "action": action,
              "survey_id": "feedback", "wave": "m3", "fmt": "html", "message_id": 1}  # fmt: skip
    return app.url_map.bind("localhost").build(endpoint, {k: v for k, v in values.items() if f"{k}>" in rule})


POSTS = sorted((r.endpoint, r.rule) for r in create_app({"DATABASE": ":memory:", "SECRET_KEY": "p"}).url_map.iter_rules()
               if "POST" in r.methods)  # fmt: skip
#: examples in all: Hypothesis draws the route and the body together
EXAMPLES = 2400


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])  # fmt: skip
@given(route=st.sampled_from(POSTS), body=BODY,
       action=st.sampled_from(["accept", "decline", "withdraw", "held", "no-show", "cancel", "x"]))
def test_no_post_body_breaks_the_server(fuzz_app, world, route, body, action):
    app, db, errors = fuzz_app
    endpoint, rule = route
    settle()  # a solve or a delivery started by an earlier example has finished
    before = digest(db)
    client = client_of(app, db, rule, world)
    with Store(db) as s:  # A's link as it is now (a fuzzed "renew link" replaces it)
        token = s.tokens(EVENT_A).get(world.a)
    with client.post(url_for_rule(app, endpoint, rule, world, action, token), **body) as resp:
        status = resp.status_code
    assert status < 500, f"{endpoint}: {status}"
    assert errors.records == [], [r.getMessage() for r in errors.records]
    with client.session_transaction() as sess:  # a refusal said on the next page, as an error message
        refused = [m for cat, m in sess.get("_flashes", []) if cat == "error"]
    settle()
    if status >= 400 or refused:
        assert digest(db) == before, f"{endpoint} refused ({status}, {refused}) but changed the stored data"
    COUNTS[endpoint] = COUNTS.get(endpoint, 0) + 1
    STATUSES[status] = STATUSES.get(status, 0) + 1
    REFUSED[0] += bool(refused)


COUNTS: dict[str, int] = {}
STATUSES: dict[int, int] = {}
REFUSED = [0]  # answers that said an error on the next page


def test_every_post_route_was_fuzzed():
    """Runs after the fuzz test (file order): each POST route got its share of the bodies."""
    if not COUNTS:
        pytest.skip("run with the fuzz test")
    assert set(COUNTS) == {e for e, _ in POSTS}, sorted({e for e, _ in POSTS} - set(COUNTS))
    print(f"\nfuzzed {sum(COUNTS.values())} bodies over {len(COUNTS)} POST routes; answers: {sorted(STATUSES.items())}, "
          f"{REFUSED[0]} refused with a message")
    assert sum(COUNTS.values()) >= EXAMPLES * 0.9


ODD_IDS = ["9" * 20, str(2**64), "-1", "0", "é", "%00", "%E2%80%AE", "a" * 3000, "..", "%2e%2e", "1.5", " "]


@pytest.mark.parametrize("odd", ODD_IDS)
def test_odd_ids_in_every_url_are_never_a_500(clean_app, world, odd):
    app, db, errors = clean_app
    client = client_of(app, db, "", world)
    for r in app.url_map.iter_rules():
        if not r.arguments:
            continue
        for method in sorted(r.methods - {"HEAD", "OPTIONS"}):
            path = r.rule
            for arg in r.arguments:
                path = path.replace(f"<{arg}>", odd).replace(f"<int:{arg}>", odd).replace(f"<path:{arg}>", odd)
            with client.open(path, method=method) as resp:
                assert resp.status_code < 500, f"{method} {path[:120]}: {resp.status_code}"
    assert errors.records == []


def test_a_20_digit_offer_id_on_a_participants_accept_url_is_404(clean_app, world):
    app, _, _ = clean_app
    url = f"/p/{world.tokens[world.a]}/offers/{'9' * 20}/accept"
    assert app.test_client().post(url).status_code == 404


def test_a_body_over_the_limit_gets_a_413_in_words(clean_app):
    app, db, _ = clean_app
    c = client_of(app, db, "", None)
    big = b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    with c.post("/events/import", data=big, content_type="multipart/form-data; boundary=b") as r:
        assert r.status_code == 413 and "larger than 5 MB" in r.get_data(as_text=True)


@pytest.mark.parametrize(("name", "content", "words"), [
    ("event.json", DEEP, "nest more than 32 levels deep"),
    ("participants.csv", BIG_CELL, "a cell may be at most 128 KiB long"),
])  # fmt: skip
def test_deep_json_and_huge_csv_cells_are_import_errors(clean_app, name, content, words):
    app, db, _ = clean_app
    before = digest(db)
    files = [(io.BytesIO(content.encode()), name)]
    if name.endswith(".csv"):
        files.append((io.BytesIO(json.dumps({"event": {"id": "x"}}).encode()), "event.json"))
    with client_of(app, db, "", None).post("/events/import", data={"files": files},
                                           content_type="multipart/form-data") as r:  # fmt: skip
        assert r.status_code == 400 and words in r.get_data(as_text=True), r.get_data(as_text=True)[-2000:]
    assert digest(db) == before


def test_a_profile_with_control_characters_is_refused_naming_the_field(clean_app, world):
    app, db, _ = clean_app
    before = digest(db)
    c = app.test_client()
    url = f"/p/{world.tokens[world.a]}/profile"
    r = c.post(url, data={"name": "Alfa\x00\x1b[2J\u202eLtd", "description": "d" * 6000}, follow_redirects=True)
    text = r.get_data(as_text=True)
    assert "Name: contains a control character" in text and "Description: at most 5000 characters" in text
    assert digest(db) == before


REAL_EXAMPLES = 80


@pytest.fixture(scope="module")
def real_server(world, tmp_path_factory):
    from tests.webtools import Server, login

    folder = tmp_path_factory.mktemp("fuzz-real")
    server = Server(world.fresh(folder), solve_seconds=0.2, extra_env={"MATCHMAKING_STANDBY_TICK": "0"})
    session, csrf = login(server.url, "olga")
    yield server, session, csrf, folder / f"server-{server.port}.log"
    server.stop()


@settings(max_examples=REAL_EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])  # fmt: skip
@given(route=st.sampled_from(POSTS), form=FORM, action=st.sampled_from(["accept", "decline", "held", "x"]))
def test_a_real_server_answers_generated_forms_without_a_traceback(real_server, world, route, form, action):
    """A smaller sample over a real socket, with CSRF on: the server's own log must stay clean."""
    server, session, csrf, log = real_server
    endpoint, rule = route
    if endpoint in ("auth.logout", "staff.own_password"):
        return  # would end the fuzzing organiser's session
    url = server.url + url_for_rule(create_app_probe(), endpoint, rule, world, action)
    r = session.post(url, data={**form, "csrf_token": csrf}, allow_redirects=False, timeout=60)
    assert r.status_code < 500, f"{endpoint}: {r.status_code}"
    assert "Traceback" not in log.read_text(encoding="utf-8", errors="replace")


def create_app_probe():
    """An app object only to build URLs from its map (no request runs on it)."""
    if not _PROBE:
        _PROBE.append(create_app({"DATABASE": ":memory:", "SECRET_KEY": "p"}))
    return _PROBE[0]


_PROBE: list = []
