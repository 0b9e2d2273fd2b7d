"""The Bluesky listener: the real atproto Client over httpx.MockTransport and a local server."""

from __future__ import annotations

import base64
import copy
import json
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from common.errors import CredentialMissing, RateLimited, SourceUnavailable
from listeners.bluesky import BlueskyListener, BlueskyOptions
from listeners.matching import BrandMatcher, BrandSpec
from tests.listeners.conftest import FIXTURES, FakeClock, LocalServer

ENV = {"BSKY_PASSWORD": "app-pass"}
BRANDS = BrandMatcher(
    [BrandSpec("Kopi Senja", terms=("kopi senja",), handles={"bluesky": "kopisenja.bsky.social"})]
)


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


JWT = ".".join(
    [
        _b64({"alg": "HS256", "typ": "JWT"}),
        _b64({"scope": "com.atproto.appPass", "sub": "did:plc:brand", "iat": 1, "exp": 4102444800}),
        "sig",
    ]
)
SESSION = {
    "accessJwt": JWT,
    "refreshJwt": JWT,
    "handle": "kopisenja.bsky.social",
    "did": "did:plc:brand",
}


def recorded_post() -> dict[str, Any]:
    data = json.loads(
        (FIXTURES / "bluesky" / "thread_view_post_with_embed_media.json").read_text(
            encoding="utf-8"
        )
    )
    post: dict[str, Any] = data["thread"]["post"]
    return post


def post(rkey: str, text: str, when: str) -> dict[str, Any]:
    """The recorded postView shape with a new key, text and time."""
    out = copy.deepcopy(recorded_post())
    out["uri"] = f"at://did:plc:kvwvcn5iqfooopmyzvb4qzba/app.bsky.feed.post/{rkey}"
    out["record"]["text"] = text
    out["record"]["createdAt"] = when
    out["indexedAt"] = when
    return out


def notification(rkey: str, text: str, when: str, reason: str = "mention") -> dict[str, Any]:
    base = post(rkey, text, when)
    return {
        "uri": base["uri"],
        "cid": base["cid"],
        "author": base["author"],
        "reason": reason,
        "record": base["record"],
        "indexedAt": when,
        "isRead": False,
        "labels": [],
    }


Routes = dict[str, list[httpx.Response]]


def transport(routes: Routes, log: list[httpx.Request]) -> httpx.MockTransport:
    """Answers /xrpc/<nsid> from per-method queues (the last answer repeats)."""

    def handler(request: httpx.Request) -> httpx.Response:
        log.append(request)
        nsid = request.url.path.removeprefix("/xrpc/")
        if nsid == "com.atproto.server.createSession":
            return httpx.Response(200, json=SESSION)
        queue = routes.get(nsid)
        if not queue:
            return httpx.Response(404, json={"error": "MethodNotImplemented"})
        return queue.pop(0) if len(queue) > 1 else queue[0]

    return httpx.MockTransport(handler)


def listener(
    clock: FakeClock, routes: Routes, log: list[httpx.Request] | None = None, **extra: Any
) -> BlueskyListener:
    opts = BlueskyOptions.model_validate(
        {"handle": "kopisenja.bsky.social", "app_password": "${BSKY_PASSWORD}", **extra}
    )
    return BlueskyListener(
        "bsky",
        opts,
        BRANDS,
        env=ENV,
        transport=transport(routes, log if log is not None else []),
        clock=clock,
        sleep=clock.sleep,
    )


def ok(body: dict[str, Any]) -> httpx.Response:
    return httpx.Response(200, json=body)


def params(request: httpx.Request) -> dict[str, str]:
    return dict(request.url.params)


