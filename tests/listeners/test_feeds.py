"""The feeds listener: conditional GET, bozo feeds, retries, rate limits, SSRF guard."""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import feedparser
import httpx
import pytest

from common.errors import RateLimited, SourceUnavailable
from listeners.base import PollPage
from listeners.charsets import wide_encoding
from listeners.feeds import FeedsListener, FeedsOptions
from listeners.matching import BrandMatcher, BrandSpec
from tests.listeners.conftest import FIXTURES, FakeClock, LocalServer

URL = "https://news.example.com/feed.xml"
PUBLIC = ["93.184.216.34"]


def rss(*items: tuple[str, str]) -> bytes:
    """An RSS 2.0 document with (guid, title) items, newest first."""
    body = "".join(
        f"<item><guid>https://news.example.com/{guid}</guid><title>{title}</title>"
        f"<link>https://www.google.com/url?rct=j&amp;url=https://blog.example.com/{guid}</link>"
        f"<description>&lt;p&gt;{title} &lt;b&gt;detail&lt;/b&gt;&lt;/p&gt;</description>"
        "<author>budi@example.com (Budi)</author>"
        f"<pubDate>Fri, 20 Nov 2026 0{len(guid) % 10}:00:00 GMT</pubDate></item>"
        for guid, title in items
    )
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>News</title>'
        f"<language>id</language>{body}</channel></rss>"
    ).encode()


Handler = Callable[[httpx.Request], httpx.Response]


def make(
    matcher: BrandMatcher,
    clock: FakeClock,
    handler: Handler | None = None,
    urls: list[str] | None = None,
    resolver: Callable[[str], list[str]] | None = None,
    **opts: object,
) -> FeedsListener:
    return FeedsListener(
        "news",
        FeedsOptions(urls=urls or [URL], **opts),
        matcher,
        env={},
        transport=httpx.MockTransport(handler) if handler else None,
        resolver=resolver or (lambda host: PUBLIC),
        clock=clock,
        sleep=clock.sleep,
    )


def ids(pages: list[PollPage]) -> list[str]:
    return [m.external_id for p in pages for m in p.mentions]


def test_first_poll_then_304_then_only_new_entries(matcher: BrandMatcher, clock: FakeClock) -> None:
    seen: list[dict[str, str]] = []
    feed = {"body": rss(("a1", "Kopi Senja buka cabang"), ("a2", "Harga cabai naik"))}

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(dict(request.headers))
        if request.headers.get("if-none-match") == '"v1"' and feed["body"] == rss(
            ("a1", "Kopi Senja buka cabang"), ("a2", "Harga cabai naik")
        ):
            return httpx.Response(304)
        return httpx.Response(
            200,
            content=feed["body"],
            headers={"ETag": '"v1"', "Last-Modified": "Fri, 20 Nov 2026 09:00:00 GMT"},
        )

    listener = make(matcher, clock, handler)
    pages = list(listener.poll(None))
    assert ids(pages) == ["https://news.example.com/a1"]
    mention = pages[0].mentions[0]
    assert mention.platform == "rss"
    assert mention.url == "https://blog.example.com/a1"  # Google redirect unwrapped
    assert mention.text == "Kopi Senja buka cabang detail"
    assert mention.author.email == "budi@example.com"
    assert mention.lang_hint == "id"
    assert mention.created_at.tzinfo is not None
    assert json.loads(mention.raw_json)["feed"] == URL
    assert pages[0].fetched == 2
    cursor = pages[0].cursor

    pages = list(listener.poll(cursor))
    assert seen[-1]["if-none-match"] == '"v1"'
    assert seen[-1]["if-modified-since"] == "Fri, 20 Nov 2026 09:00:00 GMT"
    assert [p.not_modified for p in pages] == [True]
    assert ids(pages) == []

    feed["body"] = rss(("a3", "Kopi Senja promo"), ("a1", "Kopi Senja buka cabang"))
    pages = list(listener.poll(pages[0].cursor or cursor))
    assert ids(pages) == ["https://news.example.com/a3"]


def test_same_bytes_without_validators_do_no_work(matcher: BrandMatcher, clock: FakeClock) -> None:
    body = rss(("b1", "kopi senja"))
    listener = make(matcher, clock, lambda r: httpx.Response(200, content=body))
    first = list(listener.poll(None))
    again = list(listener.poll(first[0].cursor))
    assert again[0].not_modified
    assert again[0].mentions == []


