"""Import validation, all problems at once, and round trips."""

from __future__ import annotations

import copy
import json

import pytest

from scheduler.domain.errors import InvalidInput
from scheduler.files import formats, schedules, sheets, writer
from tests.builders import document, person


def problems_of(doc) -> list[str]:
    with pytest.raises(InvalidInput) as info:
        formats.parse_event_document(doc)
    return [str(p) for p in info.value.problems]


def test_sample_event_parses(sample_doc):
    data = formats.parse_event_document(sample_doc)
    assert len(data.participants) == 10
    assert data.participant("t-001").max_meetings == 4
    pairs = {p.key: p for p in data.pairs()}
    assert pairs[("s-001", "t-001")].mutual and pairs[("s-001", "t-001")].priority == 1
    assert not pairs[("s-003", "t-001")].mutual


@pytest.mark.parametrize(
    "mutate, expected",
    [
        (lambda d: d["participants"][1].update(timezone="Europe/Pariss"),
         "participants[1].timezone: 'Europe/Pariss' is not an IANA time zone"),
        (lambda d: d["event"]["sessions"][0].update(end="08:00"),
         "event.sessions[0]: end is not after start"),
        (lambda d: d["requests"].append({"from": "t-001", "to": "s-999", "priority": 1}),
         "requests[13].to: unknown participant 's-999'"),
        (lambda d: d["participants"].append(dict(d["participants"][0])),
         "participants[10].id: duplicate participant id 't-001'"),
        (lambda d: d["requests"].append({"from": "t-001", "to": "t-002", "priority": 1}),
         "requests[13].to: 't-001' and 't-002' are both traditional SMEs; the event does not allow same-kind meetings"),
        (lambda d: d["event"].update(rooms=2.5),
         "event.rooms: input should be a valid integer (got 2.5)"),
        (lambda d: d["event"]["sessions"][1].update(date="2027-02-30"),
         "event.sessions[1].date: '2027-02-30' is not a date on the calendar"),
        (lambda d: d["event"]["sessions"][1].update(date="29/03/2027"),
         "event.sessions[1].date: '29/03/2027' is not a date written YYYY-MM-DD"),
        (lambda d: d["participants"][2].pop("kind"),
         "participants[2].kind: required field is missing"),
        (lambda d: d["participants"][2].update(working_hours={"start": "9h", "end": "17:00"}),
         "participants[2].working_hours.start: '9h' is not a time of day written HH:MM"),
        (lambda d: d["requests"][0].update(priority=5),
         "requests[0].priority: at most 3 (got 5)"),
        (lambda d: d["requests"].append({"from": "t-001", "to": "s-001", "priority": 1}),
         "requests[13]: duplicate request from 't-001' to 's-001'"),
        (lambda d: d["requests"].append({"from": "t-001", "to": "t-001"}),
         "requests[13].to: 't-001' cannot request a meeting with itself"),
        (lambda d: d["participants"][0].update(email="ana at example"),
         "participants[0].email: 'ana at example' is not an e-mail address: An email address must have an @-sign."),
        (lambda d: d["event"].update(id="ai4 trad"),
         "event.id: 'ai4 trad' is not an identifier (letters, digits, '-', '_')"),
    ],
)
def test_each_mistake_is_named_by_record_and_field(sample_doc, mutate, expected):
    mutate(sample_doc)
    assert problems_of(sample_doc) == [expected]


def test_five_mistakes_are_all_reported(sample_doc):
    bad = five_mistakes(sample_doc)
    assert problems_of(bad) == FIVE_MESSAGES


def five_mistakes(doc):
    doc = copy.deepcopy(doc)
    doc["participants"][1]["timezone"] = "Europe/Pariss"
    doc["event"]["rooms"] = "thirty"
    doc["participants"][3]["available"] = [{"date": "2027-03-26", "start": "11:00", "end": "10:00"}]
    doc["requests"][2]["to"] = "s-404"
    doc["participants"].append(dict(doc["participants"][0], name="Ferreira again"))
    return doc


