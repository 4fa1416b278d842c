"""Invite e-mail (iMIP, RFC 6047) through a durable outbox that loses nothing.

Each message is built, stored in the ``outbox`` table, and only then sent.
A message moves ``queued`` -> ``sending`` -> ``sent``; a refusal or a server
that is down puts it back to ``queued`` with the server's answer and a later
attempt time (exponential back-off), and after ``MAX_ATTEMPTS`` it is
``failed`` for the organiser to see.

What we guarantee: every queued message is delivered at least once, and never
twice except after a crash between the server's acceptance and our
``sent`` mark. Then it is sent again, identical: same UID, same SEQUENCE, same
Message-ID, which calendars and most mail servers treat as the same invite.
"""

from __future__ import annotations

import re
import smtplib
import ssl
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path
from typing import Any

from scheduler.domain.addresses import InvalidEmail, check_email
from scheduler.domain.language import ENGLISH, Language
from scheduler.domain.model import Meeting, Participant
from scheduler.invitations.headers import (
    ASCII_POLICY,
    UTF8_POLICY,
    check_round_trip,
    mailbox,
    set_headers,
    unstructured,
)
from scheduler.invitations.ical import (
    InviteContext,
    meeting_invite,
    off_words,
    reason_note,
    summary,
    to_bytes,
    uid,
    updated_note,
)

MAX_ATTEMPTS = 8
BACKOFF_START = timedelta(seconds=30)
BACKOFF_MAX = timedelta(hours=1)
STALE_SENDING = timedelta(minutes=5)
ATTEMPTS = 3  # times queue_invites builds the messages again when the schedule changed meanwhile


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int = 25
    starttls: bool = False
    username: str | None = None
    password: str | None = None
    sender: str = "entente@localhost"
    timeout: float = 10.0


def smtp_config(settings: Mapping[str, Any], prefix: str = "") -> SmtpConfig | None:
    """SMTP settings from ``{prefix}SMTP_HOST``, ``_PORT``, ``_STARTTLS``, ``_USER``, ``_PASSWORD``,
    ``_FROM`` (the environment, or a Flask config); None when no host is set."""
    host = settings.get(f"{prefix}SMTP_HOST")
    if not host:
        return None
    value = lambda key: settings.get(f"{prefix}SMTP_{key}")  # noqa: E731
    return SmtpConfig(host=str(host), port=int(value("PORT") or 25),
                      starttls=str(value("STARTTLS") or "").lower() in ("1", "true", "yes"),
                      username=str(value("USER")) if value("USER") else None,
                      password=str(value("PASSWORD")) if value("PASSWORD") else None,
                      sender=str(value("FROM") or "entente@localhost"))  # fmt: skip


@dataclass(frozen=True)
class Skipped:
    """A participant who could not be sent an invite, and why."""

    participant: str
    meeting: str
    reason: str


def backoff(attempts: int) -> timedelta:
    """Wait before attempt ``attempts + 1``: 30 s, 1 min, 2 min, ... capped at an hour."""
    return min(BACKOFF_START * (2 ** max(0, attempts - 1)), BACKOFF_MAX)


class Undeliverable(Exception):
    """This message cannot go through this server, now or later (e.g. it needs SMTPUTF8)."""


NO_SMTPUTF8 = "the mail server does not accept non-ASCII addresses (SMTPUTF8)"


def subject(m: Meeting, me: Participant, other: Participant, update: bool, method: str,
            language: Language = ENGLISH) -> str:
    """Return the Subject text of ``me``'s message about ``m`` (time in ``me``'s zone) in ``language``;
    ``update``: ``me`` was sent an earlier version ("Updated"), else this is their first ("Invitation")."""
    t = language
    if method == "CANCEL":
        verb = t.gettext("Cancelled: {title}")
    else:
        verb = t.gettext("Updated: {title}") if update else t.gettext("Invitation: {title}")
    when = t.when(m.start, me.timezone, "short")
    return verb.format(title=summary(me, other, t)) + f", {when} ({me.timezone})"


