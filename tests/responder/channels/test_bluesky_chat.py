"""bluesky_chat: the atproto client over httpx.MockTransport, and FakeBluesky end to end."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta

import httpx
import pytest

from common.errors import AccountRefused, DeliveryFailed, OutcomeUnknown, RetryLater, Unreachable
from common.records import Recipient
from responder.channels.base import ChannelDeps
from responder.channels.bluesky_chat import BlueskyChatChannel
from responder.channels.registry import build_channel
from tests.fakes.bluesky import BRAND_DID, CHAT_DID, JWT, FakeBluesky
from tests.fakes.fixtures import FAKE_ENV, bluesky_options
from tests.responder.channels.conftest import Build, Clock, message

RINA = Recipient("Rina", "bluesky", handle="rina.bsky.social", user_id="did:plc:rina")
CONVO = {
    "id": "convo1",
    "members": [{"did": BRAND_DID, "handle": "kopisenja.bsky.social"}],
    "muted": False,
    "rev": "1",
    "unreadCount": 0,
    "lockStatus": "unlocked",
}
SESSION = {"accessJwt": JWT, "refreshJwt": JWT, "handle": "kopisenja.bsky.social", "did": BRAND_DID}
Handler = Callable[[httpx.Request], httpx.Response]


def chat(
    clock: Clock, *, available: bool = True, send: Handler | None = None
) -> tuple[BlueskyChatChannel, list[httpx.Request]]:
    """A channel whose PDS answers from a MockTransport; returns it and the requests seen."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        nsid = request.url.path.removeprefix("/xrpc/")
        if nsid == "com.atproto.server.createSession":
            return httpx.Response(200, json=SESSION)
        assert request.headers["atproto-proxy"] == f"{CHAT_DID}#bsky_chat"
        if nsid == "chat.bsky.convo.getConvoAvailability":
            return httpx.Response(200, json={"canChat": available, "convo": CONVO})
        if nsid == "chat.bsky.convo.sendMessage" and send is not None:
            return send(request)
        if nsid == "chat.bsky.convo.getMessages":
            text = "Halo Kak Rina, maaf ya soal pesanannya."
            return httpx.Response(200, json={"messages": [view("m1", text)]})
        return httpx.Response(404, json={"error": "NotFound", "message": nsid})

    options = {"handle": "kopisenja.bsky.social", "app_password": "${BSKY_APP_PASSWORD}"}
    deps = ChannelDeps(clock=clock, httpx_transport=httpx.MockTransport(handler))
    channel = build_channel("bluesky_chat", options, FAKE_ENV, deps=deps)
    assert isinstance(channel, BlueskyChatChannel)
    return channel, seen


def view(msg_id: str, text: str, sent_at: str = "2099-01-01T00:00:00.000Z") -> dict[str, object]:
    return {
        "$type": "chat.bsky.convo.defs#messageView",
        "id": msg_id,
        "rev": "r",
        "sender": {"did": BRAND_DID},
        "sentAt": sent_at,
        "text": text,
    }


def sent_ok(request: httpx.Request) -> httpx.Response:
    body = json.loads(request.content)
    return httpx.Response(200, json=view("m9", body["message"]["text"]))


def test_send_checks_then_sends_once(clock: Clock) -> None:
    channel, seen = chat(clock, send=sent_ok)

    receipt = channel.send(message(RINA))

    assert receipt.external_id == "m9"
    nsids = [r.url.path.rsplit("/", 1)[-1] for r in seen]
    assert nsids == [
        "com.atproto.server.createSession",
        "chat.bsky.convo.getConvoAvailability",
        "chat.bsky.convo.sendMessage",
    ]
    body = json.loads(seen[-1].content)
    assert body["convoId"] == "convo1"
    assert body["message"]["text"] == "Halo Kak Rina, maaf ya soal pesanannya."


def test_can_chat_false_is_unreachable_without_sending(clock: Clock) -> None:
    channel, seen = chat(clock, available=False, send=sent_ok)

    assert "can_chat is false" in channel.check(RINA).reason
    with pytest.raises(Unreachable, match="can_chat is false"):
        channel.send(message(RINA))
    assert not any("sendMessage" in str(r.url) for r in seen)


@pytest.mark.parametrize(
    ("answer", "outcome"),
    [
        (httpx.Response(502, text="bad gateway"), OutcomeUnknown),
        (httpx.Response(500, json={"error": "InternalServerError"}), OutcomeUnknown),
        (
            httpx.Response(400, json={"error": "InvalidConvo", "message": "block between users"}),
            Unreachable,
        ),
        (httpx.Response(400, json={"error": "InvalidRequest", "message": "bad"}), DeliveryFailed),
        (httpx.Response(401, json={"error": "AuthMissing", "message": "x"}), AccountRefused),
    ],
)
def test_send_errors(clock: Clock, answer: httpx.Response, outcome: type) -> None:
    channel, _ = chat(clock, send=lambda _: answer)

    with pytest.raises(outcome) as caught:
        channel.send(message(RINA))
    assert type(caught.value) is outcome


