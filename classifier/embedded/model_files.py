"""A versioned model folder: ``manifest.json`` + ``weights.npz`` (+ ``MODEL_CARD.md``).

Trained tensors are stored compactly: matrices as int8 with one float32 scale per row,
everything else as float16. The manifest carries the base-model pin, the maximum
sequence length, per-label thresholds and calibration (Platt: ``sigmoid(a·logit + b)``).
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from classifier.base import LABELS
from common.errors import ClassifierError

MANIFEST = "manifest.json"
WEIGHTS = "weights.npz"
FORMAT = "simak-e5-finetune/1"


@dataclass(frozen=True, slots=True)
class Manifest:
    """What a model folder declares about itself."""

    version: str
    base_sha256: str
    max_tokens: int
    thresholds: dict[str, float]
    calibration: dict[str, tuple[float, float]]
    format: str = FORMAT
    labels: tuple[str, ...] = LABELS
    metrics: dict[str, Any] = field(default_factory=dict)
    training: dict[str, Any] = field(default_factory=dict)
    # the serving mode thresholds and calibration were fitted with (EmbeddedOptions)
    quantization: str = "weights8"
    # per-language overrides fitted on that language's dev posts:
    # {"en": {"thresholds": {label: t}, "calibration": {label: [a, b]}}, …}
    by_lang: dict[str, dict[str, Any]] = field(default_factory=dict)

    def thresholds_for(self, lang: str) -> dict[str, float]:
        """Decision thresholds for posts in ``lang`` (the global ones where none were fitted)."""
        own = self.by_lang.get(lang, {}).get("thresholds", {})
        return {lab: float(own.get(lab, self.thresholds[lab])) for lab in self.labels}

    def calibration_for(self, lang: str) -> dict[str, tuple[float, float]]:
        """Platt parameters for posts in ``lang`` (the global ones where none were fitted)."""
        own = self.by_lang.get(lang, {}).get("calibration", {})
        return {
            lab: (float(own[lab][0]), float(own[lab][1])) if lab in own else self.calibration[lab]
            for lab in self.labels
        }


def read_manifest(model_dir: Path) -> Manifest:
    """Load and check ``manifest.json`` of a model folder."""
    path = model_dir / MANIFEST
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ClassifierError(
            f"cannot read model manifest {path}: {exc}; point the embedded model "
            f"path at a folder written by `simak train`"
        ) from exc
    if raw.get("format") != FORMAT or tuple(raw.get("labels", ())) != LABELS:
        raise ClassifierError(f"{path} is not a {FORMAT} model for labels {LABELS}; retrain it")
    raw["labels"] = tuple(raw["labels"])
    raw["calibration"] = {k: (float(v[0]), float(v[1])) for k, v in raw["calibration"].items()}
    return Manifest(**raw)


def write_manifest(model_dir: Path, manifest: Manifest) -> None:
    """Write ``manifest.json`` (sorted keys, stable formatting)."""
    text = json.dumps(asdict(manifest), indent=1, sort_keys=True, ensure_ascii=False)
    (model_dir / MANIFEST).write_text(text + "\n", encoding="utf-8")


def save_weights(model_dir: Path, weights: dict[str, npt.NDArray[Any]]) -> None:
    """Store trained tensors: 2-D as per-row int8 + scales, the rest float16."""
    arrays: dict[str, npt.NDArray[Any]] = {}
    for name in sorted(weights):
        value = weights[name].astype(np.float32)
        if value.ndim == 2 and name != "emb.pos" and name != "emb.type" and value.shape[0] > 3:
            scale = np.maximum(np.abs(value).max(axis=1), 1e-12) / 127.0
            arrays[name + ":q"] = np.round(value / scale[:, None]).astype(np.int8)
            arrays[name + ":s"] = scale.astype(np.float32)
        else:
            arrays[name] = value.astype(np.float16)
    np.savez_compressed(model_dir / WEIGHTS, **arrays)  # type: ignore[arg-type]


def load_weights(model_dir: Path) -> dict[str, npt.NDArray[np.float32]]:
    """Trained tensors as float32 by name (inverse of :func:`save_weights`)."""
    return read_weight_file(model_dir / WEIGHTS)


def read_weight_file(path: Path) -> dict[str, npt.NDArray[np.float32]]:
    """One file in :func:`save_weights`'s form, as float32 tensors by name."""
    try:
        with np.load(path) as npz:
            raw = {k: npz[k] for k in npz.files}
    except OSError as exc:
        raise ClassifierError(f"cannot read {path}: {exc}; reinstall or retrain") from exc
    except (ValueError, EOFError, KeyError, zipfile.BadZipFile) as exc:
        # numpy's "pickled data … allow_pickle" advice would be wrong here: it is damaged
        raise ClassifierError(
            f"{path} is not a readable weights file (damaged or cut short); copy the model "
            "folder again, or reinstall or retrain"
        ) from exc
    out: dict[str, npt.NDArray[np.float32]] = {}
    for key, value in raw.items():
        if key.endswith(":q"):
            out[key[:-2]] = value.astype(np.float32) * raw[key[:-2] + ":s"][:, None]
        elif not key.endswith(":s"):
            out[key] = value.astype(np.float32)
    return out


def weights_digest(model_dir: Path) -> str:
    """sha256 of the weights file (the model's part of the cache key)."""
    try:
        return hashlib.sha256((model_dir / WEIGHTS).read_bytes()).hexdigest()
    except OSError as exc:
        raise ClassifierError(
            f"model folder {model_dir} has no readable {WEIGHTS} ({exc.strerror}); it is "
            "incomplete: copy the whole folder written by `simak train`, or retrain"
        ) from None
