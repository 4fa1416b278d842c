"""Compatibility scores with reasons, recommendations, damping, diversity, auto-fill."""

from __future__ import annotations

import random

from scheduler.domain.timegrid import allowed_map
from scheduler.files.formats import parse_event_document
from scheduler.files.generator import generate_event
from scheduler.matching import scores as matching
from scheduler.solving.problem import build_problem, pair_weight
from tests.builders import build, person


def tech(pid, offers, **kw):
    return person(pid, "tech", offers=offers, **kw)


def trad(pid, needs, **kw):
    return person(pid, "traditional", needs=needs, **kw)


def test_synonyms_meet_and_reasons_say_why():
    data = build([trad("t1", ["defect-detection"], sectors=["textiles"], languages=["pt", "en"]),
                  tech("s1", ["quality-inspection"], sectors=["textiles"], languages=["pt", "en"])])
    sc = matching.Scorer(data)
    assert sc.reasons("t1", "s1") == (
        "offers quality-inspection, which t1 SME needs", "has worked in textiles", "both speak Portuguese",
    )
    assert sc.score("t1", "s1") > 0.8


def test_a_broader_offer_is_close_not_exact():
    data = build([trad("t1", ["quality-inspection"]), tech("s1", ["computer-vision"]),
                  tech("s2", ["quality-inspection"])])
    sc = matching.Scorer(data)
    assert sc.reasons("t1", "s1") == ("offers computer-vision, close to quality-inspection which t1 SME needs",)
    assert 0 < sc.score("t1", "s1") < sc.score("t1", "s2")


def test_unrelated_profiles_are_not_recommended():
    data = build([trad("t1", ["chatbots"]), tech("s1", ["robotics"])])
    assert matching.Scorer(data).score("t1", "s1") == 0
    assert matching.recommend(data) == {"t1": []}


def test_no_common_slot_means_no_recommendation():
    # Auckland's working day is the Brussels night
    data = build([trad("t1", ["robotics"]), tech("s1", ["robotics"], tz="Pacific/Auckland"),
                  tech("s2", ["robotics"])])
    sc = matching.Scorer(data)
    assert sc.score("t1", "s1") == 0
    assert "no common slot in both working hours" in sc.reasons("t1", "s1")
    assert [m.partner for m in matching.recommend(data)["t1"]] == ["s2"]


def test_descriptions_count_through_tfidf():
    data = build([
        trad("t1", [], description="We weave wool fabric and lose money on loom defects and broken yarn."),
        tech("s1", [], description="Cameras spot loom defects and broken yarn in wool fabric in real time."),
        tech("s2", [], description="Chatbots for hotel reception desks and tourism booking."),
    ])
    sc = matching.Scorer(data)
    assert sc.score("t1", "s1") > 0 and sc.score("t1", "s2") == 0
    assert any(r.startswith("similar descriptions") for r in sc.reasons("t1", "s1"))


def popular_world():
    # Everyone needs robotics and their own niche; P does robotics in everyone's
    # sector and language, each niche provider only their own niche.
    people, niches = [], ["traceability", "chatbots", "cybersecurity", "energy-optimisation", "demand-forecasting"]
    for i, n in enumerate(niches):
        people.append(trad(f"t{i}", ["robotics", n], sectors=["metalworking"], languages=["de"]))
        people.append(tech(f"n{i}", [n], sectors=["metalworking"]))
    people.append(tech("P", ["robotics"], sectors=["metalworking"], languages=["de"]))
    return build(people)


def test_a_popular_provider_is_damped():
    data = popular_world()
    undamped = matching.recommend(data, per_participant=1, damping=0.0)
    assert all(ms[0].partner == "P" for ms in undamped.values())
    damped = matching.recommend(data, per_participant=2)
    assert all(ms[0].partner != "P" for ms in damped.values())  # no longer first for anyone
    assert all("P" in [m.partner for m in ms] for ms in damped.values())  # still proposed


def test_diversity_caps_providers_of_one_technology():
    people = [trad("t1", ["robotics", "chatbots"])]
    people += [tech(f"r{i}", ["robotics"]) for i in range(5)]
    people += [tech(f"c{i}", ["chatbots"]) for i in range(2)]
    got = [m.partner for m in matching.recommend(build(people), per_participant=5)["t1"]]
    assert sum(p.startswith("r") for p in got) == matching.SAME_TECH_CAP
    assert sum(p.startswith("c") for p in got) == 2


def test_autofill_lifts_every_traditional_sme_to_k_where_partners_exist():
    data = parse_event_document(generate_event(120, seed=9))
    k = 6
    recs = matching.recommend(data, k + 5, exclude=[(r.sender, r.receiver) for r in data.requests])
    live = [(r.sender, r.receiver) for r in data.requests]
    fill = matching.autofill(data, k, recs, live)
    count = {p.id: 0 for p in data.participants}
    for pr in data.pairs():
        count[pr.a] += 1
        count[pr.b] += 1
    filled = {(t, s) for t, s, _ in fill}
    for t, _s in filled:
        count[t] += 1
    short = [p for p in data.participants if p.kind == "traditional" and count[p.id] < k]
    # whoever stays short has no recommendable partner left: every one was proposed
    for p in short:
        assert [m.partner for m in recs[p.id] if (p.id, m.partner) not in filled] == []
    assert len(short) < 0.05 * sum(p.kind == "traditional" for p in data.participants)
    assert fill


def test_weights_follow_priority_mutuality_acceptance_and_score():
    assert pair_weight(1, False) == 12 and pair_weight(3, False) == 5
    assert pair_weight(1, True) == 18
    assert pair_weight(2, False, accepted=True) == 11
    assert pair_weight(2, False, imposed=True) == 18
    assert pair_weight(2, False, score=1.0) == 12 and pair_weight(2, False, score=0.5) == 10


def test_solver_weights_include_the_score():
    data = build([trad("t1", ["robotics"]), tech("s1", ["robotics"]), tech("s2", ["chatbots"])],
                 [("t1", "s1", 2), ("t1", "s2", 2)])
    prob = build_problem(data)
    w = {pr.key: pr.weight for pr in prob.pairs}
    assert w[("s1", "t1")] > w[("s2", "t1")] == 8


def test_scores_of_wanted_pairs_equal_the_full_scorer_to_the_bit(sample_doc):
    # the solver scores only the wanted pairs (linear memory); they must be the Scorer's numbers,
    # descriptions (TF-IDF) included, for pairs in either order, same-kind and unknown ones too
    doc = generate_event(200, seed=7)
    words = "loom defect yarn wool fabric camera edge forecast demand hotel chatbot kiln tile wine".split()
    rng = random.Random(7)
    for p in doc["participants"]:
        if rng.random() < 0.7:
            p["description"] = " ".join(rng.choices(words, k=rng.randint(3, 12)))
    for data in (parse_event_document(doc), parse_event_document(sample_doc)):
        allowed = allowed_map(data)
        ids = [p.id for p in data.participants] + ["nobody"]
        keys = [pr.key for pr in data.pairs()] + [(rng.choice(ids), rng.choice(ids)) for _ in range(500)]
        full = matching.pair_scores(data, keys, matching.Scorer(data, allowed))
        assert matching.scores_of(data, keys, allowed) == full
        assert any(0 < v < 1 for v in full.values())
