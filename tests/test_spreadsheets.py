"""Spreadsheet files as organisers save them (issue 12): dialects, encodings, headers, cells, .xlsx.

Each case builds its files in tmp_path; BR-01, BR-03, BR-05 and BR-06 rebuild the
field reports of the same names.
"""

from __future__ import annotations

import io
import json
from datetime import date, datetime, time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

import run
from scheduler.domain.errors import InvalidInput
from scheduler.domain.timegrid import allowed_map, build_slots
from scheduler.files import formats
from scheduler.files.schedules import parse_schedule_document
from scheduler.files.sheets import read_csv_dir, read_event_file, write_csv_dir
from scheduler.files.writer import event_document
from tests.builders import document, person

EVENT = {"id": "min-csv", "name": "Minimal CSV event", "timezone": "Europe/Lisbon", "slot_minutes": 30,
         "sessions": [{"date": "2027-03-26", "start": "09:00", "end": "10:00"}], "rooms": 1, "max_meetings": 2}
INTERNALS = ("instance of", "valid dictionary", "WindowIn", "HoursIn", "EventIn", "ParticipantIn",
             "RequestIn", "Input should")


def folder(tmp_path: Path, participants: str | bytes, requests: str | bytes | None = None,
           event: str | bytes | None = None) -> Path:
    """A CSV folder; text is written as UTF-8, bytes as they are."""
    d = tmp_path / "case"
    d.mkdir(parents=True, exist_ok=True)
    for name, content in (("event.json", event if event is not None else json.dumps(EVENT)),
                          ("participants.csv", participants), ("requests.csv", requests)):
        if content is not None:
            (d / name).write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return d


def problems(path: Path) -> list[str]:
    with pytest.raises(InvalidInput) as info:
        read_event_file(path)
    return [str(p) for p in info.value.problems]


def slots_of(data, pid: str) -> list[str]:
    slots = build_slots(data.event)
    return [slots[i].start.strftime("%H:%M") for i in sorted(allowed_map(data, slots)[pid])]


# ---------------------------------------------------------------- separators (BR-01)

COMMA = "id,name,kind,timezone\nt-1,Alfa Tecidos Lda,traditional,Europe/Lisbon\n"


@pytest.mark.parametrize("sep", [",", ";", "\t"])
def test_br01_semicolon_and_tab_files_import_like_their_comma_twin(tmp_path, sep):
    twin = event_document(read_event_file(folder(tmp_path / "a", COMMA)))
    text = COMMA.replace(",", sep)
    reqs = "from,to,priority\n".replace(",", sep)
    data = read_event_file(folder(tmp_path / "b", text, reqs))
    assert event_document(data) == twin


def test_semicolon_file_with_quoted_lists_and_windows(tmp_path):
    text = ('id;name;kind;timezone;available;sectors\n'
            't-1;"Alfa; Tecidos";traditional;Europe/Lisbon;"2027-03-26 09:00-09:30;2027-03-26 09:30-10:00";'
            '"textiles;dyeing"\n'
            's-1;Beta;tech;Europe/Berlin;;\n')
    data = read_event_file(folder(tmp_path, text, "from;to;priority\nt-1;s-1;1\n"))
    t1 = data.participant("t-1")
    assert (t1.name, t1.sectors, len(t1.available)) == ("Alfa; Tecidos", ("textiles", "dyeing"), 2)
    assert len(data.requests) == 1


def test_unknown_separator_is_one_problem_naming_it(tmp_path):
    text = "id|name|kind|timezone\nt-1|Alfa|traditional|Europe/Lisbon\nt-2|Beta|traditional|Europe/Lisbon\n"
    [only] = problems(folder(tmp_path, text))
    assert only.startswith("participants.csv: no known column found")
    assert "the cells seem to be separated by '|'" in only


def test_requests_header_without_known_columns_is_one_problem(tmp_path):
    got = problems(folder(tmp_path, COMMA, "van,naar\nt-1,s-1\nt-1,s-2\n"))
    assert len(got) == 1 and got[0].startswith("requests.csv: no known column found")


# ---------------------------------------------------------------- encodings (BR-03)


