"""The words of the staff pages' messages in the page's language: the password policy's reasons
(``scheduler.domain.passwords`` names them in English) translated by their shape, field by field.
"""

from __future__ import annotations

import re

from flask_babel import gettext

from scheduler.domain.errors import Conflict, InvalidInput, NotFound, Problem

_AT_LEAST = re.compile(r"use at least (\d+) characters \(this one has (\d+)\)")
_AT_MOST = re.compile(r"use at most (\d+) characters")


def _reason(message: str) -> str:
    """One policy reason in the page's language (an unknown one as it is)."""
    if m := _AT_LEAST.fullmatch(message):
        return gettext("use at least %(min)s characters (this one has %(num)s)", min=m[1], num=m[2])
    if m := _AT_MOST.fullmatch(message):
        return gettext("use at most %(max)s characters", max=m[1])
    fixed = {
        "do not use the user name in the password": gettext("do not use the user name in the password"),
        "this password is on the list of the most used ones: choose another":
            gettext("this password is on the list of the most used ones: choose another"),
        "control characters (such as a tab or a line break) are not allowed":
            gettext("control characters (such as a tab or a line break) are not allowed"),
        "use 1 to 64 letters, digits, '.', '_', '@' or '-'": gettext("use 1 to 64 letters, digits, '.', '_', '@' or '-'"),
        "it is not right": gettext("it is not right"),
        "the two entries differ": gettext("the two entries differ"),
    }  # fmt: skip
    return fixed.get(message, message)


def _field(path: str) -> str:
    return {"password": gettext("password"), "user name": gettext("user name"), "role": gettext("role"),
            "current password": gettext("current password"), "new password": gettext("new password")}.get(path, path)  # fmt: skip


def problem_words(exc: InvalidInput | NotFound | Conflict | ValueError) -> str:
    """Every problem of ``exc`` as "field: reason", joined by "; ", in the page's language."""
    if isinstance(exc, InvalidInput):
        return "; ".join(f"{_field(p.path)}: {_reason(p.message)}" if p.path else _reason(p.message)
                         for p in exc.problems if isinstance(p, Problem))  # fmt: skip
    return str(exc)
