"""What every API listener shares: retry options, and its name, options, matcher, retrier."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from listeners.matching import BrandMatcher
from listeners.retry import Clock, Retrier, Sleep


class ApiOptions(BaseModel):
    """Options every API source has: unknown keys refused, retries and rate-limit waits."""

    model_config = ConfigDict(extra="forbid")

    attempts: int = Field(default=3, ge=1, description="Tries per request on 5xx/timeouts.")
    max_wait_s: float = Field(
        default=60.0, ge=0, description="Longest rate-limit wait inside a run; longer defers."
    )


OptionsT = TypeVar("OptionsT", bound=ApiOptions)


class ApiListener(Generic[OptionsT]):
    """Base of the platform listeners (Reddit, X, Mastodon, Bluesky, Hacker News)."""

    def __init__(
        self, name: str, options: OptionsT, matcher: BrandMatcher, *, clock: Clock, sleep: Sleep
    ) -> None:
        self._name = name
        self.options = options
        self.matcher = matcher
        self._retrier = Retrier.for_source(name, options, clock=clock, sleep=sleep)

    @property
    def name(self) -> str:
        """The configured source name."""
        return self._name
