"""How listeners report failures: one short line, no markup, no secrets.

Every error a listener raises and every warning it yields goes through here:
:func:`one_line` flattens whatever a server sent (HTML error pages included),
:class:`Redactor` removes the credentials the listener resolved, whatever a server
echoes back, and :func:`status_error` maps an HTTP status to the one failure kind
every platform shares (429: wait or defer, 5xx: retry, 401/403: credentials, ...).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import common.redact
from common.errors import SourceError, SourceUnavailable
from common.text import LINE_LIMIT as LINE_LIMIT
from common.text import one_line as one_line
from listeners.base import PollPage
from listeners.retry import ThrottledError, TransientError


def error_text(exc: BaseException, limit: int = LINE_LIMIT) -> str:
    """``Type: message`` of an exception as one short line."""
    message = one_line(exc, limit)
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


class Redactor(common.redact.Redactor):
    """Hides the credentials a listener resolved (as written, URL-quoted, base64, and any
    password or token in a URL or header, as :class:`common.redact.Redactor` does) in its
    warnings and errors."""

    def page(self, page: PollPage) -> PollPage:
        """The page with its warnings redacted."""
        if not page.warnings:
            return page
        return replace(page, warnings=[self(w) for w in page.warnings])

    def error(self, exc: SourceError) -> SourceError:
        """The same error with its message redacted and any leaking cause dropped."""
        exc.args = tuple(self(a) if isinstance(a, str) else a for a in exc.args)
        cause: BaseException | None = exc.__cause__ or exc.__context__
        while cause is not None:
            if self.leaks(str(cause)) or any(self.leaks(str(a)) for a in cause.args):
                exc.__cause__ = None
                exc.__suppress_context__ = True
                break
            cause = cause.__cause__ or cause.__context__
        return exc


@dataclass(frozen=True, slots=True)
class Hints:
    """What a person should do after each kind of refusal, per platform."""

    refused: str = "check the credentials in the source's options"
    missing: str = "check the source's options"
    other: str = "check the source's options"


def status_error(
    source: str,
    service: str,
    status: int,
    body: object = "",
    *,
    retry_after: float | None = None,
    hints: Hints | None = None,
) -> TransientError | ThrottledError | SourceUnavailable | None:
    """The failure an HTTP ``status`` means (None for 1xx-3xx): one rule for all platforms."""
    hints = hints or Hints()
    if status == 429:
        return ThrottledError(f"HTTP 429 from {service}", retry_after=retry_after)
    if status >= 500:
        return TransientError(f"HTTP {status} from {service}")
    if status < 400:
        return None
    detail = one_line(body, 160)
    said = f"HTTP {status}: {detail}" if detail else f"HTTP {status}"
    if status in (401, 403):
        return SourceUnavailable(
            f"source {source!r}: {service} refused the credentials ({said}); {hints.refused}"
        )
    if status in (404, 410):
        return SourceUnavailable(
            f"source {source!r}: {service} has no such resource ({said}); {hints.missing}"
        )
    return SourceUnavailable(
        f"source {source!r}: {service} refused the request ({said}); {hints.other}"
    )
