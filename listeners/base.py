"""The listener contract: typed mentions out, an opaque cursor in and out.

A listener polls one configured source. ``poll(cursor)`` yields pages; each page
carries the mentions it found and the cursor that is valid *after* that page.
The caller stores a page's mentions and its cursor in one transaction, so a
crash between pages loses nothing and a re-run resumes from the last page.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from common.records import Author as Author
from common.records import Mention as Mention


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

        Raise a :class:`common.errors.SourceError` subclass when the source fails;
        pages already yielded stay valid and are kept by the caller.
        """
        ...
