"""Log lines of the long-running commands (`simak worker`, `simak run`): one line each on
stderr, as text or — with ``--log-format json`` — one JSON object per line
(``{"ts", "level", "logger", "msg"}``) for a log shipper. Never a traceback."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from simak.cli.render import one_line

FORMATS = ("text", "json")


@dataclass(frozen=True)
class LineLog:
    """Writes one log line; ``redact`` hides secrets first."""

    fmt: str
    redact: Callable[[str], str]

    def __call__(self, message: str, level: str = "info", logger: str = "simak") -> None:
        msg = one_line(self.redact(message))
        ts = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        if self.fmt == "json":
            line = json.dumps({"ts": ts, "level": level, "logger": logger, "msg": msg})
        else:
            line = (
                f"{ts} {level:<7} {msg}"
                if logger == "simak"
                else f"{ts} {level:<7} {logger}: {msg}"
            )
        print(line, file=sys.stderr, flush=True)

    def capture(self, name: str, level: int = logging.WARNING) -> None:
        """Route a library's logger (e.g. procrastinate) through these lines."""
        target = logging.getLogger(name)
        target.handlers[:] = [_Handler(self)]
        target.setLevel(level)
        target.propagate = False


class _Handler(logging.Handler):
    def __init__(self, log: LineLog) -> None:
        super().__init__()
        self._log = log

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            message = f"{message}: {type(exc).__name__}: {exc}"
        self._log(message, record.levelname.lower(), record.name)
