"""X (Twitter) via tweepy's v2 ``Client``: the brand account's mentions timeline
(the cheap "owned read") and, optionally, recent search for unlinked brand terms.

Reads cost money on X's pay-per-use plan, so every run has a read budget
(``max_reads`` posts), ``dry_run`` reports what a run would read without calling
the API, and each page reports the reads it spent. tweepy's own
``wait_on_rate_limit`` (unbounded recursive sleeps) is never used: 429s go through
:class:`~listeners.retry.Retrier`, which waits briefly or defers to the next run.

Cursor, per stream (``mentions``, ``search``)::

    {"since_id": newest id fully read, "window_newest": id, "until_id": id}

While a window of new posts is read page by page (newest to oldest), ``until_id``
marks how far it got, so a crash or a spent budget resumes inside the window.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from types import MappingProxyType
from typing import Any

import requests
import tweepy
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
    epoch_to_utc,
    real_sleep,
    utc_now,
)

ClientFactory = Callable[[str], tweepy.Client]
_TWEET_FIELDS = ("created_at", "lang", "author_id", "conversation_id", "referenced_tweets")
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
    query: str | None = Field(
        default=None, description="Recent-search query for unlinked brand mentions (optional)."
    )
    lang: str | None = Field(
        default=None, description="Restrict search to a language: 'in' (or 'id') = Indonesian."
    )
    exclude_retweets: bool = Field(default=True, description="Add -is:retweet to the search.")
    max_reads: int = Field(
        default=500, ge=0, description="Reads (posts + users returned) allowed per run."
    )
    page_size: int = Field(default=100, ge=10, le=100, description="Posts per request.")
    backfill_hours: int = Field(
        default=24, ge=1, le=168, description="On the first run, read back this many hours."
    )
    dry_run: bool = Field(default=False, description="Report what would be read; read nothing.")
    timeout_s: float = Field(default=20.0, gt=0, description="Per-request timeout, seconds.")


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
    """Per-run state: the client and the read budget left."""

    client: tweepy.Client
    budget: int
    user_id: str | None = None


class XListener(ApiListener[XOptions]):
    """Polls X for brand mentions within a per-run read budget."""

    platform = "x"

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
        super().__init__(name, options, matcher, clock=clock, sleep=sleep)
        self._env = env
        self._client_factory = client_factory
        self._clock = clock

    def poll(self, cursor: str | None) -> Iterator[PollPage]:
        """Yield pages of new mentions, newest window first, until done or out of budget."""
        self._retrier.start_run()
        token = resolve(self._name, self.options.bearer_token, self._env)
        state = cursors.load(cursor)
        if self.options.dry_run:
            yield PollPage(mentions=[], cursor=None, warnings=[self._plan(state)])
            return
        client = self._client_factory(token)
        client.session.mount("https://", _TimeoutAdapter(self.options.timeout_s))
        run = _Run(client, self.options.max_reads, self.options.user_id or state.get("user_id"))
        for stream in self._streams():
            yield from self._poll_stream(run, stream, state)
            if run.budget < _MIN_RESULTS[stream]:
                break

    def _streams(self) -> list[str]:
        out = []
        if self.options.mentions:
            out.append("mentions")
        if self.options.query:
            out.append("search")
        return out

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
        budget = self.options.max_reads
        for stream in self._streams():
            since = (state.get(stream) or {}).get("since_id")
            where = (
                f"mentions of @{self._username()}"
                if stream == "mentions"
                else f"search {self._search_query()!r}"
            )
            start = (
                f"after id {since}" if since else f"from the last {self.options.backfill_hours}h"
            )
            parts.append(f"{where} {start} (${_PRICE[stream]:.3f}/post)")
        worst = budget * max((_PRICE[s] for s in self._streams()), default=0.0)
        return (
            f"dry run: would read up to {budget} posts: "
            + "; ".join(parts)
            + f"; at most ${worst:.2f}; nothing was read"
        )

    def _poll_stream(self, run: _Run, stream: str, state: dict[str, Any]) -> Iterator[PollPage]:
        st: dict[str, Any] = dict(state.get(stream) or {})
        while run.budget >= _MIN_RESULTS[stream]:
            count = max(min(self.options.page_size, run.budget), _MIN_RESULTS[stream])
            payload = self._fetch(run, stream, st, count)
            page, st = self._page(stream, st, payload)
            run.budget -= page.reads
            state[stream] = st
            if run.user_id:
                state["user_id"] = run.user_id
            state["v"] = 1
            yield PollPage(
                mentions=page.mentions,
                cursor=cursors.dump(state),
                fetched=page.fetched,
                warnings=page.warnings,
                reads=page.reads,
            )
            if not st.get("until_id"):
                return
        yield PollPage(
            mentions=[],
            cursor=None,
            warnings=[
                f"x {stream}: read budget of {self.options.max_reads} posts spent; "
                "the rest is read on the next run (raise max_reads to read more per run)"
            ],
        )

    def _fetch(self, run: _Run, stream: str, st: dict[str, Any], count: int) -> dict[str, Any]:
        params: dict[str, Any] = {
            "max_results": count,
            "expansions": ["author_id"],
            "tweet_fields": list(_TWEET_FIELDS),
            "user_fields": list(_USER_FIELDS),
        }
        if st.get("since_id"):
            params["since_id"] = st["since_id"]
        else:
            params["start_time"] = self._clock() - timedelta(hours=self.options.backfill_hours)
        if st.get("until_id"):
            params["until_id"] = st["until_id"]
        if stream == "mentions":
            call = partial(run.client.get_users_mentions, self._user_id(run), **params)
        else:
            call = partial(run.client.search_recent_tweets, self._search_query(), **params)
        result = self._retrier.call(f"reading X {stream}", call, self._classify)
        if not isinstance(result, dict):
            raise SourceUnavailable(f"source {self._name!r}: unexpected reply from X")
        return result

    def _user_id(self, run: _Run) -> str:
        if run.user_id is None:
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
            run.user_id = str(data["id"])
            run.budget -= 1
        return run.user_id

    def _page(
        self, stream: str, st: dict[str, Any], payload: dict[str, Any]
    ) -> tuple[PollPage, dict[str, Any]]:
        tweets = [t for t in payload.get("data") or [] if isinstance(t, dict)]
        users = {
            str(u.get("id")): u
            for u in (payload.get("includes") or {}).get("users") or []
            if isinstance(u, dict)
        }
        meta = payload.get("meta") or {}
        mentions, warnings = self._mentions(stream, tweets, users)
        warnings += [f"x {stream}: {_error_line(e)}" for e in payload.get("errors") or []]
        newest = st.get("window_newest") or meta.get("newest_id")
        until = str(meta.get("oldest_id") or _min_id(tweets)) if tweets else None
        previous = st.get("until_id")
        # Only walk on while ids go down: a server repeating a page must not loop us.
        if meta.get("next_token") and until and (not previous or int(until) < int(previous)):
            next_st = {"since_id": st.get("since_id"), "window_newest": newest, "until_id": until}
        else:
            next_st = {"since_id": newest or st.get("since_id")}
        page = PollPage(
            mentions=mentions,
            cursor=None,
            fetched=len(tweets),
            warnings=warnings,
            reads=len(tweets) + len(users),
        )
        return page, next_st

    def _mentions(
        self, stream: str, tweets: list[dict[str, Any]], users: dict[str, dict[str, Any]]
    ) -> tuple[list[Mention], list[str]]:
        own = self._own_brand() if stream == "mentions" else None
        out: list[Mention] = []
        warnings: list[str] = []
        for tweet in tweets:
            try:
                mention = self._mention(tweet, users, own)
            except (KeyError, TypeError, ValueError) as exc:
                warnings.append(f"x post {tweet.get('id', '?')}: unreadable, skipped ({exc!r})")
                continue
            if mention is not None:
                out.append(mention)
        return out, warnings

    def _mention(
        self, tweet: dict[str, Any], users: dict[str, dict[str, Any]], own: str | None
    ) -> Mention | None:
        text = str(tweet["text"])
        tweet_id = str(int(tweet["id"]))
        brand = own or self.matcher.match(text)
        if brand is None:
            return None
        user = users.get(str(tweet.get("author_id")), {})
        username = user.get("username")
        created = parse_time(tweet.get("created_at")) or _snowflake_time(tweet_id)
        return Mention(
            platform=self.platform,
            external_id=tweet_id,
            source=self._name,
            brand=brand,
            text=text,
            author=Author(
                platform=self.platform,
                user_id=str(tweet["author_id"]) if tweet.get("author_id") else None,
                handle=username,
                display_name=user.get("name"),
                profile_url=f"https://x.com/{username}" if username else None,
            ),
            created_at=created,
            url=f"https://x.com/{username or 'i/web'}/status/{tweet_id}",
            lang_hint=tweet.get("lang"),
            raw_json=to_json({"tweet": tweet, "author": user or None}),
        )

    def _own_brand(self) -> str | None:
        username = (self.options.username or "").lstrip("@").lower()
        for brand in self.matcher.brands:
            handle = brand.handles.get("x", "").lstrip("@").lower()
            if handle and (handle == username or not username):
                return brand.name
        return None

    def _classify(self, exc: Exception) -> TransientError | ThrottledError | None:
        if isinstance(exc, tweepy.TooManyRequests):
            return ThrottledError("HTTP 429 from X", retry_at=epoch_to_utc(exc.reset_time))
        if isinstance(exc, tweepy.TwitterServerError):
            return TransientError(f"HTTP {exc.response.status_code} from X")
        if isinstance(exc, requests.ConnectionError | requests.Timeout):
            return TransientError(f"network error talking to X ({type(exc).__name__})")
        if isinstance(exc, tweepy.Unauthorized | tweepy.Forbidden):
            raise SourceUnavailable(
                f"source {self._name!r}: X refused the request ({_first_line(exc)}); check the "
                "bearer token and that the app's access covers this endpoint"
            ) from exc
        if isinstance(exc, tweepy.HTTPException):
            raise SourceUnavailable(
                f"source {self._name!r}: X answered {exc.response.status_code} "
                f"({_first_line(exc)}); check the query and options"
            ) from exc
        if isinstance(exc, ValueError):  # the body was not JSON
            raise SourceUnavailable(
                f"source {self._name!r}: unreadable reply from X ({exc}); re-run later"
            ) from exc
        return None


def _first_line(exc: Exception) -> str:
    return " ".join(str(exc).split())[:200]


def _error_line(error: Any) -> str:
    if isinstance(error, dict):
        return str(error.get("detail") or error.get("title") or error.get("message") or error)
    return str(error)


def _min_id(tweets: list[dict[str, Any]]) -> str:
    return str(min(int(t["id"]) for t in tweets))


def _snowflake_time(tweet_id: str) -> datetime:
    """When an X post was created, from its id (used when created_at is missing)."""
    millis = (int(tweet_id) >> 22) + _TWITTER_EPOCH_MS
    return datetime.fromtimestamp(millis / 1000, UTC)
