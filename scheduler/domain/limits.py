"""Upper (and lower) bounds of every number an event document may hold.

One place, so the format reader, the docs (``docs/format.md, "Limits"``) and the tests
cite the same values. Each bound is far above any real virtual B2B event and
low enough that a typo (``"rooms": 10000000000``) is refused at import with
``event.rooms: at most 1000 (got 10000000000)`` instead of being stored. Code
must still never build one object per unit of a typed number (per room, per
minute): costs grow with meetings and slots, not with these values.
"""

from __future__ import annotations

from scheduler.domain.errors import Message
from scheduler.domain.language import N_

#: Virtual meeting rooms (tables) running at the same time.
ROOMS_MAX = 1000

#: Length of one meeting slot, in minutes.
SLOT_MINUTES_MIN = 5
SLOT_MINUTES_MAX = 480

#: Changeover between consecutive slots, in minutes.
GAP_MINUTES_MAX = 240

#: Meetings per participant: the event's default cap and a participant's own cap.
MAX_MEETINGS_MAX = 1000

#: Sessions (blocks of slots) in one event. A session lies within one local
#: date, so it lasts at most 24 hours (25 on a fall-back day).
SESSIONS_MAX = 100

#: Slots in the whole event (sessions x slots per session).
SLOTS_MAX = 3000

#: Participants in one event.
PARTICIPANTS_MAX = 20_000

#: Meeting requests in one event.
REQUESTS_MAX = 200_000

#: Availability windows of one participant.
WINDOWS_MAX = 500

#: Request priority: 1 (most wanted) to 3.
PRIORITY_MIN = 1
PRIORITY_MAX = 3

#: Hours a pending request waits for an answer before it expires (one year).
REQUEST_TTL_HOURS_MAX = 24 * 365

#: Years a session or availability date may fall in.
YEAR_MIN = 2000
YEAR_MAX = 2200

#: Days from the first session's date to the last one's.
EVENT_SPAN_DAYS_MAX = 366


def at_most(bound: int | float, got: object, unit: str = "") -> Message:
    """Return the message for a number above ``bound``: ``at most 1000 (got 10000000000)``; ``unit``
    "entries" or "records" counts a list's items (``at most 500 entries (got 501)``)."""
    shown = int(bound) if isinstance(bound, float) and bound.is_integer() else bound
    if unit == "entries":
        return Message.of(N_("at most {bound} entries (got {got})"), bound=shown, got=repr(got))
    if unit == "records":
        return Message.of(N_("at most {bound} records (got {got})"), bound=shown, got=repr(got))
    return Message.of(N_("at most {bound} (got {got})"), bound=shown, got=repr(got))
