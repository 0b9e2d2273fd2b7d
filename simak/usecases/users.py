"""Console users: add, list, sign in (rate-limited in the database), sign out. Disabling,
enabling, roles and password resets are in :mod:`simak.usecases.user_admin`.

Passwords are stored as scrypt hashes (hashlib, per-user salt). Five failed sign-ins for
one account within :data:`WINDOW` lock it: the sixth attempt is refused even with the
right password. An address gets :data:`ADDRESS_LIMIT` failures in the same window.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from common.errors import UsageError
from simak.app import App
from storage.audit import record
from storage.users import UserRecord as UserRecord  # re-exported: callers type with it
from storage.users import (
    add_failure,
    add_user,
    failures_since,
    forget_failure,
    is_revoked,
    list_users,
    revoke_session,
    signed_in,
    user_by_id,
    user_with_hash,
)

WINDOW = timedelta(minutes=15)
ACCOUNT_LIMIT = 5
ADDRESS_LIMIT = 20
MIN_PASSWORD = 8
_N, _R, _P = 2**14, 8, 1
#: What an unknown name's password is checked against, so a wrong name takes as long as a
#: wrong password (the time of an answer does not say which names exist).
_NO_HASH = f"scrypt${_N}${_R}${_P}${'00' * 16}${'00' * 32}"


class LoginRefused(UsageError):
    """Wrong name or password, or too many recent failures."""


class LoginLocked(LoginRefused):
    """Too many recent failures for the account or the address: no password is checked
    until ``retry_after`` seconds have passed without another attempt."""

    def __init__(self) -> None:
        minutes = int(WINDOW.total_seconds()) // 60
        super().__init__(f"too many failed sign-ins; wait {minutes} minutes and try again")
        self.retry_after = int(WINDOW.total_seconds())


def hash_password(password: str) -> str:
    """``scrypt$N$r$p$salt$hash`` (hex)."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"scrypt${_N}${_R}${_P}${salt.hex()}${digest.hex()}"


def check_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches the stored hash (constant-time compare)."""
    try:
        _, n, r, p, salt, digest = stored.split("$")
        got = hashlib.scrypt(
            password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p), dklen=32
        )
    except ValueError:
        return False
    return hmac.compare_digest(got.hex(), digest)


def add(app: App, name: str, role: str, password: str, actor: str) -> int:
    """Create a console user."""
    if not name.strip() or len(name) > 64:
        raise UsageError("a user name needs 1 to 64 characters")
    if len(password) < MIN_PASSWORD:
        raise UsageError(f"a password needs at least {MIN_PASSWORD} characters")
    with app.db.session() as session:
        user_id = add_user(session, name, role, hash_password(password), app.clock())
        record(
            session,
            actor=actor,
            action="user_add",
            entity="user",
            entity_id=name,
            now=app.clock(),
            detail=role,
        )
    return user_id


def users(app: App) -> list[UserRecord]:
    """Every console user."""
    with app.db.read() as session:
        return list_users(session)


def get(app: App, user_id: int) -> UserRecord | None:
    """The user behind a session, or None."""
    with app.db.read() as session:
        return user_by_id(session, user_id)


def session_user(app: App, user_id: int, sid: str, epoch: int = 0) -> UserRecord | None:
    """The user a console session signs in: None when it was signed out, the user is gone
    or disabled, or their sessions were ended (``epoch``, the one the session was issued
    with, is no longer theirs: disabled, role changed or password reset since)."""
    with app.db.read() as session:
        if is_revoked(session, sid):
            return None
        user = user_by_id(session, user_id)
    return None if user is None or user.disabled or user.epoch != epoch else user


def logout(app: App, user: UserRecord, sid: str, expires_at: datetime) -> None:
    """Sign a session out everywhere: every server process refuses its cookie from now on,
    a copy of it included (other sessions of the same user go on)."""
    with app.db.session() as session:
        revoke_session(session, sid, expires_at, app.clock())
        record(
            session,
            actor=user.name,
            action="logout",
            entity="user",
            entity_id=user.name,
            now=app.clock(),
        )


def login(app: App, name: str, password: str, address: str) -> UserRecord:
    """Check a sign-in. The attempt is counted (committed) *before* the password is looked
    at and kept unless it succeeds, so concurrent guesses cannot outrun the limit: the
    k-th attempt to commit sees at least k, and at most five are ever checked."""
    now = app.clock()
    with app.db.session() as session:
        attempt = add_failure(session, name, address, now)
    with app.db.session() as session:
        by_name, by_address = failures_since(session, now - WINDOW, name=name, address=address)
        found = user_with_hash(session, name)
        if by_name > ACCOUNT_LIMIT or by_address > ADDRESS_LIMIT:
            raise LoginLocked()
        matches = check_password(password, _NO_HASH if found is None else found[1])
        if found is None or found[0].disabled or not matches:
            raise LoginRefused("wrong user name or password")
        forget_failure(session, attempt)
        signed_in(session, found[0].id, now)
        record(
            session,
            actor=name,
            action="login",
            entity="user",
            entity_id=name,
            now=now,
            detail=address,
        )
    return found[0]
