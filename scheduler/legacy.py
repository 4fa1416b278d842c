"""The flat module names of releases before the regrouping into sub-packages, kept importable.

Scripts written against the old layout (``from scheduler.timegrid import build_slots``,
``from scheduler.formats import read_event_file``) keep working: the names below resolve to
their new homes, with a :class:`DeprecationWarning` naming the new path. New code imports the
new paths (``docs/architecture.md`` lists them); nothing in this repository uses these aliases,
and the import contracts do not see them (they are resolved at run time).

Two old names are not aliased because a package now has that name: ``scheduler.matching`` (now
``scheduler.matching.scores``) and ``scheduler.changes`` (now ``scheduler.changes.diff``).
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
import types
import warnings

#: old module name -> the new modules that hold its public names, searched in order
MOVED: dict[str, tuple[str, ...]] = {
    "model": ("scheduler.domain.model",),
    "errors": ("scheduler.domain.errors",),
    "timegrid": ("scheduler.domain.timegrid",),
    "zones": ("scheduler.domain.zones",),
    "limits": ("scheduler.domain.limits",),
    "addresses": ("scheduler.domain.addresses",),
    "requests": ("scheduler.matching.requests",),
    "formats": ("scheduler.files.formats", "scheduler.files.sheets", "scheduler.files.writer",
                "scheduler.files.schedules", "scheduler.files.inputs"),
    "sheets": ("scheduler.files.sheets",),
    "spreadsheets": ("scheduler.files.spreadsheets",),
    "generator": ("scheduler.files.generator",),
    "problem": ("scheduler.solving.problem", "scheduler.solving.validate"),
    "validate": ("scheduler.solving.validate",),
    "greedy": ("scheduler.solving.greedy",),
    "matchflow": ("scheduler.solving.flow",),
    "compaction": ("scheduler.solving.compaction",),
    "pipeline": ("scheduler.changes.pipeline",),
    "merge": ("scheduler.changes.merge",),
    "rebalance": ("scheduler.live.repair",),
    "standby": ("scheduler.live.standby",),
    "simulate": ("scheduler.live.simulate",),
    "invites": ("scheduler.invitations.ical",),
    "delivery": ("scheduler.invitations.delivery",),
    "headers": ("scheduler.invitations.headers",),
    "kpis": ("scheduler.reporting.kpis",),
}


class LegacyModule(types.ModuleType):
    """An old module name whose attributes are looked up in the new modules (PEP 562 style)."""

    def __init__(self, name: str, targets: tuple[str, ...]):
        super().__init__(name, f"Moved: see {', '.join(targets)}")
        self.__targets = targets

    def __getattr__(self, attr: str) -> object:
        for target in self.__targets:
            module = importlib.import_module(target)
            if hasattr(module, attr):
                return getattr(module, attr)
        raise AttributeError(f"module {self.__name__!r} has no attribute {attr!r} "
                             f"(it moved to {', '.join(self.__targets)})")

    def __dir__(self) -> list[str]:
        return sorted({n for t in self.__targets for n in dir(importlib.import_module(t))})


class LegacyFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds ``scheduler.<old name>`` for the names in :data:`MOVED`, and nothing else."""

    def find_spec(self, fullname: str, path: object = None, target: object = None
                  ) -> importlib.machinery.ModuleSpec | None:
        package, _, old = fullname.partition(".")
        if package != "scheduler" or old not in MOVED:
            return None
        return importlib.util.spec_from_loader(fullname, self)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        targets = MOVED[spec.name.partition(".")[2]]
        warnings.warn(f"{spec.name} moved to {targets[0]} (docs/architecture.md); the old name will go",
                      DeprecationWarning, stacklevel=2)
        return LegacyModule(spec.name, targets)

    def exec_module(self, module: types.ModuleType) -> None:
        """Nothing to run: the module's attributes are looked up on use."""


def install() -> None:
    """Put the finder on ``sys.meta_path`` once (after the normal finders: real modules win)."""
    if not any(isinstance(f, LegacyFinder) for f in sys.meta_path):
        sys.meta_path.append(LegacyFinder())
