"""Erased posts stay erased: a keyed hash of each post `simak forget` erased, so a source
that delivers it again (a file copied to a new path, a feed re-listing old entries, a
cursor reset) does not bring the post, or its author, back.

A tombstone is ``HMAC-SHA256(key, platform NUL external id)``, hex: no name, handle,
text, URL or post id in clear. The key is random per database (``erased_posts_key``,
made by the migration; a backup carries it), so the hashes are no table anyone can
precompute or match across two databases. Whoever holds this database and a post's id
can still tell that the post was erased here: that is the check a poll makes.

Only exact re-deliveries are stopped. A forgotten person's handles are not kept in any
form: their new posts are new, and are stored as a new person's. Retention (``purge``)
leaves no tombstone: no one asked, and one row per expired post would grow forever.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.dialect import insert
from storage.ids import chunked
from storage.models import ErasedPost, ErasedPostsKey, MentionRow

Key = tuple[str, str]  # (platform, external id), as stored
_CHUNK = 400


def new_key() -> str:
    """A fresh random key (hex), for a database that has none."""
    return secrets.token_hex(32)


def _key(session: Session) -> bytes | None:
    secret = session.scalar(select(ErasedPostsKey.secret).where(ErasedPostsKey.id == 1))
    return bytes.fromhex(secret) if secret else None


def _ensure_key(session: Session) -> bytes:
    """This database's key, made now if it has none (the migration makes it)."""
    session.execute(
        insert(session, ErasedPostsKey)
        .values(id=1, secret=new_key())
        .on_conflict_do_nothing(index_elements=["id"])
    )
    key = _key(session)
    assert key is not None
    return key


def tombstone(key: bytes, platform: str, external_id: str) -> str:
    """The keyed hash of one post (hex)."""
    message = f"{platform}\x00{external_id}".encode("utf-8", "replace")
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def bury(session: Session, mention_ids: Sequence[int]) -> int:
    """Record a tombstone for each of these stored posts (before they are deleted, in the
    same transaction); returns how many rows that added."""
    if not mention_ids:
        return 0
    key = _ensure_key(session)
    added = 0
    for chunk in chunked(list(mention_ids)):
        rows = session.execute(
            select(MentionRow.platform, MentionRow.external_id).where(MentionRow.id.in_(chunk))
        ).all()
        values = [{"hash": tombstone(key, r.platform, r.external_id)} for r in rows]
        if values:
            stored = session.execute(
                insert(session, ErasedPost)
                .on_conflict_do_nothing(index_elements=["hash"])
                .returning(ErasedPost.hash),
                values,
            ).all()
            added += len(stored)
    return added


def erased_among(session: Session, keys: Iterable[Key]) -> set[Key]:
    """The posts among ``keys`` that were erased: one ``IN`` query per 400 posts.

    Called only for posts not stored now, and after that was read: PostgreSQL reads
    each statement as committed when it starts, and a forget deletes a post and writes
    its tombstone in one commit, so a post missing from the earlier read has its
    tombstone in this one (a forget still running then leaves the post in place, and it
    is taken as stored)."""
    wanted = list(keys)
    if not wanted:
        return set()
    key = _key(session)
    if key is None:
        return set()
    by_hash = {tombstone(key, platform, ext): (platform, ext) for platform, ext in wanted}
    hashes = list(by_hash)
    found: set[Key] = set()
    for start in range(0, len(hashes), _CHUNK):
        chunk = hashes[start : start + _CHUNK]
        hits = session.scalars(select(ErasedPost.hash).where(ErasedPost.hash.in_(chunk)))
        found.update(by_hash[h] for h in hits)
    return found
