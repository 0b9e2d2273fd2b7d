"""Offline, deterministic language identification tuned for Indonesian social media.

The statistical model (py3langid, restricted to a few languages) is good at clean
prose but weak on short, slangy, code-mixed posts such as "app nya lemot bgt, tolong
fix dong", which it may call Javanese or Malay. A small lexicon of Indonesian and
English function words and slang therefore decides between the two languages Simak
cares about most, and the model decides everything else.

The rule, in order:

1. After removing URLs, @handles, #hashtags, digits, emoji and invisible characters,
   fewer than :data:`MIN_LETTERS` letters left → ``"und"``.
2. The script with most of the letters decides which part of the post is read: when
   most letters are non-Latin (Japanese, Thai, Arabic, ...) the model reads the
   non-Latin part; otherwise the rest of the rule reads the Latin part only, so a short
   phrase in another script does not outvote the sentence around it: "Crumb & Co
   baklava was amazing! شكرا جزيلا" → ``"en"``.
3. A single Latin word that is not an Indonesian or English marker is too short to
   tell ("yum", "danke") → ``"und"``.
4. Count Indonesian markers (function words, particles, slang, ``-nya`` or ``nya``)
   and English function words. If the counts differ, the larger side wins — so the
   language of the sentence's grammatical frame wins, not the language of borrowed
   nouns or exclamations: "app nya lemot bgt, tolong fix dong" → ``"id"``, and
   "the barista was sooo friendly, mantap!" → ``"en"``. The exception: a model that is
   very sure of a third language (Dutch, German, ...) keeps its answer, because short
   words such as "in" or "di" also occur in those languages.
5. Otherwise (tie, or no markers) the model decides among its restricted set; Malay,
   Javanese and Tagalog count as Indonesian when any Indonesian marker is present
   (on Indonesian social media they are almost always misread Indonesian slang), and
   a weak answer (below :data:`MIN_MODEL_CONFIDENCE`) becomes ``"und"``.
6. An ``"en"`` or ``"und"`` answer becomes ``"id"`` when the post has a code-mixing
   cue (:data:`CODE_MIX_CUES`: particles, pronouns, negation, "banget", conjunctions,
   ``-nya``) outside names: Jakarta posts often frame a sentence in English and mark it
   Indonesian with one particle, "the latte was too sweet for me sih, next time less
   sugar dong" → ``"id"``, while Indonesian names and dishes in an English post do
   not count: "Stopped by Rumah Kita for gudeg" → ``"en"``.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Final, Protocol

UNDETERMINED: Final = "und"
MIN_LETTERS: Final = 3
MIN_MODEL_CONFIDENCE: Final = 0.4
# Beyond this many characters extra text adds cost but no accuracy.
MAX_CHARS: Final = 2000
# A third-language answer above this overrides the id/en lexicon vote.
THIRD_LANGUAGE_CONFIDENCE: Final = 0.9

# Languages the model may answer with. Kept small: every extra language is another
# way for slang to be misread (e.g. "bgt" as Tagalog).
MODEL_LANGUAGES: Final[tuple[str, ...]] = (
    "id",
    "ms",
    "jv",
    "tl",
    "en",
    "nl",
    "de",
    "fr",
    "es",
    "pt",
    "it",
    "ja",
    "zh",
    "ko",
    "th",
    "vi",
    "ar",
)
# Model answers that are usually Indonesian slang misread.
_INDONESIAN_LOOKALIKES: Final = frozenset({"ms", "jv", "tl"})


def _word_set(text: str) -> frozenset[str]:
    # Whitespace-separated word lists read better than long list literals.
    return frozenset(text.split())


ID_MARKERS: Final = _word_set(
    """
    yang dan di ke dari ini itu tidak gak ga gk nggak ngga enggak engga tdk bukan
    sudah udah udh sdh belum blm sama sm juga jg aja saja banget bgt bngt bener
    dong deh sih nih tuh kok loh lho kah kan lah ya yg dgn dengan untuk utk buat karena krn
    gw gue gua aku saya kami kita kalian lu lo loe elu mereka dia kak min mimin
    kalau kalo klo kl bisa tolong mohon semoga moga lagi lg pas terus trus tapi
    tp atau ada adalah akan mau pengen pingin ingin jadi jd baru masih msh cuma
    cuman mana apa kenapa knp gimana gmn bagaimana kapan dimana berapa brp
    enak mantap mantul keren makasih terima kasih lemot lambat kecewa parah
    kesel kesal mahal murah bagus jelek pesan pesanan tadi kemarin kemaren
    besok hari minggu banyak sedikit dikit sekali sangat amat pake pakai nya
    harus kurang gitu gini emang bikin mending abis gaes
    """
)
EN_MARKERS: Final = _word_set(
    """
    the a an is are was were be been being am i you he she it we they my your
    our their this that these those of to in on at for with from by and or but
    not no never don't doesn't didn't isn't wasn't can't won't it's i'm i've
    have has had do does did will would should could can just so very really
    what when where why how which who there here than then too also again
    thanks thank because about after before still only even
    """
)

# Indonesian words that (almost) never occur in English posts, not even in names of
# dishes or places: particles, pronouns, negation, "banget", conjunctions. One of them
# in an English-framed sentence is code-mixing ("the latte was too sweet sih"), because
# an English writer borrows Indonesian nouns and exclamations, not grammar. Left out:
# words English also uses ("ya", "lah", "min", "lg", "tp", "sm", "yg", "di", "ada").
CODE_MIX_CUES: Final = _word_set(
    """
    sih dong deh nih tuh kok loh lho kah gue gua gw aku saya kamu loe elu
    gak ga gk nggak ngga enggak engga tdk tidak bukan banget bgt bngt yang tapi
    sama juga jg aja saja udah udh sudah belum blm karena krn kalau kalo klo
    untuk utk dengan dgn dari cuma cuman masih msh gimana gmn kenapa knp itu
    harus kurang gitu gini emang bikin mending tolong mohon semoga abis nya
    """
)

_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_HANDLE_OR_TAG = re.compile(r"[@#][\w.]+")
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
_REPEATS = re.compile(r"([^\W\d_])\1{2,}")
# A capitalised word inside a sentence or before another capitalised word is part of
# a name ("Kopi Dari Hati", "Kita Coffee", "Kenya"), not a Jaksel particle.
_NAME_WORD = re.compile(r"(?<=[^\W\d_][ \t,;:&'\"()-])[A-Z][^\W\d_]*|[A-Z][^\W\d_]*(?=[ \t-][A-Z])")
# "50,000 dong" is Vietnamese money, not the particle.
_DONG_MONEY = re.compile(r"\d\s*dong\b", re.IGNORECASE)


class _Identifier(Protocol):
    """The slice of py3langid's ``LanguageIdentifier`` this module uses."""

    def classify(self, text: str) -> tuple[str, float]: ...


