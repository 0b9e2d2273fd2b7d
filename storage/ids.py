"""Long id lists cut into pieces one query can bind (SQLite and PostgreSQL cap the
parameters of a statement: a board of 40,000 groups must not become one ``IN (…)``)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

#: Ids per ``IN (…)`` list.
ID_CHUNK = 5_000


def chunked(ids: Iterable[int], size: int | None = None) -> Iterator[list[int]]:
    """``ids`` sorted and de-duplicated, in lists of at most ``size`` (default
    :data:`ID_CHUNK`, read at call time so a test can shrink it)."""
    ordered = sorted(set(ids))
    step = size or ID_CHUNK
    for start in range(0, len(ordered), step):
        yield ordered[start : start + step]
