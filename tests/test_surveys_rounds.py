"""Survey rounds on a hand-made event: who is asked, who is due which message, never twice, never to
someone who answered, reminders only to who has not answered, versions, and the default dates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from scheduler.domain.errors import InvalidInput
from scheduler.domain.model import Meeting, Schedule
from scheduler.invitations.surveymail import queue_survey_mail
from scheduler.surveys.builtin import BUILTIN
from scheduler.surveys.model import Answer, survey_from_dict, survey_to_dict
from scheduler.surveys.rounds import (
    Round,
    add_months,
    audience,
    counts,
    default_rounds,
    due_message,
    parse_when,
)
from tests.builders import build, person

EV = "ev-test"
BRU = "Europe/Brussels"
SENDER = "events@cluster.example"
BASE = "http://127.0.0.1:9"


def at(h: int, mi: int = 0, day: int = 26) -> datetime:
    """A time on the event's day, 2027-03-26 (Brussels is UTC+1 that day)."""
    return datetime(2027, 3, day, h - 1, mi, tzinfo=UTC)


PEOPLE = [person("t-1"), person("t-2"), person("s-1"), person("s-2"), person("s-mute", email="")]
MEETINGS = (
    Meeting("m-1", "t-1", "s-1", at(9), at(9, 25), 1, status="held"),
    Meeting("m-2", "t-2", "s-1", at(9, 30), at(9, 55), 1, status="cancelled"),
    Meeting("m-3", "t-2", "s-2", at(10), at(10, 25), 1, status="no_show"),
    Meeting("m-4", "t-1", "s-2", at(10, 30), at(10, 55), 1),  # never marked: counts as held once over
    Meeting("m-5", "t-1", "s-mute", at(11), at(11, 25), 1),  # s-mute has no e-mail address
)
AFTER = at(14)


@pytest.fixture
def world(store):
    data = build(PEOPLE)
    store.save_event(data)
    store.save_schedule(Schedule(EV, MEETINGS))
    return store, data


def test_the_audience_of_each_survey(world):
    store, data = world
    meetings = store.meetings(EV)
    assert audience(BUILTIN["adoption"], data, meetings, AFTER, by_mail=True) == {
        p: ("",) for p in ("t-1", "t-2", "s-1", "s-2")}  # fmt: skip
    assert set(audience(BUILTIN["adoption"], data, meetings, AFTER)) == {"t-1", "t-2", "s-1", "s-2", "s-mute"}
    assert audience(BUILTIN["feedback"], data, meetings, AFTER, by_mail=True) == {
        "t-1": ("m-1", "m-4", "m-5"), "s-1": ("m-1",), "t-2": ("m-3",), "s-2": ("m-3", "m-4")}  # fmt: skip
    assert audience(BUILTIN["followup"], data, meetings, AFTER, by_mail=True) == {
        "t-1": ("m-1", "m-4", "m-5"), "s-1": ("m-1",), "s-2": ("m-4",)}  # fmt: skip
    # s-mute has no address: no mail, but asked on its page all the same
    assert audience(BUILTIN["followup"], data, meetings, AFTER)["s-mute"] == ("m-5",)
    # before m-4 ended it is asked about by nobody
    assert audience(BUILTIN["feedback"], data, meetings, at(10, 40)) == {
        "t-1": ("m-1",), "s-1": ("m-1",), "t-2": ("m-3",), "s-2": ("m-3",)}  # fmt: skip


def test_due_message_steps():
    rnd = Round("feedback", "", at(13), (at(14), at(15)))
    assert due_message(rnd, at(12), {}) is None  # not yet
    assert due_message(rnd, at(13), {}) == 0
    assert due_message(rnd, at(13, 30), {0: at(13)}) is None
    assert due_message(rnd, at(14), {0: at(13)}) == 1
    assert due_message(rnd, at(14, 30), {0: at(13), 1: at(14)}) is None
    assert due_message(rnd, at(16), {0: at(13)}) == 2  # two came due at once: only the last
    assert due_message(rnd, at(16), {0: at(13), 2: at(16)}) is None
    assert due_message(rnd, at(16), {0: at(14, 30)}) == 2  # invited after reminder 1's time: not reminded by it


