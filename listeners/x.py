"""X (Twitter) via tweepy's v2 ``Client``: the brand account's mentions timeline
(the cheap "owned read") and, optionally, recent search for unlinked brand terms.

Reads cost money on X's pay-per-use plan, so every run has a read budget
(``max_reads`` posts), ``dry_run`` reports what a run would read without calling
the API, and each page reports the reads it spent. tweepy's own
``wait_on_rate_limit`` (unbounded recursive sleeps) is never used: 429s go through
:class:`~listeners.retry.Retrier`, which waits briefly or defers to the next run.

Cursor: a window per stream (``mentions``, ``search``; see :mod:`listeners.window`):
``since`` is the newest id fully read (sent as ``since_id``); while a window of new
posts is read page by page (newest to oldest) its ``resume`` is the oldest id read
(sent as ``until_id``), so a crash or a spent budget resumes inside the window.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from types import MappingProxyType
from typing import Annotated, Any

import requests
import tweepy
from pydantic import Field

from common.credentials import SecretRef
from common.errors import SourceUnavailable
from listeners import cursors
from listeners.api_base import ApiListener, ApiOptions, RawPage, Stream
from listeners.base import Author, Mention, PollPage
from listeners.bounds import NonBlank, Seconds, within
from listeners.convert import parse_time, require_time, to_json
from listeners.failures import Hints, one_line
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
from listeners.window import Window

ClientFactory = Callable[[str], tweepy.Client]
# note_tweet: a post over 280 characters comes with ``text`` cut there; the whole text is
# only in ``note_tweet.text``, and only when asked for.
_TWEET_FIELDS = (
    "created_at",
    "lang",
    "author_id",
    "conversation_id",
    "referenced_tweets",
    "note_tweet",
)
_USER_FIELDS = ("username", "name", "url", "verified")
# USD per post read on X's pay-per-use plan (2026); owned mentions are the cheap read.
_PRICE = MappingProxyType({"mentions": 0.001, "search": 0.005})
_MIN_RESULTS = MappingProxyType({"mentions": 5, "search": 10})  # the API's max_results floor
_TWITTER_EPOCH_MS = 1288834974657


class XOptions(ApiOptions):
    """Options of an ``x`` source."""

    bearer_token: SecretRef = Field(description="${ENV} reference to the app bearer token.")
    username: str | None = Field(
        default=None,
        description="Brand account whose mentions to read (no @); default: the brand's x handle.",
    )
    user_id: str | None = Field(
        default=None, description="Numeric id of that account (saves one user lookup)."
    )
    mentions: bool = Field(default=True, description="Read the account's mentions timeline.")
    query: NonBlank | None = Field(
        default=None, description="Recent-search query for unlinked brand mentions (optional)."
    )
    lang: str | None = Field(
        default=None, description="Restrict search to a language: 'in' (or 'id') = Indonesian."
    )
    exclude_retweets: bool = Field(default=True, description="Add -is:retweet to the search.")
    max_reads: Annotated[int, within(0, 1_000_000, "reads")] = Field(
        default=500, description="Reads (posts + users returned) allowed per run (0-1000000)."
    )
    page_size: Annotated[int, within(10, 100, "posts")] = Field(
        default=100, description="Posts per request (10-100)."
    )
    backfill_hours: Annotated[int, within(1, 168, "hours")] = Field(
        default=24, description="On the first run, read back this many hours (1-168)."
    )
    dry_run: bool = Field(default=False, description="Report what would be read; read nothing.")
    timeout_s: Seconds = Field(default=20.0, description="Per-request timeout (0.1-600 s).")


class _TimeoutAdapter(requests.adapters.HTTPAdapter):
    """tweepy sends requests without a timeout; this adapter supplies one."""

    def __init__(self, timeout: float) -> None:
        super().__init__()
        self._timeout = timeout

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self._timeout
        return super().send(request, **kwargs)


def default_client(bearer_token: str) -> tweepy.Client:
    """A read-only app client that never sleeps on rate limits by itself."""
    return tweepy.Client(bearer_token=bearer_token, return_type=dict, wait_on_rate_limit=False)


@dataclass(slots=True)
class _Run:
    """Per-run state: the client, the read budget left, the cursor, the users of a page."""

    client: tweepy.Client
    budget: int
    state: dict[str, Any]
    users: dict[str, dict[str, Any]] = field(default_factory=dict)


class XListener(ApiListener[XOptions, _Run]):
    """Polls X for brand mentions within a per-run read budget."""

    platform = "x"
    service_name = "X"
    backfills = True  # the first window is bounded by backfill_hours
    legacy_since = ("since_id",)
    budget_option = "max_reads"
    hints = Hints(
        refused="check the bearer token and that the app's access covers this endpoint",
        missing="check username and user_id",
        other="check the query and options",
    )

    def __init__(
        self,
        name: str,
        options: XOptions,
        matcher: BrandMatcher,
        *,
        env: Mapping[str, str],
        client_factory: ClientFactory = default_client,
        clock: Clock = utc_now,
        sleep: Sleep = real_sleep,
    ) -> None:
        super().__init__(name, options, matcher, env=env, clock=clock, sleep=sleep)
        self._client_factory = client_factory

    def poll(self, cursor: str | None) -> Iterator[PollPage]:
        """Yield pages of new posts, newest window first, until done or out of budget."""
        if self.options.dry_run:
            return self._guarded(self._dry_run(cursor))
        return super().poll(cursor)

    def _dry_run(self, cursor: str | None) -> Iterator[PollPage]:
        self._secret(self.options.bearer_token)  # a missing variable fails a dry run too
        yield PollPage(mentions=[], cursor=None, warnings=[self._plan(cursors.load(cursor))])

    def _start(self, state: dict[str, Any]) -> _Run:
        client = self._client_factory(self._secret(self.options.bearer_token))
        client.session.mount("https://", _TimeoutAdapter(self.options.timeout_s))
        if self.options.user_id:
            state["user_id"] = self.options.user_id
        return _Run(client, self.options.max_reads, state)

    def _streams(self, run: _Run) -> Iterator[Stream]:
        if self.options.mentions:
            yield Stream("mentions", "mentions", brand=self._own_brand(self._username()))
        if self.options.query:
            yield Stream("search", "search")

    def _can_fetch(self, run: _Run, stream: Stream, pages: int) -> bool:
        return run.budget >= _MIN_RESULTS[stream.kind]

    def _search_query(self) -> str:
        query = self.options.query or ""
        lang = self.options.lang
        if lang:
            # X uses "in" for Indonesian; "id" is what people (and ISO 639-1) write.
            query += f" lang:{'in' if lang == 'id' else lang}"
        if self.options.exclude_retweets and "is:retweet" not in query:
            query += " -is:retweet"
        return query.strip()

    def _username(self) -> str:
        if self.options.username:
            return self.options.username.lstrip("@")
        handles = {b.handles["x"] for b in self.matcher.brands if b.handles.get("x")}
        if len(handles) != 1:
            raise SourceUnavailable(
                f"source {self._name!r}: cannot tell whose mentions to read; set username "
                "in the source options"
            )
        return handles.pop().lstrip("@")

    def _plan(self, state: dict[str, Any]) -> str:
        parts = []
        streams = [s.kind for s in self._streams_planned()]
        for stream in streams:
            since = Window.load(state.get(stream), self.legacy_since).since
            where = (
                f"mentions of @{self._username()}"
                if stream == "mentions"
                else f"search {self._search_query()!r}"
            )
            start = (
                f"after id {since}" if since else f"from the last {self.options.backfill_hours}h"
            )
            parts.append(f"{where} {start} (${_PRICE[stream]:.3f}/post)")
        budget = self.options.max_reads
        worst = budget * max((_PRICE[s] for s in streams), default=0.0)
        return (
            f"dry run: would read up to {budget} posts: "
            + "; ".join(parts)
            + f"; at most ${worst:.2f}; nothing was read"
        )

    def _streams_planned(self) -> list[Stream]:
        out = [Stream("mentions", "mentions")] if self.options.mentions else []
        return out + ([Stream("search", "search")] if self.options.query else [])

    def _fetch(self, run: _Run, stream: Stream, window: Window) -> RawPage:
        count = max(min(self.options.page_size, run.budget), _MIN_RESULTS[stream.kind])
        params: dict[str, Any] = {
            "max_results": count,
            "expansions": ["author_id"],
            "tweet_fields": list(_TWEET_FIELDS),
            "user_fields": list(_USER_FIELDS),
        }
        if window.since:
            params["since_id"] = window.since
        else:
            params["start_time"] = self._clock() - timedelta(hours=self.options.backfill_hours)
        if window.resume:
            params["until_id"] = window.resume
        if stream.kind == "mentions":
            call = partial(run.client.get_users_mentions, self._user_id(run), **params)
        else:
            call = partial(run.client.search_recent_tweets, self._search_query(), **params)
        payload = self._retrier.call(f"reading X {stream.kind}", call, self._classify)
        if not isinstance(payload, dict):
            raise self._unreadable(f"reading {stream.kind}")
        return self._raw_page(run, stream, window, payload)

    def _raw_page(
        self, run: _Run, stream: Stream, window: Window, payload: dict[str, Any]
    ) -> RawPage:
        data = payload.get("data")
        if data is not None and not isinstance(data, list):
            raise self._unreadable(f"reading {stream.kind}: 'data' is not a list")
        tweets: list[Any] = data or []  # a post that is not an object is one warning
        includes = payload.get("includes")
        users = includes.get("users") if isinstance(includes, dict) else None
        run.users = {str(u.get("id")): u for u in users or [] if isinstance(u, dict)}
        meta = payload.get("meta")
        errors = payload.get("errors")
        warnings = [f"x {stream.key}: {_error_line(e)}" for e in _list(errors)]
        ids = [i for i in (_id(t) for t in tweets) if i is not None]
        until = str(min(ids)) if ids else None
        # Only walk on while ids go down: a server repeating a page must not loop us.
        going_down = until is not None and (not window.resume or int(until) < int(window.resume))
        more = isinstance(meta, dict) and bool(meta.get("next_token"))
        resume = until if more and going_down else None
        reads = len(tweets) + len(run.users)
        run.budget -= reads
        return RawPage(tweets, resume=resume, reads=reads, warnings=warnings)

    def _user_id(self, run: _Run) -> str:
        if run.state.get("user_id"):
            return str(run.state["user_id"])
        username = self._username()
        reply = self._retrier.call(
            f"looking up @{username}",
            lambda: run.client.get_user(username=username),
            self._classify,
        )
        data = reply.get("data") if isinstance(reply, dict) else None
        if not isinstance(data, dict) or "id" not in data:
            raise SourceUnavailable(
                f"source {self._name!r}: X has no account @{username}; check username"
            )
        user_id = str(data["id"])
        run.state["user_id"] = user_id
        run.budget -= 1
        return user_id

    def _key(self, item: Any) -> str | None:
        ident = _id(item)
        return None if ident is None else str(ident)

    def _mark(self, item: Any) -> str | None:
        return self._key(item)

    def _newest(self, marks: Iterable[Any]) -> Any:
        return max(marks, key=int)

    def _seen_limit(self) -> int:
        return 200  # ids bound the window exactly; seen keys only guard repeats

    def _convert(self, run: _Run, stream: Stream, item: Any) -> Mention | None:
        text = html.unescape(_full_text(item))  # X sends &, < and > as &amp;, &lt;, &gt;
        tweet_id = str(int(item["id"]))
        brand = stream.brand or self.matcher.match(text)
        if brand is None:
            return None
        user = run.users.get(str(item.get("author_id")), {})
        username = user.get("username")
        created = parse_time(item.get("created_at")) or _snowflake_time(tweet_id)
        return Mention(
            platform=self.platform,
            external_id=tweet_id,
            source=self._name,
            brand=brand,
            text=text,
            author=Author(
                platform=self.platform,
                user_id=str(item["author_id"]) if item.get("author_id") else None,
                handle=username,
                display_name=user.get("name"),
                profile_url=f"https://x.com/{username}" if username else None,
            ),
            created_at=created,
            url=f"https://x.com/{username or 'i/web'}/status/{tweet_id}",
            lang_hint=item.get("lang"),
            raw_json=to_json({"tweet": item, "author": user or None}),
        )

    def _classify(self, exc: Exception) -> TransientError | ThrottledError | None:
        if isinstance(exc, tweepy.TooManyRequests):
            return ThrottledError("HTTP 429 from X", retry_at=epoch_to_utc(exc.reset_time))
        if isinstance(exc, tweepy.HTTPException):
            response = exc.response
            failure = self._status_error(response.status_code, _body(response))
            if isinstance(failure, TransientError | ThrottledError):
                return failure
            if failure is not None:
                raise failure from exc
        if isinstance(exc, requests.ConnectionError | requests.Timeout):
            return TransientError(f"network error talking to X ({type(exc).__name__})")
        if isinstance(exc, ValueError | RecursionError):  # the body was not (readable) JSON
            raise self._unreadable("reading posts", exc) from exc
        return None


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _id(tweet: Any) -> int | None:
    try:
        return int(tweet["id"])
    except (KeyError, TypeError, ValueError, OverflowError):  # inf, NaN, junk
        return None


def _body(response: Any) -> str:
    try:
        return str(response.text)
    except Exception:  # an undecodable body says nothing useful
        return ""


def _error_line(error: Any) -> str:
    if isinstance(error, dict):
        text = error.get("detail") or error.get("title") or error.get("message") or error
        return one_line(text)
    return one_line(error)


def _snowflake_time(tweet_id: str) -> datetime:
    """When an X post was created, from its id (used when created_at is missing)."""
    millis = (int(tweet_id) >> 22) + _TWITTER_EPOCH_MS
    return require_time(millis / 1000, "id time")


def _full_text(tweet: Mapping[str, Any]) -> str:
    """The post's whole text: a long post's ``text`` stops at 280 characters."""
    note = tweet.get("note_tweet")
    full = note.get("text") if isinstance(note, Mapping) else None
    return str(full) if isinstance(full, str) and full else str(tweet["text"])
