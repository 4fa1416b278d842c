"""Extensions, created unbound and attached to an app by ``create_app``; the per-request store."""

from flask import current_app, g
from flask_socketio import SocketIO
from flask_wtf import CSRFProtect

from scheduler.store import Store

socketio = SocketIO()
csrf = CSRFProtect()


def get_store() -> Store:
    """The request's store handle (one SQLite connection per request thread)."""
    if "store" not in g:
        g.store = Store(current_app.config["DATABASE"])
    return g.store
