"""A live change brings each open page its fresh agenda, in the language that page is shown in,
so thousands of pages need not all ask ``agenda.json`` at once (issue 16's load)."""

from __future__ import annotations

import requests
import socketio

from scheduler.store import Store
from tests.test_sockets import EVENT, live, move_on_board, until  # noqa: F401 (live: the fixture)
from tests.webtools import login


def _page(url: str, token: str, lang: str | None, got: list) -> socketio.Client:
    """A participant's page as portal.js opens it: its token and the language it is shown in."""
    client = socketio.Client(reconnection=False)
    client.on("agenda_changed", lambda data=None: got.append(data))
    client.connect(url, auth={"token": token, **({"lang": lang} if lang else {})}, transports=["websocket"],
                   wait_timeout=10)  # fmt: skip
    return client


def test_the_push_carries_the_agenda_the_page_would_fetch_in_its_own_language(live):  # noqa: F811
    server, db = live
    tokens = Store(db).tokens(EVENT)
    french, plain = [], []
    pages = [_page(server.url, tokens["t-1"], "fr", french), _page(server.url, tokens["s-1"], None, plain)]
    with Store(db) as s:  # the page's language is kept for the pushes of any process
        assert s.page_languages(EVENT) == {"t-1": "fr"}
    move_on_board(login(server.url, "hans")[0], server.url, db)
    assert until(lambda: french and plain)
    fr, en = french[0], plain[0]
    assert fr["lang"] == "fr" and en["lang"] == "en"  # s-1 never said: the event's language
    assert "déplacé" in fr["changes"][0] and "moved from" in en["changes"][0]
    # exactly what the page would have asked for, in its language (the .ics link under its own link)
    for pid, msg, accept in (("t-1", fr, "fr"), ("s-1", en, "en")):
        asked = requests.get(f"{server.url}/p/{tokens[pid]}/agenda.json", headers={"Accept-Language": accept}).json()
        pushed = [row | {"ics": f"/p/{tokens[pid]}/{row['ics']}"} for row in msg["agenda"]]
        assert pushed == asked["agenda"]
    assert fr["agenda"][0]["words"]["room"].startswith("Salle")
    for p in pages:
        p.disconnect()


def test_a_page_in_another_language_replaces_the_one_kept(live):  # noqa: F811
    server, db = live
    tokens = Store(db).tokens(EVENT)
    for lang in ("de", "de", "it"):
        _page(server.url, tokens["t-1"], lang, []).disconnect()
    _page(server.url, tokens["t-1"], "xx", []).disconnect()  # not a shipped language: nothing kept
    with Store(db) as s:
        assert s.page_languages(EVENT) == {"t-1": "it"}
