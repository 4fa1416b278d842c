"""E-mail addresses: the one place that says what an address is, with email-validator.

Addresses are checked for syntax only (no DNS: an import must not depend on the
network) and stored in email-validator's normalised form (NFC local part, the
domain lower-cased in Unicode). For delivery the domain is written in its IDNA
``xn--`` form; a non-ASCII local part can only travel over SMTPUTF8.
"""

from __future__ import annotations

from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email

from scheduler.domain.errors import InvalidInput, Message
from scheduler.domain.language import N_


class InvalidEmail(InvalidInput):
    """``value`` is not an e-mail address; ``reason`` says why in words (email-validator's, in English)."""

    def __init__(self, value: object, reason: str):
        self.value, self.reason = value, reason
        self.words = Message.of(N_("{value} is not an e-mail address: {reason}"), value=repr(value), reason=reason)
        super().__init__(self.words)


@dataclass(frozen=True)
class Address:
    """A checked address: ``normalised`` is what we store, ``delivery`` what the envelope carries."""

    normalised: str
    delivery: str  # the domain in IDNA (xn--) form; the local part as written
    smtputf8: bool  # the local part is not ASCII: only a server offering SMTPUTF8 can take it


def check_email(value: object) -> Address:
    """Return the checked, normalised ``value``; raise :class:`InvalidEmail` (a ValueError) if it is none."""
    if not isinstance(value, str):
        raise InvalidEmail(value, "an address is text")
    try:
        v = validate_email(value.strip(), check_deliverability=False, allow_display_name=False)
    except EmailNotValidError as exc:
        raise InvalidEmail(value, str(exc)) from None
    return Address(v.normalized, v.ascii_email or f"{v.local_part}@{v.ascii_domain}", v.smtputf8)


def normalise_email(value: object) -> str:
    """Return ``value`` in its stored (normalised) form; raise :class:`InvalidEmail` if it is no address."""
    return check_email(value).normalised
