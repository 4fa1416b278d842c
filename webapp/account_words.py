"""The words of the core's refusals in the page's language: every :class:`~scheduler.domain.errors.Problem`
keeps its message as a template and arguments (``Problem.text(lang)``), written here in the page's
:class:`~scheduler.domain.language.Language` (forms, imports, the staff pages' password policy).
"""

from __future__ import annotations

from scheduler.domain.errors import Conflict, InvalidInput, Message, NotFound

from .i18n import page_language


def problem_list(exc: InvalidInput | NotFound | Conflict | ValueError) -> list[str]:
    """Every problem of ``exc`` as "field: reason" in the page's language (one entry for another error)."""
    if isinstance(exc, InvalidInput):
        lang = page_language()
        return [p.text(lang) for p in exc.problems]
    return [str(exc)]


def problem_words(exc: InvalidInput | NotFound | Conflict | ValueError) -> str:
    """Every problem of ``exc`` as "field: reason", joined by "; ", in the page's language."""
    return "; ".join(problem_list(exc))


def said(exc: InvalidInput | NotFound | Conflict | ValueError) -> str:
    """``str(exc)`` in the page's language: an InvalidInput's summary (its source, a count, each problem), or
    the words of an error that carries them (``words``: an unknown session, time zone or e-mail address)."""
    if isinstance(exc, InvalidInput):
        return exc.summary(page_language())
    words = getattr(exc, "words", None)
    return words.text(page_language()) if isinstance(words, Message) else str(exc)
