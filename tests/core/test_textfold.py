"""The SQL that folds a column for a search gives what :func:`storage.textfold.fold`
gives the typed text, on SQLite and PostgreSQL alike, for the scripts customers write in."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import literal, select

from storage.db import Database, open_database
from storage.textfold import contains, fold, folded, lower, lowered

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


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = open_database(db_url)
    yield database
    database.dispose()


def test_sql_folds_text_as_python_does(db: Database) -> None:
    with db.read() as session:
        got = [session.scalar(select(folded(literal(text)))) for text in SAMPLES]
    assert got == [fold(text) for text in SAMPLES]
    assert fold("ΟΔΥΣΣΕΥΣ") == fold("οδυσσευς") == "οδυσσευσ"
    assert fold("Jose\u0301") == fold("JOSÉ") == "josé"
    assert fold("STRAẞE") == fold("strasse") and fold("İSTANBUL") == "istanbul"


def test_sql_lowers_text_as_python_does(db: Database) -> None:
    """For email addresses: lower case only (ß and ss, NFC and NFD stay apart)."""
    with db.read() as session:
        got = [session.scalar(select(lowered(literal(text)))) for text in SAMPLES]
    assert got == [lower(text) for text in SAMPLES]
    assert lower("ÉMILIE@X.ID") == "émilie@x.id" and lower("STRAẞE") != lower("strasse")


def test_contains_takes_like_wildcards_literally(db: Database) -> None:
    def hit(text: str, term: str) -> bool:
        with db.read() as session:
            return bool(session.scalar(select(contains(literal(text), term))))

    assert hit("Diskon 50% HARI INI", "50%") and not hit("Diskon 500", "50%")
    assert hit("KOPI_TUBRUK", "i_t") and not hit("KOPIXTUBRUK", "i_t")
    assert hit("a\\b", "a\\b") and not hit("ab", "a\\b")
    assert hit("ÉCLAIR", "éclair") and not hit("ECLAIR", "éclair")
