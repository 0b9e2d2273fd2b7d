"""A private feed's token is an ``${ENV}`` reference in its URL: only the request carries
it; errors, mention ids, links, raw JSON and the cursor show the reference."""

from __future__ import annotations

import httpx
import pytest

from common.errors import CredentialMissing, SourceUnavailable
from listeners.base import PollPage
from listeners.feeds import FeedsListener, FeedsOptions
from listeners.matching import BrandMatcher
from tests.listeners.conftest import FakeClock

TOKEN = "canary-feed-token-5e6f7a"
URL = "https://news.example.com/private/feed.xml?token=${FEED_TOKEN}"
FEED = (
    b'<?xml version="1.0"?><rss version="2.0"><channel><title>News</title><language>id</language>'
    b"<item><guid isPermaLink='false'>7</guid><title>Kopi Senja enak</title><link>#c7</link>"
    b"<description>Kopi Senja enak sekali</description></item></channel></rss>"
)


def make(
    matcher: BrandMatcher, clock: FakeClock, handler: httpx.MockTransport, env: dict[str, str]
) -> FeedsListener:
    return FeedsListener(
        "news",
        FeedsOptions(urls=[URL]),
        matcher,
        env=env,
        transport=handler,
        resolver=lambda host: ["93.184.216.34"],
        clock=clock,
        sleep=clock.sleep,
    )


def everything(pages: list[PollPage]) -> str:
    said = [p.cursor or "" for p in pages] + [w for p in pages for w in p.warnings]
    for m in (m for p in pages for m in p.mentions):
        said += [m.external_id, m.url or "", m.raw_json or ""]
    return "\n".join(said)


def test_the_reference_is_resolved_for_the_request_only(
    matcher: BrandMatcher, clock: FakeClock
) -> None:
    asked: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        asked.append(str(request.url))
        return httpx.Response(200, content=FEED, headers={"content-type": "application/rss+xml"})

    pages = list(
        make(matcher, clock, httpx.MockTransport(handler), {"FEED_TOKEN": TOKEN}).poll(None)
    )
    assert asked == [f"https://news.example.com/private/feed.xml?token={TOKEN}"]
    assert [m.text for p in pages for m in p.mentions] == ["Kopi Senja enak sekali"]
    said = everything(pages)
    assert TOKEN not in said and "${FEED_TOKEN}" in said


def test_a_refusal_names_the_feed_without_its_token(
    matcher: BrandMatcher, clock: FakeClock
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, text=f"bad token {request.url.params['token']}")

    source = make(matcher, clock, httpx.MockTransport(handler), {"FEED_TOKEN": TOKEN})
    with pytest.raises(SourceUnavailable, match="HTTP 401") as info:
        list(source.poll(None))
    assert TOKEN not in str(info.value) and "news.example.com" in str(info.value)


def test_an_unset_variable_fails_this_source_and_names_it(
    matcher: BrandMatcher, clock: FakeClock
) -> None:
    source = make(matcher, clock, httpx.MockTransport(lambda r: httpx.Response(500)), {})
    with pytest.raises(CredentialMissing, match="FEED_TOKEN"):
        list(source.poll(None))
