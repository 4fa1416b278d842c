"""Invites to any name and any address: Subjects and display names decode exactly (BR-14), a
non-ASCII address goes out over SMTPUTF8 or fails with a plain reason (BR-15), and one bad
message never stops the others. Real SMTP servers on 127.0.0.1; messages read back with the
standard library's parsers."""

from __future__ import annotations

import email
import email.policy
import re
from datetime import UTC, datetime
from email.header import decode_header, make_header
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from icalendar import Calendar

from scheduler.domain.errors import InvalidInput
from scheduler.domain.model import Meeting
from scheduler.files.formats import parse_event_document
from scheduler.invitations import delivery
from scheduler.invitations.ical import InviteContext, summary
from scheduler.solver import SolverConfig, solve
from tests.builders import document, person
from tests.test_invites import free_port

STAMP = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
ONE_SLOT = [{"date": "2027-03-26", "start": "09:00", "end": "09:25"}]


class Inbox:
    """What an SMTP server received: envelope recipients, MAIL options and the raw message."""

    def __init__(self):
        self.got: list[tuple[list[str], list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        self.got.append((list(envelope.rcpt_tos), list(envelope.mail_options), envelope.original_content))
        return "250 OK"

    def parsed(self) -> dict[str, email.message.EmailMessage]:
        """Envelope recipient -> the message, parsed by the standard library (its bytes parser reads
        headers as ASCII, so a UTF-8 message (RFC 6532) is decoded first)."""
        return {rcpt[0]: read(raw) for rcpt, _, raw in self.got}


def read(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_string(raw.decode("utf-8"), policy=email.policy.default)


@pytest.fixture
def smtp_server():
    """Start a real SMTP server (``smtputf8``: whether it offers SMTPUTF8); yield (config, inbox)."""
    started = []

    def start(smtputf8: bool):
        inbox, port = Inbox(), free_port()
        controller = Controller(inbox, hostname="127.0.0.1", port=port, enable_SMTPUTF8=smtputf8)
        controller.start()
        started.append(controller)
        return delivery.SmtpConfig("127.0.0.1", port, sender="events@cluster.example"), inbox

    yield start
    for c in started:
        c.stop()


def world(store, people, organiser="Cluster organisers"):
    """Store a one-slot event of ``people`` (t-1 asks s-1), solve it, return the invite context."""
    doc = document(people, [("t-1", "s-1")], id="ev-mail", name="Mail", timezone="Europe/Lisbon",
                   sessions=ONE_SLOT, rooms=1)
    data = parse_event_document(doc)
    store.save_event(data)
    result = solve(data, config=SolverConfig(time_limit=2))
    store.save_schedule(result.schedule)
    return lambda pid: InviteContext(data.event, "organiser@cluster.example", organiser)


def queue(store, ctx_for):
    return delivery.queue_invites(store, "ev-mail", ctx_for, STAMP, "organiser@cluster.example")


AZORES = "Indústria Açoriana de Conservas Atlânticas Lda"


@pytest.mark.parametrize("smtputf8", [False, True])
def test_br14_a_long_accented_name_keeps_every_space_in_the_subject(store, smtp_server, smtputf8):
    ctx_for = world(store, [person("t-1", tz="Atlantic/Azores", name=AZORES, email="geral@alfa.example"),
                            person("s-1", tz="Indian/Reunion", name="VisionWorks AI",
                                   email="pieter@beta.example")])
    assert queue(store, ctx_for) == (2, [])
    config, inbox = smtp_server(smtputf8)
    report = delivery.deliver(store, delivery.Transport(config), STAMP)
    assert (report.sent, report.failed) == (2, 0)
    got = inbox.parsed()
    want = {
        "pieter@beta.example": f"Invitation: B2B meeting: VisionWorks AI <> {AZORES}, Fri 26 Mar 13:00 (Indian/Reunion)",
        "geral@alfa.example": f"Invitation: B2B meeting: {AZORES} <> VisionWorks AI, Fri 26 Mar 08:00 (Atlantic/Azores)",
    }  # fmt: skip
    assert {k: str(m["Subject"]) for k, m in got.items()} == want
    for rcpt, _, raw in inbox.got:  # the older API reads the raw header the same way
        legacy = email.message_from_bytes(raw)
        assert str(make_header(decode_header(unfold(legacy["Subject"])))) == want[rcpt[0]]
    for _, options, raw in inbox.got:  # an 8-bit body is announced as such
        assert ("BODY=8BITMIME" in options) == (not raw.isascii())
    to = got["geral@alfa.example"]["To"].addresses[0]
    assert (to.display_name, to.addr_spec) == (AZORES, "geral@alfa.example")


def test_br15_folder_transport_writes_the_address_raw_never_as_an_encoded_word(store, tmp_path):
    ctx_for = world(store, [person("t-1", name="Alfa Metall GmbH", email="jörg@alfa.example"),
                            person("s-1", name="Beta Vision", email="bo@beta.example")])
    queue(store, ctx_for)
    report = delivery.deliver(store, delivery.Transport(folder=tmp_path), STAMP)
    assert (report.sent, report.failed) == (2, 0)
    to = {}
    for path in tmp_path.glob("*.eml"):
        raw = path.read_bytes()
        msg = read(raw)
        [address] = msg["To"].addresses
        to[address.addr_spec] = address.display_name
        assert f"<{address.addr_spec}>".encode() in raw.split(b"\r\n\r\n", 1)[0]  # raw, not encoded
    assert to == {"jörg@alfa.example": "Alfa Metall GmbH", "bo@beta.example": "Beta Vision"}


def test_br15_smtputf8_server_gets_the_utf8_message_with_the_smtputf8_option(store, smtp_server):
    ctx_for = world(store, [person("t-1", name="Alfa Metall GmbH", email="jörg@alfa.example"),
                            person("s-1", name="Beta Vision", email="bo@beta.example")])
    queue(store, ctx_for)
    config, inbox = smtp_server(True)
    report = delivery.deliver(store, delivery.Transport(config), STAMP)
    assert (report.sent, report.retrying, report.failed) == (2, 0, 0)
    options = {rcpt[0]: [o for o in opts if not o.startswith("SIZE=")] for rcpt, opts, _ in inbox.got}
    assert options == {"jörg@alfa.example": ["SMTPUTF8", "BODY=8BITMIME"], "bo@beta.example": []}
    msg = inbox.parsed()["jörg@alfa.example"]
    assert msg["To"].addresses[0].addr_spec == "jörg@alfa.example"
    assert str(msg["Subject"]) == "Invitation: B2B meeting: Alfa Metall GmbH <> Beta Vision, Fri 26 Mar 10:00 (Europe/Brussels)"
    assert {r["status"] for r in store.outbox("ev-mail")} == {"sent"}


def test_br15_without_smtputf8_that_one_fails_with_a_plain_reason_and_the_others_go(store, smtp_server):
    ctx_for = world(store, [person("t-1", name="Alfa Metall GmbH", email="jörg@alfa.example"),
                            person("s-1", name="Beta Vision", email="bo@beta.example")])
    queue(store, ctx_for)
    config, inbox = smtp_server(False)
    report = delivery.deliver(store, delivery.Transport(config), STAMP)
    assert (report.sent, report.retrying, report.failed) == (1, 0, 1)
    assert report.errors == ("jörg@alfa.example: " + delivery.NO_SMTPUTF8,)
    rows = {r["recipient"]: (r["status"], r["last_error"]) for r in store.outbox("ev-mail")}
    assert rows == {"jörg@alfa.example": ("failed", "the mail server does not accept non-ASCII addresses (SMTPUTF8)"),
                    "bo@beta.example": ("sent", None)}  # fmt: skip
    assert [rcpt for rcpt, _, _ in inbox.got] == [["bo@beta.example"]]


def test_an_internationalised_domain_travels_in_its_idna_form(store, smtp_server):
    ctx_for = world(store, [person("t-1", name="Bäckerei Löwe", email="info@Bäckerei-Löwe.example"),
                            person("s-1", name="Beta Vision", email="bo@beta.example")])
    assert store.load("ev-mail").by_id()["t-1"].email == "info@bäckerei-löwe.example"  # normalised
    queue(store, ctx_for)
    config, inbox = smtp_server(False)  # plain ASCII on the wire: no SMTPUTF8 needed
    assert delivery.deliver(store, delivery.Transport(config), STAMP).sent == 2
    msg = inbox.parsed()["info@xn--bckerei-lwe-l8a6v.example"]
    assert msg["To"].addresses[0].addr_spec == "info@xn--bckerei-lwe-l8a6v.example"
    assert msg["To"].addresses[0].display_name == "Bäckerei Löwe"


@pytest.mark.parametrize("value, reason", [
    ("x@@y", "The part after the @-sign contains invalid characters: '@'."),
    ("nobody at example", "An email address must have an @-sign."),
    ("a b@example.org", "The email address contains invalid characters before the @-sign: SPACE."),
])  # fmt: skip
def test_import_names_the_record_field_and_the_reason(value, reason):
    doc = document([person("t-1", email=value), person("s-1")], [("t-1", "s-1")])
    with pytest.raises(InvalidInput) as info:
        parse_event_document(doc)
    assert [str(p) for p in info.value.problems] == [
        f"participants[0].email: {value!r} is not an e-mail address: {reason}"]


def test_import_stores_the_normalised_address():
    doc = document([person("t-1", email="  Jörg@Alfa.EXAMPLE "), person("s-1")], [("t-1", "s-1")])
    assert parse_event_document(doc).by_id()["t-1"].email == "Jörg@alfa.example"


def test_a_message_that_cannot_be_sent_is_failed_and_the_rest_still_go(store, smtp_server):
    ctx_for = world(store, [person("t-1"), person("s-1")])
    queue(store, ctx_for)
    # an old row (stored before addresses were checked): smtplib would read the second address
    store.queue([{"event_id": "ev-mail", "meeting_id": "m-old", "participant_id": "t-1", "sequence": 0,
                  "method": "REQUEST", "recipient": "t-1@example.org\r\nRCPT TO:<evil@example.org>",
                  "subject": "old", "message": "Subject: old\r\n\r\nbody\r\n", "message_id": "<old@x>"}],
                 STAMP)
    config, inbox = smtp_server(True)
    report = delivery.deliver(store, delivery.Transport(config), STAMP)
    assert (report.sent, report.retrying, report.failed) == (2, 0, 1)
    rows = store.outbox("ev-mail")
    assert "sending" not in {r["status"] for r in rows}
    [bad] = [r for r in rows if r["meeting_id"] == "m-old"]
    assert bad["status"] == "failed"
    assert bad["last_error"] == ("'t-1@example.org\\r\\nRCPT TO:<evil@example.org>' is not an e-mail address: "
                                 "The part after the @-sign contains invalid characters: ':', '<', '>', '@', SPACE, U+000A, U+000D.")
    assert sorted(r[0] for r, _, _ in inbox.got) == ["s-1@example.org", "t-1@example.org"]


def exact_or_none(got: str, name: str) -> bool:
    """The display name a reader gets is the name exactly, or none at all (never a wrong one) when
    the name has a space followed by more white space between non-ASCII words, which the standard
    library's phrase parser folds into one space inside an encoded-word."""
    return got == name or (got == "" and bool(re.search(r"[ \t]\s", name)))


def cn_as_written(ics: bytes) -> list[tuple[str, str]]:
    """(property, CN) of ORGANIZER and each ATTENDEE as RFC 5545 (no escapes in parameters) and RFC 6868
    (^n, ^', ^^) define them, read from the raw document."""
    text = re.sub(r"\r?\n[ \t]", "", ics.decode("utf-8"))
    out = []
    for line in re.split(r"\r?\n", text):
        if line.startswith(("ORGANIZER;", "ATTENDEE;")):
            m = re.search(r';CN=(?:"([^"]*)"|([^;:"]*))[;:]', line)
            raw = m.group(1) if m.group(1) is not None else m.group(2)
            out.append((line.split(";", 1)[0], re.sub(r"\^(.)", lambda c: {"n": "\n", "'": '"', "^": "^"}.get(c.group(1), c.group(0)), raw)))
    return sorted(out, key=lambda x: x[0] != "ORGANIZER")


def unfold(value: str) -> str:
    """RFC 5322 unfolding, which the legacy API leaves to its caller."""
    return re.sub(r"\r?\n(?=[ \t])", "", value)


def test_display_names_are_exact_or_left_out():
    from scheduler.invitations.headers import mailbox

    assert mailbox("To", "Vanille Bourbon  Réunion", "a@b.example")[1] == "Vanille Bourbon  Réunion"
    assert mailbox("To", "Ação \u3000Lda", "a@b.example") == ("a@b.example", "")


NAME = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=80)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mine=NAME, theirs=NAME, organiser=NAME)
def test_any_name_round_trips_through_subject_display_names_and_the_invite(mine, theirs, organiser):
    data = parse_event_document(document(
        [person("t-1", name=mine, email="t@alfa.example"), person("s-1", name=theirs)], [("t-1", "s-1")],
        sessions=ONE_SLOT))
    people = data.by_id()
    me, other = people["t-1"], people["s-1"]
    slot = datetime(2027, 3, 26, 8, 0, tzinfo=UTC)
    m = Meeting("m-1", "t-1", "s-1", slot, slot.replace(minute=25), 1)
    ctx = InviteContext(data.event, "organiser@cluster.example", organiser)
    msg = delivery.build_message(ctx, m, me, other, 0, STAMP, "REQUEST", "organiser@cluster.example")
    text = f"Invitation: B2B meeting: {mine} <> {theirs}, Fri 26 Mar 09:00 (Europe/Brussels)"
    for parsed in (email.message_from_string(msg.as_string(), policy=email.policy.default),
                   email.message_from_bytes(msg.as_string().encode("utf-8"), policy=email.policy.SMTP)):
        assert str(parsed["Subject"]) == text
        [to], [sender] = parsed["To"].addresses, parsed["From"].addresses
        assert to.addr_spec == "t@alfa.example" and exact_or_none(to.display_name, mine)
        assert sender.addr_spec == "organiser@cluster.example" and exact_or_none(sender.display_name, organiser)
    legacy = email.message_from_string(msg.as_string())
    assert str(make_header(decode_header(unfold(legacy["Subject"])))) == text
    assert all(len(line) <= 998 for line in msg.as_string().split("\r\n\r\n")[0].split("\r\n"))
    part = next(p for p in msg.walk() if p.get_content_type() == "text/calendar")
    ics = part.get_payload(decode=True)
    [ev] = Calendar.from_ical(ics).walk("VEVENT")
    assert str(ev["SUMMARY"]) == summary(me, other) == f"B2B meeting: {mine} <> {theirs}"
    assert cn_as_written(ics) == [("ORGANIZER", organiser), ("ATTENDEE", mine), ("ATTENDEE", theirs)]  # what an RFC 5545 reader (ical.js) gets
    for got, name in zip([ev["ORGANIZER"], *ev["ATTENDEE"]], [organiser, mine, theirs], strict=True):
        # icalendar reads '\\', '\\;', '\\,', '\\:' in a parameter as escapes (collective/icalendar#1497)
        assert got.params["CN"] == name or re.search(r"\\[\\;,:]", name)


def test_the_built_message_is_stored_exactly_as_checked(store):
    ctx_for = world(store, [person("t-1", name="Vanille Bourbon  Réunion"), person("s-1", name="Café \"Ô\" <x>")])
    queue(store, ctx_for)
    subjects = set()
    for row in store.outbox("ev-mail"):
        parsed = email.message_from_string(row["message"], policy=email.policy.default)
        assert str(parsed["Subject"]) == row["subject"]
        subjects.add(row["subject"].split(", Fri")[0])
    assert subjects == {'Invitation: B2B meeting: Vanille Bourbon  Réunion <> Café "Ô" <x>',
                        'Invitation: B2B meeting: Café "Ô" <x> <> Vanille Bourbon  Réunion'}


def test_a_row_left_in_sending_by_the_old_builder_is_failed_not_sent_with_a_broken_address(store, smtp_server):
    ctx_for = world(store, [person("t-1", name="Alfa Metall GmbH", email="jörg@alfa.example"),
                            person("s-1", name="Beta Vision", email="bo@beta.example")])
    queue(store, ctx_for)
    # what the previous version stored: the standard library puts an encoded-word in the address
    old = EmailMessage(policy=email.policy.SMTP)
    old["To"], old["Subject"] = "jörg@alfa.example", "Invitation"
    old.set_content("old")
    assert "=?utf-8?q?j=C3=B6rg?=@alfa.example" in old.as_string()
    store.queue([{"event_id": "ev-mail", "meeting_id": "m-old", "participant_id": "t-1", "sequence": 0,
                  "method": "REQUEST", "recipient": "jörg@alfa.example", "subject": "Invitation",
                  "message": old.as_string(), "message_id": "<old@x>"}], STAMP)
    [row] = [r for r in store.outbox("ev-mail") if r["meeting_id"] == "m-old"]
    store.mark(row["id"], "sending", STAMP, attempt=True)  # the old run stopped here
    config, inbox = smtp_server(True)
    report = delivery.deliver(store, delivery.Transport(config), STAMP + delivery.STALE_SENDING)
    assert (report.sent, report.failed) == (2, 1)
    states = {r["meeting_id"] == "m-old": (r["status"], r["last_error"]) for r in store.outbox("ev-mail")}
    assert states[False] == ("sent", None)
    assert states[True][0] == "failed" and "built by an older version" in states[True][1]
    assert sorted(read(raw)["To"].addresses[0].addr_spec for _, _, raw in inbox.got) == [
        "bo@beta.example", "jörg@alfa.example"]  # the two new ones, addresses as they are
