"""The learned severity head: softmax regression on the encoder's pooled sentence vector.

Two small linear layers read the same (standardised) vector: one scores the three levels,
one picks the critical reason. The weights ship as a ``.npz`` file beside a model card;
loading needs numpy only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt

from classifier.severity.levels import LEVELS, REASONS, Assessment
from common.errors import ClassifierError

HEAD_DIR: Final = Path(__file__).resolve().parent.parent / "models" / "severity-2026.12.04"
WEIGHTS_FILE: Final = "weights.npz"

F64 = npt.NDArray[np.float64]


def softmax(z: F64) -> F64:
    """Row-wise softmax."""
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    out: F64 = e / e.sum(axis=1, keepdims=True)
    return out


@dataclass(frozen=True)
class SeverityHead:
    """Standardisation, level weights, reason weights and the critical threshold."""

    mean: F64
    scale: F64
    level_w: F64  # [hidden, 3] in LEVELS order
    level_b: F64
    reason_w: F64  # [hidden, len(REASONS)]
    reason_b: F64
    threshold: float  # P(critical) at or above which a text is critical
    meta: dict[str, object]

    @property
    def hidden(self) -> int:
        """Width of the sentence vector the head reads."""
        return int(self.mean.shape[0])

    def _inputs(self, vectors: npt.NDArray[np.floating]) -> F64:
        """Unit-length, then standardised as in training."""
        x = np.asarray(vectors, np.float64)
        x = x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
        out: F64 = (x - self.mean) / self.scale
        return out

    def level_probabilities(self, vectors: npt.NDArray[np.floating]) -> F64:
        """``[n, 3]`` probabilities of critical, high, normal."""
        return softmax(self._inputs(vectors) @ self.level_w + self.level_b)

    def reasons(self, vectors: npt.NDArray[np.floating]) -> list[str]:
        """The most likely critical reason per vector."""
        x = self._inputs(vectors)
        best = (x @ self.reason_w + self.reason_b).argmax(axis=1)
        return [REASONS[int(i)] for i in best]

    def assess(self, vectors: npt.NDArray[np.floating]) -> list[Assessment]:
        """One assessment per vector (a zero vector, from an empty text, is normal)."""
        if len(vectors) == 0:
            return []
        probs = self.level_probabilities(vectors)
        reasons = self.reasons(vectors)
        out = []
        for row, reason, vec in zip(probs, reasons, vectors, strict=True):
            crit = float(row[0])
            level = LEVELS[1] if row[1] >= row[2] else LEVELS[2]
            if not np.any(vec):
                out.append(Assessment("normal", None, "head", 0.0))
            elif crit >= self.threshold:
                out.append(Assessment("critical", reason, "head", crit, fallback=level))
            else:
                out.append(Assessment(level, None, "head", crit, fallback=level))
        return out

    def save(self, folder: Path) -> Path:
        """Write ``weights.npz`` into ``folder``."""
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / WEIGHTS_FILE
        np.savez_compressed(
            path,
            mean=self.mean.astype(np.float32),
            scale=self.scale.astype(np.float32),
            level_w=self.level_w.astype(np.float32),
            level_b=self.level_b.astype(np.float32),
            reason_w=self.reason_w.astype(np.float32),
            reason_b=self.reason_b.astype(np.float32),
            threshold=np.array([self.threshold]),
            meta=np.array(json.dumps(self.meta, sort_keys=True)),
        )
        return path


def load_head(folder: Path = HEAD_DIR) -> SeverityHead:
    """Load the head shipped in ``folder`` (no network, numpy only)."""
    path = folder / WEIGHTS_FILE
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: np.asarray(data[k], np.float64) for k in data.files if k != "meta"}
            meta = json.loads(str(data["meta"]))
    except (OSError, KeyError, ValueError) as exc:
        raise ClassifierError(
            f"cannot read the severity head {path}: {exc}; reinstall simak or retrain it with "
            "'python -m classifier.training.severity'"
        ) from exc
    return SeverityHead(
        arrays["mean"],
        arrays["scale"],
        arrays["level_w"],
        arrays["level_b"],
        arrays["reason_w"],
        arrays["reason_b"],
        float(arrays["threshold"][0]),
        meta,
    )
