"""Section ``ideas``: ideas grouped per second, adding N ideas to an empty board and then N
more to a board of N (linear when the two rates are alike). Runs
``benchmarks/bench_ideas.py`` in its own process (N = 10,000; quick: 200), SQLite.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from benchmarks.common import ROOT, Context

NAME = "ideas"


def run(ctx: Context) -> dict[str, Any]:
    n = ctx.scaled(10_000, 200)
    out = ctx.tmp / "ideas.json"
    ctx.log(f"ideas: grouping {n} ideas into an empty board, then {n} more")
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_ideas.py"), "--n", str(n),
         "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if proc.returncode != 0:
        raise RuntimeError(f"bench_ideas exited {proc.returncode}: {proc.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(out.read_text("utf-8"))
    return result