def test_search_first_poll_then_only_new(clock: FakeClock) -> None:
    log: list[httpx.Request] = []
    old = [
        post("b", "kopi senja enak", "2026-11-22T10:00:00.000Z"),
        post("a", "bukan tentang kita", "2026-11-22T09:00:00.000Z"),
    ]
    routes = {
        "app.bsky.feed.searchPosts": [
            ok({"posts": old[:1], "cursor": "p2"}),
            ok({"posts": old[1:]}),
            ok({"posts": [post("c", "Kopi Senja promo!", "2026-11-22T11:00:00.000Z"), old[0]]}),
        ]
    }
    source = listener(clock, routes, log, mentions=False, lang="id")
    pages = list(source.poll(None))
    assert [len(p.mentions) for p in pages] == [1, 0]  # one page per request
    assert [p.fetched for p in pages] == [1, 1]
    m = pages[0].mentions[0]
    assert m.author.handle == "test.marshal.dev"
    assert m.author.user_id == "did:plc:kvwvcn5iqfooopmyzvb4qzba"
    assert m.author.display_name == "Python SDK"
    assert m.url == "https://bsky.app/profile/test.marshal.dev/post/b"
    assert m.created_at == datetime(2026, 11, 22, 10, tzinfo=UTC)
    assert m.lang_hint == "en"
    searches = [params(r) for r in log if r.url.path.endswith("searchPosts")]
    assert searches[0] == {"q": "kopi senja", "sort": "latest", "lang": "id", "limit": "50"}
    # The next page is asked for by time: one millisecond above the oldest post read.
    assert searches[1]["until"] == "2026-11-22T10:00:00.001000Z"

    again = list(source.poll(pages[-1].cursor))
    assert [x.text for p in again for x in p.mentions] == ["Kopi Senja promo!"]
    assert (
        params([r for r in log if r.url.path.endswith("searchPosts")][-1])["since"]
        == "2026-11-22T10:00:00.000000Z"
    )


def test_mentions_are_attributed_to_the_own_brand(clock: FakeClock) -> None:
    routes = {
        "app.bsky.notification.listNotifications": [
            ok(
                {
                    "notifications": [
                        notification("m2", "@kopisenja.bsky.social halo", "2026-11-22T10:00:00Z"),
                        notification("m1", "liked", "2026-11-22T09:00:00Z", reason="like"),
                    ]
                }
            )
        ]
    }
    pages = list(listener(clock, routes, queries=[]).poll(None))
    assert [m.text for m in pages[0].mentions] == ["@kopisenja.bsky.social halo"]
    assert pages[0].mentions[0].brand == "Kopi Senja"


def test_replies_and_quotes_of_the_account_are_mentions_likes_are_not(clock: FakeClock) -> None:
    """A reply to the business's post or a quote of it does not need its @handle: it is
    someone talking to the business all the same (X and Mastodon replies carry the handle)."""
    routes = {
        "app.bsky.notification.listNotifications": [
            ok(
                {
                    "notifications": [
                        notification(
                            "r1",
                            "kopinya asam bgt hari ini",
                            "2026-11-22T11:00:00Z",
                            reason="reply",
                        ),
                        notification(
                            "q1", "this is why I love them", "2026-11-22T10:30:00Z", reason="quote"
                        ),
                        notification("p1", "reposted", "2026-11-22T10:00:00Z", reason="repost"),
                        notification("f1", "", "2026-11-22T09:00:00Z", reason="follow"),
                    ]
                }
            )
        ]
    }
    log: list[httpx.Request] = []
    pages = list(listener(clock, routes, log, queries=[]).poll(None))
    assert [m.text for m in pages[0].mentions] == [
        "kopinya asam bgt hari ini",
        "this is why I love them",
    ]
    assert {m.brand for m in pages[0].mentions} == {"Kopi Senja"}
    asked = next(r for r in log if r.url.path.endswith("listNotifications"))
    assert asked.url.params.get_list("reasons") == ["mention", "reply", "quote"]


def test_429_waits_or_defers(clock: FakeClock) -> None:
    reset = int(clock.now.timestamp()) + 10
    routes = {
        "app.bsky.feed.searchPosts": [
            httpx.Response(
                429, json={"error": "RateLimitExceeded"}, headers={"ratelimit-reset": str(reset)}
            ),
            ok({"posts": [post("x", "kopi senja", "2026-11-22T10:00:00Z")]}),
        ]
    }
    pages = list(listener(clock, routes, mentions=False).poll(None))
    assert len(pages[0].mentions) == 1
    assert clock.sleeps == [11.0]
    far = {
        "app.bsky.feed.searchPosts": [
            httpx.Response(
                429, json={"error": "RateLimitExceeded"}, headers={"ratelimit-reset": "4102444800"}
            )
        ]
    }
    with pytest.raises(RateLimited):
        list(listener(clock, far, mentions=False).poll(None))


