"""What every network listener shares, written once: its name, options, matcher and
retrier; the credentials it resolved (and their redaction from everything it says);
the per-item conversion loop that turns one bad item into one warning; the own-brand
rule; the default terms from the brands; and the HTTP status mapping.

:class:`listeners.api_base.ApiListener` (the paginated platforms) and
:class:`listeners.feeds.FeedsListener` build on :class:`ListenerCore`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Annotated, ClassVar, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from common.credentials import resolve
from common.errors import SourceError, SourceUnavailable
from listeners.base import Mention, PollPage
from listeners.bounds import within
from listeners.failures import Hints, Redactor, error_text, one_line, status_error
from listeners.matching import BrandMatcher
from listeners.retry import Clock, Retrier, Sleep, ThrottledError, TransientError

T = TypeVar("T")


class SourceOptions(BaseModel):
    """Options every network source has: unknown keys refused, retries and waits bounded."""

    model_config = ConfigDict(extra="forbid")

    attempts: Annotated[int, within(1, 10, "tries")] = Field(
        default=3, description="Tries per request on 5xx/timeouts (1-10)."
    )
    max_wait_s: Annotated[float, within(0, 3600, "seconds")] = Field(
        default=60.0, description="Longest rate-limit wait inside a run; longer defers (0-3600)."
    )


OptionsT = TypeVar("OptionsT", bound=SourceOptions)


def _handle(text: str) -> str:
    return text.strip().lower().removeprefix("@").removeprefix("/u/").removeprefix("u/")


def same_account(handle: str, account: str) -> bool:
    """True when a brand's configured handle names the polled account.

    Case, a leading ``@`` or ``u/`` do not matter; ``name`` equals ``name@host``.
    """
    mine, theirs = _handle(handle), _handle(account)
    if mine == theirs:
        return True
    if "@" in mine and "@" in theirs:
        return False
    return mine.split("@", 1)[0] == theirs.split("@", 1)[0]


class ListenerCore(Generic[OptionsT]):
    """Base of the network listeners; see the module docstring."""

    platform: ClassVar[str]
    service_name: ClassVar[str] = ""  # the service in messages; default: the platform key
    hints: ClassVar[Hints] = Hints()

    def __init__(
        self,
        name: str,
        options: OptionsT,
        matcher: BrandMatcher,
        *,
        env: Mapping[str, str] | None,
        clock: Clock,
        sleep: Sleep,
    ) -> None:
        self._name = name
        self.options = options
        self.matcher = matcher
        self._env: Mapping[str, str] = env or {}
        self._clock = clock
        self._retrier = Retrier.for_source(name, options, clock=clock, sleep=sleep)
        self._redact = Redactor()
        self.service = self.service_name or self.platform  # "Reddit", "mastodon.social"

    @property
    def name(self) -> str:
        """The configured source name."""
        return self._name

    # -- credentials ---------------------------------------------------------------

    def _secret(self, ref: str) -> str:
        """Resolve an ``${ENV}`` reference and remember the value for redaction."""
        value = resolve(self._name, ref, self._env)
        self._redact.add(value)
        return value

    def _optional_secret(self, ref: str | None) -> str | None:
        return None if ref is None else self._secret(ref)

    def _guarded(self, pages: Iterator[PollPage]) -> Iterator[PollPage]:
        """``pages`` with every warning and error redacted of the resolved secrets."""
        try:
            for page in pages:
                yield self._redact.page(page)
        except SourceError as exc:
            redacted = self._redact.error(exc)
            raise redacted from redacted.__cause__

    # -- converting items ----------------------------------------------------------

    def _convert_items(
        self,
        what: str,
        items: Iterable[T],
        convert: Callable[[T], Mention | None],
        ident: Callable[[T], object],
    ) -> tuple[list[Mention], list[str]]:
        """Mentions from ``items``; an item that fails in any way becomes one warning."""
        mentions: list[Mention] = []
        warnings: list[str] = []
        for item in items:
            try:
                mention = convert(item)
            except Exception as exc:  # one bad item must never stop the run
                warnings.append(
                    f"{self.platform} {what}: item {_ident(ident, item)}: unreadable, "
                    f"skipped ({error_text(exc, 160)})"
                )
                continue
            if mention is not None:
                mentions.append(mention)
        return mentions, warnings

    # -- brands ----------------------------------------------------------------------

    def _own_brand(self, account: str | None) -> str | None:
        """The brand whose handle on this platform is the polled account.

        When the account is not known, the only brand with a handle on this platform
        (None when there are several). Items addressed to the brand's own account
        (mentions, notifications) belong to that brand without any term.
        """
        owners = [(b.name, b.handles.get(self.platform, "")) for b in self.matcher.brands]
        owners = [(name, handle) for name, handle in owners if handle]
        if account:
            return next((name for name, h in owners if same_account(h, account)), None)
        return owners[0][0] if len(owners) == 1 else None

    def _brand_terms(self) -> list[str]:
        """Every brand term, once, sorted: the default queries."""
        return sorted({t.strip() for b in self.matcher.brands for t in b.terms if t.strip()})

    def _default_query(self) -> str:
        """The brand terms joined with OR, phrases quoted."""
        return " OR ".join(f'"{t}"' if " " in t else t for t in self._brand_terms())

    # -- HTTP status ---------------------------------------------------------------

    def _status_error(
        self, status: int, body: object = "", retry_after: float | None = None
    ) -> TransientError | ThrottledError | SourceUnavailable | None:
        """The failure ``status`` means for this source (one rule for all platforms)."""
        return status_error(
            self._name, self.service, status, body, retry_after=retry_after, hints=self.hints
        )

    def _unreadable(self, what: str, exc: BaseException | None = None) -> SourceUnavailable:
        """A reply that could not be read at all (not JSON, too deep, wrong shape)."""
        detail = f" ({error_text(exc, 120)})" if exc is not None else ""
        return SourceUnavailable(
            f"source {self._name!r}: unreadable reply from {self.service} while {what}{detail}; "
            "re-run later"
        )


def _ident(ident: Callable[[T], object], item: T) -> str:
    try:
        return one_line(ident(item), 120) or "?"
    except Exception:  # the id itself may be what is broken
        return "?"
