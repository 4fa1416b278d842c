"""Live pushes after a commit: each affected participant hears only about their own meetings."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app

from scheduler.changes import Change, diff
from scheduler.delivery import DeliveryReport, Skipped, Transport, deliver, queue_invites
from scheduler.invites import contexts, organiser_of
from scheduler.model import EventData, Meeting
from scheduler.timegrid import to_local

from .extensions import socketio


def participant_room(event_id: str, pid: str) -> str:
    return f"participant:{event_id}:{pid}"


def describe(change: Change, me: str, data: EventData) -> str:
    people = data.by_id()
    m = change.meeting
    other = people[m.b if m.a == me else m.a].name
    tz = people[me].timezone
    when = to_local(m.start, tz).strftime("%a %d %b %H:%M")
    if change.kind == "added":
        return f"New meeting with {other} on {when}, room {m.room}"
    if change.kind == "cancelled":
        return f"Your meeting with {other} on {when} is cancelled"
    assert change.before is not None
    was = to_local(change.before.start, tz).strftime("%a %d %b %H:%M")
    return f"Your meeting with {other} moved from {was} to {when}, room {m.room}"


def push_changes(data: EventData, old: Iterable[Meeting], new: Iterable[Meeting], why: str) -> set[str]:
    """Emit ``agenda_changed`` to every participant whose meetings changed; return who."""
    changes = diff(old, new)
    for pid, cs in changes.items():
        socketio.emit("agenda_changed", {"why": why, "changes": [describe(c, pid, data) for c in cs]},
                      to=participant_room(data.event.id, pid))  # fmt: skip
    socketio.emit("schedule_changed", {"why": why, "participants": sorted(changes)}, to=f"event:{data.event.id}")
    return set(changes)


def send_invites(store, data: EventData) -> tuple[int, list[Skipped], DeliveryReport]:
    """Queue every invite not yet sent at its current SEQUENCE and deliver (to the outbox folder)."""
    organiser, _ = organiser_of(data.event)
    ctx_for = contexts(data.event, store.tokens(data.event.id), current_app.config["BASE_URL"])
    now = datetime.now(UTC)
    queued, skipped = queue_invites(store, data.event.id, ctx_for, now, organiser)
    folder = Path(current_app.config["OUTBOX_DIR"] or Path(current_app.instance_path) / "outbox" / data.event.id)
    return queued, skipped, deliver(store, Transport(folder=folder), now)
