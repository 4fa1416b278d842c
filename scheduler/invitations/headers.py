"""Mail header values we encode ourselves, and the check that they read back exactly.

The standard library's RFC 2047 folder can join two encoded-words with only a
fold between them or split one at a space, so a reader loses or doubles a
space (CPython issues #144156 and #92081: "IndústriaAçoriana"). So we never
hand it non-ASCII text. A value that is not plain ASCII becomes a run of
UTF-8 "Q" encoded-words, each holding whole characters *and* the spaces around
them; whitespace between adjacent encoded-words is dropped by every reader, so
the decoded value is exactly the concatenation. Each encoded-word sits on its
own folded line, and the message is written with ``refold_source="none"`` so
the library keeps our folding as it is.

A non-ASCII address cannot be encoded at all (RFC 2047 forbids encoded-words
in an addr-spec); it is written raw in a UTF-8 (RFC 6532) message that only
travels over SMTPUTF8.
"""

from __future__ import annotations

import base64
import re
import string
from email import policy as email_policy
from email.message import EmailMessage
from email.parser import HeaderParser

#: How the message is written: our folding kept as it is.
ASCII_POLICY = email_policy.SMTP.clone(refold_source="none")
UTF8_POLICY = email_policy.SMTPUTF8.clone(refold_source="none")

LINE = 78  # the recommended line length (RFC 5322 2.1.1)
WORD = 75  # the longest encoded-word (RFC 2047 2)
_Q_SAFE = frozenset(string.ascii_letters + string.digits + "!*+-/")  # safe in a phrase too (RFC 2047 5.3)
_PLAIN = re.compile(r"[!-~]+( [!-~]+)*")  # printable ASCII words, single spaces, no edge spaces
_PREFIX = "=?utf-8?q?"


class HeaderRoundTripError(ValueError):
    """A header of a built message does not read back as the text it was built from."""


def _q(ch: str) -> str:
    if ch == " ":
        return "_"
    if ch in _Q_SAFE:
        return ch
    return "".join(f"={b:02X}" for b in ch.encode("utf-8"))


def encoded_words(text: str, first: int = WORD) -> list[str]:
    """Return ``text`` as Q encoded-words of whole characters, the first at most ``first`` long.

    Raise ValueError when ``text`` holds a lone surrogate (it has no UTF-8 form)."""
    text.encode("utf-8")  # a lone surrogate raises UnicodeEncodeError (a ValueError) here
    words, cur, room = [], "", max(first, len(_PREFIX) + 2 + 12) - len(_PREFIX) - 2
    for ch in text:
        q = _q(ch)
        if cur and len(cur) + len(q) > room:
            words.append(f"{_PREFIX}{cur}?=")
            cur, room = "", WORD - len(_PREFIX) - 2
        cur += q
    if cur or not words:
        words.append(f"{_PREFIX}{cur}?=")
    return words


def one_encoded_word(text: str) -> str:
    """Return ``text`` as a single encoded-word, Q or B, whichever is shorter (it may exceed 75)."""
    q = encoded_words(text, 10**9)[0]
    b = "=?utf-8?b?" + base64.b64encode(text.encode("utf-8")).decode("ascii") + "?="
    return q if len(q) <= len(b) else b


def _plain(text: str) -> bool:
    return bool(_PLAIN.fullmatch(text)) and "=?" not in text


def _fold_plain(text: str, first: int) -> str | None:
    """Fold plain ASCII at single spaces so every line fits; None when a word is too long."""
    lines, cur, room = [], "", first
    for word in text.split(" "):
        if len(word) > LINE - 1:
            return None
        if cur and len(cur) + 1 + len(word) > room:
            lines.append(cur)
            cur, room = word, LINE - 1
        else:
            cur = f"{cur} {word}" if cur else word
    lines.append(cur)
    return "\n ".join(lines)


def unstructured(name: str, text: str) -> str:
    """Return the raw, folded value of header ``name`` (e.g. Subject) that decodes exactly to ``text``."""
    first = LINE - len(name) - 2
    if _plain(text):
        folded = _fold_plain(text, first)
        if folded is not None:
            return folded
    return "\n ".join(encoded_words(text, min(first, WORD)))


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _phrase(display: str) -> list[str]:
    """Return the words of a display name that reads back exactly as ``display``.

    In a phrase the standard parser keeps the space between two encoded-words (RFC 2047 says
    drop it) and folds a space followed by more white space inside one into a single space.
    So: split at single spaces; runs of printable-ASCII words (empty ones too: a double space)
    become one quoted-string, runs of the others one encoded-word (never two side by side);
    the words are joined by the single spaces they were split at. An encoded-word may thus be
    longer than RFC 2047's 75 characters (a long run of non-ASCII words): readers accept it."""
    runs: list[tuple[bool, list[str]]] = []
    for word in display.split(" "):
        ascii_ = all(" " < c <= "~" for c in word)
        if runs and runs[-1][0] == ascii_:
            runs[-1][1].append(word)
        else:
            runs.append((ascii_, [word]))
    return [_quoted(" ".join(ws)) if ascii_ else one_encoded_word(" ".join(ws)) for ascii_, ws in runs]


def mailbox(name: str, display: str, address: str) -> tuple[str, str]:
    """Return the raw value of header ``name`` (From, To) for ``display <address>``, and the display
    name it carries: ``display``, or "" when no encoding reads back exactly (then none is written).

    ``address`` goes in as it is (raw UTF-8 if it is not ASCII, see :data:`UTF8_POLICY`)."""
    if not display:
        return address, ""
    first = LINE - len(name) - 2
    if all(" " <= c <= "~" for c in display):
        words = [_quoted(display)]
    else:
        words = _phrase(display)
    lines: list[str] = []
    for word in [*words, f"<{address}>"]:
        if lines and len(lines[-1]) + 1 + len(word) <= (first if len(lines) == 1 else LINE - 1):
            lines[-1] += " " + word
        else:
            lines.append(word)
    raw = "\n ".join(lines)
    parsed = email_policy.default.header_factory(name, raw.replace("\n", ""))
    if [(a.display_name, a.addr_spec) for a in parsed.addresses] != [(display, address)]:
        return address, ""
    return raw, display


def set_headers(msg: EmailMessage, values: dict[str, str]) -> None:
    """Store already encoded and folded values in ``msg``, where the library will not refold them."""
    for key, value in values.items():
        del msg[key]
        msg.set_raw(key, value)


def check_round_trip(text: str, subject: str, mailboxes: dict[str, tuple[str, str]]) -> None:
    """Parse the message ``text`` with the standard parser; raise HeaderRoundTripError unless its
    Subject decodes to ``subject`` and each header in ``mailboxes`` (name -> (display name,
    address)) to exactly that one mailbox."""
    parsed = HeaderParser(policy=email_policy.default).parsestr(text)  # the headers: the body is not parsed
    got = str(parsed["Subject"])
    if got != subject:
        raise HeaderRoundTripError(f"the Subject reads back as {got!r}, not {subject!r}")
    for key, (display, address) in mailboxes.items():
        header = parsed[key]
        found = [(a.display_name, a.addr_spec) for a in header.addresses] if header is not None else []
        if found != [(display, address)]:
            raise HeaderRoundTripError(f"{key} reads back as {found!r}, not {[(display, address)]!r}")

