"""Use cases behind the web console, on both backends: users, sign-in limits and sign-out,
and the ideas board's recorded, reversible merge."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from simak.app import App
from simak.cli import app as cli
from simak.config import load_settings
from simak.usecases import users
from storage.models import RevokedSession
from tests.core.conftest import Project


def _app(project: Project, now: list[datetime]) -> App:
    env = dict(os.environ)
    return App(load_settings(project.config, env), project.config, env, clock=lambda: now[0])


def test_users_add_list_disable_through_the_cli(project: Project) -> None:
    added = project.runner.invoke(
        cli,
        [
            "--config",
            str(project.config),
            "users",
            "add",
            "dina",
            "--role",
            "admin",
            "--password-stdin",
        ],
        input="s3cret-pass\n",
    )
    assert added.exit_code == 0, added.output
    listed = project.json("users", "list")
    assert [(u["name"], u["role"], u["disabled"]) for u in listed] == [("dina", "admin", False)]
    assert "s3cret" not in json.dumps(listed)
    again = project.runner.invoke(
        cli,
        ["--config", str(project.config), "users", "add", "dina", "--password-stdin"],
        input="another-pass\n",
    )
    assert again.exit_code == 2 and "exists already" in again.output
    bad_role = project.run("users", "add", "x", "--role", "root", "--password-stdin")
    assert bad_role.exit_code == 2
    last_admin = project.run("users", "disable", "dina")  # the console keeps an admin
    assert last_admin.exit_code == 2 and "Make another admin first" in last_admin.output
    assert project.json("users", "list")[0]["disabled"] is False


def test_users_add_prompt_ended_or_mismatched_is_a_usage_error(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No terminal (the prompt reads end of input) or two different passwords: exit 2 with
    what to do, not "internal error" (exit 3)."""

    def ended(prompt: str = "") -> str:
        raise EOFError

    monkeypatch.setattr("simak.cli.users._has_terminal", lambda: True)
    monkeypatch.setattr("getpass.getpass", ended)
    result = project.run("users", "add", "dina", "--role", "staff")
    assert result.exit_code == 2, result.output
    assert "--password-stdin" in result.output and "internal error" not in result.output
    answers = iter(["first-password", "other-password"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    result = project.run("users", "add", "dina")
    assert result.exit_code == 2 and "differ" in result.output, result.output


def test_users_add_without_a_terminal_asks_for_password_stdin(project: Project) -> None:
    """No terminal at all (cron, a script, ssh without -t): getpass would read stdin with a
    Python warning and echo the password; one line saying what to do instead, exit 2."""
    proc = subprocess.run(
        [sys.executable, "-m", "simak", "--config", str(project.config), "users", "add", "z"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        start_new_session=True,  # no controlling terminal, so no /dev/tty
        timeout=120,
    )
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.splitlines() == [
        "error: no terminal to ask for the password on; pipe it in with --password-stdin"
    ]
    assert project.json("users", "list") == []
    assert project.json("users", "list") == []


def test_five_failures_lock_the_account_for_fifteen_minutes(project: Project) -> None:
    now = [datetime(2026, 12, 4, 9, 0, tzinfo=UTC)]
    app = _app(project, now)
    users.add(app, "sri", "staff", "right-password", "test")
    assert users.login(app, "sri", "right-password", "10.0.0.1").name == "sri"
    for _ in range(5):
        with pytest.raises(users.LoginRefused, match="wrong user name or password"):
            users.login(app, "sri", "wrong", "10.0.0.1")
    with pytest.raises(users.LoginRefused, match="too many failed sign-ins"):
        users.login(app, "sri", "right-password", "10.0.0.2")  # other address, same account
    now[0] += timedelta(minutes=16)
    assert users.login(app, "sri", "right-password", "10.0.0.1").name == "sri"


def test_an_unknown_name_costs_one_scrypt_like_a_wrong_password(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before: an unknown name was refused without hashing (milliseconds instead of ~50),
    so the answer's time said which user names exist."""
    app = _app(project, [datetime(2026, 12, 4, 9, 0, tzinfo=UTC)])
    users.add(app, "sri", "staff", "right-password", "test")
    real, calls = users.hashlib.scrypt, []

    def counted(*args: Any, **kwargs: Any) -> bytes:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(users.hashlib, "scrypt", counted)
    for name in ("sri", "nobody"):
        with pytest.raises(users.LoginRefused, match="wrong user name or password"):
            users.login(app, name, "wrong", "10.0.0.1")
    assert len(calls) == 2


def test_a_signed_out_session_stays_out_and_old_revocations_are_pruned(
    project: Project,
) -> None:
    now = [datetime(2026, 12, 4, 9, 0, tzinfo=UTC)]
    app = _app(project, now)
    uid = users.add(app, "sri", "staff", "right-password", "test")
    user = users.session_user(app, uid, "sid-a")
    assert user is not None and user.name == "sri"
    users.logout(app, user, "sid-a", now[0] + timedelta(hours=12))
    users.logout(app, user, "sid-a", now[0] + timedelta(hours=12))  # twice: no error
    assert users.session_user(app, uid, "sid-a") is None
    assert users.session_user(app, uid, "sid-b") is not None  # other sessions go on
    now[0] += timedelta(hours=13)
    users.logout(app, user, "sid-b", now[0] + timedelta(hours=12))
    with app.db.read() as session:
        assert [r.sid for r in session.query(RevokedSession)] == ["sid-b"]


def test_passwords_are_scrypt_hashes_never_the_password() -> None:
    stored = users.hash_password("correct horse")
    assert stored.startswith("scrypt$") and "correct horse" not in stored
    assert users.check_password("correct horse", stored)
    assert not users.check_password("correct horsE", stored)
    assert users.hash_password("correct horse") != stored  # salted


def test_concurrent_guesses_cannot_outrun_the_limit(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [datetime(2026, 12, 4, 9, 0, tzinfo=UTC)]
    app = _app(project, now)
    users.add(app, "sri", "staff", "right-password", "test")
    checked: list[str] = []
    real = users.check_password

    def counting(password: str, stored: str) -> bool:
        checked.append(password)
        return real(password, stored)

    monkeypatch.setattr(users, "check_password", counting)
    barrier = threading.Barrier(12)

    def guess(n: int) -> str:
        barrier.wait()
        try:
            users.login(app, "sri", f"guess-{n}", f"10.0.0.{n}")
        except users.LoginRefused as exc:
            return str(exc)
        return "in"

    with ThreadPoolExecutor(12) as pool:
        answers = list(pool.map(guess, range(12)))
    assert "in" not in answers
    assert len(checked) <= users.ACCOUNT_LIMIT  # at most five passwords were ever tried
    assert answers.count("too many failed sign-ins; wait 15 minutes and try again") >= 7
