"""Recommended partners for either kind of participant, with the reasons said to the reader."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from scheduler.domain.model import EventData, Participant
from scheduler.matching import scores as matching


def recommendations(data: EventData, me: Participant, n: int = 5) -> list[dict[str, Any]]:
    """My recommended partners, best first: ``{"partner", "percent", "reasons"}`` with reasons in my words."""
    exclude = [(r.sender, r.receiver) for r in data.requests]
    if me.kind == "traditional":  # damped for popularity and diversified (scores.recommend)
        found = matching.recommend(data, n, exclude=exclude).get(me.id, [])
    else:
        found = matching.partners_of(data, me.id, n, exclude=exclude)
    people = data.by_id()
    out = []
    for m in found:
        other = m.partner if me.kind == "traditional" else m.participant
        out.append({"partner": other, "percent": m.percent,
                    "reasons": [reason_for(r, me, people[m.participant]) for r in m.reasons]})  # fmt: skip
    return out


def reason_for(reason: str, me: Participant, trad: Participant) -> str:
    """A reason of :meth:`Scorer.reasons` (said of the tech SME) as ``me`` reads it."""
    if me.kind == "traditional":
        return reason.replace(f"which {trad.name} needs", _("which you need"))
    if reason.startswith("offers ") and reason.endswith(f", which {trad.name} needs") and "close to" not in reason:
        tag = reason.removeprefix("offers ").removesuffix(f", which {trad.name} needs")
        return _("needs %(tag)s, which you offer", tag=tag)
    if reason.startswith("offers "):
        return _("you offer %(rest)s", rest=reason.removeprefix("offers "))
    if reason.startswith("has worked in "):
        return _("works in %(sectors)s, where you have worked", sectors=reason.removeprefix("has worked in "))
    return reason
