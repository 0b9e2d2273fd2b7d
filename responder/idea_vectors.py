"""Idea texts as unit vectors, so an idea meets its group through one matrix product.

A vector holds the content-word character n-grams of :func:`responder.idea_text.features`
(Indonesian words folded onto English ones), hashed into ``LEXICAL_DIM`` signed buckets.
The classifier's encoder was measured as a further part and left out: its pooled sentence
vectors (fine-tuned for praise/complaint/idea) put same-idea pairs at cosine 0.64 and
different ideas at 0.59, and any weight on them lowered pairwise F1 on the grouping set.

A *space* names the recipe; centroids are only compared within one space.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from responder.idea_text import features

LEXICAL_DIM = 512

Vectors = npt.NDArray[np.float32]


def _bucket(feature: str) -> tuple[int, float]:
    digest = int.from_bytes(hashlib.blake2b(feature.encode(), digest_size=8).digest(), "little")
    return digest % LEXICAL_DIM, (1.0 if (digest >> 40) & 1 else -1.0)


def lexical(texts: Sequence[str], ignore: frozenset[str] = frozenset()) -> Vectors:
    """Hashed, unit-length n-gram vectors ``[len(texts), LEXICAL_DIM]`` (zero if no content)."""
    out = np.zeros((len(texts), LEXICAL_DIM), np.float32)
    for row, text in enumerate(texts):
        for feature in features(text, ignore):
            col, sign = _bucket(feature)
            out[row, col] += sign
    return normalise(out)


def normalise(matrix: Vectors) -> Vectors:
    """Rows scaled to unit length (zero rows stay zero)."""
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    result: Vectors = (matrix / np.maximum(norms, 1e-12)).astype(np.float32)
    return result


@dataclass(frozen=True)
class IdeaVectorizer:
    """Turns idea texts into vectors of one named space."""

    ignore: frozenset[str] = frozenset()

    @property
    def space(self) -> str:
        """The recipe's name; stored with every centroid."""
        return f"lex{LEXICAL_DIM}"

    def vectors(self, texts: Sequence[str]) -> Vectors:
        """Unit vectors ``[len(texts), dim]`` in this space."""
        return lexical(texts, self.ignore)


class CentroidIndex:
    """A board's group centroids (sums) as one growable matrix: placing an idea costs one
    matrix-vector product over the groups, never a pass over stored ideas."""

    def __init__(self, ids: Sequence[int], sums: Vectors, dim: int) -> None:
        self.ids: list[int] = list(ids)
        self._sums = np.zeros((max(16, 2 * len(self.ids)), dim), np.float32)
        self._unit = np.zeros_like(self._sums)
        if self.ids:
            self._sums[: len(self.ids)] = sums
            self._unit[: len(self.ids)] = normalise(sums)

    def nearest(self, vector: Vectors) -> tuple[int, float]:
        """Position and cosine of the closest group (-1 when the board is empty)."""
        n = len(self.ids)
        if n == 0:
            return -1, 0.0
        sims = self._unit[:n] @ vector
        best = int(np.argmax(sims))
        return best, float(sims[best])

    def add(self, position: int, vector: Vectors) -> Vectors:
        """Add a member's vector to a group; returns the group's new centroid sum."""
        self._sums[position] += vector
        self._unit[position] = normalise(self._sums[position : position + 1])[0]
        total: Vectors = self._sums[position].copy()
        return total

    def append(self, group_id: int, vector: Vectors) -> int:
        """A new group founded by ``vector``; returns its position."""
        n = len(self.ids)
        if n == len(self._sums):
            self._sums = np.vstack([self._sums, np.zeros_like(self._sums)])
            self._unit = np.vstack([self._unit, np.zeros_like(self._unit)])
        self.ids.append(group_id)
        self._sums[n] = vector
        self._unit[n] = vector
        return n


def place_all(vectors: Vectors, threshold: float) -> list[int]:
    """Group ``vectors`` in order as the board does (group numbers from 0); for measuring."""
    index = CentroidIndex([], np.zeros((0, vectors.shape[1]), np.float32), vectors.shape[1])
    out = []
    for vector in vectors:
        pos, sim = index.nearest(vector)
        if pos >= 0 and sim >= threshold:
            index.add(pos, vector)
        else:
            pos = index.append(len(index.ids), vector)
        out.append(pos)
    return out


def grouping_scores(groups: Sequence[int], ideas: Sequence[str]) -> tuple[float, float]:
    """Pairwise same-group F1 and the all-posts-of-an-idea-in-one-group rate."""
    g, y = np.array(groups), np.array(ideas)
    iu = np.triu_indices(len(y), 1)
    truth, pred = (y[:, None] == y[None, :])[iu], (g[:, None] == g[None, :])[iu]
    tp = float((truth & pred).sum())
    precision, recall = tp / max(pred.sum(), 1), tp / max(truth.sum(), 1)
    f1 = 2 * precision * recall / max(precision + recall, 1e-9)
    together = float(np.mean([len(set(g[y == i])) == 1 for i in sorted(set(ideas))]))
    return f1, together
