"""Picking the sentences that carry a complaint, an idea or praise, to quote them back.

Sentences are scored with the classifier through an injected scorer (the responder
never imports the classifier): one call for every sentence of a whole batch of
drafts. A post of one sentence needs no scoring. Without a scorer, a small list of
cue words stands in. A quote is always whole sentences — one, or two adjacent ones
that carry the same thing — and only a single sentence longer than the limit is
shortened, to its leading whole clauses and an ellipsis where the sentence would go on.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from common.errors import ClassifierError
from responder.mixed_praise import carries_complaint, praise_head
from responder.sentences import leading_clauses, split_clauses, split_sentences
from responder.text import fold, mask_contacts

#: Per-label probabilities for each text, in order: ``{"complaint": 0.93, "idea": 0.02, …}``.
SentenceScorer = Callable[[Sequence[str]], Sequence[Mapping[str, float]]]
Scores = Mapping[str, float]

# fmt: off
_CUES: Final[Mapping[str, tuple[str, ...]]] = {
    "complaint": (
        "kecewa", "rusak", "telat", "lama banget", "lemot", "error", "gak bisa", "ga bisa",
        "nggak bisa", "tidak bisa", "belum", "refund", "kepotong", "jutek", "cuek", "sakit",
        "diare", "basi", "kemahalan", "parah", "buruk", "jelek", "kotor", "mati", "hilang",
        "salah", "bocor", "tumpah", "gak enak", "nggak enak", "tidak enak", "kenapa", "rude",
        "wrong", "slow", "crash", "broken", "disappoint", "terrible", "worst", "not ok",
        "not cool", "never again", "waited", "dirty", "sick", "poisoning", "twice", "missing",
        "gone", "expired", "not impressed", "awful", "unacceptable", "complain", "keluhan",
        "🙄", "😤", "😡", "😒", "😠",
    ),
    "idea": (
        "tolong tambah", "tambahin", "semoga ada", "kalau bisa", "kalo bisa", "sebaiknya",
        "usul", "saran", "andai", "harusnya ada", "please add", "would be great",
        "would be nice", "should", "suggest", "wish", "hope you", "could you add",
        "how about", "buka cabang", "diadain", "adain", "sediakan", "tambahkan",
    ),
    "praise": (
        "enak", "mantap", "mantul", "ramah", "suka", "favorit", "keren", "terbaik", "best",
        "love", "great", "amazing", "delicious", "friendly", "makasih", "terima kasih",
        "thank", "recommended", "nyaman", "cozy", "konsisten", "setia", "😍", "❤", "🥰", "👍",
    ),
}
# fmt: on
_WORD_RE: Final = re.compile(r"[^\W_]+")
_LEADING_TAGS_RE: Final = re.compile(
    r"^(?:(?:[@#][\w.]+|(?i:min|admin|mimin|kak|gan|sis))[,:!]?\s+)+(?=\S)"
)
_TRAILING_TAGS_RE: Final = re.compile(r"(?<=\S)(\s+[@#][\w.]+)+$")
_PREPOSITIONS: Final = frozenset(
    {"sama", "ke", "di", "dari", "untuk", "buat", "kepada", "dengan", "to", "at", "with", "for"}
    | {"from", "by", "about", "of", "in", "on"}
)
#: A sentence that names the complaint's topic is quoted instead of the best-scoring one
#: when it scores at least this share of the best (and at least ``NAMED_MIN``): the
#: classifier scores a plea ("Mohon perhatiannya terhadap kebersihan." 0.71) above the
#: sentence that says what went wrong ("Saya mengalami sakit perut…" 0.23).
NAMED_SHARE: Final = 0.25
NAMED_MIN: Final = 0.1
EXTEND_MIN: Final = 0.5  # a neighbour joins the quote when it carries the label this much
#: A sentence complains when the scorer gives complaint at least this, and more than praise.
COMPLAINS_MIN: Final = 0.5
SHORT_PENALTY: Final = 0.15  # a sentence of one or two words says little on its own


def cue_scores(text: str) -> dict[str, float]:
    """Stand-in probabilities from cue words, for when no scorer is given."""
    folded = fold(text)
    return {label: 1.0 - 0.5 ** sum(cue in folded for cue in cues) for label, cues in _CUES.items()}


def tidy_quote(sentence: str) -> str:
    """Drop @handles, #tags and "min," that only address the brand at a sentence's edges,
    and hide phone numbers and email addresses (:func:`responder.text.mask_contacts`)."""
    text = _LEADING_TAGS_RE.sub("", mask_contacts(sentence))
    match = _TRAILING_TAGS_RE.search(text)
    if match:
        before = text[: match.start()].split()
        if before and fold(before[-1]) not in _PREPOSITIONS:
            text = text[: match.start()]
    return text.strip()


def quotable(sentence: str) -> bool:
    """True when a sentence has words worth quoting (not only emoji, tags or a handle)."""
    return sum(ch.isalpha() for ch in tidy_quote(sentence)) >= 3


@dataclass(frozen=True, slots=True)
class Passage:
    """The part of one post that carries one label."""

    label: str
    post: int  # index into the posts, 0 = newest
    quote: str | None  # whole sentences (or leading clauses + "…"); None: nothing quotable fits
    focus: str  # the clause or sentence that carries the label most (for topic and products)
    score: float
    #: praise picked with ``shun`` quotes other words (or none) than it would have, to
    #: keep a sentence that complains out
    troubled: bool = False


class CachedScorer:
    """A sentence scorer that remembers what it scored (a conversation re-planned as posts
    join it needs its earlier sentences again, and a large poll meets the same sentences in
    many posts). Scores depend on the text alone, so a cache for the life of one run is
    exact; past ``max_entries`` (~70 MB at the default) it forgets the oldest entries first.
    """

    def __init__(self, scorer: SentenceScorer, max_entries: int = 200_000) -> None:
        """Wrap ``scorer``; nothing is scored until called."""
        self._scorer = scorer
        self._max = max_entries
        self._memo: dict[str, Scores] = {}

    def __call__(self, texts: Sequence[str]) -> list[Scores]:
        """Scores for ``texts``, in order; only texts not seen before reach the scorer."""
        memo = self._memo
        missing = list(dict.fromkeys(t for t in texts if t not in memo))
        fresh: dict[str, Scores] = {}
        if missing:
            results = list(self._scorer(missing))
            if len(results) != len(missing):
                raise ClassifierError(
                    f"the sentence scorer returned {len(results)} results for {len(missing)} "
                    "sentences; it must return one mapping of label probabilities per text"
                )
            fresh = dict(zip(missing, results, strict=True))
        out = [fresh[t] if t in fresh else memo[t] for t in texts]
        memo.update(fresh)
        if len(memo) > self._max:
            for text in list(itertools.islice(memo, len(memo) - self._max)):
                del memo[text]
        return out


class ScoreBook:
    """Scores for every sentence (and clause) of a batch, from one scorer call."""

    def __init__(
        self,
        scorer: SentenceScorer | None,
        texts: Sequence[str],
        sentences: Mapping[str, list[str]] | None = None,
    ) -> None:
        """Score the unique ``texts`` in one call (none at all without a scorer);
        ``sentences``: posts already split (by :func:`units_to_score`), not split again."""
        unique = list(dict.fromkeys(t for t in texts if t))
        self._scores: dict[str, Scores] = {}
        if scorer is not None and unique:
            results = list(scorer(unique))
            if len(results) != len(unique):
                raise ClassifierError(
                    f"the sentence scorer returned {len(results)} results for {len(unique)} "
                    "sentences; it must return one mapping of label probabilities per text"
                )
            self._scores = dict(zip(unique, results, strict=True))
        self._cue_memo: dict[str, dict[str, float]] = {}
        self._sentence_memo: dict[str, list[str]] = dict(sentences or {})

    def sentences(self, text: str) -> list[str]:
        """:func:`split_sentences` of a post, once per text for this batch (each label of
        a post looks for its passage in the same sentences)."""
        found = self._sentence_memo.get(text)
        if found is None:
            found = self._sentence_memo[text] = split_sentences(text)
        return list(found)

    def _cues(self, text: str) -> dict[str, float]:
        """:func:`cue_scores` of ``text``, once per text for this batch."""
        found = self._cue_memo.get(text)
        if found is None:
            found = self._cue_memo[text] = cue_scores(text)
        return found

    def scored(self, text: str) -> Scores | None:
        """The scorer's probabilities for ``text``; None when it was not scored."""
        return self._scores.get(text)

    def score(self, text: str, label: str) -> float:
        """The probability that ``text`` carries ``label`` (cue words break ties)."""
        cues = self._cues(text)[label] if label in _CUES else 0.0
        scored = self._scores.get(text)
        base = float(scored.get(label, 0.0)) if scored is not None else cues
        if len(_WORD_RE.findall(text)) < 3:
            base -= SHORT_PENALTY
        return base + 0.01 * cues


