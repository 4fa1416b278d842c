"""Participant portal, surveys: answering through the personal link, on a phone.

``/p/<token>/surveys/<survey>`` (and ``/<wave>`` for a follow-up) shows the questions, once for
a survey not per meeting (adoption) and once per meeting asked about (feedback, follow-up) on
one page; the answers are checked (:func:`scheduler.surveys.model.check_answers`), stored in one
transaction, and shown again pre-filled so they stay editable. A survey is open once a round of
it was planned and its invitation time has come. The routes belong to the portal's blueprint
(:data:`.portal.bp`); :func:`webapp.create_app` imports this module before registering it, and
the portal page calls ``survey_calls()`` for its "answer the survey" links."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import abort, g, redirect, render_template, request, url_for
from flask_babel import gettext

from scheduler.domain.errors import InvalidInput, NotFound
from scheduler.surveys.model import Answer, Survey, check_answers
from scheduler.surveys.rounds import audience, owing
from scheduler.surveys.translated import in_language

from .extensions import get_store
from .i18n import page_language
from .live import clock
from .portal import bp

SEP = "|"  # a field is "<meeting id>|<question id>" ("|<question id>" for a survey not per meeting)


def _open_rounds(store) -> set[tuple[str, str]]:
    t = clock()
    return {(r["survey_id"], r["wave"]) for r in store.rounds(g.event_id) if r["send_at"] <= t}


def _items(store, survey: Survey) -> tuple[str, ...]:
    """The meeting ids I am asked about (``('',)`` for a survey not per meeting)."""
    data = store.load(g.event_id)
    return audience(survey, data, store.meetings(g.event_id), clock()).get(g.pid, ())


@bp.app_template_global()
def survey_calls() -> list[dict[str, Any]]:
    """My open surveys as calls to action: ``url``, ``text`` and ``done`` (all answered)."""
    if not getattr(g, "pid", None):
        return []
    store = get_store()
    data = store.load(g.event_id)
    people = data.by_id()
    meetings = {m.id: m for m in store.meetings(g.event_id)}
    surveys = store.surveys(g.event_id)
    out = []
    for sid, wave in sorted(_open_rounds(store)):
        survey = surveys.get(sid)
        if survey is None:
            continue
        asked = audience(survey, data, meetings.values(), clock()).get(g.pid, ())
        if not asked:
            continue
        left = owing({g.pid: asked}, store.answered(g.event_id, sid, wave)).get(g.pid, ())
        others = [people[meetings[m].b if meetings[m].a == g.pid else meetings[m].a].name for m in (left or asked) if m]
        who = ", ".join(others[:3]) + (" " + gettext("and %(num)d more", num=len(others) - 3) if len(others) > 3 else "")
        several = len(others) > 1
        if survey.kind == "feedback":
            text = (gettext("How were your meetings with %(who)s?", who=who) if several
                    else gettext("How was your meeting with %(who)s?", who=who))  # fmt: skip
        elif survey.kind == "followup":
            text = (gettext("What came of your meetings with %(who)s?", who=who) if several
                    else gettext("What came of your meeting with %(who)s?", who=who))  # fmt: skip
        else:
            text = gettext("Answer the survey: %(title)s", title=in_language(survey, page_language()).title)
        out.append({"url": url_for("portal.survey_page", survey_id=sid, wave=wave or None), "text": text,
                    "done": not left})  # fmt: skip
    return out


def _described(store, survey: Survey) -> list[tuple[str, str]]:
    """(meeting id, "Your meeting with X on Fri 26 Mar 10:00") of each meeting I am asked about
    (``[('', '')]`` for a survey not per meeting)."""
    data = store.load(g.event_id)
    people = data.by_id()
    meetings = store.meetings(g.event_id)
    byid = {m.id: m for m in meetings}
    me = people[g.pid]
    out = []
    for mid in audience(survey, data, meetings, clock()).get(g.pid, ()):
        m = byid.get(mid)
        if m is None:
            out.append((mid, ""))
            continue
        other = people[m.b if m.a == g.pid else m.a]
        out.append((mid, gettext("Your meeting with %(name)s on %(when)s", name=other.name,
                            when=page_language().when(m.start, me.timezone, "short"))))
    return out


def _load(survey_id: str, wave: str):
    store = get_store()
    try:
        survey = store.survey(g.event_id, survey_id)
    except NotFound:
        abort(404)
    if wave not in (("m3", "m6") if survey.kind == "followup" else ("",)):
        abort(404)
    return store, survey


@bp.get("/<token>/surveys/<survey_id>", defaults={"wave": ""})
@bp.get("/<token>/surveys/<survey_id>/<wave>")
def survey_page(survey_id: str, wave: str, **_):
    store, survey = _load(survey_id, wave)
    mine = {a.meeting_id: a for a in store.answers(g.event_id, survey.id, g.pid) if a.wave == wave}
    values = {f"{m}{SEP}{q}": v for m, a in mine.items() for q, v in a.values.items()}
    return _render(store, survey, wave, values, {}, thanks=bool(request.args.get("thanks")))


def _render(store, survey: Survey, wave: str, values: dict, errors: dict, thanks: bool = False, status: int = 200):
    me = store.load(g.event_id).by_id()[g.pid]
    is_open = (survey.id, wave) in _open_rounds(store)
    items = _described(store, survey) if is_open else []
    shown = in_language(survey, page_language())  # the built-in words in the page's language, ids unchanged
    return render_template("survey.html", ev=store.event(g.event_id), me=me, survey=shown, wave=wave,
                           questions=shown.for_kind(me.kind), items=items, values=values, errors=errors,
                           thanks=thanks, is_open=is_open, sep=SEP), status  # fmt: skip


@bp.post("/<token>/surveys/<survey_id>", defaults={"wave": ""})
@bp.post("/<token>/surveys/<survey_id>/<wave>")
def survey_answer(survey_id: str, wave: str, **_):
    store, survey = _load(survey_id, wave)
    if (survey.id, wave) not in _open_rounds(store):
        abort(404)
    me = store.load(g.event_id).by_id()[g.pid]
    allowed = set(_items(store, survey))
    questions = {q.id: q for q in survey.for_kind(me.kind)}
    raw: dict[str, dict[str, Any]] = {}
    for name in request.form:
        if name == "csrf_token":
            continue
        mid, _, qid = name.rpartition(SEP)
        if mid not in allowed:
            abort(403)  # not one of my meetings: nobody answers for somebody else's
        got = request.form.getlist(name)
        q = questions.get(qid)
        raw.setdefault(mid, {})[qid] = got if q is not None and q.type == "multiple" else got[0]
    filled = {mid: r for mid, r in raw.items() if any(v not in ("", []) for v in r.values())}
    values = {f"{m}{SEP}{q}": v for m, r in raw.items() for q, v in r.items()}
    if not filled:
        return _render(store, survey, wave, values, {"": [gettext("Please answer at least one question.")]}, status=400)
    now = datetime.now(UTC)
    lang = page_language()
    shown = in_language(survey, lang)  # messages quote the questions as the participant reads them
    checked, errors = [], {}
    for mid, r in filled.items():
        try:
            checked.append(Answer(g.event_id, survey.id, survey.version, g.pid,
                                  check_answers(shown, r, me.kind, lang), now, meeting_id=mid, wave=wave))  # fmt: skip
        except InvalidInput as exc:
            for p in exc.problems:
                qid = p.path.removeprefix(f"{survey.id}.")
                missing = qid in questions and r.get(qid) in (None, "", [])
                errors.setdefault(f"{mid}{SEP}{qid}" if qid in questions else "", []).append(
                    _words(qid, p.message, qid in questions, missing))
    if errors:
        return _render(store, survey, wave, values, errors, status=400)
    store.save_answers(checked, actor=g.pid)
    return redirect(url_for("portal.survey_page", survey_id=survey.id, wave=wave or None, thanks=1))


def _words(qid: str, message: str, asked: bool, missing: bool) -> str:
    """The core's message (already in the page's language) as the participant reads it next to the
    question: ``asked`` whether ``qid`` is one of their questions, ``missing`` whether it was left empty."""
    if missing:
        return gettext("Please answer this question.")
    if not asked:
        return f"{qid!r} {message}."
    return message[:1].upper() + message[1:] + "."
