"""Whether words that praise also complain, so a thank-you never quotes a complaint back.

A post the classifier calls praise may still complain: the complaint scored just below
its threshold ("montirnya ngerokok di bengkel… ga profesional"), the praise is sarcastic
("bagus ya… kaos kaki asing nyempil 🙃", "great, another cold latte 🙄"), or one
sentence does both ("Love the coffee but the barista was so rude"). A thank-you that
quotes such a sentence ("It made our day to read this:") reads as mockery. These cues
say a text complains; :mod:`responder.picking` then quotes another sentence, only the
praising head of the sentence ("Love the coffee…"), or nothing.
"""

from __future__ import annotations

import re
from typing import Final

from responder.sentences import clause_ends
from responder.text import clean, fold, strip_urls
from responder.topics import cue_after

# fmt: off
#: Words that complain however the sentence goes on (matched on folded text, whole words
#: or word starts); one of them after a negation ("ga pernah kecewa", "no bugs") does not.
_COMPLAINT_WORDS: Final = (
    r"kecewa\w*|mengecewakan|nyesel|menyesal|rusak|telat|terlambat|lemot|lelet|ngelag|lag"
    r"|nge-?bug|bug|error|eror|force\s+close|keluar\s+sendiri|refund|kepotong|jutek|judes"
    r"|ketus|cuek\w*|kasar|basi|hambar|kemahalan|buruk|jelek|kotor|jorok|zonk|tipu"
    r"|penipu\w*|bohong|kelamaan|lama\s+banget|(?<!satu\s)(?<!salah\s)salah(?!\s+satu)"
    r"|kurang(?!\s+lebih)|sayangnya|disayangkan|(?:gak|ga|nggak|tidak|tdk)\s+suka"
    r"|disappoint\w*|rude|wrong|broken|crash\w*|terrible|awful|worst|horrible|unacceptable"
    r"|dirty|stale|bland|burnt|watery|refund\w*|never\s+again|waste\s+of|useless"
    r"|unprofessional|unfriendly|complain\w*|scratch(?:ed|es)|damaged|missing|glitch\w*"
    r"|annoy\w*|problem|issues?|keeps?\s+crashing|too\s+slow|so\s+slow"
)
#: Praise that is denied: "ga profesional", "kurang bersih", "not friendly".
_DENIED_PRAISE: Final = (
    r"(?:gak|ga|gk|nggak|ngga|enggak|engga|tidak|tdk|kurang|bukan|not|isn'?t|wasn'?t"
    r"|aren'?t|weren'?t|never|hardly)\s+(?:terlalu\s+|begitu\s+|so\s+|very\s+|that\s+)?"
    r"(?:profesional|professional|ramah|friendly|bersih|clean|sopan|polite|enak|good|nice"
    r"|helpful|memuaskan|nyaman|bagus|worth\w*|happy|impressed|great|fresh|segar|puas)"
)
#: Faces that say the praise beside them is meant the other way (🙃 🙄), or that the
#: writer is upset (😒 😤 😡 😠 🤬 👎 ":(").
_SOUR_MARKS: Final = ("🙃", "🙄", "😒", "😤", "😡", "😠", "🤬", "👎", ":(", ":-(")
#: Problems that topics.py names and praise does not ("spion motor saya baret").
_PROBLEM_TOPICS: Final = ("health", "foreign_object", "order", "damaged", "lost", "repair")
_NEGATORS: Final = frozenset(
    {"tidak", "tdk", "tidk", "tdak", "gak", "ga", "gk", "gx", "nggak", "ngga", "ngak", "g"}
    | {"enggak", "engga", "ndak", "tak", "bukan", "tanpa", "bebas", "anti", "belum", "blm"}
    | {"jangan", "jgn", "no", "not", "never", "without", "zero", "nothing", "nor", "cannot"}
    | {"isn't", "wasn't", "don't", "didn't", "doesn't", "can't", "won't", "haven't", "hasn't"}
    | {"aren't", "weren't", "couldn't", "t"}  # "t": "doesn t", "can t" (apostrophe lost)
)
#: Where a negation stops: the end of its clause ("no bugs, but it crashes").
_SCOPE_END_RE: Final = re.compile(r"[.,;!?…]|(?<!\w)(?:but|tapi|tp|namun|cuma|cuman)(?!\w)")
_PRAISE_WORDS: Final = (
    r"enak|mantap|mantep|mantul|ramah|suka|favorit|keren|terbaik|bagus|bgs|puas|memuaskan"
    r"|rekomen\w*|nyaman|bersih|cepat|cepet|lezat|top|juara|best|love\w*|great|amazing"
    r"|delicious|friendly|excellent|awesome|perfect|wonderful|recommend\w*|nice|good|tasty"
    r"|ok|oke|okay|baik|mantab|hargai|menghargai|appreciat\w*|makasih|terima\s+kasih|thanks?"
)
# fmt: on
_COMPLAINT_RE: Final = re.compile(rf"(?<!\w)(?:{_COMPLAINT_WORDS})(?!\w)")
_DENIED_RE: Final = re.compile(rf"(?<!\w){_DENIED_PRAISE}(?!\w)")
_PRAISE_RE: Final = re.compile(rf"(?<!\w)(?:{_PRAISE_WORDS})(?!\w)")
_WORD_RE: Final = re.compile(r"[\w']+")


def _negated(folded: str, start: int) -> bool:
    """True when one of the six words before ``start``, in its clause, negates what
    follows ("never had an issue with it crashing", "sudah gk lagi layar yg kotor")."""
    before = _SCOPE_END_RE.split(folded[:start])[-1]
    return any(word in _NEGATORS for word in _WORD_RE.findall(before)[-6:])


def _topic_named(folded: str, topic: str) -> bool:
    """A cue of ``topic`` that no negation denies ("tanpa lecet" names no damage)."""
    start = cue_after(folded, topic)
    while start is not None:
        if not _negated(folded, start):
            return True
        start = cue_after(folded, topic, start + 1)
    return False


def carries_complaint(text: str) -> bool:
    """True when ``text`` complains: a complaint word nothing negates, praise denied
    ("ga profesional"), a sour or sarcastic face, or a problem topics.py names."""
    folded = fold(clean(strip_urls(text)))
    if any(mark in folded for mark in _SOUR_MARKS) or _DENIED_RE.search(folded):
        return True
    if any(not _negated(folded, m.start()) for m in _COMPLAINT_RE.finditer(folded)):
        return True
    return any(_topic_named(folded, topic) for topic in _PROBLEM_TOPICS)


def praises(text: str) -> bool:
    """True when ``text`` has a word of praise ("Love the coffee")."""
    return _PRAISE_RE.search(fold(clean(text))) is not None


def praise_head(sentence: str, max_chars: int) -> str | None:
    """The longest run of ``sentence``'s leading whole clauses that praises and does not
    complain, with an ellipsis: "Love the coffee…" of "Love the coffee but the barista
    was so rude"; None when the sentence opens with no such clause or with sarcasm."""
    if any(mark in sentence for mark in _SOUR_MARKS):
        return None
    best = None
    for end in clause_ends(sentence):
        head = sentence[:end].rstrip(" ,;:—–-…")
        if len(head) + 1 > max_chars or carries_complaint(head):
            break
        if praises(head):
            best = head
    return f"{best}…" if best else None
