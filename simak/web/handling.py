"""What every page handler shares: a use case called off the event loop, the redirect back
with a one-line message, numbers read from form fields, values made ready for JSON."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse

from common.errors import UsageError


def _json(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    return value


async def call(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    return await run_in_threadpool(func, *args, **kwargs)


def _back(path: str, msg: str, *, problem: bool = False) -> RedirectResponse:
    """Back to ``path`` saying ``msg``: a refusal or an outcome that needs a look
    (``problem``) is shown as a warning, not in the green of work done."""
    join = "&" if "?" in path else "?"
    flag = "&problem=1" if problem else ""
    return RedirectResponse(f"{path}{join}msg={quote(msg[:300])}{flag}", 303)


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


def number_in(value: str, low: float, high: float, message: str) -> float:
    """A number typed in a form field, or a usage error saying ``message`` when it is not
    one from ``low`` to ``high`` (nan and inf included)."""
    try:
        number = float(value)
    except ValueError:
        number = float("nan")
    if not low <= number <= high:
        raise UsageError(message)
    return number
