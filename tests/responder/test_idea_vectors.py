"""Idea vectors and the centroid index the board groups with, and the grouping figures on
the held-aside part of the labelled grouping set (the threshold was tuned on the rest)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from responder.idea_text import ignore_set
from responder.idea_vectors import (
    LEXICAL_DIM,
    CentroidIndex,
    IdeaVectorizer,
    grouping_scores,
    place_all,
)
from responder.settings import IdeaBoardSettings

SET = Path(__file__).resolve().parents[1] / "fixtures" / "ideas" / "grouping_set.jsonl"
THRESHOLD = IdeaBoardSettings().similarity_threshold


def cos(a: str, b: str) -> float:
    v = IdeaVectorizer(ignore=ignore_set(["Kopi Senja", "kopisenja"])).vectors([a, b])
    return float(v[0] @ v[1])


def test_same_idea_across_languages_meets_the_threshold() -> None:
    assert cos("It would be great if Kopi Senja opened earlier, like 6am",
               "@kopisenja kalau bisa buka lebih pagi dong") >= THRESHOLD  # fmt: skip
    assert cos("please add oat milk", "tolong sediain oat milk dong") >= THRESHOLD
    assert cos("please add oat milk", "please add dark mode to the app") < THRESHOLD


def test_vectors_are_unit_length_and_deterministic() -> None:
    texts = ["tolong tambahin QRIS", "please accept QRIS", ""]
    first, again = IdeaVectorizer().vectors(texts), IdeaVectorizer().vectors(texts)
    assert first.shape == (3, LEXICAL_DIM) and np.array_equal(first, again)
    assert np.allclose(np.linalg.norm(first[:2], axis=1), 1.0) and not first[2].any()


def test_centroid_index_grows_past_its_capacity_and_keeps_sums() -> None:
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(40, 8)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    index = CentroidIndex([], np.zeros((0, 8), np.float32), 8)
    for i, v in enumerate(vectors):
        index.append(100 + i, v)
    assert index.ids == [100 + i for i in range(40)]
    assert index.nearest(vectors[33]) == (33, index.nearest(vectors[33])[1])
    total = index.add(33, vectors[0])
    assert np.allclose(total, vectors[33] + vectors[0])


def test_grouping_on_the_held_aside_set() -> None:
    rows = [json.loads(line) for line in SET.read_text("utf-8").splitlines()]
    held = [r for r in rows if r["split"] == "held"]
    groups = place_all(IdeaVectorizer().vectors([r["text"] for r in held]), THRESHOLD)
    f1, together = grouping_scores(groups, [r["idea"] for r in held])
    # measured: F1 0.646, 10% of ideas with every post in one group (below the 0.80 goal)
    assert f1 >= 0.6 and together >= 0.1
    assert grouping_scores([0, 0, 1, 1], ["a", "a", "b", "b"]) == (1.0, 1.0)
