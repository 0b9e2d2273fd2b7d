"""Train a new version of the embedded classifier from the shipped data plus corrections."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from classifier.base import LABELS
from classifier.datasets import LabelledText
from common.errors import ClassifierError, ConfigError
from simak.app import App
from storage.corrections import corrections

TEACHER = "e5s-ft-2026.12.04"  # the shipped 12-layer model
DATASETS = Path(__file__).resolve().parents[3] / "shared" / "datasets"
"""The labelled datasets beside the checkout (not installed with Simak)."""
_VERSION = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


@dataclass(frozen=True, slots=True)
class TrainRequest:
    """What to train, from what, into where."""

    datasets: Path | None  # None: DATASETS
    output: Path | None
    version: str | None
    use_corrections: bool
    device: str
    layers: int
    teacher: str
    max_examples: int | None = None  # caps each training set (a quick trial run)
    epochs: int | None = None  # epochs of each phase; None: the recipe's


@dataclass(frozen=True, slots=True)
class Trained:
    """Where the new model is and how it scored."""

    model_dir: Path
    version: str
    thresholds: dict[str, float]
    metrics: dict[str, object]
    examples: dict[str, int]
    seconds: float
    corrections: int


def models_dir(app: App) -> Path:
    """Default home of trained model versions."""
    base = app.env.get("SIMAK_DATA_DIR") or str(Path(app.env.get("HOME", "~")) / ".local/share")
    return Path(base).expanduser() / "simak" / "models"


def _staff_examples(app: App) -> list[LabelledText]:
    with app.db.read() as session:
        return [
            LabelledText(c.text, tuple(lab for lab in LABELS if lab in c.labels), c.lang)
            for c in corrections(session)
        ]


def _teacher_dir(teacher: str) -> Path:
    from classifier.embedded.classifier import MODELS_DIR

    folder = Path(teacher).expanduser() if "/" in teacher else MODELS_DIR / teacher
    if not (folder / "manifest.json").is_file():
        raise ConfigError(
            f"--teacher {teacher}: no model there; name a folder under "
            f"{MODELS_DIR} or a model folder written by `simak train`"
        )
    return folder


def _writable_output(output: Path, name: str) -> Path:
    """``output``, checked before hours of training: ``name`` is a plain folder name not
    taken yet there (never overwrite a model, maybe the one in use), and it is writable."""
    if not _VERSION.fullmatch(name):
        raise ConfigError(
            f"--version {name!r}: use letters, digits, '.', '_' and '-' only (a folder name)"
        )
    if (output / name).exists():
        raise ConfigError(f"--version {name}: {output / name} exists already; choose another name")
    try:
        output.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=output):
            pass
    except OSError as exc:
        raise ConfigError(
            f"--output {output}: cannot write there ({exc.strerror}); choose another folder"
        ) from None
    return output


def train(app: App, request: TrainRequest, progress: Callable[[str], None]) -> Trained:
    """Train (distil below 12 layers); needs the `train` extra (PyTorch)."""
    datasets = request.datasets or DATASETS
    if not (datasets / "simak_annotated" / "train.jsonl").is_file():
        raise ConfigError(
            f"--datasets {datasets}: no simak_annotated/train.jsonl there; the labelled "
            "datasets are not installed with Simak: pass --datasets DIR of their copy"
        )
    teacher_dir = _teacher_dir(request.teacher) if request.layers < 12 else None
    try:
        from classifier.training.train import check_device, train_model  # torch only here

        check_device(request.device)
    except ImportError as exc:
        raise ClassifierError(
            f"training needs PyTorch ({exc.name} is missing); install it "
            "with: pip install -e '.[train]'"
        ) from None
    prefix = "e5s-ft" if request.layers >= 12 else f"e5s-d{request.layers}"
    name = request.version or datetime.now(UTC).strftime(f"{prefix}-%Y%m%d-%H%M")
    output = _writable_output(request.output or models_dir(app), name)
    extra = _staff_examples(app) if request.use_corrections else []
    progress(f"training with {len(extra)} staff corrections; this takes a while on a CPU")
    report = train_model(
        output,
        extra,
        datasets_dir=datasets,
        version=name,
        cache_dir=app.cache_dir,
        device=request.device,
        teacher=teacher_dir,
        layers=request.layers,
        progress=progress,
        limit=request.max_examples,
        epochs=None if request.epochs is None else (request.epochs, request.epochs),
    )
    return Trained(
        report.model_dir,
        report.version,
        dict(report.thresholds),
        dict(report.metrics),
        report.examples,
        report.seconds,
        len(extra),
    )