def test_gzip_and_redirects(matcher: BrandMatcher, clock: FakeClock) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/old":
            return httpx.Response(301, headers={"Location": "/feed.xml"})
        assert "gzip" in request.headers["accept-encoding"]
        return httpx.Response(
            200,
            content=gzip.compress(rss(("g1", "kopi senja"))),
            headers={"Content-Encoding": "gzip"},
        )

    listener = make(matcher, clock, handler, urls=["https://news.example.com/old"])
    assert ids(list(listener.poll(None))) == ["https://news.example.com/g1"]


def test_5xx_is_retried_then_succeeds(matcher: BrandMatcher, clock: FakeClock) -> None:
    answers = [
        httpx.Response(503),
        httpx.Response(502),
        httpx.Response(200, content=rss(("c1", "kopi senja"))),
    ]
    listener = make(matcher, clock, lambda r: answers.pop(0))
    assert ids(list(listener.poll(None))) == ["https://news.example.com/c1"]
    assert clock.sleeps == [1.0, 2.0]


def test_5xx_and_timeouts_give_up_with_one_line(matcher: BrandMatcher, clock: FakeClock) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if len(clock.sleeps) == 1:
            raise httpx.ReadTimeout("slow", request=request)
        return httpx.Response(500)

    with pytest.raises(SourceUnavailable) as info:
        list(make(matcher, clock, handler).poll(None))
    assert "gave up after 3 attempts" in str(info.value)
    assert "\n" not in str(info.value)
    assert clock.sleeps == [1.0, 2.0]


def test_429_short_wait_then_long_wait_defers(matcher: BrandMatcher, clock: FakeClock) -> None:
    answers = [
        httpx.Response(429, headers={"Retry-After": "30"}),
        httpx.Response(200, content=rss(("d1", "kopi senja"))),
    ]
    listener = make(matcher, clock, lambda r: answers.pop(0))
    assert ids(list(listener.poll(None))) == ["https://news.example.com/d1"]
    assert clock.sleeps == [30.0]

    limited = make(matcher, clock, lambda r: httpx.Response(429, headers={"Retry-After": "3600"}))
    with pytest.raises(RateLimited) as info:
        list(limited.poll(None))
    assert info.value.retry_at is not None
    assert clock.sleeps == [30.0]


def test_404_is_reported_without_retry(matcher: BrandMatcher, clock: FakeClock) -> None:
    with pytest.raises(SourceUnavailable, match="HTTP 404"):
        list(make(matcher, clock, lambda r: httpx.Response(404)).poll(None))
    assert clock.sleeps == []


def test_bozo_feed_keeps_entries_and_warns(matcher: BrandMatcher, clock: FakeClock) -> None:
    broken = rss(("e1", "Kopi Senja &amp; teman"), ("e2", "kopi senja"))
    broken = broken.replace(b"&amp; teman", b"& teman").replace(b"</channel></rss>", b"")
    pages = list(make(matcher, clock, lambda r: httpx.Response(200, content=broken)).poll(None))
    assert len(ids(pages)) == 2
    assert "not well-formed" in pages[0].warnings[0]


@pytest.mark.parametrize("content_type", ["text/xml", "text/plain"])
def test_utf8_feed_served_without_charset_is_no_warning(
    matcher: BrandMatcher, clock: FakeClock, content_type: str
) -> None:
    # RFC 3023 makes bare text/xml us-ascii; feedparser flags it, but the feed is fine.
    body = rss(("e1", "Kopi Senja enak sekali \u2014 kafe")).replace(b"?>", b' encoding="utf-8"?>')
    answer = httpx.Response(200, content=body, headers={"content-type": content_type})
    pages = list(make(matcher, clock, lambda r: answer).poll(None))
    assert [m.title for p in pages for m in p.mentions] == ["Kopi Senja enak sekali \u2014 kafe"]
    assert pages[0].warnings == []


def test_garbage_is_source_unavailable(matcher: BrandMatcher, clock: FakeClock) -> None:
    html = b"<html><body>Please log in</body></html>"
    with pytest.raises(SourceUnavailable, match="not a readable RSS/Atom feed"):
        list(make(matcher, clock, lambda r: httpx.Response(200, content=html)).poll(None))


