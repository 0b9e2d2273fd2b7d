"""Add written ideas to the grouping set's ``train`` part, leaving out possible leaks.

    .venv/bin/python benchmarks/add_grouping_ideas.py NEW.jsonl [NEW.jsonl …] [--write]

Each new file holds ``{"idea", "lang", "text"}`` lines, 2 ``en`` + 2 ``id`` + 2 ``mixed``
phrasings per idea. An idea is left out when it is malformed (another count of
phrasings, a name already in the set) or when it may leak: its centroid in the untuned
encoder (what the head reads, centred) sits closer to a ``held`` or ``held-new`` idea's
centroid than any idea already in ``train`` or ``tune`` does. Only centroids are compared;
nobody reads the held-aside posts. Prints what it would add (and adds it with ``--write``).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from classifier.embedded.classifier import EmbeddedClassifier, EmbeddedOptions
from responder.idea_vectors import Vectors, normalise

SET = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "ideas" / "grouping_set.jsonl"
LANGS = {"en": 2, "id": 2, "mixed": 2}
HELD = ("held", "held-new")

Row = dict[str, str]


def malformed(new: list[Row], known: set[str]) -> set[str]:
    """Ideas with another mix of phrasings than :data:`LANGS`, or a name already used."""
    counts = Counter((r["idea"], r["lang"]) for r in new)
    bad = {r["idea"] for r in new if r["lang"] not in LANGS or r["idea"] in known}
    names = {r["idea"] for r in new}
    return bad | {i for i in names if any(counts[(i, k)] != n for k, n in LANGS.items())}


def centroids(vectors: Vectors, rows: list[Row], names: list[str]) -> Vectors:
    """One unit centroid per idea name, in order."""
    ideas = np.array([r["idea"] for r in rows])
    return normalise(np.stack([vectors[ideas == name].mean(axis=0) for name in names]))


def leaks(old: list[Row], new: list[Row], embed: EmbeddedClassifier) -> tuple[set[str], float]:
    """New ideas closer to a held-aside idea than any training idea is; and that limit."""
    rows = old + new
    vectors = embed.embed([r["text"] for r in rows], base=True)
    vectors = normalise(vectors - vectors.mean(axis=0))
    held = sorted({r["idea"] for r in old if r["split"] in HELD})
    seen = sorted({r["idea"] for r in old if r["split"] not in HELD})
    fresh = sorted({r["idea"] for r in new})
    to_held = centroids(vectors, rows, held).T
    limit = float((centroids(vectors, rows, seen) @ to_held).max())
    nearest = (centroids(vectors, rows, fresh) @ to_held).max(axis=1)
    return {name for name, sim in zip(fresh, nearest, strict=True) if sim > limit}, limit


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--write", action="store_true", help="append the kept ideas")
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "simak")
    args = parser.parse_args()
    old = [json.loads(line) for line in SET.read_text(encoding="utf-8").splitlines()]
    new = _read(args.files)
    bad = malformed(new, {r["idea"] for r in old})
    new = [r for r in new if r["idea"] not in bad]
    leaked, limit = leaks(old, new, EmbeddedClassifier(EmbeddedOptions(), cache_dir=args.cache))
    kept = [r for r in new if r["idea"] not in leaked]
    report = {
        "malformed_or_already_in": sorted(bad),
        "leak_limit": round(limit, 3),
        "left_out_as_leaks": sorted(leaked),
        "ideas_added": len({r["idea"] for r in kept}),
        "posts_added": len(kept),
    }
    print(json.dumps(report))
    if args.write:
        with SET.open("a", encoding="utf-8") as f:
            f.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in kept)


def _read(paths: list[Path]) -> list[Row]:
    rows = []
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                r = json.loads(line)
                rows.append(
                    {"idea": r["idea"], "split": "train", "lang": r["lang"], "text": r["text"]}
                )
    return rows


if __name__ == "__main__":
    main()
