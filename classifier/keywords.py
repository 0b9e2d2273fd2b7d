"""A transparent bilingual keyword backend: every tag can be traced to a rule.

It is the first, always-available backend. It will be wrong more often than a trained
model, but staff can read *why* it tagged a text (:meth:`KeywordClassifier.explain`)
and operators can extend it per brand through :class:`KeywordsOptions`.

How a text is scored:

1. Each rule is a phrase (English or Indonesian, slang included). Stretched letters
   match ("mantappp", "soooo good"), and Indonesian clitics may follow ("enaknya").
2. Sentiment words are *negatable*: "tidak enak" / "not good" turn praise into a
   complaint, "gak kecewa" / "not bad" turn a complaint into mild praise.
3. The adjudication rules of ``datasets/simak_annotated/GUIDELINES.md`` then apply:
   a fix request ("please fix", "tolong diperbaiki") is a complaint and cancels the
   generic wish phrases ("kalau bisa", "semoga") that would otherwise make it an idea;
   a named missing feature ("gak ada dark mode") is complaint + idea; tips to other
   customers are not ideas; sarcasm ("Great, crashed again") is not praise.
4. A label's score is ``1 - exp(-sum of its rule weights)``: one full-weight rule gives
   0.63, two give 0.86; labels at or above the threshold (0.5) are assigned.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from pydantic import BaseModel, ConfigDict, Field

from classifier.base import LABELS, Classification, Label
from classifier.lang import LanguageDetector, default_detector

MODEL_ID: Final = "keywords@1"
MAX_SCORE: Final = 0.99  # rules are never certain


class TermsByLanguage(BaseModel):
    """Extra phrases for one label, grouped by the language they are written in."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: list[str] = Field(default_factory=list, description="Indonesian phrases")
    en: list[str] = Field(default_factory=list, description="English phrases")