def test_5xx_is_retried_then_reported(clock: FakeClock) -> None:
    routes = {"app.bsky.feed.searchPosts": [httpx.Response(503, json={"error": "Unavailable"})]}
    with pytest.raises(SourceUnavailable, match=r"HTTP 503 from Bluesky .*gave up after 3"):
        list(listener(clock, routes, mentions=False).poll(None))
    assert clock.sleeps == [1.0, 2.0]


def test_malformed_posts_are_skipped_with_a_warning(clock: FakeClock) -> None:
    broken = post("bad", "kopi senja", "2026-11-22T10:00:00Z")
    del broken["author"]
    routes = {
        "app.bsky.feed.searchPosts": [
            ok({"posts": [broken, post("good", "kopi senja", "2026-11-22T10:00:00Z"), "junk"]})
        ]
    }
    pages = list(listener(clock, routes, mentions=False).poll(None))
    assert [m.external_id.rsplit("/", 1)[1] for m in pages[0].mentions] == ["good"]
    assert "item at://" in pages[0].warnings[0]
    assert "unreadable, skipped" in pages[0].warnings[0]


def test_bad_password_and_missing_variable(clock: FakeClock) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            401,
            json={"error": "AuthenticationRequired", "message": "Invalid identifier or password"},
        )

    opts = BlueskyOptions(handle="kopisenja.bsky.social", app_password="${BSKY_PASSWORD}")
    source = BlueskyListener(
        "bsky",
        opts,
        BRANDS,
        env=ENV,
        transport=httpx.MockTransport(refuse),
        clock=clock,
        sleep=clock.sleep,
    )
    with pytest.raises(SourceUnavailable, match=r"Bluesky refused the credentials .*app password"):
        list(source.poll(None))
    with pytest.raises(CredentialMissing, match="BSKY_PASSWORD"):
        list(BlueskyListener("bsky", opts, BRANDS, env={}).poll(None))


class MemoryCache:
    def __init__(self) -> None:
        self.value: str | None = None

    def load(self) -> str | None:
        return self.value

    def save(self, session: str) -> None:
        self.value = session


def test_session_cache_avoids_a_second_login(clock: FakeClock) -> None:
    log: list[httpx.Request] = []
    routes = {"app.bsky.feed.searchPosts": [ok({"posts": []})]}
    cache = MemoryCache()
    opts = BlueskyOptions(
        handle="kopisenja.bsky.social", app_password="${BSKY_PASSWORD}", mentions=False
    )

    def make() -> BlueskyListener:
        return BlueskyListener(
            "bsky",
            opts,
            BRANDS,
            env=ENV,
            transport=transport(routes, log),
            session_cache=cache,
            clock=clock,
            sleep=clock.sleep,
        )

    list(make().poll(None))
    list(make().poll(None))
    logins = [r for r in log if r.url.path.endswith("createSession")]
    assert len(logins) == 1
    assert cache.value


def test_end_to_end_against_a_local_fake_pds(clock: FakeClock) -> None:
    from flask import Flask, jsonify, request

    app = Flask("pds")
    seen: list[str] = []

    @app.post("/xrpc/com.atproto.server.createSession")
    def create_session() -> Any:
        return jsonify(SESSION)

    @app.get("/xrpc/app.bsky.feed.searchPosts")
    def search() -> Any:
        seen.append(request.query_string.decode())
        posts = [post("e2e", "kopi senja mantap", "2026-11-22T10:00:00Z")]
        return jsonify({"posts": posts})

    with LocalServer(app) as server:
        opts = BlueskyOptions(
            handle="kopisenja.bsky.social",
            app_password="${BSKY_PASSWORD}",
            service_url=server.url,
            mentions=False,
        )
        source = BlueskyListener("bsky", opts, BRANDS, env=ENV, clock=clock, sleep=clock.sleep)
        pages = list(source.poll(None))
        assert len(pages[0].mentions) == 1
        again = list(source.poll(pages[0].cursor))
        assert again[0].mentions == []
    assert "since=" in seen[-1]
