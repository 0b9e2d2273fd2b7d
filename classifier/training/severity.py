"""Train and measure the severity head; compare it with the keyword rules on the held-out set.

    python -m classifier.training.severity [--write]

Embeds ``classifier/data/severity/train.tsv`` and ``heldout.tsv`` with the shipped embedded
encoder (the same pooled vector the classifier computes), fits softmax regressions in numpy
(L2 strength and critical threshold chosen by 5-fold cross-validation on the training set
only), then prints precision / recall of ``critical`` and the pairwise ranking figure on the
held-out set for the rules, the head, and the head combined with the rules. ``--write`` saves
the head into ``classifier/models/severity-…``.
"""

from __future__ import annotations

import argparse
import csv
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from classifier.severity.combine import combine
from classifier.severity.head import F64, HEAD_DIR, SeverityHead, softmax
from classifier.severity.levels import LEVELS, REASONS, Assessment, rank
from classifier.severity.rules import assess_by_rules

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "severity"


@dataclass(frozen=True)
class Example:
    level: str
    reason: str | None
    lang: str
    text: str


def load(path: Path) -> list[Example]:
    """Rows of a severity TSV file."""
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))
    return [
        Example(r["severity"], None if r["reason"] == "-" else r["reason"], r["lang"], r["text"])
        for r in rows
    ]


#: Posts reach the queue because they name the brand; training sees brand names too
#: (invented ones, none of them the demo's), so a name alone does not shift the vector.
BRANDS = ("@warungkita", "Bakmi Jaya", "@tokoroti_id", "Ayam Geprek Mas Bro", "@kedaikopi88")


def with_brand(example: Example, i: int) -> Example:
    """``example`` naming a brand: "@brand …" or "… @brand" (alternating)."""
    brand = BRANDS[i % len(BRANDS)]
    text = f"{brand} {example.text}" if i % 2 == 0 else f"{example.text} {brand}"
    return Example(example.level, example.reason, example.lang, text)


def augmented(data: list[Example]) -> list[Example]:
    """Every example as written, then every example naming a brand (same order)."""
    return data + [with_brand(e, i) for i, e in enumerate(data)]


def fit_softmax(x: F64, y: npt.NDArray[np.int64], classes: int, l2: float) -> tuple[F64, F64]:
    """Multinomial logistic regression by full-batch gradient descent (Adam), L2 on weights."""
    n, d = x.shape
    w = np.zeros((d, classes))
    b = np.zeros(classes)
    onehot = np.eye(classes)[y]
    counts = onehot.sum(axis=0)
    weight = (n / (classes * np.maximum(counts, 1)))[y][:, None]  # balanced classes
    m = [np.zeros_like(w), np.zeros_like(b)]
    v = [np.zeros_like(w), np.zeros_like(b)]
    for step in range(1, 801):
        p = softmax(x @ w + b)
        g = (p - onehot) * weight / n
        grads = [x.T @ g + l2 * w, g.sum(axis=0)]
        for i, (param, grad) in enumerate(zip((w, b), grads, strict=True)):
            m[i] = 0.9 * m[i] + 0.1 * grad
            v[i] = 0.999 * v[i] + 0.001 * grad**2
            param -= 0.05 * (m[i] / (1 - 0.9**step)) / (np.sqrt(v[i] / (1 - 0.999**step)) + 1e-8)
    return w, b


def train_head(x: F64, data: list[Example], l2: float, threshold: float) -> SeverityHead:
    """Fit both layers on standardised vectors."""
    mean = x.mean(axis=0)
    scale = x.std(axis=0) + 1e-6
    z = (x - mean) / scale
    y = np.array([LEVELS.index(e.level) for e in data])  # type: ignore[arg-type]
    lw, lb = fit_softmax(z, y, len(LEVELS), l2)
    crit = [i for i, e in enumerate(data) if e.level == "critical"]
    ry = np.array([REASONS.index(data[i].reason or "") for i in crit])
    rw, rb = fit_softmax(z[crit], ry, len(REASONS), l2)
    return SeverityHead(mean, scale, lw, lb, rw, rb, threshold, {})


def pairwise(truth: list[str], predicted: list[Assessment]) -> float:
    """Share of (critical, non-critical) pairs the prediction orders critical first
    (by level, then P(critical)); ties count half."""
    crit = [p for t, p in zip(truth, predicted, strict=True) if t == "critical"]
    other = [p for t, p in zip(truth, predicted, strict=True) if t != "critical"]
    total = 0.0
    for c in crit:
        for o in other:
            kc, ko = (rank(c.level), -c.score), (rank(o.level), -o.score)
            total += 1.0 if kc < ko else 0.5 if kc == ko else 0.0
    return total / max(len(crit) * len(other), 1)


