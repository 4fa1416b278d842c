"""The event as a file: a JSON document, a folder of CSV (or .xlsx) tables, or one .xlsx workbook.

:func:`read_event_file` reads any of them (the JSON document through :mod:`.formats`).

A folder holds ``event.json`` (or ``event.xlsx``), ``participants.csv`` (or
``.xlsx``) and, optionally, ``requests.csv`` (or ``.xlsx``). A workbook holds
sheets named ``event``, ``participants`` and ``requests`` (any case). Cells are
text as a CSV holds them (see ``docs/format.md``); problems are named by file
or sheet, line or row, and column: ``participants.csv line 3.timezone: ...``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from scheduler.domain.errors import InvalidInput, Message, Problem
from scheduler.domain.language import N_
from scheduler.domain.model import EventData
from scheduler.domain.sessions import format_sessions
from scheduler.files.formats import load_json, parse_event_document, parse_event_json
from scheduler.files.inputs import EventIn, format_clock, parse_windows
from scheduler.files.spreadsheets import (
    JSON_ADVICE,
    Table,
    csv_bytes,
    csv_table,
    decode,
    header_columns,
    normalise_name,
    read_bytes,
    read_workbook,
    records,
    unknown_name_problems,
    workbook_bytes,
)
from scheduler.files.writer import event_to_dict

PARTICIPANT_COLUMNS = (
    "id", "name", "kind", "cluster", "country", "timezone", "contact", "email",
    "working_hours", "available", "max_meetings", "sectors", "needs", "offers",
    "languages", "description",
)  # fmt: skip
REQUEST_COLUMNS = ("from", "to", "priority", "status", "sessions")
LIST_COLUMNS = ("sectors", "needs", "offers", "languages")
REQUIRED = {"participants": ("id", "name", "kind", "timezone"), "requests": ("from", "to")}
KNOWN = {"participants": PARTICIPANT_COLUMNS, "requests": REQUEST_COLUMNS}
EVENT_INTS = ("slot_minutes", "gap_minutes", "rooms", "max_meetings")
_TRUE, _FALSE = ("true", "yes", "1", "wahr", "vrai", "sí", "si", "sim"), ("false", "no", "0", "falsch", "faux", "não", "nao")


# ---------------------------------------------------------------- reading


def read_event_file(path: str | Path) -> EventData:
    """Read an event from a JSON file, an .xlsx workbook, or a folder of CSV (or .xlsx) tables.

    Raises InvalidInput listing every problem (a file that cannot be decoded is one problem).
    """
    path = Path(path)
    if path.is_dir():
        return read_csv_dir(path)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return read_workbook_event(path)
    if not path.exists():
        raise InvalidInput(Message.of(N_("no such file: {path}"), path=str(path)))
    return parse_event_json(decode(path.read_bytes(), "", JSON_ADVICE), str(path))


def read_csv_dir(folder: Path) -> EventData:
    """Read ``event.json`` with ``participants.csv`` and ``requests.csv`` (or .xlsx tables) from a folder.

    Raises InvalidInput listing every problem.
    """
    folder = Path(folder)
    problems: list[Problem] = []
    event: Any = None
    if (folder / "event.json").exists():
        event = _event_json(folder / "event.json", problems)
    elif (folder / "event.xlsx").exists():
        sheets = _workbook(folder / "event.xlsx", "event.xlsx", problems)
        if sheets:
            event = _event_sheet(next(iter(sheets.values())), problems)
    else:
        problems.append(Problem.of("event.json", N_("missing: the folder needs the event settings")))
    tables: dict[str, Table | None] = {}
    for section in ("participants", "requests"):
        tables[section] = _folder_table(folder, section, problems)
    return _assemble(event, tables, problems, str(folder))


def read_workbook_event(path: Path) -> EventData:
    """Read an event from one .xlsx workbook with sheets event, participants and requests."""
    problems: list[Problem] = []
    sheets = _workbook(path, "", problems)
    if sheets is None:
        raise InvalidInput(problems, str(path))
    event: Any = None
    if "event" in sheets:
        event = _event_sheet(sheets["event"], problems)
    else:
        problems.append(Problem.of("", N_("no sheet named {name} (the sheets are: {sheets})"), name="'event'",
                                   sheets=", ".join(sheets)))
    if "participants" not in sheets:
        problems.append(Problem.of("", N_("no sheet named {name} (the sheets are: {sheets})"), name="'participants'",
                                   sheets=", ".join(sheets)))
    tables = {s: sheets.get(s) for s in ("participants", "requests")}
    return _assemble(event, tables, problems, str(path))


def _folder_table(folder: Path, section: str, problems: list[Problem]) -> Table | None:
    csv_path, xlsx_path = folder / f"{section}.csv", folder / f"{section}.xlsx"
    if csv_path.exists() and xlsx_path.exists():
        problems.append(Problem.of(section, N_("both {csv} and {xlsx} are there: keep one"), csv=f"{section}.csv",
                                   xlsx=f"{section}.xlsx"))
        return None
    if xlsx_path.exists():
        sheets = _workbook(xlsx_path, f"{section}.xlsx", problems)
        return replace(next(iter(sheets.values())), name=f"{section}.xlsx") if sheets else None
    if not csv_path.exists():
        if section == "participants":
            problems.append(Problem.of(f"{section}.csv", N_("missing")))
        return None
    try:
        return csv_table(read_bytes(csv_path, csv_path.name), csv_path.name, KNOWN[section])
    except InvalidInput as exc:
        problems.extend(exc.problems)
        return None


def _workbook(path: Path, name: str, problems: list[Problem]) -> dict[str, Table] | None:
    try:
        return read_workbook(path, name)
    except InvalidInput as exc:
        problems.extend(exc.problems)
        return None


def _event_json(path: Path, problems: list[Problem]) -> Any:
    try:
        doc = load_json(decode(path.read_bytes(), path.name, JSON_ADVICE))
    except InvalidInput as exc:
        problems.extend(p if p.path.startswith(path.name) else replace(p, path=f"{path.name} {p.path}".strip())
                        for p in exc.problems)  # fmt: skip
        return None
    return doc["event"] if isinstance(doc, Mapping) and "event" in doc else doc


def _event_sheet(table: Table, problems: list[Problem]) -> dict[str, Any]:
    """An event sheet: a name in the first column and its value in the second, one field per row.

    A sheet laid out the other way (names across the first row, values in the
    second) is read too.
    """
    known = EventIn.model_fields.keys()
    wanted = {normalise_name(k): k for k in known}
    if sum(normalise_name(h) in wanted for h in table.header) >= 2 and table.rows:
        pairs = [(table.rows[0][0], h, v) for h, v in zip(table.header, table.rows[0][1], strict=True)]
    else:
        lines = ((table.header_number, table.header), *table.rows)
        pairs = [(n, cells[0], cells[1] if len(cells) > 1 else "") for n, cells in lines if cells]
    out: dict[str, Any] = {}
    for number, raw_name, value in pairs:
        if not raw_name or normalise_name(raw_name) in ("field", "setting", "name_of_field"):
            continue
        name = wanted.get(normalise_name(raw_name), raw_name.strip())
        problems.extend(unknown_name_problems([name], set(known), table.where(number)))
        if value != "":
            out[name] = _event_value(name, value)
    return out


def _event_value(name: str, value: str) -> Any:
    if name in EVENT_INTS:
        return _int(value)
    if name == "sessions":
        return parse_windows(value)
    if name == "allow_same_kind":
        folded = value.strip().casefold()
        return True if folded in _TRUE else False if folded in _FALSE else value
    if name == "request_ttl_hours" and re.fullmatch(r"\d+([.,]\d+)?", value):
        return float(value.replace(",", "."))
    return value


def _int(v: str) -> Any:
    return int(v) if re.fullmatch(r"-?\d+", v.strip()) else v


def _assemble(event: Any, tables: Mapping[str, Table | None], problems: list[Problem], source: str) -> EventData:
    rows: dict[str, list[tuple[str, dict[str, Any]]]] = {"participants": [], "requests": []}
    for section, table in tables.items():
        if table is None:
            continue
        names, header_problems = header_columns(table, KNOWN[section], REQUIRED[section])
        problems.extend(header_problems)
        if header_problems:
            continue  # a wrong header would turn into a problem on every row
        convert = _participant_cells if section == "participants" else _request_cells
        rows[section] = [(table.where(n), convert(rec)) for n, rec in records(table, names)]
    if problems:
        if isinstance(event, Mapping):  # still say what is wrong with the event block
            try:
                parse_event_document({"event": event, "participants": []}, checked=("event",))
            except InvalidInput as exc:
                problems = [*exc.problems, *problems]
        raise InvalidInput(problems, source)
    labels = {s: [where for where, _ in rs] for s, rs in rows.items()}
    doc = {"event": event, **{s: [rec for _, rec in rs] for s, rs in rows.items()}}
    return parse_event_document(doc, source, lambda s, i: labels[s][i], checked=("event",))


def _participant_cells(rec: Mapping[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in rec.items():
        if key in LIST_COLUMNS:
            out[key] = [t.strip() for t in value.split(";") if t.strip()]
        elif key == "available":
            out[key] = parse_windows(value)
        elif key == "max_meetings":
            out[key] = _int(value)
        else:
            out[key] = value  # working_hours "08:00-18:00" is read by the model itself
    return out


def _request_cells(rec: Mapping[str, str]) -> dict[str, Any]:
    return {k: (_int(v) if k == "priority" else v) for k, v in rec.items()}


# ---------------------------------------------------------------- writing


def participant_rows(data: EventData) -> list[dict[str, Any]]:
    """One row of text cells per participant, in the columns of ``participants.csv``."""
    t = format_clock
    return [
        {
            "id": p.id, "name": p.name, "kind": p.kind, "cluster": p.cluster,
            "country": p.country, "timezone": p.timezone, "contact": p.contact,
            "email": p.email,
            "working_hours": f"{t(p.working_hours[0])}-{t(p.working_hours[1])}",
            "available": ";".join(f"{w.date.isoformat()} {t(w.start)}-{t(w.end)}" for w in p.available or ()),
            "max_meetings": "" if p.max_meetings is None else p.max_meetings,
            "sectors": ";".join(p.sectors), "needs": ";".join(p.needs),
            "offers": ";".join(p.offers), "languages": ";".join(p.languages),
            "description": p.description,
        }
        for p in data.participants
    ]  # fmt: skip


def request_rows(data: EventData) -> list[dict[str, Any]]:
    """One row per request, in the columns of ``requests.csv``."""
    return [{"from": r.sender, "to": r.receiver, "priority": r.priority, "status": r.status,
             "sessions": format_sessions(r.sessions)} for r in data.requests]  # fmt: skip


def write_csv_dir(data: EventData, folder: Path) -> None:
    """Write ``event.json``, ``participants.csv`` and ``requests.csv``; the CSV files are UTF-8 with a BOM."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "event.json").write_text(
        json.dumps({"event": event_to_dict(data.event)}, indent=2, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    (folder / "participants.csv").write_bytes(csv_bytes(participant_rows(data), PARTICIPANT_COLUMNS))
    (folder / "requests.csv").write_bytes(csv_bytes(request_rows(data), REQUEST_COLUMNS))


def event_rows(data: EventData) -> list[dict[str, Any]]:
    """The event block as (field, value) rows for an event sheet; sessions as ``;``-separated windows."""
    t = format_clock
    out = []
    for key, value in event_to_dict(data.event).items():
        if key == "sessions":
            value = ";".join(f"{s.date.isoformat()} {t(s.start)}-{t(s.end)}" for s in data.event.sessions)
        elif not isinstance(value, str | int | float | bool):
            value = json.dumps(value, ensure_ascii=False)
        out.append({"field": key, "value": value})
    return out


def write_workbook(data: EventData, path: Path) -> None:
    """Write the event as one .xlsx workbook with sheets event, participants and requests."""
    path.write_bytes(workbook_bytes({
        "event": (event_rows(data), ("field", "value")),
        "participants": (participant_rows(data), PARTICIPANT_COLUMNS),
        "requests": (request_rows(data), REQUEST_COLUMNS),
    }))
