"""The capacity plan as a picture: meetings by room count and by slot length, as inline SVG.

Drawn with matplotlib's object API (a :class:`~matplotlib.figure.Figure` saved as SVG: no
pyplot, no GUI backend, no global figure) and made fit to inline in a page whose Content
Security Policy allows no inline styles: every ``style="..."`` becomes presentation
attributes (``fill="..."``), the ``<style>`` and ``<metadata>`` elements go, and the root gets
a ``<title>`` and ``role="img"``. The table beside it stays the accessible version.
The same plan gives the same SVG text (fixed hash salt, no date).
"""

from __future__ import annotations

import io
import re
import threading
import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING

from scheduler.reporting.capacity import CapacityPlan

if TYPE_CHECKING:
    from matplotlib.figure import Figure

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
ET.register_namespace("", SVG_NS)
ET.register_namespace("xlink", XLINK_NS)

#: matplotlib's settings are process-wide: one drawing at a time changes them
_RC_LOCK = threading.Lock()
_RC = {"svg.hashsalt": "entente-capacity", "svg.fonttype": "path", "font.size": 9}

BOUND, PLACED, SERVED, LIMIT = "#1f5fa8", "#c2571a", "#2e8b57", "#777777"


def capacity_figure(plan: CapacityPlan) -> Figure:
    """Return the plan's plot as a matplotlib Figure of two axes, 10 x 4.2 inches.

    Left: meetings and traditional SMEs served against virtual rooms, with the
    unlimited-rooms line, the plan's percent of it and the fewest rooms reaching it.
    Right: the same against the number of slots each slot length gives, with the event's rooms
    and with unlimited rooms. Upper bounds are solid lines; real solves (when the plan has
    them) dashed. Imports matplotlib on first use (about a second).
    """
    import matplotlib
    from matplotlib.figure import Figure

    with _RC_LOCK, matplotlib.rc_context(_RC):
        fig = Figure(figsize=(10, 4.2), layout="constrained")
        left, right = fig.subplots(1, 2)
        _by_rooms(left, plan)
        _by_slots(right, plan)
    return fig


def capacity_svg(plan: CapacityPlan) -> str:
    """Return the plan's plot (:func:`capacity_figure`) as one ``<svg>`` element to inline in a
    page (text, no XML declaration, no inline CSS: :func:`inline_svg`)."""
    import matplotlib

    fig = capacity_figure(plan)
    buf = io.StringIO()
    with _RC_LOCK, matplotlib.rc_context(_RC):
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    return inline_svg(buf.getvalue(), f"Meetings placeable by virtual rooms and by slot length, event {plan.event_id}")


def _by_rooms(ax, plan: CapacityPlan) -> None:
    rooms = [p.rooms for p in plan.by_rooms]
    ax.plot(rooms, [p.bound.meetings for p in plan.by_rooms], "o-", color=BOUND, label="meetings (upper bound)")
    if plan.unlimited.bound.traditional_served is not None:
        ax.plot(rooms, [p.bound.traditional_served for p in plan.by_rooms], "s-", color=SERVED,
                markersize=4, label="traditional SMEs served (upper bound)")  # fmt: skip
    if plan.solved:
        ax.plot(rooms, [p.placed.meetings for p in plan.by_rooms if p.placed], "o--", color=PLACED,
                label=f"meetings placed by a solve ({plan.budget:g} s each)")  # fmt: skip
    best = plan.unlimited.bound.meetings
    ax.axhline(best, color=LIMIT, linewidth=0.8, label=f"unlimited rooms: {best}")
    ax.axhline(plan.target, color=LIMIT, linewidth=0.8, linestyle=":",
               label=f"{plan.percent}% of that: {plan.target}")  # fmt: skip
    ax.axvline(plan.rooms_needed, color=BOUND, linewidth=0.8, linestyle=":",
               label=f"fewest rooms for {plan.percent}% (bound): {plan.rooms_needed}")  # fmt: skip
    if plan.solved_rooms_needed is not None:
        ax.axvline(plan.solved_rooms_needed, color=PLACED, linewidth=0.8, linestyle=":",
                   label=f"fewest rooms for {plan.percent}% (solves): {plan.solved_rooms_needed}")  # fmt: skip
    ax.set_title(f"By virtual rooms ({plan.slots} slots of {plan.slot_minutes} min)")
    ax.set_xlabel(f"virtual rooms (this event: {plan.rooms})")
    ax.set_ylabel("meetings / traditional SMEs")
    ax.set_ylim(bottom=0)
    ax.grid(True, linewidth=0.3)
    ax.legend(loc="best", fontsize=7)


