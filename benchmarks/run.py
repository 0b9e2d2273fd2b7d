"""Simak's speed, as one JSON report: every section, or those asked for.

    python benchmarks/run.py [--sections classifier,poll_e2e,sends] [--quick]
                             [--size N | --size SECTION=N ...] [--out reports/bench.json]

Each section is a module in ``benchmarks/sections/`` with ``NAME`` and ``run(ctx)``
returning a JSON-able dict (see benchmarks/README.md). PostgreSQL figures need the admin
URL of a throwaway server in SIMAK_TEST_PG_URL (``scripts/with-postgres`` sets it; ``make
bench`` runs this under it); without one those parts say "skipped".
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import PG_ENV, Context, machine

#: Section name → module; add a section by adding a module and a line here.
SECTIONS = {
    "classifier": "benchmarks.sections.classifier",
    "poll_e2e": "benchmarks.sections.poll_e2e",
    "sends": "benchmarks.sections.sends",
    "console": "benchmarks.sections.console",
    "ideas": "benchmarks.sections.ideas",
}


def _sizes(values: list[str]) -> dict[str, int]:
    sizes: dict[str, int] = {}
    for value in values:
        name, _, n = value.rpartition("=")
        sizes[name or "*"] = int(n)
    return sizes


def run(names: list[str], quick: bool, sizes: dict[str, int], repeats: int) -> dict[str, Any]:
    """Run the sections in order, each in its own scratch folder; the whole report."""
    started = time.perf_counter()
    report: dict[str, Any] = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "quick": quick,
        "machine": machine(),
        "sections": {},
    }
    for name in names:
        module = importlib.import_module(SECTIONS[name])
        with tempfile.TemporaryDirectory(prefix=f"simak-bench-{name}-") as tmp:
            ctx = Context(
                tmp=Path(tmp), quick=quick, size=sizes.get(name, sizes.get("*")),
                repeats=repeats, pg_url=os.environ.get(PG_ENV),
            )  # fmt: skip
            section_started = time.perf_counter()
            result = module.run(ctx)
            result["section_s"] = round(time.perf_counter() - section_started, 1)
        report["sections"][name] = result
    report["total_s"] = round(time.perf_counter() - started, 1)
    return report


def main() -> None:
    """Parse the options, run, write the report (and print it)."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--sections", default=",".join(SECTIONS))
    parser.add_argument("--quick", action="store_true", help="a smoke run: tiny sizes, seconds")
    parser.add_argument("--size", action="append", default=[], help="N or SECTION=N")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("reports/bench.json"))
    args = parser.parse_args()
    names = [n.strip() for n in args.sections.split(",") if n.strip()]
    unknown = [n for n in names if n not in SECTIONS]
    if unknown:
        parser.error(f"unknown section(s) {', '.join(unknown)}; known: {', '.join(SECTIONS)}")
    report = run(names, args.quick, _sizes(args.size), args.repeats)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", "utf-8")
    print(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
