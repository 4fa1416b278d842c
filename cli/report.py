"""The pilot report from the command line: ``report --event ID -o FILE`` writes the KPIs, charts,
survey findings and policy recommendations as ``.pdf``, ``.html`` or ``.xlsx`` (by the suffix),
with ``pilot_inputs`` shared by the demo (its figures read the same records). ``--lang`` chooses
the report's language (default: the event's ``language`` setting, else English).
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path

from cli.common import Subcommands, open_store, out, subcommand
from scheduler.domain.errors import InvalidInput
from scheduler.domain.language import LANGUAGES, Language, load, supported
from scheduler.reporting.pilot import PilotFigures, pilot_figures
from scheduler.reporting.report import FORMATS, build_report, render
from scheduler.store import Store

#: the audit action ``run.py demo`` records when it simulates outcomes (the report says "demo data")
DEMO_ACTION = "demo_outcomes"


def stored_figures(store: Store, event_id: str) -> tuple[PilotFigures, bool]:
    """The event's pilot figures from the store, and whether its outcomes were simulated by the demo.

    Raises:
        NotFound: no such event.
    """
    data = store.load(event_id)
    figures = pilot_figures(data, store.meetings(event_id), store.checked_in(event_id), store.surveys(event_id),
                            store.answers(event_id))  # fmt: skip
    demo = any(a["action"] == DEMO_ACTION for a in store.audit_log(event_id))
    return figures, demo


def cmd_report(args: argparse.Namespace) -> int:
    target = Path(args.output)
    fmt = target.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise InvalidInput(f"-o/--output: {args.output!r} must end in .pdf, .html or .xlsx (the format to write)")
    if args.lang is not None and supported(args.lang) is None:
        raise InvalidInput(f"--lang: {args.lang!r} is not a language of the report: use one of {', '.join(LANGUAGES)}")
    with open_store(args) as store:
        figures, demo = stored_figures(store, args.event)
        lang = report_language(args.lang or str(store.event(args.event).extra.get("language") or ""))
    now = datetime.now(UTC)
    generated = now.strftime("%d %B %Y %H:%M UTC") if lang.code == "en" else f"{lang.when(now, 'UTC', 'long')} UTC"
    report = build_report(figures, generated, demo=demo, with_charts=fmt != "xlsx", lang=lang)
    target.write_bytes(render(report, fmt))
    out.print(f"wrote {target} ({fmt}: {len(report.tables)} tables, {len(report.charts)} charts, "
              f"{len(report.recommendations)} recommendations)" + (" from demo data" if demo else ""))
    for r in report.recommendations:
        out.print(f"- {r.text} [rule {r.rule}]", markup=False)
    return 0


def report_language(code: str) -> Language:
    """The report's :class:`Language` for ``code`` (its catalogue from ``webapp/translations``; English
    for an empty or unknown code)."""
    from webapp.i18n import CATALOGUES  # where the compiled catalogues are

    return load(code or "en", CATALOGUES)


def add_report(sub: Subcommands) -> None:
    r = subcommand(sub, "report", cmd_report, "the pilot report: KPIs, charts, survey findings, recommendations")
    r.add_argument("--event", required=True, help="the stored event's id")
    r.add_argument("-o", "--output", required=True, metavar="FILE",
                   help="report.pdf, report.html or report.xlsx (every table, one sheet each)")
    r.add_argument("--lang", metavar="CODE",
                   help=f"the report's language: {', '.join(LANGUAGES)} (default: the event's language, else en)")
