"""Read tables the way organisers save them: CSV from Excel in any usual dialect, and .xlsx.

This module knows nothing of the event format: it turns bytes into a
:class:`Table` of text cells (each row with the line or row number it came
from), matches header names against the columns a caller knows, and writes
tables back as UTF-8 CSV with a BOM or as .xlsx. Every failure is one
:class:`~scheduler.domain.errors.Problem` that says what is wrong and how to save the
file instead.
"""

from __future__ import annotations

import csv
import difflib
import io
import os
import re
import warnings
import zipfile
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from charset_normalizer import from_bytes

from scheduler.domain.errors import InvalidInput, Message, Problem
from scheduler.domain.language import N_

SEPARATORS = (",", ";", "\t")
_SEPARATOR_NAMES = {",": "','", ";": "';'", "\t": "tabs", "|": "'|'", ":": "':'"}
#: Dashes that autocorrect puts between two times (en, em, minus, figure dash, ...).
DASHES = re.compile("[\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d]")
XLSX_MAGIC = b"PK\x03\x04"
#: What to do with a text file that is not UTF-8: a CSV table, an event.json.
CSV_ADVICE = Message.of(N_("save it as 'CSV UTF-8'"))
JSON_ADVICE = Message.of(N_("save it as UTF-8"))


@dataclass(frozen=True)
class Table:
    """A table of text cells: ``rows`` pairs each row's line (or sheet row) number with its cells."""

    name: str  # "participants.csv", or "participants sheet" for a workbook
    header: tuple[str, ...]
    rows: tuple[tuple[int, tuple[str, ...]], ...]
    separator: str = ","
    unit: str = "line"  # "line" for CSV, "row" for a sheet
    header_number: int = 1  # the line or row the header is on

    def where(self, number: int) -> str:
        """Name a row for a problem: ``participants.csv line 3``."""
        return f"{self.name} {self.unit} {number}"


# ---------------------------------------------------------------- names


def normalise_name(name: str) -> str:
    """Fold a header name for matching: no BOM, no surrounding spaces, lower case, '_' for inner spaces."""
    return re.sub(r"[\s-]+", "_", name.replace("\ufeff", "").strip()).casefold()


def suggest(name: str, known: Collection[str]) -> str | None:
    """Return the known name that ``name`` is most likely a slip for, or None if it is a different name."""
    folded = re.sub(r"[^0-9a-z]", "", name.casefold())
    for k in known:
        if re.sub(r"[^0-9a-z]", "", k) == folded:
            return k
    name = normalise_name(name)
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.8)
    if close:
        return close[0]
    # "availability" for "available": a long shared stem and a fair likeness is a slip too
    for k in known:
        ratio = difflib.SequenceMatcher(None, name, k).ratio()
        if ratio >= 0.7 and len(os.path.commonprefix([name, k])) >= 6:
            return k
    return None


def unknown_name_problems(names: Iterable[str], known: Collection[str], where: str,
                          what: str = "field") -> list[Problem]:
    """One problem per name that is not known but close to a known one (a near-miss drops data);
    ``what`` is "field" or "section"."""
    out = []
    for name in names:
        if name in known:
            continue
        hint = suggest(name, known)
        if hint is not None:
            template = N_("unknown section {name}: did you mean {hint}?") if what == "section" else \
                N_("unknown field {name}: did you mean {hint}?")
            out.append(Problem.of(where, template, name=repr(name), hint=repr(hint)))
    return out


# ---------------------------------------------------------------- text


def decode(raw: bytes, name: str = "", advice: str | Message = CSV_ADVICE) -> str:
    """Decode a file's bytes: UTF-8 (with or without BOM), UTF-16 with a BOM, or clean Windows-1252.

    Windows-1252 is accepted only when every byte decodes and charset detection
    finds the text plausible in it; anything else raises :class:`InvalidInput`
    with one problem naming the first bad byte and its line.
    """
    if raw.startswith(XLSX_MAGIC):
        raise InvalidInput([Problem.of(name, N_("this is an Excel workbook, not text: give it the .xlsx extension, "
                                                "or {advice}"), advice=advice)])
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            pass
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        bad = exc.start
    if b"\x00" not in raw:
        text = _windows_1252(raw)
        if text is not None:
            return text
    line = raw[:bad].count(b"\n") + 1
    raise InvalidInput([Problem.of(name, N_("not UTF-8 text (byte {byte} on line {line}); {advice}"),
                                   byte=f"0x{raw[bad]:02x}", line=line, advice=advice)])


