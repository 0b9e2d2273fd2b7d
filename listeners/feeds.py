"""RSS and Atom feeds (Google Alerts, news, blogs, forums, reviews, YouTube, Mastodon tags).

Feeds are fetched with httpx (timeouts, conditional GET, gzip, checked redirects,
a size cap, private addresses refused) or read from a local path, then parsed
from bytes by feedparser so it never opens URLs or paths itself. A feed that is
not well-formed ("bozo") keeps the entries that parsed and reports the problem as
a page warning; a payload with nothing readable raises SourceUnavailable.

Cursor: ``{"v": 1, "feeds": {url: {"etag", "modified", "sha256", "seen", "latest"}}}``
where ``seen`` holds short digests of the entry ids in the latest documents.
"""

from __future__ import annotations

import hashlib
import ipaddress
import socket
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit
from urllib.request import url2pathname

import feedparser
import httpx
from pydantic import BaseModel, ConfigDict, Field

from listeners import cursors
from listeners.base import Author, Mention, PollPage
from listeners.convert import html_to_text, to_json
from listeners.matching import BrandMatcher
from listeners.retry import (
    Clock,
    Retrier,
    RetryPolicy,
    Sleep,
    ThrottledError,
    TransientError,
    parse_retry_after,
    real_sleep,
    utc_now,
)
from simak.errors import RateLimited, SourceError, SourceUnavailable

Resolver = Callable[[str], list[str]]
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, "
    "application/xml;q=0.8, text/xml;q=0.8, */*;q=0.5"
)


class FeedsOptions(BaseModel):
    """Options of a ``feeds`` source: one or more RSS/Atom feeds."""

    model_config = ConfigDict(extra="forbid")

    urls: list[str] = Field(
        min_length=1, description="Feed URLs (http/https), file:// URLs or local paths."
    )
    timeout_s: float = Field(default=20.0, gt=0, description="Per-request timeout, seconds.")
    max_bytes: int = Field(
        default=10 * 1024 * 1024, gt=0, description="Largest feed accepted (after gunzip)."
    )
    max_redirects: int = Field(default=5, ge=0, description="Redirects followed per fetch.")
    user_agent: str = Field(
        default="Simak/0.1 (social listening; feed reader)",
        description="User-Agent sent to feed servers.",
    )
    allow_private_hosts: bool = Field(
        default=False,
        description="Allow feeds on loopback/private/link-local addresses (off: SSRF guard).",
    )
    seen_limit: int = Field(
        default=1000, ge=10, description="Entry ids remembered per feed for dedup."
    )
    attempts: int = Field(default=3, ge=1, description="Tries per fetch on timeouts and 5xx.")


@dataclass(slots=True)
class _Fetched:
    """One fetch: the body (None when not modified) and the validators for next time."""

    body: bytes | None
    headers: dict[str, str] = field(default_factory=dict)
    final_url: str = ""


