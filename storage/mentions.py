"""Storing mentions, claiming classification work, and keeping one current verdict each.

Every write here is safe under overlapping runs: mentions and handles are inserted with
``ON CONFLICT DO NOTHING``, classification work is claimed with a compare-and-set that
only one run can win, and a partial unique index allows one current classification per
mention.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, tuple_, update
from sqlalchemy.orm import Session

from common.records import Author, Classification, Mention
from common.text import fold
from storage.dialect import insert, lock_ids
from storage.handles import handles_for
from storage.merge_suggestions import suggest_same_person
from storage.models import ClassificationRow, Handle, MentionRow
from storage.tombstones import erased_among

# The same text from two people on two platforms within this window may be one person.
_CROSS_POST_WINDOW = timedelta(days=3)
_MIN_CROSS_POST_CHARS = 20


def text_hash(text: str) -> str:
    """A hash of the folded text, for spotting cross-posts."""
    normalised = " ".join(fold(text).split())
    return hashlib.sha256(normalised.encode("utf-8", "replace")).hexdigest()


@dataclass(frozen=True, slots=True)
class PendingMention:
    """A stored mention claimed for classification."""

    id: int
    brand: str
    text: str
    title: str | None


@dataclass(frozen=True, slots=True)
class Saved:
    """What :func:`save_page` did with a page: the new rows' ids, in input order, and how
    many posts it left out because `simak forget` erased them (see
    :mod:`storage.tombstones`)."""

    ids: list[int]
    erased: int = 0


def save_mentions(session: Session, mentions: Sequence[Mention], now: datetime) -> list[int]:
    """Insert mentions not seen (nor erased) before; return the ids of the new rows."""
    return save_page(session, mentions, now).ids


def save_page(session: Session, mentions: Sequence[Mention], now: datetime) -> Saved:
    """Insert mentions not seen before and not erased by `simak forget`.

    A mention already stored under the same (platform, external_id) — by this run or an
    overlapping one — is skipped, so re-running a poll never duplicates anything; one
    erased before is skipped and counted (its author is not looked up, so not recreated).
    One page is stored in a few statements, not a few per mention.
    """
    mentions = [_storable(m) for m in mentions]
    unique = list({(m.platform, m.external_id): m for m in reversed(mentions)}.values())[::-1]
    stored = _stored_keys(session, [(m.platform, m.external_id) for m in unique])
    unseen = [m for m in unique if (m.platform, m.external_id) not in stored]
    # After the read above, not before: see erased_among.
    erased = erased_among(session, [(m.platform, m.external_id) for m in unseen])
    fresh = [m for m in unseen if (m.platform, m.external_id) not in erased]
    if not fresh:
        return Saved([], len(erased))
    owners = handles_for(session, [m.author for m in fresh], now)
    rows = [_mention_values(m, *owners.get(m.author.key, (None, None)), now) for m in fresh]
    inserted = session.execute(
        insert(session, MentionRow)
        .on_conflict_do_nothing(index_elements=["platform", "external_id"])
        .returning(MentionRow.id, MentionRow.platform, MentionRow.external_id),
        rows,
    ).all()
    id_of = {(r.platform, r.external_id): r.id for r in inserted}
    new = [
        (m, id_of[(m.platform, m.external_id)])
        for m in fresh
        if (m.platform, m.external_id) in id_of
    ]
    _follow_merges(session, [row_id for _, row_id in new])
    _check_cross_posts(session, new, owners, now)
    return Saved([row_id for _, row_id in new], len(erased))


def _follow_merges(session: Session, ids: list[int]) -> None:
    """New posts whose handle a merge gave to another person while this page was stored
    go with it (PostgreSQL; SQLite has one writer). The merge row-locks the merged person
    first, so the insert (its foreign key) waited for the merge's commit, and this next
    statement reads the handle's owner as committed; a merge that locks the person after
    the insert waits for this run's commit, then moves these posts itself."""
    owner = select(Handle.person_id).where(Handle.id == MentionRow.handle_id).scalar_subquery()
    for start in range(0, len(ids), 500):
        session.execute(
            update(MentionRow)
            .where(
                MentionRow.id.in_(ids[start : start + 500]),
                MentionRow.handle_id.is_not(None),
                MentionRow.person_id.is_distinct_from(owner),
            )
            .values(person_id=owner)
            .execution_options(synchronize_session=False)
        )


#: What no database text column holds: NUL (PostgreSQL) and lone UTF-16 surrogates
#: (a valid JSON escape such as "\\ud83d" from an emoji cut in half; not encodable in UTF-8).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _clean(value: str | None) -> str | None:
    return _UNSTORABLE.sub("\ufffd", value) if value else value


