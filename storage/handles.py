"""Handles and the people behind them: every author of a stored post gets its handle (one
identity on one platform) and the person it belongs to, found or created. The same email
on two platforms links automatically; anything weaker (the same words on two platforms)
only becomes a suggestion (:mod:`storage.merge_suggestions`) that staff confirm or reject.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, select, tuple_, update
from sqlalchemy import insert as sa_insert
from sqlalchemy.orm import Session

from common.records import Author
from storage.dialect import advisory_lock, insert
from storage.models import Handle, Person
from storage.textfold import SEPARATOR, fold, lower, lowered, search_key

_REFRESHED = ("handle", "display_name", "profile_url", "email", "lang")


def handles_for(
    session: Session, authors: Sequence[Author], now: datetime
) -> dict[str, tuple[int | None, int | None]]:
    """``author.key`` → (handle id, person id) for every author, creating the new ones.

    Known handles are looked up in one query per page (and refreshed only when a field
    changed); only authors seen for the first time cost statements of their own.
    """
    by_key = {a.key: a for a in authors if a.key.partition(":")[2]}
    pairs = [(a.platform, a.key.partition(":")[2]) for a in by_key.values()]
    known: dict[tuple[str, str], Handle] = {}
    for start in range(0, len(pairs), 400):
        # Their people are key-share locked (PostgreSQL; SQLite has one writer), in id
        # order: a forget or merge in flight (it locks the person first) is waited for, and
        # a forgotten person's handle is then left out (seen anew); a forget or merge that
        # comes later waits for this page's commit, then takes its posts too.
        rows = session.scalars(
            select(Handle)
            .join(Person, Person.id == Handle.person_id)
            .where(tuple_(Handle.platform, Handle.key).in_(pairs[start : start + 400]))
            .order_by(Person.id)
            .with_for_update(key_share=True, read=True, of=Person)
        )
        known.update(((h.platform, h.key), h) for h in rows)
    out: dict[str, tuple[int | None, int | None]] = {}
    first_seen: list[Author] = []
    # Runs take a page's email locks, and write its rows, in one global (sorted) order: two
    # polls meeting the same new people wait for each other, never in a cycle (deadlock).
    new = [a for k, a in by_key.items() if (a.platform, k.partition(":")[2]) not in known]
    for email in sorted({email_key(a.email) for a in new if a.email and "@" in a.email}):
        advisory_lock(session, f"simak-email:{email}")
    for key, author in sorted(by_key.items()):
        handle = known.get((author.platform, key.partition(":")[2]))
        if handle is not None:
            _refresh(session, handle, author)
            out[key] = (handle.id, handle.person_id)
        elif author.email:  # may link to a known person by email: under its own lock
            out[key] = handle_for(session, author, now)
        else:
            first_seen.append(author)
    out.update(_create_handles(session, first_seen, now))
    return out


def _create_handles(
    session: Session, authors: Sequence[Author], now: datetime
) -> dict[str, tuple[int | None, int | None]]:
    """People and handles for authors seen for the first time (no email to link by), in a
    few statements per page. A handle an overlapping run created first wins (the insert
    does nothing on conflict): ours is dropped with its spare person, theirs is used."""
    if not authors:
        return {}
    person_ids = list(
        session.scalars(
            sa_insert(Person).returning(Person.id, sort_by_parameter_order=True),
            [_person_row(a.display_name or a.handle, now) for a in authors],
        )
    )
    rows = [
        {
            "person_id": person_id,
            "platform": a.platform,
            "key": a.key.partition(":")[2],
            **_handle_values(a),
        }
        for a, person_id in zip(authors, person_ids, strict=True)
    ]
    inserted = session.execute(
        insert(session, Handle)
        .on_conflict_do_nothing(index_elements=["platform", "key"])
        .returning(Handle.id, Handle.platform, Handle.key, Handle.person_id),
        rows,
    ).all()
    ours = {(r.platform, r.key): (r.id, r.person_id) for r in inserted}
    out: dict[str, tuple[int | None, int | None]] = {}
    spare: list[int] = []
    for author, person_id in zip(authors, person_ids, strict=True):
        pair = (author.platform, author.key.partition(":")[2])
        if pair in ours:
            out[author.key] = ours[pair]
            continue
        spare.append(person_id)
        row = session.execute(
            select(Handle.id, Handle.person_id).where(
                Handle.platform == pair[0], Handle.key == pair[1]
            )
        ).one()
        out[author.key] = (row.id, row.person_id)
    if spare:
        session.execute(delete(Person).where(Person.id.in_(spare)))
    return out


def handle_for(session: Session, author: Author, now: datetime) -> tuple[int | None, int | None]:
    """The (handle id, person id) of ``author``, creating both when first seen."""
    key = author.key.partition(":")[2]
    if not key:
        return None, None
    found = session.scalar(
        select(Handle).where(Handle.platform == author.platform, Handle.key == key)
    )
    if found is not None:
        _refresh(session, found, author)
        return found.id, found.person_id
    person_id = _person_by_email(session, author.email)
    created = person_id is None
    if person_id is None:
        person = Person(
            display_name=author.display_name or author.handle, email=author.email, created_at=now
        )
        session.add(person)
        session.flush()
        person_id = person.id
    values = _handle_values(author)
    handle_id = session.execute(
        insert(session, Handle)
        .values(person_id=person_id, platform=author.platform, key=key, **values)
        .on_conflict_do_nothing(index_elements=["platform", "key"])
        .returning(Handle.id)
    ).scalar_one_or_none()
    if handle_id is not None:
        return handle_id, person_id
    # An overlapping run created the handle first: use theirs, drop our spare person.
    if created:
        session.execute(delete(Person).where(Person.id == person_id))
    row = session.execute(
        select(Handle.id, Handle.person_id).where(
            Handle.platform == author.platform, Handle.key == key
        )
    ).one()
    return row.id, row.person_id


def _person_row(name: str | None, now: datetime) -> dict[str, object]:
    """A new person's columns (a bulk insert bypasses the model's search key event)."""
    return {"display_name": name, "created_at": now, "search_key": search_key(name)}


def _handle_values(author: Author) -> dict[str, str | None]:
    """A new handle's columns from ``author``, its search key included."""
    values: dict[str, str | None] = {n: getattr(author, n) for n in (*_REFRESHED, "user_id")}
    values["search_key"] = search_key(author.handle, author.display_name, author.email)
    return values