def _by_slots(ax, plan: CapacityPlan) -> None:
    opts = plan.by_slot_minutes
    slots = [o.point.slots for o in opts]
    ax.plot(slots, [o.unlimited_meetings for o in opts], "^-", color=LIMIT, markersize=4,
            label="meetings, unlimited rooms (upper bound)")  # fmt: skip
    ax.plot(slots, [o.point.bound.meetings for o in opts], "o-", color=BOUND,
            label=f"meetings, {plan.rooms} rooms (upper bound)")  # fmt: skip
    if plan.unlimited.bound.traditional_served is not None:
        ax.plot(slots, [o.point.bound.traditional_served for o in opts], "s-", color=SERVED, markersize=4,
                label=f"traditional SMEs served, {plan.rooms} rooms")  # fmt: skip
    if plan.solved:
        ax.plot(slots, [o.point.placed.meetings for o in opts if o.point.placed], "o--", color=PLACED,
                label=f"meetings placed by a solve, {plan.rooms} rooms")  # fmt: skip
    for o in opts:
        ax.annotate(f"{o.point.slot_minutes}′", (o.point.slots, o.unlimited_meetings), fontsize=7,
                    textcoords="offset points", xytext=(0, 5), ha="center")  # fmt: skip
    ax.axvline(plan.slots, color=LIMIT, linewidth=0.8, linestyle=":",
               label=f"this event: {plan.slots} slots of {plan.slot_minutes} min")  # fmt: skip
    ax.set_title(f"By slot length (same sessions, {plan.gap_minutes} min gaps)")
    ax.set_xlabel("slots in the event (labels: slot minutes)")
    ax.set_ylabel("meetings / traditional SMEs")
    ax.set_ylim(bottom=0)
    ax.grid(True, linewidth=0.3)
    ax.legend(loc="best", fontsize=7)


def inline_svg(svg: str, title: str, label_id: str = "capacity-plot-title") -> str:
    """Return matplotlib's SVG document as one ``<svg>`` element that needs no inline CSS.

    Each ``style`` attribute becomes presentation attributes; the ``*{...}`` rule of the
    ``<style>`` element moves to the root (they inherit); ``<style>``, ``<metadata>`` and
    comments go; width and height go too (the viewBox stays, so CSS sizes it); a ``<title>``
    (``title``, escaped, with the id ``label_id``: unique in its page) and ``role="img"`` name the
    picture for screen readers.
    """
    root = ET.fromstring(svg)
    q = f"{{{SVG_NS}}}"
    for parent in list(root.iter()):
        for child in list(parent):
            if child.tag in (q + "style", q + "metadata"):
                if child.tag == q + "style":
                    for rule in re.findall(r"\*\s*\{([^}]*)\}", child.text or ""):
                        _set_props(root, rule)
                parent.remove(child)
    for el in root.iter():
        style = el.attrib.pop("style", None)
        if style:
            _set_props(el, style)
    for name in ("width", "height"):
        root.attrib.pop(name, None)
    root.set("role", "img")
    root.set("aria-labelledby", label_id)
    label = ET.Element(q + "title", {"id": label_id})
    label.text = title
    root.insert(0, label)
    # the prefixes are process-wide: another library may have taken "" since this module registered it
    ET.register_namespace("", SVG_NS)
    ET.register_namespace("xlink", XLINK_NS)
    return ET.tostring(root, encoding="unicode")


def _set_props(el: ET.Element, css: str) -> None:
    for decl in css.split(";"):
        name, _, value = decl.partition(":")
        if name.strip() and value.strip():
            el.set(name.strip(), value.strip())