def test_br03_windows_1252_participants_keep_their_letters(tmp_path):
    raw = "id,name,kind,timezone\nt-1,Têxtil Alfa,traditional,Europe/Lisbon\n".encode("cp1252")
    assert b"\xea" in raw
    data = read_event_file(folder(tmp_path, raw))
    assert data.participant("t-1").name == "Têxtil Alfa"


def test_windows_1252_event_json_and_requests_csv(tmp_path):
    event = json.dumps(dict(EVENT, name="Évora meets München"), ensure_ascii=False).encode("cp1252")
    parts = "id;name;kind;timezone\nt-1;Müller Stoffe;traditional;Europe/Berlin\ns-1;Señal IA;tech;Europe/Madrid\n"
    reqs = "from;to;priority;note\nt-1;s-1;1;Café – déjà vu\n"
    data = read_event_file(folder(tmp_path, parts.encode("cp1252"), reqs.encode("cp1252"), event))
    assert data.event.name == "Évora meets München"
    assert data.participant("s-1").name == "Señal IA"
    assert data.requests[0].extra == {"note": "Café – déjà vu"}


def test_utf8_bom_and_utf16_are_read(tmp_path):
    data = read_event_file(folder(tmp_path / "a", b"\xef\xbb\xbf" + COMMA.replace("Alfa", "Ålfa").encode()))
    assert data.participant("t-1").name == "Ålfa Tecidos Lda"
    data = read_event_file(folder(tmp_path / "b", COMMA.replace(",", "\t").encode("utf-16")))
    assert data.participant("t-1").name == "Alfa Tecidos Lda"


@pytest.mark.parametrize("name, raw, expected", [
    ("participants.csv", b"id,name,kind,timezone\nt-1,T\x81xtil,traditional,Europe/Lisbon\n",
     "participants.csv: not UTF-8 text (byte 0x81 on line 2); save it as 'CSV UTF-8'"),
    ("participants.csv", "id,name,kind,timezone\nt-1,Привет мир,traditional,Europe/Lisbon\n".encode("cp1251"),
     "participants.csv: not UTF-8 text (byte 0xcf on line 2); save it as 'CSV UTF-8'"),
    ("event.json", b'{"id": "x", "name": "\x81\x8d"}',
     "event.json: not UTF-8 text (byte 0x81 on line 1); save it as UTF-8"),
    ("requests.csv", b"from,to\n\x00\xff\x00\x81,s-1\n",
     "requests.csv: not UTF-8 text (byte 0xff on line 2); save it as 'CSV UTF-8'"),
])
def test_undecodable_file_is_one_clear_problem(tmp_path, name, raw, expected):
    d = folder(tmp_path, COMMA)
    (d / name).write_bytes(raw)
    got = problems(d)
    assert expected in got and not any(p.startswith(name) and p != expected for p in got)


def test_br03_from_the_command_line_exits_2_without_traceback(tmp_path, capsys):
    d = folder(tmp_path, b"id,name,kind,timezone\nt-1,T\x81xtil,traditional,Europe/Lisbon\n")
    assert run.main(["--db", str(tmp_path / "x.db"), "import", str(d)]) == 2
    err = capsys.readouterr().err
    assert "participants.csv: not UTF-8 text (byte 0x81 on line 2)" in err and "Traceback" not in err


def test_single_json_file_in_windows_1252_is_read(tmp_path):
    doc = document([person("t-1", name="Évora Têxteis"), person("s-1")], [("t-1", "s-1")])
    path = tmp_path / "ev.json"
    path.write_bytes(json.dumps(doc, ensure_ascii=False).encode("cp1252"))
    assert read_event_file(path).participant("t-1").name == "Évora Têxteis"


# ---------------------------------------------------------------- headers (BR-05)


def test_br05_header_case_and_spaces_are_matched(tmp_path):
    text = ("id,name,kind,timezone,Email ,max_meetings ,Available\n"
            "t-1,Alfa Tecidos Lda,traditional,Europe/Lisbon,ana@alfa.example,1,2027-03-26 09:00-09:30\n")
    data = read_event_file(folder(tmp_path, text))
    t1 = data.participant("t-1")
    assert (t1.email, t1.max_meetings, t1.extra) == ("ana@alfa.example", 1, {})
    assert slots_of(data, "t-1") == ["09:00"]  # 09:00 Lisbon is 09:00Z in March