def build_message(ctx: InviteContext, m: Meeting, me: Participant, other: Participant, sequence: int,
                  stamp: datetime, method: str, sender: str, update: bool | None = None) -> EmailMessage:
    """Return the iMIP message: text + text/calendar alternatives, and the same file as invite.ics.

    ``update``: ``me`` was invited to an earlier version (None: guess from ``sequence``).

    Subject, From and To are encoded here (see scheduler/invitations/headers.py) and the built message is
    parsed back: raises :class:`~scheduler.invitations.headers.HeaderRoundTripError` when a header would not
    read back exactly, :class:`~scheduler.domain.addresses.InvalidEmail` when ``me.email`` is no
    address (both ValueError). A non-ASCII local part makes a UTF-8 message (RFC 6532) that
    only a server offering SMTPUTF8 takes; the domain is always in its IDNA form."""
    return _built(ctx, m, me, other, sequence, stamp, method, sender, update)[0]


def _built(ctx: InviteContext, m: Meeting, me: Participant, other: Participant, sequence: int,
           stamp: datetime, method: str, sender: str, update: bool | None) -> tuple[EmailMessage, str]:
    """:func:`build_message` and its text as it is stored (flattened once: the slow part)."""
    update = bool(sequence) if update is None else update
    ics = to_bytes(meeting_invite(ctx, m, me, other, sequence, stamp, method, update=update))
    to = check_email(me.email).delivery
    from_name, from_addr = parseaddr(sender)
    from_name = from_name or ctx.organiser_name
    from_addr = wire_address(from_addr or sender)
    text_subject = subject(m, me, other, update, method, ctx.language)
    utf8 = not (to.isascii() and from_addr.isascii())
    msg = EmailMessage(policy=UTF8_POLICY if utf8 else ASCII_POLICY)
    from_raw, from_name = mailbox("From", from_name, from_addr)
    to_raw, to_name = mailbox("To", me.name, to)
    set_headers(msg, {"Subject": unstructured("Subject", text_subject), "From": from_raw, "To": to_raw})
    msg["Date"] = format_datetime(stamp)
    msg["Message-ID"] = f"<{method.lower()}-{sequence}-{me.id}.{uid(ctx.event.id, m.id, ctx.domain)}>"
    t = ctx.language
    head = off_words("cancelled", t)[1] + "\n\n" if method == "CANCEL" else (updated_note(t) + "\n\n" if update else "")
    head += reason_note(ctx) + "\n\n" if ctx.reason else ""
    text = head + _text(ctx, m, me, other)
    msg.set_content(text)
    msg.make_alternative()
    msg.add_alternative(ics.decode("utf-8"), subtype="calendar", params={"method": method})
    msg.make_mixed()
    msg.add_attachment(ics, maintype="application", subtype="ics", filename="invite.ics")
    wire = msg.as_string()
    check_round_trip(wire, text_subject, {"From": (from_name, from_addr), "To": (to_name, to)})
    return msg, wire


def wire_address(address: str) -> str:
    """The address as it travels (IDNA domain) when it is a valid one; else as given (e.g. a
    configured ``entente@localhost`` sender, which email-validator would refuse)."""
    try:
        return check_email(address).delivery
    except InvalidEmail:
        return address


def _text(ctx: InviteContext, m: Meeting, me: Participant, other: Participant) -> str:
    from scheduler.invitations.ical import describe

    dear = ctx.language.gettext("Dear {name},").format(name=me.contact or me.name)
    return f"{dear}\n\n" + describe(ctx, m, me, other) + "\n"


def plan(ctx_for: Callable[[str], InviteContext], meetings: Iterable[Meeting],
         people: dict[str, Participant], notified: set[tuple[str, str, int, str]], stamp: datetime,
         sender: str, progress: Callable[[int, int], None] | None = None,
         ) -> tuple[list[dict[str, Any]], list[Skipped]]:
    """Return the outbox rows not yet queued at each meeting's current SEQUENCE, and who was skipped.

    ``progress(meetings done, meetings in all)`` is called after every meeting (building the
    messages is the slow part: about 10 ms each)."""
    rows: list[dict[str, Any]] = []
    skipped: list[Skipped] = []
    invited = {(n[0], n[1]) for n in notified}  # (meeting, participant) already sent some version
    meetings = list(meetings)
    contexts: dict[str, InviteContext] = {}
    for done, m in enumerate(meetings, 1):
        if progress is not None:
            progress(done - 1, len(meetings))
        cancelled = m.status in ("cancelled",)
        method = "CANCEL" if cancelled else "REQUEST"
        for me_id, other_id in ((m.a, m.b), (m.b, m.a)):
            key = (m.id, me_id, m.version, method)
            if key in notified:
                continue
            if cancelled and (m.id, me_id) not in invited:
                continue  # never invited: nothing to cancel
            me = people[me_id]
            if not me.email:
                skipped.append(Skipped(me_id, m.id, "no e-mail address"))
                continue
            ctx = contexts.get(me_id) or contexts.setdefault(me_id, ctx_for(me_id))  # once per participant
            try:
                msg, wire = _built(ctx, m, me, people[other_id], m.version, stamp, method, sender,
                                   update=(m.id, me_id) in invited)  # the first invite one gets is an invitation
            except InvalidEmail as exc:
                skipped.append(Skipped(me_id, m.id, str(exc)))
                continue
            except ValueError as exc:  # e.g. a header that would not read back exactly: never sent
                skipped.append(Skipped(me_id, m.id, f"the message could not be built: {exc}"))
                continue
            rows.append({
                "event_id": ctx.event.id, "meeting_id": m.id, "participant_id": me_id,
                "sequence": m.version, "method": method, "recipient": check_email(me.email).delivery,
                "subject": str(msg["Subject"]), "message": wire, "message_id": str(msg["Message-ID"]),
            })  # fmt: skip
    if progress is not None:
        progress(len(meetings), len(meetings))
    return rows, skipped


