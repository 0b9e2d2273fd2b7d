"""Train a new version of the embedded classifier from the shipped data plus corrections."""

from __future__ import annotations

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


@dataclass(frozen=True, slots=True)
class TrainRequest:
    """What to train, from what, into where."""

    datasets: Path
    output: Path | None
    version: str | None
    use_corrections: bool
    device: str
    layers: int
    teacher: str


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


def train(app: App, request: TrainRequest, progress: Callable[[str], None]) -> Trained:
    """Train (distil below 12 layers); needs the `train` extra (PyTorch)."""
    if not (request.datasets / "simak_annotated").is_dir():
        raise ConfigError(
            f"--datasets {request.datasets}: no simak_annotated/ folder there; "
            "point it at the labelled datasets"
        )
    teacher_dir = _teacher_dir(request.teacher) if request.layers < 12 else None
    try:
        from classifier.training.train import train_model  # torch is imported only here
    except ImportError as exc:
        raise ClassifierError(
            f"training needs PyTorch ({exc.name} is missing); install it "
            "with: pip install -e '.[train]'"
        ) from None
    extra = _staff_examples(app) if request.use_corrections else []
    progress(f"training with {len(extra)} staff corrections; this takes a while on a CPU")
    prefix = "e5s-ft" if request.layers >= 12 else f"e5s-d{request.layers}"
    name = request.version or datetime.now(UTC).strftime(f"{prefix}-%Y%m%d-%H%M")
    report = train_model(
        request.output or models_dir(app),
        extra,
        datasets_dir=request.datasets,
        version=name,
        cache_dir=app.cache_dir,
        device=request.device,
        teacher=teacher_dir,
        layers=request.layers,
        progress=progress,
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