class KeywordsOptions(BaseModel):
    """Settings of the keyword backend (``classifier.options`` in ``config.yaml``).

    Extra terms are added to the built-in rules with full weight and match in texts
    of any language, because customers mix languages within one sentence.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    praise: TermsByLanguage = Field(default_factory=TermsByLanguage)
    complaint: TermsByLanguage = Field(default_factory=TermsByLanguage)
    idea: TermsByLanguage = Field(default_factory=TermsByLanguage)
    threshold: float = Field(default=0.5, ge=0.0, le=1.0, description="score needed for a label")


@dataclass(frozen=True, slots=True)
class Rule:
    """One phrase pattern and what it means when it matches.

    ``negatable`` rules flip polarity after a negator ("tidak enak"); ``soft`` idea
    rules are generic wish phrases that a fix request cancels; ``strong`` rules are
    kept even then (an explicit "please add").
    """

    name: str
    labels: tuple[Label, ...]
    pattern: re.Pattern[str]
    weight: float = 1.0
    negatable: bool = False
    soft: bool = False


@dataclass(frozen=True, slots=True)
class Hit:
    """A rule that fired, with the label and weight it contributes."""

    name: str
    label: Label
    weight: float
    soft: bool = False


def _word_set(words: str) -> frozenset[str]:
    # Whitespace-separated word lists read better than long list literals.
    return frozenset(words.split())


# --- phrase tables -------------------------------------------------------------
# Comma-separated phrases; each table becomes one rule per phrase.

PRAISE_EN: Final = (
    "love, loved, loving, great, amazing, awesome, delicious, tasty, yummy, excellent,"
    " perfect, friendly, fantastic, wonderful, cozy, cosy, recommended, the best, best coffee,"
    " best latte, enjoyed, thank you so much, thanks so much, well done, 10/10, kudos, lovely,"
    " smooth, quick service, fast service, helpful, impressed, satisfied, worth it"
)
PRAISE_ID: Final = (
    "mantap, mantab, mantep, mantul, enak, keren, makasih banyak, terima kasih banyak, bagus,"
    " ramah, nyaman, rekomen, juara, puas, lezat, sedap, favorit, andalan, gercep,"
    " nagih, memuaskan, hebat, suka banget, suka bgt, paling suka, aku suka, gue suka,"
    " gw suka, saya suka, seneng, senang, cakep, top markotop, pelayanan cepat,"
    " mantap jiwa, terbaik"
)
# Polite or mild words: praise only together with another positive signal.
PRAISE_WEAK: Final = (
    "thanks, thank you, thx, makasih, terima kasih, trims, good, nice, sip, asik, asyik,"
    " cepet banget, murah"
)
PRAISE_EMOJI: Final = {"😍": 0.7, "🥰": 0.7, "❤": 0.7, "😋": 0.7, "💯": 0.5, "👍": 0.5, "🔥": 0.5}

COMPLAINT_EN: Final = (
    "disappointed, disappointing, terrible, awful, worst, bad, slow, rude, broken, crash,"
    " crashes, crashed, crashing, bug, buggy, useless, annoying, overpriced,"
    " too expensive, too sweet, stale, lukewarm, watery, burnt, wrong order, never again,"
    " waited, waiting forever, charged twice, double charge, double charged, refund,"
    " food poisoning, got sick, stomach ache, hate, scam, stuck, failed, keeps failing,"
    " unacceptable, dirty, upset, ridiculous"
)
COMPLAINT_EN_FIXED: Final = (
    "can't login, cannot login, can't log in, cannot log in, couldn't log in, not working,"
    " doesn't work, does not work, won't load, still not, no response, no reply,"
    " nobody replied, not cool, logging me out, logged me out, points are gone, is gone"
)
COMPLAINT_ID: Final = (
    "kecewa, lemot, lambat, mahal banget, kemahalan, eror, gagal, rusak, basi,"
    " keracunan, sakit perut, mual, diare, kesel, kesal, jutek, judes, kasar, nyesel,"
    " parah, zonk, kapok, ribet, ngebug, force close, kemanisan, terlalu manis, hambar,"
    " kotor, jorok, kelamaan, lama banget, lama bgt, nunggu lama, antri lama,"
    " antre lama, komplain, ilang, hilang, bocor, tumpah, salah pesanan, pesanan salah,"
    " mengecewakan"
)
COMPLAINT_ID_FIXED: Final = (
    "gak bisa, ga bisa, gk bisa, gabisa, nggak bisa, ngga bisa, enggak bisa, tidak bisa,"
    " tdk bisa, belum sampai, belum dateng, belum datang, belum masuk, gak masuk, ga masuk,"
    " kepotong dua kali, terpotong dua kali, ditagih dua kali, kepotong 2x, kepotong 2 kali,"
    " saldo kepotong, saldo terpotong, dobel, gak dibales, ga dibales,"
    " gak direspon, ga direspon, belum dibalas, ketinggalan"
)
COMPLAINT_EMOJI: Final = {"😡": 0.7, "🤬": 0.7, "😤": 0.5, "👎": 0.7, "😠": 0.5}

# A request to fix something: complaint only (guideline), cancels soft ideas.
FIX_REQUEST: Final = (
    "please fix, pls fix, plz fix, fix this, fix it, fix the, fix your, needs a fix,"
    " please improve, do better, tolong fix, tolong diperbaiki, tolong perbaiki,"
    " mohon perbaikan, mohon diperbaiki, diperbaiki, perbaiki, dibenerin, benerin,"
    " fix dong, dibenahi, tolong ditingkatkan, mohon ditingkatkan, tolong dicek, mohon dicek"
)
IDEA_STRONG: Final = (
    "please add, pls add, plz add, can you add, could you add, you should add,"
    " you should offer, you should open, feature request, bring back, open earlier,"
    " open a branch, open a store, open an outlet, tolong tambahin, tolong tambahkan,"
    " tolong ditambah, mohon ditambahkan, tambahin, tambahkan, buka cabang, buka lebih pagi,"
    " buka lebih awal, bikin fitur, bikin menu, adain, adakan, sediain, sediakan, perbanyak"
)
IDEA_SOFT: Final = (
    "would be nice, would be great, would be awesome, would be cool, it'd be nice,"
    " i wish, wish you, hope you add, hope you open, hope you bring, consider adding,"
    " consider opening, why not add, why not offer, should add, should offer, should open,"
    " should accept, should support, should sell, should bring,"
    " suggestion, semoga ada, semoga bisa, moga ada, sebaiknya, kalau bisa,"
    " kalo bisa, klo bisa, kl bisa, usul, usulan, saran, pengen ada, pengennya ada,"
    " pingin ada, andai ada, andai bisa, harusnya ada, seharusnya, gimana kalau,"
    " gimana kalo, gmn kalo, coba tambah, request"
)

_NEG: Final = r"(?:gak|ga|gk|nggak|ngga|enggak|engga|tidak|tdk|belum|blm|masih belum)"
_FEATURE: Final = (
    r"(?:dark\s+mode|mode\s+gelap|fitur|opsi|pilihan|option|feature|varian|cabang|branch"
    r"|outlet|qris|oat|susu\s+oat|less\s+sugar|setting|menu|pembayaran)"
)
# A named missing feature or option: complaint + idea (guideline).
MISSING_FEATURE: Final = (
    rf"{_NEG}\s+(?:ada|nyediain|menyediakan|support|nerima|menerima|terima"
    r"|bisa\s+(?:bayar\s+)?(?:pakai|pake))\s+"
    rf"(?:\w+\s+){{0,2}}?{_FEATURE}",
    r"(?:there'?s\s+no|there\s+is\s+no|still\s+no|no|doesn'?t\s+have|don'?t\s+have"
    r"|doesn'?t\s+support|don'?t\s+(?:accept|support|offer)|can'?t\s+pay\s+with)\s+"
    rf"(?:\w+\s+){{0,2}}?{_FEATURE}",
)
# Tips aimed at other customers are not ideas (guideline).
TIP_TO_CUSTOMERS: Final = re.compile(
    r"(?<!\w)(?:pro\s*tip|tips?\s*:|tip\s+buat|buat\s+(?:kalian|yang\s+mau|temen|teman)"
    r"|for\s+anyone|if\s+you(?:'re|\s+are)?\s+(?:going|visiting)|jangan\s+lupa"
    r"|saran\s+(?:buat|untuk)\s+(?:kalian|yang|temen|teman)|make\s+sure\s+(?:you|to))"
)
# Praise as the opening exclamation of a complaint, or an eye-roll, marks sarcasm.
SARCASM: Final = re.compile(
    r"^\W*(?:great|nice|wow|perfect|awesome|amazing|lovely|mantap|mantul|keren|hebat"
    r"|bagus|luar\s+biasa)\s*[,.!…]|🙄|🙃|😒|(?<!\w)/s(?!\w)|yeah\s+right"
    r"|thanks\s+(?:a\s+lot|for\s+nothing)|makasih\s+(?:loh|lho)|hebat\s+(?:banget\s+)?ya"
)
NEGATORS: Final = _word_set(
    "not no never isn't wasn't aren't weren't don't doesn't didn't hardly"
    " tidak tak gak ga gk g nggak ngga enggak engga tdk bukan kurang belum blm ndak nda"
)
# Words that may sit between a negator and the word it negates ("gak terlalu enak").
NEGATION_BRIDGES: Final = _word_set(
    "terlalu begitu gitu pernah cukup sangat too very so that really quite ever even"
)
_TOKEN: Final = re.compile(r"[\w']+")
_CLITIC: Final = r"(?:nya|ny|lah|kah|sih)?"


def phrase_pattern(phrase: str) -> re.Pattern[str]:
    """Compile ``phrase`` so stretched letters, flexible spaces and clitics still match.

    "keren" matches "kereeen" and "kerennya"; "can't" matches "cant"; emoji match as is.
    """
    parts: list[str] = []
    for ch in phrase.lower():
        if ch.isalpha():
            parts.append(re.escape(ch) + "+")
        elif ch.isspace():
            parts.append(r"\s+")
        elif ch == "'":
            parts.append("['’]?")
        else:
            parts.append(re.escape(ch))
    body = "".join(parts)
    if not phrase[:1].isalnum():
        return re.compile(body)
    return re.compile(rf"(?<!\w){body}{_CLITIC}(?!\w)")


def _split(table: str) -> list[str]:
    return [p.strip() for p in table.split(",") if p.strip()]


def _phrase_rules(
    label: Label,
    lang: str,
    phrases: Iterable[str],
    *,
    weight: float = 1.0,
    negatable: bool = False,
    soft: bool = False,
) -> list[Rule]:
    return [
        Rule(f"{label}:{lang}:{p}", (label,), phrase_pattern(p), weight, negatable, soft)
        for p in phrases
    ]


def _emoji_rules(label: Label, table: dict[str, float]) -> list[Rule]:
    return [Rule(f"{label}:emoji:{e}", (label,), re.compile(e), w) for e, w in table.items()]


def builtin_rules() -> list[Rule]:
    """The built-in rule set, in evaluation order."""
    rules = _phrase_rules("praise", "en", _split(PRAISE_EN), negatable=True)
    rules += _phrase_rules("praise", "id", _split(PRAISE_ID), negatable=True)
    rules += _phrase_rules("praise", "mixed", _split(PRAISE_WEAK), negatable=True, weight=0.6)
    rules += _emoji_rules("praise", PRAISE_EMOJI)
    rules += _phrase_rules("complaint", "en", _split(COMPLAINT_EN), negatable=True)
    rules += _phrase_rules("complaint", "id", _split(COMPLAINT_ID), negatable=True)
    rules += _phrase_rules("complaint", "en", _split(COMPLAINT_EN_FIXED))
    rules += _phrase_rules("complaint", "id", _split(COMPLAINT_ID_FIXED))
    rules += _emoji_rules("complaint", COMPLAINT_EMOJI)
    rules += _phrase_rules("complaint", "fix", _split(FIX_REQUEST))
    rules += _phrase_rules("idea", "mixed", _split(IDEA_STRONG))
    rules += _phrase_rules("idea", "mixed", _split(IDEA_SOFT), soft=True)
    rules += [
        Rule(f"missing-feature:{lang}", ("complaint", "idea"), re.compile(rf"(?<!\w){p}"))
        for lang, p in zip(("id", "en"), MISSING_FEATURE, strict=True)
    ]
    return _longest_first(rules)


def _longest_first(rules: list[Rule]) -> list[Rule]:
    # Longer phrases claim their words first, so "tolong tambahin" is one hit, not
    # two, and "gak ada dark mode" is a missing feature rather than plain "gak".
    return sorted(rules, key=lambda r: -len(r.pattern.pattern))


def extra_rules(options: KeywordsOptions) -> list[Rule]:
    """Rules for the operator's extra terms; praise and complaint terms are negatable."""
    rules: list[Rule] = []
    for label in LABELS:
        terms: TermsByLanguage = getattr(options, label)
        sentiment = label != "idea"
        for lang, phrases in (("id", terms.id), ("en", terms.en)):
            rules += _phrase_rules(label, f"extra-{lang}", phrases, negatable=sentiment)
    return rules