def test_429_carries_the_reset(clock: Clock) -> None:
    reset = int((clock() + timedelta(minutes=5)).timestamp())
    limited = httpx.Response(
        429, json={"error": "RateLimitExceeded"}, headers={"ratelimit-reset": str(reset)}
    )
    channel, _ = chat(clock, send=lambda _: limited)

    with pytest.raises(RetryLater) as caught:
        channel.send(message(RINA))
    assert caught.value.retry_at == clock() + timedelta(minutes=5)


def test_timeout_on_send_is_unknown(clock: Clock) -> None:
    def hang(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    channel, _ = chat(clock, send=hang)
    with pytest.raises(OutcomeUnknown):
        channel.send(message(RINA))


def test_connect_failure_before_send_is_retry_later(clock: Clock) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    deps = ChannelDeps(clock=clock, httpx_transport=httpx.MockTransport(refuse))
    options = {"handle": "kopisenja.bsky.social", "app_password": "${BSKY_APP_PASSWORD}"}
    channel = build_channel("bluesky_chat", options, FAKE_ENV, deps=deps)

    with pytest.raises(RetryLater):
        channel.send(message(RINA))


def test_read_back_matches_our_text_since_the_attempt(clock: Clock) -> None:
    channel, _ = chat(clock, send=sent_ok)
    channel.send(message(RINA))  # logs in
    attempted = clock() - timedelta(minutes=5)

    found = channel.read_back(message(RINA), attempted)
    gone = channel.read_back(message(RINA, "never sent"), attempted)

    assert found is not None and found.external_id == "m1"
    assert gone is None


def test_too_long_is_refused_before_any_call(clock: Clock) -> None:
    channel, seen = chat(clock, send=sent_ok)
    with pytest.raises(DeliveryFailed, match="1000"):
        channel.send(message(RINA, "y" * 1001))
    assert not seen


# end to end against FakeBluesky


def test_e2e_send_and_check(build: Build, fake_bluesky: FakeBluesky) -> None:
    channel = build("bluesky_chat", bluesky_options(fake_bluesky))

    by_handle = Recipient("Rina", "bluesky", handle="rina.bsky.social")
    assert channel.check(by_handle).ok
    receipt = channel.send(message(by_handle))
    closed = Recipient(None, "bluesky", user_id="did:plc:budi")

    assert fake_bluesky.count("did:plc:rina") == 1
    assert receipt.external_id == fake_bluesky.received[0].id
    assert not channel.check(closed).ok
    assert "not found" in channel.check(Recipient(None, "bluesky", handle="ghost.test")).reason
    assert fake_bluesky.sessions == 1  # one login for the whole channel


def test_e2e_hang_then_read_back(build: Build, fake_bluesky: FakeBluesky, clock: Clock) -> None:
    channel = build("bluesky_chat", bluesky_options(fake_bluesky, timeout_s=0.3))
    fake_bluesky.hang_next()
    attempted = clock()

    with pytest.raises(OutcomeUnknown):
        channel.send(message(RINA))
    clock.advance(minutes=1)
    receipt = channel.read_back(message(RINA), attempted)

    assert receipt is not None and receipt.external_id == fake_bluesky.received[0].id
    assert fake_bluesky.count("did:plc:rina") == 1


def test_e2e_wrong_app_password(build: Build, fake_bluesky: FakeBluesky) -> None:
    env = {**FAKE_ENV, "BSKY_APP_PASSWORD": "nope"}
    channel = build("bluesky_chat", bluesky_options(fake_bluesky), env)

    with pytest.raises(DeliveryFailed, match="app password"):
        channel.send(message(RINA))


def test_timeout_before_the_send_call_sent_nothing(clock: Clock) -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        if request.url.path.endswith("createSession"):
            return httpx.Response(200, json=SESSION)
        raise httpx.ReadTimeout("timed out", request=request)

    options = {"handle": "kopisenja.bsky.social", "app_password": "${BSKY_APP_PASSWORD}"}
    deps = ChannelDeps(clock=clock, httpx_transport=httpx.MockTransport(handler))
    channel = build_channel("bluesky_chat", options, FAKE_ENV, deps=deps)

    with pytest.raises(RetryLater, match="was not sent"):
        channel.send(message(RINA))
    assert not any(p.endswith("sendMessage") for p in seen)
