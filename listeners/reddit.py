"""Reddit via praw: new posts matching the brand query, new comments in a short
allow-list of subreddits, and username mentions in the brand account's inbox.

Reddit's Responsible Builder Policy (Nov 2025) requires approval for new OAuth
tokens and a separate agreement for commercial use, so the listener refuses to
poll until ``api_approved: true`` is set in its options.

Cursor: ``{"v": 1, "<stream>": {"seen": [fullnames, newest first], "since": epoch}}``
with one stream each for ``search``, ``comments`` and ``mentions``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import praw
import prawcore
from prawcore.sessions import RetryStrategy
from pydantic import Field, model_validator

from common.credentials import SecretRef, resolve, resolve_optional
from common.errors import RateLimited, SourceUnavailable
from listeners import cursors
from listeners.api_base import ApiListener, ApiOptions
from listeners.base import Author, Mention, PollPage
from listeners.convert import to_json
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

_OVERLAP_S = 3600  # items up to an hour older than the newest seen are still checked


class RedditOptions(ApiOptions):
    """Options of a ``reddit`` source."""

    client_id: SecretRef = Field(description="${ENV} reference to the OAuth client id.")
    client_secret: SecretRef = Field(description="${ENV} reference to the OAuth client secret.")
    username: SecretRef | None = Field(
        default=None, description="${ENV} reference to the brand account (needed for mentions)."
    )
    password: SecretRef | None = Field(
        default=None, description="${ENV} reference to the brand account's password."
    )
    user_agent: str = Field(
        default="simak:listener:0.1 (by u/simak)",
        description="Descriptive User-Agent, as Reddit's API rules require.",
    )
    api_approved: bool = Field(
        default=False,
        description="Set true once Reddit approved API access for this use (required).",
    )
    subreddits: list[str] = Field(
        default_factory=lambda: ["all"], min_length=1, description="Subreddits to watch."
    )
    query: str | None = Field(
        default=None, description="Search query; default: the brands' terms joined with OR."
    )
    search: bool = Field(default=True, description="Search new posts matching the query.")
    comments: bool = Field(
        default=False, description="Read new comments of the subreddits (small allow-lists only)."
    )
    mentions: bool = Field(
        default=False, description="Read u/ mentions of the brand account (needs username)."
    )
    time_filter: Literal["hour", "day", "week", "month", "year", "all"] = Field(
        default="week", description="How far back search looks."
    )
    limit: int = Field(default=100, ge=1, le=1000, description="Items read per stream per poll.")
    seen_limit: int = Field(default=1000, ge=10, description="Ids remembered per stream.")

    @model_validator(mode="after")
    def _mentions_need_an_account(self) -> RedditOptions:
        if self.mentions and (self.username is None or self.password is None):
            raise ValueError("mentions: true needs username and password (${ENV} references)")
        if not (self.search or self.comments or self.mentions):
            raise ValueError("enable at least one of search, comments, mentions")
        return self


class _NoRetry(RetryStrategy):
    """Turns off prawcore's own retries, whose sleeps cannot be injected; the
    listener's :class:`Retrier` retries instead, on the injected clock."""

    def _sleep_seconds(self) -> float | None:
        return None

    def consume_available_retry(self) -> _NoRetry:
        return self

    def should_retry_on_failure(self) -> bool:
        return False


