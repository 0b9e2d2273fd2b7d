"""Reddit via praw: new posts matching the brand query, new comments in a short
allow-list of subreddits, and username mentions in the brand account's inbox.

Reddit's Responsible Builder Policy (Nov 2025) requires approval for new OAuth
tokens and a separate agreement for commercial use, so the listener refuses to
poll until ``api_approved: true`` is set in its options.

Cursor: a window per stream (``search``, ``comments``, ``mentions``; see
:mod:`listeners.window`): ``since`` is the newest ``created_utc`` read, ``seen`` the
fullnames read, and an open window resumes below its last item with Reddit's ``after``.
"""

from __future__ import annotations

import html
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Annotated, Any, Literal

import praw
import prawcore
from prawcore.sessions import RetryStrategy
from pydantic import Field, model_validator

from common.credentials import SecretRef, resolve_optional
from common.errors import RateLimited, SourceUnavailable
from common.records import reply_title
from listeners.api_base import ApiListener, ApiOptions, RawPage, Stream
from listeners.base import Author, Mention
from listeners.bounds import NonBlank, within
from listeners.convert import require_time, to_json
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

_OVERLAP_S = 3600  # items up to an hour older than the newest seen are still checked
_PAGE = 100  # Reddit's largest listing page


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
    subreddits: list[NonBlank] = Field(
        default_factory=lambda: ["all"], min_length=1, description="Subreddits to watch."
    )
    query: NonBlank | None = Field(
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
    limit: Annotated[int, within(1, 1000, "items")] = Field(
        default=100, description="Items read per stream per poll (1-1000), in pages of 100."
    )
    seen_limit: Annotated[int, within(10, 10_000, "ids")] = Field(
        default=1000, description="Ids remembered per stream (10-10000)."
    )

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


@dataclass(slots=True)
class _Run:
    """One poll: the client, the account polled, and items read per stream so far."""

    reddit: praw.Reddit
    account: str | None
    taken: dict[str, int] = field(default_factory=dict)


class RedditListener(ApiListener[RedditOptions, _Run]):
    """Polls Reddit for brand mentions: up to ``limit`` items per stream and run, in
    pages of up to 100; a window left unread resumes on the next run (``after``)."""

    platform = "reddit"
    service_name = "Reddit"
    budget_option = "limit"
    hints = Hints(
        refused="check the client id/secret and account variables and that the app is approved",
        missing="check options.subreddits",
    )

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
        super().__init__(name, options, matcher, env=env, clock=clock, sleep=sleep)
        self._praw_kwargs = dict(praw_kwargs or {})

    def _start(self, state: dict[str, Any]) -> _Run:
        if not self.options.api_approved:
            raise SourceUnavailable(
                f"source {self._name!r}: Reddit API access needs Reddit's approval "
                "(Responsible Builder Policy); once approved set api_approved: true"
            )
        kwargs: dict[str, Any] = {
            "client_id": self._secret(self.options.client_id),
            "client_secret": self._secret(self.options.client_secret),
            "user_agent": self.options.user_agent,
            "check_for_updates": False,
            "check_for_async": False,
            "ratelimit_seconds": 0,  # "doing that too much" raises at once; we defer it
        }
        username = resolve_optional(self._name, self.options.username, self._env)
        password = self._optional_secret(self.options.password)
        if username and password:
            kwargs.update(username=username, password=password)
        reddit = praw.Reddit(**{**kwargs, **self._praw_kwargs})
        _read_null_authors_as_deleted(reddit)
        for core in ("_core", "_authorized_core", "_read_only_core"):
            session = getattr(reddit, core, None)
            if session is not None and hasattr(session, "_retry_strategy_class"):
                session._retry_strategy_class = _NoRetry
        return _Run(reddit, username)

    def _streams(self, run: _Run) -> Iterator[Stream]:
        if self.options.search:
            yield Stream("search", "search", {"query": self.options.query or self._default_query()})
        if self.options.comments:
            yield Stream("comments", "comments")
        if self.options.mentions:
            yield Stream("mentions", "mentions", brand=self._own_brand(run.account))

    def _can_fetch(self, run: _Run, stream: Stream, pages: int) -> bool:
        return run.taken.get(stream.key, 0) < self.options.limit

    def _fetch(self, run: _Run, stream: Stream, window: Window) -> RawPage:
        self._check_pacing(run.reddit, stream.kind)
        count = min(_PAGE, self.options.limit - run.taken.get(stream.key, 0))
        params = {"after": str(window.resume)} if window.resume else {}
        listing = self._listing(run.reddit, stream, count, params)
        items, ended = self._retrier.call(
            f"reading Reddit {stream.kind}", lambda: self._take(listing, window), self._classify
        )
        run.taken[stream.key] = run.taken.get(stream.key, 0) + len(items)
        # A full page may have more below it; a short one is the listing's end.
        resume = _fullname(items[-1]) if items and not ended and len(items) >= count else None
        return RawPage(items, resume=resume)

    def _take(self, listing: Callable[[], Iterable[Any]], window: Window) -> tuple[list[Any], bool]:
        """New items, newest first; stops (True) at the first one read before.

        praw fetches the next batch lazily, so stopping early saves requests.
        """
        known = window.known()
        out: list[Any] = []
        for item in _items(listing):
            name = _fullname(item)
            # A repeat inside one run means the listing wrapped around: stop there too.
            if name in known or self._is_old(item, window):
                return out, True
            known.add(name)
            out.append(item)
        return out, False

    def _listing(
        self, reddit: praw.Reddit, stream: Stream, count: int, params: dict[str, str]
    ) -> Callable[[], Iterable[Any]]:
        subs = reddit.subreddit("+".join(self.options.subreddits))
        if stream.kind == "search":
            query, period = str(stream.params["query"]), self.options.time_filter
            return lambda: subs.search(
                query, sort="new", time_filter=period, limit=count, params=params
            )
        if stream.kind == "comments":
            return lambda: subs.comments(limit=count, params=params)
        return lambda: reddit.inbox.mentions(limit=count, params=params)

    def _key(self, item: Any) -> str | None:
        return _fullname(item)

    def _mark(self, item: Any) -> float:
        return float(vars(item)["created_utc"])

    def _is_old(self, item: Any, window: Window) -> bool:
        if _fullname(item) in window.seen:
            return True
        since = float(window.since or 0)
        return bool(since) and _created(item) < since - _OVERLAP_S

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

    def _convert(self, run: _Run, stream: Stream, item: Any) -> Mention | None:
        # Read the fetched fields only: getattr on a missing attribute makes praw
        # lazily fetch the whole object, one request per item.
        data = vars(item)
        # Reddit sends &, < and > in titles and markdown as &amp;, &lt;, &gt;
        title = _plain(data.get("title") or data.get("link_title"))
        text = _plain(data.get("selftext") or data.get("body")) or ""
        # A comment mentions the brand by its own words; its post's title is context
        # (stored as "Re: <title>", never classified as the commenter's words).
        own = (text,) if "body" in data else (title, text)
        if "body" in data:
            title = reply_title(title)
        brand = stream.brand or self.matcher.match(*own)
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
            created_at=require_time(data["created_utc"], "created_utc"),
            url=f"https://www.reddit.com{permalink}" if permalink else None,
            title=title,
            raw_json=to_json(_raw(item)),
        )

    def _classify(self, exc: Exception) -> TransientError | ThrottledError | None:
        if isinstance(exc, prawcore.ResponseException) and not isinstance(exc, prawcore.Redirect):
            response = exc.response
            wait = parse_retry_after(response.headers.get("retry-after"), self._retrier.now())
            reset = response.headers.get("x-ratelimit-reset", "")
            if wait is None and reset.isdigit():
                wait = float(reset)
            failure = self._status_error(response.status_code, _body(response), wait)
            if isinstance(failure, TransientError | ThrottledError):
                return failure
            if failure is not None:
                raise failure from exc
        if isinstance(exc, prawcore.RequestException):
            return TransientError(f"network error talking to Reddit ({error_text(exc)})")
        refusal = self._refusal(exc)
        if refusal is None:
            return None
        raise refusal from exc

    def _refusal(self, exc: Exception) -> SourceUnavailable | None:
        """A one-line error for failures that retrying will not fix (None: a bug)."""
        if isinstance(exc, prawcore.OAuthException):
            return SourceUnavailable(
                f"source {self._name!r}: Reddit refused the credentials ({error_text(exc)}); "
                f"{self.hints.refused}"
            )
        if isinstance(exc, prawcore.Redirect):
            return SourceUnavailable(
                f"source {self._name!r}: Reddit has no such subreddit or page "
                f"({error_text(exc)}); {self.hints.missing}"
            )
        if isinstance(exc, prawcore.PrawcoreException | praw.exceptions.PRAWException):
            return SourceUnavailable(
                f"source {self._name!r}: Reddit request failed ({error_text(exc)}); "
                "re-run later or check the options"
            )
        if isinstance(exc, ValueError | KeyError | TypeError | RecursionError):
            return self._unreadable("reading a listing", exc)  # a payload praw could not read
        return None