def clean_text(text: str) -> str:
    """Return ``text`` without invisible characters, lone surrogates, URLs, handles, tags.

    Zero-width and other format characters (Unicode category ``Cf``) are dropped
    rather than replaced, because they often sit inside words ("ma\\u200bntap").
    """
    text = text[: MAX_CHARS * 2]
    if not text.isascii():  # ASCII has no surrogates or format characters, and NFKC keeps it
        # Lone surrogates cannot be encoded; replace them instead of crashing later.
        text = text.encode("utf-8", "replace").decode("utf-8")
        text = unicodedata.normalize("NFKC", text)
        text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    text = _URL.sub(" ", text)
    text = _HANDLE_OR_TAG.sub(" ", text)
    return text[:MAX_CHARS]


def words(text: str) -> list[str]:
    """Lower-cased letter runs of ``text`` with stretched letters squeezed ("bgttt" → "bgt")."""
    if text.isascii():  # same result, one regex pass instead of one per word
        return _WORD.findall(_REPEATS.sub(r"\1", text.lower()))
    return [_REPEATS.sub(r"\1", w.lower()) for w in _WORD.findall(text)]


def is_indonesian_marker(word: str) -> bool:
    """True for Indonesian function words, slang, and words with the ``-nya`` suffix."""
    return word in ID_MARKERS or (len(word) >= 5 and word.endswith("nya"))


