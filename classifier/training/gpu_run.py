"""One GPU session: fit several teacher seeds at once, distil students from the best.

``python -m classifier.training.gpu_run BUNDLE OUT --teachers 1 2 3 --students 4 5@3,4``

A run is ``SEED`` or ``SEED@MIX,FINAL`` (its epochs, instead of the recipe's).

Teachers (12 layers, recipe ``mixed``) train in parallel processes on the same GPU; the
one with the best dev macro-F1 (mean of English and Indonesian, per-label tuned
thresholds) teaches the students, which also train in parallel. ``OUT`` receives only
small files: the best teacher's and every student's weights in the served int8 form
(``teacher_<part>.npz``, ``student_<seed>.npz``; each under 16 MB) and ``report.json``
(dev scores and dev logits of every run, for the choice made afterwards on CPU). Choices
use the bundle's dev split only. Runs on CPU too (slowly), which is how it is tested.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from classifier.embedded.model_files import WEIGHTS, save_weights
from classifier.training.fit import load_weight_parts
from classifier.training.sweep import dev_scores


def _launch(module: str, args: list[str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as fh:
        return subprocess.Popen(
            [sys.executable, "-m", module, *args], stdout=fh, stderr=subprocess.STDOUT
        )


def _wait_all(runs: dict[str, subprocess.Popen[bytes]], deadline: float) -> dict[str, int]:
    codes: dict[str, int] = {}
    for name, proc in runs.items():
        try:
            codes[name] = proc.wait(timeout=max(1.0, deadline - time.time()))
        except subprocess.TimeoutExpired:
            proc.kill()
            codes[name] = -9
    return codes


def _spec(run: str) -> tuple[str, list[str]]:
    """``"5@3,4"`` → ``("5", ["--epochs", "3,4"])``."""
    seed, _, epochs = run.partition("@")
    return seed, (["--epochs", epochs] if epochs else [])


def _score(bundle: dict[str, npt.NDArray[Any]], run_dir: Path) -> dict[str, Any]:
    info = json.loads((run_dir / "info.json").read_text(encoding="utf-8"))
    logits = np.array(info.pop("dev_logits"), np.float32)
    return {"dev": dev_scores(bundle, logits), "info": info, "dev_logits": logits.tolist()}


def _save_int8(weights: dict[str, npt.NDArray[Any]], out: Path, name: str, parts: int) -> None:
    """The served int8 form, split by encoder layer into ``parts`` files."""
    names = sorted(weights)
    layer_of = {n: int(n[1 : n.index(".")]) if n[0] == "l" and "." in n else -1 for n in names}
    top = max(layer_of.values()) + 1
    for part in range(parts):
        lo, hi = part * top // parts, (part + 1) * top // parts
        chosen = {
            n: weights[n]
            for n in names
            if lo <= layer_of[n] < hi or (part == 0 and layer_of[n] < 0)
        }
        tmp = out / f"_{name}_{part}"
        tmp.mkdir(parents=True, exist_ok=True)
        save_weights(tmp, chosen)
        suffix = f"_{part}" if parts > 1 else ""
        (tmp / WEIGHTS).rename(out / f"{name}{suffix}.npz")
        tmp.rmdir()


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Teachers, then students; returns the report written to ``OUT/report.json``."""
    deadline = time.time() + args.budget
    work, out = args.work, args.out
    work.mkdir(parents=True, exist_ok=True)
    out.mkdir(parents=True, exist_ok=True)
    with np.load(args.bundle) as npz:
        bundle = {k: npz[k] for k in npz.files}
    teachers = {}
    for seed, extra in map(_spec, args.teachers):
        out_dir = work / f"t{seed}"
        teachers[f"t{seed}"] = _launch(
            "classifier.training.fit",
            [str(args.bundle), str(out_dir), "--recipe", "mixed", "--seed", seed, *extra],
            work / f"t{seed}.log",
        )
    report: dict[str, Any] = {"exit": _wait_all(teachers, deadline - args.student_budget)}
    scored = {n: _score(bundle, work / n) for n in teachers if report["exit"][n] == 0}
    if not scored:
        return report
    best = max(scored, key=lambda n: scored[n]["dev"]["mean@tuned"])
    report["best_teacher"] = best
    teacher_weights = load_weight_parts(work / best)
    _save_int8(teacher_weights, out, "teacher", 2)
    students = {}
    for seed, extra in map(_spec, args.students):
        out_dir = work / f"s{seed}"
        students[f"s{seed}"] = _launch(
            "classifier.training.distill",
            [
                str(args.bundle),
                str(work / best),
                str(out_dir),
                "--seed",
                seed,
                "--layers",
                str(args.student_layers),
                *extra,
            ],
            work / f"s{seed}.log",
        )
    report["exit"].update(_wait_all(students, deadline))
    for name in students:
        if report["exit"][name] == 0:
            scored[name] = _score(bundle, work / name)
            _save_int8(dict(load_weight_parts(work / name)), out, f"student_{name[1:]}", 1)
    report["runs"] = scored
    return report


def main(argv: list[str] | None = None) -> None:
    """Command line (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("bundle", type=Path)
    parser.add_argument("out", type=Path, help="where the small result files go")
    parser.add_argument("--work", type=Path, default=Path("/tmp/simak-gpu-run"))
    parser.add_argument("--teachers", nargs="+", default=["1", "2", "3"], help="SEED[@MIX,FINAL]")
    parser.add_argument("--students", nargs="*", default=["4", "5"], help="SEED[@MIX,FINAL]")
    parser.add_argument("--student-layers", type=int, default=6)
    parser.add_argument("--budget", type=float, default=540.0, help="seconds for everything")
    parser.add_argument("--student-budget", type=float, default=200.0)
    args = parser.parse_args(argv)
    started = time.time()
    report = run(args)
    report["seconds"] = round(time.time() - started)
    logs = "".join(
        f"==> {p.name}\n{p.read_text(encoding='utf-8', errors='replace')[-4000:]}\n"
        for p in sorted(args.work.glob("*.log"))
    )
    (args.out / "logs.txt").write_text(logs, encoding="utf-8")
    (args.out / "report.json").write_text(json.dumps(report), encoding="utf-8")
    print(json.dumps({k: v for k, v in report.items() if k != "runs"}))
    for name, run_ in report.get("runs", {}).items():
        print(name, json.dumps(run_["dev"]), run_["info"].get("seconds"))


if __name__ == "__main__":
    main()
