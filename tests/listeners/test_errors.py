"""Errors from platforms are one short line, and never carry the listener's credentials,
whatever the server echoes back (canary secrets are planted and looked for)."""

from __future__ import annotations

import traceback
from typing import Any

import httpx
import pytest
import responses

from common.errors import SourceError, SourceUnavailable
from listeners.base import PollPage
from listeners.bluesky import BlueskyListener, BlueskyOptions
from listeners.failures import Redactor, one_line
from listeners.hackernews import HackerNewsListener, HackerNewsOptions
from listeners.mastodon import MastodonListener, MastodonOptions
from listeners.matching import BrandMatcher, BrandSpec
from listeners.reddit import RedditListener, RedditOptions
from listeners.x import XListener, XOptions
from tests.listeners.conftest import FakeClock
from tests.listeners.test_bluesky import SESSION

BRANDS = BrandMatcher([BrandSpec("Kopi Senja", terms=("kopi senja",), handles={"x": "kopisenja"})])
CANARY = {
    "TOKEN": "AAAAcanary-bearer-7f3a9c1e5b",
    "PASSWORD": "canary-app-pass-x9z8-y7w6",
    "CLIENT_ID": "canary-client-id-4d5e6f",
    "CLIENT_SECRET": "canary-client-secret-1a2b3c",
}
HTML_400 = (
    "<!DOCTYPE html>\n<html><head><title>400 Bad Request</title>\n<style>body{color:red}"
    "</style><script>var x = 1;</script></head>\n<body>\n  <h1>Bad   Request</h1>\n"
    "  <p>Your request\n   has a problem.</p>" + "<p>padding</p>" * 500 + "</body></html>"
)


def everything_said(exc: BaseException, pages: list[PollPage] = ()) -> str:  # type: ignore[assignment]
    """The message, the whole printed chain (as a log would show it) and every warning."""
    chain = "".join(traceback.format_exception(exc))
    return "\n".join([str(exc), chain, *(w for p in pages for w in p.warnings)])


def assert_clean(exc: BaseException, pages: list[PollPage] = ()) -> None:  # type: ignore[assignment]
    said = everything_said(exc, pages)
    for secret in CANARY.values():
        assert secret not in said
    assert "\n" not in str(exc)
    assert len(str(exc)) < 500


def drain(poll: Any) -> tuple[SourceError, list[PollPage]]:
    pages: list[PollPage] = []
    with pytest.raises(SourceError) as info:
        pages.extend(poll)
    return info.value, pages


def test_one_line_flattens_html_pages() -> None:
    line = one_line(HTML_400)
    assert line.startswith("400 Bad Request Bad Request Your request has a problem.")
    assert "<" not in line and "color" not in line and "var x" not in line
    assert len(line) <= 200 and line.endswith("…")
    assert one_line("a\x1b[2J\u202eb\r\nc") == "a [2J b c"


def test_redactor_covers_encoded_spellings() -> None:
    redact = Redactor(["s3cret/value+1"])
    assert redact("x s3cret/value+1 y s3cret%2Fvalue%2B1 z") == "x *** y *** z"
    assert Redactor(["abc"])("abc") == "abc"  # too short to be a real secret


@responses.activate
def test_reddit_html_400_is_one_short_line(clock: FakeClock) -> None:
    responses.post(
        "https://www.reddit.com/api/v1/access_token",
        json={"access_token": "t", "token_type": "bearer", "expires_in": 86400, "scope": "*"},
    )
    responses.get("https://oauth.reddit.com/r/all/search/", status=400, body=HTML_400)
    options = RedditOptions(
        client_id="${CLIENT_ID}", client_secret="${CLIENT_SECRET}", api_approved=True
    )
    source = RedditListener("r", options, BRANDS, env=CANARY, clock=clock, sleep=clock.sleep)
    exc, _ = drain(source.poll(None))
    message = str(exc)
    # praw reads the 400 itself (RedditAPIException); the page is flattened all the same.
    assert message.startswith(
        "source 'r': Reddit request failed (RedditAPIException: 400 Bad Request Bad Request "
        "Your request has a problem."
    )
    assert_clean(exc)


@responses.activate
def test_reddit_token_refusal_echoing_the_secret(clock: FakeClock) -> None:
    echo = f"invalid client {CANARY['CLIENT_ID']}:{CANARY['CLIENT_SECRET']}"
    responses.post("https://www.reddit.com/api/v1/access_token", status=401, json={"message": echo})
    options = RedditOptions(
        client_id="${CLIENT_ID}", client_secret="${CLIENT_SECRET}", api_approved=True
    )
    source = RedditListener("r", options, BRANDS, env=CANARY, clock=clock, sleep=clock.sleep)
    exc, _ = drain(source.poll(None))
    assert "refused the credentials" in str(exc)
    assert_clean(exc)


@responses.activate
def test_x_401_echoing_the_bearer_token(clock: FakeClock) -> None:
    body = {"title": "Unauthorized", "detail": f"Bearer {CANARY['TOKEN']} is not valid"}
    responses.get("https://api.twitter.com/2/users/7/mentions", status=401, json=body)
    options = XOptions(bearer_token="${TOKEN}", username="kopisenja", user_id="7")
    exc, _ = drain(XListener("x", options, BRANDS, env=CANARY, clock=clock).poll(None))
    assert str(exc).startswith("source 'x': X refused the credentials (HTTP 401: ")
    assert "***" in str(exc)
    assert_clean(exc)


