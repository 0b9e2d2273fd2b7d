"""Guarded HTTP fetching for feeds: conditional GET, checked redirects, pinned addresses,
an overall deadline, and caps on bytes on the wire and decoded; local files too.

Every hop of a fetch (the URL and each redirect) is checked by the SSRF guard in
:mod:`listeners.netguard`, whose answer the transport connects to. The body is read
raw and decoded here in bounded steps (:mod:`listeners.decode`); the deadline ends a
fetch that drips, whatever the per-read timeout (:mod:`listeners.transport`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit
from urllib.request import url2pathname

import httpcore
import httpx

from common.errors import SourceUnavailable
from listeners.decode import ACCEPT_ENCODING, BadEncoding, BodyTooLarge, BoundedDecoder
from listeners.failures import error_text, one_line
from listeners.localfile import NotRegularFile, TooLarge, read_capped
from listeners.netguard import Blocked, Pins, Resolver
from listeners.retry import (
    Clock,
    Retrier,
    ThrottledError,
    TransientError,
    parse_retry_after,
    utc_now,
)
from listeners.transport import Deadline, DeadlineExceeded, GuardedTransport, Monotonic

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

    max_bytes: int  # on the wire and decoded, each
    max_redirects: int
    user_agent: str
    allow_private_hosts: bool
    deadline_s: float = 60.0  # the whole fetch: every hop, retry and read


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
        monotonic: Monotonic | None = None,
    ) -> None:
        self._source = source
        self._limits = limits
        self._retrier = retrier
        self._clock = clock
        self.pins = Pins(resolver, allow_private=limits.allow_private_hosts)
        self.deadline = Deadline(monotonic) if monotonic else Deadline()

    def transport(self, network: httpcore.NetworkBackend | None = None) -> GuardedTransport:
        """A transport that connects only where :attr:`pins` checked, by the deadline."""
        return GuardedTransport(self.pins, self.deadline, network)

    def read_local(self, url: str) -> Fetched:
        """Read a local feed file (a path or a file: URL), within the size cap."""
        path = Path(url2pathname(urlsplit(url).path)) if url.startswith("file:") else Path(url)
        try:
            return Fetched(read_capped(path, self._limits.max_bytes), {}, str(path))
        except NotRegularFile as exc:
            raise self._fail(f"{exc}; check the path in the source's urls") from exc
        except TooLarge as exc:
            raise self._fail(
                f"{path} is larger than max_bytes ({self._limits.max_bytes}); "
                "raise options.max_bytes if it is a real feed"
            ) from exc
        except OSError as exc:
            raise self._fail(
                f"cannot read {path}: {exc.strerror or exc}; check the path in the source's urls"
            ) from exc

    def fetch(self, client: httpx.Client, url: str, previous: dict[str, Any]) -> Fetched:
        """GET ``url`` conditionally (ETag / Last-Modified from ``previous``), with retries."""
        # Also set per request, for an injected client without our default headers.
        headers = {
            "User-Agent": self._limits.user_agent,
            "Accept": ACCEPT,
            "Accept-Encoding": ACCEPT_ENCODING,
        }
        if previous.get("etag"):
            headers["If-None-Match"] = one_line(previous["etag"], 500)
        if previous.get("modified"):
            headers["If-Modified-Since"] = one_line(previous["modified"], 100)
        self.pins.reset()  # DNS is asked again on each fetch, once
        self.deadline.start(self._limits.deadline_s)
        try:
            return self._retrier.call(
                f"fetching {url}", lambda: self._get(client, url, headers), self._classify
            )
        except DeadlineExceeded as exc:
            raise self._fail(
                f"{url} {exc} (deadline_s); the server is too slow or drips its answer"
            ) from exc
        except Blocked as exc:
            raise self._fail(str(exc)) from exc

    def _fail(self, text: str) -> SourceUnavailable:
        return SourceUnavailable(f"source {self._source!r}: {text}")

    def _classify(self, exc: Exception) -> TransientError | ThrottledError | None:
        if isinstance(exc, httpx.TimeoutException):
            return TransientError(f"timed out ({type(exc).__name__})")
        if isinstance(exc, httpx.RemoteProtocolError) and "location header" in str(exc):
            raise self._fail(f"a redirect to an invalid URL ({error_text(exc)})") from exc
        if isinstance(exc, httpx.NetworkError | httpx.RemoteProtocolError):
            return TransientError(f"network error ({error_text(exc)})")
        if isinstance(exc, httpx.HTTPError | httpx.InvalidURL):
            raise self._fail(f"{error_text(exc)}; check the feed URL") from exc
        return None

    def _get(self, client: httpx.Client, url: str, headers: dict[str, str]) -> Fetched:
        current = url
        for _ in range(self._limits.max_redirects + 1):
            self._guard(current)
            # follow_redirects=False even on an injected client: each hop is guarded here.
            with client.stream("GET", current, headers=headers, follow_redirects=False) as resp:
                location = resp.headers.get("location")
                if resp.status_code in _REDIRECTS and location:
                    current = urljoin(current, location.strip())
                    continue
                self._check_status(resp, current)
                if resp.status_code == 304:
                    return Fetched(None, _lower(resp.headers), current)
                body = self._read_bounded(resp, current)
                return Fetched(body, self._parse_headers(resp, current), current)
        raise self._fail(
            f"more than {self._limits.max_redirects} redirects from {url}; "
            "use the final feed URL in the source's urls"
        )

    def _check_status(self, resp: httpx.Response, url: str) -> None:
        code = resp.status_code
        if code == 429 or (code == 503 and "retry-after" in resp.headers):
            wait = parse_retry_after(resp.headers.get("retry-after"), self._clock())
            raise ThrottledError(f"HTTP {code} from {url}", retry_after=wait)
        if code >= 500:
            raise TransientError(f"HTTP {code} from {url}")
        if code >= 400:
            raise self._fail(
                f"HTTP {code} from {url}; check that the feed URL still exists and is public"
            )

    def _read_bounded(self, resp: httpx.Response, url: str) -> bytes:
        """The decoded body; refused past ``max_bytes`` on the wire or decoded."""
        cap = self._limits.max_bytes
        too_large = self._fail(
            f"{url} is larger than max_bytes ({cap}); raise options.max_bytes if it is a real feed"
        )
        declared = resp.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > cap:
            raise too_large
        try:
            decoder = BoundedDecoder(resp.headers.get("content-encoding"), cap)
            parts: list[bytes] = []
            wire = 0
            for chunk in _raw_chunks(resp):
                wire += len(chunk)
                if wire > cap:
                    raise too_large
                parts.append(decoder.feed(chunk))
                self.deadline.check()
            parts.append(decoder.flush())
        except BodyTooLarge as exc:
            raise too_large from exc
        except BadEncoding as exc:
            raise self._fail(
                f"{url}: {exc}; the server sent what the feed reader cannot read"
            ) from exc
        return b"".join(parts)

    def _parse_headers(self, resp: httpx.Response, url: str) -> dict[str, str]:
        headers = _lower(resp.headers)
        # feedparser resolves relative links against Content-Location; give it the URL.
        headers.setdefault("content-location", url)
        # The body is already decompressed, so feedparser must not try again.
        headers.pop("content-encoding", None)
        return headers

    def _guard(self, url: str) -> None:
        """Refuse non-http(s) URLs and hosts the SSRF guard refuses (see netguard)."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise self._fail(f"{one_line(url, 200)!r} is not an http(s) URL; fix the source's urls")
        self.pins.addresses(parts.hostname)


def _raw_chunks(resp: httpx.Response) -> Iterable[bytes]:
    """The body as sent (still encoded), chunk by chunk."""
    if resp.is_stream_consumed and isinstance(resp.stream, httpx.SyncByteStream):
        return resp.stream  # an in-memory response (MockTransport): its original bytes
    return resp.iter_raw()


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