class LanguageDetector:
    """Detects the language of short social-media texts; see the module docstring.

    The py3langid model (a few MB) is loaded on the first call, not at construction,
    so creating a detector is free. Instances are safe to share once loaded: the
    detector never mutates state after loading.
    """

    def __init__(self, languages: tuple[str, ...] = MODEL_LANGUAGES) -> None:
        """Create a detector whose model may answer only with ``languages``."""
        self._languages = languages
        self._identifier: _Identifier | None = None

    def _model(self) -> _Identifier:
        if self._identifier is None:
            from py3langid.langid import MODEL_FILE, LanguageIdentifier

            identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
            identifier.set_languages(list(self._languages))
            self._identifier = identifier
        return self._identifier

    def detect(self, text: str) -> str:
        """Return the ISO 639-1 code of ``text``, or ``"und"`` when it cannot be told."""
        cleaned = clean_text(text)
        tokens = words(cleaned)
        if sum(len(t) for t in tokens) < MIN_LETTERS:
            return UNDETERMINED
        letters = "".join(tokens)
        if not letters.isascii():
            latin = sum(1 for ch in letters if _is_latin(ch))
            if 2 * latin <= len(letters):  # most letters are in another script
                return self._model_vote(_without_latin_letters(cleaned), id_markers=0)
            cleaned = _without_other_letters(cleaned)
            tokens = words(cleaned)
        return self._latin_vote(cleaned, tokens)

    def _latin_vote(self, cleaned: str, tokens: list[str]) -> str:
        id_hits = sum(1 for t in tokens if is_indonesian_marker(t))
        en_hits = sum(1 for t in tokens if t in EN_MARKERS)
        if id_hits != en_hits:
            lang, confidence = self._model().classify(cleaned)
            third = lang not in {"id", "en"} and lang not in _INDONESIAN_LOOKALIKES
            if third and confidence >= THIRD_LANGUAGE_CONFIDENCE:
                return lang
            lang = "id" if id_hits > en_hits else "en"
        elif len(tokens) < 2:  # one word without a marker: too short to tell
            return UNDETERMINED
        else:
            lang = self._model_vote(cleaned, id_markers=id_hits)
        return "id" if lang in ("en", UNDETERMINED) and _code_mixed(cleaned, tokens) else lang

    def _model_vote(self, cleaned: str, id_markers: int) -> str:
        lang, confidence = self._model().classify(cleaned)
        if lang in _INDONESIAN_LOOKALIKES and id_markers:
            return "id"
        if confidence < MIN_MODEL_CONFIDENCE:
            return UNDETERMINED
        return lang


def is_code_mix_cue(word: str) -> bool:
    """True for :data:`CODE_MIX_CUES` and words with the ``-nya`` suffix ("harganya")."""
    return word in CODE_MIX_CUES or (len(word) >= 5 and word.endswith("nya"))


def _code_mixed(cleaned: str, tokens: list[str]) -> bool:
    """True when an English-framed post has a code-mixing cue outside names.

    Capitalised words inside a sentence or before another capitalised word are names
    ("Rumah Kita", "Kenya", "Kita Coffee") and do not count, nor does money ("20000
    dong"); a capitalised first word does ("Gue kecewa, the coffee was cold").
    """
    cues = sum(1 for t in tokens if is_code_mix_cue(t))
    if not cues:
        return False  # the common case: no second pass over the text
    names = (_REPEATS.sub(r"\1", w.lower()) for w in _NAME_WORD.findall(cleaned))
    not_cues = sum(1 for w in names if is_code_mix_cue(w)) + len(_DONG_MONEY.findall(cleaned))
    return cues > not_cues


def _is_latin(ch: str) -> bool:
    # Unicode names of Latin letters start with "LATIN" (incl. accented ones).
    return ch.isascii() or unicodedata.name(ch, "").startswith("LATIN")


def _without_latin_letters(text: str) -> str:
    return "".join(" " if ch.isalpha() and _is_latin(ch) else ch for ch in text)


def _without_other_letters(text: str) -> str:
    return "".join(" " if ch.isalpha() and not _is_latin(ch) else ch for ch in text)


@functools.lru_cache(maxsize=1)
def default_detector() -> LanguageDetector:
    """The shared detector used by :func:`detect_language` (built on first use)."""
    return LanguageDetector()


def detect_language(text: str) -> str:
    """Return the ISO 639-1 code of ``text`` ("id", "en", ...) or ``"und"``.

    Offline and deterministic; see the module docstring for the rule.
    """
    return default_detector().detect(text)
