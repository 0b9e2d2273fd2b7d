"""x_dm: tweepy's real Client against the recorded DM exchange, faked errors, and FakeX."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
import responses

from common.errors import AccountRefused, DeliveryFailed, OutcomeUnknown, RetryLater, Unreachable
from common.records import Recipient
from responder.channels.x_dm import XDmChannel
from tests.fakes.fixtures import FAKE_ENV, x_options
from tests.fakes.x import FakeX
from tests.listeners.cassettes import load, register
from tests.responder.channels.conftest import Build, Clock, message

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
CASSETTE = load(FIXTURES / "x" / "test_manage_and_lookup_direct_messages.yaml")
API = "https://api.twitter.com/2"
PID = "750362064426721281"  # the recorded conversation partner
RINA = Recipient("Rina", "x", handle="rinaw", user_id=PID)


def options(**extra: object) -> dict[str, object]:
    return {
        "consumer_key": "${X_CONSUMER_KEY}",
        "consumer_secret": "${X_CONSUMER_SECRET}",
        "access_token": "${X_ACCESS_TOKEN}",
        "access_token_secret": "${X_ACCESS_TOKEN_SECRET}",
        **extra,
    }


@pytest.fixture
def x(build: Build) -> XDmChannel:
    channel = build("x_dm", options())
    assert isinstance(channel, XDmChannel)
    return channel


def problem(status: int, detail: str, kind: str = "about:blank") -> dict[str, object]:
    return {"title": "Forbidden", "detail": detail, "type": kind, "status": status}


@responses.activate
def test_send_posts_one_dm_and_stores_the_event_id(x: XDmChannel) -> None:
    register(responses.mock, CASSETTE[:1])

    receipt = x.send(message(RINA, "Testing 1"))

    assert receipt.external_id == "1585800613253812228"
    assert receipt.delivered and receipt.channel == "x_dm"
    assert len(responses.calls) == 1
    sent = responses.calls[0].request
    assert sent.url == f"{API}/dm_conversations/with/{PID}/messages"
    assert json.loads(sent.body or b"{}") == {"text": "Testing 1"}
    assert str(sent.headers["Authorization"]).startswith("OAuth ")  # user context


@responses.activate
def test_oauth2_user_token_is_sent_as_bearer(build: Build) -> None:
    channel = build("x_dm", {"user_access_token": "${X_USER}"}, {"X_USER": "u2"})
    register(responses.mock, CASSETTE[:1])

    channel.send(message(RINA, "Testing 1"))

    assert responses.calls[0].request.headers["Authorization"] == "Bearer u2"


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (403, problem(403, "You cannot send messages to this user."), Unreachable),
        (404, problem(404, "Could not find user"), Unreachable),
        (
            403,
            problem(
                403, "client not allowed", "https://api.twitter.com/2/problems/client-forbidden"
            ),
            AccountRefused,
        ),
        (401, {"title": "Unauthorized", "detail": "Unauthorized", "status": 401}, AccountRefused),
        (400, {"errors": [{"message": "text too long"}]}, DeliveryFailed),
        (503, {"title": "Service Unavailable"}, OutcomeUnknown),
    ],
)
@responses.activate
def test_errors_map_to_outcomes(
    x: XDmChannel, status: int, body: dict[str, object], error: type[Exception]
) -> None:
    responses.post(f"{API}/dm_conversations/with/{PID}/messages", status=status, json=body)

    with pytest.raises(error) as caught:
        x.send(message(RINA))

    assert type(caught.value) is error  # only a refused account pauses the channel
    assert "\n" not in str(caught.value)
    assert len(responses.calls) == 1  # never retried


@responses.activate
def test_429_waits_until_the_reset_header(x: XDmChannel) -> None:
    reset = int(datetime(2030, 1, 1, tzinfo=UTC).timestamp())
    responses.post(
        f"{API}/dm_conversations/with/{PID}/messages",
        status=429,
        headers={"x-rate-limit-reset": str(reset)},
        json={"title": "Too Many Requests", "status": 429},
    )

    with pytest.raises(RetryLater) as caught:
        x.send(message(RINA))

    assert caught.value.retry_at == datetime(2030, 1, 1, tzinfo=UTC)


@responses.activate
def test_timeout_after_the_request_left_is_unknown(x: XDmChannel) -> None:
    responses.post(
        f"{API}/dm_conversations/with/{PID}/messages", body=requests.exceptions.ReadTimeout()
    )

    with pytest.raises(OutcomeUnknown):
        x.send(message(RINA))


def test_connection_refused_is_retry_later(build: Build) -> None:
    with FakeX() as fake:
        url = fake.url  # the port is free again once the fake stops
    channel = build("x_dm", options(api_base_url=url))

    with pytest.raises(RetryLater, match="connection refused"):
        channel.send(message(RINA))


@responses.activate
def test_too_long_is_refused_before_any_call(x: XDmChannel) -> None:
    with pytest.raises(DeliveryFailed, match="10000"):
        x.send(message(RINA, "x" * 10_001))
    assert not responses.calls


@responses.activate
def test_handle_only_is_looked_up_first(x: XDmChannel) -> None:
    responses.get(f"{API}/users/by/username/rinaw", json={"data": {"id": PID, "username": "r"}})
    register(responses.mock, CASSETTE[:1])

    x.send(message(Recipient("Rina", "x", handle="@rinaw")))

    assert [c.request.method for c in responses.calls] == ["GET", "POST"]
    assert PID in str(responses.calls[1].request.url)


@responses.activate
def test_check_reports_a_missing_account(x: XDmChannel) -> None:
    responses.get(
        f"{API}/users/by/username/nobody",
        json={"errors": [{"detail": "Could not find user with username: [nobody]."}]},
    )

    reach = x.check(Recipient(None, "x", handle="nobody"))

    assert not reach.ok
    assert "@nobody not found" in reach.reason
    assert x.check(RINA).ok  # a known id needs no call
    assert not x.check(Recipient(None, "reddit", handle="rinaw")).ok


@responses.activate
def test_read_back_finds_the_recorded_dm(x: XDmChannel, clock: Clock) -> None:
    register(responses.mock, [i for i in CASSETTE if i.path.endswith(f"with/{PID}/dm_events")])
    attempted = clock() - timedelta(minutes=1)

    receipt = x.read_back(message(RINA, "Testing 2"), attempted)
    gone = x.read_back(message(RINA, "never sent"), attempted)

    assert receipt is not None and receipt.external_id == "1585800613752881156"
    assert gone is None
    assert "event_types=MessageCreate" in str(responses.calls[0].request.url)


@responses.activate
def test_read_back_too_soon_or_failing_stays_unknown(x: XDmChannel, clock: Clock) -> None:
    register(responses.mock, [i for i in CASSETTE if i.path.endswith(f"with/{PID}/dm_events")])

    with pytest.raises(OutcomeUnknown) as soon:
        x.read_back(message(RINA, "never sent"), clock() - timedelta(seconds=5))
    assert soon.value.retry_at == clock() + timedelta(seconds=25)

    responses.replace(
        responses.GET, f"{API}/dm_conversations/with/{PID}/dm_events", status=429, json={}
    )
    with pytest.raises(OutcomeUnknown) as limited:
        x.read_back(message(RINA, "Testing 2"), clock() - timedelta(minutes=1))
    assert limited.value.retry_at is not None


# end to end against FakeX


def test_e2e_one_dm_per_send(build: Build, fake_x: FakeX) -> None:
    channel = build("x_dm", x_options(fake_x))
    receipt = channel.send(message(Recipient("Rina", "x", handle="rinaw", user_id="2244994945")))

    assert fake_x.count("2244994945") == 1
    assert receipt.external_id == fake_x.received[0].id


def test_e2e_closed_dms_fall_through(build: Build, fake_x: FakeX) -> None:
    channel = build("x_dm", x_options(fake_x))

    with pytest.raises(Unreachable, match="cannot send messages"):
        channel.send(message(Recipient("Budi", "x", handle="budi", user_id="1111")))
    assert fake_x.count() == 0


def test_e2e_hang_is_unknown_and_read_back_settles_it(
    build: Build, fake_x: FakeX, clock: Clock
) -> None:
    channel = build("x_dm", x_options(fake_x, timeout_s=0.3))
    rina = Recipient("Rina", "x", handle="rinaw", user_id="2244994945")
    fake_x.hang_next()
    attempted = clock()

    with pytest.raises(OutcomeUnknown):
        channel.send(message(rina))
    clock.advance(minutes=2)
    receipt = channel.read_back(message(rina), attempted)

    assert receipt is not None and receipt.external_id == fake_x.received[0].id
    assert fake_x.count("2244994945") == 1


def test_e2e_dropped_connection_is_unknown(build: Build, fake_x: FakeX, clock: Clock) -> None:
    channel = build("x_dm", x_options(fake_x))
    rina = Recipient("Rina", "x", handle="rinaw", user_id="2244994945")
    fake_x.drop_next()

    with pytest.raises(OutcomeUnknown):
        channel.send(message(rina))
    assert fake_x.count("2244994945") == 1


def test_e2e_refused_before_delivery_reads_back_as_not_sent(
    build: Build, fake_x: FakeX, clock: Clock
) -> None:
    channel = build("x_dm", x_options(fake_x))
    rina = Recipient("Rina", "x", handle="rinaw", user_id="2244994945")
    fake_x.fail_next(503)
    attempted = clock()

    with pytest.raises(OutcomeUnknown):
        channel.send(message(rina))
    clock.advance(minutes=1)

    assert channel.read_back(message(rina), attempted) is None
    assert fake_x.count() == 0
    assert FAKE_ENV["X_ACCESS_TOKEN"] not in str(fake_x.auth_headers)


@responses.activate
def test_a_lookup_that_times_out_sent_nothing(x: XDmChannel) -> None:
    responses.get(f"{API}/users/by/username/rinaw", body=requests.exceptions.ReadTimeout())

    with pytest.raises(RetryLater, match="was not sent"):
        x.send(message(Recipient("Rina", "x", handle="rinaw")))
    with pytest.raises(RetryLater):
        x.check(Recipient("Rina", "x", handle="rinaw"))


@responses.activate
def test_read_back_matches_text_that_x_returns_entity_escaped(x: XDmChannel, clock: Clock) -> None:
    """X's text fields carry &, < and > as &amp; &lt; &gt;: a DM that arrived must be found
    (else "not delivered" would send it a second time)."""
    event = {
        "id": "1590000000000000001",
        "event_type": "MessageCreate",
        "text": "Halo Kak, Q&amp;A soal refund: kami &lt;3 Kakak",
        "sender_id": "9000",
        "created_at": clock().strftime("%Y-%m-%dT%H:%M:%S.000Z"),
    }
    responses.get(f"{API}/dm_conversations/with/{PID}/dm_events", json={"data": [event]})

    receipt = x.read_back(
        message(RINA, "Halo Kak, Q&A soal refund: kami <3 Kakak"), clock() - timedelta(minutes=1)
    )

    assert receipt is not None and receipt.external_id == "1590000000000000001"


@responses.activate
@pytest.mark.parametrize(
    "recipient",
    [
        Recipient("Eve", "x", user_id="../../../2/tweets?x="),  # a file row's author_id
        Recipient("Eve", "x", user_id="123/../../../2/tweets"),
        Recipient("Eve", "x", handle="a/../../../../2/tweets?"),
        Recipient("Eve", "x", handle="rina w"),
    ],
)
def test_an_id_or_handle_that_is_no_x_account_is_never_put_in_a_url(
    x: XDmChannel, recipient: Recipient
) -> None:
    """Before: a hostile author_id from a file import went into the DM path as it was, and
    ``/2/dm_conversations/with/../../../2/tweets?x=/messages`` is POST /2/tweets: the
    private reply was posted as a public tweet."""
    responses.post(f"{API}/tweets", json={"data": {"id": "1", "text": "public!"}})
    assert x.address(recipient) is None and not x.can_reach(recipient)
    with pytest.raises(Unreachable, match="no X account"):
        x.send(message(recipient))
    assert not responses.calls
