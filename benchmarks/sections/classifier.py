"""Section ``classifier``: the embedded model's speed, and ``simak classify`` end to end.

- ``default`` / ``previous``: ``benchmarks/bench_classifier.py`` for the default model
  and the one it replaced, in the same run: cold and warm load, posts/s as one stream
  (2 threads, length-sorted batches of 32; median of 3) and in calls of 32, peak RSS.
- ``real_texts``: the default model on real posts (tweets to multi-paragraph reviews,
  ``../shared/datasets``), in calls of 256 as ``simak classify`` makes them, in process.
- ``classify_e2e``: ``simak classify -i posts.jsonl -o out.jsonl`` on the same posts as a
  new process each time (interpreter start, imports, model load from a warm cache,
  language detection, JSON in and out): posts/s, median of the repeats.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from benchmarks.common import (
    ROOT,
    Context,
    child_json,
    median_report,
    real_texts,
    run_simak,
    simak_env,
    words,
    write_config,
    write_texts,
)

NAME = "classifier"
PREVIOUS = "e5s-d6-2026.11.23"


def _model(ctx: Context, posts: int, options: dict[str, Any]) -> dict[str, Any]:
    out = ctx.tmp / "model.json"
    subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_classifier.py"), "--out", str(out),
         "--posts", str(posts), "--options", json.dumps(options)],
        check=True, capture_output=True, text=True, cwd=ROOT,
    )  # fmt: skip
    result: dict[str, Any] = json.loads(out.read_text("utf-8"))
    return result


def run(ctx: Context) -> dict[str, Any]:
    """Measure; see the module docstring."""
    posts = ctx.scaled(2048, 64)
    ctx.log(f"classifier: default model, {posts} synthetic posts")
    report: dict[str, Any] = {"default": _model(ctx, posts, {})}
    if ctx.quick:
        report["previous"] = {"skipped": "quick run"}
    else:
        ctx.log(f"classifier: previous model {PREVIOUS}")
        report["previous"] = _model(ctx, posts, {"version": PREVIOUS})
    texts = [t for _, t in real_texts()][: ctx.scaled(3196, 64)]
    path = write_texts(ctx.tmp / "posts.jsonl", texts)
    cache = ctx.tmp / "cache"
    repeats = 1 if ctx.quick else ctx.repeats
    ctx.log(f"classifier: {len(texts)} real posts in process")
    report["real_texts"] = child_json(
        "benchmarks.classify_child", "--texts", str(path), "--cache", str(cache),
        "--repeats", str(repeats),
    )  # fmt: skip
    report["real_texts"]["words"] = words(texts)
    config = write_config(ctx.tmp / "classify", f"sqlite:///{ctx.tmp / 'classify' / 'simak.db'}",
                          classifier={"backend": "embedded"})  # fmt: skip
    env = simak_env(cache)
    runs = []
    for _ in range(repeats):
        ctx.log("classifier: simak classify end to end")
        seconds, _ = run_simak(config, "classify", "-i", str(path), "-o", str(ctx.tmp / "o.jsonl"),
                               env=env)  # fmt: skip
        runs.append(len(texts) / seconds)
    lines = (ctx.tmp / "o.jsonl").read_text("utf-8").splitlines()
    assert len(lines) == len(texts), "simak classify lost lines"
    report["classify_e2e"] = {"posts": len(texts), "posts_per_s": median_report(runs)}
    report["classify_e2e"]["of_in_process"] = round(
        report["classify_e2e"]["posts_per_s"]["median"] / report["real_texts"]["posts_per_s"], 3
    )
    return report
