"""Hostile feed servers and addresses: every trick ends in one clear line, in bounded
time and memory, and the other feeds of the source are still polled."""

from __future__ import annotations

import resource
import time
from collections.abc import Callable
from typing import Any

import httpcore
import httpx
import pytest

from common.errors import SourceUnavailable
from listeners.base import PollPage
from listeners.feeds import FeedsListener, FeedsOptions
from listeners.matching import BrandMatcher
from listeners.netguard import Pins, parse_address, refusal
from listeners.transport import Deadline, GuardedTransport
from tests.listeners.conftest import FakeClock
from tests.listeners.hostile import HostileServer

PUBLIC = "93.184.216.34"


def feeds(
    matcher: BrandMatcher,
    clock: FakeClock,
    urls: list[str],
    *,
    resolver: Callable[[str], list[str]] | None = None,
    network: httpcore.NetworkBackend | None = None,
    **opts: Any,
) -> FeedsListener:
    options = FeedsOptions.model_validate({"urls": urls, "deadline_s": 1, **opts})
    return FeedsListener(
        "news",
        options,
        matcher,
        resolver=resolver,
        network=network,
        clock=clock,
        sleep=clock.sleep,
    )


def failure(listener: FeedsListener) -> tuple[str, list[PollPage]]:
    pages: list[PollPage] = []
    with pytest.raises(SourceUnavailable) as info:
        pages.extend(listener.poll(None))
    message = str(info.value)
    assert "\n" not in message and message.startswith("source 'news': ")
    return message, pages


@pytest.fixture
def server() -> Any:
    with HostileServer() as running:
        yield running


def test_a_gzip_bomb_stops_at_the_cap_without_ballooning(
    matcher: BrandMatcher, clock: FakeClock, server: HostileServer
) -> None:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    source = feeds(matcher, clock, [f"{server.url}/gzip-bomb"], allow_private_hosts=True)
    message, _ = failure(source)
    assert "larger than max_bytes (10485760)" in message
    grown_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mib < 40  # 64 MB expanded would show; the cap keeps it at ~10 MB


@pytest.mark.parametrize(
    ("path", "said"),
    [
        ("/nested-gzip", "nested content encodings (gzip, gzip) are refused"),
        ("/zstd-bomb", "content encoding 'zstd' is not supported"),
        ("/br", "content encoding 'br' is not supported"),
    ],
)
def test_nested_and_unknown_encodings_are_refused_before_decoding(
    matcher: BrandMatcher, clock: FakeClock, server: HostileServer, path: str, said: str
) -> None:
    message, _ = failure(feeds(matcher, clock, [server.url + path], allow_private_hosts=True))
    assert said in message


@pytest.mark.parametrize("path", ["/drip-body", "/drip-headers"])
def test_a_drip_feed_ends_at_its_deadline(
    matcher: BrandMatcher, clock: FakeClock, server: HostileServer, path: str
) -> None:
    source = feeds(
        matcher, clock, [server.url + path, f"{server.url}/ok"], allow_private_hosts=True
    )
    started = time.monotonic()
    message, pages = failure(source)
    elapsed = time.monotonic() - started
    assert "took longer than 1 s (deadline_s)" in message
    assert elapsed < 2.5  # one deadline of 1 s, whatever timeout_s (20 s) says
    assert [m.title for p in pages for m in p.mentions] == ["Kopi Senja enak"]  # the next feed


def test_huge_declared_length_is_refused_before_reading(
    matcher: BrandMatcher, clock: FakeClock, server: HostileServer
) -> None:
    message, _ = failure(
        feeds(matcher, clock, [f"{server.url}/huge-length"], allow_private_hosts=True)
    )
    assert "larger than max_bytes" in message


@pytest.mark.parametrize(
    ("path", "said"),
    [
        ("/loop", "more than 5 redirects"),
        ("/to?url=file:///etc/passwd", "is not an http(s) URL"),
        ("/to?url=http://169.254.169.254/latest/meta-data/", "cloud metadata address"),
        ("/to?url=http://[fd00:ec2::254]/", "cloud metadata address"),
        ("/to?url=http://[::ffff:169.254.169.254]/", "IPv6 form of an IPv4 address"),
        ("/to?url=http://[fe80::1]/", "link-local"),
        ("/bad-location", "a redirect to an invalid URL"),
    ],
)
def test_redirect_tricks_are_refused_even_with_private_hosts_allowed(
    matcher: BrandMatcher, clock: FakeClock, server: HostileServer, path: str, said: str
) -> None:
    message, _ = failure(feeds(matcher, clock, [server.url + path], allow_private_hosts=True))
    assert said in message


