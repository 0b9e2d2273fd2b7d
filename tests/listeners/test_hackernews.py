"""The Hacker News listener: Algolia search-by-date over httpx.MockTransport and a local server."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from common.errors import RateLimited, SourceUnavailable
from listeners.hackernews import HackerNewsListener, HackerNewsOptions
from listeners.matching import BrandMatcher, BrandSpec
from tests.listeners.conftest import FakeClock, LocalServer

BRANDS = BrandMatcher([BrandSpec("Acme", terms=("acme",))])
NOW = 1_795_000_000  # the fake clock's epoch seconds are near this


def hit(ident: int, text: str, created: int, kind: str = "comment") -> dict[str, Any]:
    """A hit in the shape Algolia's HN search returns."""
    base: dict[str, Any] = {
        "objectID": str(ident),
        "author": "pg",
        "created_at_i": created,
        "created_at": "2026-11-22T10:00:00Z",
        "_tags": [kind, "author_pg", "story_1"],
        "points": None,
        "story_id": 1,
        "parent_id": 1,
    }
    if kind == "comment":
        base.update(comment_text=f"<p>{text}</p>", story_title="Ask HN: tools?")
    else:
        base.update(title=text, url="https://acme.example", story_text=None)
    return base


def reply(*hits: dict[str, Any], pages: int = 1, page: int = 0) -> httpx.Response:
    return httpx.Response(
        200,
        json={
            "hits": list(hits),
            "nbHits": len(hits),
            "page": page,
            "nbPages": pages,
            "hitsPerPage": 100,
        },
    )


def listener(
    clock: FakeClock, answers: list[httpx.Response], log: list[httpx.Request], **extra: Any
) -> HackerNewsListener:
    def handler(request: httpx.Request) -> httpx.Response:
        log.append(request)
        return answers.pop(0) if len(answers) > 1 else answers[0]

    return HackerNewsListener(
        "hn",
        HackerNewsOptions.model_validate(extra),
        BRANDS,
        env={},
        transport=httpx.MockTransport(handler),
        clock=clock,
        sleep=clock.sleep,
    )


def test_first_poll_pages_then_only_new(clock: FakeClock) -> None:
    log: list[httpx.Request] = []
    t = int(clock.now.timestamp())
    answers = [
        reply(hit(3, "Acme is great", t - 10, "story"), hit(2, "meh", t - 20), pages=2),
        reply(hit(1, "acme broke my build", t - 30)),  # below the first page's oldest hit
        reply(hit(4, "ACME again", t + 5), hit(3, "Acme is great", t - 10, "story")),
    ]
    source = listener(clock, answers, log)
    pages = list(source.poll(None))
    assert [[m.external_id for m in p.mentions] for p in pages] == [["3"], ["1"]]
    assert [p.fetched for p in pages] == [2, 1]
    story, comment = pages[0].mentions[0], pages[1].mentions[0]
    assert story.title == "Acme is great"
    assert comment.text == "acme broke my build"
    assert comment.title == "Re: Ask HN: tools?"
    assert comment.url == "https://news.ycombinator.com/item?id=1"
    assert comment.author.profile_url == "https://news.ycombinator.com/user?id=pg"
    assert json.loads(comment.raw_json)["objectID"] == "1"
    first = dict(log[0].url.params)
    assert first["tags"] == "(story,comment)"
    assert first["numericFilters"] == f"created_at_i>={t - 24 * 3600}"
    assert first["query"] == "acme"
    second = dict(log[1].url.params)["numericFilters"]
    assert second == f"created_at_i>={t - 24 * 3600},created_at_i<={t - 20}"

    again = list(source.poll(pages[-1].cursor))
    assert [m.external_id for m in again[0].mentions] == ["4"]
    assert dict(log[-1].url.params)["numericFilters"] == f"created_at_i>={t - 10}"


def algolia_comment(ident: int, text: str, story_title: str, created: int) -> dict[str, Any]:
    """A comment hit with every field Algolia's search_by_date sends for one."""
    return {
        "_tags": ["comment", "author_budi", "story_7"],
        "author": "budi",
        "comment_text": text,
        "created_at": "2026-11-22T10:00:00Z",
        "created_at_i": created,
        "objectID": str(ident),
        "parent_id": 7,
        "story_id": 7,
        "story_title": story_title,
        "story_url": "https://example.com/kopi",
        "updated_at": "2026-11-22T10:00:00Z",
        "_highlightResult": {"story_title": {"matchLevel": "full", "value": story_title}},
    }