def _windows_1252(raw: bytes) -> str | None:
    try:
        text = raw.decode("cp1252")
    except UnicodeDecodeError:
        return None
    matches = list(from_bytes(raw))
    if not matches:
        return None
    # Short texts fit several code pages equally well; cp1252 must be among the most plausible
    # (Cyrillic, Greek or Polish text read as cp1252 is less so, and is refused).
    best = min(m.chaos for m in matches)
    if any("cp1252" in m.could_be_from_charset and m.chaos <= best for m in matches):
        return text
    return None


def read_bytes(path: Path, name: str = "", advice: str | Message = CSV_ADVICE) -> str:
    """Read and :func:`decode` a file; a missing file raises InvalidInput."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InvalidInput([Problem.of(name, N_("no such file: {path}"), path=str(path))]) from None
    return decode(raw, name, advice)


# ---------------------------------------------------------------- CSV


def csv_table(text: str, name: str, known: Collection[str]) -> Table:
    """Split CSV text into a :class:`Table`, finding the separator (',', ';' or tab).

    ``csv.Sniffer`` proposes the separator; the header row decides between the
    candidates, since the right one is the one that yields known column names.
    Rows that are wholly empty are dropped, as are empty columns at the right.
    """
    lines = text.splitlines()
    sample = "\n".join(lines[:20])
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters="".join(SEPARATORS)).delimiter
    except csv.Error:
        sniffed = ","
    first = lines[0] if lines else ""
    candidates = [sniffed, *(s for s in SEPARATORS if s != sniffed)]
    wanted = {normalise_name(k) for k in known}

    def score(sep: str) -> int:
        cells = next(csv.reader([first], delimiter=sep), [])
        return sum(normalise_name(c) in wanted for c in cells)

    sep = max(candidates, key=score)  # max keeps the first (the sniffed one) on a tie
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep, quotechar='"', doublequote=True)
    numbered: list[tuple[int, list[str]]] = []
    last = 0
    try:
        for cells in reader:
            start, last = last + 1, reader.line_num
            numbered.append((start, cells))
    except csv.Error as exc:  # a cell over csv.field_size_limit() (128 KiB), a NUL byte, ...
        raise InvalidInput([Problem.of(f"{name} line {last + 1}", N_("cannot be read as CSV ({reason}); "
                                       "a cell may be at most 128 KiB long: check the quotes"), reason=str(exc))]) from None
    return _table(name, numbered, sep, "line")


def _table(name: str, numbered: list[tuple[int, list[str]]], sep: str, unit: str) -> Table:
    rows = [(n, [c.strip() for c in cells]) for n, cells in numbered]
    rows = [(n, cells) for n, cells in rows if any(cells)]
    if not rows:
        return Table(name, (), (), sep, unit)
    (at, header), body = rows[0], rows[1:]
    width = max([len(header), *(len(c) for _, c in body)])
    while width and not (header + [""])[width - 1] and not any(len(c) >= width and c[width - 1] for _, c in body):
        width -= 1
    header = (header + [""] * width)[:width]
    return Table(
        name,
        tuple(header),
        tuple((n, tuple((c + [""] * width)[:width])) for n, c in body),
        sep,
        unit,
        at,
    )


# ---------------------------------------------------------------- header


def header_columns(table: Table, known: Collection[str], required: Collection[str] = ()
                   ) -> tuple[list[str | None], list[Problem]]:
    """Map each column to its known name (or its own name, kept as an extra field).

    Returns one name per column (None for a nameless, empty column) and the
    problems: no known column at all, a near-miss of a known name, a column
    given twice, a required column missing, cells under a nameless column.
    """
    wanted = {normalise_name(k): k for k in known}
    problems: list[Problem] = []
    if not table.header:
        return [], [Problem.of(table.name, N_("the file is empty: the first row must name the columns"))]
    names: list[str | None] = []
    for i, raw in enumerate(table.header):
        if not raw.replace("\ufeff", "").strip():
            names.append(None)
            filled = next(((n, c[i]) for n, c in table.rows if c[i]), None)
            if filled:
                problems.append(Problem.of(table.where(filled[0]),
                                           N_("{value} is in column {column}, which has no name in the header"),
                                           value=repr(filled[1]), column=i + 1))
            continue
        names.append(wanted.get(normalise_name(raw), raw.replace("\ufeff", "").strip()))
    if not any(n in known for n in names):
        return names, [Problem.of(table.name, _no_known_column(table, known))]
    for n in names:
        if n is not None and n not in known:
            hint = suggest(n, known)
            if hint is not None:
                problems.append(Problem.of(table.name, N_("unknown column {name}: did you mean {hint}?"),
                                           name=repr(n), hint=repr(hint)))
    seen: set[str] = set()
    for raw, n in zip(table.header, names, strict=True):
        if n is not None and n in seen:
            problems.append(Problem.of(table.name, N_("column {name} is given twice (once as {raw})"),
                                       name=repr(n), raw=repr(raw.strip())))
        seen.add(n or "")
    for r in required:
        if r not in seen:
            problems.append(Problem.of(table.name, N_("required column {name} is missing"), name=repr(r)))
    return names, problems


def _no_known_column(table: Table, known: Collection[str]) -> Message:
    shown = table.separator.join(table.header)
    args = {"row": repr(shown[:80]), "expected": ", ".join(sorted(known))}
    first = shown if table.unit == "line" else ""
    counts = {s: first.count(s) for s in _SEPARATOR_NAMES if s != table.separator}
    seps = [s for s, c in sorted(counts.items(), key=lambda kv: -kv[1]) if c]
    if seps:
        separator = Message.of(N_("tabs")) if seps[0] == "\t" else _SEPARATOR_NAMES[seps[0]]
        return Message.of(N_("no known column found in the first row ({row}); expected {expected}; "
                             "the cells seem to be separated by {separator}: use ',' or ';'"), separator=separator, **args)
    return Message.of(N_("no known column found in the first row ({row}); expected {expected}"), **args)


def records(table: Table, names: list[str | None]) -> list[tuple[int, dict[str, str]]]:
    """Return each row as (number, {column name: non-empty cell})."""
    return [
        (n, {name: cell for name, cell in zip(names, cells, strict=True) if name is not None and cell})
        for n, cells in table.rows
    ]


# ---------------------------------------------------------------- xlsx


def read_workbook(path: Path, name: str) -> dict[str, Table]:
    """Read every sheet of an .xlsx workbook as a :class:`Table`, keyed by lower-case sheet name.

    Typed cells become the text a CSV would hold (see :func:`cell_text`).
    A file that is not an .xlsx workbook raises InvalidInput with one problem.
    """
    from openpyxl import load_workbook  # imported here: only workbooks need it
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        with warnings.catch_warnings():  # about Excel features we do not read (styles, validation)
            warnings.simplefilter("ignore")
            book = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        template = N_("not a readable .xlsx workbook (an old .xls file: save it as 'Excel Workbook (.xlsx)'): {error}") \
            if _is_xls(path) else N_("not a readable .xlsx workbook: {error}")
        raise InvalidInput([Problem.of(name, template, error=type(exc).__name__)]) from None
    try:
        out: dict[str, Table] = {}
        for ws in book.worksheets:
            numbered = [(i, [cell_text(v) for v in row]) for i, row in enumerate(ws.iter_rows(values_only=True), 1)]
            label = f"{name} sheet {ws.title.strip()!r}".strip()
            out[ws.title.strip().casefold()] = _table(label, numbered, "", "row")
        return out
    finally:
        book.close()


def _is_xls(path: Path) -> bool:
    with path.open("rb") as f:
        return f.read(8) == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def cell_text(value: Any) -> str:
    """Turn a typed spreadsheet cell into CSV text: 6.0 -> '6', a date -> 'YYYY-MM-DD', 9:00 -> '09:00'."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        if value.time() == time(0, 0):
            return value.date().isoformat()
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, timedelta):  # a time typed as a duration
        minutes = round(value.total_seconds() / 60)
        return f"{minutes // 60:02d}:{minutes % 60:02d}"
    return str(value)


