"""Statements that need the database's own dialect: upserts and skip-locked claims."""

from __future__ import annotations

import zlib
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def insert(session: Session, table: Any) -> Any:
    """An ``INSERT`` that supports ``on_conflict_do_nothing/update`` on this database."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def advisory_lock(session: Session, name: str, *, shared: bool = False) -> None:
    """Serialise, for the rest of this transaction, every transaction locking ``name``
    (``shared``: only against those locking it exclusively; shared holders run together).

    PostgreSQL takes a transaction-level advisory lock; SQLite needs nothing, its writing
    transactions already run one at a time.
    """
    if session.get_bind().dialect.name == "postgresql":
        lock = func.pg_advisory_xact_lock_shared if shared else func.pg_advisory_xact_lock
        session.execute(select(lock(_key(name))))


def try_advisory_lock(session: Session, name: str, *, shared: bool = False) -> bool:
    """:func:`advisory_lock` without waiting: False (nothing taken) when another
    transaction holds ``name`` in a conflicting mode, or waits for it. SQLite: True."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    lock = func.pg_try_advisory_xact_lock_shared if shared else func.pg_try_advisory_xact_lock
    return bool(session.scalar(select(lock(_key(name)))))


def _key(name: str) -> int:
    return zlib.crc32(name.encode("utf-8", "replace")) & 0x7FFFFFFF


def lock_ids(session: Session, query: Select[Any]) -> list[Any]:
    """Run ``query`` (selecting ids) and lock the rows it returns for this transaction,
    skipping rows another transaction holds (``FOR UPDATE SKIP LOCKED`` on PostgreSQL).

    The caller then updates exactly these ids with its compare-and-set conditions. (An
    ``UPDATE … WHERE id IN (SELECT … LIMIT n FOR UPDATE SKIP LOCKED)`` may run the
    subquery more than once on PostgreSQL and update more than ``n`` rows.) SQLite has one
    writer at a time — every writing transaction is ``BEGIN IMMEDIATE`` — so the select
    and the update cannot interleave with another run there.
    """
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list(session.scalars(query))
