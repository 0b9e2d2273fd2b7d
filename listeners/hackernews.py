"""Hacker News via the public Algolia search API (no account needed): new stories
and comments matching each brand query.

New hits are gathered newest first back to the cursor (at most ``max_pages``
requests per query) and yielded as one page per query, so a crash never leaves a
half-read window behind.

Cursor: ``{"v": 1, "q:<query>": {"since": created_at_i, "seen": [objectIDs]}}``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import httpx
from pydantic import Field

from common.errors import SourceUnavailable
from listeners import cursors
from listeners.api_base import ApiListener, ApiOptions
from listeners.base import Author, Mention, PollPage
from listeners.convert import html_to_text, to_json
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

_HN = "https://news.ycombinator.com"
Kind = Literal["story", "comment"]


def _both_kinds() -> list[Kind]:
    return ["story", "comment"]


class HackerNewsOptions(ApiOptions):
    """Options of a ``hackernews`` source."""

    queries: list[str] | None = Field(
        default=None, description="Search queries; default: one per brand term."
    )
    tags: list[Kind] = Field(default_factory=_both_kinds, min_length=1, description="Item kinds.")
    api_url: str = Field(
        default="https://hn.algolia.com/api/v1", description="Algolia HN Search API base URL."
    )
    hits_per_page: int = Field(default=100, ge=1, le=1000, description="Hits per request.")
    max_pages: int = Field(default=5, ge=1, description="Requests per query per run.")
    backfill_hours: int = Field(
        default=24, ge=1, description="On the first run, read back this many hours."
    )
    timeout_s: float = Field(default=20.0, gt=0, description="Per-request timeout, seconds.")
    seen_limit: int = Field(default=500, ge=10, description="Ids remembered per query.")


class HackerNewsListener(ApiListener[HackerNewsOptions]):
    """Polls Hacker News (Algolia search by date) for brand mentions."""

    platform = "hackernews"

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
        super().__init__(name, options, matcher, clock=clock, sleep=sleep)
        self._transport = transport
        self._clock = clock

    def poll(self, cursor: str | None) -> Iterator[PollPage]:
        """Yield one page per query with the hits newer than the cursor."""
        self._retrier.start_run()
        state = cursors.load(cursor)
        with httpx.Client(
            transport=self._transport,
            timeout=self.options.timeout_s,
            headers={"User-Agent": "Simak/0.1 (social listening)"},
        ) as client:
            for query in self._queries():
                key = f"q:{query}"
                page, state[key] = self._poll_query(client, query, state.get(key) or {})
                state["v"] = 1
                yield PollPage(
                    mentions=page.mentions,
                    cursor=cursors.dump(state),
                    fetched=page.fetched,
                    warnings=page.warnings,
                )

    def _queries(self) -> list[str]:
        if self.options.queries is not None:
            return self.options.queries
        return sorted({t for b in self.matcher.brands for t in b.terms})

    def _poll_query(
        self, client: httpx.Client, query: str, previous: dict[str, Any]
    ) -> tuple[PollPage, dict[str, Any]]:
        seen = set(previous.get("seen") or [])
        first_run_start = self._clock() - timedelta(hours=self.options.backfill_hours)
        since = int(previous.get("since") or first_run_start.timestamp())
        hits, warnings = self._gather(client, query, since, seen)
        mentions: list[Mention] = []
        for hit in hits:
            try:
                mention = self._mention(hit)
            except (KeyError, TypeError, ValueError) as exc:
                warnings.append(
                    f"hackernews {query!r}: item {hit.get('objectID', '?')} unreadable, "
                    f"skipped ({exc!r})"
                )
                continue
            if mention is not None:
                mentions.append(mention)
        newest = max([since, *(_created(h) for h in hits)])
        # Hits at exactly ``newest`` come back next time (the filter is inclusive).
        state = {
            "since": newest,
            "seen": cursors.remember(
                seen, [str(h.get("objectID")) for h in hits], self.options.seen_limit
            ),
        }
        page = PollPage(mentions=mentions, cursor=None, fetched=len(hits), warnings=warnings)
        return page, state

    def _gather(
        self, client: httpx.Client, query: str, since: int, seen: set[str]
    ) -> tuple[list[dict[str, Any]], list[str]]:
        out: list[dict[str, Any]] = []
        for number in range(self.options.max_pages):
            body = self._fetch(client, query, since, number)
            hits = body.get("hits")
            if not isinstance(hits, list):
                raise SourceUnavailable(
                    f"source {self._name!r}: unreadable reply from HN search (no hits list); "
                    "re-run later"
                )
            out += [h for h in hits if isinstance(h, dict) and str(h.get("objectID")) not in seen]
            if number + 1 >= int(body.get("nbPages") or 0) or not hits:
                return out, []
        return out, [
            f"hackernews {query!r}: more new items than {self.options.max_pages} pages; "
            "older ones were skipped (raise max_pages)"
        ]

    def _fetch(self, client: httpx.Client, query: str, since: int, page: int) -> dict[str, Any]:
        params: dict[str, str | int] = {
            "query": query,
            "tags": "(" + ",".join(self.options.tags) + ")",
            "numericFilters": f"created_at_i>={since}",
            "hitsPerPage": self.options.hits_per_page,
            "page": page,
        }
        url = f"{self.options.api_url.rstrip('/')}/search_by_date"

        def get() -> dict[str, Any]:
            resp = client.get(url, params=params)
            self._check_status(resp)
            try:
                body = resp.json()
            except ValueError as exc:
                raise SourceUnavailable(
                    f"source {self._name!r}: HN search sent something that is not JSON; "
                    "re-run later"
                ) from exc
            if not isinstance(body, dict):
                raise SourceUnavailable(f"source {self._name!r}: unexpected reply from HN search")
            return body

        return self._retrier.call(f"searching HN for {query!r}", get, _classify_httpx)

    def _check_status(self, resp: httpx.Response) -> None:
        code = resp.status_code
        if code == 429:
            wait = parse_retry_after(resp.headers.get("retry-after"), self._clock())
            raise ThrottledError("HTTP 429 from HN search", retry_after=wait)
        if code >= 500:
            raise TransientError(f"HTTP {code} from HN search")
        if code >= 400:
            raise SourceUnavailable(
                f"source {self._name!r}: HN search answered {code}; check the queries and api_url"
            )

    def _mention(self, hit: dict[str, Any]) -> Mention | None:
        title = hit.get("title") or hit.get("story_title") or None
        text = html_to_text(hit.get("comment_text") or hit.get("story_text") or "")
        brand = self.matcher.match(title, text)
        if brand is None:
            return None
        item_id = str(hit["objectID"])
        author = hit.get("author")
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
            created_at=datetime.fromtimestamp(int(hit["created_at_i"]), UTC),
            url=f"{_HN}/item?id={item_id}",
            title=title,
            raw_json=to_json(hit),
        )


def _created(hit: dict[str, Any]) -> int:
    try:
        return int(hit.get("created_at_i") or 0)
    except (TypeError, ValueError):
        return 0


def _classify_httpx(exc: Exception) -> TransientError | ThrottledError | None:
    if isinstance(exc, httpx.TimeoutException):
        return TransientError("HN search timed out")
    if isinstance(exc, httpx.TransportError):
        return TransientError(f"network error talking to HN search ({type(exc).__name__})")
    return None