def test_bom_trailing_empty_rows_and_columns_and_header_case(tmp_path):
    text = ("\ufeffID ; Name;KIND;TimeZone;;;\r\n"
            "t-1;Alfa;traditional;Europe/Lisbon;;;\r\n"
            ";;;;;;\r\n;;;;;;\r\n\r\n")
    data = read_event_file(folder(tmp_path, text))
    assert [p.id for p in data.participants] == ["t-1"] and data.participant("t-1").extra == {}


@pytest.mark.parametrize("header, expected", [
    ("Availabe", "participants.csv: unknown column 'Availabe': did you mean 'available'?"),
    ("max_meeting", "participants.csv: unknown column 'max_meeting': did you mean 'max_meetings'?"),
    ("E-Mail", "participants.csv: unknown column 'E-Mail': did you mean 'email'?"),
    ("availability", "participants.csv: unknown column 'availability': did you mean 'available'?"),
])
def test_near_miss_column_is_an_error_with_a_suggestion(tmp_path, header, expected):
    text = f"id,name,kind,timezone,{header}\nt-1,Alfa,traditional,Europe/Lisbon,x\nt-2,B,tech,Europe/Lisbon,y\n"
    assert problems(folder(tmp_path, text)) == [expected]


def test_different_extra_columns_are_kept(tmp_path):
    text = "id,name,kind,timezone,VAT,nace\nt-1,Alfa,traditional,Europe/Lisbon,PT123,C13\n"
    assert read_event_file(folder(tmp_path, text)).participant("t-1").extra == {"VAT": "PT123", "nace": "C13"}


def test_missing_required_column_and_cells_without_a_header(tmp_path):
    text = "id,name,timezone,,\nt-1,Alfa,Europe/Lisbon,,oops\nt-2,Beta,Europe/Lisbon,,\n"
    assert problems(folder(tmp_path, text)) == [
        "participants.csv line 2: 'oops' is in column 5, which has no name in the header",
        "participants.csv: required column 'kind' is missing",
    ]


@pytest.mark.parametrize("section, key, expected", [
    ("participants", "Email", "participants[0]: unknown field 'Email': did you mean 'email'?"),
    ("participants", "max_meeting", "participants[0]: unknown field 'max_meeting': did you mean 'max_meetings'?"),
    ("participants", "availability", "participants[0]: unknown field 'availability': did you mean 'available'?"),
    ("event", "Rooms", "event: unknown field 'Rooms': did you mean 'rooms'?"),
    ("requests", "priorty", "requests[0]: unknown field 'priorty': did you mean 'priority'?"),
])
def test_near_miss_json_keys_are_errors(section, key, expected):
    doc = document([person("t-1"), person("s-1")], [("t-1", "s-1")])
    record = doc["event"] if section == "event" else doc[section][0]
    record[key] = 1
    with pytest.raises(InvalidInput) as info:
        formats.parse_event_document(doc)
    assert [str(p) for p in info.value.problems] == [expected]


def test_near_miss_key_inside_a_window():
    doc = document([person("t-1", available=[{"date": "2027-03-26", "start": "09:00", "end": "10:00",
                                                "Ende": "11:00"}])])
    with pytest.raises(InvalidInput) as info:
        formats.parse_event_document(doc)
    assert [str(p) for p in info.value.problems] == [
        "participants[0].available[0]: unknown field 'Ende': did you mean 'end'?"
    ]


# ---------------------------------------------------------------- cells (BR-06)


@pytest.mark.parametrize("dash", ["\u2013", "\u2014", "\u2212", " - "])
def test_br06_dashes_between_times_are_accepted(tmp_path, dash):
    text = f"id,name,kind,timezone,available,working_hours\nt-1,Alfa,traditional,Europe/Lisbon,2027-03-26 09:00{dash}09:30,08:00{dash}18:00\n"
    data = read_event_file(folder(tmp_path, text))
    [w] = data.participant("t-1").available
    assert (w.date, w.start, w.end) == (date(2027, 3, 26), time(9), time(9, 30))
    assert slots_of(data, "t-1") == ["09:00"]


