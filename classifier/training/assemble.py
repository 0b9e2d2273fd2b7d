"""Turn a GPU run's result files into a model folder, then report it on every set.

``python -m classifier.training.assemble RUN_DIR RUN VERSION MODELS_DIR --datasets DIR``

``RUN`` is ``teacher`` (``teacher_<part>.npz``) or ``student_<seed>`` (from
:mod:`classifier.training.gpu_run`). Calibration and thresholds are fitted on the dev
parts (:func:`classifier.training.finalize.finalize_model`); the manifest then gets the
reports: ``simak_annotated``'s test part, the dev slices (sarcasm, mixed posts) and the
independent v2 test set, which is reported and never used for a choice.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from classifier.data_v2 import load_test
from classifier.datasets import MaskedExample
from classifier.embedded.cache import ensure_built
from classifier.embedded.model_files import Manifest, read_weight_file, write_manifest
from classifier.embedded.runtime import EncoderRuntime
from classifier.training.finalize import MAX_NOISE, finalize_model, score_examples
from classifier.training.train import training_sets

SLICES = {"sarcasm": ("sarcasm",), "mixed": ("mixed", "complaint_idea")}


def read_run(run_dir: Path, run: str) -> dict[str, npt.NDArray[np.float32]]:
    """The run's tensors (its files merged) as float32."""
    weights: dict[str, npt.NDArray[np.float32]] = {}
    for path in sorted(run_dir.glob(f"{run}*.npz")):
        weights.update(read_weight_file(path))
    return weights


def report(
    runtime: EncoderRuntime, manifest: Manifest, name: str, examples: Sequence[MaskedExample]
) -> dict[str, Any]:
    """Scores per language and label (noise = share of *other* posts given a label)."""
    result, _ = score_examples(runtime, manifest, name, examples)
    return {"n": result["n"], "groups": result["groups"]}


def reports(
    runtime: EncoderRuntime, manifest: Manifest, dev: Sequence[MaskedExample]
) -> dict[str, Any]:
    """The v2 test set (business posts; general posts for noise) and the dev slices."""
    test = load_test()
    out = {
        "v2_test": report(runtime, manifest, "v2 test", [e for e in test if "test:" in e.source]),
        "v2_general": report(
            runtime, manifest, "v2 general", [e for e in test if "general:" in e.source]
        ),
    }
    for name, cues in SLICES.items():
        chosen = [e for e in dev if any(c in e.source for c in cues)]
        out[f"dev_{name}"] = report(runtime, manifest, f"dev {name}", chosen)
    out["dev"] = report(runtime, manifest, "dev", dev)
    return out


def main(argv: list[str] | None = None) -> None:
    """Command line (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("run")
    parser.add_argument("version")
    parser.add_argument("models", type=Path)
    parser.add_argument("--datasets", type=Path, required=True)
    parser.add_argument("--cache", type=Path, default=Path("~/.cache/simak").expanduser())
    parser.add_argument("--max-noise", type=float, default=MAX_NOISE)
    parser.add_argument("--quantization", default="token8")
    args = parser.parse_args(argv)
    sets = training_sets(args.datasets, use_proxies=False, with_general=False)
    gpu = json.loads((args.run_dir / "report.json").read_text(encoding="utf-8"))
    key = gpu["best_teacher"] if args.run == "teacher" else "s" + args.run.removeprefix("student_")
    info = gpu["runs"][key]["info"]
    manifest = finalize_model(
        args.models / args.version,
        read_run(args.run_dir, args.run),
        args.version,
        sets.dev,
        sets.test,
        args.cache,
        {"fit": info, "examples": sets.counts},
        progress=print,
        quantization=args.quantization,
        max_noise=args.max_noise,
    )
    folder = ensure_built(
        args.models / args.version, manifest, args.cache, None, manifest.quantization
    )
    runtime = EncoderRuntime(folder, manifest.max_tokens, 2, 32)
    metrics = {**manifest.metrics, "reports": reports(runtime, manifest, sets.dev)}
    write_manifest(args.models / args.version, replace(manifest, metrics=metrics))
    for name, rep in metrics["reports"].items():
        groups = rep["groups"]
        line = "  ".join(
            f"{g} F1 {groups[g]['macro_f1']:.3f} noise {groups[g]['noise']}" for g in groups
        )
        print(f"{name:12} {line}")


if __name__ == "__main__":
    main()
