"""Survey invitations and reminders by e-mail, through the same durable outbox as the invites.

One message per participant, round and step: the invitation (``sequence`` 0) and reminder n
(``sequence`` n), stored with ``kind = 'survey'``, ``method = 'SURVEY'`` and ``meeting_id =
'survey:<survey>:<wave>'``; the outbox's unique key (event, meeting_id, participant, sequence,
method) makes queuing the same message twice a no-op. Who gets which message when is
:mod:`scheduler.surveys.rounds`; this module writes the messages (plain text and a simple HTML
alternative, with the participant's personal link) and plans the outbox rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from html import escape
from typing import Any

from scheduler.domain.addresses import InvalidEmail, check_email
from scheduler.domain.language import ENGLISH, Language, load, reader_language
from scheduler.domain.model import Event as B2BEvent
from scheduler.domain.model import EventData, Meeting, Participant
from scheduler.invitations.delivery import Skipped, wire_address
from scheduler.invitations.headers import (
    ASCII_POLICY,
    UTF8_POLICY,
    check_round_trip,
    mailbox,
    set_headers,
    unstructured,
)
from scheduler.surveys.model import Survey
from scheduler.surveys.rounds import Round, audience, due_message, owing, round_of
from scheduler.surveys.translated import in_language

METHOD = "SURVEY"


def survey_path(survey_id: str, wave: str = "") -> str:
    """The survey page under a participant's personal link: ``/surveys/<survey>[/<wave>]``."""
    return f"/surveys/{survey_id}" + (f"/{wave}" if wave else "")


def survey_subject(survey: Survey, event: B2BEvent, reminder: int, language: Language = ENGLISH) -> str:
    """The Subject: the survey's title and the event's name, "Reminder: " before a reminder, in
    ``language`` (the built-in survey's title translated, an organiser's as written)."""
    title = in_language(survey, language).title
    return (language.gettext("Reminder: ") if reminder else "") + f"{title} ({event.name})"


def survey_message(event: B2BEvent, survey: Survey, me: Participant, link: str, reminder: int,
                   about: Iterable[str], stamp: datetime, sender: str,
                   language: Language = ENGLISH) -> EmailMessage:
    """Return the invitation (``reminder`` 0) or reminder n to ``me``: text and HTML alternatives.

    ``about``: for a per-meeting survey, one line per meeting asked about ("your meeting with X
    on ..."); ``language``: the reader's (the texts around the survey's words, and the built-in
    survey's words themselves: :func:`~scheduler.surveys.translated.in_language`). Raises InvalidEmail
    when ``me.email`` is no address, HeaderRoundTripError (a ValueError) when a header would not read back exactly."""
    to = check_email(me.email).delivery
    from_name, from_addr = parseaddr(sender)
    from_name = from_name or language.gettext("{event} organisers").format(event=event.name)
    from_addr = wire_address(from_addr or sender)
    subject, t = survey_subject(survey, event, reminder, language), language
    shown = in_language(survey, language)
    msg = EmailMessage(policy=ASCII_POLICY if to.isascii() and from_addr.isascii() else UTF8_POLICY)
    from_raw, from_name = mailbox("From", from_name, from_addr)
    to_raw, to_name = mailbox("To", me.name, to)
    set_headers(msg, {"Subject": unstructured("Subject", subject), "From": from_raw, "To": to_raw})
    msg["Date"] = format_datetime(stamp)
    msg["Message-ID"] = f"<survey-{survey.id}-{reminder}-{me.id}.{event.id}@{event.uid_domain}>"
    about = list(about)
    head = t.gettext("A short reminder: we would still value your answers.") + "\n\n" if reminder else ""
    dear = t.gettext("Dear {name},").format(name=me.contact or me.name)
    it_is_about, personal = t.gettext("It is about:"), t.gettext("This link is personal: please do not forward it.")
    signed = t.gettext("{event} organisers").format(event=event.name)
    lines = [dear, "", head + (shown.intro or shown.title)]
    if about:
        lines += ["", it_is_about, *(f"- {a}" for a in about)]
    lines += ["", t.gettext("Answer here (a couple of minutes, on your phone too): {link}").format(link=link), "",
              personal, "", signed]
    msg.set_content("\n".join(lines) + "\n")
    items = "".join(f"<li>{escape(a)}</li>" for a in about)
    button = t.gettext("Answer the survey")  # outside the f-string: Babel does not extract from inside one
    html = (f"<p>{escape(dear)}</p>"
            + (f"<p>{escape(head.strip())}</p>" if head else "")
            + f"<p>{escape(shown.intro or shown.title)}</p>" + (f"<p>{escape(it_is_about)}</p><ul>{items}</ul>" if items else "")
            + f'<p><a href="{escape(link)}" style="font-size:1.2em">{escape(button)}</a></p>'
            + f"<p>{escape(personal)}</p>"
            + f"<p>{escape(signed)}</p>")  # fmt: skip
    msg.add_alternative(f"<!doctype html><html><body>{html}</body></html>", subtype="html")
    check_round_trip(msg.as_string(), subject, {"From": (from_name, from_addr), "To": (to_name, to)})
    return msg


