"""Evaluate any :class:`~classifier.base.Classifier` on labelled texts.

``evaluate(classifier, examples)`` returns an :class:`EvalReport` with per-label
precision / recall / F1, macro-F1 per language and overall, and the noise rate (share of
gold-``other`` texts that received any label). ``load_dev_examples(root)`` maps the
shared datasets' dev/validation splits onto Simak's labels (for ``make eval``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from classifier.base import LABELS, Classifier, Label
from classifier.datasets import LabelledText, MaskedExample, load_aspects, normalise_key
from classifier.metrics import label_scores


@dataclass(frozen=True, slots=True)
class LabelReport:
    """Scores of one label: ``support`` gold positives and ``predicted`` predicted ones
    among the ``evaluated`` texts annotated for it. A score whose denominator is zero is
    0.0 here (precision with nothing predicted; recall and F1 with no support) and left
    out of macro-F1."""

    precision: float
    recall: float
    f1: float
    support: int
    evaluated: int
    predicted: int = 0


@dataclass(frozen=True, slots=True)
class GroupReport:
    """Scores of one language (or ``all``)."""

    n: int
    macro_f1: float
    labels: dict[str, LabelReport]
    noise: float | None
    other_n: int


@dataclass(frozen=True, slots=True)
class EvalReport:
    """Evaluation result; ``to_dict()`` / ``to_json()`` give a JSON-serialisable form."""

    model: str
    n: int
    groups: dict[str, GroupReport]

    def to_dict(self) -> dict[str, object]:
        """Plain dict (JSON-serialisable)."""
        return asdict(self)

    def to_json(self) -> str:
        """Indented JSON text."""
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)


def evaluate(
    classifier: Classifier, examples: Sequence[LabelledText], batch_size: int = 256
) -> EvalReport:
    """Classify ``examples`` and score the result per label and language."""
    predicted: list[tuple[Label, ...]] = []
    langs: list[str] = []
    for start in range(0, len(examples), batch_size):
        chunk = examples[start : start + batch_size]
        for ex, result in zip(chunk, classifier.classify([e.text for e in chunk]), strict=True):
            predicted.append(result.labels)
            langs.append(ex.lang or result.lang)
    return score_predictions(classifier.model_id, examples, predicted, langs)


def score_predictions(
    model: str,
    examples: Sequence[LabelledText],
    predicted: Sequence[Sequence[str]],
    langs: Sequence[str],
) -> EvalReport:
    """Build the report from predictions already made (one label tuple per example)."""
    gold = np.array([[lab in ex.labels for lab in LABELS] for ex in examples], bool).reshape(-1, 3)
    known = np.array([[lab in ex.annotated for lab in LABELS] for ex in examples], bool)
    known = known.reshape(-1, 3)
    pred = np.array([[lab in p for lab in LABELS] for p in predicted], bool).reshape(-1, 3)
    lang_arr = np.array(list(langs), dtype=object)
    groups = {"all": _group(gold, known, pred)}
    for lang in sorted(set(langs)):
        rows = lang_arr == lang
        groups[lang] = _group(gold[rows], known[rows], pred[rows])
    return EvalReport(model, len(examples), groups)


def _group(gold: np.ndarray, known: np.ndarray, pred: np.ndarray) -> GroupReport:  # type: ignore[type-arg]
    labels: dict[str, LabelReport] = {}
    for j, lab in enumerate(LABELS):
        rows = known[:, j]
        s = label_scores(gold[rows, j], pred[rows, j])
        labels[lab] = LabelReport(
            round(s.precision, 4),
            round(s.recall, 4),
            round(s.f1, 4),
            s.support,
            int(rows.sum()),
            int(pred[rows, j].sum()),
        )
    scored = [r.f1 for r in labels.values() if r.support > 0]
    other = known.all(axis=1) & ~gold.any(axis=1)
    noise = float(pred[other].any(axis=1).mean()) if other.any() else None
    return GroupReport(
        len(gold),
        round(float(np.mean(scored)) if scored else 0.0, 4),
        labels,
        None if noise is None else round(noise, 4),
        int(other.sum()),
    )


def format_report(report: EvalReport) -> str:
    """A compact human-readable table of the report."""
    lines = [f"model {report.model}, {report.n} examples"]
    for name, g in report.groups.items():
        noise = "-" if g.noise is None else f"{g.noise:.3f}"
        lines.append(
            f"[{name}] n={g.n} macro-F1={g.macro_f1:.3f} noise={noise} (other n={g.other_n})"
        )
        for lab, r in g.labels.items():
            if not r.evaluated:
                lines.append(f"  {lab:<9} not annotated")
                continue
            lines.append(
                f"  {lab:<9} P={r.precision:.3f} R={r.recall:.3f} F1={r.f1:.3f} "
                f"support={r.support} of {r.evaluated}"
            )
    return "\n".join(lines)


def load_labelled_jsonl(path: Path) -> list[LabelledText]:
    """Lines of ``{"text": ..., "labels": [...], "lang"?: ...}`` (``[]`` or ``["other"]``:
    no label). A line that is not such an object raises ValueError naming ``path:line``."""
    out = []
    with path.open(encoding="utf-8-sig") as fh:  # a byte-order mark is not part of line 1
        for n, line in enumerate(fh, 1):
            if line.strip():
                out.append(_labelled_line(line, f"{path}:{n}"))
    return out


def _labelled_line(line: str, where: str) -> LabelledText:
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{where}: not valid JSON ({exc.msg}); fix or remove that line") from None
    shape = 'write {"text": "...", "labels": ["complaint"]} (labels [] for other)'
    if not isinstance(row, dict):
        raise ValueError(f"{where}: not a JSON object; {shape}")
    text, given, lang = row.get("text"), row.get("labels"), row.get("lang")
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"{where}: no text; {shape}")
    if not isinstance(given, list) or not all(isinstance(x, str) for x in given):
        raise ValueError(f"{where}: labels must be a list of label names; {shape}")
    given = [x.strip().lower() for x in given]  # "Praise" as `simak correct` takes it
    if set(given) - set(LABELS) - {"other"}:
        raise ValueError(f"{where}: unknown label in {given}; use {', '.join(LABELS)} or other")
    if lang is not None and not isinstance(lang, str):
        raise ValueError(f"{where}: lang must be a language code such as en or id")
    lang = (lang or "").strip().lower() or None  # "EN" is en; "" means detect it
    return LabelledText(text, tuple(lab for lab in LABELS if lab in given), lang)


def _semeval_dev(root: Path) -> list[MaskedExample]:
    import csv

    path = root / "semeval2019_t9_suggestions" / "subtaskA_dev_trial_test_labeled.csv"
    with path.open(encoding="utf-8", errors="replace", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return [
        MaskedExample(r["sentence"], "en", "semevalA-dev", (None, None, int(r["label"])))
        for r in rows
        if r.get("label") in ("0", "1")
    ]


def _smsa_dev(root: Path) -> list[MaskedExample]:
    sentiment = {"positive": (1, 0), "negative": (0, 1), "neutral": (0, 0)}
    out = []
    path = root / "indonlu_smsa" / "valid_preprocess.tsv"
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        text, _, label = line.rpartition("\t")
        if label.strip() in sentiment:
            p, c = sentiment[label.strip()]
            out.append(MaskedExample(text, "id", "smsa-dev", (p, c, None)))
    return out


def load_dev_examples(root: Path) -> list[LabelledText]:
    """Dev/validation splits of the shared proxy datasets, mapped and label-masked.

    SemEval-2019 A trial (idea), SmSA valid (praise/complaint), CASA and HoASA valid
    (praise/complaint). None of these is used in training; labels a source does not
    annotate are excluded from that label's metrics.
    """
    examples = _semeval_dev(root) + _smsa_dev(root)
    for folder, source in (("indonlu_casa", "casa-dev"), ("indonlu_hoasa", "hoasa-dev")):
        examples += [
            MaskedExample(e.text, e.lang, source, e.targets)
            for e in load_aspects(root, folder, source, split="valid_preprocess.csv")
        ]
    seen: set[str] = set()
    out = []
    for ex in examples:
        key = normalise_key(ex.text)
        if key and key not in seen:
            seen.add(key)
            out.append(ex.as_labelled())
    return out


def load_simak_heldout(root: Path, part: str = "test") -> list[LabelledText]:
    """The held-aside ``dev`` or ``test`` part of ``simak_annotated`` (see ``split_simak``).

    The shipped models chose thresholds on ``dev`` and never saw ``test``.
    """
    from classifier.datasets import load_simak_annotated, split_simak

    _train, dev, test = split_simak(load_simak_annotated(root))
    chosen = {"dev": dev, "test": test}.get(part)
    if chosen is None:
        raise ValueError(f"part must be 'dev' or 'test', not {part!r}")
    return [ex.as_labelled() for ex in chosen]
