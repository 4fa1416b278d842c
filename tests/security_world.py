"""A small stored world for the access matrix and the fuzz tests: event A (the sample, solved,
with an open standby offer) and event B, a host of each, an organiser, a spare host account.

``build(folder)`` writes it once as a template file; each test works on a copy (``fresh``), so
no request changes what the next one sees.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from werkzeug.security import generate_password_hash

from scheduler.files import formats
from scheduler.solver import SolverConfig, solve
from scheduler.store import Store
from tests.builders import document, person
from tests.conftest import SAMPLE

EVENT_A, EVENT_B = "ai4trad-2027", "other-event"
PASSWORD = "correct horse battery"


@dataclass(frozen=True)
class World:
    template: Path
    a: str  # participant A's id (in event A)
    b: str  # participant B's id (in event A, no meeting, request or offer with A)
    tokens: dict[str, str]  # participant id -> token, event A
    meeting: str  # a meeting of A
    request: tuple[str, str]  # a request A sent
    offer: int  # an open standby offer to A

    def fresh(self, folder: Path) -> Path:
        """A copy of the template file to change freely."""
        path = folder / f"w{len(list(folder.glob('w*.db')))}.db"
        shutil.copyfile(self.template, path)
        return path


def build(folder: Path) -> World:
    """Write the template world into ``folder`` (a few seconds: one short solve)."""
    path = folder / "template.db"
    sample = json.loads(SAMPLE.read_text(encoding="utf-8"))
    other = document([person("t-x", name="Other Event SME"), person("s-x")], [("t-x", "s-x")])
    other["event"]["id"] = EVENT_B
    data = formats.parse_event_document(sample)
    result = solve(data, config=SolverConfig(time_limit=3, seed=1))
    with Store(path) as store:
        store.save_event(data)
        store.save_event(formats.parse_event_document(other))
        store.save_schedule(result.schedule)
        hashed = generate_password_hash(PASSWORD)
        for name, role in (("olga", "organiser"), ("hans", "host"), ("greta", "host"), ("zed", "host")):
            store.add_user(name, hashed, role)
        store.grant(EVENT_A, "hans", "host")
        store.grant(EVENT_B, "greta", "host")
        tokens = store.tokens(EVENT_A)
        a = "t-001"
        mine = [m for m in result.schedule.meetings if a in (m.a, m.b)]
        partner = mine[0].b if mine[0].a == a else mine[0].a
        request = next((r.sender, r.receiver) for r in data.requests if r.sender == a)
        near = {x for m in mine for x in (m.a, m.b)} | set(request)
        b = next(p.id for p in data.participants if p.id not in near and p.id != partner)
        slot = mine[0]
        offer = store.add_offers(EVENT_A, [{"slot_start": slot.start, "slot_end": slot.end, "a": a, "b": partner,
                                            "room": 1, "score": 1.0, "reasons": ["test"], "replaces": []}],
                                 now=slot.start)[0]["id"]  # fmt: skip
        # the surveys are open (their invitations went out in the past), so answering them is reachable
        sent = datetime(2020, 1, 6, 9, tzinfo=UTC)
        store.set_round(EVENT_A, "adoption", sent, [], actor="olga", now=sent)
        store.set_round(EVENT_A, "followup", sent, [], wave="m3", actor="olga", now=sent)
    with Store(path) as store:
        store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return World(path, a, b, tokens, mine[0].id, request, offer)
