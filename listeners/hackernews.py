"""Hacker News via the public Algolia search API (no account needed): new stories
and comments matching each brand query.

New hits are read newest first back to the cursor, one page per request (at most
``max_pages`` per query and run); a window not read to its bottom resumes on the
next run below the oldest hit read (``created_at_i<=`` that second).

Cursor: a window per query, ``q:<query>`` (see :mod:`listeners.window`): ``since`` is
the newest ``created_at_i`` read, ``seen`` the objectIDs read.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import timedelta
from typing import Annotated, Any, Literal

import httpx
from pydantic import Field

from common.errors import SourceUnavailable
from common.records import reply_title
from listeners.api_base import ApiListener, ApiOptions, RawPage, Stream
from listeners.base import Author, Mention
from listeners.bounds import NonBlank, Seconds, within
from listeners.convert import html_to_text, require_time, to_json
from listeners.failures import Hints, one_line
from listeners.jsonsafe import loads_bounded
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

_HN = "https://news.ycombinator.com"
Kind = Literal["story", "comment"]


def _both_kinds() -> list[Kind]:
    return ["story", "comment"]


class HackerNewsOptions(ApiOptions):
    """Options of a ``hackernews`` source."""

    queries: list[NonBlank] | None = Field(
        default=None, description="Search queries; default: one per brand term."
    )
    tags: list[Kind] = Field(default_factory=_both_kinds, min_length=1, description="Item kinds.")
    api_url: NonBlank = Field(
        default="https://hn.algolia.com/api/v1", description="Algolia HN Search API base URL."
    )
    hits_per_page: Annotated[int, within(1, 1000, "hits")] = Field(
        default=100, description="Hits per request (1-1000)."
    )
    max_pages: Annotated[int, within(1, 100, "requests")] = Field(
        default=5, description="Requests per query per run (1-100)."
    )
    backfill_hours: Annotated[int, within(1, 720, "hours")] = Field(
        default=24, description="On the first run, read back this many hours (1-720)."
    )
    timeout_s: Seconds = Field(default=20.0, description="Per-request timeout (0.1-600 s).")
    seen_limit: Annotated[int, within(10, 10_000, "ids")] = Field(
        default=500, description="Ids remembered per query (10-10000)."
    )


class HackerNewsListener(ApiListener[HackerNewsOptions, httpx.Client]):
    """Polls Hacker News (Algolia search by date) for brand mentions."""

    platform = "hackernews"
    service_name = "HN search"
    backfills = True  # the first window is bounded by backfill_hours
    hints = Hints(missing="check api_url", other="check the queries and api_url")

    def __init__(
        self,
        name: str,
        options: HackerNewsOptions,
        matcher: BrandMatcher,
        *,
        env: Mapping[str, str] | None = None,
        transport: httpx.BaseTransport | None = None,
        clock: Clock = utc_now,
        sleep: Sleep = real_sleep,
    ) -> None:
        super().__init__(name, options, matcher, env=env, clock=clock, sleep=sleep)
        self._transport = transport

    def _start(self, state: dict[str, Any]) -> httpx.Client:
        return httpx.Client(
            transport=self._transport,
            timeout=self.options.timeout_s,
            headers={"User-Agent": "Simak/0.1 (social listening)"},
            trust_env=False,
        )

    def _stop(self, run: httpx.Client) -> None:
        run.close()

    def _streams(self, run: httpx.Client) -> Iterator[Stream]:
        queries = self.options.queries
        for query in self._brand_terms() if queries is None else queries:
            yield Stream(f"q:{query}", "search", {"query": query})

    def _fetch(self, run: httpx.Client, stream: Stream, window: Window) -> RawPage:
        first_run_start = self._clock() - timedelta(hours=self.options.backfill_hours)
        since = int(window.since or first_run_start.timestamp())
        filters = f"created_at_i>={since}"
        if window.resume is not None:
            # Inclusive: hits in the same second as the oldest read come again (deduped).
            filters += f",created_at_i<={int(window.resume)}"
        query = str(stream.params["query"])
        params: dict[str, str | int] = {
            "query": query,
            "tags": "(" + ",".join(self.options.tags) + ")",
            "numericFilters": filters,
            "hitsPerPage": self.options.hits_per_page,
        }
        url = f"{self.options.api_url.rstrip('/')}/search_by_date"
        body = self._retrier.call(
            f"searching HN for {query!r}", lambda: self._get(run, url, params), _classify_httpx
        )
        hits = body.get("hits")
        if not isinstance(hits, list):
            raise self._unreadable(f"searching for {query!r} (no hits list)")
        times = [_created(h) for h in hits if isinstance(h, dict)]
        more = _int(body.get("nbPages")) > 1 and bool(times)
        return RawPage(hits, resume=min(times) if more else None)

    def _get(self, client: httpx.Client, url: str, params: Mapping[str, str | int]) -> Any:
        resp = client.get(url, params=params)
        wait = parse_retry_after(resp.headers.get("retry-after"), self._clock())
        failure = self._status_error(resp.status_code, resp.text, wait)
        if failure is not None:
            raise failure
        try:
            body = loads_bounded(resp.content)
        except ValueError as exc:
            raise SourceUnavailable(
                f"source {self._name!r}: HN search sent something that is not JSON "
                f"({one_line(exc, 120)}); re-run later"
            ) from exc
        if not isinstance(body, dict):
            raise self._unreadable("searching (not a JSON object)")
        return body

    def _key(self, item: Any) -> str | None:
        ident = item.get("objectID") if isinstance(item, dict) else None
        return str(ident) if ident is not None else None

    def _mark(self, item: Any) -> int | None:
        return _created(item) or None

    def _is_old(self, item: Any, window: Window) -> bool:
        return self._safe_key(item) in window.seen

    def _convert(self, run: httpx.Client, stream: Stream, item: Any) -> Mention | None:
        if _is_comment(item):
            # A comment mentions the brand by its own words only: its story's title
            # (which Algolia also searches) is context, kept as the mention's "Re: " title.
            title = reply_title(item.get("story_title"))
            text = html_to_text(item.get("comment_text") or "")
            brand = self.matcher.match(text)
        else:
            title = item.get("title") or None
            text = html_to_text(item.get("story_text") or "")
            brand = self.matcher.match(title, text)
        if brand is None:
            return None
        if item.get("objectID") in (None, ""):
            raise ValueError("no objectID")  # one warning; never stored as item "None"
        item_id = str(item["objectID"])
        author = item.get("author")
        return Mention(
            platform=self.platform,
            external_id=item_id,
            source=self._name,
            brand=brand,
            text=text or title or "",
            author=Author(
                platform=self.platform,
                user_id=author,  # HN usernames are the stable identity
                handle=author,
                display_name=author,
                profile_url=f"{_HN}/user?id={author}" if author else None,
            ),
            created_at=require_time(item["created_at_i"], "created_at_i"),
            url=f"{_HN}/item?id={item_id}",
            title=title,
            raw_json=to_json(item),
        )


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        return 0


def _is_comment(hit: Mapping[str, Any]) -> bool:
    tags = hit.get("_tags")
    return "comment_text" in hit or (isinstance(tags, list) and "comment" in tags)


def _created(hit: Any) -> int:
    return _int(hit.get("created_at_i")) if isinstance(hit, dict) else 0


def _classify_httpx(exc: Exception) -> TransientError | ThrottledError | None:
    if isinstance(exc, httpx.TimeoutException):
        return TransientError("HN search timed out")
    if isinstance(exc, httpx.TransportError):
        return TransientError(f"network error talking to HN search ({type(exc).__name__})")
    return None
