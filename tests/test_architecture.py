"""The house rules of docs/architecture.md, checked on the code itself.

Each check reads the source (or asks the linters that do) and fails naming the module that
breaks the rule, so a change that crosses a layer fails `make test`, not a later review.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PACKAGES = ("scheduler", "webapp", "cli")
MAX_LINES = 400


def _modules() -> dict[str, Path]:
    out = {}
    for pkg in PACKAGES:
        for f in sorted((ROOT / pkg).rglob("*.py")):
            name = ".".join(f.relative_to(ROOT).with_suffix("").parts)
            out[name.removesuffix(".__init__")] = f
    return out


def test_the_import_contracts_hold():
    """Layers, purity, external-library homes and acyclic siblings (pyproject's importlinter)."""
    run = subprocess.run([str(BIN / "lint-imports"), "--no-cache"], cwd=ROOT, capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert "BROKEN" not in run.stdout


def test_ruff_passes_with_the_import_fence():
    run = subprocess.run([str(BIN / "ruff"), "check", "--no-cache", "."], cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-4000:]


@pytest.mark.parametrize("pkg", ["scheduler", "webapp"])
def test_no_module_is_a_hall(pkg):
    long = {str(f.relative_to(ROOT)): n for name, f in _modules().items() if name.startswith(pkg)
            if (n := len(f.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}, f"modules over {MAX_LINES} lines: split them by what they own"


def _private_imports(name: str, path: Path, modules: dict[str, Path]) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom):
            continue
        base = node.module or ""
        if node.level:
            parts = package.split(".")[: len(package.split(".")) - node.level + 1]
            base = ".".join([*parts, base] if base else parts)
        if not base.startswith(PACKAGES):
            continue
        for alias in node.names:
            if alias.name.startswith("_") and not alias.name.startswith("__"):
                found.append(f"{name} imports {base}.{alias.name}")
    return found


def test_no_private_name_crosses_a_module():
    modules = _modules()
    found = [line for name, f in modules.items() for line in _private_imports(name, f, modules)]
    assert found == []


def test_the_private_name_check_sees_one(tmp_path):
    """The checker above is not vacuous: it flags a private import when there is one."""
    probe = tmp_path / "probe_private.py"
    probe.write_text("from scheduler.solving.problem import _hidden, pair_key\n", encoding="utf-8")
    assert _private_imports("probe", probe, {}) == ["probe imports scheduler.solving.problem._hidden"]


def test_every_core_package_says_what_it_owns_and_may_import():
    for init in sorted((ROOT / "scheduler").glob("*/__init__.py")):
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or ""
        assert "May import" in doc, f"{init.relative_to(ROOT)}: docstring must say what it may import"


def test_old_flat_module_names_still_import_with_a_warning():
    """Scripts written against the flat layout keep working; the warning names the new home."""
    import importlib

    from scheduler.domain.timegrid import build_slots
    from scheduler.files.sheets import read_event_file

    for old in ("scheduler.timegrid", "scheduler.formats"):
        sys.modules.pop(old, None)
    with pytest.warns(DeprecationWarning, match=r"scheduler\.timegrid moved to scheduler\.domain\.timegrid"):
        timegrid = importlib.import_module("scheduler.timegrid")
    with pytest.warns(DeprecationWarning, match="scheduler.files.formats"):
        formats = importlib.import_module("scheduler.formats")
    assert timegrid.build_slots is build_slots
    assert formats.read_event_file is read_event_file  # the old module's names, wherever they went
    with pytest.raises(AttributeError, match="moved to scheduler.domain.timegrid"):
        timegrid.no_such_name  # noqa: B018
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("scheduler.no_such_module")
