"""One change, many pages: the messages of one change travel as ONE message between processes.

A change that touches 2,000 participants sends each their own ``agenda_changed``. Through Redis,
Flask-SocketIO's queue publishes every emit separately (pickled, one round trip each) and every
process unpickles every one: on the load bench that doubled the push latency of the two-process
layout. :func:`emit_many` sends the whole list as one published batch instead;
:class:`BatchingRedisManager` (the web processes' client manager when ``MATCHMAKING_REDIS_URL`` is
set) unpacks it in each process and delivers each message to its own room's local clients.
Without Redis, ``emit_many`` is the same emits one by one.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from socketio import RedisManager
from socketio.manager import Manager

from .extensions import socketio

#: the event name a batch travels under between processes (never reaches a browser)
BATCH = "entente:batch"


class BatchingRedisManager(RedisManager):
    """A Redis client manager that also understands batches published by :func:`emit_many`."""

    def _handle_emit(self, message: dict[str, Any]) -> None:  # python-socketio's PubSubManager hook
        if message.get("event") != BATCH:
            return super()._handle_emit(message)
        data = message["data"]
        items = data[0] if isinstance(data, list) and len(data) == 1 else data
        for event, payload, room in items:  # this process's clients only: Manager.emit is local
            Manager.emit(self, event, payload, namespace=message.get("namespace") or "/", room=room)
        return None


def emit_many(messages: Iterable[tuple[str, Any, str]]) -> None:
    """Emit each ``(event, payload, room)``; with the batching manager, as one published message."""
    items = [list(m) for m in messages]
    if not items:
        return
    if isinstance(socketio.server.manager, BatchingRedisManager):
        socketio.emit(BATCH, items, namespace="/")
    else:
        for event, payload, room in items:
            socketio.emit(event, payload, to=room)
