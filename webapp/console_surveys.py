"""Organiser console, surveys: each survey of the event (version, audience, questions, response
counts and rates per round), editing a copy as JSON (stored as the next version), the rounds
(invitation and reminder times on the event's clock, the defaults one click away), sending what
is due now, and the answers as CSV (personal data: organisers only). The routes belong to the
console's blueprint (:data:`.console.bp`); :func:`webapp.create_app` imports this module before
registering it."""

from __future__ import annotations

import json
import re

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext, lazy_gettext, ngettext

from scheduler.domain.errors import InvalidInput
from scheduler.domain.timegrid import local_label
from scheduler.surveys.model import survey_from_dict, survey_to_dict
from scheduler.surveys.rounds import audience, counts, default_rounds, parse_when, round_of, waves
from scheduler.surveys.tables import answers_csv
from scheduler.surveys.translated import in_language

from .auth import current_user, staff_required
from .console import bp
from .extensions import get_store
from .i18n import page_language
from .live import clock, send_surveys

AUDIENCE = {"adoption": lazy_gettext("every participant, once"),
            "feedback": lazy_gettext("both sides of every meeting that ended and was not cancelled, per meeting"),
            "followup": lazy_gettext("both sides of every meeting held (not cancelled, not a no-show), per meeting and wave")}  # fmt: skip


def received_words(answered: set[tuple[str, str]], sent: bool) -> str:
    """What a round received, whatever its audience at the moment, in the Results page's words:
    ``118 respondents · 461 answers`` (respondents: distinct participants), and
    ``(received before the round was sent)`` when answers came in before its invitation went out
    (a participant may answer from their page at any time; the demo stores simulated answers);
    ``''`` when none came in. ``answered``: the (participant, meeting) pairs of the round."""
    if not answered:
        return ""
    people = len({pid for pid, _m in answered})
    words = (ngettext("%(num)d respondent", "%(num)d respondents", people) + " · "
             + ngettext("%(num)d answer", "%(num)d answers", len(answered)))  # fmt: skip
    return words if sent else words + " " + gettext("(received before the round was sent)")


def _back(event_id: str, anchor: str = ""):
    return redirect(url_for("console.surveys", event_id=event_id) + anchor)


@bp.get("/events/<event_id>/surveys")
@staff_required("organiser")
def surveys(event_id):
    store = get_store()
    data = store.load(event_id)
    tz, now = data.event.timezone, clock()
    meetings = store.meetings(event_id)
    planned = {(r["survey_id"], r["wave"]): round_of(r) for r in store.rounds(event_id)}
    rows = []
    for sid, survey in store.surveys(event_id).items():
        asked = audience(survey, data, meetings, now)
        rounds = []
        for wave in waves(survey):
            rnd = planned.get((sid, wave))
            got = store.answered(event_id, sid, wave)
            rounds.append({"wave": wave, "send_at": local_label(rnd.send_at, tz, "%Y-%m-%d %H:%M") if rnd else "",
                           "reminders": [local_label(r, tz, "%Y-%m-%d %H:%M") for r in rnd.reminders] if rnd else [],
                           "open": bool(rnd and rnd.send_at <= now), "counts": counts(asked, got),
                           "received": received_words(got, bool(rnd and rnd.send_at <= now))})  # fmt: skip
        rows.append({"survey": in_language(survey, page_language()), "audience": AUDIENCE[survey.kind], "rounds": rounds,
                     "answers": len(store.answers(event_id, sid))})  # fmt: skip
    return render_template("surveys.html", ev=data.event, rows=rows, tz=tz)


@bp.post("/events/<event_id>/surveys/rounds")
@staff_required("organiser")
def survey_round(event_id):
    store = get_store()
    tz = store.event(event_id).timezone
    sid, wave = request.form.get("survey", ""), request.form.get("wave", "")
    what = f"{sid}{' ' + wave if wave else ''}"
    try:
        send_at = parse_when(request.form.get("send_at", ""), tz, f"{what}, invitation")
        lines = [x.strip() for x in re.split(r"[\n;]", request.form.get("reminders", "")) if x.strip()]
        reminders = [parse_when(x, tz, f"{what}, reminder {i}") for i, x in enumerate(lines, 1)]
        store.set_round(event_id, sid, send_at, reminders, wave=wave, actor=current_user()["username"], now=clock())
    except InvalidInput as exc:
        flash(str(exc), "error")
        return _back(event_id, f"#survey-{sid}"), 303
    flash(ngettext("Planned %(what)s: invitation %(when)s (%(zone)s), %(num)d reminder.",
                   "Planned %(what)s: invitation %(when)s (%(zone)s), %(num)d reminders.", len(reminders),
                   what=what, when=local_label(send_at, tz, "%Y-%m-%d %H:%M"), zone=tz))  # fmt: skip
    return _back(event_id, f"#survey-{sid}")


