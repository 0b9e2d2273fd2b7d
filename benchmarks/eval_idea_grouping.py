"""Measure idea grouping on the labelled grouping set: pairwise same-group F1 and the share
of ideas whose posts all sit in one group (``all_posts_together``, code-mixed ones included;
``en_id_together``: only the English and Indonesian posts, as the acceptance counts them).

    .venv/bin/python benchmarks/eval_idea_grouping.py [--split train|tune|held|held-new]
        [--lexical] [--sweep] [--threshold T] [--mixed] [--brand]

By default the board's own vectorizer is measured: lexical plus the embedded classifier's
encoder through the idea head shipped beside the model (``responder.idea_vectors.for_model``,
what production builds), at the space's own threshold. ``--lexical`` measures the lexical
space alone. Parts: ``train`` (the head is trained on it), ``tune`` (weight and threshold
choice, with out-of-fold ``train``), ``held`` (the original held-aside ideas) and
``held-new`` (held-aside ideas added with the larger set): the last two are never used for
any choice. ``--sweep`` prints the best threshold *on the given part* (for diagnosis only).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from responder.idea_text import ignore_set
from responder.idea_vectors import IdeaVectorizer, for_model, grouping_scores, place_all

SET = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "ideas" / "grouping_set.jsonl"
SPLITS = ["train", "tune", "held", "held-new"]


def board_vectorizer(lexical: bool, cache: Path, terms: tuple[str, ...] = ()) -> IdeaVectorizer:
    """The vectorizer the board builds with the default embedded classifier, for a brand
    named by ``terms`` (its name, terms and handles, as ``simak.usecases.ideas.noise``)."""
    ignore = ignore_set(terms)
    if lexical:
        return IdeaVectorizer(ignore=ignore)
    from classifier.embedded.classifier import EmbeddedClassifier, EmbeddedOptions

    encoder = EmbeddedClassifier(EmbeddedOptions(), cache_dir=cache)
    return for_model(ignore, encoder.embed, encoder.model_dir, terms=terms)


BRAND_HELP = (
    "name a made-up brand in each post (seeded: its name, handle or hashtag, before or "
    "after), as real posts do, and group with that brand's terms ignored, as the board does"
)
#: A made-up brand whose words mean nothing the ideas ask for (none is in the lexicon).
BRAND = ("Mentari Jaya", "mentarijaya", "#mentarijaya")
_NAMED = ["{b}, {t}", "@{h} {t}", "{t} @{h}", "{t} {tag}", "Dear {b}: {t}", "{t} ({b})"]


def branded(texts: list[str]) -> list[str]:
    """Each text naming :data:`BRAND` one of six ways (seeded: repeatable)."""
    rng = random.Random(11)
    name, handle, tag = BRAND
    return [rng.choice(_NAMED).format(b=name, h=handle, tag=tag, t=t) for t in texts]


MIXED_HELP = (
    "put a complaint or praise sentence (one of six per language) before each post: ideas "
    "rarely come alone, and the board should group them by the idea, not by the rest"
)
_BEFORE = {
    "en": ["The app crashed twice while I was ordering.", "Honestly the service today was slow.",
           "Love this place, the baristas are so friendly!", "My order came late and cold again.",
           "Best coffee in town, no question.", "Waited 40 minutes for a latte, not ok."],
    "id": ["Aplikasinya error terus pas checkout.", "Pelayanannya lama banget tadi.",
           "Kopinya enak banget, suka!", "Pesanan telat sejam, dingin pula.",
           "Tempatnya nyaman, baristanya ramah.", "Kasirnya jutek banget tadi."],
}  # fmt: skip


def mixed(texts: list[str], rows: list[dict[str, str]]) -> list[str]:
    """Each text after a complaint or praise sentence in its language (seeded: repeatable)."""
    rng = random.Random(7)
    return [f"{rng.choice(_BEFORE['id' if r['lang'] == 'id' else 'en'])} {t}"
            for t, r in zip(texts, rows, strict=True)]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--split", default="held", choices=[*SPLITS, "all", "held-both"])
    parser.add_argument("--mixed", action="store_true", help=MIXED_HELP)
    parser.add_argument("--brand", action="store_true", help=BRAND_HELP)
    parser.add_argument("--lexical", action="store_true")
    parser.add_argument("--sweep", action="store_true")
    parser.add_argument("--threshold", type=float, default=None)
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "simak")
    args = parser.parse_args()
    rows = [json.loads(line) for line in SET.read_text(encoding="utf-8").splitlines()]
    vz = board_vectorizer(args.lexical, args.cache, BRAND if args.brand else ())
    for split in SPLITS if args.split == "all" else [args.split]:
        wanted = {"held", "held-new"} if split == "held-both" else {split}
        part = [r for r in rows if r["split"] in wanted]
        texts = [r["text"] for r in part]
        texts = branded(texts) if args.brand else texts
        vectors = vz.vectors(mixed(texts, part) if args.mixed else texts)
        ideas = [r["idea"] for r in part]
        grid = np.arange(0.05, 0.8, 0.01) if args.sweep else [args.threshold or vz.threshold]
        results = []
        en_id = [i for i, r in enumerate(part) if r["lang"] in ("en", "id")]
        for th in grid:
            groups = place_all(vectors, float(th))
            f1, together = grouping_scores(groups, ideas)
            _, bilingual = grouping_scores([groups[i] for i in en_id], [ideas[i] for i in en_id])
            results.append({"threshold": round(float(th), 3), "pairwise_f1": round(f1, 3),
                            "all_posts_together": round(together, 3),
                            "en_id_together": round(bilingual, 3)})  # fmt: skip
        key = "best" if args.sweep else "result"
        best = max(results, key=lambda r: r["pairwise_f1"])
        print(json.dumps({"space": vz.space, "split": split, "posts": len(part),
                          "ideas": len(set(ideas)), key: best}))  # fmt: skip


if __name__ == "__main__":
    main()