# ---------------------------------------------------------------- writing


def csv_bytes(rows: Iterable[Mapping[str, Any]], columns: tuple[str, ...]) -> bytes:
    """Write rows as comma-separated UTF-8 with a BOM, so Excel shows every letter right."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, columns, extrasaction="ignore")
    w.writeheader()
    w.writerows(rows)
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def xlsx_bytes(rows: Iterable[Mapping[str, Any]], columns: tuple[str, ...], sheet: str) -> bytes:
    """Write rows as a one-sheet .xlsx workbook with a bold header row."""
    return workbook_bytes({sheet: (rows, columns)})


def workbook_bytes(sheets: Mapping[str, tuple[Iterable[Mapping[str, Any]], tuple[str, ...]]]) -> bytes:
    """Write an .xlsx workbook: one sheet per ``{title: (rows, columns)}``, each with a bold header row."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for title, (rows, columns) in sheets.items():
        _sheet(book.create_sheet(title[:31]), rows, columns)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def _sheet(ws: Any, rows: Iterable[Mapping[str, Any]], columns: tuple[str, ...]) -> None:
    from openpyxl.styles import Font

    ws.append(list(columns))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for r in rows:
        ws.append([r.get(c, "") for c in columns])
        for cell in ws[ws.max_row]:
            if cell.data_type == "f":  # text starting with '=' is text here, not a formula
                cell.data_type = "s"
    ws.freeze_panes = "A2"
