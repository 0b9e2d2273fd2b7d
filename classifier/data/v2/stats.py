"""Print the v2 pool's composition and an annotation pass's label distribution as Markdown.

Run from the repository root::

    python3 classifier/data/v2/stats.py                 # pass_a.jsonl
    python3 classifier/data/v2/stats.py --labels pass_b.jsonl
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
LABELS = ("praise", "complaint", "idea")


def _read(path: Path) -> list[dict[str, object]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def label_table(pool: list[dict[str, object]], labels: dict[str, list[str]]) -> str:
    """Per language and origin: items, each label, other (no label), multi-label."""
    out = [
        "| lang | origin | items | praise | complaint | idea | other | multi-label |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for lang in ("en", "id"):
        for origin in ("real", "written", "all"):
            rows = [r for r in pool if r["lang"] == lang and origin in ("all", r["origin"])]
            counts: Counter[str] = Counter()
            for r in rows:
                labs = labels[str(r["id"])]
                counts.update(labs)
                counts["other"] += not labs
                counts["multi"] += len(labs) > 1
            cells = [str(counts[k]) for k in (*LABELS, "other", "multi")]
            out.append(f"| {lang} | {origin} | {len(rows)} | " + " | ".join(cells) + " |")
    return "\n".join(out)


def count_table(pool: list[dict[str, object]], field: str) -> str:
    """Items per value of ``field`` (source or category), per language and origin."""
    out = [f"| lang | origin | {field} | items |", "|---|---|---|---|"]
    keyed = Counter((str(r["lang"]), str(r["origin"]), str(r[field])) for r in pool)
    for (lang, origin, value), n in sorted(keyed.items(), key=lambda kv: (kv[0][:2], -kv[1])):
        out.append(f"| {lang} | {origin} | {value} | {n} |")
    return "\n".join(out)


def main() -> None:
    """Print the three tables for ``pool.jsonl`` and the chosen labels file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pool", type=Path, default=HERE / "pool.jsonl")
    parser.add_argument("--labels", type=Path, default=HERE / "pass_a.jsonl")
    args = parser.parse_args()
    pool = _read(args.pool)
    labels = {str(d["id"]): [str(x) for x in d["labels"]] for d in _read(args.labels)}  # type: ignore[attr-defined]
    missing = [str(r["id"]) for r in pool if str(r["id"]) not in labels]
    if missing:
        raise SystemExit(f"{len(missing)} pool items have no labels (first: {missing[0]})")
    print(label_table(pool, labels), end="\n\n")
    print(count_table(pool, "source"), end="\n\n")
    print(count_table(pool, "category"))


if __name__ == "__main__":
    main()
