"""``MODEL_CARD.md`` for a model folder written by ``simak train``: what it was trained on
(with each dataset's licence as its ``SOURCE.md`` states it), held-aside scores, limits."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from classifier.embedded.model_files import Manifest

#: The dataset folders the training reads (classifier.datasets); tests keep this in step.
DATASET_FOLDERS = (
    "simak_annotated",
    "semeval2019_t9_suggestions",
    "complaints_twitter_en",
    "maalej2016_appreviews_en",
    "panichella2015_appreview_sentences_en",
    "tizard2019_forum_en",
    "ciurumelea2017_aurea_appreviews_en",
    "indo_appreview_sentiment_emotion_id",
    "indonlu_smsa",
    "prdect_id_product_reviews_id",
    "indonlu_casa",
    "indonlu_hoasa",
    "tweeteval_sentiment",
    "idsa_twitter_sentiment_id",
    "indonglish_codemixed_sentiment",
)
CARD = "MODEL_CARD.md"


def licence_of(folder: Path) -> str:
    """The licence line of ``folder/SOURCE.md`` (``- License: …``), or what is missing."""
    try:
        text = (folder / "SOURCE.md").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "no SOURCE.md: unknown, check before any use"
    lines = text.splitlines()
    for n, line in enumerate(lines):
        head, _, rest = line.lstrip("-* ").partition(":")
        if head.strip().lower().startswith(("license", "licence")):  # "License (as …):"
            for more in lines[n + 1 :]:  # a bullet wrapped onto indented lines
                if not more.startswith((" ", "\t")) or more.lstrip().startswith(("- ", "* ")):
                    break
                rest += " " + more.strip()
            return " ".join(rest.split()).replace("|", "/") or "see SOURCE.md"
    return "not stated in SOURCE.md"


def _results(metrics: dict[str, Any]) -> list[str]:
    groups = metrics.get("groups") or {}
    if not groups:
        return ["No held-aside examples: no scores. Measure with `simak eval` before use."]
    rows = [
        "| group | n | macro-F1 | praise F1 | complaint F1 | idea F1 |",
        "|---|---|---|---|---|---|",
    ]
    for name, g in groups.items():
        f1 = [f"{g['labels'][lab]['f1']:.3f}" for lab in ("praise", "complaint", "idea")]
        rows.append(f"| {name} | {g['n']} | {g['macro_f1']:.3f} | {' | '.join(f1)} |")
    return rows


def card_text(manifest: Manifest, datasets_dir: Path, origin: str) -> str:
    """The card of a freshly trained model (``origin``: how it was made, one phrase)."""
    counts = manifest.training.get("examples", {})
    staff = counts.get("staff", 0)
    lines = [
        f"# Model card — `{manifest.version}` (trained with `simak train`)",
        "",
        f"Written {datetime.now(UTC):%Y-%m-%d %H:%M} UTC. {origin}. Multi-label praise / "
        "complaint / idea classifier for English and Indonesian posts; no label = other.",
        "",
        "**Intended use:** tagging posts that mention a business so staff can follow up; "
        "every label is a suggestion a person confirms. Not for decisions about people "
        "without review, nor other languages.",
        "",
        "## Training data",
        "",
        *(f"- {part}: {n}" for part, n in counts.items() if part != "staff"),
        "- pool parts: Simak's v2 pool (`classifier/data/v2/README.md` lists the licence "
        "each real text inherits)",
        f"- staff corrections from this Simak database: {staff} (texts of your customers: "
        "keep this folder as private as the database)",
        "",
        f"Datasets read from `{datasets_dir}`, with the licence each `SOURCE.md` states:",
        "",
        "| dataset folder | licence |",
        "|---|---|",
        *(f"| `{f}` | {licence_of(datasets_dir / f)} |" for f in DATASET_FOLDERS),
        "",
        "**Licences:** several are non-commercial or state none: commercial use needs a "
        "legal check first.",
        "",
        "## Held-aside results (test part of `simak_annotated`, as served)",
        "",
        *_results(manifest.metrics),
        "",
        "## Limitations",
        "",
        "- The held-aside part comes from the same sources as the training data; measure on "
        "independent posts before switching: `simak eval --input "
        "classifier/data/v2/test/posts.jsonl` with this folder as `options.path`.",
        "- Known weak spots of the recipe: see the shipped default model's card.",
        "",
    ]
    return "\n".join(lines)


def write_card(model_dir: Path, manifest: Manifest, datasets_dir: Path, origin: str) -> Path:
    """Write ``model_dir/MODEL_CARD.md``; returns its path."""
    path = model_dir / CARD
    path.write_text(card_text(manifest, datasets_dir, origin), encoding="utf-8")
    return path
