"""Organiser and host log-in; access rules shared by the views.

Log-in is throttled in the store, so it holds across processes and restarts: after
``LOGIN_MAX_FAILURES`` failed log-ins for one account within ``LOGIN_WINDOW_MINUTES``, the
account is locked for that many minutes (even the right password is refused, with 429);
after ``LOGIN_MAX_FAILURES_PER_ADDRESS`` from one address, that address is. A password
reset by an organiser lifts an account's lock. Each log-in writes the account's session
generation into a fresh cookie; log-out, a password change and a reset bump it, so every
older cookie stops working at once (docs/security.md).

Access: a global organiser runs every event and the staff; anyone else reaches an event
only through a grant (``event_staff``) as its host or organiser. A view of an event the
account was not granted answers 404, as for an event that does not exist.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import wraps
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext, ngettext
from werkzeug.security import check_password_hash, generate_password_hash

from .extensions import get_store

bp = Blueprint("auth", __name__)

#: the algorithm new hashes use (werkzeug's scrypt); an older hash is replaced at the next log-in
HASH_METHOD = "scrypt"
_DUMMY_HASH = generate_password_hash(secrets.token_hex(8), method=HASH_METHOD)


def hash_password(password: str) -> str:
    """A salted scrypt hash of the password, as stored in ``users.password_hash``."""
    return generate_password_hash(password, method=HASH_METHOD)


def event_role(username: str, event_id: str) -> str | None:
    """The account's role on the event (organiser, host) or None."""
    return get_store().event_role(username, event_id)


def current_user() -> dict[str, str] | None:
    """The logged-in account as the store has it now, or None.

    A removed account, or a cookie older than the account's last log-out or password change,
    is logged out. ``role`` is the account's role on the request's event when the URL names one
    (its grant), else its global role.
    """
    if "user" not in session:
        return None
    if "staff" not in g:
        row = get_store().user(session["user"])
        if row is None or session.get("generation", 0) != row["session_generation"]:
            session.clear()
            g.staff = None
        else:
            event_id = (request.view_args or {}).get("event_id")
            role = row["role"] if event_id is None else event_role(row["username"], str(event_id))
            g.staff = {"username": row["username"], "role": role, "global_role": row["role"]}
            if session.get("role") != row["role"]:
                session["role"] = row["role"]
    return g.staff


def staff_required(*roles: str) -> Callable:
    """Organiser (or listed roles) only. A participant link is 403, nobody at all goes to log in;
    staff without a role on the URL's event get 404."""
    allowed = roles or ("organiser",)

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any):
            user = current_user()
            if user is None:
                if session.get("participant") or request.args.get("token"):
                    abort(403)
                if request.accept_mimetypes.best == "application/json" or request.is_json:
                    abort(401)
                return redirect(url_for("auth.login", next=request.path))
            if user["role"] is None:
                abort(404)  # an event this account was not granted looks like no event
            if user["role"] not in allowed:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorate


def _throttled(username: str, address: str, now: datetime) -> str | None:
    """Why this log-in is refused before its password is checked, or None."""
    cfg = current_app.config
    window = timedelta(minutes=float(cfg.get("LOGIN_WINDOW_MINUTES", 15)))
    store = get_store()
    mine = store.login_failures(username=username, since=now - window)
    if len(mine) >= int(cfg.get("LOGIN_MAX_FAILURES", 5)):
        until = mine[-1] + window
        minutes = max(1, int((until - now).total_seconds() // 60) + 1)
        return ngettext("Too many failed log-ins for this account: it is locked for %(num)d more minute. "
                        "An organiser can reset its password.",
                        "Too many failed log-ins for this account: it is locked for %(num)d more minutes. "
                        "An organiser can reset its password.", minutes)  # fmt: skip
    if len(store.login_failures(address=address, since=now - window)) >= int(
            cfg.get("LOGIN_MAX_FAILURES_PER_ADDRESS", 30)):  # fmt: skip
        return gettext("Too many failed log-ins from your address: try again later.")
    return None


@bp.route("/login", methods=["GET", "POST"])
def login():
    error, status = None, 200
    if request.method == "POST":
        username = request.form.get("username", "").strip()[:200]
        password = request.form.get("password", "")
        address = request.remote_addr or "unknown"
        store, now = get_store(), datetime.now(UTC)
        refused = _throttled(username, address, now)
        if refused:
            error, status = refused, 429
        else:
            user = store.user(username)
            # the same work for an unknown name, so the answer time does not tell which names exist
            ok = check_password_hash(user["password_hash"] if user else _DUMMY_HASH, password) and user is not None
            if not ok:
                store.record_login_failure(username, address, now)
                error, status = gettext("Unknown user or wrong password."), 401
            else:
                return _logged_in(user, password)
    resp = current_app.make_response((render_template("login.html", error=error), status))
    if status == 429:
        resp.headers["Retry-After"] = str(60 * int(float(current_app.config.get("LOGIN_WINDOW_MINUTES", 15))))
    return resp


def _logged_in(user: dict[str, Any], password: str):
    """A fresh session for the account (never the cookie it came with), and the page it asked for."""
    store = get_store()
    store.clear_login_failures(user["username"])
    if not user["password_hash"].startswith(HASH_METHOD + ":"):
        store.rehash_password(user["username"], hash_password(password))  # an older algorithm: upgrade
    session.clear()
    session["user"], session["role"] = user["username"], user["role"]
    session["generation"] = user["session_generation"]
    session["nonce"] = secrets.token_urlsafe(8)  # each log-in's cookie differs from every earlier one
    target = request.args.get("next", "")
    return redirect(target if target.startswith("/") and not target.startswith("//") else url_for("console.events"))


@bp.post("/logout")
def logout():
    user = current_user()
    if user is not None:
        get_store().end_sessions(user["username"])  # every cookie of this account, saved anywhere, ends
        from .sockets import recheck

        recheck(get_store())  # and so do its live connections in this process
    session.clear()
    flash(gettext("You are logged out."))
    return redirect(url_for("auth.login"))
