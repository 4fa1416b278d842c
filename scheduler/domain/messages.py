"""Texts written once and read later in each reader's language: a message is its template and arguments.

The core says things (a recommendation's reasons, why a meeting was not placed, a live change's
note, a session's name) before it knows who will read them, and some of them are stored and
shown days later to people who read different languages. A :class:`Message` is the English
text as a ``str`` (so English callers, logs and tests see exactly what they saw before), and
it keeps its ``template`` (marked ``N_("...")`` for the catalogue) and ``args``, so :func:`say`
writes it again in any :class:`~scheduler.domain.language.Language`.

An argument is data (a name, an id, a number: written as it is), another message (said in the
same language), a :class:`Day` (a calendar date, written by CLDR) or a tuple of them (joined by
", "). A stored message is JSON (:func:`dump` / :func:`restore`); a stored plain text, as rows
written before messages existed hold, reads back as itself.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from babel.dates import format_skeleton

from scheduler.domain.language import ENGLISH, N_, Language, language_name


@dataclass(frozen=True)
class Day:
    """A calendar date in a message: "26 March" ("26 mars", "26. März"), with its year when ``year``."""

    date: date
    year: bool = False

    def said(self, lang: Language) -> str:
        """This date in ``lang`` (CLDR's day and month name)."""
        return format_skeleton("yMMMMd" if self.year else "MMMMd", self.date, locale=lang.cldr)


@dataclass(frozen=True)
class Tongue:
    """A language in a message, by its ISO code: "en" is said "English", "anglais", "Englisch"."""

    code: str

    def said(self, lang: Language) -> str:
        """This language's name in ``lang`` (CLDR)."""
        return language_name(self.code, lang)


Arg = Any  # str | int | float | Message | Day | Tongue | tuple[Arg, ...]


class Message(str):
    """An English text that remembers its ``template`` (a ``{name}`` str.format text) and ``args``."""

    template: str
    args: dict[str, Arg]

    def __new__(cls, template: str, **args: Arg) -> Message:
        self = super().__new__(cls, _fill(template, args, ENGLISH))
        self.template, self.args = template, args
        return self

    def said(self, lang: Language) -> str:
        """This message in ``lang`` (:func:`say`)."""
        return say(self, lang)

    def __reduce__(self):  # pickled (a cache, a worker) as what rebuilds it
        return (_rebuild, (self.template, self.args))


def joined(names: Sequence[str]) -> str:
    """``names`` joined as a sentence does: "A", "A and B", "A, B and C" ("A et B" in French)."""
    names = list(names)
    if len(names) < 2:
        return names[0] if names else ""
    return Message(N_("{some} and {last}"), some=tuple(names[:-1]), last=names[-1])


def _rebuild(template: str, args: dict[str, Arg]) -> Message:
    return Message(template, **args)


def _arg(value: Arg, lang: Language) -> str:
    if isinstance(value, Message):
        return say(value, lang)
    if isinstance(value, Day | Tongue):
        return value.said(lang)
    if isinstance(value, tuple | list):
        return ", ".join(_arg(v, lang) for v in value)
    return str(value)


def _fill(template: str, args: dict[str, Arg], lang: Language) -> str:
    return template.format(**{k: _arg(v, lang) for k, v in args.items()})


def say(text: str, lang: Language = ENGLISH) -> str:
    """``text`` in ``lang``: a :class:`Message` from its translated template, any other text as it is.

    A translation whose placeholders do not match the template's (a catalogue mistake) falls
    back to the English template rather than failing the page."""
    if not isinstance(text, Message):
        return str(text)
    if lang.code == ENGLISH.code:
        return str.__str__(text)
    try:
        return _fill(lang.gettext(text.template), text.args, lang)
    except (KeyError, IndexError, ValueError):
        return _fill(text.template, text.args, lang)


def say_marked(text: str, lang: Language = ENGLISH) -> str:
    """A reason in ``lang``: a :class:`Message` as :func:`say` writes it, any other text looked up in the
    catalogue as a whole (a constant marked ``N_("...")``; a text the catalogue lacks stays as it is)."""
    if isinstance(text, Message):
        return say(text, lang)
    return lang.gettext(text) if text else ""


def to_data(text: str) -> Any:
    """``text`` as JSON-ready data: ``{"msg": template, "args": {...}}`` for a message, else the text."""
    if not isinstance(text, Message):
        return str(text)
    return {"msg": text.template, "args": {k: _arg_data(v) for k, v in text.args.items()}}


def _arg_data(value: Arg) -> Any:
    if isinstance(value, Message):
        return to_data(value)
    if isinstance(value, Day):
        return {"date": value.date.isoformat(), "year": value.year}
    if isinstance(value, Tongue):
        return {"tongue": value.code}
    if isinstance(value, tuple | list):
        return {"items": [_arg_data(v) for v in value]}
    return value


def from_data(data: Any) -> str:
    """The text :func:`to_data` gave ``data`` for (a plain text as it is)."""
    if isinstance(data, dict) and "msg" in data:
        return Message(str(data["msg"]), **{k: _arg_from(v) for k, v in dict(data.get("args") or {}).items()})
    return "" if data is None else str(data)


def _arg_from(data: Any) -> Arg:
    if isinstance(data, dict) and "msg" in data:
        return from_data(data)
    if isinstance(data, dict) and "date" in data:
        return Day(date.fromisoformat(data["date"]), bool(data.get("year")))
    if isinstance(data, dict) and "tongue" in data:
        return Tongue(str(data["tongue"]))
    if isinstance(data, dict) and "items" in data:
        return tuple(_arg_from(v) for v in data["items"])
    return data


def dump(text: str) -> str:
    """``text`` for a text column: a message as JSON, a plain text as it is."""
    return json.dumps(to_data(text), ensure_ascii=False) if isinstance(text, Message) else str(text)


def restore(stored: str | None) -> str:
    """The text :func:`dump` stored: a message back (its English text, template and args), else as it is."""
    if stored and stored.startswith('{"msg"'):
        try:
            return from_data(json.loads(stored))
        except (ValueError, TypeError, KeyError):
            return stored
    return stored or ""