def test_private_addresses_and_redirects_to_them_are_refused(
    matcher: BrandMatcher, clock: FakeClock
) -> None:
    def resolver(host: str) -> list[str]:
        return ["10.0.0.7"] if host == "intranet.example" else PUBLIC

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"Location": "http://intranet.example/admin"})

    with pytest.raises(SourceUnavailable, match=r"non-public address 10\.0\.0\.7"):
        list(make(matcher, clock, handler, resolver=resolver).poll(None))
    with pytest.raises(SourceUnavailable, match="non-public"):
        list(make(matcher, clock, handler, urls=["http://127.0.0.1/feed"]).poll(None))
    with pytest.raises(SourceUnavailable, match="not an http"):
        list(
            make(
                matcher, clock, lambda r: httpx.Response(302, headers={"Location": "ftp://x/feed"})
            ).poll(None)
        )


def test_size_cap(matcher: BrandMatcher, clock: FakeClock) -> None:
    big = rss(*[(f"s{i}", "kopi senja " * 50) for i in range(200)])
    listener = make(matcher, clock, lambda r: httpx.Response(200, content=big), max_bytes=10_000)
    with pytest.raises(SourceUnavailable, match="larger than max_bytes"):
        list(listener.poll(None))


def test_one_failing_feed_does_not_stop_the_others(matcher: BrandMatcher, clock: FakeClock) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/gone":
            return httpx.Response(410)
        return httpx.Response(200, content=rss(("f1", "kopi senja")))

    listener = make(matcher, clock, handler, urls=["https://a.example/gone", URL])
    pages: list[PollPage] = []

    def drain() -> None:
        pages.extend(listener.poll(None))  # extend keeps the pages yielded before the error

    with pytest.raises(SourceUnavailable, match=r"1 of 2 feeds failed: .*HTTP 410"):
        drain()
    assert ids(pages) == ["https://news.example.com/f1"]


def test_local_path_and_file_url(matcher: BrandMatcher, clock: FakeClock, tmp_path: Path) -> None:
    path = tmp_path / "demo.xml"
    path.write_bytes(rss(("l1", "kopi senja")))
    for url in (str(path), path.as_uri()):
        pages = list(make(matcher, clock, urls=[url]).poll(None))
        assert ids(pages) == ["https://news.example.com/l1"]
        assert next(iter(make(matcher, clock, urls=[url]).poll(pages[0].cursor))).not_modified
    with pytest.raises(SourceUnavailable, match="cannot read"):
        list(make(matcher, clock, urls=[str(tmp_path / "missing.xml")]).poll(None))


CORPUS = sorted(
    p for p in (FIXTURES / "feedparser").rglob("*") if p.is_file() and p.name != ".gitattributes"
)


def corpus_headers(raw: bytes) -> dict[str, str]:
    """The ``Header: Name: value`` lines upstream serves each corpus file with."""
    head = raw[:2000].decode("latin-1")
    headers = {"Content-Type": "text/xml"}
    for line in head.splitlines():
        if line.strip().startswith("Header:"):
            name, _, value = line.split("Header:", 1)[1].strip().partition(":")
            headers[name.strip()] = value.strip()
    return headers


def content_type_note(oracle: feedparser.FeedParserDict) -> bool:
    """feedparser's bozo for a fine feed served as text/plain, or as bare text/xml
    (us-ascii by RFC 3023) and read as UTF-8: not worth a warning."""
    exc = oracle.get("bozo_exception")
    utf8 = str(oracle.get("encoding")).lower() == "utf-8"
    return isinstance(exc, feedparser.NonXMLContentType) or (
        isinstance(exc, feedparser.CharacterEncodingOverride) and utf8
    )


