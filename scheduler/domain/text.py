"""Plain text a person types: its length limits and the characters refused in it.

Every free-text field of an event document, a profile or a staff form passes
:func:`text_problem`: NUL and other C0/C1 control characters (a tab is allowed only where
``multiline``), and the Unicode bidirectional overrides and isolates that make a name read
differently on screen from what is stored (the "Trojan source" characters) are refused.
"""

from __future__ import annotations

import re

from scheduler.domain.errors import Message
from scheduler.domain.language import N_

#: A name (of a person, an organisation, an event, a tag).
NAME_MAX = 200
#: A short field: contact person, country, cluster, phone, e-mail.
SHORT_MAX = 200
#: A description or free note.
LONG_MAX = 5000
#: A link template.
URL_MAX = 2000

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_CONTROL_ONE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f]")
#: bidi embeddings, overrides and isolates (LRE, RLE, PDF, LRO, RLO, LRI, RLI, FSI, PDI)
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")


def text_problem(value: str, limit: int, multiline: bool = False) -> Message | None:
    """Why ``value`` cannot be stored (in words, without the value itself; ``str()`` is English), or None when it can."""
    if len(value) > limit:
        return Message.of(N_("at most {limit} characters (got {length})"), limit=limit, length=len(value))
    if (_CONTROL if multiline else _CONTROL_ONE_LINE).search(value):
        return Message.of(N_("contains a control character (such as NUL or ESC); retype it without one"))
    if _BIDI.search(value):
        return Message.of(N_("contains a character that reverses the text direction; retype it without one"))
    return None
