"""Leases: a named piece of work (a source's poll, a send) held by one run until it expires.

Taking a lease is one atomic upsert: it succeeds when nobody holds the name or the
holder's lease has expired (a killed run's lease is taken over once it runs out).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from storage.dialect import insert
from storage.models import Lease


@dataclass(frozen=True, slots=True)
class LeaseInfo:
    """Who holds a lease and until when."""

    name: str
    holder: str
    expires_at: datetime


def acquire(
    session: Session,
    name: str,
    holder: str,
    now: datetime,
    ttl: timedelta,
    dead: Collection[str] = (),
) -> bool:
    """Take ``name`` for ``holder`` until ``now + ttl``; False when someone else holds it.

    A lease whose holder is in ``dead`` (a process known to have exited) is free.
    """
    stmt = insert(session, Lease).values(
        name=name, holder=holder, acquired_at=now, expires_at=now + ttl
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[Lease.name],
        set_={"holder": holder, "acquired_at": now, "expires_at": now + ttl},
        where=or_(Lease.expires_at < now, Lease.holder == holder, Lease.holder.in_(tuple(dead))),
    ).returning(Lease.holder)
    return session.execute(stmt).scalar_one_or_none() == holder


def renew(session: Session, name: str, holder: str, now: datetime, ttl: timedelta) -> bool:
    """Extend a lease ``holder`` still holds; False when it was lost (expired and taken)."""
    result = session.execute(
        update(Lease)
        .where(Lease.name == name, Lease.holder == holder)
        .values(expires_at=now + ttl)
        .returning(Lease.name)
    )
    return result.scalar_one_or_none() is not None


def release(session: Session, name: str, holder: str) -> None:
    """Give ``name`` back (only if ``holder`` still holds it)."""
    session.execute(delete(Lease).where(Lease.name == name, Lease.holder == holder))


def holders(session: Session, names: Collection[str]) -> list[str]:
    """Who holds any of ``names`` now (expired or not)."""
    return list(session.scalars(select(Lease.holder).where(Lease.name.in_(tuple(names)))))


def held(session: Session, prefix: str, now: datetime) -> list[LeaseInfo]:
    """Unexpired leases whose name starts with ``prefix``."""
    rows = session.scalars(
        select(Lease).where(Lease.name.startswith(prefix), Lease.expires_at >= now)
    )
    return [LeaseInfo(r.name, r.holder, r.expires_at) for r in rows]
