"""Log-in hardening and staff per event, over a real server and the command line: lock-out,
revoked cookies, hash upgrades, the password policy, the session cookie's flags, the staff
pages, grants per event, and the Socket.IO origin check."""

from __future__ import annotations

import json

import pytest
import requests
import socketio
from werkzeug.security import generate_password_hash

from scheduler.domain.errors import InvalidInput
from scheduler.domain.passwords import check_password
from scheduler.store import Store
from tests.builders import document, person
from tests.conftest import SAMPLE
from tests.test_cli import run
from tests.webtools import PASSWORD, Server, csrf_of, login, seed_db

OTHER = document([person("t-x", name="Other Event SME"), person("s-x")], [("t-x", "s-x")])
OTHER["event"]["id"] = "other-event"
A = "ai4trad-2027"
NEW_PASSWORD = "a much longer secret 42"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    db = tmp_path_factory.mktemp("login") / "login.db"
    seed_db(db, [json.loads(SAMPLE.read_text()), OTHER])
    with Store(db) as s:
        s.add_user("lena", generate_password_hash(PASSWORD), "host")
        s.add_user("old", generate_password_hash(PASSWORD, method="pbkdf2:sha256:600000"), "host")
    server = Server(db)
    yield server, db
    server.stop()


def attempt(url: str, user: str, password: str) -> requests.Response:
    s = requests.Session()
    return s.post(url + "/login", data={"username": user, "password": password,
                                        "csrf_token": csrf_of(s.get(url + "/login").text)}, allow_redirects=False)


def test_five_wrong_passwords_lock_the_account_until_an_organiser_resets_it(world):
    server, db = world
    assert [attempt(server.url, "lena", f"wrong {i}").status_code for i in range(5)] == [401] * 5
    locked = attempt(server.url, "lena", PASSWORD)  # the right password, too late
    assert locked.status_code == 429 and "locked for 15 more minutes" in locked.text
    assert int(locked.headers["Retry-After"]) == 15 * 60
    assert attempt(server.url, "hans", PASSWORD).status_code == 302  # another account is not locked
    olga, csrf = login(server.url, "olga")
    r = olga.post(server.url + "/staff/lena/password", data={"password": NEW_PASSWORD, "csrf_token": csrf})
    assert r.status_code == 200 and "The password of lena was reset" in r.text
    assert attempt(server.url, "lena", NEW_PASSWORD).status_code == 302


def test_the_lock_out_survives_a_restart(world, tmp_path):
    _, db = world
    with Store(db) as s:
        s.add_user("kai", generate_password_hash(PASSWORD), "host")
    first = Server(db)
    try:
        for i in range(5):
            attempt(first.url, "kai", f"wrong {i}")
    finally:
        first.stop()
    second = Server(db)
    try:
        assert attempt(second.url, "kai", PASSWORD).status_code == 429
    finally:
        second.stop()


def test_a_cookie_saved_before_log_out_opens_nothing_after_it(world):
    server, _ = world
    before_login = requests.Session()
    before_login.get(server.url + "/login")
    anonymous_cookie = dict(before_login.cookies)
    s, csrf = login(server.url, "hans")
    assert dict(s.cookies) != anonymous_cookie  # a fresh session at log-in, never the one it came with
    saved = dict(s.cookies)
    assert s.get(server.url + "/events", allow_redirects=False).status_code == 200
    s.post(server.url + "/logout", data={"csrf_token": csrf})
    replay = requests.get(server.url + "/events", cookies=saved, allow_redirects=False)
    assert replay.status_code == 302 and "/login" in replay.headers["Location"]
    with pytest.raises(socketio.exceptions.ConnectionError):  # nor a live connection
        socketio.Client(reconnection=False).connect(
            server.url, headers={"Cookie": "; ".join(f"{k}={v}" for k, v in saved.items())},
            transports=["websocket"], wait_timeout=5)


def test_an_old_hash_is_upgraded_at_log_in(world):
    server, db = world
    assert attempt(server.url, "old", PASSWORD).status_code == 302
    with Store(db) as s:
        assert s.user("old")["password_hash"].startswith("scrypt:")
    assert attempt(server.url, "old", PASSWORD).status_code == 302  # and still verifies


@pytest.mark.parametrize(("password", "username", "words"), [
    ("short1", "anna", "use at least 12 characters (this one has 6)"),
    ("anna-the-organiser", "anna", "do not use the user name in the password"),
    ("password1234", "anna", "this password is on the list of the most used ones"),
    ("tab\there is bad", "anna", "control characters"),
])  # fmt: skip
def test_the_password_policy_says_why(password, username, words):
    with pytest.raises(InvalidInput) as exc:
        check_password(password, username)
    assert words in str(exc.value) and str(exc.value).startswith("password: ")


def test_a_good_password_passes_the_policy():
    check_password(NEW_PASSWORD, "anna")


