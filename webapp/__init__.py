"""Flask + Flask-SocketIO web app: organiser console and participant portal."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask, g

from scheduler.store import default_path

from .extensions import csrf, get_store, socketio


def _secret_key(app: Flask) -> str:
    """The key from configuration, else one generated once into the instance folder."""
    if app.config.get("SECRET_KEY"):
        return app.config["SECRET_KEY"]
    path = Path(app.instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        os.chmod(path, 0o600)
    return path.read_text().strip()


def _client_manager(config: dict[str, Any]):
    """With ``REDIS_URL``: Socket.IO through Redis's message queue, one change's many messages
    published as one batch (webapp/fanout.py); else None, one process."""
    if not config.get("REDIS_URL"):
        return None
    from .fanout import BatchingRedisManager

    return BatchingRedisManager(config["REDIS_URL"], channel=config["SOCKETIO_CHANNEL"])


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app; ``test_config`` overrides settings (DATABASE, SECRET_KEY, ...)."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.update(
        DATABASE=str(default_path()),
        MAX_CONTENT_LENGTH=5 * 1024 * 1024,  # uploads: event files are small
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        WTF_CSRF_TIME_LIMIT=None,
        SOLVE_TIME_LIMIT=20.0,
        BASE_URL="http://127.0.0.1:5000",
        OUTBOX_DIR=None,
        REDIS_URL=None,  # set: Socket.IO through this Redis's message queue, solves on run.py worker
        SOCKETIO_CHANNEL="flask-socketio",
        SOLVE_HEARTBEAT=10,  # seconds between two heartbeats of a running solve's lock
    )
    app.config.from_prefixed_env("MATCHMAKING")
    if test_config:
        app.config.update(test_config)
    app.config["SECRET_KEY"] = _secret_key(app)
    if not app.config.get("SESSION_COOKIE_SECURE"):
        # served over HTTPS (the public URL says so): the session cookie never travels in clear
        app.config["SESSION_COOKIE_SECURE"] = str(app.config["BASE_URL"]).startswith("https://")
    app.debug = False
    from .hardening import SafeInt, allowed_origins, register_error_pages, release_vanished_clients

    app.url_map.converters["int"] = SafeInt  # before any rule is added: no id overflows SQLite

    import threading

    app.extensions["outbox_delivery"] = threading.Lock()  # one outbox delivery at a time in this process
    csrf.init_app(app)
    from scheduler.domain.language import language_name

    from .i18n import init_i18n, page_language, said_here

    init_i18n(app)  # languages: webapp/i18n.py
    # a browser's live connection comes from the public URL's origin (or the bind address it
    # serves); a page elsewhere (http://evil.example) cannot open one with the staff's cookie.
    # A client that vanished is dropped after ping_interval + ping_timeout seconds, its thread with it.
    socketio.init_app(app, async_mode="threading", cors_allowed_origins=allowed_origins(app.config),
                      ping_interval=app.config.get("SOCKET_PING_INTERVAL", 25),
                      ping_timeout=app.config.get("SOCKET_PING_TIMEOUT", 20),
                      client_manager=_client_manager(app.config))  # fmt: skip
    release_vanished_clients(socketio, app.config.get("SOCKET_PING_INTERVAL", 25))
    import logging

    from .accesslog import mask_logs

    mask_logs(app.logger, logging.getLogger("werkzeug"))  # personal links never reach a log
    hops = int(app.config.get("PROXY_HOPS") or 0)
    if hops > 0:  # behind that many reverse proxies: the client's address and scheme are theirs to say
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]

    from . import (
        auth,
        board,
        board_repairs,  # noqa: F401  (adds the repair routes to board.bp before it is registered)
        console,
        console_actions,  # noqa: F401  (adds the organiser's actions to console.bp before it is registered)
        console_capacity,  # noqa: F401  (adds the capacity page to console.bp before it is registered)
        console_edit,  # noqa: F401  (adds the event and participant edits to console.bp before it is registered)
        console_imports,  # noqa: F401  (adds the import routes to console.bp before it is registered)
        console_pages,  # noqa: F401  (adds the participants, requests, schedule, outbox, ... pages to console.bp)
        console_requests,  # noqa: F401  (adds the request routes to console.bp before it is registered)
        console_results,  # noqa: F401  (adds the results page to console.bp before it is registered)
        console_surveys,  # noqa: F401  (adds the survey pages to console.bp before it is registered)
        events,
        portal,
        portal_people,  # noqa: F401  (adds the directory to portal.bp before it is registered)
        portal_slots,  # noqa: F401  (adds the slot picker to portal.bp before it is registered)
        portal_surveys,  # noqa: F401  (adds the survey pages to portal.bp before it is registered)
        privacy,  # noqa: F401  (adds the data-protection routes to console.bp and portal.bp before they are registered)
        staff,
    )

    app.register_blueprint(auth.bp)
    app.register_blueprint(board.bp)
    app.register_blueprint(console.bp)
    app.register_blueprint(portal.bp)
    app.register_blueprint(staff.bp)
    from . import errors

    errors.register(app)  # every HTTP error as a page in the page's language
    register_error_pages(app)
    events.register(socketio)

    from scheduler.domain.errors import InvalidInput

    @app.errorhandler(InvalidInput)
    def invalid(exc: InvalidInput):
        from .account_words import said

        return errors.error_page(400, message=said(exc))

    from scheduler.domain.timegrid import local_label

    app.jinja_env.globals["local_label"] = local_label  # local times, with the offset in a repeated hour
    from scheduler.domain import sessions

    # in the page's language: "the afternoon session of 26 March", "afternoon", "afternoon of 26 March"
    app.jinja_env.globals["session_words"] = lambda event, chosen: said_here(sessions.describe(event, chosen))
    app.jinja_env.globals["session_label"] = lambda event, chosen: said_here(sessions.short(event, chosen))
    app.jinja_env.globals["session_numbers"] = sessions.format_sessions  # "1;3", as in requests.csv
    app.jinja_env.globals["language_name"] = lambda code: language_name(code, page_language())  # "anglais" for en
    app.jinja_env.globals["session_list"] = sessions.catalogue  # "1 = 2027-03-26 09:00-13:00, 2 = ..."

    @app.context_processor
    def phase_helper() -> dict[str, Any]:
        def event_phase(event_id: str) -> str:
            """The event's phase now (draft, published, live, closed): docs/changes.md."""
            from scheduler.changes.pipeline import phase

            from .live import clock

            store = get_store()
            return phase(store.load(event_id), store.published(event_id), clock())

        def staff_role() -> str | None:
            """The logged-in account's role on this page's event (its grant), else its global role."""
            from .auth import current_user

            user = current_user()
            return None if user is None else user["role"]

        return {"event_phase": event_phase, "staff_role": staff_role}

    @app.teardown_appcontext
    def close_store(_exc: BaseException | None) -> None:
        store = g.pop("store", None)
        if store is not None:
            store.close()

    @app.after_request
    def security_headers(resp):
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("X-Frame-Options", "DENY")
        resp.headers.setdefault("Referrer-Policy", "no-referrer")  # personal links stay private
        resp.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:",
        )
        return resp

    return app
