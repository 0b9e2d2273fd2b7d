"""RSS and Atom feeds (Google Alerts, news, blogs, forums, reviews, YouTube, Mastodon tags).

Feeds are fetched with httpx (timeouts, conditional GET, gzip, checked redirects,
a size cap, private addresses refused) or read from a local path, then parsed
from bytes by feedparser so it never opens URLs or paths itself. A feed that is
not well-formed ("bozo") keeps the entries that parsed and reports the problem as
a page warning; a payload with nothing readable raises SourceUnavailable.

Cursor: ``{"v": 1, "feeds": {url: {"etag", "modified", "sha256", "seen", "latest", "polled"}}}``
where ``seen`` holds short digests of the entry ids in the latest documents.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlsplit

import feedparser
import httpcore
import httpx
from pydantic import Field

from common.errors import RateLimited, SourceError, SourceUnavailable
from listeners import cursors, feed_entries
from listeners.base import Author, Mention, PollPage
from listeners.bounds import MIB, NonBlank, Seconds, within
from listeners.charsets import declare_charset, wide_encoding
from listeners.convert import html_to_text, to_json
from listeners.failures import error_text
from listeners.fetch import ACCEPT, FetchLimits, SafeFetcher, is_local, validators
from listeners.matching import BrandMatcher
from listeners.netguard import Resolver
from listeners.retry import Clock, Sleep, real_sleep, utc_now
from listeners.skeleton import ListenerCore, SourceOptions
from listeners.transport import Monotonic

_ENV_REF = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*\}")
_ENTRY_TAG = re.compile(rb"<(?:[A-Za-z0-9_-]{1,20}:)?(?:item|entry)[\s>/]", re.IGNORECASE)


class FeedsOptions(SourceOptions):
    """Options of a ``feeds`` source: one or more RSS/Atom feeds."""

    urls: list[NonBlank] = Field(
        min_length=1,
        max_length=1000,
        description="Feed URLs (http/https), file:// URLs or local paths; a private feed's "
        "token goes in as ${ENV} (whole URL or part), never written out.",
    )
    timeout_s: Seconds = Field(
        default=20.0, description="Longest wait for a connection or a read (0.1-600 s)."
    )
    deadline_s: Annotated[float, within(1, 600, "seconds")] = Field(
        default=60.0, description="Longest a whole feed fetch may take, redirects included."
    )
    max_bytes: Annotated[int, within(1024, 100 * MIB, "bytes")] = Field(
        default=10 * MIB, description="Largest feed accepted, on the wire and decoded."
    )
    max_redirects: Annotated[int, within(0, 10, "redirects")] = Field(
        default=5, description="Redirects followed per fetch (0-10)."
    )
    user_agent: str = Field(
        default="Simak/0.1 (social listening; feed reader)",
        description="User-Agent sent to feed servers.",
    )
    allow_private_hosts: bool = Field(
        default=False,
        description="Allow feeds on loopback/private/link-local addresses (off: SSRF guard).",
    )
    max_entries: Annotated[int, within(1, 100_000, "entries")] = Field(
        default=5000,
        description="Feeds with more entries are refused (parsing costs ~1 ms per entry).",
    )
    seen_limit: Annotated[int, within(10, 10_000, "ids")] = Field(
        default=1000, description="Entry ids remembered per feed for dedup (10-10000)."
    )


class FeedsListener(ListenerCore[FeedsOptions]):
    """Polls RSS/Atom feeds; one page per feed, mentions are entries matching a brand."""

    platform = "rss"
    service_name = "feed"

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
        network: httpcore.NetworkBackend | None = None,
        clock: Clock = utc_now,
        sleep: Sleep = real_sleep,
        monotonic: Monotonic | None = None,
    ) -> None:
        super().__init__(name, options, matcher, env=env, clock=clock, sleep=sleep)
        self._client = client
        self._transport = transport
        self._network = network
        limits = FetchLimits(
            options.max_bytes,
            options.max_redirects,
            options.user_agent,
            options.allow_private_hosts,
            options.deadline_s,
        )
        self._fetcher = SafeFetcher(
            name, limits, self._retrier, resolver=resolver, clock=clock, monotonic=monotonic
        )

    def poll(self, cursor: str | None) -> Iterator[PollPage]:
        """Yield one page per feed; failures of single feeds are raised after the others."""
        return self._guarded(self._poll(cursor))

    def _poll(self, cursor: str | None) -> Iterator[PollPage]:
        self._retrier.start_run()
        stored = cursors.load(cursor).get("feeds")
        feeds: dict[str, Any] = dict(stored) if isinstance(stored, dict) else {}
        failures: list[SourceError] = []
        undated: dict[str, int] = {}  # feed -> new mentions dated with the poll time
        client = self._client or self._new_client()
        try:
            for url in self.options.urls:
                previous = feeds.get(url)
                try:
                    page, state = self._poll_feed(
                        client, url, previous if isinstance(previous, dict) else {}, undated
                    )
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
            if undated:  # once per poll, not once per entry
                yield PollPage(
                    mentions=[], cursor=None, warnings=[feed_entries.undated_note(undated)]
                )
        finally:
            if self._client is None:
                client.close()
        self._raise_failures(failures)

    def _raise_failures(self, failures: list[SourceError]) -> None:
        if len(failures) == 1 and len(self.options.urls) == 1:
            raise failures[0]
        if failures:
            shown = " | ".join(str(f) for f in failures[:3])
            more = f" | and {len(failures) - 3} more" if len(failures) > 3 else ""
            raise SourceUnavailable(
                f"source {self._name!r}: {len(failures)} of {len(self.options.urls)} feeds "
                f"failed: {shown}{more}"
            )

    def _new_client(self) -> httpx.Client:
        return httpx.Client(
            transport=self._transport or self._fetcher.transport(self._network),
            timeout=httpx.Timeout(self.options.timeout_s),
            follow_redirects=False,  # followed by hand so each hop passes the SSRF guard
            headers={"User-Agent": self.options.user_agent, "Accept": ACCEPT},
            trust_env=False,  # no proxy from the environment: the guard must see the hop
        )

    def _poll_feed(
        self, client: httpx.Client, url: str, previous: dict[str, Any], undated: dict[str, int]
    ) -> tuple[PollPage, dict[str, Any]]:
        real = self._expand(url)  # only the fetch sees the secret; messages show ``url``
        fetched = (
            self._fetcher.read_local(real)
            if is_local(real)
            else self._fetcher.fetch(client, real, previous)
        )
        base = fetched.headers.get("content-location", "")
        if real != url and self._redact.leaks(base):  # relative links must not carry a token
            fetched.headers["content-location"] = urlsplit(base)._replace(query="").geturl()
        digest = hashlib.sha256(fetched.body).hexdigest() if fetched.body is not None else None
        if fetched.body is None or digest == previous.get("sha256"):
            # 304, or the same bytes again from a server without validators: no work.
            state = {**previous, **validators(fetched.headers)}
            return PollPage(mentions=[], cursor=None, not_modified=True), state
        self._check_entries(url, fetched.body)
        if _is_json(fetched.body, fetched.headers):
            raise SourceUnavailable(
                f"source {self._name!r}: {url} is a JSON Feed or other JSON, which Simak does "
                "not read (RSS and Atom only); use the site's RSS or Atom feed URL instead"
            )
        try:
            headers, guessed = declare_charset(fetched.body, fetched.headers)
            parsed = feedparser.parse(fetched.body, response_headers=headers)
        except Exception as exc:  # feedparser is lenient; anything left is this feed's failure
            raise SourceUnavailable(
                f"source {self._name!r}: {url} is not a readable RSS/Atom feed "
                f"({error_text(exc, 160)}); open it in a browser and fix the URL"
            ) from exc
        self._check_readable(url, parsed)
        now = self._clock()
        feed_time = feed_entries.feed_time(parsed.feed, now, previous.get("polled"))
        seen = set(previous.get("seen") or [])
        counted = undated if feed_time is None else None  # the poll time stands in
        page, ids, latest = self._entries(url, parsed, seen, feed_time or now, counted)
        if guessed:
            page.warnings.insert(
                0, f"{url}: no encoding that fits is declared; read as {guessed} (detected)"
            )
        state = {
            **validators(fetched.headers),
            "sha256": digest,
            "seen": cursors.remember(previous.get("seen") or [], ids, self.options.seen_limit),
            "latest": max(filter(None, [previous.get("latest"), latest]), default=None),
            "polled": now.isoformat(),  # an older feed date is stale for entries new after it
        }
        return page, state

    def _expand(self, url: str) -> str:
        """``url`` with each ``${VAR}`` replaced by its value, remembered for redaction."""
        return _ENV_REF.sub(lambda m: self._secret(m.group(0)), url)

    def _check_entries(self, url: str, body: bytes) -> None:
        """Refuse a feed with absurdly many entries before feedparser spends minutes on it."""
        limit = self.options.max_entries
        wide = wide_encoding(body)  # "<item" in UTF-16 is "<\0i\0..."; count in UTF-8
        text = body.decode(wide, "replace").encode() if wide else body
        for count, _ in enumerate(_ENTRY_TAG.finditer(text), start=1):
            if count > limit:
                raise SourceUnavailable(
                    f"source {self._name!r}: {url} has more than {limit} entries; "
                    "raise options.max_entries if it is a real feed"
                )

    def _check_readable(self, url: str, parsed: Any) -> None:
        # No entries and no recognised format: an error page, an empty body or plain
        # garbage (JSON was refused before parsing). An empty real feed has a version.
        if not parsed.entries and not parsed.get("version"):
            raise SourceUnavailable(
                f"source {self._name!r}: {url} is not a readable RSS/Atom feed "
                f"({_reason(parsed)}); open it in a browser and fix the URL"
            )

    def _entries(
        self,
        url: str,
        parsed: Any,
        seen: set[str],
        fallback: datetime,
        undated: dict[str, int] | None,
    ) -> tuple[PollPage, list[str], str | None]:
        """The page of new mentions, the entry ids read and the newest entry date.

        An entry without a date of its own gets ``fallback`` (the feed's date or the
        poll time), counted in ``undated`` (when given) for one warning per poll."""
        warnings: list[str] = []
        if parsed.get("bozo") and not _harmless(parsed):
            warnings.append(
                f"{url}: feed is not well-formed ({_reason(parsed)}); "
                f"kept the {len(parsed.entries)} entries that parsed"
            )
        ids: list[str] = []
        times: list[str] = []

        def convert(entry: Any) -> Mention | None:
            entry_id = feed_entries.entry_id(url, entry)
            key = cursors.digest(entry_id)
            ids.append(key)
            created = feed_entries.entry_time(entry)
            if created is not None:
                times.append(created.isoformat())
            if key in seen:
                return None
            mention = self._mention(url, parsed.feed, entry, entry_id, created or fallback)
            if mention is not None and created is None and undated is not None:
                undated[url] = undated.get(url, 0) + 1
            return mention

        mentions, problems = self._convert_items(
            url, parsed.entries, convert, lambda entry: entry.get("id") or entry.get("link")
        )
        page = PollPage(
            mentions=mentions,
            cursor=None,
            fetched=len(parsed.entries),
            warnings=warnings + problems,
        )
        return page, ids, max(times, default=None)

    def _mention(
        self, url: str, feed: Any, entry: Any, entry_id: str, created: datetime
    ) -> Mention | None:
        title = html_to_text(entry.get("title")) or None
        text = feed_entries.entry_text(entry)
        brand = self.matcher.match(title, text)
        if brand is None:
            return None
        name, email = feed_entries.entry_author(entry)
        author = Author(
            platform=self.platform,
            display_name=name,
            profile_url=(entry.get("author_detail") or {}).get("href") or None,
            email=email,
        )
        lang = (entry.get("title_detail") or {}).get("language") or feed.get("language")
        return Mention(
            platform=self.platform,
            external_id=entry_id,
            source=self._name,
            brand=brand,
            text=text or title or "",
            author=author,
            created_at=created,
            url=feed_entries.unwrap_redirect(entry.get("link")),
            title=title,
            lang_hint=lang or None,
            raw_json=to_json({"feed": url, "entry": dict(entry)}),
        )

    # -- reading ---------------------------------------------------------------------


def _reason(parsed: Any) -> str:
    exc = parsed.get("bozo_exception")
    if exc is None:
        return "no feed content"
    text = " ".join(str(exc).split())[:200]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _is_json(body: bytes, headers: Mapping[str, str]) -> bool:
    """True for a JSON body (a JSON Feed, an API answer): feedparser 6 reads only XML."""
    media = headers.get("content-type", "").split(";", 1)[0].strip().lower()
    start = body[:64].removeprefix(b"\xef\xbb\xbf").lstrip()
    return media.endswith(("/json", "+json")) or start.startswith((b"{", b"["))


def _harmless(parsed: Any) -> bool:
    """True for feedparser's notes that are not errors: a feed served as ``text/plain`` or
    as ``text/xml`` without a charset (RFC 3023 us-ascii) and read fine as UTF-8. Warning
    "not well-formed" on every change of such a feed sends the operator chasing nothing."""
    exc = parsed.get("bozo_exception")
    if isinstance(exc, feedparser.NonXMLContentType):
        return True
    encoding = str(parsed.get("encoding") or "").lower().replace("_", "-")
    return isinstance(exc, feedparser.CharacterEncodingOverride) and encoding in ("utf-8", "utf8")