def _changes(record: Mention | Author) -> dict[str, Any]:
    """The text fields of ``record`` that need cleaning, cleaned (each scanned once)."""
    out: dict[str, Any] = {}
    for field in dataclasses.fields(record):
        value = getattr(record, field.name)
        if isinstance(value, str) and (cleaned := _clean(value)) != value:
            out[field.name] = cleaned
    return out


def _storable(mention: Mention) -> Mention:
    """``mention`` with U+FFFD for every character a database cannot store."""
    changes = _changes(mention)
    if author := _changes(mention.author):
        changes["author"] = dataclasses.replace(mention.author, **author)
    return dataclasses.replace(mention, **changes) if changes else mention


def _stored_keys(session: Session, keys: list[tuple[str, str]]) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for start in range(0, len(keys), 400):
        chunk = keys[start : start + 400]
        rows = session.execute(
            select(MentionRow.platform, MentionRow.external_id).where(
                tuple_(MentionRow.platform, MentionRow.external_id).in_(chunk)
            )
        ).all()
        found.update((r.platform, r.external_id) for r in rows)
    return found


def _mention_values(
    mention: Mention, handle_id: int | None, person_id: int | None, now: datetime
) -> dict[str, object]:
    return {
        "platform": mention.platform,
        "external_id": mention.external_id,
        "source": mention.source,
        "brand": mention.brand,
        "person_id": person_id,
        "handle_id": handle_id,
        "author_handle": mention.author.handle,
        "author_name": mention.author.display_name,
        "title": mention.title,
        "text": mention.text,
        "text_hash": text_hash(mention.text),
        "lang": mention.lang_hint,
        "url": mention.url,
        "created_at": mention.created_at,
        "fetched_at": now,
        "raw_json": mention.raw_json,
        "status": "new",
    }


def _check_cross_posts(
    session: Session,
    new: list[tuple[Mention, int]],
    owners: dict[str, tuple[int | None, int | None]],
    now: datetime,
) -> None:
    """Only texts seen before on another platform need a closer look (one query per
    page): a cross-post is the same words on a *different* platform, so a text stored on
    one platform only (however often) has none."""
    long_enough = [(m, i) for m, i in new if len(m.text) >= _MIN_CROSS_POST_CHARS]
    hashes = {text_hash(m.text) for m, _ in long_enough}
    if not hashes:
        return
    repeated = {
        h
        for (h,) in session.execute(
            select(MentionRow.text_hash)
            .where(MentionRow.text_hash.in_(hashes))
            .group_by(MentionRow.text_hash)
            .having(func.count(func.distinct(MentionRow.platform)) > 1)
        ).all()
    }
    for mention, row_id in long_enough:
        if text_hash(mention.text) in repeated:
            person_id = owners.get(mention.author.key, (None, None))[1]
            _check_cross_post(session, row_id, mention, person_id, now)


def _check_cross_post(
    session: Session, row_id: int, mention: Mention, person_id: int | None, now: datetime
) -> None:
    """The same words on another platform: a duplicate of the same person's post, or —
    from someone else — a suggestion for staff that the two may be one person."""
    if len(mention.text) < _MIN_CROSS_POST_CHARS:
        return
    window = (
        MentionRow.created_at >= mention.created_at - _CROSS_POST_WINDOW,
        MentionRow.created_at <= mention.created_at + _CROSS_POST_WINDOW,
    )
    others = session.execute(
        select(MentionRow.id, MentionRow.person_id)
        .where(
            MentionRow.text_hash == text_hash(mention.text),
            MentionRow.platform != mention.platform,
            MentionRow.id != row_id,
            *window,
        )
        .order_by(MentionRow.id)
        .limit(3)
    ).all()
    if not others:
        return
    same = [o for o in others if person_id is not None and o.person_id == person_id]
    if same:
        session.execute(
            update(MentionRow)
            .where(MentionRow.id == row_id)
            .values(status="duplicate", duplicate_of_id=same[0].id)
        )
        return
    people = {o.person_id for o in others if o.person_id is not None}
    # Copypasta (many people, same words) is not one person: suggest only a single match.
    if person_id is not None and len(people) == 1:
        suggest_same_person(
            session, person_id, people.pop(), "the same words on two platforms", now
        )


def claim_holders(session: Session) -> list[str]:
    """Runs holding classification claims now (to check which of them died)."""
    return list(
        session.scalars(
            select(MentionRow.claimed_by)
            .where(MentionRow.status == "new", MentionRow.claimed_by.is_not(None))
            .distinct()
        )
    )