def scores(data: list[Example], predicted: list[Assessment]) -> dict[str, float]:
    """Precision, recall and F1 of critical, reason accuracy, level accuracy, pairwise."""
    truth = [e.level for e in data]
    pairs = list(zip(truth, predicted, strict=True))
    tp = sum(t == "critical" and p.level == "critical" for t, p in pairs)
    fp = sum(t != "critical" and p.level == "critical" for t, p in pairs)
    fn = sum(t == "critical" and p.level != "critical" for t, p in pairs)
    prec, rec = tp / max(tp + fp, 1), tp / max(tp + fn, 1)
    both = [(e, p) for e, p in zip(data, predicted, strict=True) if e.level == p.level]
    both = [(e, p) for e, p in both if p.level == "critical"]
    level_ok = sum(t == p.level for t, p in pairs)
    return {
        "critical_precision": round(prec, 3),
        "critical_recall": round(rec, 3),
        "critical_f1": round(2 * prec * rec / max(prec + rec, 1e-9), 3),
        "reason_accuracy": round(sum(e.reason == p.reason for e, p in both) / max(len(both), 1), 3),
        "level_accuracy": round(level_ok / len(data), 3),
        "pairwise_critical_first": round(pairwise(truth, predicted), 3),
    }


def cross_validate(x: F64, data: list[Example]) -> tuple[float, float]:
    """Choose L2 strength and critical threshold by 5-fold CV F1 on the training set."""
    rng = np.random.default_rng(7)
    half = len(data) // 2  # data is augmented(): row i and row i + half are one example
    folds = np.tile(rng.permutation(half) % 5, 2)
    best = (-1.0, 1.0, 0.5)
    for l2 in (0.003, 0.01, 0.03, 0.1, 0.3):
        probs = np.zeros(len(data))
        for k in range(5):
            tr, te = np.where(folds != k)[0], np.where(folds == k)[0]
            head = train_head(x[tr], [data[i] for i in tr], l2, 0.5)
            probs[te] = head.level_probabilities(x[te])[:, 0]
        for t in (0.3, 0.4, 0.5, 0.6):
            pred = probs >= t
            truth = np.array([e.level == "critical" for e in data])
            tp = float((pred & truth).sum())
            f1 = 2 * tp / max(float(pred.sum() + truth.sum()), 1.0)
            if f1 > best[0]:
                best = (f1, l2, t)
    print(f"cv: critical F1 {best[0]:.3f} at l2={best[1]} threshold={best[2]}")
    return best[1], best[2]


def embed(texts: list[str]) -> F64:
    """Pooled sentence vectors from the shipped embedded encoder."""
    from classifier.embedded.classifier import EmbeddedClassifier, EmbeddedOptions

    model = EmbeddedClassifier(EmbeddedOptions(), Path("~/.cache/simak").expanduser())
    return np.asarray(model.embed(texts), np.float64)


def main() -> None:
    """Train on train.tsv, report on heldout.tsv, optionally write the head."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", action="store_true", help="save the head into the package")
    args = parser.parse_args()
    train = augmented(load(DATA_DIR / "train.tsv"))
    x = embed([e.text for e in train])
    l2, threshold = cross_validate(x, train)
    head = train_head(x, train, l2, threshold)
    report: dict[str, object] = {"train": len(train) // 2}
    plain = load(DATA_DIR / "heldout.tsv")
    branded = [with_brand(e, i + 1) for i, e in enumerate(plain)]
    for name, held in (("heldout", plain), ("heldout_with_brand", branded)):
        by_head = head.assess(embed([e.text for e in held]))
        by_rules = [assess_by_rules(e.text) for e in held]
        combined = [combine(h, r) for h, r in zip(by_head, by_rules, strict=True)]
        report[name] = {
            "rows": len(held),
            "rules": scores(held, by_rules),
            "head": scores(held, by_head),
            "head+rules": scores(held, combined),
        }
    print(json.dumps(report, indent=2))
    for e, p in zip(held, combined, strict=True):
        if (e.level == "critical") != (p.level == "critical"):
            print(f"  miss: truth={e.level} got={p.text} | {e.text}")
    if args.write:
        from classifier.embedded.classifier import DEFAULT_VERSION

        meta = {
            "encoder": f"embedded/{DEFAULT_VERSION}",
            "l2": l2,
            "threshold": threshold,
            "train_rows": len(train) // 2,
            "heldout": report,
        }
        final = SeverityHead(
            head.mean,
            head.scale,
            head.level_w,
            head.level_b,
            head.reason_w,
            head.reason_b,
            threshold,
            meta,
        )
        print("wrote", final.save(HEAD_DIR))


if __name__ == "__main__":
    main()
