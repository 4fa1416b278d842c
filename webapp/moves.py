"""Moving one meeting by hand: the one rule the organiser console and the host board share.

The view parses nothing itself: it hands the form over and shows the sentence it gets back.
The checks are ``validate.move_problem`` (started slots, closed rooms, room bounds,
availability, conflicts) plus the schedule version the person's page was built on.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext, lazy_gettext

from scheduler.domain.errors import Conflict, NotFound
from scheduler.domain.timegrid import build_slots
from scheduler.solving.problem import lowest_free_room
from scheduler.solving.validate import move_problem

from .auth import current_user
from .extensions import get_store
from .live import clock, notify

#: what a person whose page is out of date reads, on the console and on the board alike
STALE = lazy_gettext("The schedule changed meanwhile (someone else made a change), so nothing was moved. "
         "The page below is fresh: check the meeting and try again.")  # fmt: skip


@dataclass(frozen=True)
class Outcome:
    """How a move by hand went: ``ok`` and a sentence for the person who asked."""

    ok: bool
    message: str


def move_by_hand(event_id: str, meeting_id: str, form, *, why: str, reason: str) -> Outcome:
    """Check and apply a move from ``form`` (``slot``, ``room`` — blank: the first free open
    room —, ``version``); tell both participants. ``why`` is what they are told, ``reason``
    what the audit log keeps."""
    store = get_store()
    data = store.load(event_id)
    old = store.meetings(event_id)
    m = next((x for x in old if x.id == meeting_id), None)
    if m is None:
        return Outcome(False, gettext("meeting: that meeting is not in this event any more; the page below is fresh"))
    try:
        version = int(form.get("version", ""))
    except ValueError:
        return Outcome(False, gettext("The page did not say which version of the schedule it showed; reload it and try again."))
    try:
        slot_index = int(form.get("slot", ""))
    except ValueError:
        return Outcome(False, gettext("slot: choose the slot to move the meeting to"))
    slots = build_slots(data.event)
    closed = store.live_settings(event_id)["closed_rooms"]
    room_text = str(form.get("room", "")).strip()
    if room_text:
        try:
            room = int(room_text)
        except ValueError:
            return Outcome(False, gettext("room: must be a number"))
    elif 0 <= slot_index < len(slots):  # the first open room nobody uses then
        taken = {x.room for x in old if x.start == slots[slot_index].start and x.id != m.id
                 and x.status not in ("cancelled", "no_show")} | set(closed)  # fmt: skip
        room = lowest_free_room(taken, data.event.rooms) or 0
    else:
        room = 0
    if version != store.schedule_version(event_id):
        return Outcome(False, str(STALE))
    problem = move_problem(data, old, m, slots, slot_index, room, closed, now=clock())
    if problem and not room_text and problem.startswith("room: must be"):
        problem = "room: every open room is taken in that slot; choose another slot"
    if problem:
        return Outcome(False, problem)
    s = slots[slot_index]
    try:
        store.update_meeting(event_id, m.id, actor=current_user()["username"], start=s.start, end=s.end, room=room,
                             expected_version=version, reason=reason)  # fmt: skip
    except Conflict:
        return Outcome(False, str(STALE))  # someone saved in between the check and the write
    except NotFound:
        return Outcome(False, gettext("meeting: that meeting is not in this event any more; the page below is fresh"))
    notify(store, data, old, store.meetings(event_id), why)
    return Outcome(True, gettext("Meeting moved; both participants were told."))
