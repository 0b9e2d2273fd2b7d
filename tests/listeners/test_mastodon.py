"""The Mastodon listener: real Mastodon.py against recorded cassettes and a local server."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from common.errors import CredentialMissing, RateLimited, SourceUnavailable
from listeners.mastodon import MastodonListener, MastodonOptions
from listeners.matching import BrandMatcher, BrandSpec
from tests.listeners import cassettes
from tests.listeners.conftest import FIXTURES, FakeClock, LocalServer

BASE = "http://localhost:3000"
NOTIFS = f"{BASE}/api/v1/notifications"
TAG = f"{BASE}/api/v1/timelines/tag/hoot"
ENV = {"MASTO_TOKEN": "__MASTODON_PY_TEST_ACCESS_TOKEN"}
BRANDS = BrandMatcher([BrandSpec("Hoot", terms=("hoot",), handles={"mastodon": "mastodonpy_test"})])


def listener(clock: FakeClock, base: str = BASE, **extra: Any) -> MastodonListener:
    opts = MastodonOptions.model_validate(
        {"api_base_url": base, "access_token": "${MASTO_TOKEN}", **extra}
    )
    return MastodonListener("masto", opts, BRANDS, env=ENV, clock=clock, sleep=clock.sleep)


def recorded(name: str, path: str) -> Any:
    for it in cassettes.load(FIXTURES / "mastodon" / name):
        if it.method == "GET" and it.path == path:
            return it.json()
    raise LookupError(path)


def notifications() -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = recorded(
        "test_notifications_mentions_only.yaml", "/api/v1/notifications"
    )
    return data


def newer(item: dict[str, Any], ident: str, text: str) -> dict[str, Any]:
    """A copy of a recorded notification with a new id and text."""
    out = copy.deepcopy(item)
    out["id"] = ident
    out["status"]["id"] = f"9{ident}"
    out["status"]["uri"] = f"{BASE}/ap/statuses/9{ident}"
    out["status"]["content"] = f"<p>{text}</p>"
    return out


@responses.activate
def test_mentions_first_poll_then_only_new(clock: FakeClock) -> None:
    first = notifications()
    responses.get(NOTIFS, json=first)
    responses.get(NOTIFS, json=[newer(first[0], "22", "@mastodonpy_test tolong dong")])
    responses.get(NOTIFS, json=[])
    source = listener(clock)
    pages = list(source.poll(None))
    assert [len(p.mentions) for p in pages] == [1]
    m = pages[0].mentions[0]
    assert m.brand == "Hoot"  # own notifications need no term
    assert m.text == "@mastodonpy_test hello!"
    assert m.author.handle == "admin@localhost:3000"
    assert m.author.profile_url == "http://localhost:3000/@admin"
    assert m.external_id.startswith("http://localhost:3000/ap/users/")
    assert m.created_at == datetime(2026, 8, 1, 13, 51, 42, 823000, tzinfo=UTC)
    assert m.lang_hint == "en"
    assert json.loads(m.raw_json)["id"] == first[0]["status"]["id"]
    assert "types[]=mention" in (responses.calls[0].request.url or "").replace("%5B%5D", "[]")

    again = list(source.poll(pages[0].cursor))
    assert [x.text for p in again for x in p.mentions] == ["@mastodonpy_test tolong dong"]
    assert "min_id=21" in (responses.calls[1].request.url or "")
    assert json.loads(again[-1].cursor or "{}")["mentions"]["since"] == "22"


@responses.activate
def test_hashtag_timeline_matches_terms(clock: FakeClock) -> None:
    responses.get(TAG, json=recorded("test_hashtag_tl.yaml", "/api/v1/timelines/tag/hoot"))
    pages = list(listener(clock, mentions=False, access_token=None, hashtags=["#hoot"]).poll(None))
    assert [m.text for m in pages[0].mentions] == ["#hoot (hashtag toot)"]
    assert pages[0].mentions[0].author.handle == "mastodonpy_test_2@localhost:3000"


@responses.activate
def test_429_waits_for_a_near_reset_and_defers_a_far_one() -> None:
    clock = FakeClock(datetime.now(UTC))
    near = (datetime.now(UTC) + timedelta(seconds=20)).isoformat()
    responses.get(
        NOTIFS, status=429, json={"error": "Too many requests"}, headers={"X-RateLimit-Reset": near}
    )
    responses.get(NOTIFS, json=notifications())
    assert len(next(iter(listener(clock).poll(None))).mentions) == 1
    assert 19 < clock.sleeps[0] < 23

    responses.reset()
    responses.get(
        NOTIFS,
        status=429,
        json={"error": "Too many requests"},
        headers={"X-RateLimit-Reset": "2099-01-01T00:00:00Z"},
    )
    with pytest.raises(RateLimited) as info:
        list(listener(clock).poll(None))
    assert info.value.retry_at == datetime(2099, 1, 1, tzinfo=UTC)


@responses.activate
def test_5xx_is_retried_then_reported(clock: FakeClock) -> None:
    responses.get(NOTIFS, status=502, json={"error": "Bad Gateway"})
    with pytest.raises(SourceUnavailable, match=r"HTTP 502 from localhost:3000 .*gave up"):
        list(listener(clock).poll(None))
    assert clock.sleeps == [1.0, 2.0]


@responses.activate
def test_malformed_items_are_skipped_with_a_warning(clock: FakeClock) -> None:
    good = notifications()[0]
    broken = newer(good, "23", "x")
    del broken["status"]["account"]
    responses.get(NOTIFS, json=[broken, good])
    pages = list(listener(clock).poll(None))
    assert len(pages[0].mentions) == 1
    assert pages[0].warnings[0].startswith("mastodon mentions: item 23: unreadable, skipped")


@responses.activate
def test_notifications_other_than_mentions_are_not_mentions(clock: FakeClock) -> None:
    # A server that ignores types[]=mention answers with every kind. Before: a followed
    # account's post ("status", recorded upstream) was stored as a mention of the brand
    # and each follow or sign-up without a status was an "unreadable, skipped" warning.
    followed = recorded("test_follow_with_notify_reblog.yaml", "/api/v1/notifications")
    assert [n["type"] for n in followed] == ["status"]
    mention = notifications()[0]
    follow = {**newer(mention, "30", "x"), "type": "follow", "status": None}
    favourite = {**newer(mention, "31", "@mastodonpy_test own post"), "type": "favourite"}
    responses.get(NOTIFS, json=[favourite, follow, *followed, mention])
    pages = list(listener(clock).poll(None))
    assert [m.text for p in pages for m in p.mentions] == ["@mastodonpy_test hello!"]
    assert [w for p in pages for w in p.warnings] == []


@responses.activate
def test_a_quote_of_the_account_is_a_mention(clock: FakeClock) -> None:
    # Mastodon 4.5 notifies a quote of the account's post as type "quote"; the quoting
    # post need not @mention the brand. Before: only types[]=mention was asked for.
    mention = notifications()[0]
    quote = {**newer(mention, "40", "this is why hoot is the best"), "type": "quote"}
    responses.get(NOTIFS, json=[quote, mention])
    pages = list(listener(clock).poll(None))
    assert [m.text for p in pages for m in p.mentions] == [
        "this is why hoot is the best",
        "@mastodonpy_test hello!",
    ]
    asked = parse_qs(urlsplit(responses.calls[0].request.url or "").query)
    assert asked["types[]"] == ["mention", "quote"]


@pytest.mark.parametrize("body", [{"error": "Something went wrong"}, "OK"])
@responses.activate
def test_an_answer_that_is_not_a_list_is_unreadable(clock: FakeClock, body: Any) -> None:
    # Mastodon.py turns an object or a string into a list of its keys or letters.
    # Before: the poll "succeeded" with one "item ?: unreadable, skipped" warning each.
    responses.get(NOTIFS, json=body)
    with pytest.raises(SourceUnavailable) as caught:
        list(listener(clock).poll(None))
    assert str(caught.value).startswith(
        "source 'masto': unreadable reply from localhost:3000 while reading a timeline "
        "(ValueError: expected a list of objects, got ["
    )


@responses.activate
def test_invalid_token_is_one_clear_line(clock: FakeClock) -> None:
    recorded_401 = cassettes.load(FIXTURES / "mastodon" / "test_unauthed_home_tl_throws.yaml")[1]
    responses.get(NOTIFS, status=401, body=recorded_401.body, content_type="application/json")
    with pytest.raises(
        SourceUnavailable, match=r"localhost:3000 refused the credentials .*read scope"
    ):
        list(listener(clock).poll(None))


def test_missing_token_and_bad_options(clock: FakeClock) -> None:
    source = MastodonListener(
        "masto",
        MastodonOptions(api_base_url=BASE, access_token="${MASTO_TOKEN}"),
        BRANDS,
        env={},
        clock=clock,
        sleep=clock.sleep,
    )
    with pytest.raises(CredentialMissing, match="MASTO_TOKEN"):
        list(source.poll(None))
    with pytest.raises(ValueError, match="needs access_token"):
        MastodonOptions(api_base_url=BASE)


def test_end_to_end_against_a_local_fake_instance(clock: FakeClock) -> None:
    interactions = cassettes.load(FIXTURES / "mastodon" / "test_notifications_mentions_only.yaml")
    app, log = cassettes.fake_server(interactions)
    with LocalServer(app) as server:
        source = listener(clock, base=server.url)
        pages = list(source.poll(None))
        assert len(pages[0].mentions) == 1
        list(source.poll(pages[0].cursor))
    assert "min_id=21" in log[-1]
