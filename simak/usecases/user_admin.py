"""Managing console users: disable, enable, change a role, reset a password.

The CLI (`simak users …`) and the console's /admin/users page both call these. Every change
is audited (never with a password) and takes effect at once: disabling, a role change and a
password reset end the user's open sessions (their session epoch moves on, so every cookie
issued before stops signing in).

The database keeps one promise: there is always an enabled admin. Disabling or demoting
the last one updates nothing (a conditional UPDATE that counts the other enabled admins),
and the enabled admins are row-locked first, so two admins demoting each other at the same
moment run one after the other and the second is refused.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy.orm import Session

from common.errors import ConflictError, NotFound, UsageError
from simak.app import App
from simak.usecases.users import MIN_PASSWORD, UserRecord, hash_password
from storage.audit import record
from storage.users import change_user, forget_failures, lock_admins, user_by_name

#: What a refusal to take away the last enabled admin says (CLI and console).
LAST_ADMIN = (
    "{name} is the only enabled admin left, so they cannot be {what}: nobody could manage "
    "users then. Make another admin first (`simak users role NAME admin`), then try again"
)
#: Letters and digits that cannot be mistaken for one another (no 0/O, 1/l/I).
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


@dataclass(frozen=True, slots=True)
class Change:
    """What a change did: the user as they are now, whether anything changed, and whether
    their open sessions ended."""

    user: UserRecord
    changed: bool
    sessions_ended: bool


@dataclass(frozen=True, slots=True)
class PasswordReset:
    """A reset password. ``generated`` is the new password when Simak made it up: shown
    once to whoever reset it, stored only as a hash, never logged."""

    user: UserRecord
    generated: str | None


def generate_password() -> str:
    """A new password that reads aloud well: four groups of four (about 79 bits)."""
    chars = "".join(secrets.choice(_ALPHABET) for _ in range(16))
    return "-".join(chars[i : i + 4] for i in range(0, 16, 4))


def _audit(app: App, session: Session, actor: str, action: str, name: str, detail: str) -> None:
    record(
        session,
        actor=actor,
        action=action,
        entity="user",
        entity_id=name,
        now=app.clock(),
        detail=detail,
    )


def _missing(name: str) -> NotFound:
    return NotFound(f"no user named {name!r}; see `simak users list`")


def disable(app: App, name: str, actor: str) -> Change:
    """Stop a user from signing in; their open sessions end now. The last enabled admin
    cannot be disabled."""
    return _set_disabled(app, name, True, actor)


def enable(app: App, name: str, actor: str) -> Change:
    """Let a disabled user sign in again (with their password as it was)."""
    return _set_disabled(app, name, False, actor)


def _set_disabled(app: App, name: str, disabled: bool, actor: str) -> Change:
    with app.db.session() as session:
        lock_admins(session)
        before = user_by_name(session, name)
        if before is None:
            raise _missing(name)
        if before.disabled == disabled:
            return Change(before, changed=False, sessions_ended=False)
        if not change_user(session, before.id, disabled=disabled, end_sessions=disabled):
            raise ConflictError(LAST_ADMIN.format(name=name, what="disabled"))
        action = "user_disable" if disabled else "user_enable"
        _audit(app, session, actor, action, name, before.role)
        after = user_by_name(session, name)
    assert after is not None
    return Change(after, changed=True, sessions_ended=disabled)


def set_role(app: App, name: str, role: str, actor: str) -> Change:
    """Give a user another role; their open sessions end (they sign in again with it). The
    last enabled admin cannot be given another role."""
    with app.db.session() as session:
        lock_admins(session)
        before = user_by_name(session, name)
        if before is None:
            raise _missing(name)
        if before.role == role:
            return Change(before, changed=False, sessions_ended=False)
        if not change_user(session, before.id, role=role):
            raise ConflictError(LAST_ADMIN.format(name=name, what=f"made {role}"))
        _audit(app, session, actor, "user_role", name, f"{before.role} -> {role}")
        after = user_by_name(session, name)
    assert after is not None
    return Change(after, changed=True, sessions_ended=True)


def reset_password(app: App, name: str, password: str | None, actor: str) -> PasswordReset:
    """Set a user's password (``password``, or a generated one when None); their open
    sessions end and their failed sign-ins are forgotten (a locked-out user can sign in
    with the new password at once)."""
    generated = generate_password() if password is None else None
    new = generated or password or ""
    if len(new) < MIN_PASSWORD:
        raise UsageError(f"a password needs at least {MIN_PASSWORD} characters")
    hashed = hash_password(new)  # before the transaction: scrypt takes a while
    with app.db.session() as session:
        before = user_by_name(session, name)
        if before is None:
            raise _missing(name)
        change_user(session, before.id, password_hash=hashed)
        forget_failures(session, name)
        how = "generated" if generated else "set by " + actor
        _audit(app, session, actor, "user_password", name, how)
        after = user_by_name(session, name)
    assert after is not None
    return PasswordReset(after, generated)