@bp.post("/events/<event_id>/surveys/plan-defaults")
@staff_required("organiser")
def survey_defaults(event_id):
    store = get_store()
    data = store.load(event_id)
    have = {(r["survey_id"], r["wave"]) for r in store.rounds(event_id)}
    done = 0
    for rnd in default_rounds(store.surveys(event_id), data, clock()):
        if (rnd.survey_id, rnd.wave) not in have:
            store.set_round(event_id, rnd.survey_id, rnd.send_at, list(rnd.reminders), wave=rnd.wave,
                            actor=current_user()["username"], now=clock())  # fmt: skip
            done += 1
    flash(ngettext("Planned %(num)d round with the default dates.", "Planned %(num)d rounds with the default dates.", done)
          + (" " + gettext("Rounds already set were kept.") if have else ""))  # fmt: skip
    return _back(event_id)


@bp.post("/events/<event_id>/surveys/send")
@staff_required("organiser")
def survey_send(event_id):
    store = get_store()
    store.event(event_id)
    queued, skipped = send_surveys(store, [event_id])
    flash(ngettext("%(num)d survey message queued and delivered (see the outbox).",
                   "%(num)d survey messages queued and delivered (see the outbox).", queued)
          + (" " + gettext("%(num)s could not be written.", num=len(skipped)) if skipped else ""))  # fmt: skip
    for s in skipped[:10]:
        flash(f"{s.participant}: {s.reason}", "error")
    return _back(event_id)


@bp.route("/events/<event_id>/surveys/<survey_id>/edit", methods=["GET", "POST"])
@staff_required("organiser")
def survey_edit(event_id, survey_id):
    store = get_store()
    ev = store.event(event_id)
    current = store.survey(event_id, survey_id)
    if request.method == "GET":
        text = json.dumps(survey_to_dict(current), ensure_ascii=False, indent=2)
        return render_template("survey_edit.html", ev=ev, survey=current, text=text, problems=[])
    text = request.form.get("doc", "")
    doc = None
    try:
        doc = json.loads(text)
        if not isinstance(doc, dict):
            raise InvalidInput("the survey must be a JSON object ({...})")
        saved = store.save_survey(event_id, survey_from_dict(doc), actor=current_user()["username"], now=clock())
    except json.JSONDecodeError as exc:
        problems = [gettext("Not valid JSON: line %(line)s, column %(col)s: %(why)s.", line=exc.lineno, col=exc.colno,
                             why=exc.msg)]
        return render_template("survey_edit.html", ev=ev, survey=current, text=text, problems=problems), 400
    except InvalidInput as exc:
        problems = [_named(str(p), doc if isinstance(doc, dict) else {}) for p in exc.problems]
        return render_template("survey_edit.html", ev=ev, survey=current, text=text, problems=problems), 400
    flash(gettext("Saved %(survey)s as version %(num)s; new answers use it, earlier ones keep their version.",
                  survey=saved.id, num=saved.version))
    return _back(event_id, f"#survey-{saved.id}")


def _named(problem: str, doc: dict) -> str:
    """``survey.questions[2].options: ...`` -> ``question 2 ("useful"), options: ...``."""
    m = re.match(r"^survey\.questions\[(\d+)\]\.?(\w*): (.*)$", problem)
    if not m:
        return problem.removeprefix("survey.")
    i = int(m.group(1))
    qs = doc.get("questions") if isinstance(doc.get("questions"), list) else []
    qid = qs[i - 1].get("id") if 0 < i <= len(qs) and isinstance(qs[i - 1], dict) else None
    return f"question {i}" + (f" (\u201c{qid}\u201d)" if qid else "") + (f", {m.group(2)}" if m.group(2) else "") + f": {m.group(3)}"


@bp.get("/events/<event_id>/surveys/<survey_id>/answers.csv")
@staff_required("organiser")
def survey_csv(event_id, survey_id):
    store = get_store()
    survey = store.survey(event_id, survey_id)
    text = answers_csv(survey, store.answers(event_id, survey_id), store.load(event_id).by_id())
    return Response("\ufeff" + text, mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename={event_id}-{survey_id}-answers.csv",
                             "Cache-Control": "no-store"})  # fmt: skip