def normalise(text: str) -> str:
    """Lower-case NFKC text without invisible characters or lone surrogates."""
    text = text.encode("utf-8", "replace").decode("utf-8")
    text = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf").lower()


def is_negated(text: str, start: int) -> bool:
    """True when a negator precedes position ``start`` within the same clause.

    A negator counts directly before the word, or one bridge word earlier
    ("gak terlalu enak", "not very good"), so "ga nyesel, enak" stays positive.
    """
    clause = re.split(r"[,.!?;:\n]", text[:start])[-1]
    tokens = _TOKEN.findall(clause)[-2:]
    if tokens and tokens[-1] in NEGATORS:
        return True
    return len(tokens) == 2 and tokens[0] in NEGATORS and tokens[1] in NEGATION_BRIDGES


def _fire(rule: Rule, text: str, claimed: list[tuple[int, int]]) -> list[Hit]:
    """Hits of ``rule``'s first match that overlaps no ``claimed`` span; claims it."""
    match = next((m for m in rule.pattern.finditer(text) if not _overlaps(m.span(), claimed)), None)
    if match is None:
        return []
    claimed.append(match.span())
    if rule.negatable and is_negated(text, match.start()):
        # "tidak enak" is a complaint; "gak kecewa" / "not bad" is only mild praise.
        flipped: Label = "complaint" if rule.labels[0] == "praise" else "praise"
        weight = 1.0 if flipped == "complaint" else 0.7
        return [Hit(f"negated {rule.name} -> {flipped}", flipped, weight)]
    return [Hit(rule.name, label, rule.weight, rule.soft) for label in rule.labels]


