"""reddit_pm: praw against the recorded compose exchange and errors, and FakeReddit."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs

import pytest
import requests
import responses

from common.errors import (
    AccountRefused,
    ConfigError,
    DeliveryFailed,
    OutcomeUnknown,
    RetryLater,
    Unreachable,
)
from common.records import Recipient
from responder.channels.reddit_pm import RedditPmChannel
from responder.channels.registry import build_channel
from tests.fakes.fixtures import FAKE_ENV, reddit_options
from tests.fakes.reddit import FakeReddit
from tests.listeners.cassettes import Interaction, load, register
from tests.responder.channels.conftest import Build, Clock, message

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "reddit"
NAMES = {"<USERNAME>": "kopisenja"}
SENT = load(FIXTURES / "TestRedditor.test_message.json", NAMES)
TOKEN, COMPOSE = SENT[0], SENT[-1]
OAUTH = "https://oauth.reddit.com"
RINA = Recipient("Rina", "reddit", handle="u/rinaw", user_id="t2_abc")


def options(**extra: object) -> dict[str, object]:
    return {
        "client_id": "${REDDIT_CLIENT_ID}",
        "client_secret": "${REDDIT_CLIENT_SECRET}",
        "username": "${REDDIT_USERNAME}",
        "password": "${REDDIT_PASSWORD}",
        "api_approved": True,
        **extra,
    }


@pytest.fixture
def reddit(build: Build) -> RedditPmChannel:
    channel = build("reddit_pm", options())
    assert isinstance(channel, RedditPmChannel)
    return channel


def recorded(name: str, status: int) -> Interaction:
    """The first recorded non-token answer with ``status``."""
    return next(
        i for i in load(FIXTURES / name, NAMES) if i.status == status and "token" not in i.url
    )


@responses.activate
def test_send_composes_one_pm(reddit: RedditPmChannel) -> None:
    register(responses.mock, [TOKEN, COMPOSE])

    receipt = reddit.send(message(RINA, "Halo Kak, maaf ya."))

    assert receipt.delivered and receipt.external_id is None  # Reddit returns no id
    compose = [c for c in responses.calls if "/api/compose" in str(c.request.url)]
    assert len(compose) == 1
    form = parse_qs(str(compose[0].request.body))
    assert form["to"] == ["rinaw"]
    assert form["subject"] == ["Soal pesanan Kakak"]
    assert form["text"] == ["Halo Kak, maaf ya."]


@pytest.mark.parametrize(
    ("errors", "outcome"),
    [
        ([["USER_DOESNT_EXIST", "that user doesn't exist", "to"]], Unreachable),
        ([["NOT_WHITELISTED_BY_USER_MESSAGE", "can't send", "to"]], Unreachable),
        ([["NO_TEXT", "we need something here", "text"]], DeliveryFailed),
    ],
)
@responses.activate
def test_api_errors(reddit: RedditPmChannel, errors: list[list[str]], outcome: type) -> None:
    register(responses.mock, [TOKEN])
    responses.post(f"{OAUTH}/api/compose/", json={"json": {"errors": errors}})

    with pytest.raises(outcome):
        reddit.send(message(RINA))


@responses.activate
def test_recorded_api_error_on_200_is_a_credentials_failure(reddit: RedditPmChannel) -> None:
    error = recorded("TestObjector.test_raise_api_exception.json", 200)
    register(responses.mock, [TOKEN])
    responses.post(f"{OAUTH}/api/compose/", body=error.body, content_type="application/json")

    with pytest.raises(AccountRefused, match="USER_REQUIRED"):
        reddit.send(message(RINA))


@responses.activate
def test_a_recorded_html_400_page_is_one_short_line(reddit: RedditPmChannel) -> None:
    # praw hands a non-JSON 400 body over as the error's kind. Before: the message
    # carried the whole page, tags and newlines: "refused (<html><body><h1>400 Bad ...".
    page = recorded("TestReddit.test_bad_request_without_json_text_html_response.json", 400)
    register(responses.mock, [TOKEN])
    responses.post(f"{OAUTH}/api/compose/", body=page.body, status=400, content_type="text/html")

    with pytest.raises(DeliveryFailed) as caught:
        reddit.send(message(RINA))
    assert str(caught.value) == (
        "reddit_pm: PM to u/rinaw was refused (400 Bad request Your browser sent an invalid "
        "request.); Reddit refused the message; see the reason"
    )


@pytest.mark.parametrize("body", ["<html><body>Our CDN was unable to reach us</body></html>", ""])
@responses.activate
def test_a_200_reddit_cannot_read_may_have_been_delivered(
    reddit: RedditPmChannel, body: str
) -> None:
    # Before: prawcore's BadJSON on the compose reply was "refused (200)", DeliveryFailed,
    # which staff may send again although Reddit took the request.
    register(responses.mock, [TOKEN])
    responses.post(f"{OAUTH}/api/compose/", body=body, status=200, content_type="text/html")

    with pytest.raises(OutcomeUnknown, match="answered 200 but its reply could not be read"):
        reddit.send(message(RINA))


@pytest.mark.parametrize("answer", [{}, {"json": None}, []])
@responses.activate
def test_a_200_that_is_not_reddits_answer_may_have_been_delivered(
    reddit: RedditPmChannel, answer: object
) -> None:
    # Before: `{}` (a proxy's or a changed API's reply) was "sent", though nothing says
    # Reddit took the message; Reddit's own answer is {"json": {"errors": []}}.
    register(responses.mock, [TOKEN])
    responses.post(f"{OAUTH}/api/compose/", json=answer, status=200)

    with pytest.raises(OutcomeUnknown, match="answered 200 but its reply could not be read"):
        reddit.send(message(RINA))


@responses.activate
def test_ratelimit_error_waits_the_minutes_reddit_names(
    reddit: RedditPmChannel, clock: Clock
) -> None:
    register(responses.mock, [TOKEN])
    text = "Looks like you've been doing that a lot. Take a break for 7 minutes."
    responses.post(f"{OAUTH}/api/compose/", json={"json": {"errors": [["RATELIMIT", text, None]]}})

    with pytest.raises(RetryLater) as caught:
        reddit.send(message(RINA))

    assert caught.value.retry_at == clock() + timedelta(minutes=7)


@responses.activate
def test_recorded_500_on_compose_is_unknown_and_not_retried(reddit: RedditPmChannel) -> None:
    error = recorded("TestModNotes.test_delete_note__all_notes.json", 500)
    register(responses.mock, [TOKEN])
    responses.post(f"{OAUTH}/api/compose/", status=500, body=error.body)

    with pytest.raises(OutcomeUnknown):
        reddit.send(message(RINA))

    assert sum("/api/compose" in str(c.request.url) for c in responses.calls) == 1


@responses.activate
def test_recorded_403_is_a_credentials_failure(reddit: RedditPmChannel) -> None:
    error = recorded("TestInbox.test_message__unauthorized.json", 403)
    register(responses.mock, [TOKEN])
    responses.post(f"{OAUTH}/api/compose/", status=403, body=error.body)

    with pytest.raises(AccountRefused, match="check the Reddit"):
        reddit.send(message(RINA))


@responses.activate
def test_recorded_user_doesnt_exist_400_is_unreachable(reddit: RedditPmChannel) -> None:
    error = recorded("TestRedditor.test_trophies__user_not_exist.json", 400)
    register(responses.mock, [TOKEN])
    responses.get(f"{OAUTH}/user/rinaw/about/", status=400, body=error.body)

    reach = reddit.check(RINA)

    assert not reach.ok and "USER_DOESNT_EXIST" in reach.reason


@responses.activate
def test_429_uses_reddits_reset_seconds(reddit: RedditPmChannel, clock: Clock) -> None:
    register(responses.mock, [TOKEN])
    responses.post(f"{OAUTH}/api/compose/", status=429, headers={"retry-after": "90"}, body="")

    with pytest.raises(RetryLater) as caught:
        reddit.send(message(RINA))

    assert caught.value.retry_at == clock() + timedelta(seconds=90)


@responses.activate
def test_timeout_on_compose_is_unknown_but_on_the_token_is_not(reddit: RedditPmChannel) -> None:
    responses.post(TOKEN.url, body=requests.exceptions.ReadTimeout())
    with pytest.raises(RetryLater):
        reddit.send(message(RINA))

    responses.replace(responses.POST, TOKEN.url, body=TOKEN.body, content_type="application/json")
    responses.post(f"{OAUTH}/api/compose/", body=requests.exceptions.ReadTimeout())
    with pytest.raises(OutcomeUnknown):
        reddit.send(message(RINA))


def test_read_back_always_needs_a_person(reddit: RedditPmChannel, clock: Clock) -> None:
    with pytest.raises(OutcomeUnknown) as caught:
        reddit.read_back(message(RINA), clock())

    assert caught.value.retry_at is None
    assert "person" in str(caught.value)


def test_refused_until_approved() -> None:
    with pytest.raises(ConfigError, match="api_approved: true"):
        build_channel("reddit_pm", options(api_approved=False), FAKE_ENV)


def test_addresses_reddit_names_only(reddit: RedditPmChannel) -> None:
    assert reddit.address(RINA) == "rinaw"
    assert reddit.address(Recipient(None, "reddit", handle="/u/Rinaw")) == "Rinaw"
    assert not reddit.can_reach(Recipient(None, "reddit", user_id="t2_abc"))
    assert not reddit.can_reach(Recipient(None, "x", handle="rinaw"))


@pytest.mark.parametrize("handle", ["../api/v1/me", "rina?x=1", "rina w", "u/", "a" * 21])
def test_a_handle_that_is_no_reddit_name_is_not_addressed(
    reddit: RedditPmChannel, handle: str
) -> None:
    """Before: a file import's handle went into ``/user/{name}/about/`` as it was (the
    lookup then read another API path with the account's token)."""
    recipient = Recipient(None, "reddit", handle=handle)
    assert reddit.address(recipient) is None and not reddit.can_reach(recipient)


