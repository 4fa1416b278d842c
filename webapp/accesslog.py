"""Logs that never hold a personal link: ``/p/<token>`` becomes ``/p/***``.

A participant's link is their credential, so every log line a server writes (gunicorn's
access and error logs, Werkzeug's request log, Flask's "Exception on ..." line) goes
through :func:`mask` first: the path segment after ``/p/`` and any ``token=`` query value.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from gunicorn.glogging import Logger as GunicornLogger

_PORTAL = re.compile(r"/p/[^/?#\s\"']+")
_QUERY = re.compile(r"(?i)([?&;]token=)[^&#\s\"']+")


def mask(text: str) -> str:
    """``text`` with every personal token replaced by ``***`` (``/p/***``, ``token=***``)."""
    return _QUERY.sub(r"\1***", _PORTAL.sub("/p/***", text))


class MaskTokens(logging.Filter):
    """A logging filter that formats the record, then masks the tokens in its message."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken record is logging's problem, not ours
            return True
        record.msg, record.args = mask(message), None
        return True


class MaskingLogger(GunicornLogger):
    """Gunicorn's logger (``--logger-class webapp.accesslog.MaskingLogger``) with tokens masked."""

    def atoms(self, resp, req, environ, request_time) -> dict[str, Any]:
        atoms = super().atoms(resp, req, environ, request_time)
        return {k: mask(v) if isinstance(v, str) else v for k, v in atoms.items()}

    def setup(self, cfg) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            if not any(isinstance(f, MaskTokens) for f in log.filters):
                log.addFilter(MaskTokens())


def mask_logs(*loggers: logging.Logger) -> None:
    """Add the masking filter to these loggers (once each)."""
    for log in loggers:
        if not any(isinstance(f, MaskTokens) for f in log.filters):
            log.addFilter(MaskTokens())