class RedditListener(ApiListener[RedditOptions]):
    """Polls Reddit for brand mentions; one page per stream (search, comments, mentions)."""

    platform = "reddit"

    def __init__(
        self,
        name: str,
        options: RedditOptions,
        matcher: BrandMatcher,
        *,
        env: Mapping[str, str],
        praw_kwargs: Mapping[str, Any] | None = None,
        clock: Clock = utc_now,
        sleep: Sleep = real_sleep,
    ) -> None:
        super().__init__(name, options, matcher, clock=clock, sleep=sleep)
        self._env = env
        self._praw_kwargs = dict(praw_kwargs or {})

    def poll(self, cursor: str | None) -> Iterator[PollPage]:
        """Yield one page per enabled stream with the items not seen before."""
        self._retrier.start_run()
        if not self.options.api_approved:
            raise SourceUnavailable(
                f"source {self._name!r}: Reddit API access needs Reddit's approval "
                "(Responsible Builder Policy); once approved set api_approved: true"
            )
        state = cursors.load(cursor)
        reddit = self._client()
        for stream, fetch in self._streams(reddit):
            self._check_pacing(reddit, stream)
            page, state[stream] = self._poll_stream(stream, fetch, state.get(stream) or {})
            state["v"] = 1
            yield PollPage(
                mentions=page.mentions,
                cursor=cursors.dump(state),
                fetched=page.fetched,
                warnings=page.warnings,
            )

    def _client(self) -> praw.Reddit:
        env, name = self._env, self._name
        kwargs: dict[str, Any] = {
            "client_id": resolve(name, self.options.client_id, env),
            "client_secret": resolve(name, self.options.client_secret, env),
            "user_agent": self.options.user_agent,
            "check_for_updates": False,
            "check_for_async": False,
            "ratelimit_seconds": 0,  # "doing that too much" raises at once; we defer it
        }
        username = resolve_optional(name, self.options.username, env)
        password = resolve_optional(name, self.options.password, env)
        if username and password:
            kwargs.update(username=username, password=password)
        reddit = praw.Reddit(**{**kwargs, **self._praw_kwargs})
        for core in ("_core", "_authorized_core", "_read_only_core"):
            session = getattr(reddit, core, None)
            if session is not None and hasattr(session, "_retry_strategy_class"):
                session._retry_strategy_class = _NoRetry
        return reddit

    def _streams(self, reddit: praw.Reddit) -> Iterator[tuple[str, Callable[[], Iterable[Any]]]]:
        subs = reddit.subreddit("+".join(self.options.subreddits))
        limit = self.options.limit
        if self.options.search:
            query = self.options.query or self._default_query()
            yield (
                "search",
                lambda: subs.search(
                    query, sort="new", time_filter=self.options.time_filter, limit=limit
                ),
            )
        if self.options.comments:
            yield "comments", lambda: subs.comments(limit=limit)
        if self.options.mentions:
            yield "mentions", lambda: reddit.inbox.mentions(limit=limit)

    def _check_pacing(self, reddit: praw.Reddit, stream: str) -> None:
        """Defer instead of letting prawcore sleep (for real) past ``max_wait_s``.

        prawcore paces requests from Reddit's X-Ratelimit headers and, when the window
        is used up, sleeps until it resets (up to 10 minutes) before the next request.
        """
        limiter = getattr(getattr(reddit, "_core", None), "rate_limiter", None)
        next_ns = getattr(limiter, "next_request_timestamp_ns", None)
        if not isinstance(next_ns, int):
            return
        wait = (next_ns - time.monotonic_ns()) / 1e9
        if wait > self.options.max_wait_s:
            retry_at = self._retrier.now() + timedelta(seconds=wait)
            raise RateLimited(
                f"source {self._name!r}: Reddit's request budget is spent for {wait:.0f}s "
                f"before reading {stream}; deferred until {retry_at:%Y-%m-%d %H:%M:%S}Z, "
                "the next run resumes from the stored cursor",
                retry_at,
            )

    def _default_query(self) -> str:
        terms = sorted({t for b in self.matcher.brands for t in b.terms})
        return " OR ".join(f'"{t}"' if " " in t else t for t in terms)

    def _poll_stream(
        self, stream: str, fetch: Callable[[], Iterable[Any]], previous: dict[str, Any]
    ) -> tuple[PollPage, dict[str, Any]]:
        seen = set(previous.get("seen") or [])
        since = float(previous.get("since") or 0)
        items = self._retrier.call(
            f"reading Reddit {stream}", lambda: _take_new(fetch(), seen, since), self._classify
        )
        mentions: list[Mention] = []
        warnings: list[str] = []
        for item in items:
            try:
                mention = self._mention(stream, item)
            except (KeyError, TypeError, ValueError) as exc:
                warnings.append(f"reddit {_fullname(item)}: unreadable item skipped ({exc})")
                continue
            if mention is not None:
                mentions.append(mention)
        times = [_created(i) for i in items]
        state = {
            "seen": cursors.remember(seen, [_fullname(i) for i in items], self.options.seen_limit),
            "since": max([since, *times]),
        }
        return PollPage(
            mentions=mentions, cursor=None, fetched=len(items), warnings=warnings
        ), state

    def _mention(self, stream: str, item: Any) -> Mention | None:
        # Read the fetched fields only: getattr on a missing attribute makes praw
        # lazily fetch the whole object, one request per item.
        data = vars(item)
        title = data.get("title") or data.get("link_title")
        text = data.get("selftext") or data.get("body") or ""
        brand = self._own_brand() if stream == "mentions" else None
        brand = brand or self.matcher.match(title, text)
        if brand is None:
            return None
        author = str(data["author"]) if data.get("author") is not None else None
        permalink = data.get("permalink") or data.get("context")
        return Mention(
            platform=self.platform,
            external_id=_fullname(item),
            source=self._name,
            brand=brand,
            text=text or title or "",
            author=Author(
                platform=self.platform,
                user_id=data.get("author_fullname"),
                handle=author,
                display_name=author,
                profile_url=f"https://www.reddit.com/user/{author}" if author else None,
            ),
            created_at=datetime.fromtimestamp(float(data["created_utc"]), UTC),
            url=f"https://www.reddit.com{permalink}" if permalink else None,
            title=title,
            raw_json=to_json(_raw(item)),
        )

    def _own_brand(self) -> str | None:
        """The brand whose Reddit handle is the account being polled."""
        username = resolve_optional(self._name, self.options.username, self._env) or ""
        for brand in self.matcher.brands:
            if brand.handles.get("reddit", "").lower().removeprefix("u/") == username.lower():
                return brand.name
        return None

    def _classify(self, exc: Exception) -> TransientError | ThrottledError | None:
        if isinstance(exc, prawcore.TooManyRequests):
            headers = exc.response.headers
            wait = parse_retry_after(headers.get("retry-after"), self._retrier.now())
            if wait is None and headers.get("x-ratelimit-reset", "").isdigit():
                wait = float(headers["x-ratelimit-reset"])
            return ThrottledError("HTTP 429 from Reddit", retry_after=wait)
        if isinstance(exc, prawcore.ServerError):
            return TransientError(f"HTTP {exc.response.status_code} from Reddit")
        if isinstance(exc, prawcore.RequestException):
            return TransientError(f"network error talking to Reddit ({exc})")
        raise _refusal(self._name, exc) from exc