# end to end against FakeReddit


def test_e2e_one_pm_and_checks(build: Build, fake_reddit: FakeReddit) -> None:
    channel = build("reddit_pm", reddit_options(fake_reddit))

    channel.send(message(RINA))

    assert fake_reddit.count("rinaw") == 1
    assert channel.check(RINA).ok
    assert "not found" in channel.check(Recipient(None, "reddit", handle="ghost")).reason.lower()
    assert "suspended" in channel.check(Recipient(None, "reddit", handle="banned")).reason
    assert "does not accept" in channel.check(Recipient(None, "reddit", handle="budi")).reason


def test_e2e_500_after_compose_is_unknown_and_sent_once(
    build: Build, fake_reddit: FakeReddit
) -> None:
    channel = build("reddit_pm", reddit_options(fake_reddit))
    fake_reddit.fail_next(500, delivered=True)

    with pytest.raises(OutcomeUnknown):
        channel.send(message(RINA))

    assert fake_reddit.count("rinaw") == 1
    assert fake_reddit.requests.count("POST /api/compose/") == 1


def test_e2e_hang_is_unknown(build: Build, fake_reddit: FakeReddit) -> None:
    channel = build("reddit_pm", reddit_options(fake_reddit, timeout_s=0.3))
    fake_reddit.hang_next()

    with pytest.raises(OutcomeUnknown):
        channel.send(message(RINA))
    assert fake_reddit.count("rinaw") == 1


def test_e2e_wrong_password_is_a_failure(build: Build, fake_reddit: FakeReddit) -> None:
    channel = build("reddit_pm", reddit_options(fake_reddit), {**FAKE_ENV, "REDDIT_PASSWORD": "x"})

    with pytest.raises(AccountRefused, match="invalid_grant"):
        channel.send(message(RINA))
    assert fake_reddit.count() == 0


def test_e2e_ratelimited_and_closed(build: Build, fake_reddit: FakeReddit) -> None:
    channel = build("reddit_pm", reddit_options(fake_reddit))
    with pytest.raises(Unreachable):
        channel.send(message(Recipient(None, "reddit", handle="budi")))
    fake_reddit.ratelimited = True
    with pytest.raises(RetryLater):
        channel.send(message(RINA))
    assert fake_reddit.count() == 0
