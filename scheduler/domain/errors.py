"""One error tree for the core. Mistakes a user can make subclass ValueError."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


class SchedulerError(Exception):
    """Base of every error the core raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, located by record and field."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class InvalidInput(SchedulerError, ValueError):
    """Input that cannot be accepted; carries every problem found, not only the first."""

    def __init__(self, problems: Iterable[Problem] | str, source: str = ""):
        if isinstance(problems, str):
            problems = [Problem("", problems)]
        self.problems: tuple[Problem, ...] = tuple(problems)
        self.source = source
        super().__init__(self.summary())

    def summary(self) -> str:
        head = f"{self.source}: " if self.source else ""
        n = len(self.problems)
        if n == 1:
            return f"{head}{self.problems[0]}"
        lines = "\n".join(f"  - {p}" for p in self.problems)
        return f"{head}{n} problems found:\n{lines}"


class NotFound(SchedulerError, LookupError):
    """A named record does not exist."""


class Conflict(SchedulerError):
    """The change collides with the stored state (already exists, stale version, ...)."""


class StaleVersion(Conflict):
    """The change was based on a schedule version that is no longer the current one."""


class InfeasibleLock(InvalidInput):
    """Meetings the organiser locked cannot all hold at once."""
