"""Socket.IO handlers: authenticate, record the credential, join the right room. Routing only."""

from __future__ import annotations

from typing import Any

from flask import request, session
from flask_socketio import ConnectionRefusedError, SocketIO, emit, join_room

from scheduler.domain.language import supported
from scheduler.store import Store

from .live import participant_room
from .sockets import Credential, credential_of, fingerprint, remember, watching

STAFF = ("organiser", "host")


def _store() -> Store:
    from flask import current_app

    return Store(current_app.config["DATABASE"])


def register(socketio: SocketIO) -> None:
    @socketio.on("connect")
    def connect(auth: dict[str, Any] | None = None):
        token = (auth or {}).get("token") if isinstance(auth, dict) else None
        if token:
            with _store() as store:
                who = store.by_token(str(token))
                lang = supported(str((auth or {}).get("lang") or ""))
                if who is not None and lang:  # the page's language: live pushes are written in it
                    store.remember_page_language(who[0], who[1], lang)
            if who is None:
                raise ConnectionRefusedError("unknown or revoked link")
            join_room(participant_room(*who))
            remember(request.sid, Credential("participant", event=who[0], participant=who[1],
                                             fingerprint=fingerprint(str(token))))  # fmt: skip
            session["socket_participant"] = list(who)
            return True
        if session.get("user"):
            with _store() as store:
                user = store.user(session["user"])  # the account as it is now, not as it was at log-in
            if (user is not None and user["role"] in STAFF
                    and session.get("generation", 0) == user["session_generation"]):  # not a cookie from before a log-out
                remember(request.sid, Credential("staff", user=user["username"], role=user["role"],
                                                 generation=user["session_generation"]))  # fmt: skip
                return True
        raise ConnectionRefusedError("log in or use your personal link")

    @socketio.on("watch")
    def watch(data: dict[str, Any] | None = None):
        """Staff join an event's room to see solves and changes live."""
        who = credential_of(request.sid)
        if who is None or who.kind != "staff" or who.role not in STAFF:
            emit("error", {"message": "only organisers and hosts can watch an event"})
            return
        event_id = str((data or {}).get("event", ""))
        with _store() as store:
            user = store.user(who.user)
            if user is None or user["role"] != who.role:
                emit("error", {"message": "your account changed: reload the page"})
                return
            if event_id not in store.event_ids() or store.event_role(who.user, event_id) is None:
                emit("error", {"message": f"no event {event_id[:80]!r}"})  # not granted looks like not there
                return
        join_room(f"event:{event_id}")
        watching(request.sid, event_id)
        emit("watching", {"event": event_id})
