"""The other side as a participant sees it, over a real server: the directory (filters, search,
server-side pages, never another's e-mail, contact or link), recommendations for a tech SME with
their reasons in words, and a tech SME asking a traditional SME for a meeting (both pages show it)."""

from __future__ import annotations

import html
import re

import pytest
import requests

from scheduler.files.formats import parse_event_document
from scheduler.files.generator import generate_event
from scheduler.matching import scores
from scheduler.store import Store
from tests.webtools import Server, csrf_of, seed_db

EV = "dir-ev"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    doc = generate_event(90, seed=11, event_id=EV)
    db = tmp_path_factory.mktemp("people") / "p.db"
    tokens = seed_db(db, [doc])[EV]
    server = Server(db, extra_env={"MATCHMAKING_STANDBY_TICK": "0"})
    try:
        yield {"doc": doc, "db": db, "tokens": tokens, "server": server, "data": parse_event_document(doc)}
    finally:
        server.stop()


def page_of(world, pid: str, path: str = "", **params) -> str:
    r = requests.get(world["server"].url + f"/p/{world['tokens'][pid]}{path}", params=params, timeout=30)
    assert r.status_code == 200, r.text[:500]
    return r.text


def listed(text: str) -> list[str]:
    return re.findall(r'<li class="card" data-participant="([^"]+)"', text)


def first_of(data, kind: str):
    return next(p for p in data.participants if p.kind == kind)


def walk(world, pid: str, **filters) -> list[str]:
    """Every participant the directory lists for ``filters``, following its "Next page" links."""
    out, page = [], 1
    while True:
        text = page_of(world, pid, "/directory", page=page, **filters)
        out += listed(text)
        if 'rel="next"' not in text:
            return out
        page += 1


def test_the_directory_lists_the_other_side_a_page_at_a_time(world):
    data = world["data"]
    me = first_of(data, "tech")
    trad = sorted((p for p in data.participants if p.kind == "traditional"), key=lambda p: p.name.casefold())
    assert len(trad) > 20  # more than one page
    first = page_of(world, me.id, "/directory")
    assert listed(first) == [p.id for p in trad[:20]]
    assert f"{len(trad)} companies" in first and "page 1 of" in first
    assert walk(world, me.id) == [p.id for p in trad]  # every page once, in order, no repeats


@pytest.mark.parametrize("key", ["technology", "sector", "country", "language", "q"])
def test_each_filter_keeps_exactly_the_matching_participants(world, key):
    data = world["data"]
    me = first_of(data, "traditional")
    tech = [p for p in data.participants if p.kind == "tech"]
    probe = tech[3]
    value = {"technology": probe.offers[0], "sector": (probe.sectors or ["none"])[0], "country": probe.country,
             "language": probe.languages[0], "q": probe.name.split()[0].upper()}[key]  # fmt: skip

    def keep(p) -> bool:
        if key == "technology":
            return scores.canonical(value) in {scores.canonical(t) for t in p.offers}
        if key == "q":
            text = " ".join([p.name, p.description, p.country, *p.sectors, *p.offers, *p.needs]).casefold()
            return value.casefold() in text
        return value in {"sector": p.sectors, "country": [p.country], "language": p.languages}[key]

    want = sorted((p.id for p in tech if keep(p)), key=lambda i: data.by_id()[i].name.casefold())
    assert probe.id in want and len(want) < len(tech)  # the filter keeps some, drops some
    assert walk(world, me.id, **{key: value}) == want


def test_the_directory_never_shows_another_participants_email_contact_or_link(world):
    data = world["data"]
    for me in (first_of(data, "tech"), first_of(data, "traditional")):
        pages = [page_of(world, me.id, "/directory", page=n) for n in range(1, 6)]
        text = html.unescape("\n".join(pages))
        for p in data.participants:
            if p.id == me.id:
                continue
            assert world["tokens"][p.id] not in text
            if p.email:
                assert p.email not in text
            visible = " ".join([p.name, p.description, *(q.name for q in data.participants)])
            if p.contact and p.contact not in visible:
                assert p.contact not in text


