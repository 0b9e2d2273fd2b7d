"""Read the shared labelled datasets and map them onto Simak's labels.

Every example carries a per-label ``mask``: a proxy dataset only supervises the labels it
annotates (``shared/datasets/README.md``); masked labels never count as negatives.
"""

from __future__ import annotations

import csv
import json
import random
import re
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from classifier.base import LABELS, Label

_U = None  # "unknown": label not annotated by the source


@dataclass(frozen=True, slots=True)
class LabelledText:
    """A text with gold labels in Simak's scheme (empty = other); lang optional.

    ``annotated`` lists the labels the source judged; the others are unknown (a proxy
    dataset's dev split, say) and are left out of their label's metrics.
    """

    text: str
    labels: tuple[Label, ...]
    lang: str | None = None
    annotated: tuple[Label, ...] = LABELS
    source: str = ""


@dataclass(frozen=True, slots=True)
class MaskedExample:
    """A training example: per-label target 0/1, or None where the source says nothing."""

    text: str
    lang: str
    source: str
    targets: tuple[int | None, int | None, int | None]  # praise, complaint, idea

    @property
    def labels(self) -> tuple[Label, ...]:
        """Labels whose target is 1."""
        return tuple(lab for lab, t in zip(LABELS, self.targets, strict=True) if t == 1)

    def as_labelled(self) -> LabelledText:
        """The same example as a :class:`LabelledText` (masked labels not annotated)."""
        annotated = tuple(lab for lab, t in zip(LABELS, self.targets, strict=True) if t is not None)
        return LabelledText(self.text, self.labels, self.lang, annotated, self.source)


def from_labels(text: str, labels: Sequence[str], lang: str, source: str) -> MaskedExample:
    """A fully annotated example (absent label = negative)."""
    t = tuple(int(lab in labels) for lab in LABELS)
    return MaskedExample(text, lang, source, (t[0], t[1], t[2]))


def normalise_key(text: str) -> str:
    """Lower-cased, whitespace-collapsed text, for de-duplication."""
    return " ".join(text.lower().split())


