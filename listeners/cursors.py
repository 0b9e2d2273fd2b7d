"""Cursors are opaque strings to the caller; listeners write them as compact JSON."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any


def load(cursor: str | None) -> dict[str, Any]:
    """The cursor's JSON object; an absent or unreadable cursor means "start fresh".

    Starting fresh is safe because storage dedups on (platform, external id); it
    costs one re-read instead of a source stuck on a cursor it cannot parse.
    """
    if not cursor:
        return {}
    try:
        value = json.loads(cursor)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def dump(state: dict[str, Any]) -> str:
    """Serialise a cursor deterministically (sorted keys, no spaces)."""
    return json.dumps(state, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def remember(seen: Iterable[str], new: Iterable[str], limit: int) -> list[str]:
    """Newest-first list of ids, ``new`` before ``seen``, without duplicates, capped."""
    out: list[str] = []
    marks: set[str] = set()
    for item in [*new, *seen]:
        if item not in marks:
            marks.add(item)
            out.append(item)
        if len(out) >= limit:
            break
    return out


def digest(item_id: str) -> str:
    """A short stable stand-in for a long id (URLs, at:// URIs), to keep cursors small."""
    return hashlib.sha256(item_id.encode("utf-8")).hexdigest()[:16]
