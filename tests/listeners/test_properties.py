"""Property tests: whatever strangers send — feed documents, export records, platform
payloads, post texts, config files — no exception escapes uncaught, and every
rejection or warning is one clear line."""

from __future__ import annotations

import json
import string
from typing import Any

import httpx
import pytest
import responses
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from common.errors import ConfigError, SourceError
from listeners.base import PollPage
from listeners.bluesky import BlueskyListener, BlueskyOptions
from listeners.convert import html_to_text, parse_time
from listeners.failures import one_line
from listeners.feeds import FeedsListener, FeedsOptions
from listeners.files import FilesListener, FilesOptions
from listeners.hackernews import HackerNewsListener, HackerNewsOptions
from listeners.matching import BrandMatcher, BrandSpec
from listeners.x import XListener, XOptions
from simak.yamlsafe import load_yaml_file
from tests.listeners.conftest import FakeClock
from tests.listeners.test_bluesky import SESSION

FAST = settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
BRANDS = BrandMatcher([BrandSpec("Kopi Senja", terms=("kopi senja",), handles={"x": "kopisenja"})])
HOSTILE_CHARS = "\x00\x1b\u202e\u200b[]/<>&;\"'\n\r\t é😀ъ"
texts = st.text(alphabet=st.characters(codec="utf-8") | st.sampled_from(HOSTILE_CHARS), max_size=80)
words = st.one_of(texts, st.just("kopi senja"), st.sampled_from(["[/b]", "[link=x]y[/link]"]))
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | texts,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(texts, inner, max_size=4),
    max_leaves=12,
)
times = st.one_of(
    st.none(),
    texts,
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00", "2026-11-20"]),
)


def one_line_each(pages: list[PollPage]) -> None:
    for page in pages:
        for warning in page.warnings:
            assert "\n" not in warning and "\r" not in warning and warning


def poll_safely(poll: Any) -> list[PollPage]:
    """Pages until the end or a SourceError, which must be one line."""
    pages: list[PollPage] = []
    failure: SourceError | None = None
    try:
        pages.extend(poll)
    except SourceError as exc:
        failure = exc
    if failure is not None:
        assert "\n" not in str(failure) and len(str(failure)) < 2000
    one_line_each(pages)
    return pages


# -- feed documents -----------------------------------------------------------------------------


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;")


@st.composite
def feed_documents(draw: st.DrawFn) -> bytes:
    items = draw(st.lists(st.tuples(words, words, texts, times), max_size=5))
    raw_items = "".join(
        f"<item><guid>{_escape(g)}</guid><title>{_escape(t)}</title>"
        f"<description>{d if draw(st.booleans()) else _escape(d)}</description>"
        f"<pubDate>{_escape(str(w))}</pubDate></item>"
        for g, t, d, w in items
    )
    head = '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
    doc = f"{head}{raw_items}</channel></rss>"
    data = doc.encode(draw(st.sampled_from(["utf-8", "utf-16", "latin-1"])), errors="replace")
    cut = draw(st.integers(min_value=0, max_value=len(data)))
    return data[:cut] if draw(st.booleans()) else data


@settings(FAST, max_examples=25)
@given(
    body=feed_documents() | st.binary(max_size=400),
    ctype=st.sampled_from(["", "text/html", "application/rss+xml; charset=klingon"]),
)
def test_feed_documents(body: bytes, ctype: str) -> None:
    clock = FakeClock()
    transport = httpx.MockTransport(
        lambda r: httpx.Response(
            200, content=body, headers={"Content-Type": ctype} if ctype else {}
        )
    )
    source = FeedsListener(
        "news",
        FeedsOptions(urls=["https://feeds.example/x"]),
        BRANDS,
        transport=transport,
        resolver=lambda host: ["93.184.216.34"],
        clock=clock,
        sleep=clock.sleep,
    )
    for page in poll_safely(source.poll(None)):
        for mention in page.mentions:
            assert mention.created_at.tzinfo is not None
            json.loads(mention.raw_json)


# -- export records ------------------------------------------------------------------------------


@FAST
@given(
    records=st.lists(
        st.one_of(
            st.fixed_dictionaries(
                {"id": json_values, "text": words, "created_at": times, "author": json_values}
            ),
            json_values,
        ),
        max_size=6,
    ),
    junk=st.lists(st.binary(max_size=60), max_size=3),
)
def test_jsonl_records(
    tmp_path_factory: pytest.TempPathFactory, records: list[Any], junk: list[bytes]
) -> None:
    path = tmp_path_factory.mktemp("jsonl") / "export.jsonl"
    lines = [json.dumps(r, default=str).encode() for r in records] + [
        j.replace(b"\n", b" ") for j in junk
    ]
    path.write_bytes(b"\n".join(lines) + b"\n")
    source = FilesListener("f", FilesOptions(path=str(path), max_record_bytes=1024), BRANDS)
    for page in poll_safely(source.poll(None)):
        assert all(w.startswith(f"{path}:") for w in page.warnings)


