"""Accessibility checks in the browser: Deque's axe-core (tests/js, from npm) run in a Playwright page.

``axe_violations(page)`` injects axe-core into the page as it is now and returns the violations
of WCAG 2.0 / 2.1 A and AA rules whose impact is serious or critical, each as
``{"id", "impact", "help", "nodes": [css selectors]}``; an empty list means the page passes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

AXE = Path(__file__).resolve().parent / "js" / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SERIOUS = ("serious", "critical")


def axe_violations(page: Any, impacts: tuple[str, ...] = SERIOUS) -> list[dict[str, Any]]:
    """Run axe-core on ``page`` (a Playwright sync Page) and return its serious and critical
    WCAG 2.1 A/AA violations (``impacts`` to choose others)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))  # through the DevTools protocol: the page's CSP allows it
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", TAGS)
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [", ".join(n["target"]) if isinstance(n["target"], list) else str(n["target"])
                       for n in v["nodes"]][:10]}
            for v in result["violations"] if v["impact"] in impacts]  # fmt: skip
