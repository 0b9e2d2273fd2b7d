"""SIGKILL `simak poll` at random points; a re-run must end exactly like one clean run."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.core.conftest import FEED

N_MENTIONS = 1500

CONFIG = """
brands:
  - name: kopi-senja
    terms: [Kopi Senja]
sources:
  - name: export
    type: files
    options: {path: mentions.jsonl, page_size: 50}
  - name: blog
    type: feeds
    options: {urls: [feed.xml]}
classifier:
  backend: keywords
  batch_size: 40
storage:
  url: sqlite:///simak.db
"""

TEXTS = [
    "Kopi Senja enak banget {i}",
    "Kopi Senja app error terus {i}, kecewa",
    "Kopi Senja tolong tambahin oat milk {i}",
    "cuma lewat depan Kopi Senja {i}",
]


def make_project(root: Path) -> None:
    root.mkdir()
    (root / "config.yaml").write_text(CONFIG, "utf-8")
    (root / "feed.xml").write_text(FEED, "utf-8")
    with (root / "mentions.jsonl").open("w", encoding="utf-8") as f:
        for i in range(N_MENTIONS):
            f.write(
                json.dumps(
                    {
                        "id": str(i),
                        "author": f"user{i % 97}",
                        "text": TEXTS[i % len(TEXTS)].format(i=i),
                        "created_at": "2026-11-22T08:00:00Z",
                    }
                )
                + "\n"
            )


def poll(root: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "SIMAK_CONFIG": str(root / "config.yaml")}
    env.pop("SIMAK_DATABASE_URL", None)
    return subprocess.Popen(
        [sys.executable, "-m", "simak", "poll"],
        cwd=root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def snapshot(root: Path) -> dict[str, object]:
    with sqlite3.connect(root / "simak.db") as conn:

        def rows(sql: str) -> list[tuple[object, ...]]:
            return sorted(conn.execute(sql).fetchall())

        return {
            "mentions": rows("SELECT platform, external_id, status FROM mentions"),
            "classified": rows(
                "SELECT m.external_id, c.labels FROM classifications c "
                "JOIN mentions m ON m.id = c.mention_id WHERE c.is_current"
            ),
            "followups": rows(
                "SELECT m.external_id, f.label FROM followups f "
                "JOIN mentions m ON m.id = f.mention_id"
            ),
            "ideas": rows(
                "SELECT m.external_id FROM ideas i JOIN mentions m ON m.id = i.mention_id"
            ),
            "people": rows("SELECT platform, key FROM handles"),
        }


def test_sigkill_then_rerun_equals_one_clean_run(tmp_path: Path) -> None:
    clean, crashed = tmp_path / "clean", tmp_path / "crashed"
    make_project(clean)
    make_project(crashed)
    assert poll(clean).wait(timeout=240) == 0
    rng = random.Random(7)
    kills = 0
    for _ in range(5):
        proc = poll(crashed)
        time.sleep(rng.uniform(0.8, 4.0))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait(timeout=60)
    assert poll(crashed).wait(timeout=240) == 0
    assert kills >= 1  # the test must actually have interrupted something
    expected = snapshot(clean)
    assert len(expected["mentions"]) == N_MENTIONS + 1  # type: ignore[arg-type]
    assert snapshot(crashed) == expected
