"""What every command shares: building the App, error handling, output."""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, ParamSpec, TypeVar

import typer
from rich.console import Console

from common.errors import ConfigError, SimakError
from simak.app import App
from simak.config import config_path, load_settings

P = ParamSpec("P")
R = TypeVar("R")

EXIT_OK, EXIT_PARTIAL, EXIT_USAGE = 0, 1, 2


@dataclass
class CliState:
    """Global options, turned into an App on first use."""

    config: str | None = None
    _app: App | None = None

    def app(self) -> App:
        """The App for this invocation (settings are parsed once)."""
        if self._app is None:
            env = dict(os.environ)
            path = config_path(self.config, env)
            settings = load_settings(path, env)
            self._app = App(settings=settings, config_path=path, env=env, progress=say)
        return self._app


def state(ctx: typer.Context) -> CliState:
    """The CliState stored on the click context."""
    obj = ctx.find_root().obj
    if not isinstance(obj, CliState):
        obj = CliState()
        ctx.find_root().obj = obj
    return obj


def stdout() -> Console:
    """Console for results."""
    return Console(soft_wrap=False)


def stderr() -> Console:
    """Console for progress, warnings and errors."""
    return Console(stderr=True, soft_wrap=True)


def say(message: str) -> None:
    """A one-line progress message on stderr."""
    stderr().print(f"[dim]{message}[/dim]", highlight=False)


def warn(message: str) -> None:
    """A one-line warning on stderr."""
    stderr().print(f"[yellow]warning:[/yellow] {message}", highlight=False, markup=True)


def fail(message: str, code: int) -> typer.Exit:
    """Print an error line and return the Exit to raise."""
    stderr().print(f"[red]error:[/red] {message}", highlight=False)
    return typer.Exit(code)


def handle_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn Simak errors into one line on stderr and a meaningful exit code."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except ConfigError as exc:
            raise fail(str(exc), EXIT_USAGE) from None
        except SimakError as exc:
            raise fail(str(exc), EXIT_PARTIAL) from None

    return wrapper


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, tuple | set | frozenset):
        return list(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def print_json(data: Any) -> None:
    """Machine-readable output: one JSON document on stdout."""
    sys.stdout.write(json.dumps(data, default=_default, ensure_ascii=False, indent=2) + "\n")


def ago(when: datetime | None, now: datetime) -> str:
    """'3h ago' style, for tables."""
    if when is None:
        return "never"
    seconds = int((now - when).total_seconds())
    future = seconds < 0
    seconds = abs(seconds)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            text = f"{seconds // size}{unit}"
            break
    else:
        text = f"{seconds}s"
    return f"in {text}" if future else f"{text} ago"