@FAST
@given(
    rows=st.lists(
        st.lists(st.one_of(words, st.sampled_from(['"', '""', ",", "\r"])), max_size=5), max_size=6
    )
)
def test_csv_records(tmp_path_factory: pytest.TempPathFactory, rows: list[list[str]]) -> None:
    path = tmp_path_factory.mktemp("csv") / "export.csv"
    body = "id,text,created_at\n" + "\n".join(",".join(r) for r in rows) + "\n"
    path.write_bytes(body.encode("utf-8", errors="surrogatepass"))
    source = FilesListener("f", FilesOptions(path=str(path), max_record_bytes=1024), BRANDS)
    for page in poll_safely(source.poll(None)):
        assert all(w.startswith(f"{path}:") for w in page.warnings)


# -- platform payloads -----------------------------------------------------------------------------


@FAST
@given(
    tweets=st.lists(
        st.fixed_dictionaries(
            {"id": json_values, "text": words, "created_at": times, "author_id": json_values}
        )
        | json_values,
        max_size=5,
    ),
    meta=json_values,
    includes=json_values,
)
def test_x_payloads(tweets: list[Any], meta: Any, includes: Any) -> None:
    _x_poll(tweets, meta, includes)


def test_x_ids_that_are_no_integer_are_skipped_not_an_overflow() -> None:
    """Found by test_x_payloads: an id of Infinity (valid for Python's json) crashed the
    poll with OverflowError."""
    _x_poll([{"id": float("inf"), "text": "kopi senja", "created_at": None}], None, None)
    _x_poll([{"id": float("nan"), "text": "kopi senja", "created_at": None}], None, None)


def _x_poll(tweets: list[Any], meta: Any, includes: Any) -> None:
    clock = FakeClock()
    body = {"data": tweets, "meta": meta, "includes": includes}
    with responses.RequestsMock() as mock:
        mock.get(
            "https://api.twitter.com/2/users/7/mentions",
            body=json.dumps(body, default=str),
            content_type="application/json",
        )
        options = XOptions(bearer_token="${T}", username="kopisenja", user_id="7", max_reads=20)
        source = XListener("x", options, BRANDS, env={"T": "token-1234567"}, clock=clock)
        poll_safely(source.poll(None))


@FAST
@given(
    posts=st.lists(
        st.fixed_dictionaries(
            {
                "uri": json_values,
                "record": st.fixed_dictionaries({"text": words, "createdAt": times}) | json_values,
                "author": json_values,
                "indexedAt": times,
            }
        )
        | json_values,
        max_size=5,
    ),
    cursor=json_values,
)
def test_bluesky_payloads(posts: list[Any], cursor: Any) -> None:
    clock = FakeClock()

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("createSession"):
            return httpx.Response(200, json=SESSION)
        return httpx.Response(
            200, content=json.dumps({"posts": posts, "cursor": cursor}, default=str)
        )

    options = BlueskyOptions(
        handle="kopisenja.bsky.social", app_password="${P}", mentions=False, max_pages=2
    )
    source = BlueskyListener(
        "b",
        options,
        BRANDS,
        env={"P": "app-pass-12345"},
        transport=httpx.MockTransport(handler),
        clock=clock,
        sleep=clock.sleep,
    )
    poll_safely(source.poll(None))


@FAST
@given(
    hits=st.lists(
        st.fixed_dictionaries(
            {"objectID": json_values, "title": words, "created_at_i": times, "comment_text": words}
        )
        | json_values,
        max_size=5,
    ),
    pages=json_values,
    raw=st.none() | st.binary(max_size=100),
)
def test_hackernews_payloads(hits: list[Any], pages: Any, raw: bytes | None) -> None:
    clock = FakeClock()
    body = (
        raw
        if raw is not None
        else json.dumps({"hits": hits, "nbPages": pages}, default=str).encode()
    )
    source = HackerNewsListener(
        "hn",
        HackerNewsOptions(queries=["kopi senja"], max_pages=2),
        BRANDS,
        transport=httpx.MockTransport(lambda r: httpx.Response(200, content=body)),
        clock=clock,
        sleep=clock.sleep,
    )
    poll_safely(source.poll(None))


# -- post texts and config files -------------------------------------------------------------------


@FAST
@given(text=texts | st.text(alphabet=string.printable + "<>&;", max_size=300), value=times)
def test_post_texts(text: str, value: Any) -> None:
    plain = html_to_text(text)
    assert isinstance(plain, str)
    BRANDS.match(text, plain)
    line = one_line(text)
    assert "\n" not in line and "\x1b" not in line and len(line) <= 200
    when = parse_time(value)
    assert when is None or when.tzinfo is not None


@FAST
@given(text=st.text(alphabet=string.printable + "&*!|>-[]{}:#é", max_size=300))
def test_config_files(tmp_path_factory: pytest.TempPathFactory, text: str) -> None:
    path = tmp_path_factory.mktemp("cfg") / "config.yaml"
    path.write_text(text, encoding="utf-8")
    failure: ConfigError | None = None
    try:
        load_yaml_file(path)
    except ConfigError as exc:
        failure = exc
    if failure is not None:
        assert "\n" not in str(failure) and str(failure).startswith(str(path))
