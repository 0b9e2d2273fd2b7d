"""The Reddit listener: real praw against recorded cassettes and a local fake Reddit."""

from __future__ import annotations

import json
from typing import Any

import pytest
import responses

from common.errors import CredentialMissing, RateLimited, SourceUnavailable
from listeners.matching import BrandMatcher, BrandSpec
from listeners.reddit import RedditListener, RedditOptions
from tests.listeners import cassettes
from tests.listeners.conftest import FIXTURES, FakeClock, LocalServer

ENV = {"R_ID": "cid", "R_SECRET": "sec", "R_USER": "kopisenja", "R_PASS": "pw"}
TOKEN = "https://www.reddit.com/api/v1/access_token"
SEARCH = "https://oauth.reddit.com/r/all/search/"
MENTIONS = "https://oauth.reddit.com/message/mentions"
BRANDS = BrandMatcher([BrandSpec("Acme", terms=("praw",), handles={"reddit": "kopisenja"})])


def options(**extra: Any) -> RedditOptions:
    base: dict[str, Any] = {
        "client_id": "${R_ID}",
        "client_secret": "${R_SECRET}",
        "username": "${R_USER}",
        "password": "${R_PASS}",
        "api_approved": True,
    }
    return RedditOptions.model_validate({**base, **extra})


def listener(clock: FakeClock, matcher: BrandMatcher = BRANDS, **extra: Any) -> RedditListener:
    return RedditListener(
        "reddit",
        options(**extra),
        matcher,
        env=ENV,
        clock=clock,
        sleep=clock.sleep,
        **({"praw_kwargs": extra.pop("praw_kwargs")} if "praw_kwargs" in extra else {}),
    )


def search_cassette() -> list[cassettes.Interaction]:
    return cassettes.load(FIXTURES / "reddit" / "TestSubreddit.test_search.json")


def listing(*children: dict[str, Any]) -> dict[str, Any]:
    return {
        "kind": "Listing",
        "data": {"after": None, "dist": len(children), "children": list(children)},
    }


def post(ident: str, title: str, created: float, **extra: Any) -> dict[str, Any]:
    data = {
        "id": ident,
        "name": f"t3_{ident}",
        "title": title,
        "selftext": "",
        "author": "budi",
        "author_fullname": "t2_budi",
        "subreddit": "indonesia",
        "created_utc": created,
        "permalink": f"/r/indonesia/comments/{ident}/x/",
    }
    return {"kind": "t3", "data": {**data, **extra}}


def token(rsps: responses.RequestsMock) -> None:
    rsps.post(
        TOKEN, json={"access_token": "t", "token_type": "bearer", "expires_in": 86400, "scope": "*"}
    )


@responses.activate
def test_search_first_poll_then_only_new(clock: FakeClock) -> None:
    recorded = search_cassette()
    cassettes.register(responses.mock, recorded[:1])
    old = recorded[1].json()
    responses.get(SEARCH, json=old)
    newest = max(c["data"]["created_utc"] for c in old["data"]["children"]) + 60
    responses.get(
        SEARCH, json=listing(post("new1", "PRAW rocks", newest), *old["data"]["children"])
    )
    source = listener(clock)
    pages = list(source.poll(None))
    assert len(pages) == 1
    first = pages[0].mentions
    assert pages[0].fetched == 6
    assert len(first) == 6  # all six recorded posts say "praw" (title or text)
    m = first[0]
    assert m.external_id == "t3_3gpbiu"
    assert m.author.handle == "dClauzel"
    assert m.author.profile_url == "https://www.reddit.com/user/dClauzel"
    assert m.url is not None and m.url.startswith("https://www.reddit.com/r/redditdev/")
    assert m.created_at.tzinfo is not None
    assert json.loads(m.raw_json)["name"] == "t3_3gpbiu"
    query = responses.calls[1].request.url or ""
    assert "q=praw" in query and "sort=new" in query

    second = list(source.poll(pages[0].cursor))
    assert [x.external_id for x in second[0].mentions] == ["t3_new1"]