def _person_by_email(session: Session, email: str | None) -> int | None:
    # The same email on two platforms is one customer: their history follows them.
    if not email or "@" not in email:
        return None
    # Two runs meeting one new email at once must agree on one person.
    key = email_key(email)
    advisory_lock(session, f"simak-email:{key}")
    # SQLite's lower() folds only A-Z: a non-ASCII address is lowered as PostgreSQL does
    # (a Python function on SQLite, so only then: ASCII, the usual, keeps the quick one).
    stored = func.lower(Person.email) if key.isascii() else lowered(Person.email)
    return session.scalar(
        select(Person.id)
        .where(stored == key, Person.merged_into_id.is_(None))
        .order_by(Person.id)
        .limit(1)
    )


def email_key(email: str) -> str:
    """How email addresses compare: one address in any letter case is one customer."""
    return lower(email.strip())


def _refresh(session: Session, handle: Handle, author: Author) -> None:
    new_email = bool(author.email) and handle.email != author.email
    for attr in _REFRESHED:
        value = getattr(author, attr)
        if value and getattr(handle, attr) != value:
            setattr(handle, attr, value)
    if new_email and author.email:
        _give_email(session, handle.person_id, author.email)


def _give_email(session: Session, person_id: int, email: str) -> None:
    """The person's address, if they had none (compare-and-set), and in their search key
    where search_key(display_name, email) puts it: last."""
    added = fold(email)
    key = func.coalesce(Person.search_key + SEPARATOR, "") + added if added else Person.search_key
    session.execute(
        update(Person)
        .where(Person.id == person_id, Person.email.is_(None))
        .values(email=email, search_key=key)
    )
