"""Who is on each Socket.IO connection, and ending the ones whose credential was revoked.

Authorisation is checked at the handshake, and again whenever a credential may
have been revoked: each connection records the credential it joined with (a
participant's link as a fingerprint, never the token itself, or a staff
account and its role), and ``recheck`` compares every connection of this server
process with the store and disconnects those that no longer hold. The views
that revoke (renew a link, re-import an event) call it at once; a background
loop calls it every ``SOCKET_RECHECK`` seconds for changes made elsewhere (the
command line, another server process behind a message queue).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from scheduler.store import Store

from .extensions import socketio

NAMESPACE = "/"
LINK_RENEWED = "This link was renewed; use the new link you were sent."


@dataclass(frozen=True)
class Credential:
    """What one connection joined with: a participant link, or a staff account."""

    kind: str  # "participant" or "staff"
    event: str = ""
    participant: str = ""
    fingerprint: str = ""  # of the participant's token
    user: str = ""
    role: str = ""
    generation: int = 0  # the account's session generation at the handshake


def fingerprint(token: str) -> str:
    """A short, one-way name for a token: safe in room names, logs and memory dumps."""
    return hashlib.sha256(token.encode()).hexdigest()[:16]


def remember(sid: str, credential: Credential) -> None:
    """Record the credential of a connection that was just accepted."""
    with socketio.server.session(sid, namespace=NAMESPACE) as s:
        s["credential"] = credential


def watching(sid: str, event_id: str) -> None:
    """Record that a staff connection joined an event's room (its grant is rechecked)."""
    with socketio.server.session(sid, namespace=NAMESPACE) as s:
        s["watching"] = sorted({*s.get("watching", ()), event_id})


def watched(sid: str) -> list[str]:
    try:
        return list(socketio.server.get_session(sid, namespace=NAMESPACE).get("watching", ()))
    except (KeyError, TypeError):
        return []


def credential_of(sid: str) -> Credential | None:
    try:
        return socketio.server.get_session(sid, namespace=NAMESPACE).get("credential")
    except (KeyError, TypeError):  # gone meanwhile
        return None


def why_invalid(store: Store, c: Credential, tokens: dict[tuple[str, str], str]) -> str | None:
    """Why the credential no longer holds, in words for the person on the page; None when it does."""
    if c.kind == "participant":
        current = tokens.get((c.event, c.participant))
        if current is None:
            return "This link no longer works: you are not in this event any more. Ask the organisers."
        return None if current == c.fingerprint else LINK_RENEWED
    user = store.user(c.user)
    if user is None:
        return "Your account was removed: you are logged out."
    if user["role"] != c.role:
        return f"Your role changed to {user['role']}: reload the page."
    if user["session_generation"] != c.generation:
        return "You logged out or your password changed: log in again."
    return None


def why_unwatched(store: Store, c: Credential, events: list[str]) -> str | None:
    """Why a staff connection may no longer watch one of its events (its grant was revoked), or None."""
    lost = [e for e in events if store.event_role(c.user, e) is None]
    return f"You no longer have a role on event {lost[0]}: reload the page." if lost else None


def end(sid: str, kind: str, message: str) -> None:
    """Tell the connection why, then disconnect it (the message is sent first, on the same socket)."""
    socketio.emit(kind, {"message": message}, to=sid, namespace=NAMESPACE)
    socketio.server.disconnect(sid, namespace=NAMESPACE)


def recheck(store: Store) -> int:
    """Disconnect every connection of this process whose credential was revoked; return how many."""
    sids = [sid for sid, _eio in socketio.server.manager.get_participants(NAMESPACE, None)]
    held = [(sid, c) for sid in sids if (c := credential_of(sid)) is not None]
    if not held:
        return 0
    tokens = {(ev, pid): fingerprint(tok)
              for ev in {c.event for _, c in held if c.kind == "participant"}
              for pid, tok in store.tokens(ev).items()}  # fmt: skip
    ended = 0
    for sid, c in held:
        reason = why_invalid(store, c, tokens)
        if reason is None and c.kind == "staff":
            reason = why_unwatched(store, c, watched(sid))
        if reason is not None:
            end(sid, "link_revoked" if c.kind == "participant" else "session_ended", reason)
            ended += 1
    return ended


def start_recheck(app) -> None:
    """Every SOCKET_RECHECK seconds, end the connections whose credential was revoked elsewhere."""
    from .live import every

    every(app, "SOCKET_RECHECK", 10, recheck, "socket recheck")
