"""How a formal Indonesian draft addresses a person: "Ibu", "Bapak", or "Bapak/Ibu".

Only what the display name says plainly counts, and an unknown stays neutral: a wrong
"Bapak" to a woman is worse than "Bapak/Ibu". A title before the name decides first
("Ibu Sari", "Bu Ani", "Mrs. Tan", "Pak Budi", "Mr Lee", "Mbak Rina", "Mas Yoga"). Else
the first name decides when it is on a short list of Indonesian given names that are
clearly one gender (``FEMALE_NAMES``, ``MALE_NAMES``). Names used for both (Dian, Nur, Sri,
Rizky, Andi, Tri, Endang…) are on neither list, and neither are names of other languages.
Casual drafts say "Kak" to everyone and never use this.
"""

from __future__ import annotations

from typing import Final, Literal

from responder.text import clean, person_name

Honorific = Literal["Ibu", "Bapak", "Bapak/Ibu"]
NEUTRAL: Final[Honorific] = "Bapak/Ibu"

_FEMALE_TITLES: Final = frozenset(
    {"ibu", "bu", "mrs", "ms", "miss", "mbak", "nyonya", "ny", "hj", "hajjah", "tante",
     "madam", "sdri", "saudari"}
)  # fmt: skip
_MALE_TITLES: Final = frozenset(
    {"bapak", "pak", "mr", "mas", "tuan", "haji", "om", "abang", "bang", "koh", "sir"}
)  # fmt: skip
#: Given names that are clearly female in Indonesia (curated; unsure names stay out).
FEMALE_NAMES: Final = frozenset(
    {"siti", "dewi", "putri", "ayu", "rina", "rini", "indah", "ratna", "wulan", "lestari",
     "intan", "citra", "anisa", "annisa", "yuliana", "maya", "tasya", "laras", "ratih",
     "ningsih", "nining", "fitri", "fitriani", "linda", "diana", "evi", "mega", "yuni",
     "nadia", "salsabila", "tiara", "meilani", "kartika", "novi", "yanti", "susanti",
     "sinta", "wati"}
)  # fmt: skip
#: Given names that are clearly male in Indonesia (curated; unsure names stay out).
MALE_NAMES: Final = frozenset(
    {"budi", "agus", "joko", "bambang", "slamet", "eko", "ahmad", "muhammad", "hendra",
     "dimas", "bayu", "yusuf", "arif", "rudi", "hadi", "bagus", "dedi", "gilang", "yogi",
     "bagas", "hasan", "fikri", "fajar", "irfan", "ilham", "rizal", "fauzi",
     "taufik", "teguh", "heru", "imam", "ridwan", "iwan", "faisal"}
)  # fmt: skip


def honorific(display_name: str | None, handle: str | None = None) -> Honorific:
    """ "Ibu" or "Bapak" when the display name plainly says which, else "Bapak/Ibu"."""
    first = person_name(display_name, handle)
    if first is None:
        return NEUTRAL
    title = clean(display_name or "").split(" ", 1)[0].casefold().rstrip(".")
    if title in _FEMALE_TITLES:
        return "Ibu"
    if title in _MALE_TITLES:
        return "Bapak"
    name = first.casefold()
    if name in FEMALE_NAMES:
        return "Ibu"
    if name in MALE_NAMES:
        return "Bapak"
    return NEUTRAL
