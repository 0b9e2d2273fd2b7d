"""Console users and failed sign-ins, as typed rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from common.errors import UsageError
from storage.dialect import insert
from storage.models import USER_ROLES, LoginAttempt, RevokedSession, User


@dataclass(frozen=True, slots=True)
class UserRecord:
    """One console user (never the password hash outside storage's callers)."""

    id: int
    name: str
    role: str
    disabled: bool
    created_at: datetime


def _record(user: User) -> UserRecord:
    return UserRecord(user.id, user.name, user.role, user.disabled, user.created_at)


def add_user(session: Session, name: str, role: str, password_hash: str, now: datetime) -> int:
    """Create a user; a taken name is a usage error."""
    if role not in USER_ROLES:
        raise UsageError(f"unknown role {role!r}; use one of {', '.join(USER_ROLES)}")
    user = User(name=name, role=role, password_hash=password_hash, disabled=False, created_at=now)
    try:
        with session.begin_nested():
            session.add(user)
            session.flush()
    except IntegrityError:
        raise UsageError(f"user {name!r} exists already; pick another name") from None
    return user.id


def list_users(session: Session) -> list[UserRecord]:
    """Every user, by name."""
    return [_record(u) for u in session.scalars(select(User).order_by(User.name))]


def user_with_hash(session: Session, name: str) -> tuple[UserRecord, str] | None:
    """The user called ``name`` and the stored hash, or None."""
    user = session.scalar(select(User).where(User.name == name))
    return None if user is None else (_record(user), user.password_hash)


def user_by_id(session: Session, user_id: int) -> UserRecord | None:
    """The user with ``user_id``, or None."""
    user = session.get(User, user_id)
    return None if user is None else _record(user)


def set_disabled(session: Session, name: str, disabled: bool) -> None:
    """Disable (or enable) a user; an unknown name is a usage error."""
    result = session.execute(update(User).where(User.name == name).values(disabled=disabled))
    if not getattr(result, "rowcount", 0):
        raise UsageError(f"no user named {name!r}; see `simak users list`")


def add_failure(session: Session, name: str, address: str, now: datetime) -> int:
    """Count one sign-in attempt as failed (until :func:`forget_failure`); returns its id."""
    attempt = LoginAttempt(name=name[:64], address=address[:64], at=now)
    session.add(attempt)
    session.flush()
    return attempt.id


def forget_failure(session: Session, attempt_id: int) -> None:
    """The attempt succeeded: it no longer counts against the account."""
    session.execute(delete(LoginAttempt).where(LoginAttempt.id == attempt_id))


def failures_since(
    session: Session, since: datetime, *, name: str, address: str
) -> tuple[int, int]:
    """Failed sign-ins since ``since``: for the account, and from the address."""
    by_name = session.scalar(
        select(func.count()).where(LoginAttempt.name == name[:64], LoginAttempt.at >= since)
    )
    by_address = session.scalar(
        select(func.count()).where(LoginAttempt.address == address[:64], LoginAttempt.at >= since)
    )
    return int(by_name or 0), int(by_address or 0)


def revoke_session(session: Session, sid: str, expires_at: datetime, now: datetime) -> None:
    """Sign a session out for good (its cookie no longer signs anyone in); forgets the
    revocations of sessions that have expired by now anyway."""
    session.execute(delete(RevokedSession).where(RevokedSession.expires_at < now))
    session.execute(
        insert(session, RevokedSession).on_conflict_do_nothing(),
        [{"sid": sid[:64], "expires_at": expires_at}],
    )


def is_revoked(session: Session, sid: str) -> bool:
    """Whether the session ``sid`` was signed out."""
    return session.get(RevokedSession, sid[:64]) is not None
