"""Shared test helpers: a fake clock whose sleep only moves time, a brand matcher,
and a local HTTP server for end-to-end tests. No test sleeps or touches the network."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from werkzeug.serving import BaseWSGIServer, make_server

from listeners.matching import BrandMatcher, BrandSpec

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


class FakeClock:
    """An injectable clock; ``sleep`` records the wait and advances the clock."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 11, 23, 4, 0, tzinfo=UTC)
        self.sleeps: list[float] = []

    def __call__(self) -> datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(autouse=True)
def _no_real_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any real ``time.sleep`` in a test is a bug: clocks and sleeps are injected."""

    def refuse(seconds: float) -> None:
        raise AssertionError(f"a test tried to sleep for real ({seconds}s)")

    monkeypatch.setattr(time, "sleep", refuse)


BRAND = BrandSpec(
    name="Kopi Senja",
    terms=("kopi senja", "kopisenja", "tweepy", "python", "acme"),
    exclude=("lowongan kerja",),
    handles={"x": "kopisenja", "mastodon": "kopisenja", "reddit": "kopisenja"},
)


def match_all_matcher() -> BrandMatcher:
    """A matcher for recorded fixtures: brand terms that occur in them."""
    return BrandMatcher([BRAND])


@pytest.fixture
def matcher() -> BrandMatcher:
    return match_all_matcher()


class LocalServer:
    """A WSGI app served on 127.0.0.1 in a thread, for end-to-end tests."""

    def __init__(self, app: object) -> None:
        self._server: BaseWSGIServer = make_server("127.0.0.1", 0, app, threaded=True)  # type: ignore[arg-type]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    def __enter__(self) -> LocalServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._thread.join(timeout=5)


@pytest.fixture
def serve() -> type[LocalServer]:
    return LocalServer
