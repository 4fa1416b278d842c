"""One record of the event document validated, with every problem in words a user understands.

A record is checked against its input model (:mod:`.inputs`); pydantic's errors
become :class:`Problem` s named by record and field (``participants[12].timezone``),
and keys close to a known one (``Email``, ``max_meeting``) are problems too, since
their data would be lost.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ValidationError

from scheduler.domain import limits as L
from scheduler.domain.errors import Problem
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


def _message(e: Any) -> str:
    """A pydantic error in words a user understands, cut to a readable length."""
    words = _words(e)
    return words if len(words) <= 300 else words[:200] + " ... " + words[-60:]


def _words(e: Any) -> str:
    """A pydantic error in words a user understands: the value quoted, the expected form named."""
    kind, got, ctx = e["type"], e.get("input"), e.get("ctx") or {}
    if kind == "missing":
        return "required field is missing"
    if kind == "order":
        return "end is not after start"
    if kind in _OWN:
        return e["msg"]
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"input should be a valid integer (got {got!r})"
    if kind in ("float_type", "float_parsing", "finite_number"):
        return f"input should be a number (got {got!r})"
    if kind in ("bool_type", "bool_parsing"):
        return f"input should be true or false (got {got!r})"
    if kind == "string_type":
        return f"input should be text (got {got!r})"
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "string_too_long":
        return f"must be at most {ctx.get('max_length')} characters long (got {len(got)})"
    if kind in ("list_type", "tuple_type"):
        return f"input should be a list (got {got!r})"
    if kind == "too_short":
        return f"needs at least {ctx.get('min_length')} entry (got none)"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return f"input should be an object with named fields (got {got!r})"
    if kind == "less_than_equal":
        return L.at_most(ctx["le"], got)
    if kind == "too_long":
        return L.at_most(ctx["max_length"], ctx.get("actual_length")).replace(" (", " entries (")
    if kind in ("greater_than", "greater_than_equal", "less_than", "literal_error"):
        msg = e["msg"]  # "input should be less than or equal to 3", "input should be 'a' or 'b'"
        return f"{msg[0].lower()}{msg[1:]} (got {got!r})"
    # Anything else: pydantic's words without its internals (class names, "instance of").
    msg = re.sub(r"\s*(or )?instance of \w+", "", e["msg"])
    return f"{msg[0].lower()}{msg[1:]} (got {got!r})"


def _problems(label: str, err: ValidationError) -> list[Problem]:
    aliases = {"sender": "from", "receiver": "to"}
    out = []
    for e in err.errors(include_url=False):
        loc = tuple(aliases.get(p, p) if isinstance(p, str) else p for p in e["loc"])
        out.append(Problem(f"{label}{_loc(loc)}", _message(e)))
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
        problems.append(Problem(label, f"expected an object, got {type(raw).__name__}"))
        return None
    named = _name_problems(model, label, raw) if names else []
    problems.extend(named)
    try:
        ok = model.model_validate(raw)
    except ValidationError as err:
        problems.extend(_problems(label, err))
        return None
    return None if named else ok

