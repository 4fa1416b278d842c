"""The survey shapes: built-in surveys are valid and round-trip; answers are checked in plain words."""

from __future__ import annotations

import pytest

from scheduler.domain.errors import InvalidInput
from scheduler.surveys.builtin import BUILTIN, OUTCOMES
from scheduler.surveys.model import check_answers, check_survey, survey_from_dict, survey_to_dict


@pytest.mark.parametrize("sid", sorted(BUILTIN))
def test_builtin_surveys_are_valid_and_round_trip(sid):
    survey = BUILTIN[sid]
    check_survey(survey)
    assert survey_from_dict(survey_to_dict(survey)) == survey


def test_the_outcome_ladder_is_in_order():
    assert [o for o, _ in OUTCOMES] == ["no_contact", "valuable_contact", "negotiation", "agreement"]


def test_answers_are_normalised():
    got = check_answers(BUILTIN["adoption"], {"technologies": ["ai", "iot", "ai"], "readiness": "3",
                                              "main_threat": ["cost"], "comments": "  Plus de formation  "},
                        "traditional")  # fmt: skip
    assert got == {"technologies": ("ai", "iot"), "readiness": 3, "main_threat": "cost",
                   "comments": "Plus de formation"}  # fmt: skip


def test_every_wrong_answer_is_named_by_question():
    with pytest.raises(InvalidInput) as err:
        check_answers(BUILTIN["adoption"], {"technologies": ["x"], "sectors_served": ["agrifood"],
                                            "readiness": 9, "comments": "a\x1bb\u202e"}, "traditional")  # fmt: skip
    paths = {p.path: p.message for p in err.value.problems}
    assert set(paths) == {"adoption.technologies", "adoption.sectors_served", "adoption.readiness",
                          "adoption.comments"}  # fmt: skip
    assert "not a question" in paths["adoption.sectors_served"]  # a tech SME's question
    assert "1 to 5" in paths["adoption.readiness"]
    assert "control character" in paths["adoption.comments"]


def test_required_questions_are_asked_for():
    with pytest.raises(InvalidInput, match="feedback.took_place: please answer"):
        check_answers(BUILTIN["feedback"], {"useful": 4})


def test_a_broken_copy_is_refused_with_every_problem():
    doc = survey_to_dict(BUILTIN["feedback"])
    doc["id"] = "Feedback 2"
    doc["questions"][0]["options"] = [{"id": "yes", "label": "Yes"}]
    doc["questions"][1]["id"] = doc["questions"][2]["id"]
    with pytest.raises(InvalidInput) as err:
        survey_from_dict(doc)
    assert {p.path for p in err.value.problems} == {"survey.id", "survey.questions[1].options", "survey.questions[3].id"}
