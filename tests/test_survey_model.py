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


def test_the_store_keeps_versions_and_answers(tmp_path):
    from datetime import UTC, datetime

    from scheduler.files.formats import parse_event_document
    from scheduler.files.generator import generate_event
    from scheduler.store import Store
    from scheduler.surveys.model import Answer

    now = datetime(2027, 3, 26, 18, tzinfo=UTC)
    with Store(tmp_path / "s.db") as store:
        data = parse_event_document(generate_event(10, seed=1))
        store.save_event(data)
        ev = data.event.id
        assert store.surveys(ev)["feedback"] == BUILTIN["feedback"]
        doc = survey_to_dict(BUILTIN["feedback"])
        doc["title"] = "Votre rendez-vous ?"
        mine = store.save_survey(ev, survey_from_dict(doc), actor="org", now=now)
        assert mine.version == 2 and store.survey(ev, "feedback").title == "Votre rendez-vous ?"
        assert store.survey(ev, "feedback", version=1) == BUILTIN["feedback"]
        pid = data.participants[0].id
        values = check_answers(mine, {"took_place": "yes", "useful": "4"})
        store.save_answer(Answer(ev, "feedback", 2, pid, values, now, meeting_id="m1"), actor=pid)
        store.save_answer(Answer(ev, "feedback", 2, pid, {**values, "useful": 5}, now, meeting_id="m1"), actor=pid)
        [got] = store.answers(ev, "feedback")
        assert got.values == {"took_place": "yes", "useful": 5} and got.meeting_id == "m1"
        assert store.answered(ev, "feedback") == {(pid, "m1")}
        with pytest.raises(InvalidInput, match="reminder"):
            store.set_round(ev, "feedback", now, [now], actor="org")