@pytest.mark.parametrize("column, cell, expected", [
    ("available", "2027-03-26", "available[0]: '2027-03-26' is not written YYYY-MM-DD HH:MM-HH:MM"),
    ("available", "09:00-10:00", "available[0]: '09:00-10:00' is not written YYYY-MM-DD HH:MM-HH:MM"),
    ("available", "26/03/2027 09:00-10:00", "available[0].date: '26/03/2027' is not a date written YYYY-MM-DD"),
    ("available", "2027-03-26 8:00-10:00", "available[0].start: '8:00' is not a time of day written HH:MM"),
    ("working_hours", "08:00", "working_hours: '08:00' is not written HH:MM-HH:MM"),
    ("working_hours", "18:00-08:00", "working_hours: end is not after start"),
    ("max_meetings", "six", "max_meetings: input should be a valid integer (got 'six')"),
    ("email", "ana at alfa", "email: 'ana at alfa' is not an e-mail address: An email address must have an @-sign."),
])
def test_bad_cells_are_quoted_with_the_expected_form(tmp_path, column, cell, expected):
    text = f"id,name,kind,timezone,{column}\nt-1,Alfa,traditional,Europe/Lisbon,{cell}\n"
    assert problems(folder(tmp_path, text)) == [f"participants.csv line 2.{expected}"]


@pytest.mark.parametrize("mutate", [
    lambda d: d["participants"][0].update(available=["x"]),
    lambda d: d["participants"][0].update(available=[5]),
    lambda d: d["participants"][0].update(available="2027-03-26"),
    lambda d: d["participants"][0].update(working_hours=[8, 18]),
    lambda d: d["participants"][0].update(working_hours=9),
    lambda d: d["participants"][0].update(sectors=5),
    lambda d: d["participants"][0].update(name=""),
    lambda d: d["participants"][0].update(name=7),
    lambda d: d["participants"][0].update(name="x" * 300),
    lambda d: d["event"].update(sessions=[]),
    lambda d: d["event"].update(sessions="soon"),
    lambda d: d["event"].update(sessions=[["2027-03-26", "09:00"]]),
    lambda d: d["event"].update(allow_same_kind="yes"),
    lambda d: d["event"].update(request_ttl_hours="long"),
    lambda d: d["event"].update(request_ttl_hours=float("inf")),
    lambda d: d["requests"][0].update(priority=None),
    lambda d: d.update(participants=[[1, 2]]),
])
def test_no_validator_internals_reach_the_user(mutate):
    doc = document([person("t-1"), person("s-1")], [("t-1", "s-1")])
    mutate(doc)
    with pytest.raises(InvalidInput) as info:
        formats.parse_event_document(doc)
    for p in info.value.problems:
        assert not any(word in str(p) for word in INTERNALS), str(p)


# ---------------------------------------------------------------- every field checked (kind 6)


@pytest.mark.parametrize("mutate, expected", [
    (lambda d: d["requests"][0].update(status="acepted"),
     "requests[0].status: input should be 'suggested', 'pending', 'accepted', 'declined', 'expired', "
     "'withdrawn' or 'imposed' (got 'acepted')"),
    (lambda d: d["event"].update(request_policy="always"),
     "event.request_policy: input should be 'unless_declined' or 'accepted_only' (got 'always')"),
    (lambda d: d["event"].update(allow_same_kind="yes"),
     "event.allow_same_kind: input should be true or false (got 'yes')"),
    (lambda d: d["event"].update(video_url_template="https://meet.example.org/{rom}"),
     "event.video_url_template: '{rom}' are not placeholders it knows; use {room} and {meeting}"),
    (lambda d: d["participants"][0].update(kind="Traditional"),
     "participants[0].kind: input should be 'traditional' or 'tech' (got 'Traditional')"),
    (lambda d: d["participants"][0].update(max_meetings=-1),
     "participants[0].max_meetings: input should be greater than or equal to 0 (got -1)"),
])
def test_enumerated_and_typed_fields_are_refused_with_the_allowed_values(mutate, expected):
    doc = document([person("t-1"), person("s-1")], [("t-1", "s-1")])
    mutate(doc)
    with pytest.raises(InvalidInput) as info:
        formats.parse_event_document(doc)
    assert [str(p) for p in info.value.problems] == [expected]


