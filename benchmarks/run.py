"""`make bench`: every benchmark section in its own process, one JSON report.

    scripts/with-postgres .venv/bin/python benchmarks/run.py --out reports/bench.json
    python benchmarks/run.py --sections sends --followups 200      # one quick section

A section is a command that prints one JSON object as its last line of output; add one
to ``sections()``. PostgreSQL sections run when ``SIMAK_TEST_PG_URL`` is set (as
``scripts/with-postgres`` does) and are reported as skipped otherwise. Figures are from
this machine, in this run: compare ratios measured in one run, not runs on different days.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def sections(args: argparse.Namespace) -> dict[str, list[str]]:
    """Section name -> the command that prints its JSON."""
    py = [sys.executable]
    out: dict[str, list[str]] = {
        "classifier": [*py, str(HERE / "bench_classifier.py"), "--out", str(args.tmp)],
    }
    for backend in ("sqlite", "postgresql"):
        out[f"poll_{backend}"] = [
            *py,
            str(HERE / "bench_pipeline.py"),
            "poll",
            "--mentions",
            str(args.mentions),
            "--backend",
            backend,
        ]
        out[f"sends_{backend}"] = [
            *py,
            str(HERE / "bench_pipeline.py"),
            "sends",
            "--followups",
            str(args.followups),
            "--backend",
            backend,
        ]
    for extra in ("bench_console.py", "bench_ideas.py"):
        if (HERE / extra).exists():
            out[extra.removeprefix("bench_").removesuffix(".py")] = [*py, str(HERE / extra)]
    return out


def run_section(command: list[str]) -> dict[str, Any]:
    """Run one section; its JSON, or why it failed (one line)."""
    started = time.perf_counter()
    proc = subprocess.run(command, capture_output=True, text=True, check=False)
    seconds = round(time.perf_counter() - started, 1)
    if proc.returncode != 0:
        lines = (proc.stderr or proc.stdout).strip().splitlines()
        return {"error": lines[-1] if lines else f"exit {proc.returncode}", "seconds": seconds}
    text = proc.stdout.strip()
    for candidate in (text, text.splitlines()[-1] if text else ""):
        try:
            result: dict[str, Any] = json.loads(candidate)
        except json.JSONDecodeError:
            continue
        return {**result, "section_seconds": seconds}
    return {"error": "printed no JSON", "seconds": seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("reports/bench.json"))
    parser.add_argument("--sections", help="comma-separated names (default: all)")
    parser.add_argument("--mentions", type=int, default=100_000, help="poll sections' size")
    parser.add_argument("--followups", type=int, default=1000, help="sends sections' size")
    args = parser.parse_args()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.tmp = args.out.with_suffix(".classifier.json")
    chosen = sections(args)
    if args.sections:
        wanted = set(args.sections.split(","))
        unknown = wanted - set(chosen)
        if unknown:
            raise SystemExit(f"unknown sections {sorted(unknown)}; known: {sorted(chosen)}")
        chosen = {k: v for k, v in chosen.items() if k in wanted}
    report: dict[str, Any] = {
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
    }
    for name, command in chosen.items():
        if name.endswith("_postgresql") and not os.environ.get("SIMAK_TEST_PG_URL"):
            report[name] = {"skipped": "no PostgreSQL (run under scripts/with-postgres)"}
            continue
        print(f"bench: {name}…", file=sys.stderr, flush=True)
        report[name] = run_section(command)
        print(f"bench: {name}: {json.dumps(report[name])}", file=sys.stderr, flush=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    args.tmp.unlink(missing_ok=True)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
