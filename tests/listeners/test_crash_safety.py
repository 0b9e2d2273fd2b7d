"""SIGKILL a poller at random points, re-run it, and end with exactly one clean run's
mentions: page cursors are stored with their mentions, so nothing is lost or doubled."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_child(kind: str, db: Path, options: dict[str, object], kill_after: int | None) -> str:
    """Run the child; SIGKILL it after ``kill_after`` committed pages. Returns its last line."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.listeners.crash_child", kind, str(db), json.dumps(options)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert proc.stdout is not None
    last = ""
    pages = 0
    while line := proc.stdout.readline():
        last = line.strip()
        pages += 1
        if kill_after is not None and pages >= kill_after:
            # The child is already working on the next page: this lands mid-page.
            proc.send_signal(signal.SIGKILL)
            break
    proc.wait()  # no timeout: a timed wait polls with sleep; pytest-timeout bounds it
    if kill_after is None:
        assert proc.returncode == 0, proc.stderr.read() if proc.stderr else ""
    return last


def stored(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        return sorted(r[0] for r in conn.execute("SELECT external_id FROM mentions"))


def crash_then_finish(kind: str, tmp: Path, options: dict[str, object], seed: int) -> list[str]:
    db = tmp / f"crash-{seed}.db"
    rng = random.Random(seed)
    for _ in range(3):
        run_child(kind, db, options, kill_after=rng.randint(1, 30))
    assert run_child(kind, db, options, kill_after=None) == "done"
    return stored(db)


def test_files_listener_survives_sigkill(tmp_path: Path) -> None:
    export = tmp_path / "export.jsonl"
    with export.open("w", encoding="utf-8") as f:
        for i in range(3000):
            f.write(json.dumps({"id": f"m{i:05d}", "text": f"kopi senja #{i}"}) + "\n")
    options: dict[str, object] = {"path": str(export), "page_size": 25}
    clean_db = tmp_path / "clean.db"
    assert run_child("files", clean_db, options, kill_after=None) == "done"
    clean = stored(clean_db)
    assert len(clean) == 3000
    for seed in (1, 2):
        assert crash_then_finish("files", tmp_path, options, seed) == clean


@pytest.mark.parametrize("seed", [3])
def test_feeds_listener_survives_sigkill(tmp_path: Path, seed: int) -> None:
    urls = []
    for n in range(60):
        items = "".join(
            f"<item><guid>https://news.example/{n}/{i}</guid><title>kopi senja {n}-{i}</title>"
            "</item>"
            for i in range(5)
        )
        path = tmp_path / f"feed{n}.xml"
        path.write_text(f'<rss version="2.0"><channel><title>f</title>{items}</channel></rss>')
        urls.append(str(path))
    options: dict[str, object] = {"urls": urls}
    clean_db = tmp_path / "clean.db"
    assert run_child("feeds", clean_db, options, kill_after=None) == "done"
    clean = stored(clean_db)
    assert len(clean) == 300
    assert crash_then_finish("feeds", tmp_path, options, seed) == clean