@responses.activate
def test_inbox_mentions_attribute_to_the_own_brand(clock: FakeClock) -> None:
    recorded = cassettes.load(
        FIXTURES / "reddit" / "TestInbox.test_mentions.json", replace={"<USERNAME>": "kopisenja"}
    )
    for it in recorded:  # prawcore paces requests on these headers; not under test here
        it.headers = {k: v for k, v in it.headers.items() if not k.startswith("x-ratelimit")}
    cassettes.register(responses.mock, recorded)
    source = listener(clock, search=False, mentions=True)
    pages = list(source.poll(None))
    assert pages[0].fetched == 16
    assert len(pages[0].mentions) == 16  # no term needed: they mention the brand's account
    assert {m.brand for m in pages[0].mentions} == {"Acme"}
    assert pages[0].mentions[0].external_id == "t1_ekftbox"


@responses.activate
def test_429_waits_when_short_and_defers_when_long(clock: FakeClock) -> None:
    token(responses.mock)
    responses.get(SEARCH, status=429, headers={"x-ratelimit-reset": "20"}, json={})
    responses.get(SEARCH, json=listing(post("a", "praw", 1_700_000_000)))
    pages = list(listener(clock).poll(None))
    assert len(pages[0].mentions) == 1
    assert clock.sleeps == [20.0]

    responses.reset()
    token(responses.mock)
    responses.get(SEARCH, status=429, headers={"x-ratelimit-reset": "500"}, json={})
    with pytest.raises(RateLimited, match="deferred until"):
        list(listener(clock).poll(None))


@responses.activate
def test_5xx_is_retried_then_reported(clock: FakeClock) -> None:
    token(responses.mock)
    responses.get(SEARCH, status=503, json={"message": "Service Unavailable", "error": 503})
    with pytest.raises(SourceUnavailable, match=r"HTTP 503 from Reddit .*gave up after 3"):
        list(listener(clock).poll(None))
    assert clock.sleeps == [1.0, 2.0]
    assert len([c for c in responses.calls if (c.request.url or "").startswith(SEARCH)]) == 3


@pytest.mark.parametrize(
    "body",
    [
        [],
        {"kind": "Listing", "data": {}},
        # another endpoint's answer, recorded in praw's TestUser.test_friends
        {"kind": "UserList", "data": {"children": [{"date": 1440485453.0, "name": "bboe"}]}},
    ],
)
@responses.activate
def test_a_reply_that_is_not_a_listing_is_unreadable(clock: FakeClock, body: Any) -> None:
    # Before: praw's AttributeError/IndexError reached `simak poll` as "internal error:
    # IndexError: list index out of range".
    token(responses.mock)
    responses.get(SEARCH, json=body)
    with pytest.raises(SourceUnavailable) as caught:
        list(listener(clock).poll(None))
    assert str(caught.value).startswith(
        "source 'reddit': unreadable reply from Reddit while reading a listing (ValueError: "
        "not a listing ("
    )


@responses.activate
def test_malformed_items_are_skipped_with_a_warning(clock: FakeClock) -> None:
    token(responses.mock)
    broken = post("bad", "praw without a date", 0)
    del broken["data"]["created_utc"]
    responses.get(SEARCH, json=listing(post("ok", "praw ok", 1_700_000_000), broken))
    pages = list(listener(clock).poll(None))
    assert [m.external_id for m in pages[0].mentions] == ["t3_ok"]
    assert pages[0].warnings[0].startswith("reddit search: item t3_bad: unreadable, skipped")


@responses.activate
def test_bad_credentials_are_one_clear_line(clock: FakeClock) -> None:
    responses.post(TOKEN, status=401, json={"message": "Unauthorized", "error": 401})
    with pytest.raises(SourceUnavailable, match="refused the credentials"):
        list(listener(clock).poll(None))