def test_a_tech_sme_gets_recommendations_with_reasons_in_its_own_words(world):
    data = world["data"]
    me = next(p for p in data.participants if p.kind == "tech"
              and scores.partners_of(data, p.id, 5, exclude=[(r.sender, r.receiver) for r in data.requests]))
    want = scores.partners_of(data, me.id, 5, exclude=[(r.sender, r.receiver) for r in data.requests])
    text = page_of(world, me.id)
    section = text[text.index('id="recommendations"'):]
    shown = re.findall(r'<li data-partner="([^"]+)">', section)
    assert shown == [m.participant for m in want]
    assert all(data.by_id()[pid].kind == "traditional" for pid in shown)
    people = data.by_id()
    reasons = [html.unescape(r) for r in re.findall(r'<div class="small reasons">([^<]*)</div>', section)]
    for m, words in zip(want, reasons, strict=True):
        trad = people[m.participant]
        met = sorted({scores.canonical(n) for n in trad.needs} & {scores.canonical(o) for o in me.offers})
        for c in met:  # a need of theirs met exactly by my offer, said from my side
            tag = next(o for o in me.offers if scores.canonical(o) == c)
            assert f"needs {tag}, which you offer" in words
        assert not [w for w in words.split("; ") if w.startswith(("offers ", "has worked"))]  # me, never "it"
        shared = sorted(set(trad.sectors) & set(me.sectors))
        if shared:
            assert f"works in {', '.join(shared)}, where you have worked" in words
    # the best is the best: no traditional SME of the event scores higher with me than the first shown
    best = max(scores.pair_scores(data, [(t.id, me.id) for t in data.participants if t.kind == "traditional"
                                         and (t.id, me.id) not in {(r.sender, r.receiver) for r in data.requests}
                                         and (me.id, t.id) not in {(r.sender, r.receiver) for r in data.requests}]
                                  ).values())  # fmt: skip
    assert want[0].score == pytest.approx(best)


def test_a_tech_sme_asks_a_traditional_sme_and_both_pages_show_it(world):
    data = world["data"]
    me = first_of(data, "tech")
    asked = {r.receiver for r in data.requests if r.sender == me.id} | {r.sender for r in data.requests if r.receiver == me.id}
    other = next(p for p in sorted(data.participants, key=lambda p: p.name.casefold())
                 if p.kind == "traditional" and p.id not in asked)  # fmt: skip
    s = requests.Session()
    base = world["server"].url + f"/p/{world['tokens'][me.id]}"
    form = s.get(base + "/directory", params={"q": other.name}).text
    assert f'data-participant="{other.id}"' in form and "Request a meeting" in form
    r = s.post(base + "/requests", data={"csrf_token": csrf_of(form), "to": other.id, "priority": "1",
                                         "back": "directory", "q": other.name})  # fmt: skip
    assert r.url.startswith(base + "/directory") and "Request sent." in r.text
    card = r.text[r.text.index(f'data-participant="{other.id}"'):]
    assert "you asked for a meeting" in card.split("</li>")[0] and "st-pending" in card.split("</li>")[0]
    with Store(world["db"]) as st:
        [state] = [x for x in st.request_states(EV) if (x.request.sender, x.request.receiver) == (me.id, other.id)]
    assert (state.request.status, state.origin, state.request.priority) == ("pending", "participant", 1)
    # the traditional SME sees it and can accept it from its own page
    theirs = requests.Session()
    home = theirs.get(world["server"].url + f"/p/{world['tokens'][other.id]}").text
    row = home[home.index('id="requests"'):]
    row = row[row.index(html.escape(me.name)):].split("</tr>")[0]
    assert "asks you" in row and ">accept<" in row
    with Store(world["db"]) as st:
        waiting = [x for x in st.request_states(EV) if x.request.receiver == other.id
                   and x.request.status in ("pending", "suggested")]  # fmt: skip
    assert me.id in {x.request.sender for x in waiting}
    assert re.search(rf"Answer {len(waiting)} meeting requests?<", home)  # the main button before the event
    # the request policy still applies: a tech SME cannot ask another tech SME (same-kind meetings are off)
    peer = next(p for p in data.participants if p.kind == "tech" and p.id != me.id)
    r = s.post(base + "/requests", data={"csrf_token": csrf_of(form), "to": peer.id})
    assert "both tech SMEs; the event does not allow same-kind meetings" in html.unescape(r.text)
    with Store(world["db"]) as st:
        assert not [x for x in st.request_states(EV) if (x.request.sender, x.request.receiver) == (me.id, peer.id)]
