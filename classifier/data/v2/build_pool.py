"""Build the v2 training annotation pool (``pool.jsonl``) from the shared train files.

Run from the repository root::

    python3 classifier/data/v2/build_pool.py --datasets ../shared/datasets

Real texts come only from the TRAIN files of ``../shared/datasets`` (TweetEval: its
validation file, the only one present, from which ``simak_annotated`` also drew), never from a
withheld test split, and never a text already in ``simak_annotated/train.jsonl``. The source
datasets' own labels are never read: rows are chosen by text cues alone (``CATEGORIES``), one
seeded random sample per category, a row going to the first category whose cue it matches.
Written texts come from ``written_en.tsv`` / ``written_id.tsv`` beside this file
(``category<TAB>text`` per line, ids by line order, append-only). Near-duplicates (of each
other or of ``simak_annotated``) are dropped. Plain standard library; deterministic.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import random
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

HERE = Path(__file__).resolve().parent
SEED = 20261201
MAX_CHARS = 700
# Sampling skips a candidate at Jaccard >= 0.7 (kept as first built, so that the sample, and
# the annotations made on it, stay put); a final pass then removes, without backfilling,
# every real row at >= 0.5 of an earlier text and the rows listed in drop.txt.
SAMPLE_JACCARD = 0.7
FINAL_JACCARD = 0.5


@dataclass(frozen=True, slots=True)
class Row:
    """One candidate text: ``key`` is ``source:row`` (stable), ``origin`` real or written."""

    key: str
    lang: str
    source: str
    text: str
    origin: str = "real"


@dataclass(frozen=True, slots=True)
class Category:
    """A reason to be in the pool: a text cue, the sources it is drawn from, a quota."""

    name: str
    lang: str
    sources: tuple[str, ...]
    cue: re.Pattern[str]
    quota: int


def _csv_rows(
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


def _tsv(path: Path, *, header: bool, quote_none: bool = False) -> Iterator[list[str]]:
    quoting: Literal[0, 3] = csv.QUOTE_NONE if quote_none else csv.QUOTE_MINIMAL
    return _csv_rows(path, delimiter="\t", header=header, quoting=quoting)


def load_real(root: Path) -> list[Row]:
    """Every text of the shared train files, as (stable key, lang, source, text); no labels."""
    # (folder, lang, rows, key column or None for the row number, text column)
    specs: list[tuple[str, str, Iterator[list[str]], int | None, int]] = [
        (
            "complaints_twitter_en",
            "en",
            _csv_rows(root / "complaints_twitter_en/train.csv"),
            0,
            1,
        ),
        (
            "maalej2016_appreviews_en",
            "en",
            _csv_rows(root / "maalej2016_appreviews_en/train.csv"),
            0,
            8,
        ),
        (
            "panichella2015_appreview_sentences_en",
            "en",
            _csv_rows(root / "panichella2015_appreview_sentences_en/train.csv"),
            None,
            1,
        ),
        (
            "ciurumelea2017_aurea_appreviews_en",
            "en",
            _csv_rows(root / "ciurumelea2017_aurea_appreviews_en/train.csv"),
            0,
            5,
        ),
        ("tizard2019_forum_en", "en", _csv_rows(root / "tizard2019_forum_en/train.csv"), 0, 4),
        (
            "semeval2019_t9_suggestions",
            "en",
            _csv_rows(root / "semeval2019_t9_suggestions/subtaskA_train_V1.4.csv", header=False),
            0,
            1,
        ),
        (
            "indo_appreview_sentiment_emotion_id",
            "id",
            _tsv(
                root / "indo_appreview_sentiment_emotion_id/train.tsv", header=True, quote_none=True
            ),
            None,
            0,
        ),
        (
            "indonlu_smsa",
            "id",
            _tsv(root / "indonlu_smsa/train_preprocess.tsv", header=False),
            None,
            0,
        ),
        (
            "prdect_id_product_reviews_id",
            "id",
            _csv_rows(root / "prdect_id_product_reviews_id/train.csv"),
            None,
            8,
        ),
        ("indonlu_hoasa", "id", _csv_rows(root / "indonlu_hoasa/train_preprocess.csv"), None, 0),
        ("indonlu_casa", "id", _csv_rows(root / "indonlu_casa/train_preprocess.csv"), None, 0),
        (
            "idsa_twitter_sentiment_id",
            "id",
            _tsv(root / "idsa_twitter_sentiment_id/train.tsv", header=True),
            None,
            1,
        ),
        (
            "indonglish_codemixed_sentiment",
            "id",
            _csv_rows(root / "indonglish_codemixed_sentiment/train.csv"),
            None,
            0,
        ),
    ]
    out: list[Row] = []
    for source, lang, rows, key_col, text_col in specs:
        for i, r in enumerate(rows):
            if len(r) > text_col:
                key = r[key_col] if key_col is not None else str(i)
                text = r[text_col]
                if source.startswith("semeval"):
                    text = text.strip().strip('"')
                out.append(Row(f"{source}:{key}", lang, source, text.strip()))
    tweets = (root / "tweeteval_sentiment/val_text.txt").read_text(encoding="utf-8").splitlines()
    out.extend(
        Row(f"tweeteval_sentiment:{i}", "en", "tweeteval_sentiment", t.strip())
        for i, t in enumerate(tweets)
    )
    return [r for r in out if r.text]


def load_written(folder: Path) -> list[tuple[Row, str]]:
    """Written posts (``written_<lang>.tsv``: ``category<TAB>text``) with their category."""
    out: list[tuple[Row, str]] = []
    for lang in ("en", "id"):
        path = folder / f"written_{lang}.tsv"
        if not path.exists():
            continue
        n = 0
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            category, text = line.split("\t", 1)
            n += 1
            row = Row(f"{lang}-w-{n:04d}", lang, "written", text.strip(), "written")
            out.append((row, category.strip()))
    return out


def strong_key(text: str) -> str:
    """Lower-case word characters only (URLs and @handles removed): the exact-match key."""
    t = re.sub(r"https?://\S+|@\w+", " ", text.lower())
    return " ".join(re.sub(r"[^\w]+", " ", t).split())


def _shingles(key: str) -> frozenset[str]:
    words = key.split()
    if len(words) < 4:
        return frozenset({key})
    return frozenset(" ".join(words[i : i + 3]) for i in range(len(words) - 2))


class NearDupIndex:
    """Exact (strong key) and word-trigram Jaccard near-duplicate detection."""

    def __init__(self, threshold: float) -> None:
        self._threshold = threshold
        self._keys: set[str] = set()
        self._sets: list[frozenset[str]] = []
        self._by_shingle: dict[str, list[int]] = {}

    def add(self, text: str) -> None:
        key = strong_key(text)
        self._keys.add(key)
        sh = _shingles(key)
        for s in sh:
            self._by_shingle.setdefault(s, []).append(len(self._sets))
        self._sets.append(sh)

    def is_dup(self, text: str) -> bool:
        key = strong_key(text)
        if not key or key in self._keys:
            return True
        sh = _shingles(key)
        shared = Counter(i for s in sh for i in self._by_shingle.get(s, ()))
        for i, n in shared.items():
            union = len(sh | self._sets[i])
            if union and n / union >= self._threshold:
                return True
        return False


def _c(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


EN_APPS = (
    "ciurumelea2017_aurea_appreviews_en",
    "maalej2016_appreviews_en",
    "panichella2015_appreview_sentences_en",
)
EN_BRAND = ("complaints_twitter_en",)
ID_REVIEWS = (
    "indo_appreview_sentiment_emotion_id",
    "indonlu_smsa",
    "prdect_id_product_reviews_id",
    "indonlu_hoasa",
    "indonlu_casa",
)
ID_TWEETS = ("idsa_twitter_sentiment_id", "indonglish_codemixed_sentiment")
ID_BRANDS = (
    r"\b(gojek|go-jek|grab|shopee|tokopedia|tokped|lazada|bukalapak|blibli|indomaret|alfamart|"
    r"telkomsel|tsel|indihome|indosat|smartfren|\bxl\b|bca|mandiri|\bbri\b|\bbni\b|ovo|gopay|"
    r"dana|kfc|mcd|mekdi|starbucks|sbux|netflix|spotify|traveloka|tiket\.com|garuda|lion ?air|"
    r"citilink|airasia|\bkai\b|krl|commuter|transjakarta|\bpln\b|bpjs|jne|j&t|jnt|sicepat|"
    r"\bpos\b|ojol|ojek|kurir|\bcs\b|customer service|aplikasi|apk|\bapp\b|resto|cafe|kafe|"
    r"warung|toko|olshop|seller|ongkir|paket|hotel|wifi|sinyal|kuota|promo|diskon)"
)

# Order matters: a row goes to the first category whose cue it matches.
CATEGORIES: tuple[Category, ...] = (
    # ---------------- English ----------------
    Category(
        "sarcasm_cue",
        "en",
        (*EN_BRAND, "tweeteval_sentiment"),
        _c(
            r"\b(thanks|thank you|great|love|awesome|brilliant|nice|fantastic|wonderful|cheers|"
            r"good job|well done)\b.{0,60}\b(again|hours?|another|still|never|nothing|late|"
            r"delay\w*|"
            r"cancel\w*|wait\w*|broke\w*|smashed|#fail|not)\b|#not\b|yeah right|so much for|"
            r"thanks for nothing|🙃|🙄"
        ),
        15,
    ),
    Category(
        "fix_request",
        "en",
        (*EN_APPS, *EN_BRAND, "tizard2019_forum_en"),
        _c(
            r"\b(please|pls|plz|kindly)\b.{0,30}\b(fix|repair|sort (it|this) out|resolve|"
            r"look into)|"
            r"\bfix (this|it|the)\b.{0,40}(and|then)\b.{0,20}(stars?|rating)|when will .{0,30}fixed"
        ),
        70,
    ),
    Category(
        "wish_request",
        "en",
        EN_APPS + EN_BRAND,
        _c(
            r"\b(please|pls|plz) (add|bring|make|include|allow|let|give|consider|open|have|offer|"
            r"support|enable|stock|sell|restock)|would (be|love) (nice|great|cool|awesome)|"
            r"\bi wish\b|"
            r"\bwish (you|it|there)|you (should|could|guys should) (add|make|have|offer|bring|open|"
            r"sell|stock|do)|would love (to see|it if|if)|hope (you|they) (add|bring|make)|"
            r"bring back|any chance|how about|why not (add|make|have)|feature request|suggestion"
        ),
        90,
    ),
    Category(
        "semeval_request_cue",
        "en",
        ("semeval2019_t9_suggestions",),
        _c(r"\b(please|should|would be|suggest|allow|add|ability to|wish|need)\b"),
        40,
    ),
    Category(
        "semeval_statement",
        "en",
        ("semeval2019_t9_suggestions",),
        _c(r"."),
        25,
    ),
    Category(
        "comparison",
        "en",
        EN_APPS + EN_BRAND,
        _c(
            r"better than|worse than|compared (to|with)|\bunlike\b|switch(ed|ing)? (to|from|back)|"
            r"instead of|\bvs\.?\b|than (the )?(other|any|most)|go(ing)? back to|moved to"
        ),
        50,
    ),
    Category(
        "implicit_praise",
        "en",
        EN_APPS + EN_BRAND,
        _c(
            r"can'?t live without|worth (it|every|the)|life ?saver|saved (me|my)|go-to|addict|"
            r"hooked|must have|never going back|highly recommend|10/10|use it every ?day|"
            r"every single day|you rock|legend|\bhero\b|kudos|shout ?out|made my day|"
            r"above and beyond|props to"
        ),
        50,
    ),
    Category(
        "mixed",
        "en",
        EN_APPS,
        _c(
            r"\b(love|great|good|nice|awesome|best|like|excellent|perfect|fantastic|useful)\b.{0,100}"
            r"\b(but|however|except|although|though|only (problem|issue|thing))\b"
        ),
        90,
    ),
    Category(
        "brand_praise",
        "en",
        EN_BRAND,
        _c(r"\b(thanks|thank you|thx|love|great|awesome|amazing|best|appreciate|helpful|happy)\b"),
        70,
    ),
    Category("brand_question", "en", EN_BRAND, _c(r"\?"), 70),
    Category(
        "brand_request",
        "en",
        EN_BRAND,
        _c(r"\b(please|pls|plz|can you|could you|need|want|help)\b"),
        40,
    ),
    Category("brand_any", "en", EN_BRAND, _c(r"."), 60),
    Category(
        "short_fragment", "en", (*EN_APPS, "tizard2019_forum_en"), _c(r"^\S+(\s+\S+){0,3}$"), 50
    ),
    Category("forum_question", "en", ("tizard2019_forum_en", *EN_APPS), _c(r"\?\s*$"), 25),
    Category(
        "other_superlative",
        "en",
        ("tweeteval_sentiment",),
        _c(r"\b(best|greatest|worst|amazing|awesome|love|hate|terrible|incredible|favou?rite)\b"),
        60,
    ),
    Category("general_tweet", "en", ("tweeteval_sentiment",), _c(r"."), 30),
    Category("forum_statement", "en", ("tizard2019_forum_en",), _c(r"."), 20),
    # ---------------- Indonesian ----------------
    Category(
        "star_promise",
        "id",
        ID_REVIEWS,
        _c(
            r"\b(kalau|kalo|klo|jika|jk|nanti|kl|bila|kalau udah|asal)\b.{0,50}\bbintang|"
            r"\bbintang\b.{0,40}\b(kalau|kalo|klo|jika|nanti|kl|bila)\b"
        ),
        40,
    ),
    Category(
        "fix_request",
        "id",
        ID_REVIEWS,
        _c(
            r"\b(tolong|mohon|please|pls|plis|plz|harap)\b.{0,25}\b(di ?perbaiki|perbaiki|benerin|"
            r"dibenerin|fix|perbaikan|di ?benahi)"
        ),
        70,
    ),
    Category(
        "wish_request",
        "id",
        ID_REVIEWS,
        _c(
            r"\b(semoga|moga|smoga)\b.{0,20}\b(ada|ditambah\w*|bisa)|\b(gimana|bagaimana|gmn) "
            r"(kalo|kalau|klo)\b|\b(pengen|pengin|ingin|mau) (ada|dong)|\bdong\b|\bkalau bisa\b|"
            r"\bklo bisa|\bkalo bisa|\bsaran\w*|\busul\w*|\b(tolong|mohon|coba) (di ?)?tambah\w*|"
            r"\bsebaiknya\b|\bharusnya\b|\bseharusnya\b|\brequest\b|\brikwes\b"
        ),
        110,
    ),
    Category(
        "comparison",
        "id",
        ID_REVIEWS,
        _c(
            r"\b(daripada|drpd|dibanding\w*|ketimbang|mending|kalah (sama|dari|dengan)|"
            r"beda jauh)\b|"
            r"lebih (bagus|baik|murah|mahal|enak|cepat|lambat|jelek) (dari|drpd)"
        ),
        50,
    ),
    Category(
        "implicit_praise",
        "id",
        ID_REVIEWS,
        _c(
            r"\b(gak|ga|nggak|tidak|tdk|gk|ngga) (nyesel|menyesal|rugi)|langganan|recommended|"
            r"rekomen\w*|the best|juara|mantul|\bjos+\b|markotop|\bauto\b|"
            r"sesuai (pesanan|deskripsi|"
            r"gambar|foto)|worth|(beli|order|pesan) lagi|repeat order|ketagihan|nagih|puas"
        ),
        70,
    ),
    Category(
        "mixed",
        "id",
        ID_REVIEWS,
        _c(
            r"\b(bagus|enak|mantap|keren|suka|cepat|cepet|ramah|oke|ok|puas|bersih|nyaman|murah)\b"
            r".{0,100}\b(tapi|tp|namun|sayang\w*|cuma|cuman|hanya saja|sayangnya|kecuali)\b"
        ),
        100,
    ),
    Category(
        "slang",
        "id",
        ("indo_appreview_sentiment_emotion_id", "prdect_id_product_reviews_id"),
        _c(
            r"\b(bgt|gk|udh|ngab|anjir|anjay|kzl|gajelas|bgst|wkwk\w*|gan|sis|min|gw|gue|lu|lo|"
            r"mantul|kuy|btw|gaes|gais|ajg|njir|bet|parah|lemot|ngelag|ngeleg)\b"
        ),
        70,
    ),
    Category(
        "question",
        "id",
        ID_REVIEWS,
        _c(r"\?|\b(apakah|gimana|bagaimana|kenapa|knp|kapan|kok|ko)\b"),
        50,
    ),
    Category(
        "short_fragment",
        "id",
        ("indo_appreview_sentiment_emotion_id", "prdect_id_product_reviews_id", "indonlu_smsa"),
        _c(r"^\S+(\s+\S+){0,3}$"),
        40,
    ),
    Category("hotel_review", "id", ("indonlu_hoasa",), _c(r"."), 25),
    Category("car_review", "id", ("indonlu_casa",), _c(r"."), 20),
    Category("brand_tweet", "id", ID_TWEETS, _c(ID_BRANDS), 90),
    Category(
        "other_public",
        "id",
        ("indonlu_smsa", "idsa_twitter_sentiment_id"),
        _c(
            r"\b(jokowi|prabowo|pemerintah|presiden|menteri|dpr|partai|gubernur|timnas|persib|"
            r"persija|capres|pilkada|pemilu|ahok|anies|polisi)\b"
        ),
        40,
    ),
    Category(
        "general_chatter",
        "id",
        ID_TWEETS,
        _c(
            r"\b(enak|bagus|mantap|keren|jelek|kesel|kecewa|suka|benci|best|love|hate|worst|parah|"
            r"gila|anjir|anjay|sumpah)\b"
        ),
        80,
    ),
)


def _row_id(row: Row) -> str:
    return f"{row.lang}-r-{hashlib.sha1(row.key.encode()).hexdigest()[:10]}"


def _read_ids(path: Path) -> set[str]:
    if not path.exists():
        return set()
    lines = path.read_text(encoding="utf-8").splitlines()
    return {line.split("#", 1)[0].strip() for line in lines if line.split("#", 1)[0].strip()}


def _sample(root: Path, simak: list[str]) -> list[tuple[Row, str]]:
    """Real rows per category: seeded shuffle, first ``quota`` that are not near-duplicates."""
    index = NearDupIndex(SAMPLE_JACCARD)
    for text in simak:
        index.add(text)
    by_source: dict[str, list[Row]] = {}
    for row in load_real(root):
        if len(row.text) <= MAX_CHARS:
            by_source.setdefault(row.source, []).append(row)
    taken: set[str] = set()
    out: list[tuple[Row, str]] = []
    for cat in CATEGORIES:
        cands = [r for s in cat.sources for r in by_source.get(s, []) if r.key not in taken]
        cands = [r for r in cands if cat.cue.search(r.text)]
        cands.sort(key=lambda r: r.key)
        random.Random(f"{SEED}:{cat.lang}:{cat.name}").shuffle(cands)
        n = 0
        for r in cands:
            if n >= cat.quota:
                break
            taken.add(r.key)
            if index.is_dup(r.text):
                continue
            index.add(r.text)
            out.append((r, cat.name))
            n += 1
    return out


def build(root: Path, folder: Path) -> tuple[list[dict[str, str]], Counter[tuple[str, str]]]:
    """The pool rows (real first, then written) and per-(lang, category) counts."""
    with (root / "simak_annotated" / "train.jsonl").open(encoding="utf-8") as fh:
        simak = [json.loads(line)["text"] for line in fh]
    index = NearDupIndex(FINAL_JACCARD)
    for text in simak:
        index.add(text)
    drop = _read_ids(folder / "drop.txt")
    out: list[dict[str, str]] = []
    counts: Counter[tuple[str, str]] = Counter()
    for r, category in _sample(root, simak):
        if _row_id(r) in drop or index.is_dup(r.text):
            continue
        index.add(r.text)
        out.append(_pool_row(_row_id(r), r, category))
        counts[(r.lang, category)] += 1
    for row, category in load_written(folder):
        if index.is_dup(row.text):
            raise SystemExit(f"written {row.key} duplicates an earlier text: rewrite it")
        index.add(row.text)
        out.append(_pool_row(row.key, row, category))
        counts[(row.lang, category)] += 1
    return out, counts


def _pool_row(row_id: str, row: Row, category: str) -> dict[str, str]:
    return {
        "id": row_id,
        "lang": row.lang,
        "text": row.text,
        "origin": row.origin,
        "source": row.source,
        "category": category,
    }


def main() -> None:
    """Write ``pool.jsonl`` and print per-language counts."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=Path, default=Path("../shared/datasets"))
    parser.add_argument("--out", type=Path, default=HERE / "pool.jsonl")
    args = parser.parse_args()
    rows, counts = build(args.datasets, HERE)
    with args.out.open("w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    for lang in ("en", "id"):
        mine = [r for r in rows if r["lang"] == lang]
        origin = Counter(r["origin"] for r in mine)
        print(lang, len(mine), dict(origin), dict(Counter(r["source"] for r in mine)))
        print("  ", {c: n for (lg, c), n in sorted(counts.items()) if lg == lang})


if __name__ == "__main__":
    main()