def outbox(store) -> list[tuple[str, str, int]]:
    return sorted((r["participant_id"], r["meeting_id"], r["sequence"]) for r in store.outbox(EV) if r["kind"] == "survey")


def test_invitations_then_reminders_only_to_who_owes_answers_and_never_twice(world):
    store, data = world
    store.set_round(EV, "feedback", at(13), [at(13, day=27), at(13, day=28)], actor="t")
    store.set_round(EV, "adoption", at(8), [], actor="t")
    assert queue_survey_mail(store, EV, BASE, at(7), SENDER) == (0, [])
    # s-2 answers the adoption survey before it goes out: never invited to it
    store.save_answer(Answer(EV, "adoption", 1, "s-2", {"sectors_served": ("health",)}, at(7, 30)), actor="s-2")
    queued, skipped = queue_survey_mail(store, EV, BASE, at(8), SENDER)
    assert (queued, skipped) == (3, [])
    assert outbox(store) == [(p, "survey:adoption:", 0) for p in ("s-1", "t-1", "t-2")]
    assert queue_survey_mail(store, EV, BASE, at(12), SENDER)[0] == 0  # nothing new: never twice

    queue_survey_mail(store, EV, BASE, at(13), SENDER)
    fb = [row for row in outbox(store) if row[1] == "survey:feedback:"]
    assert fb == [(p, "survey:feedback:", 0) for p in ("s-1", "s-2", "t-1", "t-2")]
    # s-1 answers its one meeting, t-1 only one of its three, s-2 both of its own
    for pid, mid in (("s-1", "m-1"), ("t-1", "m-1"), ("s-2", "m-3"), ("s-2", "m-4")):
        store.save_answer(Answer(EV, "feedback", 1, pid, {"took_place": "yes"}, at(15), meeting_id=mid), actor=pid)
    assert queue_survey_mail(store, EV, BASE, at(12, day=27), SENDER)[0] == 0  # the reminder is not due yet
    assert queue_survey_mail(store, EV, BASE, at(13, day=27), SENDER)[0] == 2
    assert [r for r in outbox(store) if r[2] == 1] == [("t-1", "survey:feedback:", 1), ("t-2", "survey:feedback:", 1)]
    assert queue_survey_mail(store, EV, BASE, at(13, day=27), SENDER)[0] == 0
    store.save_answer(Answer(EV, "feedback", 1, "t-2", {"took_place": "no"}, at(9, day=28), meeting_id="m-3"),
                      actor="t-2")  # fmt: skip
    assert queue_survey_mail(store, EV, BASE, at(14, day=28), SENDER)[0] == 1
    assert [r for r in outbox(store) if r[2] == 2] == [("t-1", "survey:feedback:", 2)]
    # survey mail announces no meeting: the invite code still sees an unpublished event
    assert not store.published(EV) and store.announced(EV) == set() and store.notified(EV) == set()
    c = counts(audience(BUILTIN["feedback"], data, store.meetings(EV), AFTER), store.answered(EV, "feedback"))
    assert (c.asked, c.answered, c.partly, c.answers) == (5, 3, 1, 5)  # s-mute, asked on its page, has not answered


def test_the_message_names_the_meetings_and_carries_the_personal_link(world):
    import email
    from email import policy

    store, data = world
    store.set_round(EV, "feedback", at(13), [], actor="t")
    queue_survey_mail(store, EV, BASE, at(13), SENDER)
    row = next(r for r in store.outbox(EV) if r["participant_id"] == "t-2")
    msg = email.message_from_string(row["message"], policy=policy.default)
    text = msg.get_body(("plain",)).get_content()
    assert str(msg["Subject"]) == "How was your meeting? (Test event)"
    assert "your meeting with s-2 SME on Fri 26 Mar 10:00 (Europe/Brussels)" in text
    assert f"{BASE}/p/{store.tokens(EV)['t-2']}/surveys/feedback" in text
    assert "s-1 SME" not in text  # the cancelled meeting m-2 is not asked about
    html = msg.get_body(("html",)).get_content()
    assert f'href="{BASE}/p/{store.tokens(EV)["t-2"]}/surveys/feedback"' in html