def claim_pending(
    session: Session,
    holder: str,
    now: datetime,
    ttl: timedelta,
    limit: int,
    dead: Collection[str] = (),
) -> list[PendingMention]:
    """Claim up to ``limit`` unclassified mentions for ``holder`` until ``now + ttl``.

    A claim left by a killed run is taken over once it expires, or at once when its
    holder is in ``dead``; two runs never get the same rows while a claim is live.
    """
    free = and_(
        MentionRow.status == "new",
        or_(
            MentionRow.claim_expires_at.is_(None),
            MentionRow.claim_expires_at < now,
            MentionRow.claimed_by.in_(tuple(dead)),
        ),
    )
    ids = lock_ids(session, select(MentionRow.id).where(free).order_by(MentionRow.id).limit(limit))
    if not ids:
        return []
    rows = session.execute(
        update(MentionRow)
        .where(MentionRow.id.in_(ids), free)
        .values(claimed_by=holder, claim_expires_at=now + ttl)
        .returning(MentionRow.id, MentionRow.brand, MentionRow.text, MentionRow.title)
        .execution_options(synchronize_session=False)
    ).all()
    return sorted(
        (PendingMention(id=r.id, brand=r.brand, text=r.text, title=r.title) for r in rows),
        key=lambda m: m.id,
    )


def release_claims(session: Session, holder: str, ids: Collection[int]) -> None:
    """Give back ``holder``'s claims on ``ids`` that are still unclassified (its batch
    failed), so the next run classifies them now rather than when the claims expire."""
    session.execute(
        update(MentionRow)
        .where(
            MentionRow.id.in_(sorted(ids)),
            MentionRow.status == "new",
            MentionRow.claimed_by == holder,
        )
        .values(claimed_by=None, claim_expires_at=None)
        .execution_options(synchronize_session=False)
    )


def finish_claims(
    session: Session,
    holder: str,
    verdicts: Sequence[tuple[int, Classification]],
    now: datetime,
) -> list[int]:
    """Store the verdicts whose claims ``holder`` still owns; returns those mention ids
    (a claim that expired was taken over, and that run stores its own verdict)."""
    ids = [mention_id for mention_id, _ in verdicts]
    if not ids:
        return []
    won = set(
        session.scalars(
            update(MentionRow)
            .where(
                MentionRow.id.in_(ids),
                MentionRow.status == "new",
                MentionRow.claimed_by == holder,
            )
            .values(status="classified", claimed_by=None, claim_expires_at=None)
            .returning(MentionRow.id)
            .execution_options(synchronize_session=False)
        )
    )
    kept = [(i, r) for i, r in verdicts if i in won]
    if not kept:
        return []
    session.execute(
        update(MentionRow).execution_options(synchronize_session=False),
        [{"id": i, "lang": r.lang} for i, r in kept],
    )
    session.execute(
        update(ClassificationRow)
        .where(ClassificationRow.mention_id.in_(won), ClassificationRow.is_current)
        .values(is_current=False)
    )
    session.execute(
        insert(session, ClassificationRow), [_classification_values(i, r, now) for i, r in kept]
    )
    return [i for i, _ in kept]


def _classification_values(
    mention_id: int, result: Classification, now: datetime, corrected_by: str | None = None
) -> dict[str, object]:
    return {
        "mention_id": mention_id,
        "labels": list(result.labels),
        "praise": result.scores["praise"],
        "complaint": result.scores["complaint"],
        "idea": result.scores["idea"],
        "lang": result.lang,
        "model": result.model,
        "severity": result.severity,
        "severity_reason": result.severity_reason,
        "severity_score": result.severity_score,
        "created_at": now,
        "corrected_by": corrected_by,
        "is_current": True,
    }


def save_classification(
    session: Session,
    mention_id: int,
    result: Classification,
    now: datetime,
    *,
    corrected_by: str | None = None,
) -> None:
    """Store ``result`` as the current classification of a mention (the previous one is
    kept as history); the partial unique index refuses two current ones."""
    session.execute(
        update(ClassificationRow)
        .where(ClassificationRow.mention_id == mention_id, ClassificationRow.is_current)
        .values(is_current=False)
    )
    session.execute(
        insert(session, ClassificationRow),
        [_classification_values(mention_id, result, now, corrected_by)],
    )


def set_status(session: Session, mention_id: int, status: str) -> None:
    """Move a mention to ``status`` (classified, routed, filtered, duplicate)."""
    set_statuses(session, [mention_id], status)


def set_statuses(session: Session, mention_ids: Sequence[int], status: str) -> None:
    """Move many mentions to ``status`` in one statement."""
    if mention_ids:
        session.execute(
            update(MentionRow)
            .where(MentionRow.id.in_(mention_ids))
            .values(status=status)
            .execution_options(synchronize_session=False)
        )


def count_pending(session: Session) -> int:
    """How many mentions wait to be classified."""
    return int(
        session.scalar(
            select(func.count()).select_from(MentionRow).where(MentionRow.status == "new")
        )
        or 0
    )


def has_pending(session: Session) -> bool:
    """True when any mention waits to be classified (one index probe, not a count)."""
    stmt = select(MentionRow.id).where(MentionRow.status == "new").limit(1)
    return session.scalar(stmt) is not None