def _check_to(message: str, recipient: str) -> None:
    """Raise Undeliverable unless the message's To header names ``recipient`` verbatim (never an
    encoded-word inside the address, as rows queued by older versions had)."""
    head = message.split("\r\n\r\n", 1)[0]
    m = re.search(r"^To:(.*(?:\r?\n[ \t].*)*)", head, re.M | re.I)
    value = re.sub(r"\r?\n", "", m.group(1)).strip() if m else ""
    address = value.rsplit("<", 1)[1].rstrip(">").strip() if value.endswith(">") else value
    if address != recipient:
        raise Undeliverable(f"the message's To header ({value!r}) does not name {recipient!r} as it is: "
                            "it was built by an older version; send this invite again")


class Transport:
    """Where messages go: an SMTP server, or a folder of .eml files when none is configured."""

    def __init__(self, smtp: SmtpConfig | None = None, folder: Path | None = None):
        if smtp is None and folder is None:
            raise ValueError("configure an SMTP server or an outbox folder")
        self.smtp, self.folder = smtp, folder
        self._conn: smtplib.SMTP | None = None

    def send(self, row: dict[str, Any]) -> None:
        """Deliver one outbox row; raise :class:`Undeliverable` when this server cannot take it
        (a UTF-8 message and no SMTPUTF8), smtplib's errors or OSError when the server refuses
        or is away, :class:`~scheduler.domain.addresses.InvalidEmail` when the row's recipient is no
        address (an old row: a newline there would smuggle in another recipient) or its To header
        does not carry the recipient as it is (a row built before headers were encoded here)."""
        check_email(row["recipient"])
        _check_to(row["message"], row["recipient"])
        if self.smtp is None:
            assert self.folder is not None
            self.folder.mkdir(parents=True, exist_ok=True)
            name = f"{row['id']:06d}-{row['meeting_id'].replace(':', '-')}-{row['participant_id']}-{row['method'].lower()}-{row['sequence']}.eml"
            (self.folder / name).write_text(row["message"], encoding="utf-8")
            return
        conn = self._connect()
        message: str = row["message"]
        head = message.split("\r\n\r\n", 1)[0]
        options: list[str] = []
        if not (head.isascii() and row["recipient"].isascii() and self.smtp.sender.isascii()):
            conn.ehlo_or_helo_if_needed()
            if not conn.has_extn("smtputf8"):
                raise Undeliverable(NO_SMTPUTF8)
            options = ["SMTPUTF8"]
        if not message.isascii():
            conn.ehlo_or_helo_if_needed()
            if conn.has_extn("8bitmime"):
                options.append("BODY=8BITMIME")
        conn.sendmail(self.smtp.sender, [row["recipient"]], message.encode("utf-8"), mail_options=options)

    def forget(self, ids: Iterable[int]) -> int:
        """Delete the folder's .eml copies of these outbox rows (their text was erased, see
        docs/privacy.md); return how many files went. An SMTP transport keeps no copy: 0."""
        if self.folder is None:
            return 0
        gone = [f for i in ids for f in self.folder.glob(f"{i:06d}-*.eml")]
        for f in gone:
            f.unlink()
        return len(gone)

    def _connect(self) -> smtplib.SMTP:
        if self._conn is None:
            assert self.smtp is not None
            conn = smtplib.SMTP(self.smtp.host, self.smtp.port, timeout=self.smtp.timeout)
            if self.smtp.starttls:
                conn.starttls(context=ssl.create_default_context())
            if self.smtp.username:
                conn.login(self.smtp.username, self.smtp.password or "")
            self._conn = conn
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.quit()
            except (smtplib.SMTPException, OSError):
                pass
            self._conn = None