def test_missing_env_and_unapproved_access(clock: FakeClock) -> None:
    source = RedditListener("reddit", options(), BRANDS, env={}, clock=clock, sleep=clock.sleep)
    with pytest.raises(CredentialMissing, match="R_ID"):
        list(source.poll(None))
    with pytest.raises(SourceUnavailable, match="api_approved: true"):
        list(listener(clock, api_approved=False).poll(None))
    with pytest.raises(ValueError, match="environment reference"):
        options(client_secret="plain-secret")
    with pytest.raises(ValueError, match="needs username"):
        options(username=None, mentions=True)


def test_end_to_end_against_a_local_fake_reddit(clock: FakeClock) -> None:
    recorded = search_cassette()
    app, log = cassettes.fake_server(recorded)
    with LocalServer(app) as server:
        urls = {"oauth_url": server.url, "reddit_url": server.url, "short_url": server.url}
        source = RedditListener(
            "reddit", options(), BRANDS, env=ENV, praw_kwargs=urls, clock=clock, sleep=clock.sleep
        )
        pages = list(source.poll(None))
        assert len(pages[0].mentions) == 6
        again = list(source.poll(pages[0].cursor))
        assert again[0].mentions == []
    assert any(line.startswith("GET /r/all/search/?") for line in log)


@responses.activate
def test_spent_request_window_defers_instead_of_sleeping(clock: FakeClock) -> None:
    token(responses.mock)
    spent = {"x-ratelimit-remaining": "0", "x-ratelimit-used": "100", "x-ratelimit-reset": "500"}
    responses.get(SEARCH, json=listing(post("a", "praw", 1_700_000_000)), headers=spent)
    source = listener(clock, mentions=True)
    pages: list[Any] = []

    def drain() -> None:
        pages.extend(source.poll(None))  # prawcore would sleep 500 s before the next call

    with pytest.raises(RateLimited, match="request budget is spent"):
        drain()
    assert len(pages) == 1
    assert pages[0].mentions[0].external_id == "t3_a"


@responses.activate
def test_titles_and_text_reddit_sends_entity_escaped_are_stored_as_written(
    clock: FakeClock,
) -> None:
    """Reddit returns &, < and > in titles and markdown as &amp;, &lt; and &gt; (the
    recorded comment bodies carry "watch?v=…&amp;feature="); before, they were stored,
    shown and quoted in drafts as they came."""
    cassettes.register(responses.mock, search_cassette()[:1])
    body = "praw Q&amp;A &lt;3, see https://youtube.com/watch?v=x&amp;t=4 — a literal &amp;amp;"
    item = post("e1", "PRAW &amp; me &gt; you", 1_700_000_000.0, selftext=body)
    responses.get(SEARCH, json=listing(item))

    (mention,) = [m for p in listener(clock).poll(None) for m in p.mentions]

    assert mention.title == "PRAW & me > you"
    assert mention.text == "praw Q&A <3, see https://youtube.com/watch?v=x&t=4 — a literal &amp;"


@responses.activate
def test_a_comment_mentions_the_brand_by_its_own_words_not_its_posts_title(
    clock: FakeClock,
) -> None:
    """Reddit's comment listing carries each comment's post title (link_title); a comment
    under a post about the brand that does not name it is not a mention."""
    token(responses.mock)
    comments = []
    for ident, body, link_title in (
        ("c1", "Nice photo!", "praw 8 is out"),
        ("c2", "I use praw for this", "Which library?"),
    ):
        item = post(ident, "", 1_700_000_000, body=body, link_title=link_title)
        item["kind"] = "t1"
        item["data"].update(name=f"t1_{ident}", link_id="t3_p", parent_id="t3_p")
        del item["data"]["title"], item["data"]["selftext"]
        comments.append(item)
    responses.get("https://oauth.reddit.com/r/all/comments/", json=listing(*comments))
    pages = list(listener(clock, search=False, comments=True).poll(None))
    (mention,) = [m for p in pages for m in p.mentions]
    assert mention.external_id == "t1_c2"
    assert mention.title == "Re: Which library?"  # the post, for context
    assert sum(p.fetched for p in pages) == 2
