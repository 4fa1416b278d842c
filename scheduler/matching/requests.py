"""The meeting-request lifecycle: who may do what to a request, and when.

```
suggested --send--> pending --accept--> accepted
    |                  |---decline--> declined
    |                  |---withdraw-> withdrawn
    |                  '---(expiry)-> expired
    '--accept/decline (by the suggested partner)
any live state --impose (organiser)--> imposed
```

``suggested`` requests come from recommendations or the organiser;
``imposed`` ones are the organiser's decision and are always scheduled. The
event's policy decides which of the others the solver sees.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from scheduler.domain.errors import Conflict, InvalidInput, Message, NotFound, Problem
from scheduler.domain.language import N_
from scheduler.domain.model import LIVE_STATUSES, Event, EventData, Pair, Request

STATUSES = ("suggested", "pending", "accepted", "declined", "expired", "withdrawn", "imposed")
LIVE = LIVE_STATUSES
POLICIES = ("unless_declined", "accepted_only")

#: action -> (states it applies to, who may do it, resulting state)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str, str]] = {
    "send": (("suggested",), "sender", "pending"),
    "accept": (("pending", "suggested"), "receiver", "accepted"),
    "decline": (("pending", "suggested", "accepted"), "receiver", "declined"),
    "withdraw": (("pending", "suggested", "accepted"), "sender", "withdrawn"),
    "impose": (("suggested", "pending", "accepted", "declined", "expired", "withdrawn"), "organiser", "imposed"),
    "expire": (("pending",), "system", "expired"),
}  # fmt: skip


@dataclass(frozen=True)
class RequestState:
    """A stored request with its lifecycle fields."""

    request: Request
    origin: str  # import | participant | recommendation | autofill | organiser
    created_at: datetime
    updated_at: datetime
    expires_at: datetime | None = None


def ttl(event: Event) -> timedelta:
    """How long a pending request waits for an answer before it expires."""
    return timedelta(hours=event.request_ttl_hours)


def wanted_pairs(data: EventData) -> tuple[Pair, ...]:
    """The pairs the solver schedules under the event's policy.

    ``unless_declined``: every live request. ``accepted_only``: accepted or
    imposed requests, and mutual ones (both sides asked, so both agree).
    """
    if data.event.request_policy != "accepted_only":
        return data.pairs(LIVE)
    agreed = {p.key: p for p in data.pairs(("accepted", "imposed"))}
    for p in data.pairs(LIVE):
        if p.mutual:
            agreed.setdefault(p.key, p)
    return tuple(agreed[k] for k in sorted(agreed))


def transition(state: RequestState, action: str, actor: str, now: datetime,
               wait: timedelta = timedelta(hours=72)) -> RequestState:
    """Return the request after ``action`` by ``actor`` (a participant id, 'organiser' or 'system').

    ``wait`` is how long a request that becomes pending waits for an answer.
    """
    r = state.request
    label = f"request {r.sender} -> {r.receiver}"
    if action not in TRANSITIONS:
        raise InvalidInput(Message.of(N_("unknown action {action}; use one of {actions}"), action=repr(action),
                                      actions=", ".join(TRANSITIONS)))
    sources, who, target = TRANSITIONS[action]
    allowed = {"sender": r.sender, "receiver": r.receiver}.get(who, who)
    if actor != allowed and actor != "organiser":
        raise Conflict(f"{label}: only {allowed} may {action} it")
    status = r.status
    if (status == "pending" and state.expires_at is not None and now >= state.expires_at
            and action not in ("impose", "expire")):
        status = "expired"
    if status not in sources:
        since = state.expires_at if status == "expired" and state.expires_at else state.updated_at
        raise Conflict(f"{label} is {status} since {since:%Y-%m-%d %H:%M} UTC; "
                       f"it cannot be {_past(action)}")  # fmt: skip
    expires = now + wait if target == "pending" else state.expires_at
    return replace(state, request=replace(r, status=target), updated_at=now, expires_at=expires)


def _past(action: str) -> str:
    return {"send": "sent", "accept": "accepted", "decline": "declined", "withdraw": "withdrawn",
            "impose": "imposed", "expire": "expired"}[action]  # fmt: skip


def not_a_session(number: int, n: int) -> Message:
    """The words for session ``number`` (from 1) of an event that has ``n`` sessions."""
    return Message.ngettext("{number} is not a session of the event, which has {n}",
                            "{number} is not a session of the event, which has {n}", n, number=number)


def check_new(data: EventData, sender: str, receiver: str, priority: int = 2,
              sessions: tuple[int, ...] = ()) -> None:
    """Raise InvalidInput naming the field when a new request cannot exist (``sessions``: indices
    into the event's sessions it restricts the meeting to), Conflict when it exists already."""
    people = {p.id: p for p in data.participants}  # not the removed ones
    problems = []
    for field, pid in (("from", sender), ("to", receiver)):
        if pid not in people:
            problems.append(Problem.of(field, N_("unknown participant {id}"), id=repr(pid)))
    if not isinstance(priority, int) or isinstance(priority, bool) or not 1 <= priority <= 3:
        problems.append(Problem.of("priority", N_("must be 1, 2 or 3 (got {got})"), got=repr(priority)))
    n = len(data.event.sessions)
    for i in sessions:
        if not 0 <= i < n:
            problems.append(Problem.of("sessions", not_a_session(i + 1, n)))
    if problems:
        raise InvalidInput(problems)
    if sender == receiver:
        raise InvalidInput([Problem.of("to", N_("{id} cannot request a meeting with itself"), id=repr(sender))])
    if people[sender].kind == people[receiver].kind and not data.event.allow_same_kind:
        raise InvalidInput([Problem.of("to", N_("{sender} and {receiver} are both {kind} SMEs; the event does not "
                                                "allow same-kind meetings"),
                                       sender=repr(sender), receiver=repr(receiver), kind=people[sender].kind)])
    for r in data.requests:
        if (r.sender, r.receiver) == (sender, receiver):
            raise Conflict(f"request {sender} -> {receiver} already exists ({r.status})")


def find(states: list[RequestState], sender: str, receiver: str) -> RequestState:
    for s in states:
        if (s.request.sender, s.request.receiver) == (sender, receiver):
            return s
    raise NotFound(f"no request {sender} -> {receiver}")