def units_to_score(
    posts: Sequence[str], mixed: bool, split: dict[str, list[str]] | None = None
) -> list[str]:
    """The sentences (and, for posts with several labels, clauses) a scorer must see.

    A post of one sentence needs no sentence scores; its clauses are scored only
    when ``mixed`` (several labels to tell apart inside one sentence). ``split`` keeps
    each post's sentences (read, never changed), for a :class:`ScoreBook` to reuse.
    """
    units: list[str] = []
    memo: dict[str, list[str]] = {} if split is None else split
    for text in posts:
        sentences = memo.get(text)
        if sentences is None:
            sentences = memo[text] = split_sentences(text)
        if len(sentences) > 1:
            units.extend(sentences)
        if mixed:
            for sentence in sentences:
                clauses = split_clauses(sentence)
                if len(clauses) > 1:
                    units.extend(clauses)
    return units


def complains(book: ScoreBook, sentence: str, scores: Scores | None = None) -> bool:
    """True when ``sentence`` complains: the scorer (or, for a post of one sentence, the
    post's own ``scores``) finds more complaint than praise in it, or its words do
    (:func:`responder.mixed_praise.carries_complaint`)."""
    found = book.scored(sentence) or scores
    if found is not None:
        complaint = float(found.get("complaint", 0.0))
        if complaint >= COMPLAINS_MIN and complaint > float(found.get("praise", 0.0)):
            return True
    return carries_complaint(sentence)


