"""`make bench` machinery at a tiny size: every section runs end to end and reports the
figures the README and the issues quote (structure, not speed)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.run import SECTIONS

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.timeout(900)  # three sections, each starting `simak` processes
def test_quick_bench_reports_every_section(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick", "--out", str(out),
         "--size", "classifier=16", "--size", "poll_e2e=60", "--size", "sends=6",
         "--size", "console=1000", "--size", "ideas=50"],
        capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(out.read_text("utf-8"))
    assert report["quick"] is True and report["machine"]["cpus_usable"] >= 1
    assert set(report["sections"]) == set(SECTIONS)
    clf = report["sections"]["classifier"]
    assert clf["default"]["posts_per_s"] > 0 and clf["default"]["cold_load"]["seconds"] > 0
    assert clf["classify_e2e"]["posts"] == 16 and clf["classify_e2e"]["posts_per_s"]["median"] > 0
    assert clf["real_texts"]["words"]["max"] >= clf["real_texts"]["words"]["median"]
    poll = report["sections"]["poll_e2e"]
    assert poll["mentions"] == 60 and poll["pure_classifier_posts_per_s"] > 0
    for backend in ("sqlite", "postgresql"):
        part = poll[backend]
        if "skipped" in part:
            continue
        assert part["stored"]["mentions"] == 60 and part["stored"]["people"] >= 60
        assert part["mentions_per_s"] > 0 and part["ratio_to_classifier"] > 0
        assert part["repoll_s"] > 0 and part["repoll_fraction"] > 0
        assert part["cpu_s"] > 0 and part["cpu_vs_classifier"] > 0
        # no run uses more CPU than its cores give in its wall time: the ceiling bounds it
        assert part["ratio_ceiling_from_cpu"] >= part["ratio_to_classifier"] - 0.002
    sends = report["sections"]["sends"]
    assert sends["follow_ups"] == 6 and sends["sqlite"]["sends_per_s"] > 0
    console = report["sections"]["console"]
    assert console["sqlite"]["queue"]["p95_ms"] > 0 and console["sqlite"]["ideas"]["p95_ms"] > 0
    ideas = report["sections"]["ideas"]
    assert ideas["n"] == 50 and ideas["ideas_per_s_board_of_n"] > 0
