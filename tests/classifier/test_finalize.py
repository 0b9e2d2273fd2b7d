"""Finalising a trained model on real weights: per-language calibration and thresholds fitted
on dev, reports on the dev slices and the independent test set, a loadable folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from classifier.data_v2 import load_pool, split_pool
from classifier.embedded import EmbeddedClassifier, EmbeddedOptions
from classifier.embedded.cache import ensure_built
from classifier.embedded.classifier import MODELS_DIR
from classifier.embedded.model_files import load_weights, read_manifest
from classifier.embedded.runtime import EncoderRuntime
from classifier.training.assemble import reports
from classifier.training.finalize import finalize_model


@pytest.fixture(scope="module")
def finalised(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("finalize")
    weights = load_weights(MODELS_DIR / "e5s-d6-2026.12.04")
    _, dev = split_pool(load_pool())
    finalize_model(
        root / "m", weights, "m", dev, dev[:40], root / "cache", {"note": "test"},
        quantization="token8", max_noise=0.08,
    )  # fmt: skip
    return root / "m", root / "cache"


def test_decisions_are_fitted_per_language_within_the_noise_cap(
    finalised: tuple[Path, Path],
) -> None:
    manifest = read_manifest(finalised[0])
    assert set(manifest.by_lang) == {"en", "id"}
    for lang in ("en", "id"):
        cuts = manifest.thresholds_for(lang)
        assert all(0.2 <= t <= 0.9 for t in cuts.values()), cuts
        assert set(manifest.calibration_for(lang)) == {"praise", "complaint", "idea"}
    assert manifest.training == {"note": "test"} and manifest.metrics["n"] == 40


def test_the_folder_serves_and_reports(finalised: tuple[Path, Path]) -> None:
    folder, cache = finalised
    clf = EmbeddedClassifier(EmbeddedOptions(path=folder), cache)
    assert clf.classify(["Tolong tambahkan fitur mode gelap dong."])[0].labels == ("idea",)
    manifest = read_manifest(folder)
    runtime = EncoderRuntime(ensure_built(folder, manifest, cache, None, "token8"), 128, 2, 32)
    _, dev = split_pool(load_pool())
    got = reports(runtime, manifest, dev)
    assert set(got) == {"v2_test", "v2_general", "dev_sarcasm", "dev_mixed", "dev"}
    assert got["v2_test"]["n"] >= 1000 and got["v2_general"]["n"] >= 200
    assert 0.6 < got["dev"]["groups"]["all"]["macro_f1"] <= 1.0