def test_unknown_status_in_requests_csv_is_refused_and_known_ones_round_trip(tmp_path):
    parts = "id,name,kind,timezone\nt-1,A,traditional,Europe/Lisbon\ns-1,B,tech,Europe/Lisbon\ns-2,C,tech,Europe/Lisbon\n"
    assert problems(folder(tmp_path / "a", parts, "from,to,status\nt-1,s-1,acepted\n")) == [
        "requests.csv line 2.status: input should be 'suggested', 'pending', 'accepted', 'declined', "
        "'expired', 'withdrawn' or 'imposed' (got 'acepted')"
    ]
    data = read_event_file(folder(tmp_path / "b", parts, "from,to,status\nt-1,s-1,accepted\nt-1,s-2,\n"))
    assert [r.status for r in data.requests] == ["accepted", "pending"]
    write_csv_dir(data, tmp_path / "out")
    assert [r.status for r in read_csv_dir(tmp_path / "out").requests] == ["accepted", "pending"]


def test_schedule_document_meeting_status_is_checked():
    doc = {"event_id": "ev", "meetings": [{"id": "m-1", "participants": ["t-1", "s-1"], "room": 1,
                                           "start": "2027-03-26T09:00:00Z", "end": "2027-03-26T09:25:00Z",
                                           "status": "canceled"}]}
    with pytest.raises(InvalidInput) as info:
        parse_schedule_document(doc)
    assert "status 'canceled' is not one of scheduled, moved, cancelled, held, no_show" in str(info.value)


# ---------------------------------------------------------------- xlsx


def workbook(path: Path, sheets: dict[str, list[list]]) -> Path:
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        ws = book.create_sheet(title)
        for r in rows:
            ws.append(r)
    book.save(path)
    return path


def typed_book(path: Path, **over) -> Path:
    sheets = {
        "Event": [["field", "value"], ["id", "min-csv"], ["name", "Minimal CSV event"],
                  ["Timezone", "Europe/Lisbon"], ["slot_minutes", 30.0], ["sessions", "2027-03-26 09:00-10:00"],
                  ["rooms", 1], ["max_meetings", 2.0], ["allow_same_kind", False]],
        "Participants": [["id", "name", "kind", "timezone", "max_meetings", "available", "working_hours"],
                         ["t-1", "Ålfa", "traditional", "Europe/Lisbon", 1.0, "2027-03-26 09:00–09:30", None],
                         ["s-1", "Beta", "tech", "Europe/Lisbon", None, None, "08:00-18:00"],
                         [None, None, None, None, None, None, None]],
        "requests": [["from", "to", "priority"], ["t-1", "s-1", 1.0]],
    }
    sheets.update(over)
    return workbook(path, sheets)


def test_xlsx_workbook_with_typed_cells_imports_like_its_csv_twin(tmp_path):
    data = read_event_file(typed_book(tmp_path / "book.xlsx"))
    twin = folder(tmp_path, "id,name,kind,timezone,max_meetings,available,working_hours\n"
                            "t-1,Ålfa,traditional,Europe/Lisbon,1,2027-03-26 09:00-09:30,\n"
                            "s-1,Beta,tech,Europe/Lisbon,,,08:00-18:00\n", "from,to,priority\nt-1,s-1,1\n")
    assert event_document(data) == event_document(read_event_file(twin))


def test_xlsx_date_and_time_cells_become_text(tmp_path):
    book = typed_book(tmp_path / "book.xlsx", Event=[
        ["id", "name", "timezone", "slot_minutes", "sessions", "rooms", "max_meetings"],
        ["min-csv", "Minimal", "Europe/Lisbon", 30, "2027-03-26 09:00-10:00", 1, 2]])
    assert read_event_file(book).event.rooms == 1  # the event laid out across one row
    from scheduler.files.spreadsheets import cell_text

    assert [cell_text(v) for v in (datetime(2027, 3, 26), datetime(2027, 3, 26, 9, 5), time(8, 0), 6.0, 2.5,
                                   True, None)] == ["2027-03-26", "2027-03-26 09:05", "08:00", "6", "2.5",
                                                    "true", ""]