FIVE_MESSAGES = [
    "event.rooms: input should be a valid integer (got 'thirty')",
    "participants[1].timezone: 'Europe/Pariss' is not an IANA time zone",
    "participants[3].available[0]: end is not after start",
    "participants[10].id: duplicate participant id 't-001'",
    "requests[2].to: unknown participant 's-404'",
]


def test_unknown_fields_are_kept_through_a_round_trip(sample_doc):
    sample_doc["event"]["funder"] = "Interreg Europe"
    sample_doc["participants"][0]["vat"] = "PT123456789"
    out = writer.event_document(formats.parse_event_document(sample_doc))
    assert out["event"]["funder"] == "Interreg Europe"
    assert out["participants"][0]["vat"] == "PT123456789"


def test_json_round_trip_is_identity_up_to_defaults(sample_doc):
    once = writer.event_document(formats.parse_event_document(sample_doc))
    twice = writer.event_document(formats.parse_event_document(json.loads(json.dumps(once))))
    assert once == twice
    # every field the organiser wrote comes back with the same value
    for section in ("participants", "requests"):
        for given, got in zip(sample_doc[section], once[section], strict=True):
            assert {k: got[k] for k in given} == given
    assert {k: once["event"][k] for k in sample_doc["event"]} == sample_doc["event"]


def test_csv_round_trip(tmp_path, sample_doc):
    data = formats.parse_event_document(sample_doc)
    sheets.write_csv_dir(data, tmp_path / "ev")
    back = sheets.read_csv_dir(tmp_path / "ev")
    assert writer.event_document(back) == writer.event_document(data) | {
        "participants": [
            {k: v for k, v in p.items() if k != "extra"} for p in writer.event_document(data)["participants"]
        ]
    }


def test_csv_errors_name_file_line_and_column(tmp_path, sample_doc):
    folder = tmp_path / "ev"
    sheets.write_csv_dir(formats.parse_event_document(sample_doc), folder)
    text = (folder / "participants.csv").read_text().replace("Europe/Helsinki", "Europe/Helsinky", 1)
    text = text.replace("s-004,TraceChain Oy,tech", "s-004,TraceChain Oy,provider")
    (folder / "participants.csv").write_text(text)
    (folder / "requests.csv").write_text("from,to,priority\nt-001,s-001,high\n")
    with pytest.raises(InvalidInput) as info:
        sheets.read_csv_dir(folder)
    assert [str(p) for p in info.value.problems] == [
        "participants.csv line 3.timezone: 'Europe/Helsinky' is not an IANA time zone",
        "participants.csv line 11.kind: input should be 'traditional' or 'tech' (got 'provider')",
        "requests.csv line 2.priority: input should be a valid integer (got 'high')",
    ]


def test_not_json_is_one_clear_problem():
    with pytest.raises(InvalidInput) as info:
        formats.parse_event_json('{"event": ', "bad.json")
    assert str(info.value).startswith("bad.json: line 1 column 11: not valid JSON")


def test_missing_sections():
    assert problems_of({"requests": []}) == [
        "event: required section is missing", "participants: required section is missing"
    ]


def test_same_kind_allowed_when_event_says_so():
    doc = document([person("a", "tech"), person("b", "tech")], [("a", "b")], allow_same_kind=True)
    assert len(formats.parse_event_document(doc).requests) == 1


def test_schedule_document_round_trip():
    from datetime import UTC, datetime

    from scheduler.domain.model import Meeting, Schedule, Stats, Unscheduled

    s = Schedule(
        "ev", (Meeting("m-0001", "t-1", "s-1", datetime(2027, 3, 26, 8, tzinfo=UTC),
                       datetime(2027, 3, 26, 8, 25, tzinfo=UTC), 2),),
        (Unscheduled("t-2", "s-1", "no common slot in both working hours"),),
        Stats(1, 2, 10.0, 10.0, 0.5),
    )
    doc = schedules.schedule_document(s)
    assert doc["meetings"][0]["start"] == "2027-03-26T08:00:00Z"
    assert schedules.parse_schedule_document(doc) == s
