"""`simak train`: retrain the embedded model with the shipped data plus staff corrections."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import typer

from simak.cli.common import handle_errors, print_json, say, state, stdout
from simak.cli.render import plain
from simak.usecases.train import TEACHER, TrainRequest
from simak.usecases.train import train as run_training


@handle_errors
def train(
    ctx: typer.Context,
    datasets: Path | None = typer.Option(
        None,
        "--datasets",
        help="Folder of the labelled datasets (with simak_annotated/; default: "
        "shared/datasets beside the Simak checkout).",
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
    max_examples: int | None = typer.Option(
        None,
        "--max-examples",
        min=1,
        help="Use at most this many examples of each training set (a quick trial run; "
        "dev and test stay whole). Default: all.",
    ),
    epochs: int | None = typer.Option(
        None,
        "--epochs",
        min=1,
        help="Epochs of each training phase (mixed, then Simak's own data). Default: the recipe's.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the training report as JSON."),
) -> None:
    """Train a new version of the embedded classifier (needs the `train` extra: PyTorch)."""
    request = TrainRequest(
        datasets, output, version, use_corrections, device, layers, teacher, max_examples, epochs
    )
    report = run_training(state(ctx).app(), request, say)
    if as_json:
        print_json(asdict(report))
        return
    stdout().print(
        plain(
            f"new model {report.version} in {report.model_dir} "
            f"({report.seconds:.0f} s). Activate it in config.yaml:\n"
            f"classifier:\n  backend: embedded\n  options:\n    path: {report.model_dir}"
        )
    )
