"""Benchmark Simak end to end, as an operator runs it: whole `simak` processes.

    python benchmarks/bench_pipeline.py poll --mentions 100000 --backend sqlite
    python benchmarks/bench_pipeline.py sends --followups 1000

``poll``: a JSONL export of N mentions (real posts from the shared datasets, tweets to
multi-paragraph reviews, each naming the brand; ~40 % of the authors post more than once)
polled by one `simak poll` with the default embedded model on an empty database — wall
time including process start and model load — against the pure classifier's throughput on
the same texts measured in the same run (`EmbeddedClassifier.classify` in the poll's
batches of 256, model already loaded). Then a second `simak poll` of the unchanged source:
its wall time as a fraction of the first.

``sends``: N approved e-mail follow-ups (set up with the keyword classifier, not timed), then
one `simak send` through the ``email`` channel to a local SMTP server (aiosmtpd, as in the
tests): sends per second, wall time including process start.

Each prints one JSON object; ``benchmarks/run.py`` collects them into reports/bench.json.
PostgreSQL runs need ``SIMAK_TEST_PG_URL`` (``scripts/with-postgres`` sets it).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SIMAK = Path(sys.executable).with_name("simak")
DATASETS = ROOT.parent / "shared" / "datasets"
BRAND_FORMS = ("{t} @kopisenja", "Kopi Senja: {t}", "{t} #kopisenja", "@kopisenja {t}")
PLATFORMS = ("x", "instagram", "review", "x", "instagram")


def real_texts() -> list[str]:
    """Real posts, deduplicated: Simak's annotated set and the v2 training pool."""
    texts: list[str] = []
    for path in (
        DATASETS / "simak_annotated" / "train.jsonl",
        ROOT / "classifier" / "data" / "v2" / "pool.jsonl",
    ):
        if path.exists():
            with path.open(encoding="utf-8") as f:
                texts.extend(json.loads(line)["text"] for line in f if line.strip())
    if not texts:
        raise SystemExit("no texts: ../shared/datasets and classifier/data/v2 are both missing")
    return sorted({" ".join(t.split()) for t in texts if t.strip()})


def make_mentions(n: int, seed: int = 11) -> list[dict[str, Any]]:
    """``n`` export records naming the brand; authors repeat (conversations)."""
    rng = random.Random(seed)
    texts = real_texts()
    people = max(1, int(n * 0.6))
    start = datetime(2026, 10, 1, tzinfo=UTC)
    rows = []
    for i in range(n):
        person = rng.randrange(people)
        text = rng.choice(BRAND_FORMS).format(t=rng.choice(texts))
        if i >= len(texts):  # keep every text distinct, as real posts are
            text = f"{text} ({i})"
        rows.append(
            {
                "id": f"b{i}",
                "platform": PLATFORMS[person % len(PLATFORMS)],
                "author": f"user{person}",
                "author_name": f"User {person}",
                "text": text,
                "created_at": (start + timedelta(seconds=i * 25)).isoformat(),
            }
        )
    return rows


def write_project(root: Path, db_url: str, extra: dict[str, Any] | None = None) -> Path:
    """A config with one file source ``mentions.jsonl`` beside it."""
    config = {
        "brands": [
            {
                "name": "kopi-senja",
                "display_name": "Kopi Senja",
                "terms": ["Kopi Senja", "kopisenja"],
                "languages": ["id", "en"],
            }
        ],
        "sources": [{"name": "export", "type": "files", "options": {"path": "mentions.jsonl"}}],
        "storage": {"url": db_url},
        **(extra or {}),
    }
    path = root / "config.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), "utf-8")
    return path


def write_mentions(root: Path, rows: list[dict[str, Any]]) -> None:
    with (root / "mentions.jsonl").open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def timed_simak(config: Path, *args: str, env: dict[str, str] | None = None) -> float:
    """Run one `simak` command to the end; its wall time in seconds (exit 0 required)."""
    started = time.perf_counter()
    proc = subprocess.run(
        [str(SIMAK), "--config", str(config), *args],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "120", **(env or {})},
        check=False,
    )
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"simak {' '.join(args)} exited {proc.returncode}: {proc.stderr[-2000:]}")
    return elapsed