def _quote_at(
    sentences: Sequence[str],
    scores: Sequence[float],
    i: int,
    limit: int,
    bad: Sequence[bool] | None = None,
) -> str | None:
    """The sentence at ``i`` (with a neighbour that carries the same label and is not
    ``bad``), if it fits."""
    own = tidy_quote(sentences[i])
    if len(own) > limit or not quotable(own):
        return None
    for j in (i + 1, i - 1):
        if bad is not None and 0 <= j < len(sentences) and bad[j]:
            continue
        if 0 <= j < len(sentences) and scores[j] >= max(EXTEND_MIN, 0.6 * scores[i]):
            first, second = (i, j) if i < j else (j, i)
            pair = tidy_quote(f"{sentences[first]} {sentences[second]}")
            if len(pair) <= limit and quotable(tidy_quote(sentences[j])):
                return pair
    return own


def _focus(book: ScoreBook, sentence: str, label: str) -> str:
    clauses = split_clauses(sentence)
    if len(clauses) < 2:
        return sentence
    return max(clauses, key=lambda c: book.score(c, label))


def pick_passage(
    book: ScoreBook,
    text: str,
    post: int,
    label: str,
    limit: int,
    whole: float = 1.0,
    prefer: Callable[[str], bool] | None = None,
    shun: Scores | None = None,
) -> Passage | None:
    """The passage of ``text`` that carries ``label`` best; None for a post with no words.

    ``whole`` is the post's own score for ``label``, used when it has one sentence.
    ``prefer`` (a complaint's topic: "names the stomach ache") picks, when the best quote
    does not satisfy it, the best sentence that does among the near-best
    (:data:`NAMED_SHARE`). ``shun`` (praise: the post's own scores) keeps every sentence
    that complains out of the quote (:func:`complains`).
    """
    sentences = book.sentences(text)
    if not sentences:
        return None
    scores = [book.score(s, label) if len(sentences) > 1 else whole for s in sentences]
    order = sorted(range(len(sentences)), key=lambda k: (-scores[k], k))
    one = shun if len(sentences) == 1 else None  # a post of one sentence: its own scores
    bad = [] if shun is None else [complains(book, s, one) for s in sentences]
    found = _pick(book, sentences, scores, order, post, label, limit)
    if shun is not None and any(bad):
        clean = _pick_clean(book, sentences, scores, order, post, label, limit, bad)
        return found if clean.quote == found.quote else clean
    if prefer is None or (found.quote is not None and prefer(found.quote)):
        return found
    near = max(NAMED_MIN, NAMED_SHARE * scores[order[0]])
    for k in order:
        if scores[k] < near:
            break
        quote = _quote_at(sentences, scores, k, limit) if prefer(sentences[k]) else None
        if quote is not None:
            return Passage(label, post, quote, _focus(book, sentences[k], label), scores[k])
    return found


def _pick(
    book: ScoreBook,
    sentences: Sequence[str],
    scores: Sequence[float],
    order: Sequence[int],
    post: int,
    label: str,
    limit: int,
) -> Passage:
    """The best-scoring sentence that fits as a quote (see :func:`pick_passage`)."""
    best = order[0]
    focus = _focus(book, sentences[best], label)
    for k in order:
        if k != best and scores[k] < 0.5 * scores[best]:
            break
        quote = _quote_at(sentences, scores, k, limit)
        if quote is not None:
            return Passage(label, post, quote, _focus(book, sentences[k], label), scores[k])
    short = leading_clauses(tidy_quote(sentences[best]), limit)
    return Passage(label, post, short, focus, scores[best])


def _pick_clean(
    book: ScoreBook,
    sentences: Sequence[str],
    scores: Sequence[float],
    order: Sequence[int],
    post: int,
    label: str,
    limit: int,
    bad: Sequence[bool],
) -> Passage:
    """The best-scoring sentence that does not complain (among those that score at least
    half the best), else the praising head of the best one ("Love the coffee…"), else no
    quote: a thank-you never quotes a complaint back."""
    best = order[0]
    for k in order:
        if k != best and scores[k] < 0.5 * scores[best]:
            break
        quote = None if bad[k] else _quote_at(sentences, scores, k, limit, bad)
        if quote is not None:
            focus = _focus(book, sentences[k], label)
            return Passage(label, post, quote, focus, scores[k], troubled=True)
    head = praise_head(tidy_quote(sentences[best]), limit)
    focus = head.rstrip("…") if head else ""  # no products "liked" in a complaint
    return Passage(label, post, head, focus, scores[best], troubled=True)
