"""`make bench` machinery at a tiny size: every section runs and reports what it measured
(speed itself is measured by `make bench`, never asserted in tests)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bench_sections_report_what_they_measured(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "run.py"),
            "--sections",
            "poll_sqlite,sends_sqlite",
            "--mentions",
            "40",
            "--followups",
            "5",
            "--out",
            str(out),
        ],
        check=True,
        capture_output=True,
        timeout=600,
    )
    report = json.loads(out.read_text("utf-8"))
    poll, sends = report["poll_sqlite"], report["sends_sqlite"]
    assert "error" not in poll and "error" not in sends, report
    assert poll["mentions"] == 40 and poll["stored"]["mentions"] == 40
    assert poll["mentions_per_s"] > 0 and poll["pure_classifier_posts_per_s"] > 0
    assert poll["ratio_to_pure_classifier"] > 0 and poll["repoll_fraction_of_first"] > 0
    assert sends["delivered"] == 5 and sends["sends_per_s"] > 0
