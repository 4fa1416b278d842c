"""The production server: gunicorn, one worker process with many threads (Flask-SocketIO's
threading mode over ``simple-websocket``), access logs with personal links masked.

One gunicorn worker per server: Socket.IO keeps a connection's state in the process that
accepted it, so several servers run side by side on one Redis message queue behind a
reverse proxy with sticky sessions (docs/deployment.md). Every open page holds one thread
for its WebSocket, hence ``threads`` is the number of pages one server can hold.

The same app runs from gunicorn's own command line::

    gunicorn -k gthread -w 1 --threads 1000 --worker-connections 2000 --no-control-socket \\
        --logger-class webapp.accesslog.MaskingLogger --access-logfile - \\
        --bind 127.0.0.1:8001 'webapp.server:production()'
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication


def production(config: dict[str, Any] | None = None) -> Flask:
    """The app with its background loops started and dead solve locks cleared (``MATCHMAKING_*``
    settings from the environment; ``config`` overrides them)."""
    from scheduler.store import Store

    from . import create_app
    from .live import start_ticker
    from .privacy import start_retention
    from .sockets import start_recheck

    app = create_app(config)
    with Store(app.config["DATABASE"]) as store:
        cleared = store.clear_dead_locks()
    if cleared:
        app.logger.warning("cleared %d solve lock(s) left by a process that stopped", len(cleared))
    start_retention(app)  # personal data of events past their retention is erased (docs/privacy.md)
    start_ticker(app)  # standby "meet now" offers as slots run; mail retries
    start_recheck(app)  # live connections whose link or account was revoked elsewhere end
    return app


class Gunicorn(BaseApplication):
    """gunicorn embedded: ``run.py serve`` without a separate command line."""

    def __init__(self, config: dict[str, Any], options: dict[str, Any]):
        self.app_config = config
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return production(self.app_config)  # in the worker process, after the fork


def run(config: dict[str, Any], host: str, port: int, threads: int = 1000,
        access_log: str | None = "-") -> None:
    """Serve until stopped: gunicorn on ``host:port``, one worker with ``threads`` threads."""
    Gunicorn(config, {
        "bind": f"{host}:{port}", "workers": 1, "worker_class": "gthread", "threads": threads,
        "worker_connections": 2 * threads, "control_socket_disable": True, "logger_class": "webapp.accesslog.MaskingLogger",
        "accesslog": access_log, "errorlog": "-", "graceful_timeout": 3, "timeout": 60,
        "keepalive": 5,
    }).run()  # fmt: skip
