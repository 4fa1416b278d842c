"""Organiser and host log-in; access rules shared by the views."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, session, url_for
from werkzeug.security import check_password_hash

from .extensions import get_store

bp = Blueprint("auth", __name__)


def current_user() -> dict[str, str] | None:
    """The logged-in account as the store has it now: a removed user is logged out, a new role applies."""
    if "user" not in session:
        return None
    if "staff" not in g:
        row = get_store().user(session["user"])
        g.staff = None if row is None else {"username": row["username"], "role": row["role"]}
        if row is None:
            session.clear()
        elif session.get("role") != row["role"]:
            session["role"] = row["role"]
    return g.staff


def staff_required(*roles: str) -> Callable:
    """Organiser (or listed roles) only. A participant link is 403, nobody at all goes to log in."""
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
            if user["role"] not in allowed:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorate


@bp.route("/login", methods=["GET", "POST"])
def login():
    error = None
    if request.method == "POST":
        username = request.form.get("username", "").strip()
        user = get_store().user(username)
        if user is None or not check_password_hash(user["password_hash"], request.form.get("password", "")):
            error = "Unknown user or wrong password."
        else:
            session.clear()
            session["user"], session["role"] = user["username"], user["role"]
            target = request.args.get("next", "")
            return redirect(target if target.startswith("/") and not target.startswith("//")
                            else url_for("console.events"))  # fmt: skip
    return render_template("login.html", error=error), (401 if error else 200)


@bp.post("/logout")
def logout():
    session.clear()
    flash("You are logged out.")
    return redirect(url_for("auth.login"))