class _NullAuthorAsDeleted:
    """A praw parser that reads ``"author": null`` as Reddit's ``"[deleted]"``.

    praw turns ``"[deleted]"`` into ``author=None`` (a post whose account is gone: kept,
    with no person to follow up), but builds ``Redditor(None)`` from null, which fails
    the whole listing; one odd item must not lose the page.
    """

    def __init__(self, parser: Any) -> None:
        self._parser = parser

    def parse(self, data: Any, reddit: praw.Reddit) -> Any:
        if isinstance(data, dict) and "author" in data and data["author"] is None:
            data["author"] = "[deleted]"
        return self._parser.parse(data, reddit)


def _read_null_authors_as_deleted(reddit: praw.Reddit) -> None:
    parsers = getattr(getattr(reddit, "_objector", None), "parsers", None)
    if not isinstance(parsers, dict):
        return
    for kind in ("comment", "submission"):  # Message.parse already takes a null author
        key = reddit.config.kinds[kind]
        if key in parsers:
            parsers[key] = _NullAuthorAsDeleted(parsers[key])


def _body(response: Any) -> str:
    try:
        return str(response.text)
    except Exception:  # an undecodable body says nothing useful
        return ""


def _items(listing: Callable[[], Iterable[Any]]) -> Iterator[Any]:
    """The listing's items. praw reads a reply that is not a listing (``[]``, a listing
    without ``children``, another kind of object) into an AttributeError or IndexError:
    that is an unreadable reply (ValueError), not an internal error."""
    items = iter(listing())
    while True:
        try:
            item = next(items)
        except StopIteration:
            return
        except (AttributeError, IndexError) as exc:
            raise ValueError(f"not a listing ({error_text(exc, 80)})") from exc
        yield item


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


def _plain(value: object) -> str | None:
    """A text field as its author wrote it (Reddit escapes &, < and > as entities)."""
    return html.unescape(str(value)) if value else None
