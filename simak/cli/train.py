"""`simak train`: retrain the embedded model with the shipped data plus staff corrections."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import typer

from classifier.base import LABELS
from classifier.datasets import LabelledText
from common.errors import ClassifierError, ConfigError
from simak.app import App
from simak.cli.common import handle_errors, print_json, say, state, stdout
from storage.corrections import corrections

TEACHER = "e5s-ft-2026.11.1"  # the shipped 12-layer model


def _models_dir(app: App) -> Path:
    base = app.env.get("SIMAK_DATA_DIR") or str(Path(app.env.get("HOME", "~")) / ".local/share")
    return Path(base).expanduser() / "simak" / "models"


def _staff_examples(app: App) -> list[LabelledText]:
    with app.db.session() as session:
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


@handle_errors
def train(
    ctx: typer.Context,
    datasets: Path = typer.Option(
        Path("../shared/datasets"),
        "--datasets",
        help="Folder of the labelled datasets (with simak_annotated/).",
    ),
    output: Path | None = typer.Option(
        None,
        "--output",
        help="Where model versions go (default: "
        "$SIMAK_DATA_DIR/simak/models or ~/.local/share/...).",
    ),
    version: str | None = typer.Option(None, "--version", help="Name of the new model version."),
    use_corrections: bool = typer.Option(
        True, "--corrections/--no-corrections", help="Learn from staff label corrections."
    ),
    device: str = typer.Option("auto", "--device", help="auto, cpu or cuda."),
    layers: int = typer.Option(
        6,
        "--layers",
        min=1,
        max=12,
        help="Encoder layers of the new model (fewer = faster). Below 12 "
        "the model is distilled from --teacher (~40 min on 2 cores); "
        "12 fine-tunes the whole encoder (~1.5 h).",
    ),
    teacher: str = typer.Option(
        TEACHER,
        "--teacher",
        help="Model version (under classifier/models) or folder to distil from.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the training report as JSON."),
) -> None:
    """Train a new version of the embedded classifier (needs the `train` extra: PyTorch)."""
    if not (datasets / "simak_annotated").is_dir():
        raise ConfigError(
            f"--datasets {datasets}: no simak_annotated/ folder there; "
            "point it at the labelled datasets"
        )
    teacher_dir = _teacher_dir(teacher) if layers < 12 else None
    try:
        from classifier.training.train import train_model  # torch is imported only here
    except ImportError as exc:
        raise ClassifierError(
            f"training needs PyTorch ({exc.name} is missing); install it "
            "with: pip install -e '.[train]'"
        ) from exc

    app = state(ctx).app()
    extra = _staff_examples(app) if use_corrections else []
    say(f"training with {len(extra)} staff corrections; this takes a while on a CPU")
    prefix = "e5s-ft" if layers >= 12 else f"e5s-d{layers}"
    name = version or datetime.now(UTC).strftime(f"{prefix}-%Y%m%d-%H%M")
    report = train_model(
        output or _models_dir(app),
        extra,
        datasets_dir=datasets,
        version=name,
        cache_dir=app.cache_dir,
        device=device,
        teacher=teacher_dir,
        layers=layers,
        progress=say,
    )
    if as_json:
        print_json(
            {
                "model_dir": str(report.model_dir),
                "version": report.version,
                "thresholds": report.thresholds,
                "metrics": report.metrics,
                "examples": report.examples,
                "seconds": report.seconds,
            }
        )
        return
    stdout().print(
        f"new model {report.version} in {report.model_dir} "
        f"({report.seconds:.0f} s). Activate it in config.yaml:\n"
        f"classifier:\n  backend: embedded\n  options:\n    path: {report.model_dir}"
    )
