"""Organiser console, capacity planning: how many meetings the event's requests allow by number
of virtual rooms and by slot length, the fewest rooms reaching a share of the unlimited-rooms
figure, as a plot (inline SVG, drawn on the server) and the tables behind it.

The page shows upper bounds only: they cost a flow per slot length, so no solve blocks the
request; ``run.py capacity --solve`` adds what real schedules place. The route belongs to the
console's blueprint (:data:`.console.bp`, name ``console.capacity``); :func:`webapp.create_app`
imports this module before registering it."""

from __future__ import annotations

from flask import render_template, request
from flask_babel import gettext
from markupsafe import Markup

from scheduler.domain.errors import InvalidInput
from scheduler.reporting.capacity import Options, capacity_plan
from scheduler.reporting.capacity_plot import capacity_svg

from .auth import staff_required
from .console import bp
from .extensions import get_store


@bp.get("/events/<event_id>/capacity")
@staff_required("organiser")
def capacity(event_id):
    """The capacity page; ``?percent=N`` (1 to 100, default 99) sets the share to reach."""
    text = request.args.get("percent", "99").strip()
    if not text.isdigit():
        raise InvalidInput(gettext("percent: %(raw)r is not a whole number from 1 to 100", raw=text))
    data = get_store().load(event_id)
    plan = capacity_plan(data, Options(percent=int(text)))
    plot = Markup(capacity_svg(plan))  # our own drawing, re-serialised by ElementTree: no markup of the user
    return render_template("capacity.html", ev=data.event, plan=plan, plot=plot)
