"""The pilot report in three formats from one set of figures: HTML (jinja2, the template in this
package), PDF (WeasyPrint from that HTML) and an xlsx workbook (openpyxl, one sheet per table).

:func:`build_report` bundles what every format shows: the figures' tables (:mod:`.tables`), the
charts (:mod:`.pilot_charts`) and the recommendations (:mod:`.recommendations`). The console's
Results page shows :func:`report_body`, the same fragment the HTML and PDF report wrap.
Nothing here reads a clock: ``generated`` (the "figures as of" text) is passed in. Every format
is written in the report's :class:`~scheduler.domain.language.Language` (headings, notes, sentences,
the built-in surveys' labels; English by default); names, ids and technology tags are data and stay.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from scheduler.domain.language import ENGLISH, Language

from .findings import MIN_GROUP
from .pilot import PilotFigures
from .pilot_charts import Chart, charts
from .recommendations import Recommendation, recommend
from .tables import Table, cell_text, report_tables

if TYPE_CHECKING:
    from jinja2 import Environment

#: what ``run.py report -o FILE`` writes, by the file's suffix
FORMATS = ("html", "pdf", "xlsx")


@dataclass(frozen=True)
class Report:
    figures: PilotFigures
    recommendations: tuple[Recommendation, ...]
    tables: tuple[Table, ...]
    charts: tuple[Chart, ...]
    generated: str  # "figures as of ...", in words
    demo: bool = False  # the answers and outcomes were simulated (run.py demo)
    lang: Language = ENGLISH  # the language every format is written in


def build_report(figures: PilotFigures, generated: str, *, demo: bool = False, with_charts: bool = True,
                 lang: Language = ENGLISH) -> Report:
    """Recommendations, tables and (unless ``with_charts`` is False) charts of ``figures``, in ``lang``."""
    recs = recommend(figures, lang)
    return Report(figures, recs, report_tables(figures, recs, lang), charts(figures, lang) if with_charts else (),
                  generated, demo, lang)  # fmt: skip


@cache
def _env() -> Environment:
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(loader=PackageLoader("scheduler.reporting", "templates"), autoescape=select_autoescape(["html"]))
    env.globals["cell"] = cell_text
    return env


def report_body(report: Report) -> str:
    """The report's body as an HTML fragment (sections with classes, no inline style, escaped)."""
    from markupsafe import Markup  # jinja2's own

    return _env().get_template("report_body.html").render(
        _=report.lang.gettext, demo=report.demo, demo_command=Markup("<code>run.py demo</code>"), generated=report.generated, min_group=MIN_GROUP, recs=report.recommendations,
        charts=report.charts, tables=report.tables, titles={t.id: t.title for t in report.tables})  # fmt: skip


def report_html(report: Report) -> str:
    """The whole report as one HTML document (its CSS inside, its charts inline: no other file)."""
    f = report.figures
    return _env().get_template("report.html").render(_=report.lang.gettext, lang=report.lang.code, name=f.event_name,
                                                      event_id=f.event_id, body=report_body(report))  # fmt: skip


def report_pdf(report: Report) -> bytes:
    """The HTML report printed to PDF (A4) by WeasyPrint; needs Debian's pango libraries."""
    from weasyprint import HTML

    return HTML(string=report_html(report)).write_pdf()


def report_xlsx(report: Report) -> bytes:
    """Every table of the report on its own sheet (named by the table's id), numbers as numbers
    (shares in 0..1 with a percent format), a first sheet ``about`` saying what the workbook holds."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    about = wb.active
    about.title = "about"
    f, _ = report.figures, report.lang.gettext
    about.append([_("Pilot results"), f.event_name])
    about.append([_("event"), f.event_id])
    about.append([_("figures as of"), report.generated])
    about.append([_("minimum group size"), MIN_GROUP])
    if report.demo:
        about.append([_("demo data"), _("simulated answers and meetings (run.py demo), not a real event")])
    about.append([])
    about.append([_("sheet"), _("table"), _("note")])
    for t in report.tables:
        about.append([t.id, t.title, t.note])
        ws = wb.create_sheet(t.id[:31])
        ws.append([c.name for c in t.columns])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in t.rows:
            ws.append(list(row))
        for col, c in enumerate(t.columns, 1):
            fmt = {"pct": "0%", "num": "0.00"}.get(c.format)
            if fmt:
                for (cell,) in ws.iter_rows(min_row=2, min_col=col, max_col=col):
                    if isinstance(cell.value, float):
                        cell.number_format = fmt
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def render(report: Report, fmt: str) -> bytes:
    """The report in ``fmt`` (one of :data:`FORMATS`) as bytes (HTML in UTF-8).

    Raises:
        ValueError: an unknown format.
    """
    if fmt == "html":
        return report_html(report).encode("utf-8")
    if fmt == "pdf":
        return report_pdf(report)
    if fmt == "xlsx":
        return report_xlsx(report)
    raise ValueError(f"unknown report format {fmt!r}: use one of {', '.join(FORMATS)}")
