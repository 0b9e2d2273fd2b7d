"""Authors known only by a display name: a feed entry's ``<author><name>`` with no e-mail
or URI, a file row with a name and no handle. They get no person record (nothing links
two posts but the name), so an erasure request from one is found and met here, by name.

A name is compared after NFKC normalisation, case folding and with runs of white space
as one space ("Budi  SANTOSO" is "budi santoso"); searching folds it as people searches do
(:func:`storage.textfold.fold`: accents, ı, ø, apostrophes…), erasing does not (an erasure
takes exactly the name that the search showed).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Select, func, select, tuple_
from sqlalchemy.orm import Session

from storage.models import MentionRow
from storage.textfold import fold


@dataclass(frozen=True, slots=True)
class AuthorMatch:
    """The posts of one name-only author in one source."""

    name: str  # as the newest post spells it
    source: str
    platforms: tuple[str, ...]
    mentions: int
    last_seen_at: datetime | None


def same_name(text: str) -> str:
    """``text`` as names are compared: NFKC, case-folded, white space collapsed."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


class _Spelling(NamedTuple):
    source: str
    platform: str
    author_name: str
    posts: int
    last: datetime | None


def _spellings(session: Session, source: str | None) -> list[_Spelling]:
    """Each name-only author's posts per source, platform and spelling of the name."""
    query = (
        select(
            MentionRow.source,
            MentionRow.platform,
            MentionRow.author_name,
            func.count(MentionRow.id).label("posts"),
            func.max(MentionRow.created_at).label("last"),
        )
        .where(MentionRow.person_id.is_(None), MentionRow.author_name.is_not(None))
        .group_by(MentionRow.source, MentionRow.platform, MentionRow.author_name)
    )
    if source is not None:
        query = query.where(MentionRow.source == source)
    return [_Spelling(r[0], r[1], r[2] or "", int(r[3]), r[4]) for r in session.execute(query)]


def _grouped(rows: Sequence[_Spelling]) -> list[AuthorMatch]:
    """One match per source and compared name, the most recently heard from first."""
    groups: dict[tuple[str, str], list[_Spelling]] = {}
    for row in rows:
        groups.setdefault((row.source, same_name(row.author_name)), []).append(row)
    found = []
    for (source, _), members in groups.items():
        newest = max(members, key=lambda r: (r.last is not None, r.last))
        found.append(
            AuthorMatch(
                name=newest.author_name,
                source=source,
                platforms=tuple(sorted({r.platform for r in members})),
                mentions=sum(r.posts for r in members),
                last_seen_at=newest.last,
            )
        )
    found.sort(key=lambda m: (m.last_seen_at is None, -_stamp(m.last_seen_at), m.source))
    return found


def _stamp(at: datetime | None) -> float:
    return at.timestamp() if at else 0.0


def find_authors(session: Session, query: str, limit: int) -> list[AuthorMatch]:
    """Name-only authors whose name contains ``query`` (case and accents ignored)."""
    needle = fold(query.strip().lstrip("@"))
    if not needle:
        return []
    rows = [r for r in _spellings(session, None) if needle in fold(r.author_name)]
    return _grouped(rows)[:limit]


def authored_by(session: Session, name: str, source: str | None) -> list[AuthorMatch]:
    """The name-only authors called exactly ``name`` (as compared), in ``source`` or all."""
    key = same_name(name)
    return _grouped([r for r in _spellings(session, source) if same_name(r.author_name) == key])


def posts_of(session: Session, name: str, source: str | None) -> Select[Any]:
    """The ids of the posts :func:`authored_by` counts (a subquery: no id list to bind)."""
    key = same_name(name)
    pairs = [
        (r.source, r.author_name)
        for r in _spellings(session, source)
        if same_name(r.author_name) == key
    ]
    return select(MentionRow.id).where(
        MentionRow.person_id.is_(None),
        tuple_(MentionRow.source, MentionRow.author_name).in_(pairs),
    )
