"""Invitations: iCalendar documents and their delivery by e-mail.

Owns REQUEST / CANCEL / PUBLISH documents with stable UIDs and SEQUENCE (:mod:`.ical`),
iMIP messages and SMTP delivery from the outbox (:mod:`.delivery`), RFC 2047 header
encoding (:mod:`.headers`), survey invitations and reminders through the same outbox
(:mod:`.surveymail`) and plain notices such as a renewed personal link (:mod:`.notices`).

May import: :mod:`scheduler.domain`, :mod:`scheduler.surveys`.
"""
