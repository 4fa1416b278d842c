"""Languages of people: which one a participant reads, its catalogue, and dates written in it.

The interface, mail and invite texts ship in :data:`LANGUAGES`. The gettext catalogues live in
``webapp/translations`` (``make translations``); the core never finds them itself: the caller
loads a :class:`Language` with :func:`load` from the directory it knows and passes it in.
Dates and times are written by Babel (CLDR) in the reader's zone; a wall time that happens
twice (a daylight-saving fold) keeps its offset, as :func:`~scheduler.domain.timegrid.local_label` does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from babel.dates import format_date, format_skeleton, format_time
from babel.support import NullTranslations, Translations

from scheduler.domain.timegrid import to_local

#: The shipped languages, by ISO 639-1 code, each named in itself.
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


def reader_language(locale: str, event_default: str | None) -> str:
    """The language of a participant's mail: their own setting, else the event's, else English."""
    return supported(locale) or supported(event_default) or DEFAULT


@dataclass(frozen=True)
class Language:
    """A language to write in: its code and its catalogue (English text when none)."""

    code: str = DEFAULT
    catalogue: NullTranslations = field(default_factory=NullTranslations, compare=False)

    def gettext(self, message: str) -> str:
        """``message`` in this language (itself when the catalogue lacks it)."""
        return self.catalogue.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """The singular or plural form for ``n`` in this language."""
        return self.catalogue.ngettext(singular, plural, n)

    @property
    def cldr(self) -> str:
        """The CLDR locale of dates: British English for English (day before month, 24-hour clock)."""
        return "en_GB" if self.code == "en" else self.code

    @property
    def date_pattern(self) -> str:
        """A whole date: CLDR's "full" form, but without its comma in English (Thursday 25 March 2027)."""
        return "EEEE d MMMM y" if self.code == "en" else "full"

    def when(self, instant: datetime, tz: str, form: str = "full") -> str:
        """``instant`` on ``tz``'s wall clock: ``form`` "full" (jeudi 25 mars 2027 à 09:00),
        "date" (jeudi 25 mars 2027), "weekday" (jeudi 25 mars), "day" (jeu. 25 mars), "time" (09:00) or "short"
        (jeu. 25 mars 09:00), "long" (jeudi 25 mars 2027, 09:00); the zone's abbreviation follows a repeated (fold) hour."""
        return _when(self, instant, tz, form)


@lru_cache(maxsize=8192)
def _when(lang: Language, instant: datetime, tz: str, form: str) -> str:
    """:meth:`Language.when`, remembered: a change that touches 2,000 people writes the same few
    slot starts thousands of times, and Babel's CLDR formatting costs a fraction of a millisecond each."""
    local, code = to_local(instant, tz), lang.cldr
    if form == "time":
        text = format_time(local, "HH:mm", locale=code)
    elif form == "date":
        text = format_date(local, lang.date_pattern, locale=code)
    elif form == "weekday":  # CLDR has no full-weekday skeleton everywhere: the whole date but the year
        text = re.sub(rf"(?:,| de)? {local.year}$", "", format_date(local, lang.date_pattern, locale=code))
    elif form == "day":
        text = format_skeleton("MMMEd", local, locale=code)
    elif form == "short":
        text = f"{format_skeleton('MMMEd', local, locale=code)} {format_time(local, 'HH:mm', locale=code)}"
    elif form == "long":
        text = f"{format_date(local, lang.date_pattern, locale=code)}, {format_time(local, 'HH:mm', locale=code)}"
    else:
        text = lang.gettext("{date} at {time}").format(
            date=format_date(local, lang.date_pattern, locale=code), time=format_time(local, "HH:mm", locale=code))
    if form not in ("date", "weekday", "day") and local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset():
        text += f" {local.tzname()}"
    return text


ENGLISH = Language()


def language_name(code: str, lang: Language) -> str:
    """The language ``code`` (ISO 639, as profiles list them: ``en``, ``hu``) named in ``lang``
    ("anglais", "Ungarisch"; CLDR's names); an unknown code is shown as it is."""
    from babel import Locale

    return Locale.parse(lang.cldr).languages.get(code.strip().lower(), code)


def N_(message: str) -> str:
    """Mark ``message`` for extraction without translating it (Babel's default keywords include ``N_``):
    for texts stored, raised or kept in module constants, translated when shown with :meth:`Language.gettext`."""
    return message


@lru_cache(maxsize=32)
def load(code: str, directory: str) -> Language:
    """The :class:`Language` ``code`` with its compiled catalogue ``<directory>/<code>/LC_MESSAGES/messages.mo``.

    A code not shipped is English; a missing catalogue gives English text with the language's dates."""
    lang = supported(code) or DEFAULT
    catalogue = Translations.load(str(Path(directory)), [lang], domain="messages")
    return Language(lang, catalogue)
