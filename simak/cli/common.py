"""What every command shares: building the App, the exit-code table, safe output."""

from __future__ import annotations

import functools
import json
import os
import select
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.text import Text

from common.errors import (
    EXIT_INTERNAL,
    EXIT_OK,
    EXIT_PARTIAL,
    EXIT_USAGE,
    ConfigError,
    SimakError,
)
from common.redact import Redactor
from simak.app import App
from simak.cli.logs import LineLog
from simak.cli.render import one_line, plain
from simak.config import config_path, load_settings

P = ParamSpec("P")
R = TypeVar("R")

__all__ = ["EXIT_OK", "EXIT_PARTIAL", "EXIT_USAGE"]

ACTOR = typer.Option(None, "--as", help="Who is acting (default: $USER).")


@dataclass
class CliState:
    """Global options, turned into an App on first use."""

    config: str | None = None
    log_format: str = "text"
    _app: App | None = None

    def app(self) -> App:
        """The App for this invocation (settings are parsed once)."""
        if self._app is None:
            env = dict(os.environ)
            path = config_path(self.config, env)
            settings = load_settings(path, env)
            self._app = App(settings=settings, config_path=path, env=env, progress=say)
        return self._app

    def redact(self, text: str) -> str:
        """``text`` with known secrets hidden (all of the config's, once it is loaded)."""
        return self._app.redact(text) if self._app is not None else Redactor()(text)


def state(ctx: typer.Context) -> CliState:
    """The CliState stored on the click context."""
    obj = ctx.find_root().obj
    if not isinstance(obj, CliState):
        obj = CliState()
        ctx.find_root().obj = obj
    return obj


def actor(value: str | None) -> str:
    """Who is acting: --as, else $USER, else 'staff'."""
    return value or os.environ.get("USER") or "staff"


def stdout() -> Console:
    """Console for results. No markup and no :emoji: codes in plain strings: a table cell
    given as a string (a post, a name) is shown as written, never as "[link=…]" markup."""
    return Console(soft_wrap=False, highlight=False, markup=False, emoji=False)


def stderr() -> Console:
    """Console for progress, warnings and errors (strings shown as written, as on stdout)."""
    return Console(stderr=True, soft_wrap=True, highlight=False, markup=False, emoji=False)


def print_line(message: str | None, style: str = "") -> None:
    """A result line on stdout, shown literally and never wrapped: a line piped to a file
    or mailed by cron stays one line whatever the terminal width."""
    stdout().print(plain(message, style), soft_wrap=True)


def say(message: str) -> None:
    """A one-line progress message on stderr."""
    stderr().print(Text(one_line(message), style="dim"))


def warn(message: str) -> None:
    """A one-line warning on stderr (``message`` is shown literally)."""
    stderr().print(Text.assemble(("warning: ", "yellow"), one_line(message)))


def unreadable(what: str, exc: OSError | UnicodeDecodeError) -> ConfigError:
    """``--draft-file F: cannot read it (No such file or directory)``: the OS's words once,
    not Python's ``[Errno 2] No such file or directory: 'F'`` that repeats the path."""
    why = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not UTF-8 text"
    return ConfigError(f"{what}: cannot read it ({why})")


def fail(message: str, code: int, log_format: str = "text") -> typer.Exit:
    """Print an error line (a JSON log line with ``--log-format json``, for a log
    shipper) and return the Exit to raise."""
    if log_format == "json":
        LineLog("json", str)(f"{one_line(message)} (exit {code})", "error")
    else:
        stderr().print(Text.assemble(("error: ", "red"), one_line(message)))
    return typer.Exit(code)


def _stdout_reader_gone() -> bool:
    """Whether standard output is a pipe whose reader has closed it (``simak … | head``)."""
    try:
        poller = select.poll()
        poller.register(sys.stdout.fileno(), select.POLLERR)
        return any(event & select.POLLERR for _, event in poller.poll(0))
    except (AttributeError, OSError, ValueError):
        return False


def _quiet_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's last flush cannot fail again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def handle_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Map errors to one line on stderr and the documented exit code (README table)."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        # Typer hands commands its click Context, which is no typer.Context instance
        ctx = next((a for a in (*args, kwargs.get("ctx")) if hasattr(a, "find_root")), None)
        cli = state(ctx) if ctx is not None else None  # type: ignore[arg-type]
        redact = cli.redact if cli is not None else Redactor()
        fmt = cli.log_format if cli is not None else "text"
        try:
            return func(*args, **kwargs)
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except SimakError as exc:
            raise fail(redact(str(exc)), exc.exit_code, fmt) from None
        except BrokenPipeError:
            if not _stdout_reader_gone():
                text = "internal error: BrokenPipeError (please report this)"
                raise fail(text, EXIT_INTERNAL, fmt) from None
            _quiet_stdout()  # the reader took what it wanted (`| head`): not a failure
            raise typer.Exit(EXIT_OK) from None
        except Exception as exc:
            text = redact(f"internal error: {type(exc).__name__}: {exc}")
            raise fail(f"{text} (please report this)", EXIT_INTERNAL, fmt) from None

    return wrapper


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, tuple | set | frozenset):
        return list(value)
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def print_json(data: Any, redact: Callable[[str], str] | None = None) -> None:
    """Machine-readable output: one JSON document on stdout (secrets hidden)."""
    text = json.dumps(data, default=_default, ensure_ascii=False, indent=2)
    sys.stdout.write((redact(text) if redact else text) + "\n")


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
