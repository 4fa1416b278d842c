#!/usr/bin/env python3
"""Pipeline benchmark (make bench): generate, import, recommend on a 3,000-SME event.

Runs the real command line (`run.py generate` and `run.py import`) as a user
would, then scores and recommends for every traditional SME in-process.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from scheduler.matching import scores as matching  # noqa: E402
from scheduler.store import Store  # noqa: E402


def timed(cmd: list[str]) -> float:
    t = time.monotonic()
    subprocess.run(cmd, check=True, capture_output=True, cwd=ROOT)
    return time.monotonic() - t


def main() -> int:
    n = 3000
    table = Table(title=f"Pipeline on a generated {n}-participant event (seed 1)")
    for col in ("step", "what", "seconds"):
        table.add_column(col, justify="right" if col == "seconds" else "left")
    with tempfile.TemporaryDirectory() as tmp:
        src, db = Path(tmp) / "event.json", Path(tmp) / "bench.db"
        py = sys.executable
        g = timed([py, "run.py", "generate", "--participants", str(n), "--seed", "1", "-o", str(src)])
        i = timed([py, "run.py", "--db", str(db), "import", str(src)])
        table.add_row("generate", f"run.py generate --participants {n} --seed 1", f"{g:.1f}")
        table.add_row("import", "run.py import (validate + store, one transaction)", f"{i:.1f}")
        table.add_row("generate + import", "", f"{g + i:.1f}")
        with Store(db) as store:
            data = store.load(f"gen-{n}-s1")
        t = time.monotonic()
        recs = matching.recommend(data, 5, exclude=[(r.sender, r.receiver) for r in data.requests])
        r = time.monotonic() - t
        table.add_row("recommend", f"top 5 for all {len(recs)} traditional SMEs "
                      f"({sum(len(v) for v in recs.values())} recommendations, with reasons)", f"{r:.1f}")  # fmt: skip
    Console(width=160).print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
