"""Guarded HTTP fetching for feeds: conditional GET, size cap, checked redirects, no
private addresses unless allowed, local files too."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit
from urllib.request import url2pathname

import httpx

from common.errors import SourceUnavailable
from listeners.localfile import NotRegularFile, TooLarge, read_capped
from listeners.retry import (
    Clock,
    Retrier,
    ThrottledError,
    TransientError,
    parse_retry_after,
    utc_now,
)

Resolver = Callable[[str], list[str]]
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, "
    "application/xml;q=0.8, text/xml;q=0.8, */*;q=0.5"
)


@dataclass(slots=True)
class Fetched:
    """One fetch: the body (None when not modified) and the validators for next time."""

    body: bytes | None
    headers: dict[str, str] = field(default_factory=dict)
    final_url: str = ""


@dataclass(frozen=True, slots=True)
class FetchLimits:
    """What a fetch may do."""

    max_bytes: int
    max_redirects: int
    user_agent: str
    allow_private_hosts: bool


class SafeFetcher:
    """Fetches feed documents for one source, refusing what could hurt the host."""

    def __init__(
        self,
        source: str,
        limits: FetchLimits,
        retrier: Retrier,
        *,
        resolver: Resolver | None = None,
        clock: Clock = utc_now,
    ) -> None:
        self._source = source
        self._limits = limits
        self._retrier = retrier
        self._resolver = resolver or system_resolver
        self._clock = clock

    def read_local(self, url: str) -> Fetched:
        """Read a local feed file (a path or a file: URL), within the size cap."""
        path = Path(url2pathname(urlsplit(url).path)) if url.startswith("file:") else Path(url)
        try:
            return Fetched(read_capped(path, self._limits.max_bytes), {}, str(path))
        except NotRegularFile as exc:
            raise SourceUnavailable(
                f"source {self._source!r}: {exc}; check the path in the source's urls"
            ) from exc
        except TooLarge as exc:
            raise SourceUnavailable(
                f"source {self._source!r}: {path} is larger than max_bytes "
                f"({self._limits.max_bytes}); raise options.max_bytes if it is a real feed"
            ) from exc
        except OSError as exc:
            raise SourceUnavailable(
                f"source {self._source!r}: cannot read {path}: {exc.strerror or exc}; "
                "check the path in the source's urls"
            ) from exc

    def fetch(self, client: httpx.Client, url: str, previous: dict[str, Any]) -> Fetched:
        """GET ``url`` conditionally (ETag / Last-Modified from ``previous``), with retries."""
        # Also set per request, for an injected client without our default headers.
        headers = {"User-Agent": self._limits.user_agent, "Accept": ACCEPT}
        if previous.get("etag"):
            headers["If-None-Match"] = str(previous["etag"])
        if previous.get("modified"):
            headers["If-Modified-Since"] = str(previous["modified"])
        return self._retrier.call(
            f"fetching {url}", lambda: self._get(client, url, headers), self._classify
        )

    def _classify(self, exc: Exception) -> TransientError | ThrottledError | None:
        if isinstance(exc, httpx.TimeoutException):
            return TransientError(f"timed out ({type(exc).__name__})")
        if isinstance(exc, httpx.NetworkError | httpx.RemoteProtocolError):
            return TransientError(f"network error ({type(exc).__name__}: {exc})")
        if isinstance(exc, httpx.HTTPError):
            raise SourceUnavailable(
                f"source {self._source!r}: {type(exc).__name__}: {exc}; check the feed URL"
            ) from exc
        return None

    def _get(self, client: httpx.Client, url: str, headers: dict[str, str]) -> Fetched:
        current = url
        for _ in range(self._limits.max_redirects + 1):
            self._guard(current)
            # follow_redirects=False even on an injected client: each hop is guarded here.
            with client.stream("GET", current, headers=headers, follow_redirects=False) as resp:
                location = resp.headers.get("location")
                if resp.status_code in _REDIRECTS and location:
                    current = urljoin(current, location)
                    continue
                self._check_status(resp, current)
                if resp.status_code == 304:
                    return Fetched(None, _lower(resp.headers), current)
                body = self._read_capped(resp, current)
                return Fetched(body, self._parse_headers(resp, current), current)
        raise SourceUnavailable(
            f"source {self._source!r}: more than {self._limits.max_redirects} redirects from "
            f"{url}; use the final feed URL in the source's urls"
        )

    def _check_status(self, resp: httpx.Response, url: str) -> None:
        code = resp.status_code
        if code == 429 or (code == 503 and "retry-after" in resp.headers):
            wait = parse_retry_after(resp.headers.get("retry-after"), self._clock())
            raise ThrottledError(f"HTTP {code} from {url}", retry_after=wait)
        if code >= 500:
            raise TransientError(f"HTTP {code} from {url}")
        if code >= 400:
            raise SourceUnavailable(
                f"source {self._source!r}: HTTP {code} from {url}; check that the feed URL "
                "still exists and is public"
            )

    def _read_capped(self, resp: httpx.Response, url: str) -> bytes:
        chunks: list[bytes] = []
        total = 0
        for chunk in resp.iter_bytes():  # decoded: the cap also stops gzip bombs
            total += len(chunk)
            if total > self._limits.max_bytes:
                raise SourceUnavailable(
                    f"source {self._source!r}: {url} is larger than max_bytes "
                    f"({self._limits.max_bytes}); raise options.max_bytes if it is a real feed"
                )
            chunks.append(chunk)
        return b"".join(chunks)

    def _parse_headers(self, resp: httpx.Response, url: str) -> dict[str, str]:
        headers = _lower(resp.headers)
        # feedparser resolves relative links against Content-Location; give it the URL.
        headers.setdefault("content-location", url)
        # The body is already decompressed, so feedparser must not try again.
        headers.pop("content-encoding", None)
        return headers

    def _guard(self, url: str) -> None:
        """Refuse non-http(s) URLs and, unless allowed, hosts on private addresses."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise SourceUnavailable(
                f"source {self._source!r}: {url!r} is not an http(s) URL; fix the source's urls"
            )
        if self._limits.allow_private_hosts:
            return
        addresses = self._addresses(parts.hostname)
        for address in addresses:
            if not ipaddress.ip_address(address.split("%")[0]).is_global:
                raise SourceUnavailable(
                    f"source {self._source!r}: {parts.hostname} resolves to the non-public "
                    f"address {address}; set allow_private_hosts: true if that is intended"
                )

    def _addresses(self, host: str) -> list[str]:
        try:
            return [str(ipaddress.ip_address(host))]  # a literal address needs no DNS
        except ValueError:
            pass
        try:
            return self._resolver(host)
        except OSError as exc:
            raise TransientError(f"cannot resolve {host} ({exc})") from exc


def system_resolver(host: str) -> list[str]:
    """Every address ``host`` resolves to (IP literals resolve to themselves)."""
    infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    return sorted({str(info[4][0]) for info in infos})


def is_local(url: str) -> bool:
    """True for paths and file: URLs (read from disk, not fetched)."""
    scheme = urlsplit(url).scheme.lower()
    return scheme not in ("http", "https") and (scheme in ("", "file") or len(scheme) == 1)


def _lower(headers: httpx.Headers) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items()}


def validators(headers: Mapping[str, str]) -> dict[str, str]:
    """The ETag / Last-Modified to send next time."""
    out = {}
    if headers.get("etag"):
        out["etag"] = headers["etag"]
    if headers.get("last-modified"):
        out["modified"] = headers["last-modified"]
    return out
