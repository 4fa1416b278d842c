"""Organiser console, capacity planning: how many meetings the event's requests allow by number
of virtual rooms and by slot length, the fewest rooms reaching a share of the unlimited-rooms
figure, as a plot (inline SVG, drawn on the server) and the tables behind it.

The page shows upper bounds only: they cost a flow per slot length (seconds for a large event:
computed in the background once per state of the event, the page saying so meanwhile), so no
solve blocks the request; ``run.py capacity --solve`` adds what real schedules place. The route belongs to the
console's blueprint (:data:`.console.bp`, name ``console.capacity``); :func:`webapp.create_app`
imports this module before registering it."""

from __future__ import annotations

from flask import current_app, render_template, request
from flask_babel import gettext
from markupsafe import Markup

from scheduler.domain.errors import InvalidInput
from scheduler.reporting.capacity import Options, capacity_plan
from scheduler.reporting.capacity_plot import capacity_svg
from scheduler.store import Store

from .auth import staff_required
from .console import bp
from .extensions import get_store
from .memo import ready


@bp.get("/events/<event_id>/capacity")
@staff_required("organiser")
def capacity(event_id):
    """The capacity page; ``?percent=N`` (1 to 100, default 99) sets the share to reach."""
    text = request.args.get("percent", "99").strip()
    if not text.isdigit():
        raise InvalidInput(gettext("percent: %(raw)r is not a whole number from 1 to 100", raw=text))
    store, db, percent = get_store(), current_app.config["DATABASE"], int(text)

    def compute():  # seconds for a large event: in the background, once per state (memo.ready)
        with Store(db) as own:  # another thread: its own connection
            plan = capacity_plan(own.load(event_id), Options(percent=percent))
        return plan, capacity_svg(plan)

    done = ready("capacity", store, event_id, compute, percent, wait=float(current_app.config.get("COMPUTE_WAIT", 0.6)))
    if done is None:
        return render_template("computing.html", ev=store.event(event_id), tab="capacity",
                               title=gettext("Capacity planning"))  # fmt: skip
    plan, svg = done
    plot = Markup(svg)  # our own drawing, re-serialised by ElementTree: no markup of the user
    return render_template("capacity.html", ev=store.event(event_id), plan=plan, plot=plot)