def plan_survey_mail(data: EventData, meetings: list[Meeting], surveys: Mapping[str, Survey],
                     rounds: Iterable[Round], answered: Mapping[tuple[str, str], set[tuple[str, str]]],
                     sent: Mapping[tuple[str, str], Mapping[int, datetime]], tokens: Mapping[str, str],
                     base_url: str, now: datetime, sender: str,
                     catalogues: str | None = None) -> tuple[list[dict[str, Any]], list[Skipped]]:
    """Return the outbox rows due at ``now`` and who could not be written to.

    Args:
        catalogues: the directory of the compiled catalogues (each reader's language:
            :func:`~scheduler.domain.language.reader_language`); None writes English.
        answered: (survey id, wave) -> (participant, meeting) pairs answered.
        sent: (round key, participant) -> sequence -> when it was queued (survey mail only).
        tokens: participant id -> personal link token; base_url: where the portal is served.
    """
    people = data.by_id()
    byid = {m.id: m for m in meetings}
    rows: list[dict[str, Any]] = []
    skipped: list[Skipped] = []
    for rnd in rounds:
        survey = surveys.get(rnd.survey_id)
        if survey is None or now < rnd.send_at:
            continue
        left = owing(audience(survey, data, meetings, now, by_mail=True), answered.get((rnd.survey_id, rnd.wave), set()))
        for pid, ms in sorted(left.items()):
            step = due_message(rnd, now, sent.get((rnd.key, pid), {}))
            if step is None or pid not in tokens:
                continue
            me = people[pid]
            lang = load(reader_language(me.locale, str(data.event.extra.get("language") or "")),
                        catalogues) if catalogues else ENGLISH  # fmt: skip
            about = [_about(byid[m], me, people, lang) for m in ms if m in byid]
            link = base_url.rstrip("/") + f"/p/{tokens[pid]}" + survey_path(survey.id, rnd.wave)
            try:
                msg = survey_message(data.event, survey, me, link, step, about, now, sender, lang)
            except InvalidEmail as exc:
                skipped.append(Skipped(pid, rnd.key, str(exc)))
                continue
            except ValueError as exc:
                skipped.append(Skipped(pid, rnd.key, f"the message could not be built: {exc}"))
                continue
            rows.append({"event_id": data.event.id, "meeting_id": rnd.key, "participant_id": pid, "sequence": step,
                         "method": METHOD, "kind": "survey", "recipient": check_email(me.email).delivery,
                         "subject": survey_subject(survey, data.event, step, lang), "message": msg.as_string(),
                         "message_id": str(msg["Message-ID"])})  # fmt: skip
    return rows, skipped


def _about(m: Meeting, me: Participant, people: Mapping[str, Participant], language: Language = ENGLISH) -> str:
    other = people[m.b if m.a == me.id else m.a]
    return language.gettext("your meeting with {name} on {when} ({zone})").format(
        name=other.name, when=language.when(m.start, me.timezone, "short"), zone=me.timezone)


def queue_survey_mail(store: Any, event_id: str, base_url: str, now: datetime, sender: str,
                      send_from: datetime | None = None, catalogues: str | None = None) -> tuple[int, list[Skipped]]:
    """Queue every survey invitation and reminder due at ``now`` for the event's planned rounds;
    return how many new messages were queued and who was skipped. Safe to call again: a
    message already queued is never queued twice.

    ``now`` is the event clock: what is due, and the queue time the reminders are compared with;
    ``send_from`` (default ``now``) is when the delivery loop, on its own clock, may send them
    (the real time, when a server rehearses with a fixed event clock); ``catalogues``: see
    :func:`plan_survey_mail`."""
    rounds = [round_of(r) for r in store.rounds(event_id)]
    if not rounds or all(now < r.send_at for r in rounds):
        return 0, []
    data = store.load(event_id)
    surveys = store.surveys(event_id)
    answered = {(r.survey_id, r.wave): store.answered(event_id, r.survey_id, r.wave) for r in rounds}
    rows, skipped = plan_survey_mail(data, store.meetings(event_id), surveys, rounds, answered,
                                     store.survey_mail(event_id), store.tokens(event_id), base_url, now, sender,
                                     catalogues)  # fmt: skip
    return store.queue(rows, now, send_from=send_from), skipped