def load_simak_annotated(root: Path) -> list[MaskedExample]:
    """The in-scheme ``simak_annotated/train.jsonl`` (every label annotated)."""
    out = []
    with (root / "simak_annotated" / "train.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            out.append(from_labels(row["text"], row["labels"], row["lang"], row["source"]))
    return out


def split_simak(
    examples: Sequence[MaskedExample], seed: int = 20261123, held_share: float = 0.25
) -> tuple[list[MaskedExample], list[MaskedExample], list[MaskedExample]]:
    """Stratified (lang × label set) split into ``(train, dev, test)``.

    ``dev`` (half of the held-aside share) chooses thresholds and calibration; ``test``
    (the other half) is only reported on.
    """
    groups: dict[tuple[str, tuple[Label, ...]], list[MaskedExample]] = defaultdict(list)
    for ex in examples:
        groups[(ex.lang, ex.labels)].append(ex)
    rng = random.Random(seed)
    train: list[MaskedExample] = []
    dev: list[MaskedExample] = []
    test: list[MaskedExample] = []
    for key in sorted(groups):
        items = groups[key][:]
        rng.shuffle(items)
        n_held = round(len(items) * held_share)
        n_dev = n_held // 2 + (n_held % 2 and rng.random() < 0.5)
        dev.extend(items[:n_dev])
        test.extend(items[n_dev:n_held])
        train.extend(items[n_held:])
    return train, dev, test


def _rows(
    path: Path,
    *,
    delimiter: str = ",",
    header: bool = True,
    quoting: Literal[0, 1, 2, 3] = csv.QUOTE_MINIMAL,
) -> Iterator[list[str]]:
    with path.open(encoding="utf-8", errors="replace", newline="") as fh:
        reader = csv.reader(fh, delimiter=delimiter, quoting=quoting)
        if header:
            next(reader, None)
        yield from reader


def _ex(
    text: str, lang: str, source: str, p: int | None, c: int | None, i: int | None
) -> MaskedExample:
    return MaskedExample(text.strip(), lang, source, (p, c, i))


def load_semeval_a(root: Path) -> list[MaskedExample]:
    """SemEval-2019 task 9 A train: suggestion → idea; nothing else annotated."""
    path = root / "semeval2019_t9_suggestions" / "subtaskA_train_V1.4.csv"
    return [
        _ex(r[1].strip('"'), "en", "semevalA", _U, _U, int(r[2]))
        for r in _rows(path, header=False)
        if len(r) >= 3 and r[2] in ("0", "1")
    ]


def load_complaints(root: Path) -> list[MaskedExample]:
    """Brand-directed complaint tweets: complaint 1/0 only."""
    path = root / "complaints_twitter_en" / "train.csv"
    return [_ex(r[1], "en", "complaints", _U, int(r[2]), _U) for r in _rows(path)]


def load_maalej(root: Path) -> list[MaskedExample]:
    """Maalej app reviews: PD → complaint, FR → idea, RT by stars; UE dropped."""
    out = []
    for r in _rows(root / "maalej2016_appreviews_en" / "train.csv"):
        if len(r) < 11:
            continue
        text, task = " ".join(x for x in (r[7], r[8]) if x).strip(), r[10].strip()
        stars = int(r[9]) if r[9].strip().isdigit() else 3
        if task == "PD":
            out.append(_ex(text, "en", "maalej", _U, 1, _U))
        elif task == "FR":
            out.append(_ex(text, "en", "maalej", _U, _U, 1))
        elif task == "RT" and stars >= 4:
            out.append(_ex(text, "en", "maalej", 1, _U, _U))
        elif task == "RT" and stars <= 2:
            out.append(_ex(text, "en", "maalej", _U, 1, _U))
    return out


def load_panichella(root: Path) -> list[MaskedExample]:
    """Panichella review sentences: FR → idea, PD → complaint, questions → other."""
    targets = {
        "feature request": (_U, 0, 1),
        "problem discovery": (_U, 1, 0),
        "information seeking": (0, 0, 0),
        "information giving": (_U, 0, 0),
    }
    out = []
    for r in _rows(root / "panichella2015_appreview_sentences_en" / "train.csv"):
        t = targets.get(r[2].strip().lower()) if len(r) >= 3 else None
        if t:
            out.append(_ex(r[1], "en", "panichella", *t))
    return out


_TIZARD_COMPLAINT = {
    "apparent bug",
    "unsatisfactory behaviour",
    "dispraise",
    "negative sentiment-application",
    "agreeing with the problem",
}
_TIZARD_IDEA = {"feature request", "motivation fr", "agreeing with the request"}


def load_tizard(root: Path) -> list[MaskedExample]:
    """Tizard forum sentences: bug → complaint, FR → idea, praise → praise, rest other."""
    out = []
    for r in _rows(root / "tizard2019_forum_en" / "train.csv"):
        if len(r) < 6:
            continue
        label = r[5].strip().lower()
        p, c, i = (
            int(label == "praise application"),
            int(label in _TIZARD_COMPLAINT),
            int(label in _TIZARD_IDEA),
        )
        out.append(_ex(r[4], "en", "tizard", p, c, i))
    return out


def load_aurea(root: Path) -> list[MaskedExample]:
    """AUREA Google Play reviews: IS_COMPLAINT only."""
    out = []
    for r in _rows(root / "ciurumelea2017_aurea_appreviews_en" / "train.csv"):
        if len(r) >= 10 and r[9] in ("0", "1"):
            out.append(_ex(r[5], "en", "aurea", _U, int(r[9]), _U))
    return out


# A positive review may still complain about something, a negative one still praise:
# the other polarity stays unknown (masked), never a negative.
_SENTIMENT: dict[str, tuple[int | None, int | None, int | None]] = {
    "positive": (1, _U, _U),
    "negative": (_U, 1, _U),
    "neutral": (0, 0, _U),
}


def load_id_appreview(root: Path) -> list[MaskedExample]:
    """Indonesian app reviews: sentiment → praise / complaint; idea unknown."""
    path = root / "indo_appreview_sentiment_emotion_id" / "train.tsv"
    out = []
    for r in _rows(path, delimiter="\t", quoting=csv.QUOTE_NONE):
        t = _SENTIMENT.get(r[1].strip().lower()) if len(r) >= 2 else None
        if t:
            out.append(_ex(r[0], "id", "id_appreview", *t))
    return out


def load_smsa(root: Path) -> list[MaskedExample]:
    """SmSA comments and reviews: sentiment → praise / complaint."""
    path = root / "indonlu_smsa" / "train_preprocess.tsv"
    return [
        _ex(r[0], "id", "smsa", *_SENTIMENT[r[1].strip()])
        for r in _rows(path, delimiter="\t", header=False)
        if len(r) >= 2 and r[1].strip() in _SENTIMENT
    ]


def load_prdect(root: Path) -> list[MaskedExample]:
    """PRDECT-ID Tokopedia reviews: positive → praise, negative → complaint."""
    path = root / "prdect_id_product_reviews_id" / "train.csv"
    return [
        _ex(r[8], "id", "prdect", *_SENTIMENT[r[9].strip().lower()])
        for r in _rows(path)
        if len(r) >= 10 and r[9].strip().lower() in _SENTIMENT
    ]


def load_aspects(
    root: Path, folder: str, source: str, split: str = "train_preprocess.csv"
) -> list[MaskedExample]:
    """CASA / HoASA aspect polarity: any negative → complaint, any positive → praise."""
    out = []
    for r in _rows(root / folder / split):
        values = {v.strip()[:3] for v in r[1:]}
        out.append(_ex(r[0], "id", source, int("pos" in values), int("neg" in values), _U))
    return out


_ID_IDEA = re.compile(
    r"\b(tolong|mohon|harap|coba|kalau bisa|kalo bisa|klo bisa|semoga|sebaiknya|seharusnya|"
    r"harusnya|saran(?:nya)?|usul)\b[^.!?]{0,40}\b(tambah\w*|ditambah\w*|adakan|diadakan|"
    r"fitur|opsi|pilihan|mode|perbanyak|diperbanyak|turunkan|diturunkan|bikin)\b",
    re.IGNORECASE,
)
# "kalau bagus tambah bintang" promises stars, it proposes nothing
_STAR_PROMISE = re.compile(r"\bbintang\b|\bstars?\b|⭐", re.IGNORECASE)


def mine_indonesian_ideas(examples: Sequence[MaskedExample]) -> list[MaskedExample]:
    """Weak idea positives: Indonesian reviews with an explicit request-to-add phrase.

    Only sets ``idea=1`` on matches (other targets kept); non-matches stay unknown.
    Star promises ("kalau bagus tambah bintang") are not mined.
    """
    out = []
    for ex in examples:
        if (
            ex.lang == "id"
            and ex.targets[2] is None
            and _ID_IDEA.search(ex.text)
            and not _STAR_PROMISE.search(ex.text)
        ):
            out.append(
                MaskedExample(
                    ex.text, ex.lang, ex.source + "+mined_idea", (ex.targets[0], ex.targets[1], 1)
                )
            )
        else:
            out.append(ex)
    return out


PROXY_LOADERS: dict[str, Callable[[Path], list[MaskedExample]]] = {
    "semevalA": load_semeval_a,
    "complaints": load_complaints,
    "maalej": load_maalej,
    "panichella": load_panichella,
    "tizard": load_tizard,
    "aurea": load_aurea,
    "id_appreview": load_id_appreview,
    "smsa": load_smsa,
    "prdect": load_prdect,
    "casa": lambda root: load_aspects(root, "indonlu_casa", "casa"),
    "hoasa": lambda root: load_aspects(root, "indonlu_hoasa", "hoasa"),
}


def load_proxies(root: Path, exclude: Sequence[str]) -> list[MaskedExample]:
    """All proxy datasets, label-masked, minus any text found in ``exclude`` (normalised)."""
    banned = {normalise_key(t) for t in exclude}
    seen: set[str] = set()
    out = []
    for loader in PROXY_LOADERS.values():
        for ex in loader(root):
            key = normalise_key(ex.text)
            if key and key not in banned and key not in seen:
                seen.add(key)
                out.append(ex)
    return mine_indonesian_ideas(out)


def load_general_posts(
    root: Path, exclude: Sequence[str], per_source: int = 2500
) -> list[MaskedExample]:
    """Unlabelled general tweets (TweetEval val, IdSA, IndoNglish train), no label known.

    They only carry a teacher's soft targets in distillation: mostly *other*, which
    teaches a student what everyday chatter looks like. Texts in ``exclude`` are skipped;
    at most ``per_source`` texts per source, sampled deterministically.
    """
    base = root / "tweeteval_sentiment" / "val_text.txt"
    sources = {
        "tweeteval": ("en", base.read_text(encoding="utf-8").splitlines()),
        "idsa": (
            "id",
            [
                r[1]
                for r in _rows(root / "idsa_twitter_sentiment_id" / "train.tsv", delimiter="\t")
                if len(r) > 1
            ],
        ),
        "indonglish": (
            "id",
            [r[0] for r in _rows(root / "indonglish_codemixed_sentiment" / "train.csv") if r],
        ),
    }
    banned = {normalise_key(t) for t in exclude}
    out = []
    for name, (lang, texts) in sources.items():
        kept = [t for t in dict.fromkeys(texts) if t.strip() and normalise_key(t) not in banned]
        for text in random.Random(name).sample(kept, min(per_source, len(kept))):
            out.append(_ex(text, lang, name, _U, _U, _U))
    return out