def test_xlsx_errors_name_sheet_row_and_column(tmp_path):
    book = typed_book(tmp_path / "book.xlsx", Participants=[
        ["id", "name", "kind", "timezone"], [None] * 4, ["t-1", "Alfa", "traditional", "Europe/Pariss"],
        ["s-1", "Beta", "tech", "Europe/Lisbon"]])
    assert problems(book) == ["sheet 'Participants' row 3.timezone: 'Europe/Pariss' is not an IANA time zone"]


def test_folder_with_xlsx_tables(tmp_path):
    d = folder(tmp_path, None)
    (d / "participants.csv").unlink(missing_ok=True)
    workbook(d / "participants.xlsx", {"Tabelle1": [["ID", "Name", "Kind", "Timezone", "Country"],
                                                    ["t-1", "Alfa", "traditional", "Europe/Lisbon", "PT"],
                                                    ["s-1", "Beta", "tech", "Europe/Lisbon", 351]]})
    workbook(d / "requests.xlsx", {"Sheet": [["from", "to", "priority"], ["t-1", "s-1", 2.0]]})
    data = read_event_file(d)
    assert data.participant("s-1").country == "351" and data.requests[0].priority == 2


@pytest.mark.parametrize("raw", [b"not a workbook", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100])
def test_unreadable_workbook_is_one_problem(tmp_path, raw):
    path = tmp_path / "book.xlsx"
    path.write_bytes(raw)
    [only] = problems(path)
    assert "not a readable .xlsx workbook" in only


def test_workbook_without_the_sheets(tmp_path):
    got = problems(workbook(tmp_path / "b.xlsx", {"Blatt1": [["a"]]}))
    assert got == ["no sheet named 'event' (the sheets are: blatt1)",
                   "no sheet named 'participants' (the sheets are: blatt1)"]


def test_import_book_from_the_command_line(tmp_path, capsys):
    book = typed_book(tmp_path / "book.xlsx")
    assert run.main(["--db", str(tmp_path / "x.db"), "import", str(book)]) == 0
    assert "imported event 'min-csv': 2 participants, 1 requests" in capsys.readouterr().out


# ---------------------------------------------------------------- export


def test_exported_csv_starts_with_a_bom_and_imports_again(tmp_path, sample_doc):
    data = formats.parse_event_document(sample_doc)
    write_csv_dir(data, tmp_path / "out")
    for name in ("participants.csv", "requests.csv"):
        assert (tmp_path / "out" / name).read_bytes().startswith(b"\xef\xbb\xbf")
    back = read_csv_dir(tmp_path / "out")
    assert back.participants == tuple(p.__class__(**{**p.__dict__, "extra": {}}) for p in data.participants)
    assert back.requests == tuple(r.__class__(**{**r.__dict__, "extra": {}}) for r in data.requests)


#: any text a name may hold: no control characters nor direction overrides (refused: scheduler.domain.text)
NAMES = st.text(st.characters(blacklist_categories=("Cs", "Cc"),
                              blacklist_characters="\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"),
                min_size=1, max_size=60).map(str.strip).filter(bool)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=NAMES, other=NAMES)
def test_any_unicode_name_round_trips_through_csv(tmp_path_factory, name, other):
    data = formats.parse_event_document(document([person("t-1", name=name), person("s-1", name=other)],
                                                 [("t-1", "s-1")]))
    out = tmp_path_factory.mktemp("csv")
    write_csv_dir(data, out)
    back = read_csv_dir(out)
    assert [p.name for p in back.participants] == [name, other]


# ---------------------------------------------------------------- console


@pytest.fixture
def client(tmp_path):
    from webapp import create_app

    app = create_app({"DATABASE": str(tmp_path / "web.db"), "SECRET_KEY": "test", "WTF_CSRF_ENABLED": False,
                      "TESTING": True, "OUTBOX_DIR": str(tmp_path / "outbox")})
    from scheduler.store import Store

    with Store(tmp_path / "web.db") as store:  # the session names an account that exists
        store.add_user("olga", "not-a-password-hash", "organiser")
    c = app.test_client()
    with c.session_transaction() as s:
        s["user"], s["role"] = "olga", "organiser"
    return c


