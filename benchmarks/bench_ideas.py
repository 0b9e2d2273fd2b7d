"""Benchmark the ideas board's grouping: ideas grouped per second, adding 10,000 ideas to
an empty board and then 10,000 more to that board of 10,000 (cost grows with the number
added, not with the board: each idea meets the group centroids, never stored ideas).

    python benchmarks/bench_ideas.py --out reports/bench_ideas.json [--n 10000]

The ideas are deterministic English / Indonesian / code-mixed requests over a few hundred
distinct ideas (so groups keep growing). SQLite in a temporary folder; the production use
case (`group_pending`) does the grouping.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from simak.app import App
from simak.config import load_settings
from simak.usecases.ideas import group_pending
from storage.models import Idea, MentionRow

THINGS = (
    "oat milk",
    "dark mode",
    "QRIS",
    "a branch in Medan",
    "free refills",
    "a bigger cup",
    "paper straws",
    "a kids menu",
    "more sockets",
    "faster wifi",
    "card payment",
    "a loyalty card",
    "birthday vouchers",
    "more parking",
    "order tracking",
    "pre-order",
    "a picture menu",
    "a bigger menu font",
    "less sugar",
    "bike pickup",
)
PLACES = (
    "Bintaro",
    "Kemang",
    "Tebet",
    "Bandung",
    "Medan",
    "Surabaya",
    "Depok",
    "Bogor",
    "Bekasi",
    "Tangerang",
    "Solo",
    "Malang",
    "Bali",
    "Makassar",
    "Semarang",
)
FRAMES = (
    "please add {t} at {p}",
    "tolong tambahin {t} di {p} dong",
    "min, {t} di {p} bisa ga?",
    "would love {t} in {p}",
    "kapan ada {t} di cabang {p}?",
    "{t} at {p} please!",
)
CONFIG = """
brands: [{name: kopi-senja, display_name: Kopi Senja, terms: [Kopi Senja]}]
sources: []
classifier: {backend: keywords}
responder: {business: {name: Kopi Senja, signer: Dina}}
storage: {url: "sqlite:///bench.db"}
"""


def texts(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return [rng.choice(FRAMES).format(t=rng.choice(THINGS), p=rng.choice(PLACES)) + f" #{i}"
            for i in range(n)]  # fmt: skip


def capture(app: App, batch: list[str], offset: int) -> None:
    now = datetime(2026, 11, 1, tzinfo=UTC)
    with app.db.session() as session:
        for i, text in enumerate(batch, start=offset):
            at = now + timedelta(seconds=i)
            row = MentionRow(
                platform="x",
                external_id=str(i),
                source="bench",
                brand="kopi-senja",
                text=text,
                text_hash=hashlib.sha256(text.encode()).hexdigest(),
                created_at=at,
                fetched_at=at,
                raw_json="{}",
                status="routed",
            )
            session.add(row)
            session.flush()
            session.add(Idea(mention_id=row.id, brand="kopi-senja", title=text, status="new",
                             created_at=at))  # fmt: skip


def timed_group(app: App) -> tuple[int, float]:
    start = time.perf_counter()
    done = group_pending(app, force=True)
    return done, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "config.yaml"
        config.write_text(CONFIG, "utf-8")
        app = App(settings=load_settings(config, {}), config_path=config, env={})
        result: dict[str, Any] = {"n": args.n}
        for name, offset in (("empty_board", 0), ("board_of_n", args.n)):
            capture(app, texts(args.n, seed=offset), offset)
            done, seconds = timed_group(app)
            assert done == args.n, done
            result[f"ideas_per_s_{name}"] = round(done / seconds, 1)
            result[f"seconds_{name}"] = round(seconds, 2)
        with app.db.read() as session:
            from storage.idea_board import board

            result["groups"] = len(board(session))
        result["ratio_board_of_n_to_empty"] = round(
            result["ideas_per_s_board_of_n"] / result["ideas_per_s_empty_board"], 2
        )
    text = json.dumps(result, indent=1)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n", "utf-8")


if __name__ == "__main__":
    main()
