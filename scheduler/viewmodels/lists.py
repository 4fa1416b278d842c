"""The console's long lists, a page at a time: participants, requests, the schedule by day.

An event of 3,000 SMEs has 3,000 participants, tens of thousands of requests and a grid of
hundreds of rooms, so the console shows each list a page at a time, filtered on the server.
Each function here is pure: the records in, one :class:`Page` (or :class:`GridPage`) out.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from scheduler.domain.model import Participant
from scheduler.matching.requests import RequestState

from .console import Grid, GridRow

T = TypeVar("T")

#: rows per page of the participants, requests, not placed and outbox lists
PAGE_SIZE = 50
#: meetings per page of the schedule grid (slots x rooms in use): about 100 KB of HTML
GRID_CELLS = 600


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list: its items, its number (1-based), how many pages and items in all."""

    items: tuple[T, ...]
    number: int
    pages: int
    total: int
    offset: int = 0  # how many items come before this page

    @property
    def first(self) -> int:
        """The 1-based position of the page's first item (0 on an empty page)."""
        return self.offset + 1 if self.items else 0

    @property
    def last(self) -> int:
        """The 1-based position of the page's last item (0 on an empty page)."""
        return self.offset + len(self.items)


def page_number(raw: str | None) -> int:
    """A page number from a query string: a positive integer, else 1."""
    try:
        return max(1, int(raw or 1))
    except ValueError:
        return 1


def paginate(items: Sequence[T], number: int, size: int = PAGE_SIZE) -> Page[T]:
    """Page ``number`` (1-based; past the end gives the last page) of ``items``, ``size`` a page."""
    pages = max(1, math.ceil(len(items) / size))
    number = min(max(1, number), pages)
    start = (number - 1) * size
    return Page(tuple(items[start:start + size]), number, pages, len(items), start)


def counted(items: Sequence[T], total: int, number: int, size: int = PAGE_SIZE) -> Page[T]:
    """A page whose ``items`` were already cut by the store, of ``total`` matching in all."""
    pages = max(1, math.ceil(total / size))
    return Page(tuple(items), min(max(1, number), pages), pages, total, (min(max(1, number), pages) - 1) * size)


def _matches(query: str) -> Callable[[str], bool]:
    q = query.strip().casefold()
    return lambda text: q in text.casefold()


def find_participants(people: Sequence[Participant], query: str = "", kind: str = "") -> list[Participant]:
    """The participants whose name, id or country contains ``query`` (any case), of ``kind`` if given."""
    hit = _matches(query)
    return [p for p in people if (not kind or p.kind == kind) and (not query or hit(p.name) or hit(p.id)
                                                                    or hit(p.country))]  # fmt: skip


def find_requests(states: Sequence[RequestState], names: dict[str, str], *, query: str = "", status: str = "",
                  origin: str = "", participant: str = "") -> list[RequestState]:
    """The requests of ``status`` and ``origin`` (when given), sent or received by ``participant``
    (an id), whose sender's or receiver's name or id contains ``query``; ``names``: id -> name."""
    hit = _matches(query)

    def ok(s: RequestState) -> bool:
        r = s.request
        return ((not status or r.status == status) and (not origin or s.origin == origin)
                and (not participant or participant in (r.sender, r.receiver))
                and (not query or any(hit(x) for x in (r.sender, r.receiver, names.get(r.sender, ""),
                                                       names.get(r.receiver, "")))))  # fmt: skip

    return [s for s in states if ok(s)]


@dataclass(frozen=True)
class GridPage:
    """Some slots of one day of the grid: the day's label among all days, the rows, the page."""

    days: tuple[str, ...]  # each day's label, in order
    day: int  # 0-based index into days
    rows: tuple[GridRow, ...]
    rooms: int  # columns: rooms 1 .. rooms (the highest room in use)
    page: Page[GridRow]


def grid_page(grid: Grid, day: int, number: int, cells: int = GRID_CELLS) -> GridPage:
    """Page ``number`` of day ``day`` (0-based, clamped) of ``grid``: as many slots as keep the page
    near ``cells`` meetings (at least one slot), the rooms in use across."""
    labels: list[str] = []
    by_day: list[list[GridRow]] = []
    for row in grid.rows:
        label = row.label.rsplit(" ", 1)[0]  # "Thu 25 Mar 09:00" -> "Thu 25 Mar"
        if not labels or labels[-1] != label:
            labels.append(label)
            by_day.append([])
        by_day[-1].append(row)
    rooms = max((len(r.cells) for r in grid.rows), default=0)
    if not labels:
        return GridPage((), 0, (), rooms, paginate([], 1))
    day = min(max(0, day), len(labels) - 1)
    page = paginate(by_day[day], number, max(1, cells // max(rooms, 1)))
    return GridPage(tuple(labels), day, page.items, rooms, page)
