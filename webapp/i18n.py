"""Languages: Flask-Babel (gettext catalogues in ``webapp/translations``, dates by Babel/CLDR).

Which language a page speaks, first match wins:

1. ``g.locale``, set by a view for whom the page is (a participant's profile language);
2. ``?lang=xx`` on the URL, remembered in the session for the next pages;
3. the session's remembered choice;
4. the browser's ``Accept-Language``;
5. English.

Templates write ``{{ _("text") }}`` (and ``{% trans %}`` blocks); Python code imports
``gettext as _`` / ``lazy_gettext`` from ``flask_babel``. Catalogues: ``make translations``
extracts, updates and compiles them (``babel.cfg`` says where the strings are).
"""

from __future__ import annotations

from flask import Flask, g, request, session
from flask_babel import Babel

#: The interface ships in these languages (gettext catalogues under webapp/translations).
LANGUAGES: dict[str, str] = {
    "en": "English", "fr": "Français", "de": "Deutsch", "es": "Español", "it": "Italiano", "pt": "Português",
}  # fmt: skip
DEFAULT = "en"


def supported(code: str | None) -> str | None:
    """``code`` (``fr``, ``fr-BE``, ``pt_PT``) reduced to a shipped language, else None."""
    if not code:
        return None
    base = code.replace("_", "-").split("-")[0].strip().lower()
    return base if base in LANGUAGES else None


def select_locale() -> str:
    """The language of the page being rendered (see the module docstring for the order)."""
    chosen = supported(getattr(g, "locale", None))
    if chosen:
        return chosen
    asked = supported(request.args.get("lang")) if request else None
    if asked:
        session["lang"] = asked
        return asked
    kept = supported(session.get("lang")) if request else None
    if kept:
        return kept
    best = request.accept_languages.best_match(list(LANGUAGES)) if request else None
    return best or DEFAULT


def init_i18n(app: Flask) -> Babel:
    """Attach Flask-Babel to ``app`` with :func:`select_locale` and the shipped languages."""
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", "translations")
    babel = Babel(app, locale_selector=select_locale)
    app.jinja_env.globals["LANGUAGES"] = LANGUAGES
    return babel