@dataclass(frozen=True)
class DeliveryReport:
    sent: int
    retrying: int
    failed: int
    errors: tuple[str, ...]


def deliver(store: Any, transport: Transport, now: datetime, batch: int = 500) -> DeliveryReport:
    """Send everything due in the outbox; record every step so a crash loses nothing."""
    outcomes: Counter[str] = Counter()
    errors: list[str] = []
    try:
        while rows := store.due(now, STALE_SENDING, batch):
            for row in rows:
                outcome, error = _send_one(store, transport, row, now)
                outcomes[outcome] += 1
                if error:
                    errors.append(f"{row['recipient']}: {error}")
    finally:
        transport.close()
    return DeliveryReport(outcomes["sent"], outcomes["retrying"], outcomes["failed"], tuple(errors))


def _send_one(store: Any, transport: Transport, row: dict[str, Any], now: datetime) -> tuple[str, str | None]:
    """Mark, send, mark: 'sending' is on disk before the server sees the message.

    Every error of this one message is caught and recorded on its row (queued to retry, or
    failed), so one bad recipient never stops the others nor stays in 'sending'."""
    if not store.claim(row["id"], now, STALE_SENDING):
        return "claimed elsewhere", None  # another server process is sending it
    try:
        transport.send(row)
    except Exception as exc:  # any per-message error is recorded on its row, never raised
        transport.close()
        answer = _answer(exc)
        if row["attempts"] + 1 >= MAX_ATTEMPTS or _permanent(exc):
            store.mark(row["id"], "failed", now, error=answer)
            return "failed", answer
        store.mark(row["id"], "queued", now, error=answer, next_attempt=now + backoff(row["attempts"] + 1))
        return "retrying", answer
    store.mark(row["id"], "sent", now)
    return "sent", None


def _answer(exc: Exception) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        return f"{exc.smtp_code} {text}"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, text = next(iter(exc.recipients.values()))
        return f"{code} {text.decode('utf-8', 'replace') if isinstance(text, bytes) else text}"
    if isinstance(exc, Undeliverable | InvalidEmail):
        return str(exc)
    if isinstance(exc, UnicodeError):
        return f"the message could not be sent as it is ({type(exc).__name__}: {exc})"
    return f"{type(exc).__name__}: {exc}"


def _permanent(exc: Exception) -> bool:
    """A 5xx answer about the recipient, or an error of the message itself, will not change by retrying."""
    if not isinstance(exc, smtplib.SMTPException | OSError):
        return True  # Undeliverable, UnicodeError, ValueError, ...: the same bytes fail the same way
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    return isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code >= 500 and exc.smtp_code != 554


def queue_invites(store: Any, event_id: str, ctx_for: Callable[[str], InviteContext], stamp: datetime,
                  sender: str, only: Collection[str] | None = None,
                  progress: Callable[[int, int], None] | None = None,
                  also: Callable[[int], None] | None = None) -> tuple[int, list[Skipped]]:
    """Queue an invite (or cancellation) for every meeting not yet notified at its SEQUENCE
    (``only``: just these meeting ids, e.g. the ones a live change touched); return how many
    messages were queued and who was skipped.

    The messages are built outside any transaction (minutes for a large event; ``progress`` as in
    :func:`plan`) and stored in one, so a process killed meanwhile leaves nothing announced, and
    a finished call everything. When the schedule changed while they were built (its version
    moved), they are built again from the new one; raises :class:`RuntimeError` when it kept
    changing (``ATTEMPTS`` times). ``also(queued)`` runs in the same transaction (e.g. ending
    the job that queues them)."""
    for _ in range(ATTEMPTS):
        version = store.schedule_version(event_id)
        data = store.load(event_id)
        meetings = [m for m in store.meetings(event_id) if only is None or m.id in only]
        rows, skipped = plan(ctx_for, meetings, data.by_id(), store.notified(event_id), stamp, sender, progress)
        with store.write():
            if store.schedule_version(event_id) == version:
                queued = store.queue(rows, stamp)
                if also is not None:
                    also(queued)
                return queued, skipped
    raise RuntimeError(f"the schedule of {event_id!r} kept changing while its invites were written; try again")

