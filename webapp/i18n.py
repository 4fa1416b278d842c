"""Languages: Flask-Babel (gettext catalogues in ``webapp/translations``, dates by Babel/CLDR).

Which language a page speaks, first match wins:

1. ``?lang=xx`` on the URL (the language switcher), remembered in the session for the next pages;
2. the session's remembered choice (the switcher's, or the profile's language just saved);
3. ``g.locale``, set by a view for whom the page is (a participant's profile language);
4. the browser's ``Accept-Language``;
5. English.

Templates write ``{{ _("text") }}`` (and ``{% trans %}`` blocks); Python code imports
``gettext as _`` / ``lazy_gettext`` from ``flask_babel``. Catalogues: ``make translations``
extracts, updates and compiles them (``babel.cfg`` says where the strings are).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from flask import Flask, g, request, session
from flask_babel import Babel, get_locale

from scheduler.domain.language import DEFAULT, LANGUAGES, Language, load, reader_language, supported
from scheduler.domain.messages import say
from scheduler.domain.model import EventData

__all__ = ["DEFAULT", "LANGUAGES", "init_i18n", "mail_languages", "page_language", "select_locale", "supported"]


def select_locale() -> str:
    """The language of the page being rendered (see the module docstring for the order)."""
    asked = supported(request.args.get("lang")) if request else None
    if asked:
        session["lang"] = asked
        return asked
    kept = supported(session.get("lang")) if request else None
    if kept:
        return kept
    chosen = supported(getattr(g, "locale", None))
    if chosen:
        return chosen
    best = request.accept_languages.best_match(list(LANGUAGES)) if request else None
    return best or DEFAULT


def init_i18n(app: Flask) -> Babel:
    """Attach Flask-Babel to ``app`` with :func:`select_locale` and the shipped languages."""
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", CATALOGUES)
    babel = Babel(app, locale_selector=select_locale)
    app.jinja_env.globals["LANGUAGES"] = LANGUAGES
    app.jinja_env.globals["page_language"] = page_language
    app.jinja_env.globals["when"] = lambda instant, tz, form="full": page_language().when(instant, tz, form)
    app.jinja_env.filters["say"] = said_here  # a core text (a Message) in the page's language
    return babel


#: The directory of the catalogues: ``<lang>/LC_MESSAGES/messages.po`` and the compiled ``.mo``.
CATALOGUES = str(Path(__file__).parent / "translations")


def catalogues() -> str:
    """The directory of the compiled catalogues (:data:`CATALOGUES`)."""
    return CATALOGUES


def page_language() -> Language:
    """The :class:`Language` of the page being rendered (its catalogue, for dates and core texts)."""
    return load(str(get_locale() or DEFAULT), catalogues())


def push_languages(data: EventData, pages: Mapping[str, str]) -> Callable[[str], Language]:
    """participant id -> the language of a live push to their page: the language their page was
    last shown in (``pages``, from :meth:`~scheduler.store.Store.page_languages`), else their mail's."""
    mail, directory = mail_languages(data), catalogues()
    return lambda pid: load(pages[pid], directory) if pid in pages else mail(pid)


def said_here(text: str) -> str:
    """A core text (:class:`~scheduler.domain.messages.Message`, or plain) in the page's language."""
    return say(text, page_language())


def mail_languages(data: EventData) -> Callable[[str], Language]:
    """participant id -> the language of their mail: their profile's, else the event's
    (``language`` among the event's settings), else English."""
    people, directory = data.by_id(), catalogues()
    default = str(data.event.extra.get("language") or DEFAULT)
    return lambda pid: load(reader_language(people[pid].locale if pid in people else "", default), directory)