def check_ingested_or_reported(listener: FeedsListener, oracle: feedparser.FeedParserDict) -> None:
    """Every entry feedparser finds is counted; every bozo feed is warned about or raised."""
    try:
        pages = list(listener.poll(None))
    except SourceUnavailable as exc:
        message = str(exc)
    else:
        message = ""
    if message:
        assert message.startswith("source 'news': ")
        assert "\n" not in message
        return
    assert len(pages) == 1
    page = pages[0]
    assert page.fetched == len(oracle.entries)
    if oracle.get("bozo") and not content_type_note(oracle):
        assert page.warnings, "bozo feed silently accepted"
    for mention in page.mentions:
        assert mention.created_at.tzinfo is not None
        json.loads(mention.raw_json)


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_feedparser_corpus_from_local_paths(
    matcher: BrandMatcher, clock: FakeClock, path: Path
) -> None:
    oracle = feedparser.parse(path.read_bytes())
    check_ingested_or_reported(make(matcher, clock, urls=[str(path)]), oracle)


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_feedparser_corpus_over_http_with_its_headers(
    matcher: BrandMatcher, clock: FakeClock, path: Path
) -> None:
    raw = path.read_bytes()
    headers = corpus_headers(raw)
    url = f"http://127.0.0.1:8097/tests/{path.relative_to(FIXTURES / 'feedparser')}"
    oracle = feedparser.parse(
        raw,
        response_headers={**{k.lower(): v for k, v in headers.items()}, "content-location": url},
    )
    if wide_encoding(raw):  # feedparser misreads UTF-16/32 under text/xml; Simak does not
        oracle = feedparser.parse(raw)
    listener = make(
        matcher,
        clock,
        lambda r: httpx.Response(200, content=raw, headers=headers),
        urls=[url],
        allow_private_hosts=True,
    )
    check_ingested_or_reported(listener, oracle)


def test_corpus_is_present_and_bozo_feeds_are_reported(
    matcher: BrandMatcher, clock: FakeClock
) -> None:
    assert len(CORPUS) == 68
    reported = 0
    for path in CORPUS:
        try:
            page = next(iter(make(matcher, clock, urls=[str(path)]).poll(None)))
        except SourceUnavailable:
            reported += 1
            continue
        reported += bool(page.warnings)
    assert reported >= 10  # upstream: 15 of 65 set bozo with their HTTP headers


@pytest.mark.parametrize("name", ["utf-16le-bom.xml", "utf-16be-autodetect.xml", "utf-32le.xml"])
def test_utf16_and_utf32_corpus_feeds_served_as_text_xml_are_read(
    matcher: BrandMatcher, clock: FakeClock, name: str
) -> None:
    # Before: refused, "not well-formed (invalid token)": RFC 3023 makes bare text/xml
    # us-ascii, which "decodes" UTF-16 with a NUL every other byte.
    raw = (FIXTURES / "feedparser" / "encoding" / name).read_bytes()
    assert not feedparser.parse(raw).bozo  # upstream expects these to read cleanly
    answer = httpx.Response(200, content=raw, headers={"Content-Type": "text/xml"})
    pages = list(make(matcher, clock, lambda r: answer).poll(None))
    assert [(p.fetched, p.warnings) for p in pages] == [(0, [])]


def test_end_to_end_against_a_local_feed_server_answering_304(
    matcher: BrandMatcher, serve: type[LocalServer]
) -> None:
    from flask import Flask, request

    app = Flask("feeds")
    state: dict[str, Any] = {
        "body": rss(("h1", "Kopi Senja enak"), ("h2", "lain")),
        "hits": 0,
        "full": 0,
    }

    @app.get("/feed.xml")
    def feed() -> tuple[bytes, int, dict[str, str]]:
        state["hits"] += 1
        etag = '"' + hashlib.sha256(state["body"]).hexdigest()[:12] + '"'
        if request.headers.get("If-None-Match") == etag:
            return b"", 304, {"ETag": etag}
        state["full"] += 1
        return state["body"], 200, {"ETag": etag, "Content-Type": "application/rss+xml"}

    with serve(app) as server:
        listener = FeedsListener(
            "news",
            FeedsOptions(urls=[f"{server.url}/feed.xml"], allow_private_hosts=True),
            matcher,
            env={},
        )
        first = list(listener.poll(None))
        assert ids(first) == ["https://news.example.com/h1"]
        second = list(listener.poll(first[0].cursor))
        assert second[0].not_modified
        assert ids(second) == []
        assert (state["hits"], state["full"]) == (2, 1)
        state["body"] = rss(("h3", "kopisenja promo"), ("h1", "Kopi Senja enak"))
        third = list(listener.poll(second[0].cursor or first[0].cursor))
        assert ids(third) == ["https://news.example.com/h3"]


