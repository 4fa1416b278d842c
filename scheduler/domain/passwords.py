"""The minimum password policy for staff accounts, in plain words (and what a user name may be).

A password is at least :data:`MIN_LENGTH` characters, is not the account's name (in any case,
nor contains it whole), and is not one of the commonly used passwords of :data:`COMMON`. Hashing
is the web layer's (``webapp.passwords``): the core never sees a hash algorithm.
"""

from __future__ import annotations

import re

from scheduler.domain.errors import InvalidInput, Message, Problem
from scheduler.domain.language import N_

_USERNAME = re.compile(r"^[A-Za-z0-9._@-]{1,64}$")

MIN_LENGTH = 12
MAX_LENGTH = 200

#: Passwords found at the top of every leaked-password list (those of 12+ characters, plus
#: short ones repeated to length). A short list on purpose: the length rule does the rest.
COMMON = frozenset({
    "123456789012", "1234567890123", "12345678901234", "123456789abc", "1q2w3e4r5t6y", "qwertyuiopas",
    "qwerty123456", "qwertyuiop12", "password1234", "password12345", "passwordpassword", "iloveyou1234",
    "111111111111", "000000000000", "123123123123", "abcabcabcabc", "abcdefghijkl", "letmein12345",
    "welcome12345", "administrator", "adminadmin12", "changeme1234", "trustno1trustno1", "football1234",
    "baseball1234", "monkey123456", "dragon123456", "sunshine1234", "princess1234", "starwars1234",
    "qazwsxedcrfv", "1qaz2wsx3edc", "zaq12wsxcde3", "asdfghjkl123", "zxcvbnm12345", "passw0rd1234",
    "p@ssw0rd1234", "superman1234", "correcthorse", "correcthorsebatterystaple", "matchmaking1",
    "entente12345", "organiser123", "organizer123", "host12345678", "welcomewelcome",
})  # fmt: skip


def check_password(password: str, username: str) -> None:
    """Refuse a password that breaks the policy: :class:`InvalidInput` naming every reason."""
    problems: list[Message] = []
    if len(password) < MIN_LENGTH:
        problems.append(Message.of(N_("use at least {min} characters (this one has {length})"),
                                   min=MIN_LENGTH, length=len(password)))
    if len(password) > MAX_LENGTH:
        problems.append(Message.of(N_("use at most {max} characters"), max=MAX_LENGTH))
    folded, name = password.casefold(), username.casefold().strip()
    if name and name in folded:
        problems.append(Message.of(N_("do not use the user name in the password")))
    if folded in COMMON:
        problems.append(Message.of(N_("this password is on the list of the most used ones: choose another")))
    if any(ord(c) < 32 or ord(c) == 127 for c in password):
        problems.append(Message.of(N_("control characters (such as a tab or a line break) are not allowed")))
    if problems:
        raise InvalidInput([Problem.of(Message.of(N_("password")), p) for p in problems])


def check_username(username: str) -> None:
    """Refuse a user name that is not 1 to 64 letters, digits, '.', '_', '@' or '-' (:class:`InvalidInput`)."""
    if not _USERNAME.match(username):
        raise InvalidInput([Problem.of(Message.of(N_("user name")), N_("use 1 to 64 letters, digits, '.', '_', '@' or '-'"))])