def test_a_new_version_is_used_from_then_on_and_old_answers_keep_theirs(world):
    store, _ = world
    store.save_answer(Answer(EV, "feedback", 1, "t-1", {"took_place": "yes"}, at(15), meeting_id="m-1"), actor="t-1")
    doc = survey_to_dict(BUILTIN["feedback"])
    doc["questions"][1]["text"] = "Was it worth your time?"
    saved = store.save_survey(EV, survey_from_dict(doc), actor="olga", now=at(16))
    assert saved.version == 2 and store.survey(EV, "feedback").question("useful").text == "Was it worth your time?"
    assert store.survey(EV, "feedback", 1) == BUILTIN["feedback"]
    assert [a.version for a in store.answers(EV, "feedback")] == [1]


def test_default_rounds_follow_the_event_clock_across_summer_time(world):
    _, data = world
    planned = {(r.survey_id, r.wave): r for r in default_rounds(BUILTIN, data, at(8, day=1))}
    end = at(13)  # the last session ends at 13:00 Brussels (UTC+1)
    assert planned["feedback", ""] == Round("feedback", "", end, (end + timedelta(days=1),))
    m3 = datetime(2027, 6, 26, 11, tzinfo=UTC)  # 13:00 Brussels in summer (UTC+2)
    assert planned["followup", "m3"] == Round("followup", "m3", m3, (m3 + timedelta(days=7),))
    assert planned["followup", "m6"].send_at == datetime(2027, 9, 26, 11, tzinfo=UTC)
    assert planned["adoption", ""] == Round("adoption", "", at(8, day=1), (at(8, day=8),))
    # planned four days before the event: the reminder comes the day before it
    assert planned_for(data, at(9, day=22))["adoption", ""].reminders == (at(9, day=25),)
    assert add_months(datetime(2027, 1, 31, 12, tzinfo=UTC), 1, BRU) == datetime(2027, 2, 28, 12, tzinfo=UTC)


def planned_for(data, now):
    return {(r.survey_id, r.wave): r for r in default_rounds(BUILTIN, data, now)}


def test_round_times_are_checked(world):
    store, data = world
    assert parse_when("2027-04-01 09:00", BRU, "x") == datetime(2027, 4, 1, 7, tzinfo=UTC)
    assert parse_when("2027-04-01T09:00+00:00", BRU, "x") == datetime(2027, 4, 1, 9, tzinfo=UTC)
    with pytest.raises(InvalidInput, match="feedback, reminder 1: '1 April' is not a date and time"):
        parse_when("1 April", BRU, "feedback, reminder 1")
    with pytest.raises(InvalidInput, match="each reminder must come after the invitation"):
        store.set_round(EV, "feedback", at(13), [at(12)], actor="t")
    with pytest.raises(InvalidInput, match=r"followup \(followup\) is sent in 'm3' or 'm6', not ''"):
        store.set_round(EV, "followup", at(13), [], actor="t")
    with pytest.raises(InvalidInput, match="feedback .feedback. is sent in no wave"):
        store.set_round(EV, "feedback", at(13), [], wave="m3", actor="t")


def test_a_non_ascii_name_reads_back_exactly():
    import email
    from email import policy

    from scheduler.domain.model import Participant
    from scheduler.invitations.surveymail import survey_message

    data = build(PEOPLE)
    me = Participant("t-9", "Indústria Açoriana de Conservas, Lda", "traditional", BRU, email="geral@açores.example",
                     contact="João Gonçalves")  # fmt: skip
    msg = survey_message(data.event, BUILTIN["adoption"], me, f"{BASE}/p/tok/surveys/adoption", 1, [], at(9),
                         "Cluster Açores <events@cluster.example>")  # fmt: skip
    parsed = email.message_from_string(msg.as_string(), policy=policy.default)
    assert parsed["To"].addresses[0].display_name == "Indústria Açoriana de Conservas, Lda"
    assert parsed["To"].addresses[0].addr_spec == "geral@" + "açores.example".encode("idna").decode()  # the xn-- form
    assert parsed["From"].addresses[0].display_name == "Cluster Açores"
    assert str(parsed["Subject"]) == "Reminder: Technology adoption: opportunities and threats (Test event)"
    text = parsed.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert text.startswith("Dear João Gonçalves,\n\nA short reminder")
