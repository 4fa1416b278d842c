"""Zone names are judged against the tzdata package's own list, the same on every host (BR-13)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from scheduler.domain.errors import InvalidInput
from scheduler.domain.zones import UnknownZone, canonical_zone, table, zone_info
from scheduler.files.formats import parse_event_document, parse_participant
from tests.builders import document, person

ROOT = Path(__file__).resolve().parent.parent


def br13_document() -> dict:
    """BR-13: four zone names only some hosts can open."""
    return {
        "event": {"id": "min-br13", "name": "Host-only zone names", "timezone": "Europe/Berlin",
                  "slot_minutes": 30, "rooms": 1, "max_meetings": 2,
                  "sessions": [{"date": "2027-03-26", "start": "07:00", "end": "11:00"}]},
        "participants": [
            {"id": "t-1", "name": "Alfa Metall GmbH", "kind": "traditional", "timezone": "right/Europe/Berlin",
             "working_hours": {"start": "08:00", "end": "09:00"}},
            {"id": "t-2", "name": "Beta Metall GmbH", "kind": "traditional", "timezone": "localtime"},
            {"id": "t-3", "name": "Gama Metall GmbH", "kind": "traditional", "timezone": "Factory"},
            {"id": "t-4", "name": "Delta Metall GmbH", "kind": "traditional", "timezone": "posix/Europe/Berlin"},
        ],
    }


BR13_PROBLEMS = [
    "participants[0].timezone: 'right/Europe/Berlin' is not an IANA time zone; did you mean 'Europe/Berlin'?",
    "participants[1].timezone: 'localtime' is not an IANA time zone",
    "participants[2].timezone: 'Factory' is not an IANA time zone",
    "participants[3].timezone: 'posix/Europe/Berlin' is not an IANA time zone; did you mean 'Europe/Berlin'?",
]


def problems_of(doc: dict) -> list[str]:
    with pytest.raises(InvalidInput) as info:
        parse_event_document(doc)
    return [str(p) for p in info.value.problems]


def test_br13_host_only_names_are_refused_with_a_hint():
    assert problems_of(br13_document()) == BR13_PROBLEMS


@pytest.mark.parametrize(
    "written, stored",
    [
        ("Europe/Kiev", "Europe/Kyiv"),
        ("America/Godthab", "America/Nuuk"),
        ("US/Eastern", "America/New_York"),
        ("Asia/Calcutta", "Asia/Kolkata"),
        ("UTC", "Etc/UTC"),
        # a country's own location name is kept, though its rules are another zone's
        ("Indian/Reunion", "Indian/Reunion"),
        ("Europe/Amsterdam", "Europe/Amsterdam"),
        ("America/Martinique", "America/Martinique"),
        ("Atlantic/Azores", "Atlantic/Azores"),
    ],
)
def test_aliases_are_stored_under_their_canonical_name(written, stored):
    data = parse_event_document(document([person("t-1", tz=written)], timezone=written))
    assert (data.event.timezone, data.participants[0].timezone) == (stored, stored)


def test_profile_edit_canonicalises_too():
    assert parse_participant(person("t-1", tz="Europe/Kiev")).timezone == "Europe/Kyiv"
    with pytest.raises(InvalidInput, match="did you mean 'Europe/Lisbon'"):
        parse_participant(person("t-1", tz="europe/lisbon"))


@pytest.mark.parametrize("name", ["localtime", "Factory", "right/UTC", "posix/Europe/Kiev", "zone.tab",
                                  "tzdata.zi", "Europe", "", "Europe/../Europe/Berlin", "EUROPE/BERLIN"])
def test_names_no_tzdata_list_holds_are_refused(name):
    with pytest.raises(UnknownZone):
        canonical_zone(name)
    with pytest.raises(ValueError):
        zone_info(name)


def test_table_is_closed_and_rules_of_an_alias_are_its_zones():
    canon = table().canonical
    assert "Factory" not in canon and len(canon) > 500
    assert all(canon[c] == c for c in canon.values())  # canonical names are fixed points
    instants = [datetime(y, m, 15, tzinfo=UTC) for y in (1995, 2027) for m in (1, 7)]
    for alias, target in canon.items():
        assert [zone_info(alias).utcoffset(t.replace(tzinfo=None)) for t in instants] == [
            zone_info(target).utcoffset(t.replace(tzinfo=None)) for t in instants
        ]
    assert str(zone_info("US/Eastern")) == "America/New_York"
    assert zone_info("Europe/Kiev") is zone_info("Europe/Kyiv")


_PROBE = r"""
import json, sys
from scheduler.domain.errors import InvalidInput
from scheduler.files.formats import parse_event_document
from scheduler.domain.timegrid import allowed_map, build_slots
docs = json.load(sys.stdin)
out = []
for doc in docs:
    try:
        data = parse_event_document(doc)
    except InvalidInput as exc:
        out.append([str(p) for p in exc.problems])
        continue
    slots = build_slots(data.event)
    allowed = allowed_map(data, slots)
    out.append({p.id: [slots[i].start.isoformat() for i in sorted(allowed[p.id])] for p in data.participants})
print(json.dumps(out))
"""


def _probe(env_extra: dict[str, str], docs: list[dict]) -> list:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONTZPATH", "TZ")}
    env.update(env_extra)
    done = subprocess.run([sys.executable, "-c", _PROBE], input=json.dumps(docs), capture_output=True,
                          text=True, cwd=ROOT, env=env, timeout=120, check=True)
    return json.loads(done.stdout)


def test_results_do_not_depend_on_the_hosts_zone_files():
    wh = {"start": "08:00", "end": "09:00"}
    good = document(
        [person("t-1", tz="Europe/Berlin", working_hours=wh), person("s-1", tz="Europe/Kiev", working_hours=wh),
         person("t-2", tz="America/Martinique", working_hours={"start": "00:00", "end": "24:00"}),
         person("s-2", tz="Indian/Reunion", working_hours=wh)],
        timezone="Europe/Lisbon", sessions=[{"date": "2027-03-26", "start": "00:00", "end": "24:00"},
                                            {"date": "2027-03-29", "start": "00:00", "end": "24:00"}])
    docs = [br13_document(), good]
    host = _probe({"PYTHONTZPATH": "/usr/share/zoneinfo", "TZ": "Asia/Tokyo"}, docs)
    bare = _probe({"PYTHONTZPATH": "/nonexistent"}, docs)
    assert host == bare
    assert host[0] == BR13_PROBLEMS
    # Berlin 08:00-09:00 is 07:00-08:00Z before the EU switch and 06:00-07:00Z after it
    assert host[1]["t-1"] == ["2027-03-26T07:00:00+00:00", "2027-03-26T07:30:00+00:00",
                              "2027-03-29T06:00:00+00:00", "2027-03-29T06:30:00+00:00"]


def test_every_zone_is_loaded_through_the_tzdata_helper():
    # ZoneInfo("X") would search the host's files first; only scheduler/domain/zones.py may build zones
    sources = [*ROOT.glob("scheduler/*.py"), *ROOT.glob("webapp/*.py"), *ROOT.glob("bench/*.py"), *ROOT.glob("cli/*.py"),
               ROOT / "run.py"]
    offenders = [p.relative_to(ROOT).as_posix() for p in sources
                 if p.name != "zones.py" and ("ZoneInfo(" in p.read_text() or "ZoneInfo.from_file" in p.read_text())]
    assert offenders == []
