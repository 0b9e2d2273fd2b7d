"""The listener contract: typed mentions out, an opaque cursor in and out.

A listener polls one configured source. ``poll(cursor)`` yields pages; each page
carries the mentions it found and the cursor that is valid *after* that page.
The caller stores a page's mentions and its cursor in one transaction, so a
crash between pages loses nothing and a re-run resumes from the last page.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, runtime_checkable


@dataclass(frozen=True, slots=True)
class Author:
    """Who wrote a mention, with enough identity to reach them privately later."""

    platform: str
    user_id: str | None = None  # stable platform id when the platform has one
    handle: str | None = None  # @name, u/name, or an email address for files/email
    display_name: str | None = None
    profile_url: str | None = None
    email: str | None = None
    lang: str | None = None

    @property
    def key(self) -> str:
        """The identity used to link mentions of one author on one platform."""
        ident = self.user_id or (self.handle or "").lower() or (self.email or "").lower()
        return f"{self.platform}:{ident}" if ident else ""


@dataclass(frozen=True, slots=True)
class Mention:
    """One public post that mentions a brand."""

    platform: str  # "reddit", "x", "rss", "file", "mastodon", "bluesky", "hackernews"
    external_id: str  # unique within the platform
    source: str  # name of the configured source that found it
    brand: str  # name of the configured brand it matched
    text: str
    author: Author
    created_at: datetime  # timezone-aware, UTC
    url: str | None = None
    title: str | None = None
    lang_hint: str | None = None  # language the platform reported, if any
    raw_json: str = "{}"  # the original payload, JSON text, for audit and re-processing


@dataclass(frozen=True, slots=True)
class PollPage:
    """Mentions from one page of a poll, plus the cursor valid after storing them."""

    mentions: list[Mention]
    cursor: str | None  # opaque; None means "leave the stored cursor unchanged"
    fetched: int = 0  # raw items seen on this page, matched or not
    warnings: list[str] = field(default_factory=list)  # one line each, e.g. "file.jsonl:12: ..."
    not_modified: bool = False  # a conditional request said nothing changed
    reads: int = 0  # billable reads spent (X pay-per-use), 0 elsewhere


@runtime_checkable
class Listener(Protocol):
    """A configured source that can be polled incrementally."""

    @property
    def name(self) -> str:
        """The source name from config (unique)."""
        ...

    @property
    def platform(self) -> str:
        """The platform key written into each mention."""
        ...

    def poll(self, cursor: str | None) -> Iterator[PollPage]:
        """Yield pages of new mentions after ``cursor``.

        Raise a :class:`simak.errors.SourceError` subclass when the source fails;
        pages already yielded stay valid and are kept by the caller.
        """
        ...
