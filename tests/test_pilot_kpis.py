"""The pilot's figures on small hand-made events whose right answers are worked out by hand in
the comments: the request and meeting funnel (cancelled and no-show meetings), meetings per
participant, cross-border over known countries (an unknown country counted apart), the country
matrix, clusters, the technology gap, and the survey findings with the minimum group size."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from scheduler.domain.model import Meeting
from scheduler.reporting.findings import MIN_GROUP, OTHER, Share
from scheduler.reporting.kpis import kpis
from scheduler.reporting.pilot import Bin, ClusterRow, CountryPair, TechRow, pilot_figures
from scheduler.surveys.model import Answer
from tests.builders import build, person

T0 = datetime(2027, 3, 26, 8, 0, tzinfo=UTC)

#: 4 traditional, 3 tech SMEs; t3 has no country; t4 and s3 no cluster
PEOPLE = [
    person("t1", country="BE", cluster="A", sectors=["agrifood"], needs=["ai", "iot"]),
    person("t2", country="FR", cluster="A", sectors=["agrifood"], needs=["ai"]),
    person("t3", country="", cluster="B", needs=["robotics"]),
    person("t4", country="BE", needs=["ai"]),
    person("s1", country="BE", cluster="B", offers=["ai"]),
    person("s2", country="DE", cluster="C", offers=["iot", "robotics"]),
    person("s3", country="FR", offers=["ai"]),
]
#: 8 requests: 3 accepted + 1 imposed = 4 accepted, 1 declined
STATUSES = {("t1", "s1"): "accepted", ("t1", "s2"): "accepted", ("t1", "s3"): "imposed", ("t2", "s1"): "pending",
            ("t2", "s2"): "accepted", ("t3", "s2"): "pending", ("t4", "s1"): "declined", ("t4", "s2"): "withdrawn"}  # fmt: skip


def meeting(mid: str, a: str, b: str, status: str, slot: int) -> Meeting:
    start = T0 + timedelta(minutes=30 * slot)
    return Meeting(mid, a, b, start, start + timedelta(minutes=25), 1, status)  # type: ignore[arg-type]


#: taking place: m1, m2, m4, m6, m7 (5); m3 is a no-show, m5 cancelled. m4 puts the known country
#: first (DE, then t3's unknown one): the old KPI counted it as cross-border.
MEETINGS = (
    meeting("m1", "t1", "s1", "held", 0),  # BE-BE
    meeting("m2", "t1", "s2", "held", 1),  # BE-DE
    meeting("m3", "t2", "s1", "no_show", 0),  # FR-BE, does not count
    meeting("m4", "s2", "t3", "scheduled", 0),  # DE-?: unknown
    meeting("m5", "t4", "s1", "cancelled", 2),
    meeting("m6", "t2", "s2", "moved", 2),  # FR-DE
    meeting("m7", "t1", "s3", "held", 2),  # BE-FR
)


def event():
    data = build(PEOPLE, list(STATUSES))
    return replace(data, requests=tuple(replace(r, status=STATUSES[(r.sender, r.receiver)]) for r in data.requests))


def ans(survey: str, pid: str, meeting: str = "", wave: str = "", **values) -> Answer:
    values = {k: tuple(v) if isinstance(v, list) else v for k, v in values.items()}
    return Answer("ev-test", survey, 1, pid, values, T0 + timedelta(days=1), meeting, wave)


#: 6 answers of 5 respondents (t1 twice): took place yes 5, no 1; useful 5, 4, 3, 4, 2 (mean 3.6);
#: next steps over 4: call 2, visit 1, none 1
FEEDBACK = [
    ans("feedback", "t1", "m1", took_place="yes", useful=5, next_step="call"),
    ans("feedback", "s1", "m1", took_place="yes", useful=4, next_step="visit"),
    ans("feedback", "t1", "m2", took_place="yes", useful=3, next_step="none"),
    ans("feedback", "s2", "m2", took_place="yes", useful=4, next_step="call"),
    ans("feedback", "t2", "m3", took_place="no"),
    ans("feedback", "s3", "m7", took_place="yes", useful=2),
]
#: m3 wave, 5 respondents, 4 meetings: m1 agreement (s1 says so; t1 only valuable contact), m2 no
#: contact, m6 valuable contact, m7 agreement. Kinds over m1 and m7: pilot project 2, purchase 1.
#: m6 wave: 3 respondents, under the minimum group.
FOLLOWUP = [
    ans("followup", "t1", "m1", "m3", outcome="valuable_contact"),
    ans("followup", "s1", "m1", "m3", outcome="agreement", agreement_kind=["pilot_project"]),
    ans("followup", "t1", "m2", "m3", outcome="no_contact"),
    ans("followup", "s2", "m2", "m3", outcome="no_contact"),
    ans("followup", "s3", "m7", "m3", outcome="agreement", agreement_kind=["technology_purchase", "pilot_project"]),
    ans("followup", "t2", "m6", "m3", outcome="valuable_contact"),
    ans("followup", "t1", "m1", "m6", outcome="agreement"),
    ans("followup", "s1", "m1", "m6", outcome="agreement"),
    ans("followup", "t2", "m6", "m6", outcome="negotiation"),
]


def figures(answers=(*FEEDBACK, *FOLLOWUP)):
    return pilot_figures(event(), MEETINGS, {"t1", "s1", "ghost"}, None, answers)


def test_funnel_counts_requests_and_meetings_by_status():
    f = figures().funnel
    assert (f.requests, f.accepted, f.declined) == (8, 4, 1)
    # 7 meetings, 1 cancelled: 6 scheduled = 3 held + 1 no-show + 2 not yet marked (m4, m6)
    assert (f.scheduled, f.held, f.no_show, f.cancelled, f.unmarked) == (6, 3, 1, 1, 2)
    assert f.no_show_share == 1 / 4


def test_reach_counts_meetings_taking_place_per_participant():
    r = figures().reach
    # t1: m1 m2 m7 = 3; t2: m6; t3: m4; t4: 0; s1: m1; s2: m2 m4 m6 = 3; s3: m7
    assert r.per_participant == (Bin(0, 1, 0), Bin(1, 2, 2), Bin(2, 0, 0), Bin(3, 1, 1))
    assert r.mean_meetings == pytest.approx(10 / 7)
    assert (r.participants, r.traditional, r.tech, r.checked_in) == (7, 4, 3, 2)
    assert (r.traditional_1, r.traditional_3, r.traditional_1_share) == (3, 1, 3 / 4)


def test_cross_border_counts_an_unknown_country_apart_and_fills_the_matrix():
    c = figures().cross_border
    assert (c.known, c.cross, c.unknown, c.share) == (4, 3, 1, 3 / 4)
    assert c.countries == ("BE", "DE", "FR")
    assert c.pairs == (CountryPair("BE", "BE", 1), CountryPair("BE", "DE", 1), CountryPair("BE", "FR", 1),
                       CountryPair("DE", "FR", 1))  # fmt: skip
    assert c.matrix() == ((1, 1, 1), (1, 0, 1), (1, 1, 0))


def test_the_console_tiles_no_longer_count_an_unknown_country_as_cross_border():
    k = kpis(event(), MEETINGS)
    assert (k["meetings"], k["held"], k["no_show"], k["accepted"]) == (5, 3, 1, 4)
    assert k["cross_border_share"] == 3 / 4 and k["unknown_country"] == 1  # was 4 / 5 with m4 as cross-border


def test_clusters_and_technology_gap_from_the_profiles():
    f = figures()
    assert f.clusters == (
        ClusterRow("A", 2, 2, 2, 4),  # t1 t2: m1 m2 m6 m7
        ClusterRow("C", 1, 0, 1, 3),  # s2: m2 m4 m6
        ClusterRow("B", 2, 1, 2, 2),  # t3 s1: m4 m1
        ClusterRow("(no cluster)", 2, 1, 1, 1),  # t4 s3: m7
    )
    # ai: needed by t1 t2 t4, offered by s1 s3 (gap 1); iot and robotics 1 and 1
    assert f.technologies == (TechRow("ai", 3, 2), TechRow("iot", 1, 1), TechRow("robotics", 1, 1))


def test_feedback_scores_by_hand():
    fb = figures().feedback
    assert (fb.respondents, fb.answers, fb.shown) == (5, 6, True)
    assert [(s.option, s.count, s.n) for s in fb.took_place] == [("yes", 5, 6), ("partly", 0, 6), ("no", 1, 6)]
    assert fb.useful_mean == pytest.approx(3.6)
    assert [(s.option, s.count) for s in fb.useful] == [("1", 0), ("2", 1), ("3", 1), ("4", 2), ("5", 1)]
    assert [(s.option, s.count, s.n) for s in fb.next_steps if s.count] == [("none", 1, 4), ("call", 2, 4),
                                                                            ("visit", 1, 4)]  # fmt: skip


def test_outcome_funnel_per_meeting_at_the_highest_level_either_side_reports():
    m3, m6 = figures().waves
    assert (m3.wave, m3.months, m3.respondents, m3.meetings, m3.shown) == ("m3", 3, 5, 4, True)
    assert [(s.option, s.count) for s in m3.levels] == [("no_contact", 1), ("valuable_contact", 1),
                                                         ("negotiation", 0), ("agreement", 2)]  # fmt: skip
    assert [(s.option, s.count, s.n) for s in m3.agreement_kinds] == [("pilot_project", 2, 2),
                                                                      ("technology_purchase", 1, 2)]  # fmt: skip
    assert (m6.respondents, m6.shown, m6.levels, m6.agreement_kinds) == (3, False, (), ())


def test_feedback_under_the_minimum_group_is_suppressed():
    fb = figures(FEEDBACK[:4]).feedback  # t1, s1, s2: 3 respondents
    assert MIN_GROUP == 5
    assert (fb.respondents, fb.shown, fb.took_place, fb.useful, fb.useful_mean, fb.next_steps) == (3, False, (), (), None, ())


# ------------------------------------------------------------------ the adoption survey

#: 12 traditional SMEs: a1-a6 agrifood, a7-a9 textiles, a10-a11 metal, a12 no sector;
#: a1-a5 BE, a6-a9 FR, a10-a12 DE; and 5 tech SMEs
ADOPTERS = ([person(f"a{i}", "traditional", country="BE" if i <= 5 else "FR" if i <= 9 else "DE",
                    sectors=["agrifood"] if i <= 6 else ["textiles"] if i <= 9 else ["metal"] if i <= 11 else [])
             for i in range(1, 13)] + [person(f"p{i}", "tech") for i in range(1, 6)])  # fmt: skip


def adoption_answers(count: int = 12) -> list[Answer]:
    out = []
    for i in range(1, count + 1):
        out.append(ans("adoption", f"a{i}", main_threat="skills" if i <= 4 else "cost",
                       threats=["skills", "cost"] if i <= 6 else ["cost"],
                       opportunities=["productivity", "quality"] if i <= 3 else ["productivity"],
                       technologies=["ai", "iot"] if i <= 4 else ["ai"], support=["training"] if i <= 7 else ["funding"],
                       readiness=4 if i <= 6 else 2))  # fmt: skip
    return out + [ans("adoption", f"p{i}", sectors_served=["agrifood"], client_blockers=["cost"]) for i in range(1, 6)]


def adoption(answers):
    return pilot_figures(build(ADOPTERS), (), (), None, answers).adoption


def ranked(shares: tuple[Share, ...]) -> list[tuple[str, int, int]]:
    return [(s.option, s.count, s.n) for s in shares]


def test_opportunities_and_threats_ranked_overall_by_hand():
    a = adoption(adoption_answers())
    assert (a.respondents, a.tech_respondents, a.readiness_mean) == (12, 5, 3.0)
    g = a.overall
    assert ranked(g.threats) == [("cost", 12, 12), ("skills", 6, 12)]
    assert ranked(g.main_threat) == [("cost", 8, 12), ("skills", 4, 12)]
    assert ranked(g.opportunities) == [("productivity", 12, 12), ("quality", 3, 12)]
    assert ranked(a.technologies) == [("ai", 12, 12), ("iot", 4, 12)]
    assert ranked(a.support) == [("training", 7, 12), ("funding", 5, 12)]
    assert ranked(a.client_blockers) == [("cost", 5, 5)]


def test_small_sectors_and_countries_are_pooled_into_other():
    a = adoption(adoption_answers())
    # agrifood 6 stands alone; textiles 3 + metal 2 + unknown 1 = 6 pool into "other"
    assert [(g.name, g.n) for g in a.by_sector] == [("agrifood", 6), (OTHER, 6)]
    assert ranked(a.by_sector[0].main_threat) == [("skills", 4, 6), ("cost", 2, 6)]
    assert ranked(a.by_sector[1].main_threat) == [("cost", 6, 6)]
    # BE 5 stands alone; FR 4 + DE 3 = 7 pool into "other"
    assert [(g.name, g.n) for g in a.by_country] == [("BE", 5), (OTHER, 7)]
    assert (a.suppressed_sectors, a.suppressed_countries) == (0, 0)


def test_a_pool_under_the_minimum_is_suppressed_and_never_named():
    a = adoption(adoption_answers(9))  # a1-a9: agrifood 6, textiles 3 (alone: suppressed); BE 5, FR 4 (suppressed)
    assert [(g.name, g.n) for g in a.by_sector] == [("agrifood", 6)] and a.suppressed_sectors == 1
    assert [(g.name, g.n) for g in a.by_country] == [("BE", 5)] and a.suppressed_countries == 1


def test_adoption_under_the_minimum_shows_nothing_but_the_count():
    a = adoption(adoption_answers(4)[:4])  # 4 traditional SMEs, no tech SME
    assert (a.respondents, a.overall, a.by_sector, a.by_country, a.technologies, a.support, a.readiness_mean,
            a.client_blockers) == (4, None, (), (), (), (), None, ())  # fmt: skip


def test_an_organisers_copy_counts_by_its_kind_and_other_events_answers_do_not():
    from scheduler.surveys.builtin import FEEDBACK as BUILTIN_FEEDBACK

    copy = replace(BUILTIN_FEEDBACK, id="feedback_short", version=2)
    renamed = [replace(a, survey_id="feedback_short") for a in FEEDBACK]
    f = pilot_figures(event(), MEETINGS, (), {"feedback_short": copy}, [*renamed, replace(FEEDBACK[0], event_id="other")])
    assert (f.feedback.respondents, f.feedback.answers) == (5, 6)
