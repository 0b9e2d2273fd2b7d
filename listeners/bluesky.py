"""Bluesky via the atproto SDK: ``app.bsky.feed.searchPosts`` for the brand query
(optionally one language) and ``listNotifications`` of the brand account: mentions,
replies to its posts and quotes of them (each is someone talking to the business; likes,
reposts and follows are not).

Responses are read as raw JSON dicts (not the SDK's strict models) so one odd
post cannot fail a whole page; it becomes a warning instead. New posts are read
newest first back to the cursor, one page per request (at most ``max_pages`` per
run); a window not read to its bottom resumes on the next run (search: ``until``
one millisecond above the oldest post read; notifications: Bluesky's page cursor).

Logins are rationed by Bluesky (createSession: 30 per 5 min, 300 per day): pass
a ``session_cache`` to reuse the session between runs.

Cursor: a window (see :mod:`listeners.window`) per stream, ``mentions`` and
``search:<query>``: ``since`` is the newest sort time read, ``seen`` digests of the URIs.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Protocol

import httpx
from atproto import Client, models
from atproto_client.exceptions import (
    AtProtocolError,
    NetworkError,
    RateLimitExceededError,
    RequestErrorBase,
)
from atproto_client.request import Request
from pydantic import Field

from common.credentials import SecretRef
from common.errors import SourceUnavailable
from listeners import cursors
from listeners.api_base import ApiListener, ApiOptions, RawPage, Stream
from listeners.base import Author, Mention
from listeners.bounds import NonBlank, Seconds, within
from listeners.convert import parse_time, to_json
from listeners.failures import Hints, error_text
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
from listeners.window import Window

_SEARCH = "app.bsky.feed.searchPosts"
_NOTIFICATIONS = "app.bsky.notification.listNotifications"
#: Notification reasons that are someone addressing the account (not likes, reposts, follows).
_ADDRESSED = ("mention", "reply", "quote")
_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


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

    handle: NonBlank = Field(description="The brand account's handle, e.g. kopisenja.bsky.social.")
    app_password: SecretRef = Field(description="${ENV} reference to an app password.")
    service_url: str | None = Field(
        default=None, description="PDS / XRPC host; default https://bsky.social."
    )
    queries: list[NonBlank] | None = Field(
        default=None, description="searchPosts queries; default: one per brand term."
    )
    lang: str | None = Field(default=None, description="Only posts in this language, e.g. 'id'.")
    mentions: bool = Field(
        default=True,
        description="Read the account's notifications of mentions, replies and quotes.",
    )
    limit: Annotated[int, within(1, 100, "posts")] = Field(
        default=50, description="Posts per request (1-100)."
    )
    max_pages: Annotated[int, within(1, 100, "requests")] = Field(
        default=5, description="Requests per stream per run (1-100)."
    )
    timeout_s: Seconds = Field(default=20.0, description="Per-request timeout (0.1-600 s).")
    seen_limit: Annotated[int, within(10, 10_000, "URIs")] = Field(
        default=500, description="Post URIs remembered per stream (10-10000)."
    )


class BlueskyListener(ApiListener[BlueskyOptions, Client]):
    """Polls Bluesky search and mention notifications for brand mentions."""

    platform = "bluesky"
    service_name = "Bluesky"
    hints = Hints(
        refused="check the handle and the app password variable",
        missing="check service_url",
    )

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
        super().__init__(name, options, matcher, env=env, clock=clock, sleep=sleep)
        self._transport = transport
        self._cache = session_cache

    def _start(self, state: dict[str, Any]) -> Client:
        password = self._secret(self.options.app_password)
        kwargs: dict[str, Any] = {"timeout": self.options.timeout_s}
        if self._transport is not None:
            kwargs["transport"] = self._transport
        client = Client(base_url=self.options.service_url, request=Request(**kwargs))
        cached = self._cache.load() if self._cache else None
        if cached:
            self._remember_session(cached)
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
        self._remember_session(client.export_session_string())
        if self._cache is not None:
            self._cache.save(client.export_session_string())
            cache = self._cache
            client.on_session_change(
                lambda _event, _session: cache.save(client.export_session_string())
            )
        return client

    def _remember_session(self, session: str) -> None:
        """The session's tokens are secrets too: never in a message."""
        self._redact.add(session)
        for part in session.split(":::"):
            if len(part) >= 20:
                self._redact.add(part)

    def _streams(self, run: Client) -> Iterator[Stream]:
        if self.options.mentions:
            own = self._own_brand(self.options.handle)
            reasons = {"reasons": list(_ADDRESSED)}
            yield Stream("mentions", _NOTIFICATIONS, reasons, brand=own)
        queries = self.options.queries
        for query in self._brand_terms() if queries is None else queries:
            params: dict[str, Any] = {"q": query, "sort": "latest"}
            if self.options.lang:
                params["lang"] = self.options.lang
            yield Stream(f"search:{query}", _SEARCH, params)

    def _fetch(self, run: Client, stream: Stream, window: Window) -> RawPage:
        params = {**stream.params, "limit": self.options.limit}
        search = stream.kind == _SEARCH
        if search and window.since:
            params["since"] = window.since  # inclusive; the seen keys drop the overlap
        if search and window.resume:
            params["until"] = window.resume  # exclusive; one ms above the oldest read
        elif window.resume:
            params["cursor"] = window.resume
        body = self._query(run, stream, params)
        key = "notifications" if stream.kind == _NOTIFICATIONS else "posts"
        items = body.get(key)
        if items is not None and not isinstance(items, list):
            raise self._unreadable(f"reading {stream.key}: {key!r} is not a list")
        items = items or []
        more = bool(body.get("cursor")) and bool(items)
        if not more:
            return RawPage(items)
        if not search:
            return RawPage(items, resume=str(body["cursor"]))
        oldest = min((t for t in (_sort_time(i) for i in items) if t), default=None)
        return RawPage(items, resume=_just_after(oldest) if oldest else None)

    def _query(self, client: Client, stream: Stream, params: dict[str, Any]) -> dict[str, Any]:
        model = (
            models.AppBskyFeedSearchPosts.Params
            if stream.kind == _SEARCH
            else models.AppBskyNotificationListNotifications.Params
        )
        response = self._retrier.call(
            f"reading Bluesky {stream.key}",
            lambda: client.invoke_query(stream.kind, params=model(**params)),
            self._classify,
        )
        if not isinstance(response.content, dict):
            raise self._unreadable(f"reading {stream.key}")
        return response.content

    def _key(self, item: Any) -> str | None:
        uri = item.get("uri") if isinstance(item, dict) else None
        return cursors.digest(str(uri)) if uri else None

    def _mark(self, item: Any) -> str | None:
        return _sort_time(item)

    def _ident(self, item: Any) -> object:
        return item.get("uri") if isinstance(item, dict) else "?"

    def _is_old(self, item: Any, window: Window) -> bool:
        if self._safe_key(item) in window.seen:
            return True
        when = _sort_time(item) if isinstance(item, dict) else None
        return bool(window.since and when and when < str(window.since))

    def _convert(self, run: Client, stream: Stream, item: Any) -> Mention | None:
        if stream.kind == _NOTIFICATIONS and item.get("reason") not in _ADDRESSED:
            return None
        record = item["record"]
        text = str(record.get("text") or "")
        brand = stream.brand or self.matcher.match(text)
        if brand is None:
            return None
        author = item["author"]
        handle = author.get("handle")
        uri = str(item["uri"])
        created = parse_time(record.get("createdAt")) or parse_time(item.get("indexedAt"))
        if created is None:
            raise ValueError("no readable createdAt or indexedAt")
        langs = record.get("langs") or []
        profile = f"https://bsky.app/profile/{handle or author['did']}"
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
                profile_url=profile,
            ),
            created_at=created,
            url=f"{profile}/post/{uri.rsplit('/', 1)[-1]}",
            lang_hint=langs[0] if langs else None,
            raw_json=to_json(item),
        )

    def _classify(self, exc: Exception) -> TransientError | ThrottledError | None:
        if isinstance(exc, RateLimitExceededError):
            headers = exc.response.headers if exc.response else {}
            wait = parse_retry_after(headers.get("retry-after"), self._retrier.now())
            return ThrottledError("HTTP 429 from Bluesky", retry_at=exc.reset_at, retry_after=wait)
        if isinstance(exc, NetworkError) and exc.response is None:
            return TransientError(f"network error talking to Bluesky ({error_text(exc)})")
        if isinstance(exc, RequestErrorBase) and exc.response is not None:
            response = exc.response
            failure = self._status_error(response.status_code, _detail(response.content))
            if isinstance(failure, TransientError | ThrottledError):
                return failure
            if failure is not None:
                raise failure from exc
        if isinstance(exc, AtProtocolError):
            raise SourceUnavailable(
                f"source {self._name!r}: Bluesky request failed ({error_text(exc)}); "
                "check the options"
            ) from exc
        if isinstance(exc, ValueError | RecursionError):
            raise self._unreadable("reading posts", exc) from exc
        return None


def _detail(content: Any) -> str:
    """The error and message of an XRPC error body, whatever its shape."""
    if isinstance(content, bytes):
        return content[:2000].decode("utf-8", "replace")
    error = getattr(content, "error", None) or (
        content.get("error") if isinstance(content, dict) else None
    )
    message = getattr(content, "message", None) or (
        content.get("message") if isinstance(content, dict) else None
    )
    return ": ".join(str(p) for p in (error, message) if p) or str(content or "")


def _sort_time(item: Any) -> str | None:
    """The ISO time Bluesky sorts by (its ``sortAt``: the earlier of created and indexed)."""
    if not isinstance(item, dict):
        return None
    record = item.get("record")
    created = parse_time(record.get("createdAt")) if isinstance(record, dict) else None
    valid: list[datetime] = [t for t in (created, parse_time(item.get("indexedAt"))) if t]
    # One fixed format, so cursor times compare correctly as strings.
    return min(valid).strftime(_FORMAT) if valid else None


def _just_after(when: str) -> str:
    """One millisecond after ``when``: ``until`` is exclusive, ties must be read again."""
    moment = datetime.strptime(when, _FORMAT).replace(tzinfo=UTC) + timedelta(milliseconds=1)
    return moment.strftime(_FORMAT)
