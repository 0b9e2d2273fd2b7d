"""Pure classifier throughput on given texts, in its own process (a benchmark helper).

    python -m benchmarks.classify_child --texts FILE.jsonl --cache DIR [--chunk 256]

Loads the embedded model (2 threads), then classifies every text in calls of ``--chunk``
texts, as ``simak poll`` (``classifier.batch_size``) and ``simak classify`` (256) call it;
prints one JSON line: load seconds, posts/s median and runs, CPU seconds (all threads)
per 1,000 posts, peak RSS.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import time
from pathlib import Path

from classifier.embedded import EmbeddedClassifier
from classifier.embedded.classifier import EmbeddedOptions


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--texts", type=Path, required=True)
    parser.add_argument("--cache", type=Path, required=True)
    parser.add_argument("--chunk", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--options", default="{}")
    args = parser.parse_args()
    with args.texts.open(encoding="utf-8") as f:
        texts = [json.loads(line)["text"] for line in f]
    started = time.perf_counter()
    clf = EmbeddedClassifier(EmbeddedOptions(**json.loads(args.options)), args.cache)
    clf.classify(["warm-up"])
    load_s = time.perf_counter() - started
    runs, cpu = [], []
    for _ in range(args.repeats):
        started, cpu_started = time.perf_counter(), time.process_time()
        for i in range(0, len(texts), args.chunk):
            clf.classify(texts[i : i + args.chunk])
        runs.append(len(texts) / (time.perf_counter() - started))
        cpu.append(time.process_time() - cpu_started)
    print(
        json.dumps(
            {
                "model": clf.model_id,
                "posts": len(texts),
                "chunk": args.chunk,
                "load_s": round(load_s, 2),
                "posts_per_s": round(statistics.median(runs), 1),
                "posts_per_s_runs": [round(r, 1) for r in runs],
                "cpu_s_per_1000": round(1000 * statistics.median(cpu) / len(texts), 3),
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            }
        )
    )


if __name__ == "__main__":
    main()
