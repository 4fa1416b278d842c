"""A survey is a versioned list of questions; an answer maps question ids to checked values.

Shapes:

- :class:`Question`: ``id`` (stable across versions, ``[a-z0-9_]``), ``type`` one of
  ``single`` (one option id), ``multiple`` (a tuple of option ids), ``scale`` (an int 1..5),
  ``text`` (a string of at most ``max_length`` characters); ``audience`` limits it to one
  participant kind.
- :class:`Survey`: ``id`` (``adoption``, ``feedback``, ``followup`` for the built-in ones, any
  slug for an organiser's copy), ``kind`` (which of the three a survey is), ``version`` (from 1;
  an edit makes a new version, answers keep the version they answered).
- :class:`Answer`: one participant's answers to one survey, for one meeting when the survey is
  per meeting (``feedback``, ``followup``) and one wave (``m3`` / ``m6`` for the follow-up).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from scheduler.domain.errors import InvalidInput, Problem
from scheduler.domain.language import ENGLISH, N_, Language
from scheduler.domain.model import Kind

QuestionType = Literal["single", "multiple", "scale", "text"]
QUESTION_TYPES: tuple[QuestionType, ...] = ("single", "multiple", "scale", "text")

SurveyKind = Literal["adoption", "feedback", "followup"]
SURVEY_KINDS: tuple[SurveyKind, ...] = ("adoption", "feedback", "followup")

#: The follow-up waves, months after the event (the outcome ladder is asked at each).
WAVES: dict[str, int] = {"m3": 3, "m6": 6}

SCALE_MIN, SCALE_MAX = 1, 5
TEXT_MAX = 2000
QUESTIONS_MAX = 60
OPTIONS_MAX = 40

_ID = re.compile(r"^[a-z][a-z0-9_]{0,39}$")

Value = str | int | tuple[str, ...]


@dataclass(frozen=True)
class Option:
    id: str
    label: str


@dataclass(frozen=True)
class Question:
    id: str
    type: QuestionType
    text: str
    options: tuple[Option, ...] = ()
    required: bool = False
    audience: Kind | None = None
    max_length: int = TEXT_MAX
    #: for ``scale``: the words at 1 and at 5 ("not useful", "very useful")
    scale_labels: tuple[str, str] = ("", "")

    def option_ids(self) -> tuple[str, ...]:
        return tuple(o.id for o in self.options)

    def label(self, option_id: str) -> str:
        return next((o.label for o in self.options if o.id == option_id), option_id)

    def asks(self, kind: Kind | None) -> bool:
        """Whether a participant of ``kind`` is asked this question (None: any kind)."""
        return self.audience is None or kind is None or self.audience == kind


@dataclass(frozen=True)
class Survey:
    id: str
    kind: SurveyKind
    version: int
    title: str
    questions: tuple[Question, ...]
    intro: str = ""
    #: per meeting (feedback, follow-up) or once per participant (adoption)
    per_meeting: bool = False

    def question(self, qid: str) -> Question:
        for q in self.questions:
            if q.id == qid:
                return q
        raise KeyError(qid)

    def for_kind(self, kind: Kind | None) -> tuple[Question, ...]:
        """The questions a participant of ``kind`` sees, in order."""
        return tuple(q for q in self.questions if q.asks(kind))


@dataclass(frozen=True)
class Answer:
    event_id: str
    survey_id: str
    version: int
    participant_id: str
    values: Mapping[str, Value]
    answered_at: datetime
    meeting_id: str = ""
    wave: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)


def clean_text(text: str, limit: int, lang: Language = ENGLISH) -> str:
    """Strip, refuse control characters (other than newline and tab) and bidi overrides, cap length.
    The reason is written in ``lang``.

    Raises:
        ValueError: with a plain-words reason when the text cannot be kept.
    """
    text = unicodedata.normalize("NFC", text).strip()
    if len(text) > limit:
        raise ValueError(lang.gettext(N_("at most {limit} characters (got {got})")).format(limit=limit, got=len(text)))
    for ch in text:
        if ch in "\n\t":
            continue
        cat = unicodedata.category(ch)
        if cat == "Cc" or cat == "Cf" and ch not in "\u200d\u00ad":
            raise ValueError(lang.gettext(N_("contains a control character ({code})")).format(code=f"U+{ord(ch):04X}"))
    return text


def check_answers(survey: Survey, raw: Mapping[str, Any], kind: Kind | None = None,
                  lang: Language = ENGLISH) -> dict[str, Value]:
    """Check raw answers (a form or JSON: strings, lists, ints) against ``survey``.

    Args:
        survey: the version being answered.
        raw: question id -> value; a ``multiple`` takes a list (or one string), a ``scale`` an int
            or a digit string; empty values mean "no answer". Unknown ids are refused.
        kind: the participant's kind; questions for the other kind are refused.
        lang: the language of the messages (the question texts are the ``survey``'s own: pass the
            survey as the reader sees it, :func:`scheduler.surveys.translated.in_language`).

    Returns:
        question id -> checked value (``str`` / ``tuple[str, ...]`` / ``int``), unanswered omitted.

    Raises:
        InvalidInput: every problem found, each named ``<survey>.<question>`` in plain words.
    """
    problems: list[Problem] = []
    out: dict[str, Value] = {}
    asked = {q.id: q for q in survey.for_kind(kind)}
    for qid in raw:
        if qid not in asked:
            problems.append(Problem(f"{survey.id}.{qid}", lang.gettext(N_("is not a question of this survey"))))
    for q in asked.values():
        path = f"{survey.id}.{q.id}"
        value = raw.get(q.id)
        if isinstance(value, list | tuple) and q.type != "multiple":
            value = value[0] if len(value) == 1 else value
        if value is None or value == "" or value == [] or value == ():
            if q.required:
                problems.append(Problem(path, lang.gettext(N_("please answer \u201c{question}\u201d")).format(question=q.text)))
            continue
        try:
            out[q.id] = _check_value(q, value, lang)
        except ValueError as exc:
            problems.append(Problem(path, str(exc)))
    if problems:
        raise InvalidInput(problems, source=survey.title)
    return out


def _check_value(q: Question, value: Any, lang: Language = ENGLISH) -> Value:
    t = lang.gettext
    if q.type == "text":
        if not isinstance(value, str):
            raise ValueError(t(N_("must be text")))
        return clean_text(value, q.max_length, lang)
    if q.type == "scale":
        whole = t(N_("must be a whole number from {low} to {high}")).format(low=SCALE_MIN, high=SCALE_MAX)
        if isinstance(value, bool):
            raise ValueError(whole)
        if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) <= 2:
            value = int(value.strip())
        if not isinstance(value, int) or not SCALE_MIN <= value <= SCALE_MAX:
            raise ValueError(whole)
        return value
    ids = q.option_ids()
    if q.type == "single":
        if not isinstance(value, str) or value not in ids:
            raise ValueError(t(N_("must be one of: {options}")).format(options=", ".join(ids)))
        return value
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not all(isinstance(v, str) for v in items):
        raise ValueError(t(N_("must be a list of options")))
    wrong = [v for v in items if v not in ids]
    if wrong:
        raise ValueError(t(N_("{wrong} not among: {options}")).format(wrong=", ".join(map(repr, wrong[:5])),
                                                                       options=", ".join(ids)))
    seen = dict.fromkeys(items)  # keep the order given, drop repeats
    return tuple(seen)


def check_survey(survey: Survey) -> None:
    """Check an organiser's survey (or copy) before it is stored.

    Raises:
        InvalidInput: ids not ``[a-z][a-z0-9_]*`` (at most 40), repeated ids, unknown types,
            choice questions without options, too many questions or options, bad texts.
    """
    problems: list[Problem] = []
    if not _ID.match(survey.id):
        problems.append(Problem("survey.id", "use lower-case letters, digits and _ (at most 40), starting with a letter"))
    if survey.kind not in SURVEY_KINDS:
        problems.append(Problem("survey.kind", f"must be one of: {', '.join(SURVEY_KINDS)}"))
    if not 1 <= len(survey.questions) <= QUESTIONS_MAX:
        problems.append(Problem("survey.questions", f"between 1 and {QUESTIONS_MAX} questions"))
    for text, path in ((survey.title, "survey.title"), (survey.intro, "survey.intro")):
        try:
            clean_text(text, 2000)
        except ValueError as exc:
            problems.append(Problem(path, str(exc)))
    seen: set[str] = set()
    for i, q in enumerate(survey.questions, 1):
        path = f"survey.questions[{i}]"
        if not _ID.match(q.id):
            problems.append(Problem(f"{path}.id", "use lower-case letters, digits and _ (at most 40), starting with a letter"))
        if q.id in seen:
            problems.append(Problem(f"{path}.id", f"{q.id!r} is used twice"))
        seen.add(q.id)
        if q.type not in QUESTION_TYPES:
            problems.append(Problem(f"{path}.type", f"must be one of: {', '.join(QUESTION_TYPES)}"))
        if not q.text.strip():
            problems.append(Problem(f"{path}.text", "is empty"))
        if q.type in ("single", "multiple"):
            if not 2 <= len(q.options) <= OPTIONS_MAX:
                problems.append(Problem(f"{path}.options", f"between 2 and {OPTIONS_MAX} options"))
            ids = [o.id for o in q.options]
            if len(set(ids)) != len(ids) or not all(_ID.match(o) for o in ids):
                problems.append(Problem(f"{path}.options", "option ids must be distinct slugs (a-z, 0-9, _)"))
        elif q.options:
            problems.append(Problem(f"{path}.options", f"a {q.type} question has no options"))
    if problems:
        raise InvalidInput(problems, source=f"survey {survey.id!r}")


def survey_to_dict(survey: Survey) -> dict[str, Any]:
    """The JSON shape stored in the ``surveys`` table and offered for editing (round-trips)."""
    return {
        "id": survey.id, "kind": survey.kind, "version": survey.version, "title": survey.title,
        "intro": survey.intro, "per_meeting": survey.per_meeting,
        "questions": [
            {"id": q.id, "type": q.type, "text": q.text, "required": q.required,
             "audience": q.audience, "max_length": q.max_length, "scale_labels": list(q.scale_labels),
             "options": [{"id": o.id, "label": o.label} for o in q.options]}
            for q in survey.questions
        ],
    }  # fmt: skip


def survey_from_dict(doc: Mapping[str, Any]) -> Survey:
    """Inverse of :func:`survey_to_dict`; then :func:`check_survey` it.

    Raises:
        InvalidInput: a missing or mistyped field, named by path.
    """
    try:
        questions = tuple(
            Question(id=str(q["id"]), type=q["type"], text=str(q["text"]), required=bool(q.get("required", False)),
                     audience=q.get("audience") or None, max_length=min(int(q.get("max_length") or TEXT_MAX), TEXT_MAX),
                     scale_labels=tuple(q.get("scale_labels") or ("", ""))[:2],  # type: ignore[arg-type]
                     options=tuple(Option(str(o["id"]), str(o["label"])) for o in q.get("options") or ()))
            for q in doc["questions"]
        )  # fmt: skip
        survey = Survey(id=str(doc["id"]), kind=doc["kind"], version=int(doc.get("version") or 1),
                        title=str(doc["title"]), intro=str(doc.get("intro") or ""),
                        per_meeting=bool(doc.get("per_meeting", False)), questions=questions)  # fmt: skip
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidInput(f"survey: missing or wrong field ({exc})") from exc
    check_survey(survey)
    return survey
