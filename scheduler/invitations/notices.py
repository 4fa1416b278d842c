"""Plain notices by e-mail (no calendar attached), sent through the same outbox as the invites.

The one notice today is a participant's new personal link after an organiser renewed it
(outbox ``kind`` ``link``, ``method`` ``LINK``, ``meeting_id`` empty, ``sequence`` counting
the renewals): it never announces a meeting.
"""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import Any

from scheduler.domain.addresses import check_email
from scheduler.domain.language import ENGLISH, Language
from scheduler.domain.model import Event, Participant
from scheduler.invitations.headers import (
    ASCII_POLICY,
    UTF8_POLICY,
    check_round_trip,
    mailbox,
    set_headers,
    unstructured,
)


def link_message(event: Event, me: Participant, link: str, sequence: int, stamp: datetime, sender: str,
                 organiser_name: str, language: Language = ENGLISH) -> dict[str, Any]:
    """The outbox row of the mail that gives ``me`` their new personal ``link`` (an absolute URL
    on the configured public address); ``sequence``: the how-manyth renewal this is (from 1);
    ``language``: the reader's.

    Raises :class:`~scheduler.domain.addresses.InvalidEmail` (a ValueError) when ``me`` has no
    valid address, :class:`~scheduler.invitations.headers.HeaderRoundTripError` when a header
    would not read back exactly."""
    to = check_email(me.email).delivery
    from_name, from_addr = parseaddr(sender)
    from_name, from_addr = from_name or organiser_name, from_addr or sender
    t = language
    text_subject = t.gettext("Your new personal link for {event}").format(event=event.name)
    msg = EmailMessage(policy=ASCII_POLICY if to.isascii() and from_addr.isascii() else UTF8_POLICY)
    from_raw, from_name = mailbox("From", from_name, from_addr)
    to_raw, to_name = mailbox("To", me.name, to)
    set_headers(msg, {"Subject": unstructured("Subject", text_subject), "From": from_raw, "To": to_raw})
    msg["Date"] = format_datetime(stamp)
    msg["Message-ID"] = f"<link-{sequence}-{me.id}.{event.id}@{event.uid_domain}>"
    msg.set_content(
        t.gettext("Dear {name},").format(name=me.contact or me.name) + "\n\n"
        + t.gettext("the organisers of {event} gave you a new personal link; the old one no longer works:").format(
            event=event.name) + f"\n\n    {link}\n\n"
        + t.gettext("It opens your agenda, requests and profile without a password: keep it to yourself.") + "\n"
    )
    check_round_trip(msg.as_string(), text_subject, {"From": (from_name, from_addr), "To": (to_name, to)})
    return {"event_id": event.id, "meeting_id": "", "participant_id": me.id, "sequence": sequence,
            "method": "LINK", "recipient": to, "subject": text_subject, "message": msg.as_string(),
            "message_id": str(msg["Message-ID"]), "kind": "link"}  # fmt: skip
