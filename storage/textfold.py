"""Case-insensitive text search (and matching) that folds Unicode the same way on SQLite
and PostgreSQL.

SQLite's own ``lower()`` and ``LIKE`` fold only A–Z, so "josé" never found "JOSÉ" there
while PostgreSQL found it. Both sides of a search are now folded alike: NFKC (so "é"
typed as e + accent, and fullwidth "ＫＯＰＩ", compare as the plain letters), one lower
case letter per letter, and "ß" as "ss" and a final "ς" as "σ" (what case folding adds).
PostgreSQL folds a column with its own functions (``lower`` follows the database's
LC_CTYPE: a UTF-8 locale, like C.UTF-8, folds every script); SQLite runs :func:`fold`,
registered on each connection by :func:`register`. What must match whole but for case
(an email address) compares :func:`lower` with :class:`lowered`: PostgreSQL's ``lower()``.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import Text

#: The SQL names :func:`register` gives :func:`fold` and :func:`lower` on SQLite.
SQLITE_NAME = "simak_fold"
SQLITE_LOWER = "simak_lower"
#: What case folding adds to lower case (on both databases).
_CASE_FOLDS = {"ß": "ss", "ς": "σ"}


def fold(text: str) -> str:
    """``text`` as searches compare it: NFKC, lower case letter by letter, ß as ss."""
    if text.isascii():  # most text: quick (a search on SQLite calls this for every row)
        return text.lower()
    # Python lowers "İ" to i + a combining dot, PostgreSQL (letter by letter) to "i".
    out = unicodedata.normalize("NFKC", text).replace("İ", "i").lower()
    for was, becomes in _CASE_FOLDS.items():
        out = out.replace(was, becomes)
    return out


def lower(text: str) -> str:
    """``text`` in lower case letter by letter, as PostgreSQL's ``lower()`` gives it."""
    if text.isascii():
        return text.lower()
    return "".join("i" if c == "İ" else c.lower() for c in text)


def _sqlite_fold(value: Any) -> Any:
    return fold(value) if isinstance(value, str) else value


def _sqlite_lower(value: Any) -> Any:
    return lower(value) if isinstance(value, str) else value


def register(dbapi_connection: Any) -> None:
    """Make :func:`fold` and :func:`lower` callable in SQL on a new SQLite connection."""
    dbapi_connection.create_function(SQLITE_NAME, 1, _sqlite_fold, deterministic=True)
    dbapi_connection.create_function(SQLITE_LOWER, 1, _sqlite_lower, deterministic=True)


class folded(FunctionElement[str]):  # noqa: N801 (an SQL function, named like func.lower)
    """``column`` folded in SQL like :func:`fold` folds a Python string."""

    type = Text()
    inherit_cache = True
    name = "folded"


@compiles(folded, "sqlite")
def _folded_sqlite(element: folded, compiler: SQLCompiler, **kw: Any) -> str:
    return f"{SQLITE_NAME}({compiler.process(element.clauses, **kw)})"


@compiles(folded)
def _folded_postgresql(element: folded, compiler: SQLCompiler, **kw: Any) -> str:
    inner = f"lower(normalize({compiler.process(element.clauses, **kw)}, NFKC))"
    for was, becomes in _CASE_FOLDS.items():
        inner = f"replace({inner}, '{was}', '{becomes}')"
    return inner


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


def contains(column: Any, term: str) -> ColumnElement[bool]:
    """``column`` contains ``term``, case (and NFC/NFD, fullwidth, ß/ss) ignored."""
    return folded(column).like(like_pattern(term), escape="\\")
