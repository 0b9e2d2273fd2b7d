"""Evaluate the active classifier on labelled data."""

from __future__ import annotations

import json
from pathlib import Path

from classifier.datasets import LabelledText
from classifier.evaluation import EvalReport as EvalReport
from classifier.evaluation import LabelReport as LabelReport
from classifier.evaluation import evaluate, load_dev_examples, load_labelled_jsonl
from common.errors import ConfigError
from simak.app import App


def load_examples(input_path: Path | None, dev_splits: Path | None) -> list[LabelledText]:
    """Labelled texts from a JSONL file or the shared datasets' dev splits (exactly one)."""
    if (input_path is None) == (dev_splits is None):
        raise ConfigError("give exactly one of --input LABELLED.jsonl or --dev-splits DIR")
    try:
        if input_path is not None:
            examples = load_labelled_jsonl(input_path)
        else:
            examples = load_dev_examples(dev_splits or Path("."))
    except FileNotFoundError as exc:
        raise ConfigError(f"{exc.filename}: not found; check the path") from None
    except IsADirectoryError as exc:
        raise ConfigError(f"{exc.filename}: is a folder; give a JSONL file") from None
    except UnicodeDecodeError:
        raise ConfigError(
            f"{input_path or dev_splits}: not UTF-8 text; give a JSONL file"
        ) from None
    except (ValueError, KeyError, json.JSONDecodeError) as exc:
        raise ConfigError(f"cannot read labelled data: {exc}") from None
    if not examples:
        raise ConfigError(f"{input_path or dev_splits}: no labelled lines; nothing to evaluate")
    return examples


def run_evaluation(app: App, examples: list[LabelledText]) -> EvalReport:
    """Per-label precision / recall / F1 and macro-F1 per language."""
    return evaluate(app.classifier, examples)


def model_id(app: App) -> str:
    """The active model's id."""
    return app.classifier.model_id