class FeedsListener:
    """Polls RSS/Atom feeds; one page per feed, mentions are entries matching a brand."""

    platform = "rss"

    def __init__(
        self,
        name: str,
        options: FeedsOptions,
        matcher: BrandMatcher,
        *,
        env: Mapping[str, str] | None = None,
        client: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
        resolver: Resolver | None = None,
        clock: Clock = utc_now,
        sleep: Sleep = real_sleep,
    ) -> None:
        self._name = name
        self.options = options
        self.matcher = matcher
        self._client = client
        self._transport = transport
        self._resolver = resolver or _system_resolver
        self._clock = clock
        self._retrier = Retrier(
            name, RetryPolicy(attempts=options.attempts), clock=clock, sleep=sleep
        )

    @property
    def name(self) -> str:
        """The configured source name."""
        return self._name

    def poll(self, cursor: str | None) -> Iterator[PollPage]:
        """Yield one page per feed; failures of single feeds are raised after the others."""
        self._retrier.start_run()
        feeds: dict[str, Any] = dict(cursors.load(cursor).get("feeds") or {})
        failures: list[SourceError] = []
        client = self._client or self._new_client()
        try:
            for url in self.options.urls:
                previous = feeds.get(url)
                try:
                    page, state = self._poll_feed(client, url, previous or {})
                except (SourceUnavailable, RateLimited) as exc:
                    failures.append(exc)
                    continue
                feeds[url] = state
                yield PollPage(
                    mentions=page.mentions,
                    cursor=cursors.dump({"v": 1, "feeds": feeds}),
                    fetched=page.fetched,
                    warnings=page.warnings,
                    not_modified=page.not_modified,
                )
        finally:
            if self._client is None:
                client.close()
        self._raise_failures(failures)

    def _raise_failures(self, failures: list[SourceError]) -> None:
        if len(failures) == 1 and len(self.options.urls) == 1:
            raise failures[0]
        if failures:
            raise SourceUnavailable(
                f"source {self._name!r}: {len(failures)} of {len(self.options.urls)} feeds "
                "failed: " + " | ".join(str(f) for f in failures)
            )

    def _new_client(self) -> httpx.Client:
        return httpx.Client(
            transport=self._transport,
            timeout=httpx.Timeout(self.options.timeout_s),
            follow_redirects=False,  # followed by hand so each hop passes the SSRF guard
            headers={"User-Agent": self.options.user_agent, "Accept": _ACCEPT},
        )

    def _poll_feed(
        self, client: httpx.Client, url: str, previous: dict[str, Any]
    ) -> tuple[PollPage, dict[str, Any]]:
        fetched = self._read_local(url) if _is_local(url) else self._fetch(client, url, previous)
        digest = hashlib.sha256(fetched.body).hexdigest() if fetched.body is not None else None
        if fetched.body is None or digest == previous.get("sha256"):
            # 304, or the same bytes again from a server without validators: no work.
            state = {**previous, **_validators(fetched.headers)}
            return PollPage(mentions=[], cursor=None, not_modified=True), state
        parsed = feedparser.parse(fetched.body, response_headers=fetched.headers)
        self._check_readable(url, parsed)
        page, ids, latest = self._entries(url, parsed, set(previous.get("seen") or []))
        state = {
            **_validators(fetched.headers),
            "sha256": digest,
            "seen": cursors.remember(previous.get("seen") or [], ids, self.options.seen_limit),
            "latest": max(filter(None, [previous.get("latest"), latest]), default=None),
        }
        return page, state

    def _check_readable(self, url: str, parsed: Any) -> None:
        # No entries and no recognised format: an error page, an empty body, a JSON Feed
        # (feedparser 6 cannot read those) or plain garbage. An empty real feed has a version.
        if not parsed.entries and not parsed.get("version"):
            raise SourceUnavailable(
                f"source {self._name!r}: {url} is not a readable RSS/Atom feed "
                f"({_reason(parsed)}); open it in a browser and fix the URL"
            )

    def _entries(
        self, url: str, parsed: Any, seen: set[str]
    ) -> tuple[PollPage, list[str], str | None]:
        warnings: list[str] = []
        if parsed.get("bozo"):
            warnings.append(
                f"{url}: feed is not well-formed ({_reason(parsed)}); "
                f"kept the {len(parsed.entries)} entries that parsed"
            )
        mentions: list[Mention] = []
        ids: list[str] = []
        times: list[str] = []
        for entry in parsed.entries:
            entry_id = _entry_id(url, entry)
            key = cursors.digest(entry_id)
            ids.append(key)
            created = _entry_time(entry)
            if created is not None:
                times.append(created.isoformat())
            if key in seen:
                continue
            mention = self._mention(url, parsed.feed, entry, entry_id, created)
            if mention is not None:
                mentions.append(mention)
        page = PollPage(mentions=mentions, cursor=None, fetched=len(ids), warnings=warnings)
        return page, ids, max(times, default=None)

    def _mention(
        self, url: str, feed: Any, entry: Any, entry_id: str, created: datetime | None
    ) -> Mention | None:
        title = html_to_text(entry.get("title")) or None
        text = _entry_text(entry)
        brand = self.matcher.match(title, text)
        if brand is None:
            return None
        detail = entry.get("author_detail") or {}
        author = Author(
            platform=self.platform,
            display_name=detail.get("name") or entry.get("author") or None,
            profile_url=detail.get("href") or None,
            email=detail.get("email") or None,
        )
        lang = (entry.get("title_detail") or {}).get("language") or feed.get("language")
        return Mention(
            platform=self.platform,
            external_id=entry_id,
            source=self._name,
            brand=brand,
            text=text or title or "",
            author=author,
            created_at=created or self._clock(),
            url=_unwrap_redirect(entry.get("link")),
            title=title,
            lang_hint=lang or None,
            raw_json=to_json({"feed": url, "entry": dict(entry)}),
        )

    # -- reading ---------------------------------------------------------------------

    def _read_local(self, url: str) -> _Fetched:
        path = Path(url2pathname(urlsplit(url).path)) if url.startswith("file:") else Path(url)
        try:
            size = path.stat().st_size
            if size > self.options.max_bytes:
                raise SourceUnavailable(
                    f"source {self._name!r}: {path} is {size} bytes, over max_bytes "
                    f"({self.options.max_bytes}); raise options.max_bytes"
                )
            return _Fetched(path.read_bytes(), {}, str(path))
        except OSError as exc:
            raise SourceUnavailable(
                f"source {self._name!r}: cannot read {path}: {exc.strerror or exc}; "
                "check the path in options.urls"
            ) from exc

    def _fetch(self, client: httpx.Client, url: str, previous: dict[str, Any]) -> _Fetched:
        # Also set per request, for an injected client without our default headers.
        headers = {"User-Agent": self.options.user_agent, "Accept": _ACCEPT}
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
                f"source {self._name!r}: {type(exc).__name__}: {exc}; check the feed URL"
            ) from exc
        return None

    def _get(self, client: httpx.Client, url: str, headers: dict[str, str]) -> _Fetched:
        current = url
        for _ in range(self.options.max_redirects + 1):
            self._guard(current)
            # follow_redirects=False even on an injected client: each hop is guarded here.
            with client.stream("GET", current, headers=headers, follow_redirects=False) as resp:
                location = resp.headers.get("location")
                if resp.status_code in _REDIRECTS and location:
                    current = urljoin(current, location)
                    continue
                self._check_status(resp, current)
                if resp.status_code == 304:
                    return _Fetched(None, _lower(resp.headers), current)
                body = self._read_capped(resp, current)
                return _Fetched(body, self._parse_headers(resp, current), current)
        raise SourceUnavailable(
            f"source {self._name!r}: more than {self.options.max_redirects} redirects from "
            f"{url}; use the final feed URL in options.urls"
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
                f"source {self._name!r}: HTTP {code} from {url}; check that the feed URL "
                "still exists and is public"
            )

    def _read_capped(self, resp: httpx.Response, url: str) -> bytes:
        chunks: list[bytes] = []
        total = 0
        for chunk in resp.iter_bytes():  # decoded: the cap also stops gzip bombs
            total += len(chunk)
            if total > self.options.max_bytes:
                raise SourceUnavailable(
                    f"source {self._name!r}: {url} is larger than max_bytes "
                    f"({self.options.max_bytes}); raise options.max_bytes if it is a real feed"
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
                f"source {self._name!r}: {url!r} is not an http(s) URL; fix options.urls"
            )
        if self.options.allow_private_hosts:
            return
        addresses = self._addresses(parts.hostname)
        for address in addresses:
            if not ipaddress.ip_address(address.split("%")[0]).is_global:
                raise SourceUnavailable(
                    f"source {self._name!r}: {parts.hostname} resolves to the non-public "
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


def _system_resolver(host: str) -> list[str]:
    """Every address ``host`` resolves to (IP literals resolve to themselves)."""
    infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    return sorted({str(info[4][0]) for info in infos})


def _is_local(url: str) -> bool:
    scheme = urlsplit(url).scheme.lower()
    return scheme not in ("http", "https") and (scheme in ("", "file") or len(scheme) == 1)


def _lower(headers: httpx.Headers) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items()}


