"""webhook: signed JSON checked by an independent Standard Webhooks receiver."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import timedelta

import httpx
import pytest

from common.errors import AccountRefused, ConfigError, DeliveryFailed, OutcomeUnknown, RetryLater
from common.records import Recipient
from responder.channels.base import ChannelDeps
from responder.channels.registry import build_channel
from responder.channels.webhook import WebhookChannel, secret_key, webhook_id
from tests.fakes.fixtures import FAKE_ENV, WEBHOOK_SECRET, webhook_options
from tests.fakes.webhook import WebhookReceiver
from tests.responder.channels.conftest import Build, Clock, message

RINA = Recipient("Rina", "x", handle="rinaw", email="rina@example.com")
URL = "https://helpdesk.example/hooks/simak"


def mocked(
    clock: Clock, answer: httpx.Response | Exception, **extra: object
) -> tuple[WebhookChannel, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if isinstance(answer, Exception):
            raise answer
        return answer

    options = {"url": URL, "secret": "${SIMAK_WEBHOOK_SECRET}", **extra}
    deps = ChannelDeps(clock=clock, httpx_transport=httpx.MockTransport(handler))
    channel = build_channel("webhook", options, FAKE_ENV, deps=deps)
    assert isinstance(channel, WebhookChannel)
    return channel, seen


def test_signature_follows_standard_webhooks(clock: Clock) -> None:
    channel, seen = mocked(clock, httpx.Response(200, text="ok"))

    receipt = channel.send(message(RINA))

    request = seen[0]
    msg_id, stamp = request.headers["webhook-id"], request.headers["webhook-timestamp"]
    key = base64.b64decode(WEBHOOK_SECRET.removeprefix("whsec_"))
    expected = hmac.new(key, f"{msg_id}.{stamp}.".encode() + request.content, hashlib.sha256)
    assert (
        request.headers["webhook-signature"] == "v1," + base64.b64encode(expected.digest()).decode()
    )
    assert msg_id == "simak-fu-42" == receipt.external_id
    assert int(stamp) == int(clock().timestamp())
    body = json.loads(request.content)
    assert body["type"] == "simak.followup"
    assert body["text"].startswith(
        "*Soal pesanan Kakak*\nPrivate complaint reply follow-up for Rina"
    )
    assert body["data"]["body"] == "Halo Kak Rina, maaf ya soal pesanannya."
    assert body["data"]["recipient"]["email"] == "rina@example.com"


def test_a_team_message_is_typed_and_worded_as_the_teams(clock: Clock) -> None:
    """The digest and spike alerts go to the team: no 'private follow-up for team ()'."""
    channel, seen = mocked(clock, httpx.Response(200, text="ok"))
    team = Recipient("team", "")

    channel.send(message(team, "3 new complaints today.", kind="team", label="digest",
                         subject="Daily digest — Kopi Senja"))  # fmt: skip

    body = json.loads(seen[0].content)
    assert body["type"] == "simak.team" and body["data"]["kind"] == "team"
    assert body["text"] == "*Daily digest — Kopi Senja*\n\n3 new complaints today."


@pytest.mark.parametrize(
    ("answer", "outcome"),
    [
        (httpx.Response(401, text="bad signature"), AccountRefused),
        (httpx.Response(410), AccountRefused),
        (httpx.Response(302, headers={"location": "https://elsewhere.example/"}), AccountRefused),
        (httpx.Response(422, json={"error": "no"}), DeliveryFailed),
        (httpx.Response(500), OutcomeUnknown),
        (httpx.Response(408), RetryLater),
    ],
)
def test_answers_map_to_outcomes(clock: Clock, answer: httpx.Response, outcome: type) -> None:
    channel, seen = mocked(clock, answer)

    with pytest.raises(outcome) as caught:
        channel.send(message(RINA))
    assert type(caught.value) is outcome  # a wrong secret or URL pauses the channel
    assert len(seen) == 1  # no redirect followed, no retry


def test_429_waits_for_retry_after(clock: Clock) -> None:
    channel, _ = mocked(clock, httpx.Response(429, headers={"retry-after": "120"}))

    with pytest.raises(RetryLater) as caught:
        channel.send(message(RINA))
    assert caught.value.retry_at == clock() + timedelta(seconds=120)


def test_transport_errors_before_and_after_sending(clock: Clock) -> None:
    refused, _ = mocked(clock, httpx.ConnectError("refused"))
    silent, _ = mocked(clock, httpx.ReadTimeout("timed out"))

    with pytest.raises(RetryLater):
        refused.send(message(RINA))
    with pytest.raises(OutcomeUnknown):
        silent.send(message(RINA))


def test_secrets_and_ids() -> None:
    assert secret_key("whsec_" + base64.b64encode(b"k3y").decode()) == b"k3y"
    with pytest.raises(ConfigError, match="whsec_"):
        secret_key("whsec_not base64!")
    assert webhook_id("simak-fu-42") == "simak-fu-42"
    assert webhook_id("fu 42/ä").startswith("msg_") and len(webhook_id("fu 42/ä")) == 36
    with pytest.raises(ConfigError, match="https"):
        build_channel("webhook", {"url": "${HOOK}"}, {"HOOK": "http://example.com/h"})


# end to end against the local receiver


def test_e2e_receiver_verifies_and_counts(build: Build, webhook_receiver: WebhookReceiver) -> None:
    channel = build("webhook", webhook_options(webhook_receiver))

    channel.send(message(RINA))
    channel.send(message(RINA))  # a second attempt of the same follow-up
    channel.send(message(RINA, idempotency_key="simak-fu-43"))

    assert webhook_receiver.rejected == []
    assert sorted(webhook_receiver.deliveries) == ["simak-fu-42", "simak-fu-43"]
    assert webhook_receiver.duplicates == 1


def test_e2e_wrong_secret_is_rejected(build: Build, webhook_receiver: WebhookReceiver) -> None:
    env = {**FAKE_ENV, "SIMAK_WEBHOOK_SECRET": "whsec_" + base64.b64encode(b"other").decode()}
    channel = build("webhook", webhook_options(webhook_receiver), env)

    with pytest.raises(DeliveryFailed, match="same secret"):
        channel.send(message(RINA))
    assert webhook_receiver.rejected == ["no valid v1 signature"]
    assert not webhook_receiver.deliveries


def test_e2e_unknown_is_redelivered_only_to_an_idempotent_receiver(
    build: Build, webhook_receiver: WebhookReceiver, clock: Clock
) -> None:
    plain = build("webhook", webhook_options(webhook_receiver, timeout_s=0.3))
    idempotent = build(
        "webhook", webhook_options(webhook_receiver, timeout_s=0.3, idempotent_receiver=True)
    )
    webhook_receiver.hang_next()
    attempted = clock()

    with pytest.raises(OutcomeUnknown):
        plain.send(message(RINA))
    with pytest.raises(OutcomeUnknown) as person:
        plain.read_back(message(RINA), attempted)
    clock.advance(minutes=1)
    receipt = idempotent.read_back(message(RINA), attempted)

    assert person.value.retry_at is None
    assert receipt is not None and receipt.external_id == "simak-fu-42"
    assert list(webhook_receiver.deliveries) == ["simak-fu-42"]
    assert webhook_receiver.duplicates == 1


def test_e2e_drop_and_5xx_after_receipt(build: Build, webhook_receiver: WebhookReceiver) -> None:
    channel = build("webhook", webhook_options(webhook_receiver))
    webhook_receiver.drop_next()
    webhook_receiver.fail_next(503, delivered=True)

    with pytest.raises(OutcomeUnknown):
        channel.send(message(RINA))
    with pytest.raises(OutcomeUnknown):
        channel.send(message(RINA, idempotency_key="k2"))
    assert len(webhook_receiver.deliveries) == 2
