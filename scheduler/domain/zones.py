"""Time zone names and rules, from the ``tzdata`` package only.

A zone name is valid when the IANA database, as shipped by the ``tzdata``
package in the project's environment, lists it (its ``zones`` file), except
``Factory``. Host files (``/usr/share/zoneinfo``, ``PYTHONTZPATH``) are never
read, so ``right/Europe/Berlin``, ``posix/Europe/Berlin`` or ``localtime`` are
refused on every machine, and one name gives the same rules everywhere.

Every accepted name has a canonical form: a name that is a Zone of its own or
a location in ``zone.tab``/``zone1970.tab`` (``Indian/Reunion``,
``Europe/Amsterdam``) is its own canonical form; any other name is a
backward-compatibility link (``Europe/Kiev``, ``US/Eastern``) and stands for
its target (``Europe/Kyiv``, ``America/New_York``). See ``docs/format.md, "Limits"``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from zoneinfo import ZoneInfo

from scheduler.domain.errors import Message

#: Names in the ``zones`` list that are not a place's time: tzdata's "Factory" zone.
REFUSED = frozenset({"Factory"})


class UnknownZone(ValueError):
    """A name that is not an IANA time zone; the message may suggest one (``words``: the same in any language)."""

    def __init__(self, words: Message):
        self.words = words
        super().__init__(str(words))


@dataclass(frozen=True)
class ZoneTable:
    """The names the ``tzdata`` package knows, and each one's canonical name."""

    version: str
    canonical: dict[str, str]  # every accepted name -> its canonical name


def _data(name: str) -> str:
    return resources.files("tzdata.zoneinfo").joinpath(name).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def table() -> ZoneTable:
    """Return the zone table built from the installed ``tzdata`` package (read once)."""
    import tzdata

    listed = [
        line.strip()
        for line in resources.files("tzdata").joinpath("zones").read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    accepted = set(listed) - REFUSED
    located: set[str] = set()
    for tab in ("zone.tab", "zone1970.tab"):
        for line in _data(tab).splitlines():
            if line and not line.startswith("#"):
                located.add(line.split("\t")[2])
    zones: set[str] = set()
    links: dict[str, str] = {}
    for line in _data("tzdata.zi").splitlines():
        f = line.split()
        if len(f) >= 2 and f[0] == "Z":
            zones.add(f[1])
        elif len(f) >= 3 and f[0] == "L":
            links[f[2]] = f[1]
    canonical: dict[str, str] = {}
    for name in accepted:
        target, hops = name, 0
        while target not in zones and target not in located and target in links and hops < 8:
            target, hops = links[target], hops + 1
        canonical[name] = target if target in accepted else name
    return ZoneTable(tzdata.IANA_VERSION, canonical)


def _suggest(name: str) -> str | None:
    """The zone a host-only or miscased name stands for (``right/Europe/Berlin`` -> ``Europe/Berlin``)."""
    canon = table().canonical
    bare = name
    for prefix in ("right/", "posix/", "zoneinfo/", "/usr/share/zoneinfo/"):
        if bare.startswith(prefix):
            bare = bare[len(prefix):]
    if bare in canon:
        return canon[bare]
    folded = {n.casefold(): c for n, c in canon.items()}
    return folded.get(bare.casefold())


def canonical_zone(name: object) -> str:
    """Return the canonical IANA name for ``name`` (``'US/Eastern'`` -> ``'America/New_York'``).

    Raise :class:`UnknownZone` (a ValueError) when ``name`` is not a zone the
    ``tzdata`` package lists; the message suggests the nearest zone when there is one.
    """
    if isinstance(name, str) and name in table().canonical:
        return table().canonical[name]
    hint = _suggest(name) if isinstance(name, str) else None
    if hint:
        raise UnknownZone(Message.gettext("{name} is not an IANA time zone; did you mean {hint}?",
                                     name=repr(name), hint=repr(hint)))
    raise UnknownZone(Message.gettext("{name} is not an IANA time zone", name=repr(name)))


def zone_info(name: str) -> ZoneInfo:
    """Return the rules of zone ``name``, read from the ``tzdata`` package.

    Aliases give their canonical zone (one cached object per canonical name).
    Raise :class:`UnknownZone` for any name :func:`canonical_zone` refuses.
    """
    return _load(canonical_zone(name))


@lru_cache(maxsize=1024)
def _load(key: str) -> ZoneInfo:
    path = resources.files("tzdata.zoneinfo")
    for part in key.split("/"):
        path = path.joinpath(part)
    with path.open("rb") as f:
        return ZoneInfo.from_file(f, key=key)
