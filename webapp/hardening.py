"""Limits the web app puts on what reaches it: ids in URLs, body sizes, live-connection origins.

- :class:`SafeInt` replaces Werkzeug's ``int`` converter: an id with more than 18 digits or
  above SQLite's largest integer does not match the rule (404) instead of overflowing (500).
- :func:`register_error_pages` answers an oversized body (``MAX_CONTENT_LENGTH``) with a 413
  page in words, and any id or path that no rule serves with the 404 page.
- :func:`allowed_origins` lists the origins a browser may open a Socket.IO connection from.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, render_template
from flask_babel import gettext as _
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.routing import IntegerConverter

#: the largest id SQLite stores (a signed 64-bit integer)
ID_MAX = 2**63 - 1


class SafeInt(IntegerConverter):
    """A non-negative integer of at most 18 digits in a URL; anything else is not this route."""

    regex = r"\d{1,18}"

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:  # noqa: A002 (Werkzeug's name)
        kwargs.setdefault("max", ID_MAX)
        super().__init__(map, *args, **kwargs)


def register_error_pages(app: Flask) -> None:
    """The friendly 413 for a body over ``MAX_CONTENT_LENGTH``."""

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(_exc: RequestEntityTooLarge):
        limit = int(app.config.get("MAX_CONTENT_LENGTH") or 0)
        message = _("What you sent is larger than %(mb)s MB, the most this server takes. "
                    "Event files are far smaller: check that you chose the right file.", mb=limit // (1024 * 1024) or 1)
        return render_template("error.html", message=message, title=_("Too large"), code=413), 413


def _origin(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()


LOOPBACK = ("127.0.0.1", "localhost", "::1")


def allowed_origins(config: dict[str, Any]) -> Callable[[str | None], bool]:
    """Whether a browser page at ``origin`` may open a live connection.

    Allowed: the origin of the public ``BASE_URL``, any listed in ``SOCKET_ORIGINS``
    (comma-separated), and when ``BASE_URL`` is a loopback address (the embedded server of
    ``run.py serve``, bound to this machine) any loopback origin. Everything else, such as
    ``http://evil.example``, is refused; a client without an Origin (not a browser) is not a
    cross-site page and passes to the handshake's own checks.
    """
    extra = config.get("SOCKET_ORIGINS") or ""
    urls = [str(config.get("BASE_URL") or ""), *(extra.split(",") if isinstance(extra, str) else extra)]
    listed = {o for u in urls if (o := _origin(u.strip()))}
    local = urlsplit(str(config.get("BASE_URL") or "")).hostname in LOOPBACK

    def allowed(origin: str | None) -> bool:
        if origin is None:
            return True
        if origin.lower() in listed:
            return True
        return local and _origin(origin) is not None and urlsplit(origin).hostname in LOOPBACK

    return allowed


def release_vanished_clients(sio: Any, interval: float) -> None:
    """End the threads of a WebSocket whose client vanished (froze, lost its network: the TCP
    connection stays open and silent) instead of keeping them for ever.

    Engine.IO's ping timeout closes the session and calls the transport's ``close``, which with
    simple-websocket only sends a close frame: the thread waiting in ``receive`` is never woken
    and the request thread goes on reading the dead connection. :class:`_ClosingWebSocket` wakes
    the one and shuts the socket for the other; the reader also pings every ``interval`` seconds.
    Engine.IO has no public option for this, hence the replaced transport class
    (tests/test_vanished_clients.py fails if a library upgrade undoes it)."""
    from functools import partial

    eio = sio.server.eio
    if eio._async.get("websocket") is not None:  # noqa: SLF001 (no public way to choose the class)
        eio._async = {**eio._async, "websocket": partial(_closing_websocket(), ping_interval=interval)}  # noqa: SLF001


def _closing_websocket() -> type:
    import socket

    from engineio.async_drivers._websocket_wsgi import SimpleWebSocketWSGI

    class _ClosingWebSocket(SimpleWebSocketWSGI):
        def close(self) -> None:
            try:
                super().close()
            except Exception:  # noqa: BLE001 (already closed by the other side: nothing to send)
                pass
            self.ws.connected = False
            self.ws.event.set()  # wake the thread waiting in receive()
            try:
                self.ws.sock.shutdown(socket.SHUT_RDWR)  # the reader and the request thread see the end
            except OSError:
                pass

    return _ClosingWebSocket
