"""Mastodon via Mastodon.py: mention notifications of the brand account and
hashtag timelines on one instance.

Mastodon pages forward with ``min_id`` (the page just newer than an id), so each
page's cursor is the newest id read and a crash between pages loses nothing.
Mastodon.py's own rate-limit handling sleeps for real, so it is set to "throw" and
429s go through :class:`~listeners.retry.Retrier` on the injected clock.

Cursor: ``{"v": 1, "mentions": {"min_id": id}, "tag:<name>": {"min_id": id}}``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from functools import partial
from typing import Any
from urllib.parse import urlsplit

import requests
from mastodon import Mastodon, MastodonError
from mastodon.errors import (
    MastodonAPIError,
    MastodonNetworkError,
    MastodonNotFoundError,
    MastodonRatelimitError,
    MastodonServerError,
    MastodonUnauthorizedError,
)
from pydantic import Field, model_validator

from common.credentials import SecretRef, resolve_optional
from common.errors import SourceUnavailable
from listeners import cursors
from listeners.api_base import ApiListener, ApiOptions
from listeners.base import Author, Mention, PollPage
from listeners.convert import html_to_text, parse_time, to_json
from listeners.matching import BrandMatcher
from listeners.retry import (
    Clock,
    Sleep,
    ThrottledError,
    TransientError,
    epoch_to_utc,
    real_sleep,
    utc_now,
)


class MastodonOptions(ApiOptions):
    """Options of a ``mastodon`` source."""

    api_base_url: str = Field(description="The instance, e.g. https://mastodon.social.")
    access_token: SecretRef | None = Field(
        default=None, description="${ENV} reference to the brand account's token (read scope)."
    )
    mentions: bool = Field(default=True, description="Read mention notifications (needs token).")
    hashtags: list[str] = Field(
        default_factory=list, description="Hashtag timelines to read (without #)."
    )
    limit: int = Field(default=40, ge=1, le=40, description="Items per request (Mastodon: 40).")
    max_pages: int = Field(default=10, ge=1, description="Requests per stream per run.")
    mastodon_version: str | None = Field(
        default="4.0.0",
        description="Assumed server version (skips a version probe); None = ask the server.",
    )
    timeout_s: float = Field(default=20.0, gt=0, description="Per-request timeout, seconds.")

    @model_validator(mode="after")
    def _check_streams(self) -> MastodonOptions:
        if self.mentions and self.access_token is None:
            raise ValueError("mentions: true needs access_token (an ${ENV} reference)")
        if not (self.mentions or self.hashtags):
            raise ValueError("enable mentions or list at least one hashtag")
        return self


class MastodonListener(ApiListener[MastodonOptions]):
    """Polls a Mastodon instance for brand mentions and hashtag posts."""

    platform = "mastodon"

    def __init__(
        self,
        name: str,
        options: MastodonOptions,
        matcher: BrandMatcher,
        *,
        env: Mapping[str, str],
        session: requests.Session | None = None,
        clock: Clock = utc_now,
        sleep: Sleep = real_sleep,
    ) -> None:
        super().__init__(name, options, matcher, clock=clock, sleep=sleep)
        self._env = env
        self._session = session
        self._host = urlsplit(options.api_base_url).netloc

    def poll(self, cursor: str | None) -> Iterator[PollPage]:
        """Yield pages of new mentions, oldest page first, per stream."""
        self._retrier.start_run()
        token = resolve_optional(self._name, self.options.access_token, self._env)
        api = Mastodon(
            access_token=token,
            api_base_url=self.options.api_base_url,
            ratelimit_method="throw",  # never Mastodon.py's real sleeps; the Retrier waits
            request_timeout=self.options.timeout_s,
            mastodon_version=self.options.mastodon_version,
            version_check_mode="none",
            session=self._session,
        )
        state = cursors.load(cursor)
        for stream, fetch in self._streams(api):
            yield from self._poll_stream(api, stream, fetch, state)

    def _streams(self, api: Mastodon) -> Iterator[tuple[str, Callable[..., Any]]]:
        if self.options.mentions:
            yield "mentions", partial(api.notifications, types=["mention"])
        for tag in self.options.hashtags:
            yield f"tag:{tag.lstrip('#')}", partial(api.timeline_hashtag, tag.lstrip("#"))

    def _poll_stream(
        self, api: Mastodon, stream: str, fetch: Callable[..., Any], state: dict[str, Any]
    ) -> Iterator[PollPage]:
        for _ in range(self.options.max_pages):
            min_id = (state.get(stream) or {}).get("min_id")
            params: dict[str, Any] = {"limit": self.options.limit}
            if min_id:
                params["min_id"] = min_id
            items = self._retrier.call(
                f"reading Mastodon {stream}",
                partial(_fetch_list, fetch, params),
                lambda exc: self._classify(api, exc),
            )
            if not items:
                return
            page = self._page(stream, items)
            newest = max((str(i.get("id")) for i in items if isinstance(i, dict)), key=_id_key)
            state[stream] = {"min_id": newest}
            state["v"] = 1
            yield PollPage(
                mentions=page.mentions,
                cursor=cursors.dump(state),
                fetched=page.fetched,
                warnings=page.warnings,
            )
            if not min_id:
                return  # first run: only the latest page, no backfill of old history

    def _page(self, stream: str, items: list[Any]) -> PollPage:
        own = self._own_brand() if stream == "mentions" else None
        mentions: list[Mention] = []
        warnings: list[str] = []
        for item in items:
            status = item.get("status") if stream == "mentions" else item
            try:
                mention = self._mention(status, own)
            except (AttributeError, KeyError, TypeError, ValueError) as exc:
                ident = item.get("id", "?") if isinstance(item, dict) else "?"
                warnings.append(f"mastodon {stream} item {ident}: unreadable, skipped ({exc!r})")
                continue
            if mention is not None:
                mentions.append(mention)
        return PollPage(mentions=mentions, cursor=None, fetched=len(items), warnings=warnings)

    def _mention(self, status: Any, own: str | None) -> Mention | None:
        text = html_to_text(status["content"])
        spoiler = status.get("spoiler_text") or None
        brand = own or self.matcher.match(spoiler, text)
        if brand is None:
            return None
        account = status["account"]
        acct = str(account["acct"])
        created = parse_time(status["created_at"])
        if created is None:
            raise ValueError(f"unreadable created_at {status['created_at']!r}")
        return Mention(
            platform=self.platform,
            # The URI is global; the numeric id is only unique on this instance.
            external_id=str(status.get("uri") or f"{self._host}:{status['id']}"),
            source=self._name,
            brand=brand,
            text=text,
            author=Author(
                platform=self.platform,
                user_id=str(account.get("uri") or account.get("url") or account["id"]),
                handle=acct if "@" in acct else f"{acct}@{self._host}",
                display_name=account.get("display_name") or account.get("username"),
                profile_url=account.get("url"),
            ),
            created_at=created,
            url=status.get("url") or status.get("uri"),
            title=spoiler,
            lang_hint=status.get("language"),
            raw_json=to_json(status),
        )

    def _own_brand(self) -> str | None:
        """The brand with a Mastodon handle: its account is the one being notified."""
        handles = [b.name for b in self.matcher.brands if b.handles.get("mastodon")]
        return handles[0] if len(handles) == 1 else None

    def _classify(self, api: Mastodon, exc: Exception) -> TransientError | ThrottledError | None:
        if isinstance(exc, MastodonRatelimitError):
            return ThrottledError(
                "HTTP 429 from Mastodon",
                retry_at=epoch_to_utc(getattr(api, "ratelimit_reset", None)),
            )
        if isinstance(exc, MastodonServerError):
            return TransientError(f"server error from {self._host} ({_line(exc)})")
        if isinstance(exc, MastodonNetworkError):
            return TransientError(f"network error talking to {self._host} ({_line(exc)})")
        if isinstance(exc, MastodonUnauthorizedError):
            raise SourceUnavailable(
                f"source {self._name!r}: {self._host} refused the access token ({_line(exc)}); "
                "create a new token with read scope and update the variable"
            ) from exc
        if isinstance(exc, MastodonNotFoundError):
            raise SourceUnavailable(
                f"source {self._name!r}: {self._host} has no such endpoint ({_line(exc)}); "
                "check api_base_url"
            ) from exc
        if isinstance(exc, MastodonAPIError | MastodonError):
            raise SourceUnavailable(
                f"source {self._name!r}: {self._host} answered with an error ({_line(exc)}); "
                "re-run later or check the options"
            ) from exc
        return None


def _fetch_list(fetch: Callable[..., Any], params: dict[str, Any]) -> list[Any]:
    return list(fetch(**params) or [])


def _line(exc: Exception) -> str:
    return " ".join(str(exc).split())[:200]


def _id_key(ident: str) -> tuple[int, str]:
    """Mastodon ids are numeric strings of varying length: compare them as numbers."""
    return (len(ident), ident)