def test_empty_body_is_reported_not_silently_accepted(
    matcher: BrandMatcher, clock: FakeClock
) -> None:
    with pytest.raises(SourceUnavailable, match="no feed content"):
        list(make(matcher, clock, lambda r: httpx.Response(200, content=b"")).poll(None))
    empty_feed = b'<rss version="2.0"><channel><title>quiet</title></channel></rss>'
    typed = {"Content-Type": "application/rss+xml"}
    answer = httpx.Response(200, content=empty_feed, headers=typed)
    pages = list(make(matcher, clock, lambda r: answer).poll(None))
    assert pages[0].fetched == 0
    assert pages[0].warnings == []


@pytest.mark.parametrize(
    "content_type", ["application/feed+json", "application/json", "text/plain"]
)
def test_a_json_feed_says_plainly_that_it_is_not_read(
    matcher: BrandMatcher, clock: FakeClock, content_type: str
) -> None:
    # Before: "not a readable RSS/Atom feed (SAXParseException: syntax error)".
    body = json.dumps(
        {"version": "https://jsonfeed.org/version/1.1", "title": "Blog", "items": []}
    ).encode()
    answer = httpx.Response(200, content=body, headers={"content-type": content_type})
    with pytest.raises(SourceUnavailable) as caught:
        list(make(matcher, clock, lambda r: answer).poll(None))
    assert str(caught.value) == (
        f"source 'news': {URL} is a JSON Feed or other JSON, which Simak does not read "
        "(RSS and Atom only); use the site's RSS or Atom feed URL instead"
    )


# -- entries without a date --------------------------------------------------------------

EXAMPLE = BrandMatcher([BrandSpec("Example", terms=("example",))])
CORPUS_DIR = FIXTURES / "feedparser" / "wellformed"


def _serve(feeds: dict[str, bytes]) -> Handler:
    return lambda request: httpx.Response(
        200, content=feeds[str(request.url)], headers={"content-type": "application/rss+xml"}
    )


def _undated(guid: str) -> bytes:
    return (
        f"<item><guid>https://alerts.example.com/{guid}</guid><title>Example {guid}</title>"
        "<description>an example mention</description></item>"
    ).encode()


def _with_items(feed: bytes, *items: bytes) -> bytes:
    """A corpus feed with ``items`` added to its channel."""
    return feed.replace(b"</channel>", b"".join(items) + b"</channel>")


def test_undated_entries_get_the_poll_time_and_one_warning_per_poll(clock: FakeClock) -> None:
    """Real feeds whose entries carry no date (nor does the feed): each entry is stored
    with the poll time, and the poll says so once, naming the feeds, not once per entry."""
    rss_only = "https://a.example.com/rss.xml"
    atom_only = "https://b.example.com/atom.xml"
    alerts = "https://c.example.com/alerts.xml"
    feeds = {
        rss_only: (CORPUS_DIR / "rss" / "item_content_encoded.xml").read_bytes(),
        atom_only: (CORPUS_DIR / "atom10" / "entry_content_and_summary.xml").read_bytes(),
        alerts: _with_items(
            b'<rss version="2.0"><channel><title>Alerts</title></channel></rss>',
            *(_undated(g) for g in ("a1", "a2", "a3")),
        ),
    }
    urls = [rss_only, atom_only, alerts]
    pages = list(make(EXAMPLE, clock, _serve(feeds), urls=urls).poll(None))
    mentions = [m for p in pages for m in p.mentions]
    assert len(mentions) == 5
    assert {m.created_at for m in mentions} == {clock.now}
    warnings = [w for p in pages for w in p.warnings]
    assert warnings == [
        f"5 new entries in {rss_only}, {atom_only}, {alerts} carry no date (nor does the "
        "feed); stored with this poll's time as their date"
    ]
    assert pages[-1].cursor is None and pages[-1].mentions == []  # the note moves nothing


