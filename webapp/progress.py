"""What the organiser's page hears of a running solve, wherever it runs (a thread or a worker).

Each message names its phase in words, carries one progress figure that never goes back
(``percent``: the phases' shares of the bar, filled by the time spent in each) and says how
good the schedule found so far is in one sentence.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext

from scheduler.solver import Progress

#: phase -> (words, share of the bar where it starts, where it ends), in the order they run
PHASES: dict[str, tuple[Any, float, float]] = {
    "queued": (lazy_gettext("Waiting for a free solver"), 0.0, 2.0),
    "build": (lazy_gettext("Reading the requests"), 2.0, 10.0),
    "select": (lazy_gettext("Placing meetings"), 10.0, 75.0),
    "compact": (lazy_gettext("Making days compact"), 75.0, 98.0),
    "done": (lazy_gettext("Done"), 100.0, 100.0),
}


def room(event_id: str) -> str:
    """The Socket.IO room of an event's staff pages."""
    return f"event:{event_id}"


def phase_words(phase: str) -> str:
    """The phase as a person reads it; an unknown phase is shown as it is."""
    return str(PHASES[phase][0]) if phase in PHASES else phase


def percent(phase: str, elapsed: float, limit: float, floor: float = 0.0) -> float:
    """The progress figure in per cent (0 to 100), never below ``floor`` (the last one shown).

    Within a phase the bar fills with the share of the time limit (seconds) spent; a phase
    never goes past its own end, and a later phase starts where the earlier one ended."""
    _, start, end = PHASES.get(phase, ("", floor, floor))
    within = start + (end - start) * min(1.0, max(0.0, elapsed) / limit) if limit > 0 else start
    return round(max(floor, within), 1)


def quality(meetings: int, gap: float | None) -> str:
    """How good the schedule found so far is, in one sentence (``gap``: relative, 0.02 is 2 %)."""
    if gap is None:
        return _("No meetings placed yet.") if not meetings else _("%(n)d meetings placed so far.", n=meetings)
    if gap <= 1e-9:
        return _("%(n)d meetings placed; no better schedule is possible.", n=meetings)
    return _("%(n)d meetings placed; the best possible is at most %(gap).1f%% better.", n=meetings, gap=100 * gap)


def done_sentence(meetings: int, upper_bound: int) -> str:
    """The finished solve's quality in one sentence: meetings placed and the most possible."""
    if meetings >= upper_bound:
        return _("%(n)d meetings placed; no schedule can place more.", n=meetings)
    return _("%(n)d meetings placed; at most %(bound)d are possible.", n=meetings, bound=upper_bound)


def page_words() -> dict[str, Any]:
    """The progress words for the organiser page's script, in the page's language (call it while
    rendering): ``phases`` (phase key -> words) and the sentences of :func:`quality` and
    :func:`done_sentence` unformatted (``%(n)d``, ``%(gap).1f``, ``%(bound)d``), which the script
    fills from each message, so a solve running outside any request still reads in each watcher's language."""
    return {"phases": {key: str(words) for key, (words, _start, _end) in PHASES.items()},
            "none_yet": _("No meetings placed yet."), "so_far": _("%(n)d meetings placed so far."),
            "best": _("%(n)d meetings placed; no better schedule is possible."),
            "better": _("%(n)d meetings placed; the best possible is at most %(gap).1f%% better."),
            "no_more": _("%(n)d meetings placed; no schedule can place more."),
            "at_most": _("%(n)d meetings placed; at most %(bound)d are possible.")}  # fmt: skip


def described(payload: dict[str, Any], floor: float = 0.0) -> dict[str, Any]:
    """``payload`` with ``words`` (the phase), ``percent`` (never below ``floor``) and ``sentence``."""
    return {**payload, "words": phase_words(payload["phase"]),
            "percent": percent(payload["phase"], payload["elapsed"], payload["limit"], floor),
            "sentence": quality(payload["meetings"], payload["gap"])}  # fmt: skip


def progress_payload(p: Progress, limit: float) -> dict[str, Any]:
    """A running solve as the page shows it: phase, seconds, meetings placed, gap, time limit."""
    return {"phase": p.phase, "elapsed": round(p.elapsed, 1), "meetings": p.meetings,
            "gap": round(p.gap, 4), "limit": limit}  # fmt: skip


def starting_payload(limit: float, phase: str = "build") -> dict[str, Any]:
    """The first progress message: the model is being built (or the job waits in the queue)."""
    return described({"phase": phase, "elapsed": 0, "meetings": 0, "gap": None, "limit": limit})


def replay(payloads: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Describe a sequence of progress messages as the page shows them, one after the other."""
    shown, floor = [], 0.0
    for p in payloads:
        shown.append(described(p, floor))
        floor = shown[-1]["percent"]
    return shown


def throttled(emit: Callable[[dict[str, Any]], None], limit: float,
              every: float = 0.3) -> Callable[[Progress], None]:
    """A solver progress callback that calls ``emit(payload)`` at most once per ``every`` seconds;
    each payload is :func:`described`, its ``percent`` never below the one emitted before."""
    last, floor = [0.0], [0.0]

    def progress(p: Progress) -> None:
        now = time.monotonic()
        if now - last[0] < every:
            return
        last[0] = now
        payload = described(progress_payload(p, limit), floor[0])
        floor[0] = payload["percent"]
        emit(payload)

    return progress
