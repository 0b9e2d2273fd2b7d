"""Managing console users, on both backends: disable, enable, role, password reset through
the CLI and the use cases; every change audited without a password, taking effect at once
(open sessions end), and never leaving the console without an enabled admin, even when two
admins demote each other at the same moment (two processes)."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from common.errors import ConflictError, NotFound, UsageError
from simak.app import App
from simak.config import load_settings
from simak.usecases import user_admin, users
from storage.models import AuditLog, User
from tests.core.conftest import Project
from tests.core.forked import act, race

NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
PASSWORD = "right-password"


def _app(project: Project) -> App:
    env = dict(os.environ)
    return App(load_settings(project.config, env), project.config, env, clock=lambda: NOW)


def _team(project: Project, *people: tuple[str, str]) -> App:
    app = _app(project)
    for name, role in people:
        users.add(app, name, role, PASSWORD, "test")
    return app


def _audit(app: App) -> list[tuple[str, str, str, str | None]]:
    with app.db.read() as session:
        rows = session.execute(
            select(AuditLog.actor, AuditLog.action, AuditLog.entity_id, AuditLog.detail)
            .where(AuditLog.entity == "user", AuditLog.action != "user_add")
            .order_by(AuditLog.id)
        ).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def _enabled_admins(app: App) -> list[str]:
    with app.db.read() as session:
        return list(
            session.scalars(select(User.name).where(User.role == "admin", User.disabled.is_(False)))
        )


def test_enable_role_and_password_through_the_cli(project: Project) -> None:
    app = _team(project, ("ada", "admin"), ("sri", "staff"))
    role = project.json("users", "role", "sri", "owner", "--as", "ada")
    assert (role["name"], role["role"], role["changed"], role["sessions_ended"]) == (
        "sri",
        "owner",
        True,
        True,
    )
    assert "epoch" not in role and "password_hash" not in role
    again = project.run("users", "role", "sri", "owner")
    assert again.exit_code == 0 and "owner already; nothing changed" in again.output
    assert project.json("users", "disable", "sri", "--as", "ada")["disabled"] is True
    assert project.json("users", "enable", "sri", "--as", "ada")["disabled"] is False
    typed = project.run("users", "password", "sri", "--password-stdin", "--as", "ada",
                        input="typed-new-pass\n")  # fmt: skip
    assert typed.exit_code == 0 and "typed-new-pass" not in typed.output, typed.output
    assert users.login(app, "sri", "typed-new-pass", "10.0.0.1").role == "owner"
    made = project.json("users", "password", "sri", "--generate", "--as", "ada")
    assert len(made["password"]) == 19 and made["name"] == "sri"
    assert users.login(app, "sri", made["password"], "10.0.0.1").name == "sri"
    plain = project.run("users", "password", "sri", "--generate")
    shown = plain.output.split("new password for sri: ")[1].split()[0]
    assert users.login(app, "sri", shown, "10.0.0.1").name == "sri"
    assert _audit(app) == [
        ("ada", "user_role", "sri", "staff -> owner"),
        ("ada", "user_disable", "sri", "owner"),
        ("ada", "user_enable", "sri", "owner"),
        ("ada", "user_password", "sri", "set by ada"),
        ("sri", "login", "sri", "10.0.0.1"),
        ("ada", "user_password", "sri", "generated"),
        ("sri", "login", "sri", "10.0.0.1"),
        (os.environ.get("USER") or "staff", "user_password", "sri", "generated"),
        ("sri", "login", "sri", "10.0.0.1"),
    ]
    log = json.dumps(_audit(app))
    assert "typed-new-pass" not in log and made["password"] not in log and shown not in log
    listed = project.json("users", "list")
    assert [(u["name"], u["last_login_at"] is not None) for u in listed] == [
        ("ada", False),
        ("sri", True),
    ]


def test_cli_refusals_are_one_line_exit_2(project: Project) -> None:
    _team(project, ("ada", "admin"), ("sri", "staff"))
    for args, said in (
        (("users", "disable", "ada"), "Make another admin first"),
        (("users", "role", "ada", "staff"), "Make another admin first"),
        (("users", "role", "sri", "root"), "unknown role 'root'"),
        (("users", "enable", "nobody"), "no user named 'nobody'"),
        (("users", "password", "nobody", "--generate"), "no user named 'nobody'"),
        (("users", "password", "sri", "--generate", "--password-stdin"), "not both"),
    ):
        result = project.run(*args)
        assert result.exit_code == 2, (args, result.output)
        assert said in result.output and "Traceback" not in result.output, result.output
    short = project.run("users", "password", "sri", "--password-stdin", input="short\n")
    assert short.exit_code == 2 and "at least 8 characters" in short.output


def test_the_password_prompt_asks_twice(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    app = _team(project, ("ada", "admin"), ("sri", "staff"))
    monkeypatch.setattr("simak.cli.users._has_terminal", lambda: True)
    answers = iter(["first-password", "other-password", "same-password", "same-password"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    differ = project.run("users", "password", "sri")
    assert differ.exit_code == 2 and "run simak users password again" in differ.output
    assert project.run("users", "password", "sri").exit_code == 0
    assert users.login(app, "sri", "same-password", "10.0.0.1").name == "sri"


@pytest.mark.parametrize("change", ["disable", "role", "password"])
def test_a_change_ends_the_users_open_sessions(project: Project, change: str) -> None:
    """Before: a session went on after its user's role changed or password was reset (and
    a disabled user's old cookie worked again once they were enabled)."""
    app = _team(project, ("ada", "admin"), ("sri", "staff"), ("sam", "staff"))
    sri = users.login(app, "sri", PASSWORD, "10.0.0.1")
    sam = users.login(app, "sam", PASSWORD, "10.0.0.1")
    assert users.session_user(app, sri.id, "sid-sri", sri.epoch) is not None
    if change == "disable":
        user_admin.disable(app, "sri", "ada")
        user_admin.enable(app, "sri", "ada")
    elif change == "role":
        user_admin.set_role(app, "sri", "owner", "ada")
    else:
        user_admin.reset_password(app, "sri", "brand-new-pass", "ada")
    assert users.session_user(app, sri.id, "sid-sri", sri.epoch) is None
    assert users.session_user(app, sam.id, "sid-sam", sam.epoch) is not None  # others go on
    fresh = users.login(app, "sri", "brand-new-pass" if change == "password" else PASSWORD, "x")
    assert users.session_user(app, sri.id, "sid-new", fresh.epoch) is not None


