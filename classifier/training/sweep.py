"""Fit several recipes / seeds on one bundle and keep the best on the dev split.

``python -m classifier.training.sweep BUNDLE OUT_DIR simak:1 mixed:1 …`` writes the
best run's weights (``weights_<n>.npz``) and ``sweep.json`` (dev scores of every run).
Used for the GPU run; selection uses dev data only, never the test split.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from classifier.metrics import best_threshold, macro_f1
from classifier.training.bundle import SPLIT_DEV
from classifier.training.fit import RECIPES, FitConfig, dev_logits_of, fit, save_weight_parts


def dev_scores(
    bundle: dict[str, npt.NDArray[Any]], logits: npt.NDArray[np.float32]
) -> dict[str, float]:
    """Macro-F1 per language on dev, at 0.5 and at per-label best thresholds."""
    dev = np.flatnonzero(bundle["splits"] == SPLIT_DEV)
    gold = bundle["targets"][dev] == 1
    probs = 1 / (1 + np.exp(-logits.astype(np.float64)))
    thresholds = [best_threshold(gold[:, j], probs[:, j]) for j in range(3)]
    out: dict[str, float] = {}
    for code, lang in ((0, "en"), (1, "id")):
        rows = bundle["langs"][dev] == code
        out[f"{lang}@0.5"] = macro_f1(gold[rows], probs[rows] >= 0.5)
        out[f"{lang}@tuned"] = macro_f1(gold[rows], probs[rows] >= np.array(thresholds))
    out["mean@tuned"] = (out["en@tuned"] + out["id@tuned"]) / 2
    return out


def average_weights(
    runs: list[dict[str, npt.NDArray[np.float16]]],
) -> dict[str, npt.NDArray[np.float16]]:
    """Element-wise mean of several runs' tensors (a "model soup" of shared-init runs)."""
    return {
        name: np.mean([r[name].astype(np.float32) for r in runs], axis=0).astype(np.float16)
        for name in runs[0]
    }


def main(argv: list[str] | None = None) -> None:
    """Run the recipes named ``recipe:seed[:mix,final]`` and keep the best."""
    args = sys.argv[1:] if argv is None else argv
    bundle_path, out = Path(args[0]), Path(args[1])
    with np.load(bundle_path) as npz:
        bundle = {k: npz[k] for k in npz.files}
    results: list[dict[str, Any]] = []
    best = -1.0
    out.mkdir(parents=True, exist_ok=True)
    runs: list[dict[str, npt.NDArray[np.float16]]] = []
    for spec in args[2:]:
        if spec == "soup":
            weights = average_weights(runs)
            scores = dev_scores(bundle, dev_logits_of(bundle, weights))
            results.append({"spec": "soup", "dev": scores})
            print("soup", json.dumps(scores), flush=True)
            if scores["mean@tuned"] > best:
                best = scores["mean@tuned"]
                save_weight_parts(weights, out)
            continue
        name, seed, *epochs = spec.split(":")
        cfg = FitConfig(**{**asdict(RECIPES[name]), "seed": int(seed)})
        if epochs:
            mix, final = (int(x) for x in epochs[0].split(","))
            cfg = FitConfig(**{**asdict(cfg), "mix_epochs": mix, "final_epochs": final})
        weights, info = fit(bundle, cfg)
        runs.append(weights)
        scores = dev_scores(bundle, np.array(info.pop("dev_logits"), np.float32))
        results.append({"spec": spec, **info, "dev": scores})
        print(spec, json.dumps(scores), flush=True)
        if scores["mean@tuned"] > best:
            best = scores["mean@tuned"]
            save_weight_parts(weights, out)
        (out / "sweep.json").write_text(json.dumps(results, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
