"""Simak's own v2 data in this repository (``classifier/data/v2``).

- the **training pool** (``pool.jsonl`` texts + adjudicated ``gold.jsonl`` labels): 2,801
  posts aimed at the v1 model's errors; :func:`split_pool` keeps a stratified dev part for
  thresholds, calibration and the choice between runs (a stable hash split);
- the **independent test set** (``test/posts.jsonl`` + ``test/general.jsonl``), authored
  apart and annotated blind: only ever reported on, never used for a choice.

Every example is fully annotated (an absent label is a negative). ``source`` is
``v2:<category>`` (the pool's reason for a text) or ``v2test:<kind>`` so that slices such
as sarcasm and mixed posts can be reported on their own.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from classifier.datasets import MaskedExample, from_labels, normalise_key

V2_DIR = Path(__file__).resolve().parent / "data" / "v2"
DEV_SHARE = 0.15
SPLIT_SALT = "simak-v2-dev"


def _jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def load_pool(root: Path = V2_DIR) -> list[MaskedExample]:
    """The training pool with its adjudicated gold labels, in pool order."""
    gold = {row["id"]: row["labels"] for row in _jsonl(root / "gold.jsonl")}
    return [
        from_labels(row["text"], gold[row["id"]], row["lang"], f"v2:{row['category']}")
        for row in _jsonl(root / "pool.jsonl")
        if row["id"] in gold
    ]


def split_pool(
    examples: Sequence[MaskedExample], share: float = DEV_SHARE
) -> tuple[list[MaskedExample], list[MaskedExample]]:
    """``(train, dev)``: a text is in dev when a hash of its normalised form falls in the
    first ``share`` of the range, so appending texts to the pool never moves old ones."""
    train: list[MaskedExample] = []
    dev: list[MaskedExample] = []
    for ex in examples:
        digest = hashlib.sha256(f"{SPLIT_SALT}:{normalise_key(ex.text)}".encode()).digest()
        (dev if int.from_bytes(digest[:4], "big") < share * 2**32 else train).append(ex)
    return train, dev


def load_test(root: Path = V2_DIR / "test") -> list[MaskedExample]:
    """The independent test set: business posts, then general posts (all *other*)."""
    out = []
    for name, prefix in (("posts.jsonl", "v2test"), ("general.jsonl", "v2general")):
        for row in _jsonl(root / name):
            out.append(
                from_labels(row["text"], row["labels"], row["lang"], f"{prefix}:{row['kind']}")
            )
    return out