REFUSED_ALWAYS = [
    "http://169.254.169.254/latest/meta-data/",
    "http://[fd00:ec2::254]/",
    "http://100.100.100.200/",
    "http://[::127.0.0.1]/feed",
    "http://[::ffff:127.0.0.1]/feed",
    "http://[::ffff:7f00:1]/feed",
    "http://[64:ff9b::a9fe:a9fe]/feed",
    "http://[64:ff9b::7f00:1]/feed",
    "http://[2002:a9fe:a9fe::]/feed",
    "http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/feed",
    "http://[fe80::1%25eth0]/feed",
    "http://0.0.0.0/feed",
    "http://[::]/feed",
    "http://224.0.0.1/feed",
]
PRIVATE = ["http://127.0.0.1/feed", "http://[::1]/feed", "http://10.1.2.3/", "http://192.168.1.1/"]


@pytest.mark.parametrize("url", REFUSED_ALWAYS + PRIVATE)
def test_the_guard_refuses_every_non_public_form(
    matcher: BrandMatcher, clock: FakeClock, url: str
) -> None:
    answered: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        answered.append(str(request.url))
        return httpx.Response(200)

    transport = httpx.MockTransport(answer)
    source = FeedsListener(
        "news", FeedsOptions(urls=[url]), matcher, transport=transport, clock=clock
    )
    message, _ = failure(source)
    assert "non-public address" in message
    assert answered == []  # no request left


@pytest.mark.parametrize("url", REFUSED_ALWAYS)
def test_allowing_private_hosts_never_opens_metadata_or_embedded_forms(
    matcher: BrandMatcher, clock: FakeClock, url: str
) -> None:
    transport = httpx.MockTransport(lambda r: httpx.Response(200))
    options = FeedsOptions(urls=[url], allow_private_hosts=True)
    source = FeedsListener("news", options, matcher, transport=transport, clock=clock)
    message, _ = failure(source)
    assert "never" in message


def test_allowing_private_hosts_opens_loopback_and_rfc1918() -> None:
    for url in PRIVATE:
        host = url.split("//", 1)[1].split("/", 1)[0]
        address = parse_address(host)
        assert address is not None
        assert refusal(address, allow_private=True) is None
        assert refusal(address, allow_private=False) == "loopback or private"


def test_decimal_and_short_ipv4_forms_resolve_to_what_they_mean(
    matcher: BrandMatcher, clock: FakeClock
) -> None:
    for url in ("http://2130706433/feed", "http://0x7f.1/feed", "http://127.1/feed"):
        source = FeedsListener(
            "news",
            FeedsOptions(urls=[url]),
            matcher,
            transport=httpx.MockTransport(lambda r: httpx.Response(200)),
            clock=clock,
        )
        message, _ = failure(source)  # the system resolver reads these without DNS
        assert "non-public address 127.0.0.1" in message


class Remap(httpcore.SyncBackend):
    """A network where one public address is really a local test server."""

    def __init__(self, mapping: dict[str, tuple[str, int]]) -> None:
        self.mapping = mapping
        self.dialled: list[tuple[str, int]] = []

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.NetworkStream:
        self.dialled.append((host, port))
        host, port = self.mapping.get(host, (host, port))
        return super().connect_tcp(host, port, timeout, local_address, socket_options)


def test_a_rebinding_resolver_cannot_get_a_request_to_loopback(
    matcher: BrandMatcher, clock: FakeClock
) -> None:
    with HostileServer() as public, HostileServer() as internal:
        answers = iter([[PUBLIC], ["127.0.0.1"], ["127.0.0.1"], ["127.0.0.1"]])
        asked: list[str] = []

        def rebinding(host: str) -> list[str]:
            asked.append(host)
            return next(answers)

        network = Remap({PUBLIC: ("127.0.0.1", public.server_address[1])})
        url = f"http://rebind.example:{internal.server_address[1]}/ok"
        source = feeds(matcher, clock, [url], resolver=rebinding, network=network)
        pages = list(source.poll(None))  # resolved once, checked, connected to that address
        assert [m.title for p in pages for m in p.mentions] == ["Kopi Senja enak"]
        assert asked == ["rebind.example"]
        assert network.dialled == [(PUBLIC, internal.server_address[1])]
        assert (public.hits, internal.hits) == (["/ok"], [])

        message, _ = failure(source)  # the next fetch asks again and gets loopback
        assert "non-public address 127.0.0.1" in message
        assert internal.hits == []


