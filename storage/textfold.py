"""Searching people alike on SQLite and PostgreSQL: a name, handle or e-mail address is
found whatever its letter case, accents, apostrophes, spacing or Unicode form.

:func:`fold` turns text into what searches compare: "José  Ramírez", "JOSE RAMIREZ" and
"jose\u0301 ramirez" all become "jose ramirez". It is computed in Python, never in SQL:
each person and handle stores the folds of its name, handle and address in ``search_key``
(:func:`search_key`, filled on every write and by migration 0021), and a search folds the
typed text alike and looks for it there with a plain ``LIKE`` (:func:`key_contains`). The
two databases therefore find the same people whatever their locale or Unicode version,
with no extension (``unaccent``), and SQLite calls no Python per row. A change to
:func:`fold` needs a migration that fills ``search_key`` again (as 0021 does).

What must match whole but for case (an e-mail address as an identity) compares
:func:`lower` with :class:`lowered`: PostgreSQL's ``lower()``, on both databases.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from sqlalchemy import ColumnElement, false
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import Text

#: The SQL name :func:`register` gives :func:`lower` on SQLite.
SQLITE_LOWER = "simak_lower"
#: Between the folded fields of a search key (:func:`fold` leaves none in a field).
SEPARATOR = "\n"
#: Letters that carry their mark in the letter itself (no decomposition), as a person
#: typing without them writes them; "ß" becomes "ss" by case folding, "ı" (Turkish) "i".
_LETTERS = {
    "ı": "i",
    "ø": "o",
    "ł": "l",
    "đ": "d",
    "ð": "d",
    "ħ": "h",
    "ŧ": "t",
    "æ": "ae",
    "œ": "oe",
    "þ": "th",
}
#: Apostrophes are left out ("Ma'ruf", "Ma’ruf" and "Maruf" are one name); dashes are "-".
_APOSTROPHES = "'`\u00b4\u2018\u2019\u201b\u02bc\u02b9\u02bb"
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"
_UNMARKED = str.maketrans({**_LETTERS, **dict.fromkeys(_DASHES, "-")})
_NO_APOSTROPHES = str.maketrans(dict.fromkeys(_APOSTROPHES, ""))
_DROPPED = {"Mn", "Me", "Cf"}  # marks on a letter (accents), invisible format characters


def fold(text: str) -> str:
    """``text`` as searches compare it: compatibility-decomposed (NFKD: "ﬁ" is "fi",
    fullwidth "ＫＯＰＩ" is "KOPI"), case-folded ("ß" is "ss"), without the marks on its
    letters ("é" is "e" in any form, "İ" is "i"), letters in :data:`_LETTERS` as written
    without their stroke, apostrophes left out, and any run of white space (control
    characters included) one space, none at either end."""
    bare = unicodedata.normalize("NFKD", text.translate(_NO_APOSTROPHES))
    decomposed = unicodedata.normalize("NFKD", bare.casefold())
    kept = (
        " " if unicodedata.category(c) == "Cc" else c
        for c in decomposed
        if unicodedata.category(c) not in _DROPPED
    )
    return " ".join("".join(kept).translate(_UNMARKED).split())


def search_key(*fields: str | None) -> str | None:
    """What a row stores for searches: the folds of ``fields`` (those not empty), one per
    line, so that a search never matches across two of them; None when all are empty."""
    folds = [f for f in (fold(field) for field in fields if field) if f]
    return SEPARATOR.join(folds) or None


def lower(text: str) -> str:
    """``text`` in lower case letter by letter, as PostgreSQL's ``lower()`` gives it."""
    if text.isascii():
        return text.lower()
    return "".join("i" if c == "İ" else c.lower() for c in text)


def _sqlite_lower(value: Any) -> Any:
    return lower(value) if isinstance(value, str) else value


def register(dbapi_connection: Any) -> None:
    """Make :func:`lower` callable in SQL on a new SQLite connection."""
    dbapi_connection.create_function(SQLITE_LOWER, 1, _sqlite_lower, deterministic=True)


class lowered(FunctionElement[str]):  # noqa: N801
    """``column`` in lower case like :func:`lower` gives a Python string."""

    type = Text()
    inherit_cache = True
    name = "lowered"


@compiles(lowered, "sqlite")
def _lowered_sqlite(element: lowered, compiler: SQLCompiler, **kw: Any) -> str:
    return f"{SQLITE_LOWER}({compiler.process(element.clauses, **kw)})"


@compiles(lowered)
def _lowered_postgresql(element: lowered, compiler: SQLCompiler, **kw: Any) -> str:
    return f"lower({compiler.process(element.clauses, **kw)})"


def like_pattern(term: str) -> str:
    """``%term%`` (folded) for ``LIKE … ESCAPE '\\'``: % and _ typed by a user are literal."""
    escaped = fold(term).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def key_contains(column: Any, term: str) -> ColumnElement[bool]:
    """The search key in ``column`` (:func:`search_key`) holds ``term`` as :func:`fold`
    folds it; a term that folds to nothing (only accents, say) matches no row."""
    if not fold(term):
        return false()
    matched: ColumnElement[bool] = column.like(like_pattern(term), escape="\\")
    return matched
