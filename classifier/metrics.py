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


def noise_rate(gold: npt.NDArray[np.bool_], predicted: npt.NDArray[np.bool_]) -> float:
    """Share of posts with no gold label that get at least one label (0 if there are none)."""
    other = ~gold.any(axis=1)
    return float(predicted[other].any(axis=1).mean()) if other.any() else 0.0


def thresholds_within_noise(
    gold: npt.NDArray[np.bool_],
    probs: npt.NDArray[np.float64],
    groups: npt.NDArray[np.str_],
    start: npt.NDArray[np.float64],
    max_noise: float,
    step: float = 0.01,
    hi: float = 0.9,
) -> npt.NDArray[np.float64]:
    """Raise per-label thresholds from ``start`` until the noise of every group (e.g.
    language) is at most ``max_noise``: each step raises the label whose raise costs the
    least macro-F1 (averaged over groups) per unit of noise removed. Stops at ``hi``."""
    names = sorted(set(groups.tolist()))

    def state(t: npt.NDArray[np.float64]) -> tuple[float, float]:
        pred = probs >= t
        f1 = np.mean([macro_f1(gold[groups == g], pred[groups == g]) for g in names])
        noise = max(noise_rate(gold[groups == g], pred[groups == g]) for g in names)
        return float(f1), noise

    current = start.astype(np.float64).copy()
    f1, noise = state(current)
    while noise > max_noise:
        moves = []
        for j in range(len(current)):
            if current[j] + step > hi:
                continue
            trial = current.copy()
            trial[j] = round(trial[j] + step, 4)
            t_f1, t_noise = state(trial)
            moves.append(((f1 - t_f1) / max(noise - t_noise, 1e-3), j, trial, t_f1, t_noise))
        if not moves:
            break
        _, _, current, f1, noise = min(moves, key=lambda m: (m[0], m[1]))
    return current
