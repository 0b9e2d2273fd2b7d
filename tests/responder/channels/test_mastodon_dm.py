"""mastodon_dm: Mastodon.py against recorded statuses and errors, and FakeMastodon."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs

import pytest
import requests
import responses

from common.errors import AccountRefused, DeliveryFailed, OutcomeUnknown, RetryLater, Unreachable
from common.records import Recipient
from responder.channels.mastodon_dm import MastodonDmChannel
from tests.fakes.fixtures import mastodon_options
from tests.fakes.mastodon import FakeMastodon
from tests.listeners.cassettes import Interaction, load, register
from tests.responder.channels.conftest import Build, Clock, message

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "mastodon"
BASE = "http://localhost:3000"
STATUSES = f"{BASE}/api/v1/statuses"
ADMIN = Recipient("Admin", "mastodon", handle="@admin@localhost")
RINA = Recipient("Rina", "mastodon", handle="rina@mastodon.test")


def recorded(name: str, method: str, status: int) -> Interaction:
    return next(i for i in load(FIXTURES / name) if i.method == method and i.status == status)


@pytest.fixture
def mastodon(build: Build) -> MastodonDmChannel:
    channel = build("mastodon_dm", {"api_base_url": BASE, "access_token": "${MASTODON_TOKEN}"})
    assert isinstance(channel, MastodonDmChannel)
    return channel


@responses.activate
def test_send_posts_one_direct_status_with_the_key(mastodon: MastodonDmChannel) -> None:
    sent = recorded("test_conversations.yaml", "POST", 200)  # a direct status to @admin
    register(responses.mock, [sent])

    receipt = mastodon.send(message(ADMIN, "maaf ya @kopisenja_cs sudah lama"))

    assert receipt.external_id == "117020593780198542"
    assert len(responses.calls) == 1
    request = responses.calls[0].request
    form = parse_qs(str(request.body))
    assert form["visibility"] == ["direct"]
    assert request.headers["Idempotency-Key"] == "simak-fu-42"
    text = form["status"][0]
    assert text.startswith("@admin@localhost ")
    assert "@kopisenja_cs" not in text  # no one else is mentioned: "@\u2060kopisenja_cs"
    assert "kopisenja_cs" in text


@responses.activate
def test_a_status_that_is_not_direct_is_deleted_and_failed(mastodon: MastodonDmChannel) -> None:
    unlisted = recorded("test_unauthed_home_tl_throws.yaml", "POST", 200)  # "unlisted"
    deleted = recorded("test_unauthed_home_tl_throws.yaml", "DELETE", 200)
    register(responses.mock, [unlisted, deleted])

    with pytest.raises(DeliveryFailed, match=r"'unlisted'.*deleted at once"):
        mastodon.send(message(ADMIN))

    assert [c.request.method for c in responses.calls] == ["POST", "DELETE"]


PROXY_PAGE = "<html><body><h1>Bad gateway?</h1> cached page\n</body></html>"


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (PROXY_PAGE, "text/html"),
        ("", "text/html"),
        ("{}", "application/json"),
        ('"ok"', "application/json"),
    ],
)
@responses.activate
def test_a_success_answer_that_is_not_a_status_may_have_been_delivered(
    mastodon: MastodonDmChannel, body: str, content_type: str
) -> None:
    # Before: an HTML or empty 200 was "refused (0)" (DeliveryFailed: staff may send it
    # again), "{}" tried to delete status "" and '"ok"' was a ValueError traceback.
    responses.post(STATUSES, body=body, status=200, content_type=content_type)

    with pytest.raises(OutcomeUnknown) as caught:
        mastodon.send(message(ADMIN, "maaf ya"))
    assert str(caught.value) == (
        "mastodon_dm: Mastodon direct message to @admin@localhost: the server accepted the "
        "request but its reply could not be read; it may have been delivered, so it is not "
        "resent: settle it by reading back or by a person"
    )
    assert [c.request.method for c in responses.calls] == ["POST"]  # nothing deleted


@responses.activate
def test_recorded_422_is_refused(mastodon: MastodonDmChannel) -> None:
    too_long = recorded("test_lang_for_errors.yaml", "POST", 422)
    register(responses.mock, [too_long])

    with pytest.raises(DeliveryFailed, match="422"):
        mastodon.send(message(ADMIN))


@responses.activate
def test_recorded_401_is_a_token_failure(mastodon: MastodonDmChannel) -> None:
    bad = recorded("test_unauthed_home_tl_throws.yaml", "GET", 401)
    responses.post(STATUSES, status=401, body=bad.body, content_type="application/json")

    with pytest.raises(AccountRefused, match="access token"):
        mastodon.send(message(ADMIN))


@responses.activate
def test_404_on_posting_is_the_instance_url_not_the_message(mastodon: MastodonDmChannel) -> None:
    # an api_base_url with a path, or a site that is no Mastodon instance: every message would
    # fail one by one; the channel pauses instead and says what to fix
    responses.post(STATUSES, status=404, json={"error": "Record not found"})

    with pytest.raises(AccountRefused, match=r"404.*api_base_url"):
        mastodon.send(message(ADMIN))


@responses.activate
def test_recorded_lookup_404_means_not_found(mastodon: MastodonDmChannel) -> None:
    lookups = [i for i in load(FIXTURES / "test_account_lookup.yaml") if "lookup" in i.url]
    responses.get(f"{BASE}/api/v1/accounts/lookup", status=404, body=lookups[0].body)
    responses.get(f"{BASE}/api/v1/accounts/search", json=[])

    reach = mastodon.check(Recipient(None, "mastodon", handle="kljadklajsdkljlkj@localhost"))

    assert not reach.ok and "not found" in reach.reason
    responses.replace(responses.GET, f"{BASE}/api/v1/accounts/lookup", body=lookups[1].body)
    assert mastodon.check(Recipient(None, "mastodon", handle="mastodonpy_test")).ok


@responses.activate
def test_429_waits_for_the_reset(mastodon: MastodonDmChannel) -> None:
    responses.post(
        STATUSES,
        status=429,
        json={"error": "Too many requests"},
        headers={"X-RateLimit-Reset": "2030-01-01T00:00:00.000Z", "X-RateLimit-Remaining": "0"},
    )

    with pytest.raises(RetryLater) as caught:
        mastodon.send(message(ADMIN))

    assert caught.value.retry_at is not None
    assert abs(caught.value.retry_at - datetime(2030, 1, 1, tzinfo=UTC)) < timedelta(minutes=1)


@responses.activate
def test_timeout_is_unknown_and_5xx_too(mastodon: MastodonDmChannel) -> None:
    responses.post(STATUSES, body=requests.exceptions.ReadTimeout())
    with pytest.raises(OutcomeUnknown):
        mastodon.send(message(ADMIN))
    responses.replace(responses.POST, STATUSES, status=502, body="bad gateway")
    with pytest.raises(OutcomeUnknown):
        mastodon.send(message(ADMIN))


@responses.activate
def test_too_long_for_the_instance_is_refused_before_posting(mastodon: MastodonDmChannel) -> None:
    link = "https://kopisenja.example/" + "a" * 400  # counts as 23
    register(responses.mock, [recorded("test_conversations.yaml", "POST", 200)])
    mastodon.send(message(ADMIN, "x" * 400 + " " + link))

    with pytest.raises(DeliveryFailed, match="500"):
        mastodon.send(message(ADMIN, "x" * 494))  # "@admin " + 494 = 501
    assert len(responses.calls) == 1


# end to end against FakeMastodon


def test_e2e_one_direct_message_to_the_recipient_only(
    build: Build, fake_mastodon: FakeMastodon
) -> None:
    channel = build("mastodon_dm", mastodon_options(fake_mastodon))

    receipt = channel.send(message(RINA, "Halo @rina, cc @budi@remote.example ya"))

    assert fake_mastodon.per_recipient() == {"rina": 1}  # budi was not mentioned
    assert receipt.external_id == fake_mastodon.received[0].id
    assert not fake_mastodon.public_posts


def test_e2e_unknown_outcome_settled_with_the_same_key(
    build: Build, fake_mastodon: FakeMastodon, clock: Clock
) -> None:
    channel = build("mastodon_dm", mastodon_options(fake_mastodon, timeout_s=0.3))
    fake_mastodon.hang_next()
    attempted = clock()

    with pytest.raises(OutcomeUnknown):
        channel.send(message(RINA))
    with pytest.raises(OutcomeUnknown) as soon:
        channel.read_back(message(RINA), attempted)  # the first may still be in flight
    clock.advance(minutes=1)
    receipt = channel.read_back(message(RINA), attempted)

    assert soon.value.retry_at == attempted + timedelta(seconds=30)
    assert receipt is not None and receipt.external_id == fake_mastodon.received[0].id
    assert fake_mastodon.count("rina") == 1
    assert fake_mastodon.requests.count("POST /api/v1/statuses") == 2


def test_e2e_after_the_keys_hour_our_statuses_are_searched(
    build: Build, fake_mastodon: FakeMastodon, clock: Clock
) -> None:
    channel = build("mastodon_dm", mastodon_options(fake_mastodon))
    attempted = clock()
    channel.send(message(RINA))
    clock.advance(hours=2)

    found = channel.read_back(message(RINA), attempted)
    missing = channel.read_back(message(RINA, "something never sent"), attempted)

    assert found is not None and found.external_id == fake_mastodon.received[0].id
    assert missing is None
    assert fake_mastodon.requests.count("POST /api/v1/statuses") == 1


def test_e2e_an_instance_that_posts_publicly_is_caught(
    build: Build, fake_mastodon: FakeMastodon
) -> None:
    channel = build("mastodon_dm", mastodon_options(fake_mastodon))
    fake_mastodon.force_visibility = "public"

    with pytest.raises(DeliveryFailed, match="'public'"):
        channel.send(message(RINA))

    assert fake_mastodon.deleted == [fake_mastodon.public_posts[0]["id"]]


def test_e2e_unresolvable_account_is_unreachable(build: Build, fake_mastodon: FakeMastodon) -> None:
    channel = build("mastodon_dm", mastodon_options(fake_mastodon))
    ghost = Recipient(None, "mastodon", handle="ghost@nowhere.example")

    assert "not found" in channel.check(ghost).reason
    with pytest.raises(Unreachable, match="could not resolve"):
        channel.send(message(ghost))
    assert len(fake_mastodon.deleted) == 1
    assert (
        "suspended"
        in channel.check(Recipient(None, "mastodon", handle="budi@remote.example")).reason
    )


@responses.activate
def test_a_direct_status_that_mentions_nobody_reached_nobody(mastodon: MastodonDmChannel) -> None:
    recorded_post = load(FIXTURES / "test_status_post[None-direct].yaml")  # "Toot!", no mention
    register(responses.mock, recorded_post)

    with pytest.raises(Unreachable, match="could not resolve"):
        mastodon.send(message(ADMIN))

    assert [c.request.method for c in responses.calls] == ["POST", "DELETE"]


def test_e2e_read_back_after_the_hour_reads_mastodons_html(
    build: Build, fake_mastodon: FakeMastodon, clock: Clock
) -> None:
    """Mastodon renders the mention as @<span>name</span> and a link as spans: the status
    is still recognised (else "not delivered" would send it a second time)."""
    channel = build("mastodon_dm", mastodon_options(fake_mastodon))
    body = "Halo Kak,\n\nQ&A refund: https://kopisenja.example/r?id=1 ya.\nSalam, Dina"
    attempted = clock()
    channel.send(message(RINA, body))
    clock.advance(hours=2)

    found = channel.read_back(message(RINA, body), attempted)

    assert found is not None and found.external_id == fake_mastodon.received[0].id
    assert fake_mastodon.requests.count("POST /api/v1/statuses") == 1


@pytest.mark.parametrize(
    "handle", ["rina@mastodon.test @eve@evil.example", "rina@a/../b", "rina@x@y", "@", " "]
)
def test_a_handle_that_is_no_account_name_is_not_addressed(
    mastodon: MastodonDmChannel, handle: str
) -> None:
    """Before: a file import's handle "rina@mastodon.test @eve@evil.example" went into the
    direct status as it was, so it mentioned (and was delivered to) a second account."""
    recipient = Recipient("Rina", "mastodon", handle=handle)
    assert mastodon.address(recipient) is None and not mastodon.can_reach(recipient)
    with pytest.raises(Unreachable):
        mastodon.send(message(recipient))
    assert mastodon.address(Recipient("R", "mastodon", handle="@rina_w@sub.müller.de")) is not None
