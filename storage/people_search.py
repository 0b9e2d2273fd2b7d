"""Finding a person by what a request names them with: a handle, a name, an email address,
a platform user id or a Simak id (an erasure request, a customer on the phone)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from common.errors import NotFound
from storage.models import Handle, MentionRow, Person
from storage.textfold import key_contains

#: How many people one search lists at most by default.
DEFAULT_LIMIT = 20


def no_such_person(person_id: int) -> NotFound:
    """The error for a person id that is not in the database, with how to find the id."""
    return NotFound(
        f"person {person_id} does not exist; find them with `simak people find NAME_OR_HANDLE`"
    )


@dataclass(frozen=True, slots=True)
class PersonMatch:
    """One person a search found (merged people are found as the person they joined)."""

    id: int
    name: str | None
    email: str | None
    handles: tuple[str, ...]  # "platform:@handle" (or the platform's user id)
    mentions: int
    last_seen_at: datetime | None
    do_not_contact: bool


def _matching(query: str) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """Conditions on handles and on people for ``query``: a substring of a handle, name or
    address, with case, accents and the like ignored alike on both databases (their
    stored search keys: :mod:`storage.textfold`); a leading @ is ignored; ids and platform
    user ids match whole."""
    bare = query.strip().lstrip("@").strip()
    on_handles = or_(key_contains(Handle.search_key, bare), Handle.user_id == bare)
    on_people = or_(
        key_contains(Person.search_key, bare),
        Person.id == (int(bare) if bare.isdigit() and len(bare) <= 18 else -1),
    )
    return on_handles, on_people


def _root(session: Session, person_id: int) -> int:
    """The person ``person_id`` was merged into, followed to the end (itself if none)."""
    seen = {person_id}
    current = person_id
    while True:
        parent = session.scalar(select(Person.merged_into_id).where(Person.id == current))
        if parent is None or parent in seen:
            return current
        seen.add(parent)
        current = parent


def find_people(session: Session, query: str, limit: int = DEFAULT_LIMIT) -> list[PersonMatch]:
    """People whose handle, name, email, platform user id or id matches ``query``, the
    most recently heard from first; an empty query finds no one."""
    if not query.strip().lstrip("@").strip():
        return []
    on_handles, on_people = _matching(query)
    ids = set(session.scalars(select(Handle.person_id).where(on_handles).limit(limit * 5)))
    ids |= set(session.scalars(select(Person.id).where(on_people).limit(limit * 5)))
    roots = {_root(session, pid) for pid in ids}
    found = [_match(session, pid) for pid in roots]
    found.sort(key=lambda m: -m.last_seen_at.timestamp() if m.last_seen_at else float("inf"))
    return found[:limit]


def _match(session: Session, person_id: int) -> PersonMatch:
    person = session.get(Person, person_id)
    assert person is not None
    handles = session.scalars(
        select(Handle).where(Handle.person_id == person_id).order_by(Handle.id)
    ).all()
    count, last = session.execute(
        select(func.count(MentionRow.id), func.max(MentionRow.created_at)).where(
            MentionRow.person_id == person_id
        )
    ).one()
    return PersonMatch(
        id=person.id,
        name=person.display_name,
        email=person.email or next((h.email for h in handles if h.email), None),
        handles=tuple(_label(h) for h in handles),
        mentions=int(count or 0),
        last_seen_at=last,
        do_not_contact=person.do_not_contact_at is not None,
    )


def _label(handle: Handle) -> str:
    who = f"@{handle.handle}" if handle.handle else (handle.user_id or handle.email or "?")
    return f"{handle.platform}:{who}"
