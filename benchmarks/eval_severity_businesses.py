"""Measure complaint severity on posts from six kinds of business (cosmetics, bike shop,
app/fintech, hotel, clinic, café): how often the level, and for critical posts the reason,
agree with a careful human's, and whether every critical post ends up labelled complaint.

    .venv/bin/python benchmarks/eval_severity_businesses.py [--rules] [--show] [--held-aside]

By default the pipeline `simak classify` runs is measured (the embedded classifier, the
shipped severity head and the phrase rules); ``--rules`` measures the phrase rules alone.
``--show`` lists each disagreement. The set: ``tests/fixtures/severity/businesses.tsv``;
``--held-aside``: ``businesses_heldaside.tsv``, 30 posts written after the rules were
fitted to the first set.
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from classifier.severity.levels import REASON_TEXT
from classifier.severity.rules import assess_by_rules

SETS = Path(__file__).resolve().parent.parent / "tests/fixtures/severity"


def predictions(texts: list[str], rules: bool) -> list[tuple[str, str, bool]]:
    """(level, reason text or "-", labelled complaint) per text."""
    if rules:
        out: list[tuple[str, str, bool]] = []
        for text in texts:
            a = assess_by_rules(text)
            out.append((a.level, REASON_TEXT.get(a.reason or "", "-"), True))
        return out
    from classifier.embedded import EmbeddedClassifier, EmbeddedOptions
    from classifier.severity.wrap import SeverityClassifier, severity_model_for

    with tempfile.TemporaryDirectory() as cache:
        encoder = EmbeddedClassifier(EmbeddedOptions(), Path(cache))
        results = SeverityClassifier(encoder, severity_model_for(encoder)).classify(texts)
    return [
        (r.severity or "normal", r.severity_reason or "-", "complaint" in r.labels) for r in results
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rules", action="store_true", help="the phrase rules alone")
    parser.add_argument("--show", action="store_true", help="list the disagreements")
    parser.add_argument("--held-aside", action="store_true", help="the held-aside posts")
    args = parser.parse_args()
    name = "businesses_heldaside.tsv" if args.held_aside else "businesses.tsv"
    with (SETS / name).open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))
    got = predictions([r["text"] for r in rows], args.rules)
    tally: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    crit = [0, 0, 0]  # critical posts, right reason, labelled complaint
    for row, (level, reason, complaint) in zip(rows, got, strict=True):
        want = REASON_TEXT.get(row["reason"], "-")
        exact = level == row["severity"] and (level != "critical" or reason == want)
        for key in (row["business"], "all"):
            tally[key][0] += 1
            tally[key][1] += level == row["severity"]
            tally[key][2] += exact
        if row["severity"] == "critical":
            crit[0] += 1
            crit[1] += level == "critical" and reason == want
            crit[2] += complaint
        if args.show and row["severity"] == "critical" and not complaint:
            print(f"  {row['business']:9} critical but not labelled complaint: {row['text']}")
        if args.show and not exact:
            print(
                f"  {row['business']:9} want {row['severity']}/{want}, got {level}/{reason}:"
                f" {row['text']}"
            )
    for key, (n, lvl, ok) in sorted(tally.items(), key=lambda kv: kv[0] == "all"):
        print(f"{key:9} n={n:3}  level {lvl}/{n} ({lvl / n:.0%})  level+reason {ok}/{n}")
    print(f"critical: {crit[1]}/{crit[0]} with the right reason, {crit[2]} labelled complaint")


if __name__ == "__main__":
    main()