def test_an_entry_without_a_date_takes_the_feeds_date(clock: FakeClock) -> None:
    """RSS lastBuildDate (the real corpus feed) or Atom's feed-level updated, when the
    entry has neither published nor updated; an entry's own date still wins."""
    rss_url, atom_url = "https://a.example.com/rss.xml", "https://b.example.com/atom.xml"
    dated = (
        b"<item><guid>https://alerts.example.com/d</guid><title>Example dated</title>"
        b"<pubDate>Fri, 06 Sep 2002 10:00:00 GMT</pubDate></item>"
    )
    atom = (
        b'<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>'
        b"<updated>2026-11-20T08:30:00Z</updated><entry><id>urn:x:1</id>"
        b"<title>Example atom</title></entry><entry><id>urn:x:2</id><title>Example 2</title>"
        b"<updated>2026-11-19T01:00:00Z</updated></entry></feed>"
    )
    feeds = {
        rss_url: _with_items(
            (CORPUS_DIR / "rss" / "channel_lastBuildDate_parsed.xml").read_bytes(),
            _undated("u"),
            dated,
        ),
        atom_url: atom,
    }
    pages = list(make(EXAMPLE, clock, _serve(feeds), urls=[rss_url, atom_url]).poll(None))
    when = {m.external_id: m.created_at.isoformat() for p in pages for m in p.mentions}
    assert when == {
        "https://alerts.example.com/u": "2002-09-07T00:00:01+00:00",  # <lastBuildDate>
        "https://alerts.example.com/d": "2002-09-06T10:00:00+00:00",
        "urn:x:1": "2026-11-20T08:30:00+00:00",  # the feed's <updated>
        "urn:x:2": "2026-11-19T01:00:00+00:00",
    }
    assert [w for p in pages for w in p.warnings] == []


def test_re_polls_of_undated_entries_neither_repeat_nor_move_them(clock: FakeClock) -> None:
    """A later poll stores only the new entry, at its own poll time; the feed's date is
    not used once it is older than the previous poll (a stale lastBuildDate)."""
    stale = (CORPUS_DIR / "rss" / "channel_lastBuildDate_parsed.xml").read_bytes()
    feeds = {URL: _with_items(b'<rss version="2.0"><channel></channel></rss>', _undated("a"))}
    first = list(make(EXAMPLE, clock, _serve(feeds)).poll(None))
    first_seen = clock.now
    assert [(m.external_id, m.created_at) for p in first for m in p.mentions] == [
        ("https://alerts.example.com/a", first_seen)
    ]
    cursor = [p.cursor for p in first if p.cursor][-1]

    clock.sleep(3600)
    feeds[URL] = _with_items(stale, _undated("b"), _undated("a"))  # 2002 lastBuildDate
    again = list(make(EXAMPLE, clock, _serve(feeds)).poll(cursor))
    assert [(m.external_id, m.created_at) for p in again for m in p.mentions] == [
        ("https://alerts.example.com/b", clock.now)
    ]
    assert [w for p in again for w in p.warnings] == [
        f"1 new entry in {URL} carries no date (nor does the feed); "
        "stored with this poll's time as its date"
    ]

    clock.sleep(3600)
    cursor = [p.cursor for p in again if p.cursor][-1]
    feeds[URL] += b"\n"  # rebuilt by the server: parsed again, nothing new
    assert [m for p in make(EXAMPLE, clock, _serve(feeds)).poll(cursor) for m in p.mentions] == []


@pytest.mark.parametrize(
    ("author", "name", "email"),
    [
        ("editor@melbeats.example (Jo Blake)", "Jo Blake", "editor@melbeats.example"),
        ("Jo Blake &lt;jo@crumb.bakery&gt;", "Jo Blake", "jo@crumb.bakery"),
        ("news@crumb.studio", None, "news@crumb.studio"),
        ("budi@example.com (Budi)", "Budi", "budi@example.com"),
        ("Jo Blake", "Jo Blake", None),
    ],
)
def test_an_rss_author_with_a_long_top_level_domain_is_read_whole(
    matcher: BrandMatcher, clock: FakeClock, tmp_path: Path, author: str, name: str, email: str
) -> None:
    """feedparser cuts "editor@melbeats.example (Jo Blake)" into the address
    "editor@melbeats.exam" and the name "ple (Jo Blake": a follow-up would go to a wrong
    address under a wrong name."""
    path = tmp_path / "blog.xml"
    path.write_bytes(rss(("a1", "kopi senja")).replace(b"budi@example.com (Budi)", author.encode()))
    (mention,) = [m for p in make(matcher, clock, urls=[str(path)]).poll(None) for m in p.mentions]
    assert (mention.author.display_name, mention.author.email) == (name, email)
