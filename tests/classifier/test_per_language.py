"""Per-language calibration and thresholds: the manifest's fallbacks, ``calibrate`` row by
row, and the fit on dev (F1-best thresholds, then the noise cap, in each language)."""

from __future__ import annotations

import numpy as np

from classifier.embedded.classifier import calibrate
from classifier.embedded.model_files import Manifest
from classifier.training.finalize import _fit_decisions

GLOBAL = {"praise": 0.5, "complaint": 0.6, "idea": 0.7}


def _manifest() -> Manifest:
    return Manifest(
        "t",
        "sha",
        128,
        dict(GLOBAL),
        dict.fromkeys(GLOBAL, (1.0, 0.0)),
        by_lang={
            "en": {"thresholds": {"praise": 0.9}, "calibration": {"praise": [2.0, -1.0]}},
            "id": {"thresholds": {"complaint": 0.3}},
        },
    )


def test_thresholds_fall_back_label_by_label() -> None:
    m = _manifest()
    assert m.thresholds_for("en") == {"praise": 0.9, "complaint": 0.6, "idea": 0.7}
    assert m.thresholds_for("id") == {"praise": 0.5, "complaint": 0.3, "idea": 0.7}
    assert m.thresholds_for("und") == GLOBAL


def test_calibration_falls_back_label_by_label() -> None:
    m = _manifest()
    assert m.calibration_for("en")["praise"] == (2.0, -1.0)
    assert m.calibration_for("en")["idea"] == (1.0, 0.0)
    assert m.calibration_for("fr") == m.calibration


def test_calibrate_uses_each_rows_language() -> None:
    m = _manifest()
    logits = np.array([[1.0, 0.0, 0.0], [1.0, 0.0, 0.0]], np.float32)
    en, und = calibrate(logits, m, ["en", "und"])
    assert en[0] == np.float64(1 / (1 + np.exp(-1.0)))  # sigmoid(2·1 − 1)
    assert und[0] == np.float64(1 / (1 + np.exp(-1.0)))  # sigmoid(1·1 + 0)
    assert en[1] == und[1] == 0.5
    assert np.array_equal(calibrate(logits, m), calibrate(logits, m, ["und", "und"]))
    shifted = calibrate(np.array([[0.0, 0, 0]], np.float32), m, ["en"])
    assert shifted[0, 0] < 0.5  # the English bias applies


def test_fit_decisions_caps_the_noise_of_each_language() -> None:
    rng = np.random.default_rng(0)
    n = 400
    gold = np.zeros((n, 3), bool)
    gold[: n // 2, 0] = True  # half praise, half other
    logits = np.where(gold, 2.0, -2.0) + rng.normal(0, 1.5, (n, 3))
    langs = np.array(["en"] * n)
    _, loose = _fit_decisions(logits, gold, langs, max_noise=1.0)
    calibration, tight = _fit_decisions(logits, gold, langs, max_noise=0.02)
    assert tight["praise"] > loose["praise"]
    a, b = (
        np.array([calibration[lab][k] for lab in ("praise", "complaint", "idea")]) for k in (0, 1)
    )
    probs = 1 / (1 + np.exp(-(logits * a + b)))
    cut = np.array([tight[lab] for lab in ("praise", "complaint", "idea")])
    other = ~gold.any(axis=1)
    assert (probs[other] >= cut).any(axis=1).mean() <= 0.02
