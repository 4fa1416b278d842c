"""A survey in the reader's language: the built-in texts translated, an organiser's own texts never.

The built-in surveys (:mod:`.builtin`) mark every text for extraction; the catalogues hold their
translations. An organiser's copy is a new version with texts they wrote (perhaps in the event's
own language): running those through the catalogue could turn a text that happens to equal a
catalogue entry into something the organiser never wrote. So the rule is per survey version:

- a version whose every text (title, intro, each question's text, scale words and option
  labels) is the built-in text of the same kind at the same place (same question id, same option
  id) is shown translated; removing questions, reordering them or changing ``required`` keeps it so;
- any other version (one text edited, a question or option added) is shown exactly as stored,
  in every language.

Only the words change: ids, types and versions stay, so the answers store the same values
whatever language the page was in.
"""

from __future__ import annotations

from dataclasses import replace

from scheduler.domain.language import Language
from scheduler.surveys.builtin import BUILTIN
from scheduler.surveys.model import Option, Question, Survey

_BY_KIND = {s.kind: s for s in BUILTIN.values()}


def builtin_words(survey: Survey) -> bool:
    """Whether every text of ``survey`` is the built-in survey's of its kind at the same place."""
    ref = _BY_KIND.get(survey.kind)
    if ref is None or (survey.title, survey.intro) != (ref.title, ref.intro):
        return False
    known = {q.id: q for q in ref.questions}
    for q in survey.questions:
        r = known.get(q.id)
        if r is None or (q.type, q.text, q.scale_labels) != (r.type, r.text, r.scale_labels):
            return False
        labels = {o.id: o.label for o in r.options}
        if any(labels.get(o.id) != o.label for o in q.options):
            return False
    return True


def in_language(survey: Survey, lang: Language) -> Survey:
    """``survey`` as a reader of ``lang`` sees it: translated when its texts are the built-in ones
    (:func:`builtin_words`), else unchanged (an organiser's words, in every language)."""
    if lang.code == "en" or not builtin_words(survey):
        return survey
    t = lang.gettext
    return replace(survey, title=t(survey.title), intro=t(survey.intro) if survey.intro else "",
                   questions=tuple(_question(q, lang) for q in survey.questions))  # fmt: skip


def _question(q: Question, lang: Language) -> Question:
    t = lang.gettext
    low, high = q.scale_labels
    return replace(q, text=t(q.text), scale_labels=(t(low) if low else "", t(high) if high else ""),
                   options=tuple(Option(o.id, t(o.label)) for o in q.options))  # fmt: skip


def option_label(label: str, lang: Language) -> str:
    """A built-in option's label (as the report's figures hold it) in ``lang``."""
    return lang.gettext(label) if label else label
