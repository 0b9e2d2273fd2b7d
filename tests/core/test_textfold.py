"""What searches compare (:func:`storage.textfold.fold`) and how a stored search key is
searched, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import literal, select

from storage.db import Database, open_database
from storage.textfold import fold, key_contains, lower, lowered, search_key

#: Typed text → what it must find (the two fold alike).
ALIKE = [
    ("jose", "JOSÉ"),
    ("josé", "Jose"),
    ("jose\u0301", "JOSÉ"),  # é typed as e + a combining accent (NFD)
    ("muller", "Müller"),
    ("cafe", "Café"),
    ("cagri yilmaz", "ÇAĞRI Yılmaz"),  # dotless ı
    ("istanbul", "İSTANBUL"),  # dotted İ
    ("soren", "Søren"),
    ("lukasz", "Łukasz"),
    ("nguyen duc", "Nguyễn Đức"),
    ("aeroe", "ÆRØE"),
    ("strasse", "STRAẞE"),
    ("maruf", "Ma’ruf"),  # apostrophes left out, curly or straight
    ("maruf", "Ma'ruf"),
    ("budi santoso", "Budi \u00a0 Santoso\t"),  # white space runs as one space
    ("kopi", "ＫＯＰＩ"),  # fullwidth
    ("οδυσσευς", "ΟΔΥΣΣΕΎΣ"),  # final ς, Greek accent
    ("женя", "ЖЕНЯ"),
    ("ab", "a\u200bb"),  # an invisible zero-width space
]
#: Different letters stay different.
APART = [("jose", "josh"), ("50%", "500"), ("o", "u"), ("ss", "s"), ("a-b", "a b")]


@pytest.mark.parametrize(("typed", "stored"), ALIKE)
def test_fold_ignores_case_accents_and_form(typed: str, stored: str) -> None:
    assert fold(typed) == fold(stored)


@pytest.mark.parametrize(("one", "other"), APART)
def test_fold_keeps_different_letters_apart(one: str, other: str) -> None:
    assert fold(one) != fold(other)


def test_a_search_key_holds_each_field_alone() -> None:
    assert search_key("Budi", None, "", "BUDI@X.ID") == "budi\nbudi@x.id"
    assert search_key(None, " \u0301 ") is None  # nothing left to find


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = open_database(db_url)
    yield database
    database.dispose()


def test_key_contains_takes_like_wildcards_literally(db: Database) -> None:
    def hit(stored: str, term: str) -> bool:
        with db.read() as session:
            return bool(session.scalar(select(key_contains(literal(search_key(stored)), term))))

    assert hit("Diskon 50% HARI INI", "50%") and not hit("Diskon 500", "50%")
    assert hit("KOPI_TUBRUK", "i_t") and not hit("KOPIXTUBRUK", "i_t")
    assert hit("a\\b", "a\\b") and not hit("ab", "a\\b")
    assert hit("ÉCLAIR", "éclair") and hit("ECLAIR", "éclair") and hit("Éclair", "ECLAIR")
    assert not hit("ÉCLAIR", "\u0301")  # a term that folds to nothing finds no one


def test_key_contains_never_matches_across_two_fields(db: Database) -> None:
    key = search_key("Budi", "santoso@contoh.id")
    with db.read() as session:
        across = session.scalar(select(key_contains(literal(key), "budi santoso")))
        within = session.scalar(select(key_contains(literal(key), "santoso@")))
    assert not across and within


#: Upper and lower case letters of Latin, Greek, Cyrillic, Armenian and fullwidth Latin.
LETTERS = (
    "".join(
        chr(c)
        for first, last in ((0xC0, 0x24F), (0x370, 0x3FF), (0x400, 0x4FF), (0x531, 0x586))
        for c in range(first, last + 1)
        if chr(c).isalpha()
    )
    + "ＡＢＣｘｙｚ"
)
SAMPLES = [
    "JOSÉ",
    "Jose\u0301",  # NFD
    "ÇAĞRI İSTANBUL ılık",
    "ΟΔΥΣΣΕΥΣ",
    "ЖЕНЯ Иванова",
    "STRAẞE Straße",
    "ﬁne ǅ ½",
    "50% _x_ \\",
    LETTERS,
]


def test_sql_lowers_text_as_python_does(db: Database) -> None:
    """For email addresses: lower case only (ß and ss, NFC and NFD stay apart)."""
    with db.read() as session:
        got = [session.scalar(select(lowered(literal(text)))) for text in SAMPLES]
    assert got == [lower(text) for text in SAMPLES]
    assert lower("ÉMILIE@X.ID") == "émilie@x.id" and lower("STRAẞE") != lower("strasse")
