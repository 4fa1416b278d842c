"""Live pushes after a commit: each affected participant hears only about their own meetings."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask import current_app

from scheduler.changes.diff import Change, diff
from scheduler.domain.language import Language
from scheduler.domain.messages import Message, say, say_marked, to_data
from scheduler.domain.model import EventData, Meeting
from scheduler.domain.timegrid import local_label
from scheduler.invitations.delivery import (
    DeliveryReport,
    Skipped,
    Transport,
    deliver,
    queue_invites,
    smtp_config,
)
from scheduler.invitations.ical import contexts, organiser_of

from .agenda import agenda_rows
from .extensions import get_store, socketio
from .fanout import emit_many
from .i18n import catalogues, mail_languages, push_languages
from .partners import reason_for


def participant_room(event_id: str, pid: str) -> str:
    return f"participant:{event_id}:{pid}"


def clock() -> datetime:
    """The event clock: real time, or MATCHMAKING_NOW for rehearsals and demos."""
    fixed = current_app.config.get("NOW")
    return datetime.fromisoformat(str(fixed)).astimezone(UTC) if fixed else datetime.now(UTC)


def offer_view(offer: dict, me: str, data: EventData, lang: Language | None = None) -> dict:
    """What one side of a standby offer sees (times in their own zone; its reasons and note in
    ``lang``, else their mail's language)."""
    people = data.by_id()
    lang = lang or mail_languages(data)(me)
    other = people[offer["b"] if offer["a"] == me else offer["a"]]
    tz = people[me].timezone
    mine, theirs = ("a_answer", "b_answer") if offer["a"] == me else ("b_answer", "a_answer")
    return {"id": offer["id"], "status": offer["status"], "other": other.name, "other_country": other.country,
            "other_offers": ", ".join(other.offers or other.needs), "percent": round(100 * offer["score"]),
            "reasons": [reason_for(r, people[me], lang) for r in offer["reasons"]], "room": offer["room"],
            "time": f"{local_label(offer['slot_start'], tz)}-{local_label(offer['slot_end'], tz)}",
            "mine": offer[mine], "theirs": offer[theirs], "note": say(offer.get("note") or "", lang)}  # fmt: skip


def push_offers(data: EventData, offers: Iterable[dict], kind: str = "standby_offer") -> None:
    """Tell both sides of each offer (and the event's staff) that it is new or changed."""
    for o in offers:
        for pid in (o["a"], o["b"]):
            socketio.emit(kind, offer_view(o, pid, data), to=participant_room(data.event.id, pid))
        socketio.emit("offer_changed", {"id": o["id"], "a": o["a"], "b": o["b"], "status": o["status"]},
                      to=f"event:{data.event.id}")  # fmt: skip


def offer_standby(store, event_id: str) -> list[dict]:
    """Make the standby offers due now and push them; return them."""
    from scheduler.live import standby

    new, closed = standby.scan(store, event_id, clock())
    if new or closed:
        data = store.load(event_id)
        push_offers(data, new)
        push_offers(data, closed, "offer_update")
    return new


def N_(text: str) -> str:  # noqa: N802 -- gettext's own name for "mark only"
    """``text`` unchanged, marked for the catalogue (``make translations``): a reason pushed to
    participants, translated by :func:`push_changes` into each reader's language."""
    return text


#: the reason participants hear after a repair: "The schedule was repaired: <what happened>"
REPAIRED = N_("The schedule was repaired: {what}")


def said(why: str, lang: Language) -> str:
    """A live change's reason in ``lang``: a core Message, or a text marked with :func:`N_`."""
    return say_marked(why, lang)


def describe(change: Change, me: str, data: EventData, people: dict | None = None, language: Language | None = None) -> str:
    """What changed for ``me``, in words, in their zone and their language (``language``: theirs,
    else their profile's or the event's; ``people``: ``data.by_id()``, passed in when describing
    many changes, since building it costs a pass over every participant)."""
    people = people or data.by_id()
    lang = language or mail_languages(data)(me)
    m = change.meeting
    other = people[m.b if m.a == me else m.a].name
    tz = people[me].timezone
    when = lang.when(m.start, tz, "short")
    if change.kind == "added":
        return lang.gettext("New meeting with %(name)s on %(when)s, room %(room)s") % {
            "name": other, "when": when, "room": m.room}
    if change.kind == "cancelled":
        return lang.gettext("Your meeting with %(name)s on %(when)s is cancelled") % {"name": other, "when": when}
    assert change.before is not None
    was = lang.when(change.before.start, tz, "short")
    return lang.gettext("Your meeting with %(name)s moved from %(was)s to %(when)s, room %(room)s") % {
        "name": other, "was": was, "when": when, "room": m.room}


def push_changes(data: EventData, old: Iterable[Meeting], new: Iterable[Meeting], why: str,
                 pages: Mapping[str, str] | None = None) -> set[str]:
    """Emit ``agenda_changed`` to every participant whose meetings changed; return who.

    ``pages``: participant id -> the language their page was last shown in (read from the
    request's store when not given); each message, and the agenda it carries, is in it."""
    new = tuple(new)
    changes = diff(old, new)
    people, now = data.by_id(), clock()
    languages = push_languages(data, get_store().page_languages(data.event.id) if pages is None else pages)
    theirs: dict[str, list[Meeting]] = {}
    for m in new:
        for pid in (m.a, m.b):
            theirs.setdefault(pid, []).append(m)
    # each page gets its fresh agenda with the news, in the language the page was last shown in
    # (``lang``: a page in another one asks agenda.json): thousands of pages need not all ask at once
    emit_many(("agenda_changed", {"why": said(why, lang := languages(pid)), "lang": lang.code,
                                  "changes": [describe(c, pid, data, people, lang) for c in cs],
                                  "agenda": agenda_rows(data.event, people, theirs.get(pid, ()), pid, lang, now)},
               participant_room(data.event.id, pid)) for pid, cs in changes.items())  # one batch via Redis
    seen: dict[str, dict] = {}
    for cs in changes.values():
        for c in cs:
            m = c.meeting
            seen[m.id] = {"kind": c.kind, "meeting": m.id, "a": m.a, "b": m.b, "start": m.start.isoformat(),
                          "room": m.room, "status": m.status,
                          "was": None if c.before is None else {"start": c.before.start.isoformat(),
                                                                "room": c.before.room}}  # fmt: skip
    socketio.emit("schedule_changed", {"why": why, "participants": sorted(changes),
                                       "changes": [seen[k] for k in sorted(seen)]}, to=f"event:{data.event.id}")  # fmt: skip
    return set(changes)


def _transport() -> Transport:
    """SMTP when MATCHMAKING_SMTP_HOST is set, else .eml files in the outbox folder."""
    smtp = smtp_config(current_app.config)
    folder = Path(current_app.config["OUTBOX_DIR"] or Path(current_app.instance_path) / "outbox")
    return Transport(smtp, None if smtp else folder)


def deliver_due(app) -> DeliveryReport:
    """Send what the outbox has due, one delivery at a time per server process (this thread waits)."""
    from scheduler.store import Store

    with app.app_context(), app.extensions["outbox_delivery"], Store(app.config["DATABASE"]) as store:
        return deliver(store, _transport(), datetime.now(UTC))


def queue_event_invites(store, data: EventData, only: Iterable[str] | None = None, progress=None,
                        also=None, why: str = "") -> tuple[int, list[Skipped]]:
    """Queue every invite not yet sent at its current SEQUENCE (``only``: these meetings), in one
    transaction; ``progress``: called with (meetings written, meetings in all) meanwhile;
    ``also(queued)``: run in that transaction; ``why``: the reason of a live change, written into
    each message in its reader's language."""
    organiser, _ = organiser_of(data.event, str(current_app.config.get("SMTP_FROM") or "entente@localhost"))
    base = contexts(data.event, store.tokens(data.event.id), current_app.config["BASE_URL"], organiser,
                    mail_languages(data))

    def ctx_for(pid: str):
        return replace(base(pid), reason=why) if why else base(pid)

    return queue_invites(store, data.event.id, ctx_for, datetime.now(UTC), organiser,
                         None if only is None else set(only), progress, also)  # fmt: skip


def send_invites(store, data: EventData, only: Iterable[str] | None = None, wait: bool = True,
                 progress=None, why: str = "") -> tuple[int, list[Skipped], DeliveryReport | None]:
    """Queue every invite not yet sent at its current SEQUENCE (``only``: these meetings) and deliver.

    ``wait=False`` delivers in a background task, so a host or a participant never waits for a
    mail server; the report is then None (the outbox table shows how it went). ``progress`` and
    ``why``: as in :func:`queue_event_invites`."""
    queued, skipped = queue_event_invites(store, data, only, progress, why=why)
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if wait:
        return queued, skipped, deliver_due(app)
    if queued:
        socketio.start_background_task(deliver_due, app)
    return queued, skipped, None


def send_surveys(store, event_ids: Iterable[str] | None = None, wait: bool = True) -> tuple[int, list[Skipped]]:
    """Queue the survey invitations and reminders due on the event clock (every event, or
    ``event_ids``) and deliver them (``wait=False``: in a background task when any was queued)."""
    from scheduler.invitations.surveymail import queue_survey_mail

    fallback = str(current_app.config.get("SMTP_FROM") or "entente@localhost")
    queued, skipped = 0, []
    for event_id in store.event_ids() if event_ids is None else event_ids:
        sender = organiser_of(store.event(event_id), fallback)[0]
        n, s = queue_survey_mail(store, event_id, current_app.config["BASE_URL"], clock(), sender, datetime.now(UTC),
                                 catalogues())
        queued, skipped = queued + n, skipped + s
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if wait:
        deliver_due(app)
    elif queued:
        socketio.start_background_task(deliver_due, app)
    return queued, skipped


def deliver_soon() -> None:
    """Deliver what the outbox has due in a background task (a notice just queued), so the
    request that queued it never waits for a mail server."""
    socketio.start_background_task(deliver_due, current_app._get_current_object())  # type: ignore[attr-defined]


def notify(store, data: EventData, old: Iterable[Meeting], new: Iterable[Meeting], why: str) -> set[str]:
    """After a committed change: push it live to exactly the affected participants (and the staff
    room), and, once the event's invites were published, mail those people the new invite version
    (REQUEST with a higher SEQUENCE, or CANCEL) of exactly the meetings that changed."""
    old, new = tuple(old), tuple(new)
    told = push_changes(data, old, new, why, store.page_languages(data.event.id))
    if told and store.published(data.event.id):
        changed = {c.meeting.id for cs in diff(old, new).values() for c in cs}
        send_invites(store, data, only=changed, wait=False, why=why)
    return told


def repair_lost(store, event_id: str, lost: Iterable[str], why: str, actor: str) -> set[str]:
    """On the live day, offer the slots freed by a cancellation to the repair (refill the day of
    ``lost`` first, from requests and the waitlist) and apply it when the board's auto-repair
    setting is on; returns who was told. Outside the live day, or with auto-repair off (the hosts
    then repair from the board), nothing happens."""
    from scheduler.changes.pipeline import phase
    from scheduler.domain.model import Schedule
    from scheduler.live.repair import rebalance, with_waitlist

    data = store.load(event_id)
    settings = store.live_settings(event_id)
    if phase(data, store.published(event_id), clock()) != "live" or not settings["auto_repair"]:
        return set()
    if not store.start_solve(event_id, stale_after=timedelta(minutes=3)):
        return set()  # a repair or solve is running; the hosts see the freed slot on the board
    try:
        before = store.meetings(event_id)
        version = store.schedule_version(event_id)
        plan = rebalance(with_waitlist(data, settings["waitlist"]), before, clock(), lost=tuple(lost),
                         closed_rooms=settings["closed_rooms"])  # fmt: skip
        if not (plan.added or plan.moved or plan.cancelled):
            return set()
        store.save_schedule(Schedule(event_id, plan.meetings), actor=actor, expected_version=version,
                            detail={"action": "rebalance", "lost": sorted(lost), "why": to_data(why)})  # fmt: skip
    finally:
        store.end_solve(event_id)
    return notify(store, data, before, store.meetings(event_id), Message(REPAIRED, what=why))


def every(app, setting: str, default: float, job, what: str) -> None:
    """Run ``job(store)`` every ``app.config[setting]`` seconds in a background task, with its own
    store handle and an app context; a failed round is logged and the next one retries
    (0 or less: never)."""
    period = float(app.config.get(setting, default))
    if period <= 0:
        return

    def loop() -> None:
        from scheduler.store import Store

        while True:
            socketio.sleep(period)
            try:
                with app.app_context(), Store(app.config["DATABASE"]) as store:
                    job(store)
            except Exception:  # keep going; the next round retries
                app.logger.exception("%s failed", what)

    socketio.start_background_task(loop)


def start_ticker(app) -> None:
    """Every STANDBY_TICK seconds, queue the survey mail that came due, retry mail that came due,
    expire the pending requests past their answer time and make the standby offers that became
    due in running slots."""
    from scheduler.domain.timegrid import build_slots

    def tick(store) -> None:
        t = clock()
        send_surveys(store)  # queue the survey mail that came due, then deliver all that is due (retries too)
        for event_id in store.event_ids():
            store.expire_requests(event_id, t)  # a pending request past its answer time expires
            if any(s.start <= t < s.end for s in build_slots(store.event(event_id))):
                offer_standby(store, event_id)

    from .leases import leased

    every(app, "STANDBY_TICK", 15, leased(app, "standby-tick", "STANDBY_TICK", 15, tick), "standby tick")