def test_the_session_cookie_is_secure_over_https_and_never_readable_by_scripts(tmp_path):
    from webapp import create_app

    db = tmp_path / "c.db"
    with Store(db) as s:
        s.add_user("olga", generate_password_hash(PASSWORD), "organiser")
    for base, secure in (("https://events.cluster.example", True), ("http://127.0.0.1:5000", False)):
        app = create_app({"DATABASE": str(db), "SECRET_KEY": "t", "WTF_CSRF_ENABLED": False, "BASE_URL": base})
        r = app.test_client().post("/login", data={"username": "olga", "password": PASSWORD})
        cookie = r.headers["Set-Cookie"]
        assert r.status_code == 302 and "HttpOnly" in cookie and "SameSite=Lax" in cookie
        assert ("Secure" in cookie) == secure


def test_organisers_manage_staff_and_grants_in_the_web(world):
    server, _ = world
    olga, csrf = login(server.url, "olga")
    weak = olga.post(server.url + "/staff", data={"username": "anna", "password": "anna12345", "role": "host",
                                                  "csrf_token": csrf})  # fmt: skip
    assert "The account was not added: password: use at least 12 characters" in weak.text
    ok = olga.post(server.url + "/staff", data={"username": "anna", "password": NEW_PASSWORD, "role": "host",
                                                "csrf_token": csrf})  # fmt: skip
    assert "Account anna added as host." in ok.text
    anna = requests.Session()
    r = anna.post(server.url + "/login", data={"username": "anna", "password": NEW_PASSWORD,
                                               "csrf_token": csrf_of(anna.get(server.url + "/login").text)})
    assert r.status_code == 200 and A not in r.text and "other-event" not in r.text  # no event granted yet
    assert anna.get(server.url + f"/events/{A}/board").status_code == 404
    olga.post(server.url + "/staff/anna/grant", data={"event": "other-event", "role": "host", "csrf_token": csrf})
    assert anna.get(server.url + "/events/other-event/board").status_code == 200
    assert anna.get(server.url + f"/events/{A}/board").status_code == 404  # a host of B sees nothing of A
    listing = anna.get(server.url + "/events").text
    assert "other-event" in listing and f'href="/events/{A}"' not in listing
    olga.post(server.url + "/staff/anna/revoke", data={"event": "other-event", "csrf_token": csrf})
    assert anna.get(server.url + "/events/other-event/board").status_code == 404
    olga.post(server.url + "/staff/anna/remove", data={"csrf_token": csrf})
    r = anna.get(server.url + "/events", allow_redirects=False)
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_a_live_connection_from_another_origin_is_refused(world):
    server, _ = world
    hans, _ = login(server.url, "hans")
    cookie = "; ".join(f"{c.name}={c.value}" for c in hans.cookies)
    with pytest.raises(socketio.exceptions.ConnectionError):
        socketio.Client(reconnection=False).connect(server.url, headers={"Cookie": cookie, "Origin": "http://evil.example"},
                                                    transports=["polling"], wait_timeout=5)  # fmt: skip
    good = socketio.Client(reconnection=False)
    good.connect(server.url, headers={"Cookie": cookie, "Origin": server.url}, transports=["polling"], wait_timeout=5)
    assert good.connected
    good.disconnect()


def test_user_commands(tmp_path):
    db = str(tmp_path / "u.db")
    run("--db", db, "import", str(SAMPLE))
    weak = run("--db", db, "user", "add", "anna", "--role", "host", "--password-stdin", check=False)
    assert weak.returncode == 2 and "password: use at least 12 characters" in weak.stderr
    odd = run("--db", db, "user", "add", "anna\u202eadmin", "--password-stdin", check=False)
    assert odd.returncode == 2 and "user name: use 1 to 64 letters" in odd.stderr
    add = subprocess_run(db, "add", "anna", "--role", "host", "--password-stdin", stdin=NEW_PASSWORD + "\n")
    assert "user 'anna' (host) created" in add
    assert "is host of event 'ai4trad-2027'" in subprocess_run(db, "grant", "anna", "--event", A)
    assert "anna  host  ai4trad-2027 (host)" in subprocess_run(db, "list")
    assert "sessions ended" in subprocess_run(db, "reset", "anna", "--password-stdin", stdin=NEW_PASSWORD + "!\n")
    assert "no longer has a role" in subprocess_run(db, "revoke", "anna", "--event", A)
    assert "anna  host  no event yet" in subprocess_run(db, "list")
    assert "removed" in subprocess_run(db, "remove", "anna")


