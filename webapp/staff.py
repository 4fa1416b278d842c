"""Staff accounts in the web: organisers add, remove and reset accounts, set their global role,
and grant or revoke a role per event; every account changes its own password.

A global organiser administers every event and the staff; a host (or an organiser of some
events only) reaches the events granted to them. Changing a password (own or by reset) ends
every session of that account; removing an account ends its sessions and live connections.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from werkzeug.security import check_password_hash

from scheduler.domain.errors import Conflict, InvalidInput, Message, NotFound, Problem
from scheduler.domain.language import N_
from scheduler.domain.passwords import check_password, check_username
from scheduler.store.users import ROLES

from .account_words import problem_words
from .auth import current_user, hash_password, staff_required
from .extensions import get_store
from .sockets import recheck

bp = Blueprint("staff", __name__)

def _role(value: str) -> str:
    if value not in ROLES:
        raise InvalidInput([Problem.of(Message.of(N_("role")), N_("choose organiser or host (got {got})"),
                                       got=repr(value[:40]))])
    return value


def _role_word(role: str) -> str:
    """A role's name in the page's language (the stored value stays ``organiser`` / ``host``)."""
    return {"organiser": gettext("organiser"), "host": gettext("host")}.get(role, role)


@bp.get("/staff")
@staff_required("organiser")
def staff():
    store = get_store()
    return render_template("staff.html", users=store.users(), events=store.event_summaries(), roles=ROLES,
                           me=current_user()["username"])  # fmt: skip


@bp.post("/staff")
@staff_required("organiser")
def add():
    username = request.form.get("username", "").strip()
    password = request.form.get("password", "")
    try:
        check_username(username)
        role = _role(request.form.get("role", "host"))
        check_password(password, username)
        get_store().add_user(username, hash_password(password), role)
    except (InvalidInput, Conflict) as exc:
        flash(gettext("The account was not added: %(why)s", why=problem_words(exc)), "error")
        return redirect(url_for("staff.staff")), 303
    flash(gettext("Account %(name)s added as %(role)s.", name=username, role=_role_word(role)))
    return redirect(url_for("staff.staff"))


def _act(username: str, action, done: str):
    """Run one change on an account; flash what happened in words; back to the staff page."""
    try:
        action()
    except (InvalidInput, NotFound, Conflict, ValueError) as exc:  # an unknown account or event is a message, not a 404
        flash(problem_words(exc), "error")
        return redirect(url_for("staff.staff")), 303
    recheck(get_store())  # live connections of an account that lost its access end now
    flash(done)
    return redirect(url_for("staff.staff"))


@bp.post("/staff/<username>/remove")
@staff_required("organiser")
def remove(username):
    if username == current_user()["username"]:
        flash(gettext("You cannot remove your own account; ask another organiser."), "error")
        return redirect(url_for("staff.staff")), 303
    return _act(username, lambda: get_store().remove_user(username), gettext("Account %(name)s removed.", name=username))


@bp.post("/staff/<username>/password")
@staff_required("organiser")
def reset(username):
    password = request.form.get("password", "")

    def do() -> None:
        check_password(password, username)
        get_store().set_password(username, hash_password(password))

    return _act(username, do, gettext("The password of %(name)s was reset; their open sessions ended. Give them the new "
                                      "password by another channel than e-mail.", name=username))  # fmt: skip


@bp.post("/staff/<username>/role")
@staff_required("organiser")
def role(username):
    if username == current_user()["username"]:
        flash(gettext("You cannot change your own role; ask another organiser."), "error")
        return redirect(url_for("staff.staff")), 303
    new = request.form.get("role", "")
    return _act(username, lambda: get_store().set_role(username, _role(new)), gettext("%(name)s is now %(role)s.", name=username, role=_role_word(new)))


@bp.post("/staff/<username>/grant")
@staff_required("organiser")
def grant(username):
    event_id, new = request.form.get("event", ""), request.form.get("role", "host")
    by = current_user()["username"]
    return _act(username, lambda: get_store().grant(event_id, username, _role(new), by=by),
                gettext("%(name)s is %(role)s of event %(event)s.", name=username, role=_role_word(new),
                        event=event_id))  # fmt: skip


@bp.post("/staff/<username>/revoke")
@staff_required("organiser")
def revoke(username):
    event_id = request.form.get("event", "")
    return _act(username, lambda: get_store().revoke(event_id, username),
                gettext("%(name)s no longer has a role on event %(event)s.", name=username, event=event_id))  # fmt: skip


@bp.route("/account/password", methods=["GET", "POST"])
@staff_required("organiser", "host")
def own_password():
    """Change one's own password (the current one is asked again); every session ends, this one too."""
    if request.method == "GET":
        return render_template("own_password.html")
    me = current_user()["username"]
    store = get_store()
    row = store.user(me)
    new = request.form.get("new_password", "")
    try:
        if row is None or not check_password_hash(row["password_hash"], request.form.get("password", "")):
            raise InvalidInput([Problem.of(Message.of(N_("current password")), N_("it is not right"))])
        if new != request.form.get("repeat", ""):
            raise InvalidInput([Problem.of(Message.of(N_("new password")), N_("the two entries differ"))])
        check_password(new, me)
    except InvalidInput as exc:
        flash(gettext("The password was not changed: %(why)s", why=problem_words(exc)), "error")
        return redirect(url_for("staff.own_password")), 303
    store.set_password(me, hash_password(new))
    flash(gettext("Password changed: log in again with the new one (your other sessions ended too)."))
    return redirect(url_for("auth.login"))
