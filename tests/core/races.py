"""Helpers for tests that race real `simak` processes or kill them: a copy of the demo,
subprocess runs, and a snapshot of everything a run leaves in the database."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

DEMO_CONFIG = """
brands:
  - name: kopi-senja
    display_name: Kopi Senja
    terms: [Kopi Senja, kopisenja, "#kopisenja"]
    handles: {x: kopisenja, reddit: kopisenja}
    exclude: [senja utama]
    languages: [id, en]
sources:
  - name: demo-export
    type: files
    options: {path: examples/mentions.jsonl}
  - name: demo-blogs
    type: feeds
    options: {urls: [examples/blog_feed.xml]}
classifier:
  backend: keywords
responder:
  business: {name: Kopi Senja, signer: Dina}
storage:
  url: DBURL
"""


def demo_project(root: Path, db_url: str) -> Path:
    """The bundled demo (keywords backend, for speed) in ``root``; returns the config path."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copytree(EXAMPLES, root / "examples", dirs_exist_ok=True)
    config = root / "config.yaml"
    config.write_text(DEMO_CONFIG.replace("DBURL", db_url), "utf-8")
    return config


def simak(
    config: Path, *args: str, extra_env: dict[str, str] | None = None
) -> subprocess.Popen[str]:
    """Start `simak --config CONFIG ARGS` from another directory (cron-like)."""
    env = {k: v for k, v in os.environ.items() if k not in ("SIMAK_DATABASE_URL", "SIMAK_CONFIG")}
    env.update(extra_env or {})
    return subprocess.Popen(
        [sys.executable, "-m", "simak", "--config", str(config), *args],
        cwd="/",
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def run(
    config: Path, *args: str, timeout: float = 120, extra_env: dict[str, str] | None = None
) -> tuple[int, str, str]:
    """Run `simak` to the end: (exit code, stdout, stderr)."""
    proc = simak(config, *args, extra_env=extra_env)
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out, err


def stats(config: Path) -> dict[str, Any]:
    """`simak stats --json`."""
    code, out, err = run(config, "stats", "--json")
    assert code == 0, err
    data: dict[str, Any] = json.loads(out)
    return data


def snapshot(db_url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Everything a poll stores, in a form two runs can be compared by (ids excluded)."""
    engine = create_engine(db_url)
    queries = {
        "mentions": "SELECT platform, external_id, status FROM mentions",
        "classified": "SELECT m.external_id, c.model FROM classifications c "
        "JOIN mentions m ON m.id = c.mention_id WHERE c.is_current",
        "followups": "SELECT f.id, f.label, f.status, m.external_id FROM followups f "
        "JOIN followup_mentions p ON p.followup_id = f.id JOIN mentions m ON m.id = p.mention_id",
        "ideas": "SELECT m.external_id FROM ideas i JOIN mentions m ON m.id = i.mention_id",
        "handles": "SELECT platform, key FROM handles",
        "people": "SELECT count(*) FROM people WHERE merged_into_id IS NULL",
    }
    with engine.connect() as conn:
        out = {k: sorted(tuple(r) for r in conn.execute(text(q))) for k, q in queries.items()}
    engine.dispose()
    out["followups"] = _conversations(out["followups"])
    return out


def _conversations(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Each follow-up as (its posts, label, status): which post opened it depends on timing."""
    by_id: dict[Any, tuple[Any, Any, list[str]]] = {}
    for fid, label, status, external_id in rows:
        by_id.setdefault(fid, (label, status, []))[2].append(external_id)
    return sorted((tuple(sorted(posts)), label, status) for label, status, posts in by_id.values())


def no_traceback(*streams: str) -> bool:
    """True when nothing printed a Python traceback."""
    return not any("Traceback (most recent call last)" in s for s in streams)
