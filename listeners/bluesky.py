"""Bluesky via the atproto SDK: ``app.bsky.feed.searchPosts`` for the brand query
(optionally one language) and ``listNotifications`` mentions of the brand account.

Responses are read as raw JSON dicts (not the SDK's strict models) so one odd
post cannot fail a whole page; it becomes a warning instead. New posts are
gathered newest first back to the cursor (at most ``max_pages`` requests) and
yielded as one page, so a crash never leaves a half-read window behind.

Logins are rationed by Bluesky (createSession: 30 per 5 min, 300 per day): pass
a ``session_cache`` to reuse the session between runs.

Cursor: ``{"v": 1, "<stream>": {"since": iso time, "seen": [uri digests]}}`` for streams
``mentions`` and ``search:<query>``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any, Protocol

import httpx
from atproto import Client, models
from atproto_client.exceptions import (
    AtProtocolError,
    BadRequestError,
    NetworkError,
    RateLimitExceededError,
    RequestErrorBase,
    UnauthorizedError,
)
from atproto_client.request import Request
from pydantic import Field

from common.credentials import SecretRef, resolve
from common.errors import SourceUnavailable
from listeners import cursors
from listeners.api_base import ApiListener, ApiOptions
from listeners.base import Author, Mention, PollPage
from listeners.convert import parse_time, to_json
from listeners.matching import BrandMatcher
from listeners.retry import (
    Clock,
    Sleep,
    ThrottledError,
    TransientError,
    parse_retry_after,
    real_sleep,
    utc_now,
)

_SEARCH = "app.bsky.feed.searchPosts"
_NOTIFICATIONS = "app.bsky.notification.listNotifications"


class SessionCache(Protocol):
    """Somewhere safe to keep the Bluesky session string between runs (it is a secret)."""

    def load(self) -> str | None:
        """The saved session string, if any."""
        ...

    def save(self, session: str) -> None:
        """Keep a new or refreshed session string."""
        ...


class BlueskyOptions(ApiOptions):
    """Options of a ``bluesky`` source."""

    handle: str = Field(description="The brand account's handle, e.g. kopisenja.bsky.social.")
    app_password: SecretRef = Field(description="${ENV} reference to an app password.")
    service_url: str | None = Field(
        default=None, description="PDS / XRPC host; default https://bsky.social."
    )
    queries: list[str] | None = Field(
        default=None, description="searchPosts queries; default: one per brand term."
    )
    lang: str | None = Field(default=None, description="Only posts in this language, e.g. 'id'.")
    mentions: bool = Field(default=True, description="Read mention notifications of the account.")
    limit: int = Field(default=50, ge=1, le=100, description="Posts per request.")
    max_pages: int = Field(default=5, ge=1, description="Requests per stream per run.")
    timeout_s: float = Field(default=20.0, gt=0, description="Per-request timeout, seconds.")
    seen_limit: int = Field(default=500, ge=10, description="Post URIs remembered per stream.")


class BlueskyListener(ApiListener[BlueskyOptions]):
    """Polls Bluesky search and mention notifications for brand mentions."""

    platform = "bluesky"

    def __init__(
        self,
        name: str,
        options: BlueskyOptions,
        matcher: BrandMatcher,
        *,
        env: Mapping[str, str],
        transport: httpx.BaseTransport | None = None,
        session_cache: SessionCache | None = None,
        clock: Clock = utc_now,
        sleep: Sleep = real_sleep,
    ) -> None:
        super().__init__(name, options, matcher, clock=clock, sleep=sleep)
        self._env = env
        self._transport = transport
        self._cache = session_cache

    def poll(self, cursor: str | None) -> Iterator[PollPage]:
        """Yield one page per stream with the posts newer than the cursor."""
        self._retrier.start_run()
        password = resolve(self._name, self.options.app_password, self._env)
        client = self._login(password)
        state = cursors.load(cursor)
        for stream, nsid, params in self._streams():
            page, state[stream] = self._poll_stream(
                client, stream, nsid, params, state.get(stream) or {}
            )
            state["v"] = 1
            yield PollPage(
                mentions=page.mentions,
                cursor=cursors.dump(state),
                fetched=page.fetched,
                warnings=page.warnings,
            )

    def _login(self, password: str) -> Client:
        kwargs: dict[str, Any] = {"timeout": self.options.timeout_s}
        if self._transport is not None:
            kwargs["transport"] = self._transport
        client = Client(base_url=self.options.service_url, request=Request(**kwargs))
        cached = self._cache.load() if self._cache else None
        if cached:
            try:
                self._retrier.call(
                    "resuming the Bluesky session",
                    lambda: client.login(session_string=cached, fetch_bsky_profile=False),
                    self._classify,
                )
                return client
            except SourceUnavailable:
                pass  # expired or revoked: log in with the password below
        self._retrier.call(
            "logging in to Bluesky",
            lambda: client.login(self.options.handle, password, fetch_bsky_profile=False),
            self._classify,
        )
        if self._cache is not None:
            self._cache.save(client.export_session_string())
            cache = self._cache
            client.on_session_change(
                lambda _event, _session: cache.save(client.export_session_string())
            )
        return client

    def _streams(self) -> Iterator[tuple[str, str, dict[str, Any]]]:
        if self.options.mentions:
            yield "mentions", _NOTIFICATIONS, {"reasons": ["mention"]}
        queries = self.options.queries
        if queries is None:
            queries = sorted({t for b in self.matcher.brands for t in b.terms})
        for query in queries:
            params: dict[str, Any] = {"q": query, "sort": "latest"}
            if self.options.lang:
                params["lang"] = self.options.lang
            yield f"search:{query}", _SEARCH, params

    def _poll_stream(
        self,
        client: Client,
        stream: str,
        nsid: str,
        base: dict[str, Any],
        previous: dict[str, Any],
    ) -> tuple[PollPage, dict[str, Any]]:
        seen = set(previous.get("seen") or [])
        since = previous.get("since")
        posts, warnings = self._gather(client, stream, nsid, base, seen, since)
        mentions: list[Mention] = []
        own = self._own_brand() if stream == "mentions" else None
        for post in posts:
            try:
                mention = self._mention(post, own)
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                warnings.append(
                    f"bluesky {stream}: post {post.get('uri', '?')} unreadable, skipped ({exc!r})"
                )
                continue
            if mention is not None:
                mentions.append(mention)
        times = [t for t in (_sort_time(p) for p in posts) if t]
        state = {
            "since": max([since, *times], key=lambda v: v or "") if (since or times) else None,
            "seen": cursors.remember(
                seen, [cursors.digest(str(p.get("uri"))) for p in posts], self.options.seen_limit
            ),
        }
        page = PollPage(mentions=mentions, cursor=None, fetched=len(posts), warnings=warnings)
        return page, state

    def _gather(
        self,
        client: Client,
        stream: str,
        nsid: str,
        base: dict[str, Any],
        seen: set[str],
        since: str | None,
    ) -> tuple[list[dict[str, Any]], list[str]]:
        """New posts, newest first, back to the cursor or ``max_pages`` requests."""
        out: list[dict[str, Any]] = []
        page_cursor: str | None = None
        for _ in range(self.options.max_pages):
            params = {**base, "limit": self.options.limit}
            if nsid == _SEARCH and since:
                params["since"] = since  # inclusive; the seen URIs drop the overlap
            if page_cursor:
                params["cursor"] = page_cursor
            body = self._query(client, nsid, params, stream)
            items = body.get("notifications" if nsid == _NOTIFICATIONS else "posts") or []
            reached_old = False
            for item in items:
                if not isinstance(item, dict):
                    continue
                uri = cursors.digest(str(item.get("uri")))
                old = uri in seen or (since is not None and (_sort_time(item) or "") < since)
                if old:
                    reached_old = True
                    continue
                if nsid == _NOTIFICATIONS and item.get("reason") != "mention":
                    continue
                out.append(item)
            page_cursor = body.get("cursor")
            if reached_old or not page_cursor or not items:
                return out, []
        warning = (
            (
                f"bluesky {stream}: more new posts than {self.options.max_pages} pages; "
                "older ones were skipped (raise max_pages)"
            )
            if since
            else None
        )
        return out, [warning] if warning else []

    def _query(
        self, client: Client, nsid: str, params: dict[str, Any], stream: str
    ) -> dict[str, Any]:
        model = (
            models.AppBskyFeedSearchPosts.Params
            if nsid == _SEARCH
            else models.AppBskyNotificationListNotifications.Params
        )
        response = self._retrier.call(
            f"reading Bluesky {stream}",
            lambda: client.invoke_query(nsid, params=model(**params)),
            self._classify,
        )
        if not isinstance(response.content, dict):
            raise SourceUnavailable(
                f"source {self._name!r}: unreadable reply from Bluesky for {stream}; re-run later"
            )
        return response.content

    def _mention(self, post: dict[str, Any], own: str | None) -> Mention | None:
        record = post["record"]
        text = str(record.get("text") or "")
        brand = own or self.matcher.match(text)
        if brand is None:
            return None
        author = post["author"]
        handle = author.get("handle")
        uri = str(post["uri"])
        created = parse_time(record.get("createdAt")) or parse_time(post.get("indexedAt"))
        if created is None:
            raise ValueError("no createdAt")
        langs = record.get("langs") or []
        return Mention(
            platform=self.platform,
            external_id=uri,
            source=self._name,
            brand=brand,
            text=text,
            author=Author(
                platform=self.platform,
                user_id=str(author["did"]),
                handle=handle,
                display_name=author.get("displayName") or None,
                profile_url=f"https://bsky.app/profile/{handle or author['did']}",
            ),
            created_at=created,
            url=f"https://bsky.app/profile/{handle or author['did']}/post/{uri.rsplit('/', 1)[-1]}",
            lang_hint=langs[0] if langs else None,
            raw_json=to_json(post),
        )

    def _own_brand(self) -> str | None:
        handle = self.options.handle.lstrip("@").lower()
        for brand in self.matcher.brands:
            if brand.handles.get("bluesky", "").lstrip("@").lower() == handle:
                return brand.name
        return None

    def _classify(self, exc: Exception) -> TransientError | ThrottledError | None:
        if isinstance(exc, RateLimitExceededError):
            headers = exc.response.headers if exc.response else {}
            wait = parse_retry_after(headers.get("retry-after"), self._retrier.now())
            return ThrottledError("HTTP 429 from Bluesky", retry_at=exc.reset_at, retry_after=wait)
        if isinstance(exc, NetworkError):
            return TransientError(f"network error talking to Bluesky ({_line(exc)})")
        status = (
            exc.response.status_code
            if isinstance(exc, RequestErrorBase) and exc.response is not None
            else None
        )
        if status is not None and status >= 500:
            return TransientError(f"HTTP {status} from Bluesky")
        if isinstance(exc, UnauthorizedError):
            raise SourceUnavailable(
                f"source {self._name!r}: Bluesky refused the login ({_line(exc)}); check the "
                "handle and the app password variable"
            ) from exc
        if isinstance(exc, BadRequestError | AtProtocolError):
            raise SourceUnavailable(
                f"source {self._name!r}: Bluesky request failed ({type(exc).__name__}: "
                f"{_line(exc)}); check the options"
            ) from exc
        return None


def _sort_time(item: dict[str, Any]) -> str | None:
    """The ISO time Bluesky sorts by (its ``sortAt``: the earlier of created and indexed)."""
    record = item.get("record")
    created = parse_time(record.get("createdAt")) if isinstance(record, dict) else None
    valid: list[datetime] = [t for t in (created, parse_time(item.get("indexedAt"))) if t]
    # One fixed format, so cursor times compare correctly as strings.
    return min(valid).strftime("%Y-%m-%dT%H:%M:%S.%fZ") if valid else None


def _line(exc: Exception) -> str:
    return " ".join(str(exc).split())[:200] or type(exc).__name__
