"""The event's settings in words of the page's language, each with one line saying what it does:
what the console's Settings tab shows (``console_setup.html``) instead of the stored values
(``unless_declined``, ``72.0``). The stored values stay what the event file and the form carry."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from babel.dates import format_date
from babel.numbers import format_decimal
from flask_babel import gettext, lazy_gettext, ngettext

from scheduler.domain.language import DEFAULT, LANGUAGES
from scheduler.domain.model import Event

from .i18n import page_language

#: request policy -> which requests the schedule places, in words (the key stays the stored value)
POLICY_WORDS: dict[str, Any] = {
    "unless_declined": lazy_gettext("Pending requests are scheduled unless declined"),
    "accepted_only": lazy_gettext("Only accepted requests are scheduled (and those both sides asked for)"),
}

#: what compact days keep low, by the stored value
COMPACTNESS_WORDS: dict[str, Any] = {
    "idle": lazy_gettext("idle slots and sessions attended"),
    "breaks": lazy_gettext("breaks between two meetings"),
}


@dataclass(frozen=True)
class Setting:
    """One line of the Settings tab: its name, its value in words and what it does."""

    id: str
    label: str
    value: str
    meaning: str


def policy_words(policy: str) -> str:
    """The request policy in words (an unknown value is shown as it is)."""
    return str(POLICY_WORDS.get(policy, policy))


def hours_words(hours: float) -> str:
    """``72.0`` -> ``72 hours`` (``1,5 heures`` in French): the number in the page's locale."""
    count = int(hours) if float(hours).is_integer() else 2  # a fraction reads as a plural
    number = format_decimal(hours, format="#,##0.##", locale=page_language().cldr)
    return ngettext("%(hours)s hour", "%(hours)s hours", count, hours=number)


def session_words(session) -> str:
    """A session as ``Friday 26 March 2027, 09:00–13:00`` in the page's language."""
    lang = page_language()
    day = format_date(session.date, lang.date_pattern, locale=lang.cldr)
    return f"{day}, {session.start.strftime('%H:%M')}–{session.end.strftime('%H:%M')}"


def event_settings(ev: Event, live: dict[str, Any], retention_days: int) -> list[Setting]:
    """Every setting of ``ev`` in words, in the order of the settings form: the event file's, then
    the live day's (``live``: ``Store.live_settings``) and how many days personal data is kept."""
    policy = {"unless_declined": gettext("A request waiting for an answer keeps its place in the schedule; "
                                         "a decline frees it."),
              "accepted_only": gettext("A request gets a meeting once the receiver accepts it, or when both "
                                       "sides asked for it.")}  # fmt: skip
    compact = str(ev.extra.get("compactness") or "idle")
    language = str(ev.extra.get("language") or DEFAULT)
    return [
        Setting("id", gettext("Event id"), ev.id,
                gettext("The event's identifier in files and links; it never changes.")),
        Setting("language", gettext("Language of participants' mails"), LANGUAGES.get(language, language),
                gettext("For participants who have not chosen a language of their own; their pages follow their "
                        "browser.")),
        Setting("timezone", gettext("Time zone of the sessions"), ev.timezone,
                gettext("Session times are written on this clock; each participant reads them on their own.")),
        Setting("slots", gettext("Slots"),
                gettext("%(n)d minutes, with %(gap)d minutes between", n=ev.slot_minutes, gap=ev.gap_minutes),
                gettext("How long each meeting lasts, and the pause before the next one.")),
        Setting("rooms", gettext("Virtual rooms"), str(ev.rooms),
                gettext("How many meetings can take place at the same time.")),
        Setting("max_meetings", gettext("Meetings per participant, at most"), str(ev.max_meetings),
                gettext("No participant gets more meetings than this.")),
        Setting("allow_same_kind", gettext("Meetings between two SMEs of the same kind"),
                gettext("allowed") if ev.allow_same_kind else gettext("not allowed"),
                gettext("When not allowed, traditional SMEs meet tech SMEs only, and the other way round.")),
        Setting("compactness", gettext("Compact days: what the schedule keeps low"),
                str(COMPACTNESS_WORDS.get(compact, compact)),
                gettext("Fewer gaps in a participant's day, once the wanted meetings are placed.")),
        Setting("request_policy", gettext("Which requests are scheduled"), policy_words(ev.request_policy),
                policy.get(ev.request_policy, "")),
        Setting("request_ttl_hours", gettext("Hours a participant has to answer a request"),
                hours_words(ev.request_ttl_hours),
                gettext("A request nobody answered in that time expires.")),
        Setting("video_url_template", gettext("Video link of a room"), ev.video_url_template or gettext("none"),
                gettext("{room} and {meeting} are filled in for each meeting.")),
        Setting("auto_repair", gettext("Apply repairs after a no-show at once"),
                gettext("yes") if live["auto_repair"] else gettext("no, a host applies them"),
                gettext("A repair refills the free slots of someone whose partner did not come.")),
        Setting("standby_minutes", gettext("Offer a “meet now” when a partner is this many minutes late"),
                ngettext("%(num)d minute", "%(num)d minutes", live["standby_minutes"]),
                gettext("The one who is waiting may meet another participant who is free at once.")),
        Setting("waitlist", gettext("Recommendations per traditional SME a repair may refill from"),
                str(live["waitlist"]),
                gettext("A repair may also place recommended meetings nobody asked for yet; 0: stored requests only.")),
        Setting("retention_days", gettext("Days personal data is kept after the last session"),
                ngettext("%(num)d day", "%(num)d days", retention_days),
                gettext("Then the participants' personal data is erased; the event's figures stay.")),
    ]  # fmt: skip