def _validators(headers: Mapping[str, str]) -> dict[str, str]:
    out = {}
    if headers.get("etag"):
        out["etag"] = headers["etag"]
    if headers.get("last-modified"):
        out["modified"] = headers["last-modified"]
    return out


def _reason(parsed: Any) -> str:
    exc = parsed.get("bozo_exception")
    if exc is None:
        return "no feed content"
    text = " ".join(str(exc).split())[:200]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _entry_id(url: str, entry: Any) -> str:
    raw = entry.get("id") or entry.get("link")
    if not raw:
        basis = f"{entry.get('title', '')}\n{entry.get('summary', '')}"
        raw = "sha256:" + hashlib.sha256(basis.encode()).hexdigest()[:32]
        return f"{url}#{raw}"
    raw = str(raw).strip()
    # Ids like "1" are only unique inside one feed; URLs and URNs are global.
    return raw if ":" in raw else f"{url}#{raw}"


def _entry_time(entry: Any) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if isinstance(value, time.struct_time):
            try:
                return datetime(*value[:6], tzinfo=UTC)
            except ValueError:
                continue
    return None


def _entry_text(entry: Any) -> str:
    contents = entry.get("content") or []
    candidates = [c.get("value", "") for c in contents] + [entry.get("summary", "")]
    best = max(candidates, key=len, default="")
    return html_to_text(best)


def _unwrap_redirect(link: str | None) -> str | None:
    """Google Alerts links go through google.com/url?url=REAL; store the real URL."""
    if not link:
        return None
    parts = urlsplit(link)
    if (parts.hostname or "").endswith("google.com") and parts.path == "/url":
        target = parse_qs(parts.query).get("url")
        if target and target[0].startswith(("http://", "https://")):
            return target[0]
    return link
