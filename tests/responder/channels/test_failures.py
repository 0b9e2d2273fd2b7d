"""Did the request leave? Real transport exceptions, and rate-limit reset headers."""

from __future__ import annotations

import socket
import ssl
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import requests
from urllib3.exceptions import MaxRetryError, NameResolutionError, ProtocolError, SSLError

from common.errors import OutcomeUnknown, RetryLater
from responder.channels.failures import retry_at_from, transport_failure
from tests.fakes.server import free_port

NOW = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)


def raised(call: object) -> BaseException:
    try:
        call()  # type: ignore[operator]
    except Exception as exc:
        return exc
    raise AssertionError("no exception")


def test_refused_connection_never_left() -> None:
    port = free_port()
    exc = raised(lambda: requests.post(f"http://127.0.0.1:{port}/x", timeout=2))
    httpx_exc = raised(lambda: httpx.post(f"http://127.0.0.1:{port}/x", timeout=2))

    assert isinstance(transport_failure(exc, "t"), RetryLater)
    assert isinstance(transport_failure(httpx_exc, "t"), RetryLater)
    assert "connection refused" in str(transport_failure(exc, "t"))


def test_dns_failure_never_left() -> None:
    dns = NameResolutionError("nowhere.invalid", None, socket.gaierror(-2, "Name unknown"))  # type: ignore[arg-type]
    exc = requests.exceptions.ConnectionError(MaxRetryError(None, "/x", dns))  # type: ignore[arg-type]

    failure = transport_failure(exc, "t")

    assert isinstance(failure, RetryLater)
    assert "host name not found" in str(failure)


@pytest.mark.parametrize(
    "exc",
    [
        requests.exceptions.ReadTimeout("read timed out"),
        requests.exceptions.ConnectionError(
            ProtocolError("Connection aborted.", ConnectionResetError(104, "reset"))
        ),
        # a TLS error while reading the answer comes wrapped like a handshake error
        requests.exceptions.SSLError(MaxRetryError(None, "/x", SSLError("EOF in violation"))),  # type: ignore[arg-type]
        httpx.ReadTimeout("timed out"),
        httpx.RemoteProtocolError("Server disconnected without sending a response."),
        httpx.WriteError("broken pipe"),
    ],
)
def test_failures_after_sending_are_unknown(exc: BaseException) -> None:
    assert isinstance(transport_failure(exc, "t"), OutcomeUnknown)


def test_refused_certificate_never_left() -> None:
    cert = ssl.SSLCertVerificationError(1, "certificate verify failed")
    exc = requests.exceptions.SSLError(MaxRetryError(None, "/x", SSLError(cert)))  # type: ignore[arg-type]
    exc.__context__ = cert

    assert isinstance(transport_failure(exc, "t"), RetryLater)


def test_messages_never_carry_the_url() -> None:
    secret_url = "https://hooks.slack.com/services/T000/B000/SECRETSECRET"
    exc = requests.exceptions.ConnectionError(f"HTTPSConnectionPool: Max retries url: {secret_url}")

    assert "SECRET" not in str(transport_failure(exc, "webhook"))


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Retry-After": "120"}, NOW + timedelta(seconds=120)),
        ({"retry-after": "Mon, 23 Nov 2026 05:00:00 GMT"}, NOW + timedelta(hours=1)),
        (
            {"x-rate-limit-reset": str(int((NOW + timedelta(minutes=15)).timestamp()))},
            NOW + timedelta(minutes=15),
        ),
        ({"x-ratelimit-reset": "2026-11-23T04:30:00.000Z"}, NOW + timedelta(minutes=30)),
        ({"x-ratelimit-reset": "53"}, NOW + timedelta(seconds=53)),  # Reddit: seconds left
        (
            {"ratelimit-reset": str(int((NOW + timedelta(minutes=5)).timestamp()))},
            NOW + timedelta(minutes=5),
        ),
        ({"x-rate-limit-reset": "1000000000"}, NOW),  # in the past: now
        ({}, NOW + timedelta(seconds=60)),
        ({"retry-after": "soon"}, NOW + timedelta(seconds=60)),
    ],
)
def test_retry_at_from_headers(headers: dict[str, str], expected: datetime) -> None:
    assert retry_at_from(headers, NOW) == expected
