"""Console users and failed sign-ins, as typed rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, delete, false, func, not_, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

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
    last_login_at: datetime | None = None
    #: The user's session epoch: a session issued with another one no longer signs in.
    epoch: int = 0


def _record(user: User) -> UserRecord:
    return UserRecord(
        user.id,
        user.name,
        user.role,
        user.disabled,
        user.created_at,
        user.last_login_at,
        user.session_epoch,
    )


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


def user_by_name(session: Session, name: str) -> UserRecord | None:
    """The user called ``name``, or None."""
    user = session.scalar(select(User).where(User.name == name))
    return None if user is None else _record(user)


def lock_admins(session: Session) -> None:
    """Row-lock every enabled admin, in id order (``FOR UPDATE`` on PostgreSQL; SQLite has
    one writer), before a change that may take one away: two such changes at once (two
    admins demoting each other) then run one after the other, and the second one's
    :func:`change_user` counts the admins the first one left."""
    session.execute(
        select(User.id)
        .where(User.role == "admin", User.disabled == false())
        .order_by(User.id)
        .with_for_update()
    ).all()


def _keeps_an_admin() -> ColumnElement[bool]:
    """The row is no enabled admin, or another enabled admin remains (read by the UPDATE
    itself, so the check and the write are one statement)."""
    other = aliased(User)
    others = (
        select(func.count())
        .where(other.role == "admin", other.disabled == false(), other.id != User.id)
        .scalar_subquery()
    )
    is_enabled_admin = and_(User.role == "admin", User.disabled == false())
    return or_(not_(is_enabled_admin), others >= 1)


def change_user(
    session: Session,
    user_id: int,
    *,
    role: str | None = None,
    disabled: bool | None = None,
    password_hash: str | None = None,
    end_sessions: bool = True,
) -> bool:
    """Change a user's role, disabled flag or password in one conditional UPDATE, and (by
    default) end their open sessions. A change that leaves no enabled admin (the last one
    disabled or given another role) updates nothing: returns False. Call
    :func:`lock_admins` first in the same transaction."""
    if role is not None and role not in USER_ROLES:
        raise UsageError(f"unknown role {role!r}; use one of {', '.join(USER_ROLES)}")
    values: dict[str, object] = {}
    if role is not None:
        values["role"] = role
    if disabled is not None:
        values["disabled"] = disabled
    if password_hash is not None:
        values["password_hash"] = password_hash
    if end_sessions:
        values["session_epoch"] = User.session_epoch + 1
    query = update(User).where(User.id == user_id)
    if role not in (None, "admin") or disabled:
        query = query.where(_keeps_an_admin())
    result = session.execute(query.values(**values).execution_options(synchronize_session=False))
    return bool(getattr(result, "rowcount", 0))


def signed_in(session: Session, user_id: int, now: datetime) -> None:
    """Note the user's sign-in time."""
    session.execute(update(User).where(User.id == user_id).values(last_login_at=now))


def forget_failures(session: Session, name: str) -> None:
    """Forget the account's failed sign-ins (its password was just reset)."""
    session.execute(delete(LoginAttempt).where(LoginAttempt.name == name[:64]))


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
