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


def test_card_folders_match_what_the_training_reads() -> None:
    from classifier.training.card import DATASET_FOLDERS

    assert set(DATASET_FOLDERS) == _dataset_folders()


def test_a_trained_model_gets_a_card_with_its_data_and_licences(tmp_path: Path) -> None:
    from classifier.embedded.model_files import read_manifest
    from classifier.training.card import write_card

    datasets = tmp_path / "datasets"
    (datasets / "semeval2019_t9_suggestions").mkdir(parents=True)
    (datasets / "semeval2019_t9_suggestions" / "SOURCE.md").write_text(
        "# SemEval\n- License (as stated): CC BY-NC-SA 4.0 (non-commercial!).\n", "utf-8"
    )
    shipped = read_manifest(MODELS_DIR / DEFAULT_VERSION)
    card = write_card(tmp_path, shipped, datasets, "6-layer student").read_text("utf-8")
    assert f"`{shipped.version}`" in card and "6-layer student" in card
    assert "| `semeval2019_t9_suggestions` | CC BY-NC-SA 4.0 (non-commercial!). |" in card
    assert "| `indonlu_casa` | no SOURCE.md: unknown" in card
    assert "## Held-aside results" in card and "| all |" in card
    assert "legal check" in card and "Intended use" in card


def test_a_licence_line_wrapped_onto_the_next_lines_is_read_whole(tmp_path: Path) -> None:
    from classifier.training.card import licence_of

    (tmp_path / "SOURCE.md").write_text(
        "# x\n- Licences: each text keeps the licence of the dataset it came from (see each\n"
        "  dataset's SOURCE.md): several are non-commercial.\n- Content: posts\n",
        encoding="utf-8",
    )
    assert licence_of(tmp_path) == (
        "each text keeps the licence of the dataset it came from (see each dataset's "
        "SOURCE.md): several are non-commercial."
    )
