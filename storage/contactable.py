"""Who may be contacted: "do not contact" marks, read across people merged into one human.

A mark on anyone merged with a person counts for all of them. :func:`may_contact` is the
condition every compare-and-set that leads to a message carries (approving, claiming a
send), so a mark set by staff wins over anything read before it.

Once a mark commits, no approval or send claim for anyone one human with that person
commits. On PostgreSQL (READ COMMITTED) a compare-and-set reads the marks committed when
its statement began, so a mark committed while an approval's transaction was still open
would be missed: marks and merges (which can make someone one human with a marked person)
take :func:`contact_lock` exclusively, first in their transaction; approvals and send
claims take it shared (they do not wait for each other) before their compare-and-set.
Either the mark commits first and the compare-and-set sees it, or the approval or claim
commits first and the mark waits for it. A transaction that already holds other locks
only tries it (:func:`try_contact_lock`), so nobody waits for it in a cycle. SQLite runs
one writing transaction at a time: nothing to take.
"""

from __future__ import annotations

from typing import Any, Final

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import Session, aliased

from storage.dialect import advisory_lock, try_advisory_lock
from storage.models import FollowUp, Person

_CONTACT_LOCK: Final = "simak-contact"


def contact_lock(session: Session, *, exclusive: bool = False) -> None:
    """Take the "who may be contacted" lock for this transaction, waiting for it:
    ``exclusive`` to change who may be contacted (a mark, a merge), else shared (an
    approval, a send claim). Take it before any row lock (see the module's text)."""
    advisory_lock(session, _CONTACT_LOCK, shared=not exclusive)


def try_contact_lock(session: Session) -> bool:
    """:func:`contact_lock` shared, without waiting: False while a mark or merge is in
    flight (then approve nothing now)."""
    return try_advisory_lock(session, _CONTACT_LOCK, shared=True)


def root_person(session: Session, person_id: int) -> int:
    """The person ``person_id`` was (transitively) merged into; itself when not merged (a
    cycle stops where it would repeat)."""
    seen = {person_id}
    while (up := session.scalar(select(Person.merged_into_id).where(Person.id == person_id))) and (
        up not in seen
    ):
        person_id = up
        seen.add(up)
    return person_id


def merged_with(session: Session, person_id: int) -> list[int]:
    """Everyone who is one person with ``person_id`` through live merges: the person it was
    merged into (up the chain) and everyone merged into that one, ``person_id`` included."""
    root = root_person(session, person_id)
    group, frontier = {root}, [root]
    while frontier:
        frontier = [
            pid
            for pid in session.scalars(select(Person.id).where(Person.merged_into_id.in_(frontier)))
            if pid not in group
        ]
        group.update(frontier)
    return sorted(group)


def blocked(session: Session, person_id: int | None) -> str | None:
    """Why a person must not be contacted (None when they may be). A mark on anyone merged
    with them counts: merged people are one human, whichever of them asked."""
    if person_id is None:
        return None
    row = session.execute(
        select(Person.id, Person.do_not_contact_reason)
        .where(
            Person.id.in_(merged_with(session, person_id)), Person.do_not_contact_at.is_not(None)
        )
        .order_by(Person.id != person_id, Person.id)
        .limit(1)
    ).one_or_none()
    if row is None:
        return None
    why = f"do not contact: {row.do_not_contact_reason or 'set by staff'}"
    return why if row.id == person_id else f"{why} (person {row.id}, merged with {person_id})"


def do_not_contact_group() -> Select[Any]:
    """The ids of everyone who must not be contacted, as one query (for a compare-and-set's
    ``WHERE``): each person marked "do not contact" and everyone one human with them
    through live merges — whom they were merged into, up the chain, and everyone merged
    into those (what :func:`blocked` reads for one person, for all at once)."""
    marked = aliased(Person)
    up = (
        select(marked.id, marked.merged_into_id)
        .where(marked.do_not_contact_at.is_not(None))
        .cte("dnc_up", recursive=True)
    )
    parent = aliased(Person)
    up = up.union(
        select(parent.id, parent.merged_into_id).join(up, parent.id == up.c.merged_into_id)
    )
    down = select(up.c.id).cte("dnc_group", recursive=True)
    child = aliased(Person)
    down = down.union(select(child.id).join(down, child.merged_into_id == down.c.id))
    return select(down.c.id)


def may_contact() -> ColumnElement[bool]:
    """The follow-up's person may be contacted: nobody one human with them is marked "do
    not contact" (see :func:`do_not_contact_group`); a follow-up without a person may."""
    return FollowUp.person_id.is_(None) | FollowUp.person_id.not_in(do_not_contact_group())
