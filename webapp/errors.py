"""Friendly error pages, in the page's language, through one template (``error.html``).

Every HTTP error the app answers (400, 401, 403, 404, 405, 413, 429, 500, ...) is a page with a
title, a sentence saying what to do, and a way back; never a traceback. A personal link that
does not work (unknown, or revoked by a renewal: the two look the same) says to ask the
organiser for a new one, with the organiser's address when this browser's session knows the event.
"""

from __future__ import annotations

from flask import Flask, g, render_template, session, url_for
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException, InternalServerError

from scheduler.domain.errors import NotFound
from scheduler.invitations.ical import organiser_of

from .extensions import get_store


def _words(code: int) -> tuple[str, str]:
    """The title and the sentence of the page for HTTP status ``code``, in the page's language."""
    words = {
        400: (_("That did not work"), _("What was sent could not be used. Go back, reload the page and try again.")),
        401: (_("Please log in"), _("This page is for the event's staff: log in first.")),
        403: (_("Not allowed"), _("Your account or link does not give access to this page.")),
        404: (_("Page not found"), _("There is no page at this address. Check the link, or start again from your page.")),
        405: (_("That did not work"), _("This address does not take that kind of request. Go back and use the page's buttons.")),
        413: (_("Too large"), _("What you sent is larger than this server takes. Check that you chose the right file.")),
        429: (_("Too many attempts"), _("Please wait a few minutes, then try again.")),
        500: (_("Something went wrong"), _("Our mistake, not yours: nothing was changed. Try again in a moment; if it happens again, tell the organisers.")),
    }  # fmt: skip
    return words.get(code, words[500] if code >= 500 else words[400])


def error_page(code: int, title: str | None = None, message: str | None = None, **extra):
    """The error page response for ``code`` (title and message: the status's own words by default)."""
    default_title, default_message = _words(code)
    back = url_for("portal.home") if g.get("token") else url_for("console.index")
    return render_template("error.html", code=code, title=title or default_title, message=message or default_message,
                           back=back, **extra), code  # fmt: skip


def bad_link():
    """The page of a personal link that does not work (unknown or revoked), status 404."""
    contact = None
    known = session.get("participant")  # this browser opened a link of this event before
    if isinstance(known, list) and known:
        try:
            event = get_store().event(str(known[0]))
        except NotFound:  # an event since deleted: no contact to show
            event = None
        if event is not None and event.extra.get("organiser_email"):
            contact = organiser_of(event)
    return error_page(404, _("This link does not work any more"),
                      _("Ask your organiser for a new link: it comes by e-mail and opens your agenda again."),
                      contact=contact, link=True)


def register(app: Flask) -> None:
    """Answer every HTTP error of ``app`` with :func:`error_page`."""

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if exc.response is not None:  # a view built its own answer (abort(make_response(...)))
            return exc.response
        return error_page(exc.code or 500)

    @app.errorhandler(InternalServerError)
    def server_error(_exc: InternalServerError):
        return error_page(500)
