"""Busy sources lose nothing: more new items than one page and than one run's budget
are all read, once, over the next runs — on every paginated platform.

Each fake below pages the way the real API does (Reddit ``after``, X ``since_id`` /
``until_id``, Bluesky ``since`` / ``until`` / ``cursor``, Algolia ``numericFilters``,
Mastodon ``min_id``) over a list of items that grows between runs.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import responses

from listeners.base import Listener, PollPage
from listeners.bluesky import BlueskyListener, BlueskyOptions
from listeners.hackernews import HackerNewsListener, HackerNewsOptions
from listeners.mastodon import MastodonListener, MastodonOptions
from listeners.matching import BrandMatcher, BrandSpec
from listeners.reddit import RedditListener, RedditOptions
from listeners.x import XListener, XOptions
from tests.listeners.conftest import FakeClock
from tests.listeners.test_bluesky import SESSION

BRANDS = BrandMatcher(
    [
        BrandSpec(
            "Kopi Senja",
            terms=("kopi senja",),
            handles={"x": "kopisenja", "bluesky": "kopisenja.bsky.social"},
        )
    ]
)
T0 = datetime(2026, 11, 20, tzinfo=UTC)


def query(request_url: str) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlsplit(request_url).query).items()}


def run_until_quiet(
    listener: Listener, cursor: str | None, between: Callable[[int], None]
) -> tuple[list[str], str | None, int]:
    """Poll until a run reads nothing new; ``between(n)`` runs after run n."""
    ids: list[str] = []
    for number in range(1, 30):
        pages: list[PollPage] = list(listener.poll(cursor))
        for page in pages:
            cursor = page.cursor or cursor
            ids += [m.external_id for m in page.mentions]
        unfinished = any("read on the next run" in w for p in pages for w in p.warnings)
        if not unfinished and not any(p.mentions for p in pages):
            return ids, cursor, number
        between(number)
    raise AssertionError("the source never caught up")


def check_nothing_lost(
    listener: Listener, add: Callable[[int], list[str]], first: int = 3, burst: int = 60
) -> int:
    """First run reads ``first`` items; then ``burst`` arrive, and 7 more after the first
    catch-up run. Every new item is read exactly once. Returns how many runs it took."""
    initial = add(first)
    first_ids, cursor, _ = run_until_quiet(listener, None, lambda n: None)
    assert sorted(first_ids) == sorted(initial)
    expected = add(burst)

    def more(number: int) -> None:
        if number == 1:
            expected.extend(add(7))

    ids, _, runs = run_until_quiet(listener, cursor, more)
    duplicates = [i for i, n in Counter(first_ids + ids).items() if n > 1]
    assert duplicates == []
    assert sorted(ids) == sorted(expected)
    return runs


# -- Reddit -------------------------------------------------------------------------------


class FakeReddit:
    """/r/all/search honouring ``limit`` and ``after`` over a growing list of posts."""

    def __init__(self) -> None:
        self.posts: list[dict[str, Any]] = []  # newest first

    def add(self, count: int) -> list[str]:
        names = []
        for _ in range(count):
            n = len(self.posts)
            name = f"t3_p{n}"
            created = (T0 + timedelta(minutes=n)).timestamp()
            data: dict[str, Any] = {
                "id": f"p{n}",
                "name": name,
                "title": f"kopi senja #{n}",
                "selftext": "",
            }
            data.update(author="budi", created_utc=created, permalink=f"/r/x/comments/p{n}/")
            self.posts.insert(0, {"kind": "t3", "data": data})
            names.append(name)
        return names

    def search(self, request: Any) -> tuple[int, dict[str, str], str]:
        params = query(request.url)
        start = 0
        if params.get("after"):
            start = 1 + [p["data"]["name"] for p in self.posts].index(params["after"])
        page = self.posts[start : start + int(params["limit"])]
        more = start + len(page) < len(self.posts)
        after = page[-1]["data"]["name"] if page and more else None
        body = {"kind": "Listing", "data": {"after": after, "children": page}}
        return 200, {}, json.dumps(body)


@responses.activate
def test_reddit_reads_every_new_post_across_runs(clock: FakeClock) -> None:
    fake = FakeReddit()
    responses.post(
        "https://www.reddit.com/api/v1/access_token",
        json={"access_token": "t", "token_type": "bearer", "expires_in": 86400, "scope": "*"},
    )
    responses.add_callback(
        responses.GET, re.compile(r"https://oauth\.reddit\.com/r/all/search/.*"), fake.search
    )
    env = {"R_ID": "client-id-1", "R_SECRET": "client-secret-1"}
    options = RedditOptions(
        client_id="${R_ID}", client_secret="${R_SECRET}", api_approved=True, limit=25
    )
    source = RedditListener("r", options, BRANDS, env=env, clock=clock, sleep=clock.sleep)
    assert check_nothing_lost(source, fake.add) >= 3  # 67 posts, 25 a run


# -- X --------------------------------------------------------------------------------------


class FakeX:
    """Mentions timeline honouring ``since_id``, ``until_id`` and ``max_results``."""

    def __init__(self) -> None:
        self.ids: list[int] = []

    def add(self, count: int) -> list[str]:
        start = 1_000 + len(self.ids)
        new = list(range(start, start + count))
        self.ids += new
        return [str(i) for i in new]

    def mentions(self, request: Any) -> tuple[int, dict[str, str], str]:
        params = query(request.url)
        since = int(params.get("since_id", 0))
        until = int(params.get("until_id", 10**18))
        window = sorted((i for i in self.ids if since < i < until), reverse=True)
        page = window[: int(params["max_results"])]
        meta: dict[str, Any] = {"result_count": len(page)}
        if page:
            meta.update(newest_id=str(page[0]), oldest_id=str(page[-1]))
        if len(window) > len(page):
            meta["next_token"] = "more"
        tweets = [{"id": str(i), "text": f"@kopisenja #{i}", "author_id": "42"} for i in page]
        users = [{"id": "42", "username": "budi", "name": "Budi"}] if page else []
        return 200, {}, json.dumps({"data": tweets, "includes": {"users": users}, "meta": meta})


@responses.activate
def test_x_reads_every_new_post_across_runs(clock: FakeClock) -> None:
    fake = FakeX()
    responses.add_callback(
        responses.GET,
        re.compile(r"https://api\.twitter\.com/2/users/7/mentions.*"),
        fake.mentions,
    )
    options = XOptions(
        bearer_token="${X_TOKEN}", username="kopisenja", user_id="7", max_reads=30, page_size=10
    )
    source = XListener("x", options, BRANDS, env={"X_TOKEN": "x-bearer-token-123"}, clock=clock)
    assert check_nothing_lost(source, fake.add) >= 3


# -- Bluesky --------------------------------------------------------------------------------


class FakeBluesky:
    """searchPosts (``since`` inclusive, ``until`` exclusive) and listNotifications
    (time ``cursor``), both newest first, over posts two of which share each second."""

    def __init__(self) -> None:
        self.posts: list[dict[str, Any]] = []
        self.log: list[dict[str, str]] = []

    def add(self, count: int) -> list[str]:
        uris = []
        for _ in range(count):
            n = len(self.posts)
            when = (T0 + timedelta(seconds=n // 2)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
            uri = f"at://did:plc:someone/app.bsky.feed.post/p{n}"
            author = {"did": "did:plc:someone", "handle": "budi.bsky.social"}
            record = {"text": f"kopi senja #{n}", "createdAt": when}
            post = {"uri": uri, "author": author, "record": record, "indexedAt": when}
            self.posts.append({**post, "reason": "mention"})
            uris.append(uri)
        return uris

    def handle(self, request: httpx.Request) -> httpx.Response:
        nsid = request.url.path.removeprefix("/xrpc/")
        if nsid == "com.atproto.server.createSession":
            return httpx.Response(200, json=SESSION)
        params = dict(request.url.params)
        self.log.append(params)
        newest_first = sorted(self.posts, key=lambda p: (p["indexedAt"], p["uri"]), reverse=True)
        if nsid == "app.bsky.feed.searchPosts":
            since, until = params.get("since", ""), params.get("until", "9999")
            hits = [p for p in newest_first if since <= p["indexedAt"] < until]
            key = "posts"
        else:
            cursor = tuple(params.get("cursor", "9999|").split("|"))
            hits = [p for p in newest_first if (p["indexedAt"], p["uri"]) < cursor]
            key = "notifications"
        page = hits[: int(params["limit"])]
        body: dict[str, Any] = {key: page}
        if len(hits) > len(page):  # an opaque cursor: the last item's sort key
            body["cursor"] = f"{page[-1]['indexedAt']}|{page[-1]['uri']}"
        return httpx.Response(200, json=body)


def bluesky(clock: FakeClock, fake: FakeBluesky, **extra: Any) -> BlueskyListener:
    options = BlueskyOptions.model_validate(
        {"handle": "kopisenja.bsky.social", "app_password": "${BSKY}", **extra}
    )
    return BlueskyListener(
        "bsky",
        options,
        BRANDS,
        env={"BSKY": "app-password-123"},
        transport=httpx.MockTransport(fake.handle),
        clock=clock,
        sleep=clock.sleep,
    )


def test_bluesky_search_reads_every_new_post_across_runs(clock: FakeClock) -> None:
    fake = FakeBluesky()
    source = bluesky(clock, fake, mentions=False, limit=10, max_pages=2)
    assert check_nothing_lost(source, fake.add) >= 3
    assert any("until" in params for params in fake.log)


def test_bluesky_mentions_read_every_new_post_across_runs(clock: FakeClock) -> None:
    fake = FakeBluesky()
    source = bluesky(clock, fake, queries=[], limit=10, max_pages=2)
    assert check_nothing_lost(source, fake.add) >= 3


# -- Hacker News ------------------------------------------------------------------------------


class FakeAlgolia:
    """search_by_date honouring ``numericFilters`` and ``hitsPerPage``; hits share seconds."""

    def __init__(self, clock: FakeClock) -> None:
        self.hits: list[dict[str, Any]] = []
        self.clock = clock

    def add(self, count: int) -> list[str]:
        ids = []
        for _ in range(count):
            n = len(self.hits)
            created = int(self.clock.now.timestamp()) - 3600 + n // 3
            self.hits.append(
                {"objectID": str(n), "created_at_i": created, "title": f"kopi senja #{n}"}
            )
            ids.append(str(n))
        return ids

    def handle(self, request: httpx.Request) -> httpx.Response:
        params = dict(request.url.params)
        low, high = 0, 10**12
        for part in params["numericFilters"].split(","):
            if part.startswith("created_at_i>="):
                low = int(part.removeprefix("created_at_i>="))
            if part.startswith("created_at_i<="):
                high = int(part.removeprefix("created_at_i<="))
        matching = [h for h in self.hits if low <= h["created_at_i"] <= high]
        matching.sort(key=lambda h: (h["created_at_i"], int(h["objectID"])), reverse=True)
        size = int(params["hitsPerPage"])
        pages = -(-len(matching) // size)
        return httpx.Response(200, json={"hits": matching[:size], "nbPages": pages, "page": 0})


def test_hackernews_reads_every_new_item_across_runs(clock: FakeClock) -> None:
    fake = FakeAlgolia(clock)
    source = HackerNewsListener(
        "hn",
        HackerNewsOptions(queries=["kopi senja"], hits_per_page=10, max_pages=2),
        BRANDS,
        transport=httpx.MockTransport(fake.handle),
        clock=clock,
        sleep=clock.sleep,
    )
    assert check_nothing_lost(source, fake.add) >= 3


# -- Mastodon ---------------------------------------------------------------------------------


class FakeMastodon:
    """A hashtag timeline honouring ``min_id`` (the page just above it) and ``limit``."""

    def __init__(self) -> None:
        self.ids: list[int] = []

    def add(self, count: int) -> list[str]:
        start = 100 + len(self.ids)
        new = list(range(start, start + count))
        self.ids += new
        return [f"https://masto.example/statuses/{i}" for i in new]

    def timeline(self, request: Any) -> tuple[int, dict[str, str], str]:
        params = query(request.url)
        limit = int(params["limit"])
        if "min_id" in params:
            page = sorted(i for i in self.ids if i > int(params["min_id"]))[:limit]
        else:
            page = sorted(self.ids)[-limit:]
        statuses = [
            {
                "id": str(i),
                "uri": f"https://masto.example/statuses/{i}",
                "content": f"<p>#kopisenja kopi senja {i}</p>",
                "created_at": "2026-11-20T08:00:00Z",
                "account": {"id": "1", "acct": "budi", "url": "https://masto.example/@budi"},
            }
            for i in sorted(page, reverse=True)
        ]
        return 200, {}, json.dumps(statuses)


@responses.activate
def test_mastodon_reads_every_new_post_across_runs(clock: FakeClock) -> None:
    fake = FakeMastodon()
    responses.add_callback(
        responses.GET,
        re.compile(r"https://masto\.example/api/v1/timelines/tag/kopisenja.*"),
        fake.timeline,
    )
    options = MastodonOptions(
        api_base_url="https://masto.example",
        mentions=False,
        hashtags=["kopisenja"],
        limit=10,
        max_pages=2,
    )
    source = MastodonListener("m", options, BRANDS, env={}, clock=clock, sleep=clock.sleep)
    assert check_nothing_lost(source, fake.add) >= 3


@responses.activate
def test_reddit_first_run_takes_the_newest_only(clock: FakeClock) -> None:
    fake = FakeReddit()
    responses.post(
        "https://www.reddit.com/api/v1/access_token",
        json={"access_token": "t", "token_type": "bearer", "expires_in": 86400, "scope": "*"},
    )
    responses.add_callback(
        responses.GET, re.compile(r"https://oauth\.reddit\.com/r/all/search/.*"), fake.search
    )
    options = RedditOptions(
        client_id="${R_ID}", client_secret="${R_SECRET}", api_approved=True, limit=25
    )
    env = {"R_ID": "client-id-1", "R_SECRET": "client-secret-1"}
    source = RedditListener("r", options, BRANDS, env=env, clock=clock, sleep=clock.sleep)
    fake.add(60)
    pages = list(source.poll(None))
    assert sum(len(p.mentions) for p in pages) == 25
    assert "first run: read the newest items only" in pages[-1].warnings[0]
    assert [m for p in source.poll(pages[-1].cursor) for m in p.mentions] == []


@responses.activate
def test_x_crash_inside_a_window_resumes_there(clock: FakeClock) -> None:
    fake = FakeX()
    responses.add_callback(
        responses.GET,
        re.compile(r"https://api\.twitter\.com/2/users/7/mentions.*"),
        fake.mentions,
    )
    options = XOptions(bearer_token="${X_TOKEN}", username="kopisenja", user_id="7", page_size=10)
    source = XListener("x", options, BRANDS, env={"X_TOKEN": "x-bearer-token-123"}, clock=clock)
    expected = fake.add(35)
    first = next(iter(source.poll(None)))  # the process dies after storing one page
    ids = [m.external_id for m in first.mentions]
    for page in source.poll(first.cursor):
        ids += [m.external_id for m in page.mentions]
    assert sorted(ids) == sorted(expected)
    assert len(ids) == len(set(ids))