def database_url(backend: str, root: Path, name: str) -> str:
    """A fresh, empty database on ``backend``."""
    if backend == "sqlite":
        return f"sqlite:///{root / 'simak.db'}"
    admin = os.environ.get("SIMAK_TEST_PG_URL")
    if not admin:
        raise SystemExit("PostgreSQL: run under scripts/with-postgres (SIMAK_TEST_PG_URL)")
    from sqlalchemy import create_engine, text

    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return admin.rsplit("/", 1)[0] + f"/{name}"


def pure_classifier(texts: list[str], batch: int) -> dict[str, Any]:
    """The embedded classifier alone on ``texts`` (loaded first), in the poll's batches."""
    from classifier.embedded import EmbeddedClassifier, EmbeddedOptions

    cache = Path(os.environ.get("SIMAK_CACHE_DIR", "~/.cache/simak")).expanduser()
    clf = EmbeddedClassifier(EmbeddedOptions(), cache)
    clf.classify(texts[:32])
    started = time.perf_counter()
    for i in range(0, len(texts), batch):
        clf.classify(texts[i : i + batch])
    elapsed = time.perf_counter() - started
    rate = len(texts) / elapsed
    return {"model": clf.model_id, "seconds": round(elapsed, 1), "posts_per_s": rate}


def bench_poll(n: int, backend: str) -> dict[str, Any]:
    """First `simak poll` of ``n`` new mentions, the pure classifier, then a re-poll."""
    rows = make_mentions(n)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        url = database_url(backend, root, f"bench_poll_{n}")
        config = write_project(root, url)
        write_mentions(root, rows)
        timed_simak(config, "db", "upgrade")
        first = timed_simak(config, "poll")
        again = timed_simak(config, "poll")
        stats = json.loads(
            subprocess.run(
                [str(SIMAK), "--config", str(config), "stats", "--json"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        )
    pure = pure_classifier([r["text"] for r in rows], batch=256)
    rate = n / first
    return {
        "backend": backend,
        "mentions": n,
        "mean_chars": round(sum(len(r["text"]) for r in rows) / n),
        "first_poll_s": round(first, 1),
        "mentions_per_s": round(rate, 1),
        "pure_classifier_posts_per_s": round(pure["posts_per_s"], 1),
        "ratio_to_pure_classifier": round(rate / pure["posts_per_s"], 3),
        "repoll_s": round(again, 2),
        "repoll_fraction_of_first": round(again / first, 4),
        "model": pure["model"],
        "stored": {k: stats.get(k) for k in ("mentions", "followups", "ideas", "people")},
    }


def bench_sends(n: int, backend: str) -> dict[str, Any]:
    """``n`` approved e-mail follow-ups delivered by one `simak send` to a local SMTP server."""
    from tests.fakes.fixtures import email_options
    from tests.fakes.smtp import SmtpSink

    rows = [
        {
            "id": f"s{i}",
            "platform": "review",
            "author": f"p{i}",
            "author_name": f"Pelanggan {i}",
            "author_email": f"p{i}@example.com",
            "text": f"Kopi Senja enak banget, mantap {i}",
            "created_at": "2026-11-22T08:00:00+07:00",
        }
        for i in range(n)
    ]
    with tempfile.TemporaryDirectory() as tmp, SmtpSink() as sink:
        root = Path(tmp)
        url = database_url(backend, root, f"bench_sends_{n}")
        extra = {
            "classifier": {"backend": "keywords"},
            "responder": {
                "business": {"name": "Kopi Senja", "signer": "Dina"},
                "channels": {"email": email_options(sink)},
                "rules": {"praise": {"channels": ["email"]}},
            },
        }
        config = write_project(root, url, extra)
        write_mentions(root, rows)
        timed_simak(config, "poll")
        timed_simak(config, "followup", "approve", "--all", "--yes")
        seconds = timed_simak(config, "send")
        delivered = sink.count()
    return {
        "backend": backend,
        "followups": n,
        "delivered": delivered,
        "send_s": round(seconds, 2),
        "sends_per_s": round(n / seconds, 1),
        "channel": "email (local aiosmtpd, no TLS)",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("section", choices=["poll", "sends"])
    parser.add_argument("--mentions", type=int, default=100_000)
    parser.add_argument("--followups", type=int, default=1000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args()
    if args.section == "poll":
        result = bench_poll(args.mentions, args.backend)
    else:
        result = bench_sends(args.followups, args.backend)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