def _refusal(source: str, exc: Exception) -> SourceUnavailable:
    """A one-line error for failures that retrying will not fix."""
    status = getattr(getattr(exc, "response", None), "status_code", None)
    refused = prawcore.OAuthException | prawcore.InvalidToken | prawcore.Forbidden
    if isinstance(exc, refused) or status in (401, 403):
        return SourceUnavailable(
            f"source {source!r}: Reddit refused the credentials ({exc}); check the client "
            "id/secret and account variables and that the app is approved"
        )
    if isinstance(exc, prawcore.Redirect | prawcore.NotFound):
        return SourceUnavailable(
            f"source {source!r}: Reddit has no such subreddit or page ({exc}); "
            "check options.subreddits"
        )
    if isinstance(exc, prawcore.PrawcoreException | praw.exceptions.PRAWException):
        return SourceUnavailable(
            f"source {source!r}: Reddit request failed ({type(exc).__name__}: {exc}); "
            "re-run later or check the options"
        )
    if isinstance(exc, ValueError | KeyError):  # a payload praw could not read
        return SourceUnavailable(
            f"source {source!r}: unreadable response from Reddit ({type(exc).__name__}: {exc})"
        )
    raise exc


def _take_new(listing: Iterable[Any], seen: set[str], since: float) -> list[Any]:
    """Items newer than the cursor; stops at the first old one (listings are newest first)."""
    out = []
    taken: set[str] = set()
    for item in listing:
        name = _fullname(item)
        # A repeat inside one run means the listing wrapped around: stop there too.
        if name in seen or name in taken or (since and _created(item) < since - _OVERLAP_S):
            break
        taken.add(name)
        out.append(item)
    return out


def _fullname(item: Any) -> str:
    data = vars(item)
    return str(data.get("name") or item.fullname)


def _created(item: Any) -> float:
    try:
        return float(vars(item).get("created_utc") or 0)
    except (TypeError, ValueError):
        return 0.0


def _raw(item: Any) -> dict[str, Any]:
    """The item's fields as Reddit sent them (praw keeps them as attributes)."""
    return {
        key: str(value) if isinstance(value, praw.models.base.PRAWBase) else value
        for key, value in vars(item).items()
        if not key.startswith("_")
    }
