"""The other side, as a participant sees it: recommendations with reasons (both kinds) and a directory.

Adds its routes to :data:`.portal.bp` (``webapp.create_app`` imports this module before registering
the blueprint). A participant sees of the others only :data:`VISIBLE` fields: never an e-mail
address, a contact person or a personal link.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import g, render_template, request

from scheduler.domain.model import EventData, Participant
from scheduler.matching import scores as matching

from .extensions import get_store
from .portal import bp

#: what a participant may see of another participant
VISIBLE = ("id", "name", "kind", "country", "sectors", "offers", "needs", "languages", "description")
#: the directory's filters, as query-string keys
FILTERS = ("q", "technology", "sector", "country", "language")
PAGE_SIZE = 20


@dataclass(frozen=True)
class Card:
    """One other participant in the directory: the visible fields and where our request stands."""

    id: str
    name: str
    kind: str
    country: str
    sectors: tuple[str, ...]
    technologies: tuple[str, ...]  # what they offer (tech) or need (traditional)
    languages: tuple[str, ...]
    description: str
    state: str  # "" (no request yet), or "<status>" with "mine"/"theirs" in ``direction``
    direction: str


def card(p: Participant, states: dict[str, tuple[str, str]]) -> Card:
    """``p`` as another participant may see it (``states``: other id -> (status, direction))."""
    status, direction = states.get(p.id, ("", ""))
    return Card(p.id, p.name, p.kind, p.country, tuple(p.sectors), tuple(p.offers if p.kind == "tech" else p.needs),
                tuple(p.languages), p.description, status, direction)  # fmt: skip


def request_states(data: EventData, pid: str) -> dict[str, tuple[str, str]]:
    """Other participant id -> (status, "mine" | "theirs") of the latest request between us."""
    out: dict[str, tuple[str, str]] = {}
    for r in data.requests:  # in stored order: a later request of the pair wins
        if r.sender == pid:
            out[r.receiver] = (r.status, "mine")
        elif r.receiver == pid:
            out[r.sender] = (r.status, "theirs")
    return out


def matches(p: Participant, args: dict[str, str]) -> bool:
    """Whether ``p`` passes the directory filters in ``args`` (empty values filter nothing)."""
    tags = [matching.canonical(t) for t in (p.offers if p.kind == "tech" else p.needs)]
    if args.get("technology") and matching.canonical(args["technology"]) not in tags:
        return False
    if args.get("sector") and args["sector"] not in p.sectors:
        return False
    if args.get("country") and args["country"] != p.country:
        return False
    if args.get("language") and args["language"] not in p.languages:
        return False
    q = args.get("q", "").strip().casefold()
    text = " ".join([p.name, p.description, p.country, *p.sectors, *p.offers, *p.needs]).casefold()
    return all(word in text for word in q.split())


def others(data: EventData, me: Participant) -> list[Participant]:
    """The participants I may meet: the other kind (any kind but me when the event allows same-kind)."""
    return sorted((p for p in data.participants if p.id != me.id
                   and (p.kind != me.kind or data.event.allow_same_kind)), key=lambda p: p.name.casefold())  # fmt: skip


@bp.get("/<token>/directory")
def directory(**_):
    """The other side, filtered and searched, a page at a time (``?page=`` from 1)."""
    store = get_store()
    data = store.load(g.event_id)
    me = data.by_id()[g.pid]
    args = {k: request.args.get(k, "").strip()[:100] for k in FILTERS}
    pool = others(data, me)
    found = [p for p in pool if matches(p, args)]
    pages = max(1, -(-len(found) // PAGE_SIZE))
    try:
        page = min(max(1, int(request.args.get("page", "1"))), pages)
    except ValueError:
        page = 1
    states = request_states(data, me.id)
    shown = [card(p, states) for p in found[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]]
    tech_of = sorted({t for p in pool for t in (p.offers if p.kind == "tech" else p.needs)})
    choices = {"technology": tech_of, "sector": sorted({s for p in pool for s in p.sectors}),
               "country": sorted({p.country for p in pool if p.country}),
               "language": sorted({x for p in pool for x in p.languages})}  # fmt: skip
    query = {k: v for k, v in args.items() if v}
    return render_template("directory.html", ev=data.event, me=me, cards=shown, total=len(found), page=page,
                           pages=pages, args=args, query=query, choices=choices)  # fmt: skip
