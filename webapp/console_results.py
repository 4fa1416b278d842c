"""Organiser console, pilot results: the KPIs, charts, survey findings and policy recommendations
of one event (:mod:`scheduler.reporting.report`), and the report to download as PDF, HTML or
xlsx. Organisers and hosts may see it; it shows aggregates only (no names, no answers; survey
figures under the minimum group size are not shown).

The route belongs to the console's blueprint (:data:`.console.bp`, names ``console.results`` and
``console.results_file``); :func:`webapp.create_app` imports this module before registering it.
"""

from __future__ import annotations

from datetime import UTC

from flask import Response, abort, current_app, render_template
from flask_babel import gettext
from markupsafe import Markup

from scheduler.reporting.pilot import PilotFigures, pilot_figures
from scheduler.reporting.report import FORMATS, build_report, render, report_body
from scheduler.store import Store

from .auth import staff_required
from .console import bp
from .extensions import get_store
from .i18n import page_language
from .live import clock
from .memo import ready

#: the audit action ``run.py demo`` records when it simulates outcomes (cli/report.py)
DEMO_ACTION = "demo_outcomes"
MIMETYPES = {"pdf": "application/pdf", "html": "text/html",  # Flask adds the charset
             "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}  # fmt: skip


def _figures(event_id: str, store=None) -> tuple[PilotFigures, bool]:
    store = store or get_store()
    data = store.load(event_id)
    figures = pilot_figures(data, store.meetings(event_id), store.checked_in(event_id), store.surveys(event_id),
                            store.answers(event_id))  # fmt: skip
    return figures, any(a["action"] == DEMO_ACTION for a in store.audit_log(event_id))


def _generated() -> str:
    """The "figures as of" time in the page's language (English as it always was: 01 October 2027 09:00 UTC)."""
    lang = page_language()
    if lang.code == "en":
        return clock().astimezone(UTC).strftime("%d %B %Y %H:%M UTC")
    return f"{lang.when(clock(), 'UTC', 'long')} UTC"


@bp.get("/events/<event_id>/results")
@staff_required("organiser", "host")
def results(event_id):
    """The Results page: the report's body (our own markup, escaped by its template) with downloads.

    The charts take seconds for a large event: the report is built in the background once per
    state of the event (:func:`.memo.ready`), the page saying so meanwhile and refreshing itself."""
    db, generated = current_app.config["DATABASE"], _generated()
    lang = page_language()  # the console's language: headings, sentences, the built-in labels

    def compute():
        with Store(db) as own:  # another thread: its own connection
            figures, demo = _figures(event_id, own)
        report = build_report(figures, generated, demo=demo, lang=lang)
        return report, report_body(report)

    store = get_store()
    done = ready("results", store, event_id, compute, generated, lang.code,
                 wait=float(current_app.config.get("COMPUTE_WAIT", 0.6)))  # fmt: skip
    if done is None:
        return render_template("computing.html", ev=store.event(event_id), tab="results", title=gettext("Pilot results"))
    report, body = done
    return render_template("results.html", ev=store.event(event_id), report=report,
                           body=Markup(body), formats=FORMATS)  # fmt: skip


@bp.get("/events/<event_id>/results.<fmt>")
@staff_required("organiser", "host")
def results_file(event_id, fmt):
    """The report as a download: ``results.pdf``, ``results.html`` or ``results.xlsx``."""
    if fmt not in FORMATS:
        abort(404)
    figures, demo = _figures(event_id)
    report = build_report(figures, _generated(), demo=demo, with_charts=fmt != "xlsx", lang=page_language())
    stamp = clock().strftime("%Y%m%d")
    return Response(render(report, fmt), mimetype=MIMETYPES[fmt],
                    headers={"Content-Disposition": f"attachment; filename={event_id}-results-{stamp}.{fmt}"})
