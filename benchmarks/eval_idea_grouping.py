"""Measure idea grouping on the labelled grouping set: pairwise same-group F1 and the share
of ideas whose English and Indonesian posts all sit in one group.

    .venv/bin/python benchmarks/eval_idea_grouping.py [--split tune|held] [--sweep]

The threshold is chosen on the ``tune`` part only (``--sweep``); ``held`` is the final figure.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from responder.idea_vectors import IdeaVectorizer, grouping_scores, place_all
from responder.settings import IdeaBoardSettings

SET = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "ideas" / "grouping_set.jsonl"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--split", default="held", choices=["train", "tune", "held", "held-new"])
    parser.add_argument("--sweep", action="store_true")
    parser.add_argument("--threshold", type=float, default=None)
    args = parser.parse_args()
    rows = [json.loads(line) for line in SET.read_text(encoding="utf-8").splitlines()]
    rows = [r for r in rows if r["split"] == args.split]
    vectors = IdeaVectorizer().vectors([r["text"] for r in rows])
    ideas = [r["idea"] for r in rows]
    default = IdeaBoardSettings().similarity_threshold
    grid = np.arange(0.05, 0.6, 0.01) if args.sweep else [args.threshold or default]
    results = []
    for th in grid:
        f1, together = grouping_scores(place_all(vectors, float(th)), ideas)
        results.append({"threshold": round(float(th), 3), "pairwise_f1": round(f1, 3),
                        "all_posts_together": round(together, 3)})  # fmt: skip
    best = max(results, key=lambda r: r["pairwise_f1"])
    print(json.dumps({"split": args.split, "posts": len(rows), "ideas": len(set(ideas)),
                      "best" if args.sweep else "result": best}))  # fmt: skip


if __name__ == "__main__":
    main()
