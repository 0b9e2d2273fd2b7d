"""What every reader of a ``files`` source shares: a page of results, and how one record
becomes a mention or a warning (``path:line: reason``)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from listeners.base import Mention
from listeners.bounds import MIB
from listeners.failures import error_text
from listeners.file_cursor import FileState
from listeners.file_fields import record_mention
from listeners.file_options import FilesOptions
from listeners.matching import BrandMatcher
from listeners.retry import Clock

_PAGE_BYTES = 8 * MIB  # a page is yielded at least this often, whatever page_size says


@dataclass(slots=True)
class Batch:
    """One page being filled: its mentions, its warnings, and how much was read."""

    mentions: list[Mention] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    fetched: int = 0
    size: int = 0  # bytes read for this page


Pages = Iterator[tuple[FileState, Batch]]
"""A reader's pages, each with the file's state once that page is stored."""


@dataclass(frozen=True, slots=True)
class Intake:
    """One source's options, brands and clock, as its file readers need them."""

    source: str
    options: FilesOptions
    matcher: BrandMatcher
    clock: Clock

    def settled(self, mtime: datetime) -> bool:
        """True when the file has not changed for ``settle_s``: its writer is done, so an
        unterminated last line is the whole record (a Google Sheets export), not a cut."""
        return self.clock() - mtime >= timedelta(seconds=self.options.settle_s)

    def full(self, batch: Batch) -> bool:
        """True when the page is due (``page_size`` records or 8 MiB read)."""
        return batch.fetched >= self.options.page_size or batch.size >= _PAGE_BYTES

    def take(
        self,
        batch: Batch,
        path: Path,
        line: int | str,
        record: Mapping[str, Any] | None,
        problem: str | None,
        mtime: datetime,
    ) -> None:
        """Add one record to the page: its mention if a brand matches, or its problem."""
        if record is None and problem is None:
            return  # blank line
        batch.fetched += 1
        if problem is None and record is not None:
            try:
                mention, problem = record_mention(
                    record,
                    self.options.fields,
                    self.matcher,
                    source=self.source,
                    platform=self.options.platform,
                    mtime=mtime,
                    zone=self.options.zone,
                    date_order=self.options.date_order,
                )
            except Exception as exc:  # one bad record must never stop the run
                mention, problem = None, f"unreadable record ({error_text(exc, 160)})"
            if mention is not None:
                batch.mentions.append(mention)
        if problem:
            batch.warnings.append(f"{path}:{line}: {problem}")
