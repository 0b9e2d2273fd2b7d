"""A broken or partial model folder (options.path) is one ClassifierError, not a traceback."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from classifier.embedded.classifier import MODELS_DIR, EmbeddedClassifier, EmbeddedOptions
from classifier.embedded.model_files import read_weight_file
from common.errors import ClassifierError

SHIPPED = MODELS_DIR / "e5s-d6-2026.12.04"


def test_a_folder_with_a_manifest_but_no_weights(tmp_path: Path) -> None:
    folder = tmp_path / "half-copied"
    folder.mkdir()
    shutil.copy(SHIPPED / "manifest.json", folder)
    with pytest.raises(ClassifierError, match=r"has no readable weights\.npz.*incomplete"):
        EmbeddedClassifier(EmbeddedOptions(path=folder), tmp_path / "cache")


@pytest.mark.parametrize("damage", ["cut short", "not numpy"])
def test_a_damaged_weights_file(tmp_path: Path, damage: str) -> None:
    path = tmp_path / "weights.npz"
    whole = (SHIPPED / "weights.npz").read_bytes()
    path.write_bytes(whole[:100_000] if damage == "cut short" else b"hello\n")
    with pytest.raises(ClassifierError, match="not a readable weights file") as caught:
        read_weight_file(path)
    assert "allow_pickle" not in str(caught.value)  # numpy's advice does not apply here