def test_the_transport_itself_refuses_an_unchecked_host() -> None:
    with HostileServer() as internal:
        pins = Pins(lambda host: ["127.0.0.1"], allow_private=False)
        client = httpx.Client(transport=GuardedTransport(pins, Deadline()), trust_env=False)
        with pytest.raises(Exception, match=r"non-public address 127\.0\.0\.1"):
            client.get(f"http://sneaky.example:{internal.server_address[1]}/ok")
        assert internal.hits == []


# -- legacy encodings -----------------------------------------------------------------------

LEGACY = (
    '<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title>'
    "<item><guid>https://legacy.example/1</guid><title>{title}</title>"
    "<description>{text}</description></item></channel></rss>"
)
CASES = [
    ("windows-1252", "Kopi Senja café — “enak”", "Pelayanan ramah, kopi mantap — café favorit."),
    ("iso-8859-1", "Kopi Senja crème brûlée", "Très bon café à Kopi Senja, service agréable."),
    (
        "windows-1251",
        "Kopi Senja — кофе",
        "Отличное обслуживание и очень вкусный кофе, рекомендую.",
    ),
]


@pytest.mark.parametrize(("encoding", "title", "text"), CASES)
def test_undeclared_legacy_encodings_decode_correctly(
    matcher: BrandMatcher, clock: FakeClock, encoding: str, title: str, text: str
) -> None:
    body = LEGACY.format(title=title, text=text).encode(encoding)
    transport = httpx.MockTransport(
        lambda r: httpx.Response(200, content=body, headers={"Content-Type": "application/rss+xml"})
    )
    source = FeedsListener(
        "news",
        FeedsOptions(urls=["https://legacy.example/feed"]),
        matcher,
        transport=transport,
        resolver=lambda host: [PUBLIC],
        clock=clock,
    )
    pages = list(source.poll(None))
    assert [m.title for p in pages for m in p.mentions] == [title]
    assert pages[0].mentions[0].text == text
    assert "(detected)" in pages[0].warnings[0]


WIDE = [
    ("utf-16", b""),  # Python writes the byte order mark
    ("utf-16-be", b""),  # no mark: "<?" in UTF-16BE says it
    ("utf-32", b""),
    ("utf-16-le", b"\xff\xfe"),
]


@pytest.mark.parametrize(("encoding", "mark"), WIDE)
@pytest.mark.parametrize(
    "content_type", ["text/xml", "text/plain", "text/xml; charset=utf-8", "application/rss+xml"]
)
def test_utf16_and_utf32_feeds_are_read_whatever_the_content_type_says(
    matcher: BrandMatcher, clock: FakeClock, encoding: str, mark: bytes, content_type: str
) -> None:
    # Before: under text/* (RFC 3023: us-ascii) or a wrong charset feedparser "decoded"
    # the body with a NUL every other byte and the feed was refused as "not
    # well-formed (invalid token)" (feedparser's tests/encoding/utf-16le.xml and others).
    title, text = "Kopi Senja — kafé", "Pelayanan ramah, kopi mantap ☕"
    body = mark + LEGACY.format(title=title, text=text).encode(encoding)
    transport = httpx.MockTransport(
        lambda r: httpx.Response(200, content=body, headers={"Content-Type": content_type})
    )
    source = FeedsListener(
        "news",
        FeedsOptions(urls=["https://legacy.example/feed"]),
        matcher,
        transport=transport,
        resolver=lambda host: [PUBLIC],
        clock=clock,
    )
    pages = list(source.poll(None))
    assert [(m.title, m.text) for p in pages for m in p.mentions] == [(title, text)]
    assert pages[0].warnings == []


def test_a_utf16_feed_cannot_slip_past_the_entry_limit(
    matcher: BrandMatcher, clock: FakeClock
) -> None:
    # Before: the "<item" count ran on the raw bytes, where UTF-16 spells "<\0i\0t\0...".
    items = "<item><title>x</title></item>" * 11
    body = f'<?xml version="1.0"?><rss version="2.0"><channel>{items}</channel></rss>'
    transport = httpx.MockTransport(lambda r: httpx.Response(200, content=body.encode("utf-16")))
    source = FeedsListener(
        "news",
        FeedsOptions(urls=["https://legacy.example/feed"], max_entries=10),
        matcher,
        transport=transport,
        resolver=lambda host: [PUBLIC],
        clock=clock,
    )
    message, _ = failure(source)
    assert "has more than 10 entries" in message
