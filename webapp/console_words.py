"""Words the console shows for the core's keys, in the page's language.

The core (``scheduler``) names phases, next steps and statuses by key and never imports Flask;
this module turns those keys into translated words for the console's templates and flashes.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext, lazy_gettext, ngettext

from scheduler.viewmodels.console import NextAction

#: phase key -> its name
PHASE_NAMES: dict[str, Any] = {
    "draft": lazy_gettext("Draft"),
    "published": lazy_gettext("Published"),
    "live": lazy_gettext("Live"),
    "closed": lazy_gettext("Closed"),
}

#: phase key -> what it means for the organiser
PHASE_MEANING: dict[str, Any] = {
    "draft": lazy_gettext("No invites sent yet. Generating the schedule replaces it."),
    "published": lazy_gettext("Invites went out. Changes keep what was announced and send updates."),
    "live": lazy_gettext("The event is running. Started slots are frozen; changes send updates at once."),
    "closed": lazy_gettext("The event is over. The schedule is kept as the record of what happened."),
}

#: next step's target -> its words (``solve`` has two: before and after a first schedule)
_STEPS: dict[str, Any] = {
    "results": lazy_gettext("Read the results and send the surveys"),
    "import": lazy_gettext("Import participants"),
    "requests": lazy_gettext("Collect meeting requests: import them, or let participants ask"),
    "board": lazy_gettext("Run the day from the host board"),
    "publish": lazy_gettext("Publish the invites"),
}

#: meeting, request or message status, request origin, message kind -> the word shown for it
#: (the key stays the value sent and the CSS class)
STATUS_WORDS: dict[str, Any] = {
    "scheduled": lazy_gettext("scheduled"),
    "moved": lazy_gettext("moved"),
    "cancelled": lazy_gettext("cancelled"),
    "held": lazy_gettext("held"),
    "no_show": lazy_gettext("no-show"),
    "pending": lazy_gettext("pending"),
    "accepted": lazy_gettext("accepted"),
    "declined": lazy_gettext("declined"),
    "expired": lazy_gettext("expired"),
    "suggested": lazy_gettext("suggested"),
    "imposed": lazy_gettext("imposed"),
    "withdrawn": lazy_gettext("withdrawn"),
    "queued": lazy_gettext("queued"),
    "sending": lazy_gettext("sending"),
    "sent": lazy_gettext("sent"),
    "failed": lazy_gettext("failed"),
    "invite": lazy_gettext("invite"),
    "survey": lazy_gettext("survey"),
    "import": lazy_gettext("import"),
    "participant": lazy_gettext("participant"),
    "recommendation": lazy_gettext("recommendation"),
    "autofill": lazy_gettext("auto-fill"),
    "organiser": lazy_gettext("organiser"),
    "host": lazy_gettext("host"),
    "traditional": lazy_gettext("traditional"),
    "tech": lazy_gettext("tech"),
}


def phase_sentence(stage: str) -> str:
    """``"Draft: no invites sent yet. ..."``: the phase's name and meaning in one sentence."""
    return gettext("%(phase)s: %(meaning)s", phase=PHASE_NAMES[stage], meaning=PHASE_MEANING[stage])


def status_word(status: str) -> str:
    """The word shown for a status key; an unknown key is shown as it is."""
    return str(STATUS_WORDS.get(status, status))


def next_step_words(todo: NextAction, meetings: int, failed_mail: int) -> str:
    """The next step (:func:`scheduler.viewmodels.console.next_action`) in the page's language."""
    if todo.target == "outbox":
        return ngettext("Retry the %(num)d failed message in the outbox",
                        "Retry the %(num)d failed messages in the outbox", failed_mail)  # fmt: skip
    if todo.target == "solve":
        return gettext("Update the schedule to place new requests") if meetings else gettext("Generate the schedule")
    return str(_STEPS.get(todo.target, todo.words))
