"""Recommended partners for either kind of participant, with the reasons said to the reader."""

from __future__ import annotations

from typing import Any

from scheduler.domain.language import ENGLISH, N_, Language
from scheduler.domain.messages import Message, say
from scheduler.domain.model import EventData, Participant
from scheduler.matching import scores as matching

#: a reason said of the tech SME -> (as the traditional SME reads it, as the tech SME reads it)
READER = {
    matching.NEED_MET: (N_("offers {offer}, which you need"), N_("needs {offer}, which you offer")),
    matching.NEED_CLOSE: (N_("offers {offer}, close to {need} which you need"),
                          N_("you offer {offer}, close to {need} which {name} needs")),
    matching.SECTORS: (None, N_("works in {sectors}, where you have worked")),
}  # fmt: skip


def recommendations(data: EventData, me: Participant, n: int = 5, lang: Language = ENGLISH) -> list[dict[str, Any]]:
    """My recommended partners, best first: ``{"partner", "percent", "reasons"}`` with reasons in my words
    and ``lang``."""
    exclude = [(r.sender, r.receiver) for r in data.requests]
    if me.kind == "traditional":  # damped for popularity and diversified (scores.recommend)
        found = matching.recommend(data, n, exclude=exclude).get(me.id, [])
    else:
        found = matching.partners_of(data, me.id, n, exclude=exclude)
    out = []
    for m in found:
        other = m.partner if me.kind == "traditional" else m.participant
        out.append({"partner": other, "percent": m.percent, "reasons": [reason_for(r, me, lang) for r in m.reasons]})
    return out


def reason_for(reason: str, me: Participant, lang: Language = ENGLISH) -> str:
    """A reason of :meth:`Scorer.reasons` (said of the tech SME) as ``me`` reads it, in ``lang``
    (a plain text, as offers stored before reasons were messages hold, as it is)."""
    if isinstance(reason, Message) and reason.template in READER:
        template = READER[reason.template][0 if me.kind == "traditional" else 1]
        if template is not None:
            reason = Message(template, **reason.args)
    return say(reason, lang)
