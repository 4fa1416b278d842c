"""One error tree for the core. Mistakes a user can make subclass ValueError.

A :class:`Problem` says what is wrong with an input in English (``message``, ``str()``: the
command line and the logs) and keeps its words in a language-independent form too, a
:class:`Message`: a template marked with ``N_`` (placeholders ``{name}``) and its arguments,
written in the reader's language when it is shown (``problem.text(lang)``, ``summary(lang)``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol


class Language(Protocol):
    """What a message needs of :class:`scheduler.domain.language.Language` (which imports this module)."""

    def gettext(self, message: str) -> str: ...

    def ngettext(self, singular: str, plural: str, n: int) -> str: ...


class SchedulerError(Exception):
    """Base of every error the core raises on purpose."""


@dataclass(frozen=True)
class Message:
    """Words to write later in the reader's language: an ``N_`` template, its arguments and,
    for a count, the plural template (the count is the argument ``n``).

    An argument that is itself a :class:`Message` is written in the same language; any other
    argument is data (a quoted value, an id, a number) and stays as it is.
    """

    template: str
    args: tuple[tuple[str, Any], ...] = ()
    plural: str = ""

    @classmethod
    def of(cls, template: str, **args: Any) -> Message:
        """The message ``template`` (marked with ``N_``) with ``args`` for its placeholders."""
        return cls(template, tuple(args.items()))

    @classmethod
    def gettext(cls, template: str, **args: Any) -> Message:
        """The same as :meth:`of`, for the modules the language module imports (they cannot import ``N_``):
        Babel extracts ``template`` by this name. Nothing is translated yet."""
        return cls(template, tuple(args.items()))

    @classmethod
    def ngettext(cls, singular: str, plural: str, n: int, **args: Any) -> Message:
        """The singular or plural message for the count ``n`` (``{n}`` in the templates)."""
        return cls(singular, (("n", n), *args.items()), plural)

    def text(self, lang: Language | None = None) -> str:
        """The message in ``lang`` (English without one, or when the catalogue lacks it)."""
        if lang is None:
            return self._english({k: v.text(None) if isinstance(v, Message) else v for k, v in self.args})
        # a core message among the arguments (scheduler.domain.messages: a session's name) is said in
        # the same language through its ``said`` (that module imports this one: no import back)
        args = {k: v.text(lang) if isinstance(v, Message) else v.said(lang) if callable(getattr(v, "said", None)) else v
                for k, v in self.args}  # fmt: skip
        english = self._english({k: v.text(None) if isinstance(v, Message) else v for k, v in self.args})
        words = lang.ngettext(self.template, self.plural, args["n"]) if self.plural else lang.gettext(self.template)
        if not args:  # no placeholders: a brace in it is a brace (a text quoted from elsewhere)
            return words
        try:
            return words.format(**args)
        except (KeyError, IndexError, ValueError):  # a translation that broke its placeholders
            return english

    def _english(self, args: Mapping[str, Any]) -> str:
        template = self.plural if self.plural and args["n"] != 1 else self.template
        return template.format(**args) if args else template

    def __str__(self) -> str:
        return self.text()


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, located by record and field.

    ``path`` names the record and field (``participants[3].email``: data, never translated) and
    ``message`` says what is wrong in English; ``words`` keeps the message as a :class:`Message`
    and ``place`` a path that is a field's name in words (``password``), both written in the
    reader's language by :meth:`text`.
    """

    path: str
    message: str
    words: Message | None = field(default=None, compare=False, repr=False)
    place: Message | None = field(default=None, compare=False, repr=False)

    @classmethod
    def of(cls, path: str | Message, message: str | Message, **args: Any) -> Problem:
        """A problem at ``path`` (or a field named in words) whose message is ``message``, an ``N_``
        template formatted with ``args``, or a :class:`Message`."""
        words = message if isinstance(message, Message) else Message.of(message, **args)
        place = path if isinstance(path, Message) else None
        return cls(str(path), words.text(), words, place)

    def reason(self, lang: Language | None = None) -> str:
        """What is wrong, in ``lang`` (a message without words is looked up in the catalogue as it is)."""
        if self.words is not None:
            return self.words.text(lang)
        return lang.gettext(self.message) if lang is not None and self.message else self.message

    def text(self, lang: Language | None = None) -> str:
        """``path: message`` in ``lang``; ``str(problem)`` without one."""
        where = self.place.text(lang) if self.place is not None else self.path
        reason = self.reason(lang)
        return f"{where}: {reason}" if where else reason

    def __str__(self) -> str:
        return self.text()


class InvalidInput(SchedulerError, ValueError):
    """Input that cannot be accepted; carries every problem found, not only the first."""

    def __init__(self, problems: Iterable[Problem] | str | Message, source: str | Message = ""):
        if isinstance(problems, str | Message):
            problems = [Problem.of("", problems)] if isinstance(problems, Message) else [Problem("", problems)]
        self.problems: tuple[Problem, ...] = tuple(p if isinstance(p, Problem) else Problem("", str(p)) for p in problems)
        self.source = str(source)  # a file name (data), or words such as "solver settings"
        self._source = source if isinstance(source, Message) else None
        super().__init__(self.summary())

    def summary(self, lang: Language | None = None) -> str:
        """Every problem, one a line after a count when there are several, in ``lang`` (English without one)."""
        source = self._source.text(lang) if self._source is not None else self.source
        head = f"{source}: " if source else ""
        n = len(self.problems)
        if n == 1:
            return f"{head}{self.problems[0].text(lang)}"
        lines = "\n".join(f"  - {p.text(lang)}" for p in self.problems)
        count = Message.ngettext("{n} problem found:", "{n} problems found:", n).text(lang)
        return f"{head}{count}\n{lines}"


class NotFound(SchedulerError, LookupError):
    """A named record does not exist."""


class Conflict(SchedulerError):
    """The change collides with the stored state (already exists, stale version, ...)."""


class StaleVersion(Conflict):
    """The change was based on a schedule version that is no longer the current one."""


class InfeasibleLock(InvalidInput):
    """Meetings the organiser locked cannot all hold at once."""
