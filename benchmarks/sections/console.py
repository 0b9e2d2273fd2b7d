"""Section ``console``: p95 server time of the web console's queue page and ideas board.

Runs ``benchmarks/bench_console.py`` in its own process: 100,000 mentions, 20,000 open
follow-ups and 5,000 ideas in 400 groups built with bulk inserts (quick: 1 % of that), on
SQLite and, with ``ctx.pg_url``, PostgreSQL; requests go through the ASGI app signed in
(session check, queries, template). Target: p95 ≤ 150 ms at full size.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

from benchmarks.common import ROOT, Context

NAME = "console"


def run(ctx: Context) -> dict[str, Any]:
    out = ctx.tmp / "console.json"
    scale = ctx.size / 100_000 if ctx.size else (0.01 if ctx.quick else 1.0)
    args = ["--out", str(out), "--runs", "5" if ctx.quick else "40", "--scale", str(scale)]
    env = dict(os.environ)
    if ctx.pg_url:
        env["SIMAK_TEST_PG_URL"] = ctx.pg_url
    else:
        env.pop("SIMAK_TEST_PG_URL", None)
    ctx.log(f"console: queue and ideas pages at scale {scale}")
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_console.py"), *args],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if proc.returncode != 0:
        raise RuntimeError(f"bench_console exited {proc.returncode}: {proc.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(out.read_text("utf-8"))
    if not ctx.pg_url:
        result["postgresql"] = {"skipped": "no PostgreSQL (run under scripts/with-postgres)"}
    return result