def _overlaps(span: tuple[int, int], claimed: list[tuple[int, int]]) -> bool:
    return any(span[0] < end and start < span[1] for start, end in claimed)


def _adjudicate(text: str, hits: list[Hit]) -> tuple[list[Hit], list[str]]:
    """Apply the guideline's consistency rules; return kept hits and notes."""
    notes: list[str] = []
    labels = {h.label for h in hits}
    if any(h.name.startswith("complaint:fix:") for h in hits) and any(h.soft for h in hits):
        hits = [h for h in hits if not h.soft]
        notes.append("fix request: generic wish phrases are not an idea")
    if "idea" in labels and TIP_TO_CUSTOMERS.search(text):
        hits = [h for h in hits if h.label != "idea"]
        notes.append("tip to other customers: not an idea")
    if {"praise", "complaint"} <= labels and SARCASM.search(text):
        hits = [h for h in hits if h.label != "praise"]
        notes.append("sarcasm: praise dropped")
    return hits, notes


def squash(weight: float) -> float:
    """Map a sum of rule weights to a probability-like score in [0, MAX_SCORE]."""
    return round(min(MAX_SCORE, 1.0 - math.exp(-max(weight, 0.0))), 4)


class KeywordClassifier:
    """Bilingual (Indonesian/English) rule-based :class:`~classifier.base.Classifier`."""

    def __init__(
        self, options: KeywordsOptions | None = None, detector: LanguageDetector | None = None
    ) -> None:
        """Build the rule set; the language model loads on the first classification."""
        self._options = options or KeywordsOptions()
        self._rules = _longest_first(builtin_rules() + extra_rules(self._options))
        self._detector = detector

    @property
    def model_id(self) -> str:
        """Backend name and version, recorded with every classification."""
        return MODEL_ID

    def classify(self, texts: Sequence[str]) -> list[Classification]:
        """Classify ``texts``; one result per text, in order."""
        detector = self._detector or default_detector()
        return [self._classify_one(text, detector) for text in texts]

    def explain(self, text: str) -> list[str]:
        """Names of the rules that fired for ``text``, then notes on adjudication."""
        hits, notes = self._analyse(text)
        # A missing-feature rule yields two hits (complaint + idea) under one name.
        return list(dict.fromkeys(h.name for h in hits)) + notes

    def scores(self, text: str) -> dict[str, float]:
        """A score in [0, 1] for every label in :data:`~classifier.base.LABELS`."""
        hits, _ = self._analyse(text)
        return {label: squash(sum(h.weight for h in hits if h.label == label)) for label in LABELS}

    def _classify_one(self, text: str, detector: LanguageDetector) -> Classification:
        scores = self.scores(text)
        labels = tuple(label for label in LABELS if scores[label] >= self._options.threshold)
        return Classification(labels, scores, detector.detect(text), MODEL_ID)

    def _analyse(self, text: str) -> tuple[list[Hit], list[str]]:
        norm = normalise(text)
        claimed: list[tuple[int, int]] = []
        hits = [hit for rule in self._rules for hit in _fire(rule, norm, claimed)]
        return _adjudicate(norm, hits)