def test_a_reset_password_lets_a_locked_out_user_in_at_once(project: Project) -> None:
    app = _team(project, ("ada", "admin"), ("sri", "staff"))
    for _ in range(6):
        with pytest.raises(users.LoginRefused):
            users.login(app, "sri", "forgotten", "10.0.0.1")
    done = user_admin.reset_password(app, "sri", None, "ada")
    assert done.generated is not None
    assert users.login(app, "sri", done.generated, "10.0.0.2").name == "sri"
    with app.db.read() as session:
        stored = session.scalar(select(User.password_hash).where(User.name == "sri"))
    assert stored is not None and stored.startswith("scrypt$") and done.generated not in stored


def test_the_last_enabled_admin_stays(project: Project) -> None:
    app = _team(project, ("ada", "admin"), ("bob", "admin"), ("sri", "staff"))
    user_admin.disable(app, "bob", "ada")
    with pytest.raises(ConflictError, match="Make another admin first"):
        user_admin.set_role(app, "ada", "owner", "ada")
    with pytest.raises(ConflictError, match="only enabled admin left"):
        user_admin.disable(app, "ada", "ada")
    user_admin.set_role(app, "bob", "staff", "ada")  # a disabled admin is no last admin
    user_admin.set_role(app, "sri", "admin", "ada")
    user_admin.set_role(app, "ada", "staff", "sri")  # another admin now: fine
    assert _enabled_admins(app) == ["sri"]
    with pytest.raises(NotFound):
        user_admin.disable(app, "nobody", "sri")
    with pytest.raises(UsageError, match="unknown role"):
        user_admin.set_role(app, "sri", "root", "sri")
    assert [a for _, a, name, _ in _audit(app) if name == "ada"] == ["user_role"]


def _child(project: Project, who: str, call: str, *args: Any) -> tuple[Any, tuple[Any, ...]]:
    return act, (project.config, who, f"simak.usecases.user_admin:{call}", args)


@pytest.mark.parametrize("first", ["set_role", "disable"])
def test_two_admins_demoting_each_other_at_once_leave_one_admin(
    project: Project, first: str
) -> None:
    """ada takes bob's admin role away (or disables him) while bob demotes ada, each in its
    own process, the second starting while the first's change is written but not committed.
    Before (a count read without the admins' rows locked, on PostgreSQL): both saw the other
    still an admin, both went through, and nobody could manage users any more."""
    app = _team(project, ("ada", "admin"), ("bob", "admin"))
    takes = ("bob", "staff", "ada") if first == "set_role" else ("bob", "ada")
    results = race(
        app.db.url,
        (*_child(project, "ada", first, *takes), ("simak.usecases.user_admin", "change_user",
                                                 "after")),
        _child(project, "bob", "set_role", "ada", "staff", "bob"),
    )  # fmt: skip
    assert results["ada"][0] == "ok", results
    outcome, said = results["bob"]
    assert outcome == "ConflictError" and "ada is the only enabled admin left" in said, results
    assert _enabled_admins(app) == ["ada"]
    assert [(who, name) for who, _, name, _ in _audit(app)] == [("ada", "bob")]
