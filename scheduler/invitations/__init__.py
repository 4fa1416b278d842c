"""Invitations: iCalendar documents and their delivery by e-mail.

Owns REQUEST / CANCEL / PUBLISH documents with stable UIDs and SEQUENCE (:mod:`.ical`),
iMIP messages and SMTP delivery from the outbox (:mod:`.delivery`) and RFC 2047 header
encoding (:mod:`.headers`), survey invitations and reminders through the same outbox
(:mod:`.surveymail`).

May import: :mod:`scheduler.domain`, :mod:`scheduler.surveys`.
"""