@responses.activate
def test_x_warnings_echoing_the_token_are_redacted(clock: FakeClock) -> None:
    body = {
        "data": [{"id": "5", "text": "@kopisenja halo", "author_id": "1"}],
        "errors": [{"detail": f"token {CANARY['TOKEN']} lacks a scope"}],
        "meta": {"result_count": 1, "newest_id": "5", "oldest_id": "5"},
    }
    responses.get("https://api.twitter.com/2/users/7/mentions", json=body)
    options = XOptions(bearer_token="${TOKEN}", username="kopisenja", user_id="7")
    pages = list(XListener("x", options, BRANDS, env=CANARY, clock=clock).poll(None))
    warnings = [w for p in pages for w in p.warnings]
    assert warnings == ["x mentions: token *** lacks a scope"]


def test_bluesky_login_error_echoing_the_app_password(clock: FakeClock) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        text = f"Invalid identifier or password {CANARY['PASSWORD']}"
        return httpx.Response(401, json={"error": "AuthenticationRequired", "message": text})

    options = BlueskyOptions(handle="kopisenja.bsky.social", app_password="${PASSWORD}")
    source = BlueskyListener(
        "bsky",
        options,
        BRANDS,
        env=CANARY,
        transport=httpx.MockTransport(refuse),
        clock=clock,
        sleep=clock.sleep,
    )
    exc, _ = drain(source.poll(None))
    assert "Bluesky refused the credentials" in str(exc)
    assert_clean(exc)


@responses.activate
def test_mastodon_401_echoing_the_token(clock: FakeClock) -> None:
    responses.get(
        "https://masto.example/api/v1/notifications",
        status=401,
        json={"error": f"The access token {CANARY['TOKEN']} is invalid"},
    )
    options = MastodonOptions(api_base_url="https://masto.example", access_token="${TOKEN}")
    source = MastodonListener("m", options, BRANDS, env=CANARY, clock=clock, sleep=clock.sleep)
    exc, _ = drain(source.poll(None))
    assert "masto.example refused the credentials" in str(exc)
    assert_clean(exc)


def test_hn_html_error_is_one_line(clock: FakeClock) -> None:
    source = HackerNewsListener(
        "hn",
        HackerNewsOptions(queries=["kopi senja"]),
        BRANDS,
        transport=httpx.MockTransport(lambda r: httpx.Response(403, text=HTML_400)),
        clock=clock,
        sleep=clock.sleep,
    )
    exc, _ = drain(source.poll(None))
    assert isinstance(exc, SourceUnavailable)
    assert str(exc).startswith("source 'hn': HN search refused the credentials (HTTP 403: 400 Bad")
    assert_clean(exc)


DEEP = "[" * 100_000


@responses.activate
def test_deep_json_from_x_is_one_line(clock: FakeClock) -> None:
    responses.get(
        "https://api.twitter.com/2/users/7/mentions", body=DEEP, content_type="application/json"
    )
    options = XOptions(bearer_token="${TOKEN}", username="kopisenja", user_id="7")
    exc, _ = drain(XListener("x", options, BRANDS, env=CANARY, clock=clock).poll(None))
    assert str(exc).startswith("source 'x': unreadable reply from X while reading posts")
    assert_clean(exc)


@responses.activate
def test_deep_json_from_mastodon_is_one_line(clock: FakeClock) -> None:
    responses.get(
        "https://masto.example/api/v1/notifications", body=DEEP, content_type="application/json"
    )
    options = MastodonOptions(api_base_url="https://masto.example", access_token="${TOKEN}")
    source = MastodonListener("m", options, BRANDS, env=CANARY, clock=clock, sleep=clock.sleep)
    exc, _ = drain(source.poll(None))
    assert "masto.example" in str(exc)
    assert_clean(exc)


def test_deep_json_from_bluesky_and_hn_is_one_line(clock: FakeClock) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("createSession"):
            return httpx.Response(200, json=SESSION)
        return httpx.Response(200, content=DEEP, headers={"Content-Type": "application/json"})

    options = BlueskyOptions(handle="kopisenja.bsky.social", app_password="${PASSWORD}")
    bsky = BlueskyListener(
        "bsky",
        options,
        BRANDS,
        env=CANARY,
        transport=httpx.MockTransport(handler),
        clock=clock,
        sleep=clock.sleep,
    )
    exc, _ = drain(bsky.poll(None))
    assert "Bluesky" in str(exc)
    assert_clean(exc)
    hn = HackerNewsListener(
        "hn",
        HackerNewsOptions(queries=["kopi senja"]),
        BRANDS,
        transport=httpx.MockTransport(handler),
        clock=clock,
        sleep=clock.sleep,
    )
    exc, _ = drain(hn.poll(None))
    assert "JSON nested 100000 levels deep" in str(exc)
    assert_clean(exc)