def test_a_comment_mentions_the_brand_by_its_own_words_not_its_storys_title(
    clock: FakeClock,
) -> None:
    """Algolia finds comments by their story's title too; only the comment's text counts."""
    t = int(clock.now.timestamp())
    hits = [
        algolia_comment(11, "<p>Great writeup, thanks.</p>", "Acme raises $10M", t - 1),
        algolia_comment(12, "I switched to <i>Acme</i> last year", "Ask HN: tools?", t - 2),
        algolia_comment(13, "Acme&#x27;s support never answered", "Acme raises $10M", t - 3),
        hit(14, "Acme raises $10M", t - 4, "story"),
    ]
    pages = list(listener(clock, [reply(*hits)], []).poll(None))
    got = {m.external_id: m for p in pages for m in p.mentions}
    assert sorted(got) == ["12", "13", "14"]  # 11 only sits under an Acme story
    assert got["12"].text == "I switched to Acme last year"
    assert got["12"].title == "Re: Ask HN: tools?"  # the story, for context
    assert got["13"].text == "Acme's support never answered"
    assert got["14"].title == "Acme raises $10M"
    assert pages[0].fetched == 4 and [w for p in pages for w in p.warnings] == []


def test_429_and_5xx(clock: FakeClock) -> None:
    log: list[httpx.Request] = []
    answers = [httpx.Response(429, headers={"Retry-After": "5"}), reply(hit(1, "acme", NOW))]
    assert len(next(iter(listener(clock, answers, log).poll(None))).mentions) == 1
    assert clock.sleeps == [5.0]
    with pytest.raises(RateLimited):
        list(
            listener(clock, [httpx.Response(429, headers={"Retry-After": "7200"})], log).poll(None)
        )
    with pytest.raises(SourceUnavailable, match=r"HTTP 500 from HN search .*gave up after 3"):
        list(listener(clock, [httpx.Response(500)], log).poll(None))
    assert clock.sleeps == [5.0, 1.0, 2.0]


def test_timeouts_are_retried(clock: FakeClock) -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if len(calls) == 1:
            raise httpx.ConnectTimeout("slow", request=request)
        return reply(hit(1, "acme", NOW))

    source = HackerNewsListener(
        "hn",
        HackerNewsOptions(),
        BRANDS,
        transport=httpx.MockTransport(handler),
        clock=clock,
        sleep=clock.sleep,
    )
    assert len(next(iter(source.poll(None))).mentions) == 1


def test_malformed_payload(clock: FakeClock) -> None:
    log: list[httpx.Request] = []
    broken = hit(9, "acme", NOW)
    del broken["created_at_i"]
    pages = list(listener(clock, [reply(broken, hit(8, "acme", NOW))], log).poll(None))
    assert [m.external_id for m in pages[0].mentions] == ["8"]
    assert pages[0].warnings[0].startswith("hackernews q:acme: item 9: unreadable, skipped")
    with pytest.raises(SourceUnavailable, match="not JSON"):
        list(listener(clock, [httpx.Response(200, content=b"<html>")], log).poll(None))
    with pytest.raises(SourceUnavailable, match="no hits list"):
        list(listener(clock, [httpx.Response(200, json={"oops": 1})], log).poll(None))


def test_end_to_end_against_a_local_fake_algolia(clock: FakeClock) -> None:
    from flask import Flask, jsonify, request

    app = Flask("algolia")
    filters: list[str] = []

    @app.get("/api/v1/search_by_date")
    def search() -> Any:
        filters.append(request.args["numericFilters"])
        t = int(clock.now.timestamp())
        return jsonify({"hits": [hit(1, "acme rocks", t - 60)], "nbPages": 1, "page": 0})

    with LocalServer(app) as server:
        opts = HackerNewsOptions(api_url=f"{server.url}/api/v1", queries=["acme"])
        source = HackerNewsListener("hn", opts, BRANDS, clock=clock, sleep=clock.sleep)
        pages = list(source.poll(None))
        assert len(pages[0].mentions) == 1
        assert next(iter(source.poll(pages[0].cursor))).mentions == []
    assert filters[-1] == f"created_at_i>={int(clock.now.timestamp()) - 60}"


def test_hit_without_object_id_is_a_warning_not_item_none(clock: FakeClock) -> None:
    t = int(clock.now.timestamp())
    answer = reply({**hit(1, "acme x", t - 5), "objectID": None}, hit(2, "acme ok", t - 6))
    pages = list(listener(clock, [answer], [], queries=["acme"]).poll(None))
    assert [m.external_id for p in pages for m in p.mentions] == ["2"]
    assert [w for p in pages for w in p.warnings] == [
        "hackernews q:acme: item ?: unreadable, skipped (ValueError: no objectID)"
    ]
