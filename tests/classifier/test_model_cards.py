"""The shipped model cards name every dataset the training code reads, with its licence."""

from __future__ import annotations

import re
from pathlib import Path

import classifier.datasets
from classifier.embedded.classifier import DEFAULT_VERSION, MODELS_DIR


def _dataset_folders() -> set[str]:
    source = Path(classifier.datasets.__file__).read_text(encoding="utf-8")
    folders = set(re.findall(r'root / "([a-z0-9_]+)"', source))
    folders |= set(re.findall(r'load_aspects\(root, "([a-z0-9_]+)"', source))
    return folders


def test_the_default_card_lists_every_training_dataset_with_a_licence() -> None:
    card = (MODELS_DIR / DEFAULT_VERSION / "MODEL_CARD.md").read_text(encoding="utf-8")
    rows = [line for line in card.splitlines() if line.startswith("| `")]
    folders = _dataset_folders()
    assert len(folders) >= 12  # the pattern still finds the loaders' folders
    for folder in folders:
        row = next((r for r in rows if f"`{folder}`" in r), None)
        assert row is not None, f"{folder} missing from the card's dataset table"
        assert row.rstrip(" |").rsplit("|", 1)[-1].strip(), f"{folder}: no licence given"
    assert "Intended use" in card and "Known weak spots" in card
