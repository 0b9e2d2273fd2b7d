"""Reddit, X and Bluesky against mutated recordings: every broken item is one warning and
the rest is stored; a broken page is one line (no traceback), and the cursor does not move
past what was not read."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
import responses

from common.errors import RateLimited, SourceError, SourceUnavailable
from listeners.base import PollPage
from tests.listeners import test_bluesky as bsky
from tests.listeners import test_reddit as rd
from tests.listeners import test_x as xx
from tests.listeners.conftest import FakeClock

Mutation = Callable[[dict[str, Any]], None]


def _set(key: str, value: Any) -> Mutation:
    def mutate(item: dict[str, Any]) -> None:
        item[key] = value

    return mutate


def _drop(key: str) -> Mutation:
    def mutate(item: dict[str, Any]) -> None:
        item.pop(key, None)

    return mutate


def _one_line(exc: BaseException) -> None:
    text = str(exc)
    assert "\n" not in text and "Traceback" not in text and len(text) < 600, text


def _stored(pages: list[PollPage]) -> list[str]:
    return [m.external_id for p in pages for m in p.mentions]


# -- Reddit ---------------------------------------------------------------------------------

REDDIT_ITEM = [
    _set("author", None),
    _set("author", "[deleted]"),
    _drop("author"),
    _drop("author_fullname"),
    _set("title", None),
    _drop("permalink"),
    _set("created_utc", "yesterday"),
    _set("created_utc", None),
    _set("selftext", {"odd": 1}),
    _drop("name"),
]


@pytest.mark.parametrize("mutate", REDDIT_ITEM)
@responses.activate
def test_reddit_a_mutated_item_is_one_warning_and_the_rest_is_stored(
    clock: FakeClock, mutate: Mutation
) -> None:
    rd.token(responses.mock)
    bad = rd.post("bad", "praw bad", 1_700_000_100)
    mutate(bad["data"])
    good = rd.post("ok", "praw ok", 1_700_000_000)
    responses.get(rd.SEARCH, json=rd.listing(bad, good))
    pages = list(rd.listener(clock, mentions=False).poll(None))
    stored = _stored(pages)
    warnings = [w for p in pages for w in p.warnings]
    assert "t3_ok" in stored
    assert len(warnings) <= 1 and all("\n" not in w for w in warnings)
    if warnings:
        assert "t3_ok" not in warnings[0]


@pytest.mark.parametrize("kind", ["t3", "t1"])
@responses.activate
def test_reddit_a_null_author_is_kept_like_a_deleted_one(clock: FakeClock, kind: str) -> None:
    """A gone account: the mention is kept with no person to follow up, no warning, and
    the rest of the page is stored (praw used to fail the whole page on a null)."""
    rd.token(responses.mock)
    items = []
    for ident, author in (("null", None), ("gone", "[deleted]"), ("ok", "budi")):
        item = rd.post(ident, "praw here", 1_700_000_000, author=author)
        if kind == "t1":  # a comment: body and link, no title
            item["kind"] = "t1"
            item["data"].update(name=f"t1_{ident}", body="praw here", link_id="t3_x")
            del item["data"]["title"]
        items.append(item)
    url = rd.SEARCH if kind == "t3" else "https://oauth.reddit.com/r/all/comments/"
    responses.get(url, json=rd.listing(*items))
    options: dict[str, Any] = (
        {"mentions": False} if kind == "t3" else {"search": False, "comments": True}
    )
    pages = list(rd.listener(clock, **options).poll(None))
    got = {m.external_id: m.author for p in pages for m in p.mentions}
    assert set(got) == {f"{kind}_null", f"{kind}_gone", f"{kind}_ok"}
    assert got[f"{kind}_null"] == got[f"{kind}_gone"]
    assert got[f"{kind}_null"].handle is None and got[f"{kind}_null"].profile_url is None
    assert got[f"{kind}_ok"].handle == "budi"
    assert [w for p in pages for w in p.warnings] == []


@pytest.mark.parametrize(
    "answer",
    [
        {"status": 200, "body": "{not json"},
        {"status": 200, "body": "<html>Reddit is down</html>", "content_type": "text/html"},
        {"status": 200, "json": {"kind": "Listing"}},
        {"status": 200, "json": [1, 2]},
        {"status": 500, "json": {"message": "Internal Server Error"}},
        {"status": 429, "json": {}},  # no Retry-After, no x-ratelimit-reset
        {"status": 429, "json": {}, "headers": {"retry-after": "7200"}},
    ],
)
@responses.activate
def test_reddit_a_broken_page_is_one_line_and_no_cursor(
    clock: FakeClock, answer: dict[str, Any]
) -> None:
    rd.token(responses.mock)
    responses.get(rd.SEARCH, **answer)
    got: list[PollPage] = []
    with pytest.raises(SourceError) as caught:
        got.extend(rd.listener(clock, mentions=False).poll(None))
    _one_line(caught.value)
    assert got == []


@responses.activate
def test_reddit_an_empty_page_stores_nothing_and_says_nothing(clock: FakeClock) -> None:
    rd.token(responses.mock)
    responses.get(rd.SEARCH, json=rd.listing())
    pages = list(rd.listener(clock, mentions=False).poll(None))
    assert _stored(pages) == [] and [w for p in pages for w in p.warnings] == []


# -- X --------------------------------------------------------------------------------------

X_ITEM = [
    _set("author_id", None),
    _drop("author_id"),
    _set("author_id", "999"),  # an author missing from includes (suspended, deleted)
    _set("text", None),
    _drop("text"),
    _set("created_at", "soon"),
    _drop("created_at"),
    _set("lang", None),
    _drop("edit_history_tweet_ids"),
    _set("id", None),
]


@pytest.mark.parametrize("mutate", X_ITEM)
@responses.activate
def test_x_a_mutated_post_is_one_warning_and_the_rest_is_stored(
    clock: FakeClock, mutate: Mutation
) -> None:
    bad = xx.tweet(8, "@Twitter bad")
    mutate(bad)
    body = xx.page(xx.tweet(9, "@Twitter ok"), xx.tweet(7, "@Twitter ok too"))
    body["data"].insert(1, bad)
    responses.get(xx.MENTIONS, json=body)
    pages = list(xx.listener(clock).poll(None))
    stored = _stored(pages)
    warnings = [w for p in pages for w in p.warnings]
    assert {"9", "7"} <= set(stored)
    assert len(warnings) <= 1 and all("\n" not in w for w in warnings)


@pytest.mark.parametrize(
    "mutate",
    [
        lambda body: body.pop("includes"),
        lambda body: body.update(includes={"users": None}),
        lambda body: body.update(includes={"users": [{"id": "42"}]}),  # no username
    ],
)
@responses.activate
def test_x_broken_includes_keep_the_posts(
    clock: FakeClock, mutate: Callable[[dict[str, Any]], Any]
) -> None:
    body = xx.page(xx.tweet(9, "@Twitter ok"))
    mutate(body)
    responses.get(xx.MENTIONS, json=body)
    pages = list(xx.listener(clock).poll(None))
    assert _stored(pages) == ["9"]


@pytest.mark.parametrize(
    "answer",
    [
        {"status": 200, "body": "{not json"},
        {"status": 200, "json": {"data": "nope"}},
        {"status": 200, "json": [1]},
        {"status": 500, "json": {"title": "Internal Server Error"}},
        {"status": 502, "body": "<html>Bad Gateway</html>", "content_type": "text/html"},
        {"status": 429, "json": {"title": "Too Many Requests"}},  # no reset header
        {"status": 429, "json": {}, "headers": {"retry-after": "7200"}},
    ],
)
@responses.activate
def test_x_a_broken_page_is_one_line_and_no_cursor(
    clock: FakeClock, answer: dict[str, Any]
) -> None:
    responses.get(xx.MENTIONS, **answer)
    got: list[PollPage] = []
    with pytest.raises(SourceError) as caught:
        got.extend(xx.listener(clock).poll(None))
    _one_line(caught.value)
    assert got == []


@responses.activate
def test_x_an_empty_page_stores_nothing_and_says_nothing(clock: FakeClock) -> None:
    responses.get(xx.MENTIONS, json={"meta": {"result_count": 0}})
    pages = list(xx.listener(clock).poll(None))
    assert _stored(pages) == [] and [w for p in pages for w in p.warnings] == []


# -- Bluesky --------------------------------------------------------------------------------

WHEN = "2026-11-22T10:00:00Z"


def _author(mutate: Mutation) -> Mutation:
    def inner(item: dict[str, Any]) -> None:
        mutate(item["author"])

    return inner


def _record(mutate: Mutation) -> Mutation:
    def inner(item: dict[str, Any]) -> None:
        mutate(item["record"])

    return inner


BSKY_ITEM = [
    _author(_set("displayName", None)),
    _author(_drop("displayName")),
    _author(_set("handle", "handle.invalid")),  # a deleted or broken account
    _author(_drop("handle")),
    _set("author", None),
    _record(_set("text", None)),
    _record(_drop("createdAt")),
    _record(_set("createdAt", "not a time")),
    _set("record", None),
    _drop("uri"),
    _set("indexedAt", None),
]


@pytest.mark.parametrize("mutate", BSKY_ITEM)
def test_bluesky_a_mutated_post_is_one_warning_and_the_rest_is_stored(
    clock: FakeClock, mutate: Mutation
) -> None:
    bad = bsky.post("bad", "kopi senja bad", WHEN)
    mutate(bad)
    good = bsky.post("good", "kopi senja good", WHEN)
    routes = {"app.bsky.feed.searchPosts": [bsky.ok({"posts": [bad, good]})]}
    pages = list(bsky.listener(clock, routes, mentions=False).poll(None))
    stored = [i.rsplit("/", 1)[1] for i in _stored(pages)]
    warnings = [w for p in pages for w in p.warnings]
    assert "good" in stored
    assert len(warnings) <= 1 and all("\n" not in w for w in warnings)


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(200, content=b"{not json", headers={"content-type": "application/json"}),
        httpx.Response(200, json={"posts": "nope"}),
        httpx.Response(200, json=[1]),
        httpx.Response(500, json={"error": "InternalServerError"}),
        httpx.Response(502, text="<html>Bad Gateway</html>"),
        httpx.Response(429, json={"error": "RateLimitExceeded"}),  # no reset header
        httpx.Response(429, json={}, headers={"retry-after": "7200"}),
    ],
)
def test_bluesky_a_broken_page_is_one_line_and_no_cursor(
    clock: FakeClock, answer: httpx.Response
) -> None:
    routes = {"app.bsky.feed.searchPosts": [answer]}
    got: list[PollPage] = []
    with pytest.raises((SourceUnavailable, RateLimited)) as caught:
        got.extend(bsky.listener(clock, routes, mentions=False).poll(None))
    _one_line(caught.value)
    assert got == []


def test_bluesky_an_empty_page_stores_nothing_and_says_nothing(clock: FakeClock) -> None:
    routes = {"app.bsky.feed.searchPosts": [bsky.ok({"posts": []})]}
    pages = list(bsky.listener(clock, routes, mentions=False).poll(None))
    assert _stored(pages) == [] and [w for p in pages for w in p.warnings] == []


def test_bluesky_a_second_page_failing_keeps_the_first_pages_cursor(clock: FakeClock) -> None:
    first = bsky.ok({"posts": [bsky.post("a", "kopi senja", WHEN)], "cursor": "next"})
    broken = httpx.Response(200, content=b"{not json", headers={"content-type": "application/json"})
    routes = {"app.bsky.feed.searchPosts": [first, broken]}
    got: list[PollPage] = []
    with pytest.raises(SourceError) as caught:
        got.extend(bsky.listener(clock, routes, mentions=False, max_pages=3).poll(None))
    _one_line(caught.value)
    assert [len(p.mentions) for p in got] == [1]
    assert got[0].cursor is not None