def upload(client, *files: tuple[str, bytes]):
    return client.post("/events/import", data={"files": [(io.BytesIO(b), n) for n, b in files]},
                       content_type="multipart/form-data")


def test_console_upload_of_a_windows_1252_folder_imports(client):
    r = upload(client, ("event.json", json.dumps(EVENT).encode()),
               ("participants.csv", "id;name;kind;timezone\nt-1;Têxtil Alfa;traditional;Europe/Lisbon\n"
                                    .encode("cp1252")))
    assert r.status_code == 302, r.text
    assert "Têxtil Alfa" in client.get("/events/min-csv/participants").get_data(as_text=True)


@pytest.mark.parametrize("name", ["event.json", "participants.csv"])
def test_console_upload_of_undecodable_bytes_is_400_with_the_problem(client, name):
    files = {"event.json": json.dumps(EVENT).encode(), "participants.csv": COMMA.encode()}
    files[name] = files[name].replace(b"Minimal", b"\x81\x8d").replace(b"Alfa", b"\x81\x8d")
    r = upload(client, *files.items())
    assert r.status_code == 400
    assert f"{name}: not UTF-8 text (byte 0x81 on line" in r.get_data(as_text=True)


def test_console_upload_of_a_single_json_with_a_bad_byte_names_it(client):
    r = upload(client, ("my event.json", b'{"event": "\x81\x8d"}'))
    assert r.status_code == 400
    assert "my event.json: not UTF-8 text (byte 0x81 on line 1); save it as UTF-8" in r.get_data(as_text=True)


def test_console_upload_of_an_xlsx_workbook_and_the_excel_downloads(client, tmp_path):
    r = upload(client, ("book.xlsx", typed_book(tmp_path / "book.xlsx").read_bytes()))
    assert r.status_code == 302, r.get_data(as_text=True)
    assert upload(client, ("book.xlsx", b"garbage")).status_code == 400
    csv_body = client.get("/events/min-csv/schedule.csv")
    assert csv_body.status_code == 200 and csv_body.data.startswith(b"\xef\xbb\xbfmeeting,start_utc")
    xlsx = client.get("/events/min-csv/schedule.xlsx")
    assert xlsx.status_code == 200
    ws = load_workbook(io.BytesIO(xlsx.data)).active
    assert next(ws.iter_rows(values_only=True))[:3] == ("meeting", "start_utc", "start_event_zone")


def test_portal_profile_reads_windows_with_an_en_dash_and_names_a_bad_one(client, tmp_path):
    from scheduler.store import Store

    with Store(tmp_path / "web.db") as store:
        store.save_event(formats.parse_event_document(document([person("t-1"), person("s-1")])))
        token = store.tokens("ev-test")["t-1"]
    r = client.post(f"/p/{token}/profile", data={"available": "2027-03-26 09:00\u201310:00"})
    assert r.status_code in (302, 303)
    with Store(tmp_path / "web.db") as store:
        [w] = store.load("ev-test").participant("t-1").available
    assert (w.start, w.end) == (time(9), time(10))
    client.post(f"/p/{token}/profile", data={"available": "26.03.2027"})
    page = client.get(f"/p/{token}").get_data(as_text=True)
    assert "Only available on, window 1: &#39;26.03.2027&#39; is not written YYYY-MM-DD HH:MM-HH:MM" in page


def test_export_xlsx_and_import_it_again(tmp_path, sample_doc, capsys):
    src = tmp_path / "ev.json"
    src.write_text(json.dumps(sample_doc), encoding="utf-8")
    db = str(tmp_path / "x.db")
    assert run.main(["--db", db, "import", str(src)]) == 0
    assert run.main(["--db", db, "export", "ai4trad-2027", "--format", "xlsx", "-o", str(tmp_path / "b.xlsx")]) == 0
    assert run.main(["--db", db, "export", "ai4trad-2027", "--format", "csv", "-o", str(tmp_path / "csv")]) == 0
    via_book = event_document(read_event_file(tmp_path / "b.xlsx"))
    via_csv = event_document(read_event_file(tmp_path / "csv"))
    assert via_book == via_csv
    assert len(via_book["participants"]) == len(sample_doc["participants"])
