"""One record of the event document validated, with every problem in words a user understands.

A record is checked against its input model (:mod:`.inputs`); pydantic's errors
become :class:`Problem` s named by record and field (``participants[12].timezone``),
and keys close to a known one (``Email``, ``max_meeting``) are problems too, since
their data would be lost.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from pydantic import BaseModel, ValidationError

from scheduler.domain import limits as L
from scheduler.domain.errors import Message, Problem
from scheduler.domain.language import N_
from scheduler.files.inputs import EventIn, HoursIn, ParticipantIn, WindowIn
from scheduler.files.spreadsheets import unknown_name_problems


def _loc(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part.startswith(("function-", "constrained-")):  # validator wrappers, not fields
            continue
        else:
            out += f".{part}"
    return out


_OWN = ("ident", "zone", "clock", "day", "email", "order", "window", "hours", "template", "sessions", "text")


def _message(e: Any) -> Message:
    """A pydantic error in words a user understands, each quoted value cut to a readable length."""
    return _shorten(_words(e))


def _shorten(words: Message) -> Message:
    """``words`` with every long quoted value (a pasted paragraph, a binary blob) cut in its middle."""
    def cut(v: Any) -> Any:
        if isinstance(v, Message):
            return _shorten(v)
        return v[:120] + " ... " + v[-40:] if isinstance(v, str) and len(v) > 200 else v

    return replace(words, args=tuple((k, cut(v)) for k, v in words.args))


def _number(bound: Any) -> Any:
    return int(bound) if isinstance(bound, float) and bound.is_integer() else bound


def _got(template: str, got: Any, **args: Any) -> Message:
    return Message.of(template, got=repr(got), **args)


def _words(e: Any) -> Message:
    """A pydantic error in words a user understands: the value quoted, the expected form named."""
    kind, got, ctx = e["type"], e.get("input"), e.get("ctx") or {}
    if kind == "missing":
        return Message.of(N_("required field is missing"))
    if kind in _OWN and isinstance(ctx.get("message"), Message):
        return ctx["message"]
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return _got(N_("input should be a valid integer (got {got})"), got)
    if kind in ("float_type", "float_parsing", "finite_number"):
        return _got(N_("input should be a number (got {got})"), got)
    if kind in ("bool_type", "bool_parsing"):
        return _got(N_("input should be true or false (got {got})"), got)
    if kind == "string_type":
        return _got(N_("input should be text (got {got})"), got)
    if kind == "string_too_short":
        return Message.of(N_("must not be empty"))
    if kind == "string_too_long":
        return Message.of(N_("must be at most {limit} characters long (got {length})"),
                          limit=ctx.get("max_length"), length=len(got))
    if kind in ("list_type", "tuple_type"):
        return _got(N_("input should be a list (got {got})"), got)
    if kind == "too_short":
        return Message.ngettext("needs at least {n} entry (got none)", "needs at least {n} entries (got none)",
                                ctx.get("min_length", 1))
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return _got(N_("input should be an object with named fields (got {got})"), got)
    if kind == "less_than_equal":
        return L.at_most(ctx["le"], got)
    if kind == "too_long":
        return L.at_most(ctx["max_length"], ctx.get("actual_length"), "entries")
    if kind in ("greater_than", "greater_than_equal"):
        return _got(N_("input should be greater than {bound} (got {got})") if kind == "greater_than"
                    else N_("input should be greater than or equal to {bound} (got {got})"), got,
                    bound=_number(ctx.get("gt", ctx.get("ge"))))
    if kind == "less_than":
        return _got(N_("input should be less than {bound} (got {got})"), got, bound=_number(ctx.get("lt")))
    if kind == "literal_error":  # "input should be 'a' or 'b'": the values are data
        return _got(N_("input should be {expected} (got {got})"), got, expected=ctx.get("expected"))
    # Anything else: pydantic's words (in English) without its internals (class names, "instance of").
    msg = re.sub(r"\s*(or )?instance of \w+", "", e["msg"])
    return _got(N_("{reason} (got {got})"), got, reason=f"{msg[0].lower()}{msg[1:]}")


def _problems(label: str, err: ValidationError) -> list[Problem]:
    aliases = {"sender": "from", "receiver": "to"}
    out = []
    for e in err.errors(include_url=False):
        loc = tuple(aliases.get(p, p) if isinstance(p, str) else p for p in e["loc"])
        out.append(Problem.of(f"{label}{_loc(loc)}", _message(e)))
    return out


#: Nested objects whose keys are checked too: model -> {field: model of its items}.
_NESTED: dict[type, dict[str, type]] = {
    EventIn: {"sessions": WindowIn},
    ParticipantIn: {"available": WindowIn, "working_hours": HoursIn},
}


def _known(model: type[BaseModel]) -> set[str]:
    return {f.alias or name for name, f in model.model_fields.items()}


def _name_problems(model: type[BaseModel], label: str, raw: Mapping[str, Any]) -> list[Problem]:
    """Unknown keys close to a known one (``Email``, ``max_meeting``): errors, since data would be lost."""
    out = unknown_name_problems([k for k in raw if isinstance(k, str)], _known(model), label)
    for key, inner in _NESTED.get(model, {}).items():
        value = raw.get(key)
        items = value if isinstance(value, list) else [value]
        for i, item in enumerate(items):
            if isinstance(item, Mapping):
                where = f"{label}.{key}[{i}]" if isinstance(value, list) else f"{label}.{key}"
                out.extend(_name_problems(inner, where, item))
    return out


def validate_record(model: type[BaseModel], label: str, raw: Any, problems: list[Problem],
                    names: bool = True) -> Any:
    """Validate one record against ``model``; return it, or None after adding its problems to ``problems``.

    With ``names``, keys close to a known field name are problems too (the record is then refused).
    """
    if not isinstance(raw, Mapping):
        problems.append(Problem.of(label, N_("expected an object, got {type}"), type=type(raw).__name__))
        return None
    named = _name_problems(model, label, raw) if names else []
    problems.extend(named)
    try:
        ok = model.model_validate(raw)
    except ValidationError as err:
        problems.extend(_problems(label, err))
        return None
    return None if named else ok

