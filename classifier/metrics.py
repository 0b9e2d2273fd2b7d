"""Plain numpy multi-label metrics and per-label threshold search (no heavy imports)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

BoolMatrix = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class LabelScores:
    """Precision, recall, F1 and support (positives in the gold data) of one label."""

    precision: float
    recall: float
    f1: float
    support: int


def label_scores(gold: npt.NDArray[np.bool_], pred: npt.NDArray[np.bool_]) -> LabelScores:
    """P/R/F1 of one label from boolean gold and predicted vectors."""
    tp = int(np.sum(gold & pred))
    fp = int(np.sum(~gold & pred))
    fn = int(np.sum(gold & ~pred))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return LabelScores(precision, recall, f1, int(gold.sum()))


def macro_f1(gold: BoolMatrix, pred: BoolMatrix) -> float:
    """Mean F1 over the label columns."""
    return float(np.mean([label_scores(gold[:, j], pred[:, j]).f1 for j in range(gold.shape[1])]))


def best_threshold(
    gold: npt.NDArray[np.bool_], probs: npt.NDArray[np.float64], lo: float = 0.2, hi: float = 0.8
) -> float:
    """The threshold in ``[lo, hi]`` that maximises F1 on one label (ties → nearest 0.5)."""
    grid = np.round(np.arange(lo, hi + 1e-9, 0.01), 2)
    scores = [(label_scores(gold, probs >= t).f1, -abs(t - 0.5), float(t)) for t in grid]
    return max(scores)[2]