def subprocess_run(db: str, *args: str, stdin: str = "") -> str:
    import subprocess
    import sys

    from tests.conftest import ROOT

    proc = subprocess.run([sys.executable, str(ROOT / "run.py"), "--db", db, "user", *args], input=stdin,
                          capture_output=True, text=True, cwd=ROOT, timeout=60)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_the_upgrade_grants_existing_hosts_every_existing_event(tmp_path):
    """Schema v12: organisers stay global, each host keeps every event stored before the upgrade."""
    import sqlite3

    import sqlite_utils

    from scheduler.files import formats
    from scheduler.store import MIGRATIONS

    path = tmp_path / "v11.db"
    db = sqlite_utils.Database(sqlite3.connect(path))
    for migrate in MIGRATIONS[:11]:
        migrate(db)
    db.execute("PRAGMA user_version=11")
    db.conn.commit()
    db.conn.close()
    # rows as the v11 release stored them, written without the new code
    old = sqlite_utils.Database(sqlite3.connect(path))
    old["users"].insert_all([{"username": "olga", "password_hash": "x", "role": "organiser", "created_at": "t"},
                             {"username": "hans", "password_hash": "x", "role": "host", "created_at": "t"}])
    for ev in ("ev-1", "ev-2"):
        old["events"].insert({"id": ev, "name": ev, "timezone": "UTC", "slot_minutes": 30, "rooms": 1,
                              "max_meetings": 1, "sessions": "[]"})  # fmt: skip
    old.conn.commit()
    old.conn.close()
    with Store(path) as s:
        assert s.event_role("hans", "ev-1") == s.event_role("hans", "ev-2") == "host"
        assert s.event_role("olga", "ev-2") == "organiser" and s.granted_events("olga") == set()
        s.save_event(formats.parse_event_document(OTHER))  # an event stored after the upgrade
        assert s.event_role("hans", "other-event") is None
        assert s.user("hans")["session_generation"] == 0


@pytest.mark.parametrize(("base", "origin", "ok"), [
    ("https://events.cluster.example", "https://events.cluster.example", True),
    ("https://events.cluster.example", "http://events.cluster.example", False),  # not the public scheme
    ("https://events.cluster.example", "http://127.0.0.1:5000", False),
    ("https://events.cluster.example", "http://evil.example", False),
    ("http://127.0.0.1:5000", "http://localhost:5000", True),  # the embedded server, on this machine
    ("http://127.0.0.1:5000", "http://evil.example", False),
    ("http://127.0.0.1:5000", "null", False),
])  # fmt: skip
def test_the_origins_a_live_connection_may_come_from(base, origin, ok):
    from webapp.hardening import allowed_origins

    assert allowed_origins({"BASE_URL": base})(origin) is ok


def test_a_server_behind_https_sends_a_secure_cookie(world):
    """``run.py serve`` with MATCHMAKING_BASE_URL=https://...: the public URL, not the bind address, decides."""
    _, db = world
    server = Server(db, extra_env={"MATCHMAKING_BASE_URL": "https://events.cluster.example"})
    try:
        r = requests.get(server.url + "/login")  # the form's CSRF token goes into the session cookie
        assert r.status_code == 200 and "Secure" in r.headers["Set-Cookie"]
    finally:
        server.stop()


def test_an_organiser_of_one_event_runs_it_and_only_it(world):
    server, db = world
    with Store(db) as s:
        s.add_user("eva", generate_password_hash(PASSWORD), "host")
        s.grant("other-event", "eva", "organiser")
    eva, csrf = login(server.url, "eva")
    page = eva.get(server.url + "/events/other-event").text
    assert "/events/other-event/solve" in page and "/events/other-event/recommendations" in page  # its buttons
    assert eva.get(server.url + "/events/other-event/recommendations").status_code == 200
    assert eva.get(server.url + f"/events/{A}").status_code == 404
    assert eva.get(server.url + "/staff").status_code == 403  # the staff stay the global organisers'


def test_behind_a_proxy_the_lock_out_counts_each_visitor_not_the_proxy(tmp_path):
    """With MATCHMAKING_PROXY_HOPS=1 (one nginx in front) the address is the visitor's from
    X-Forwarded-For: thirty failures from one visitor lock that visitor, not everyone behind the proxy."""
    from webapp import create_app

    db = tmp_path / "proxy.db"
    seed_db(db, [json.loads(SAMPLE.read_text())])
    app = create_app({"DATABASE": str(db), "SECRET_KEY": "proxy-test", "TESTING": True, "WTF_CSRF_ENABLED": False,
                      "PROXY_HOPS": 1, "LOGIN_MAX_FAILURES_PER_ADDRESS": 3})  # fmt: skip

    def wrong(visitor: str, user: str) -> int:
        return app.test_client().post("/login", data={"username": user, "password": "not the password"},
                                      headers={"X-Forwarded-For": visitor},
                                      environ_base={"REMOTE_ADDR": "127.0.0.1"}).status_code  # fmt: skip

    for i in range(3):  # three different accounts, so only the address counts
        assert wrong("203.0.113.7", f"nobody{i}") == 401
    assert wrong("203.0.113.7", "nobody9") == 429  # that visitor is locked out
    assert wrong("198.51.100.2", "nobody9") == 401  # another visitor through the same proxy is not
