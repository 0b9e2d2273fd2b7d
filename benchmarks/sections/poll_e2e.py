"""Section ``poll_e2e``: ``simak poll`` end to end over a large JSONL file source.

N mentions (100,000; ``--size``) by N distinct people, with real texts (tweets to
multi-paragraph reviews from ``../shared/datasets``, the brand named in each), polled by
``simak poll`` as a new process with the embedded default model, on SQLite and on a fresh
PostgreSQL database. Per backend: wall seconds and mentions/s of the first poll (process
start, model load, reading, storing, classifying, routing, drafting), the ratio to the
pure classifier's posts/s on the same texts in calls of the same size, measured in the
same run (target ≥ 0.8), and a second ``simak poll`` over the unchanged source as a
fraction of the first (target ≤ 0.05). ``cpu_s``: the first poll's CPU seconds (user +
system, all threads; PostgreSQL's server not counted); ``cpu_vs_classifier``: that against
the pure classifier's CPU seconds for as many posts; ``ratio_ceiling_from_cpu``: the
highest ratio that CPU work allows on this machine's cores, were it spread over all of
them with nothing idle (the ratio cannot pass it without doing less work; meaningful only
with nothing else running, since a busy machine slows the pure classifier's wall time). ``phases_s``
is where the first poll's time went (``simak poll --json``: sources, model load,
classifying, follow-ups with their drafts, the ideas board), ``process_start_s`` the rest
(interpreter, imports, config).
Each poll is one run: at full size it takes minutes, so the figures are single runs.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from benchmarks.common import (
    Context,
    child_json,
    children_cpu_s,
    fresh_pg_database,
    real_texts,
    run_simak,
    simak_env,
    words,
    write_config,
    write_texts,
)

NAME = "poll_e2e"
BATCH = 256  # classifier.batch_size: the default, as a user's config has it
_FORMS = ("@kopisenja {}", "Kopi Senja: {}", "{} #kopisenja", "{} (Kopi Senja)")


def mentions(n: int) -> list[dict[str, Any]]:
    """N file mentions by N distinct people, real texts cycled, the brand named."""
    pool = real_texts()
    rows = []
    for i in range(n):
        lang, text = pool[i % len(pool)]
        long = len(text.split()) > 50
        rows.append(
            {
                "id": f"m{i}",
                "platform": "review" if long else "x",
                "author": f"person{i}",
                "author_name": f"Person {i}",
                "text": _FORMS[i % len(_FORMS)].format(text),
                "lang": lang,
                "created_at": "2026-11-22T08:00:00+07:00",
                "url": f"https://example.com/m{i}",
            }
        )
    return rows


def _poll(ctx: Context, root: Path, db_url: str, n: int, cache: Path) -> dict[str, Any]:
    config = write_config(
        root, db_url,
        sources=[{"name": "export", "type": "files", "options": {"path": "../m.jsonl"}}],
        classifier={"backend": "embedded", "batch_size": BATCH},
    )  # fmt: skip
    env = simak_env(cache)
    ctx.log(f"poll_e2e: first poll of {n} mentions")
    cpu_before = children_cpu_s()
    first, out = run_simak(config, "poll", "--json", env=env)
    cpu = children_cpu_s() - cpu_before
    phases = json.loads(out)["processed"]["seconds"]
    ctx.log("poll_e2e: re-poll of the unchanged source")
    again, _ = run_simak(config, "poll", env=env)
    _, out = run_simak(config, "stats", "--json", env=env)
    stats = json.loads(out)
    if stats.get("mentions") != n:
        raise RuntimeError(f"simak poll stored {stats.get('mentions')} of {n} mentions")
    return {
        "first_poll_s": round(first, 2),
        "mentions_per_s": round(n / first, 1),
        "cpu_s": round(cpu, 2),
        "repoll_s": round(again, 2),
        "repoll_fraction": round(again / first, 4),
        "phases_s": {k: round(v, 2) for k, v in phases.items()},
        "process_start_s": round(first - sum(phases.values()), 2),
        "stored": {k: stats.get(k) for k in ("mentions", "people", "labels", "followups")},
    }


def _cpu_bound(cpu_s: float, n: int, pure: dict[str, Any]) -> dict[str, float]:
    """The first poll's CPU seconds against the pure classifier's for as many posts, and
    the highest ratio its CPU work allows on this machine's cores (all of it spread over
    every core, nothing waiting): ``n / pure posts/s`` over ``cpu_s / cores``."""
    pure_cpu = pure["cpu_s_per_1000"] * n / 1000
    cores = len(os.sched_getaffinity(0))
    return {
        "cpu_vs_classifier": round(cpu_s / pure_cpu, 2),
        "ratio_ceiling_from_cpu": round((n / pure["posts_per_s"]) / (cpu_s / cores), 3),
    }


def run(ctx: Context) -> dict[str, Any]:
    """Measure; see the module docstring."""
    n = ctx.scaled(100_000, 200)
    rows = mentions(n)
    with (ctx.tmp / "m.jsonl").open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    texts = [r["text"] for r in rows]
    cache = ctx.tmp / "cache"
    ctx.log(f"poll_e2e: pure classifier on the same {n} texts")
    pure = child_json(
        "benchmarks.classify_child", "--texts", str(write_texts(ctx.tmp / "t.jsonl", texts)),
        "--cache", str(cache), "--chunk", str(BATCH), "--repeats", "1",
    )  # fmt: skip
    report: dict[str, Any] = {
        "mentions": n,
        "people": n,
        "words": words(texts),
        "classifier_batch_size": BATCH,
        "pure_classifier_posts_per_s": pure["posts_per_s"],
        "pure_classifier_cpu_s_per_1000": pure["cpu_s_per_1000"],
        "cores": len(os.sched_getaffinity(0)),
        "targets": {"ratio_to_classifier": 0.8, "repoll_fraction": 0.05},
    }
    backends = {"sqlite": f"sqlite:///{ctx.tmp / 'sqlite' / 'simak.db'}"}
    if ctx.pg_url:
        backends["postgresql"] = fresh_pg_database(ctx.pg_url, "simak_bench_poll")
    else:
        report["postgresql"] = {"skipped": "no PostgreSQL server (run under scripts/with-postgres)"}
    for name, url in backends.items():
        result = _poll(ctx, ctx.tmp / name, url, n, cache)
        result["ratio_to_classifier"] = round(result["mentions_per_s"] / pure["posts_per_s"], 3)
        result.update(_cpu_bound(result["cpu_s"], n, pure))
        report[name] = result
    return report
