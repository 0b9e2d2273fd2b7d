"""Mastodon via Mastodon.py: notifications of the brand account that are someone talking
to it (mentions, which include replies, and quotes of its posts on Mastodon 4.5+) and
hashtag timelines on one instance.

Mastodon pages forward with ``min_id`` (the page just newer than an id), so each
page's cursor is the newest id read and a crash between pages loses nothing.
Mastodon.py's own rate-limit handling sleeps for real, so it is set to "throw" and
429s go through :class:`~listeners.retry.Retrier` on the injected clock.

Cursor: per stream (``mentions``, ``tag:<name>``) a window (see :mod:`listeners.window`)
whose ``since`` is the newest id read, sent as ``min_id``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import partial
from typing import Annotated, Any
from urllib.parse import urlsplit

import requests
from mastodon import Mastodon, MastodonError
from mastodon.errors import (
    MastodonAPIError,
    MastodonNetworkError,
    MastodonRatelimitError,
    MastodonServerError,
)
from pydantic import Field, model_validator

from common.credentials import SecretRef
from common.errors import SourceUnavailable
from listeners.api_base import ApiListener, ApiOptions, RawPage, Stream
from listeners.base import Author, Mention
from listeners.bounds import NonBlank, Seconds, within
from listeners.convert import html_to_text, require_time, to_json
from listeners.failures import Hints, error_text
from listeners.matching import BrandMatcher
from listeners.retry import (
    Clock,
    Sleep,
    ThrottledError,
    TransientError,
    epoch_to_utc,
    real_sleep,
    utc_now,
)
from listeners.window import Window

#: Notification types that are someone addressing the account (a server that does not
#: know a type ignores it).
_ADDRESSED = ("mention", "quote")


class MastodonOptions(ApiOptions):
    """Options of a ``mastodon`` source."""

    api_base_url: NonBlank = Field(description="The instance, e.g. https://mastodon.social.")
    access_token: SecretRef | None = Field(
        default=None, description="${ENV} reference to the brand account's token (read scope)."
    )
    mentions: bool = Field(
        default=True, description="Read mention and quote notifications (needs token)."
    )
    hashtags: list[NonBlank] = Field(
        default_factory=list, description="Hashtag timelines to read (without #)."
    )
    limit: Annotated[int, within(1, 40, "items")] = Field(
        default=40, description="Items per request (1-40; Mastodon's largest page is 40)."
    )
    max_pages: Annotated[int, within(1, 100, "requests")] = Field(
        default=10, description="Requests per stream per run (1-100)."
    )
    mastodon_version: str | None = Field(
        default="4.0.0",
        description="Assumed server version (skips a version probe); None = ask the server.",
    )
    timeout_s: Seconds = Field(default=20.0, description="Per-request timeout (0.1-600 s).")

    @model_validator(mode="after")
    def _check_streams(self) -> MastodonOptions:
        if self.mentions and self.access_token is None:
            raise ValueError("mentions: true needs access_token (an ${ENV} reference)")
        if not (self.mentions or self.hashtags):
            raise ValueError("enable mentions or list at least one hashtag")
        return self


class MastodonListener(ApiListener[MastodonOptions, Mastodon]):
    """Polls a Mastodon instance for brand mentions and hashtag posts."""

    platform = "mastodon"
    legacy_since = ("min_id",)
    hints = Hints(
        refused="create a new token with read scope and update the variable",
        missing="check api_base_url",
    )

    def __init__(
        self,
        name: str,
        options: MastodonOptions,
        matcher: BrandMatcher,
        *,
        env: Mapping[str, str],
        session: requests.Session | None = None,
        clock: Clock = utc_now,
        sleep: Sleep = real_sleep,
    ) -> None:
        super().__init__(name, options, matcher, env=env, clock=clock, sleep=sleep)
        self._session = session
        self._host = urlsplit(options.api_base_url).netloc
        self.service = self._host

    def _start(self, state: dict[str, Any]) -> Mastodon:
        return Mastodon(
            access_token=self._optional_secret(self.options.access_token),
            api_base_url=self.options.api_base_url,
            ratelimit_method="throw",  # never Mastodon.py's real sleeps; the Retrier waits
            request_timeout=self.options.timeout_s,
            mastodon_version=self.options.mastodon_version,
            version_check_mode="none",
            session=self._session,
        )

    def _streams(self, run: Mastodon) -> Iterator[Stream]:
        if self.options.mentions:
            yield Stream("mentions", "mentions", brand=self._own_brand(None))
        for tag in self.options.hashtags:
            name = tag.lstrip("#")
            yield Stream(f"tag:{name}", "tag", {"tag": name})

    def _fetch(self, run: Mastodon, stream: Stream, window: Window) -> RawPage:
        # Forward paging: min_id asks for the page just newer than the newest read, so
        # every page closes its window and the next one starts above it.
        params: dict[str, Any] = {"limit": self.options.limit}
        if window.since:
            params["min_id"] = window.since
        if stream.kind == "mentions":
            fetch = partial(run.notifications, types=list(_ADDRESSED))
        else:
            fetch = partial(run.timeline_hashtag, str(stream.params["tag"]))
        items = self._retrier.call(
            f"reading Mastodon {stream.key}",
            partial(_fetch_list, fetch, params),
            lambda exc: self._classify(run, exc),
        )
        # On a first run only the latest page: no backfill of old history.
        return RawPage(items, again=bool(items) and bool(window.since))

    def _key(self, item: Any) -> str | None:
        return str(item["id"]) if isinstance(item, dict) and item.get("id") else None

    def _mark(self, item: Any) -> str | None:
        return self._key(item)

    def _newest(self, marks: Iterable[Any]) -> Any:
        return max(marks, key=lambda ident: _id_key(str(ident)))

    def _seen_limit(self) -> int:
        return 200  # min_id bounds each page exactly; seen keys only guard repeats

    def _convert(self, run: Mastodon, stream: Stream, item: Any) -> Mention | None:
        if stream.kind == "mentions" and item.get("type") not in (None, *_ADDRESSED):
            # A server that ignores types[] (Mastodon before 3.5, some other servers)
            # sends every kind: a favourite or a followed account's post ("status") is
            # not someone talking to the brand.
            return None
        status = item.get("status") if stream.kind == "mentions" else item
        text = html_to_text(status["content"])
        spoiler = status.get("spoiler_text") or None
        brand = stream.brand or self.matcher.match(spoiler, text)
        if brand is None:
            return None
        account = status["account"]
        acct = str(account["acct"])
        return Mention(
            platform=self.platform,
            # The URI is global; the numeric id is only unique on this instance.
            external_id=str(status.get("uri") or f"{self._host}:{status['id']}"),
            source=self._name,
            brand=brand,
            text=text,
            author=Author(
                platform=self.platform,
                user_id=str(account.get("uri") or account.get("url") or account["id"]),
                handle=acct if "@" in acct else f"{acct}@{self._host}",
                display_name=account.get("display_name") or account.get("username"),
                profile_url=account.get("url"),
            ),
            created_at=require_time(status["created_at"]),
            url=status.get("url") or status.get("uri"),
            title=spoiler,
            lang_hint=status.get("language"),
            raw_json=to_json(status),
        )

    def _classify(self, api: Mastodon, exc: Exception) -> TransientError | ThrottledError | None:
        if isinstance(exc, MastodonRatelimitError):
            return ThrottledError(
                "HTTP 429 from Mastodon",
                retry_at=epoch_to_utc(getattr(api, "ratelimit_reset", None)),
            )
        if isinstance(exc, MastodonNetworkError):
            return TransientError(f"network error talking to {self._host} ({error_text(exc)})")
        if isinstance(exc, MastodonAPIError):
            status, detail = _status_of(exc)
            failure = self._status_error(status, detail) if status else None
            if isinstance(failure, TransientError | ThrottledError):
                return failure
            if failure is not None:
                raise failure from exc
        if isinstance(exc, MastodonError):
            raise SourceUnavailable(
                f"source {self._name!r}: {self._host} answered with an error "
                f"({error_text(exc)}); re-run later or check the options"
            ) from exc
        if isinstance(exc, ValueError | RecursionError):
            raise self._unreadable("reading a timeline", exc) from exc
        return None


def _status_of(exc: MastodonAPIError) -> tuple[int, str]:
    """(HTTP status, error text) from Mastodon.py's ``(message, status, reason, text)``."""
    args = exc.args
    status = args[1] if len(args) > 1 and isinstance(args[1], int) else 0
    detail = " ".join(str(a) for a in args[2:4] if a)
    if not status and isinstance(exc, MastodonServerError):
        status = 500
    return status, detail


def _fetch_list(fetch: Callable[..., Any], params: dict[str, Any]) -> list[Any]:
    """The answer's items. Mastodon.py turns a JSON object or string sent where a list
    belongs (an error object with 200, a proxy's reply) into a list of its keys or
    letters: an answer without a single object in it is a ValueError (unreadable), not
    one "unreadable, skipped" warning per key."""
    items = list(fetch(**params) or [])
    if items and not any(isinstance(item, Mapping) for item in items):
        raise ValueError(f"expected a list of objects, got {str(items)[:60]}")
    return items


def _id_key(ident: str) -> tuple[int, str]:
    """Mastodon ids are numeric strings of varying length: compare them as numbers."""
    return (len(ident), ident)
