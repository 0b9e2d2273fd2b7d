"""The paginated platforms' skeleton: fetch page → convert items → warnings → windowed cursor.

:class:`ApiListener.poll` is the template method. A platform module supplies only
what is its own: how a run starts (credentials, client), which streams it reads,
how one page of a stream is fetched below a window's ``resume`` point, an item's key,
mark and conversion into a :class:`Mention`. The loop that turns items into mentions
and warnings, writes the cursor with each page and keeps unread windows open for
the next run (see :mod:`listeners.window`) lives here once.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, TypeVar

from listeners import cursors
from listeners.base import Mention, PollPage
from listeners.skeleton import ListenerCore, OptionsT, SourceOptions
from listeners.window import Mark, Window

RunT = TypeVar("RunT")
CURSOR_VERSION = 2


class ApiOptions(SourceOptions):
    """Options every paginated platform source has (see :class:`SourceOptions`)."""


@dataclass(frozen=True, slots=True)
class Stream:
    """One thing a source reads: a search, a mention inbox, a hashtag timeline."""

    key: str  # the stream's key in the cursor, e.g. "search", "q:acme", "tag:kopi"
    kind: str  # what the platform module reads, e.g. "search", "mentions"
    params: Mapping[str, Any] = field(default_factory=dict)
    brand: str | None = None  # the brand every item belongs to (the brand's own inbox)


@dataclass(slots=True)
class RawPage:
    """One page as fetched, before conversion."""

    items: list[Any]
    resume: Any = None  # token for the page below this one; None: the window's bottom
    reads: int = 0  # billable reads (X pay-per-use)
    warnings: list[str] = field(default_factory=list)
    again: bool = False  # forward paging: this page closed the window but more may follow


class ApiListener(ListenerCore[OptionsT], Generic[OptionsT, RunT]):
    """Template of the platform listeners (Reddit, X, Mastodon, Bluesky, Hacker News)."""

    #: On a stream's very first run, keep reading older pages on later runs (True) or
    #: take only what the first run reads (False: no backfill of old history).
    backfills: ClassVar[bool] = False
    #: Cursor keys of earlier versions that meant what ``since`` means now.
    legacy_since: ClassVar[tuple[str, ...]] = ()
    #: What to raise so one run reads more (named in the "read on the next run" note).
    budget_option: ClassVar[str] = "max_pages"

    def poll(self, cursor: str | None) -> Iterator[PollPage]:
        """Yield one page per request, each with the cursor valid once it is stored."""
        return self._guarded(self._poll(cursor))

    def _poll(self, cursor: str | None) -> Iterator[PollPage]:
        self._retrier.start_run()
        state = cursors.load(cursor)
        run = self._start(state)
        try:
            for stream in self._streams(run):
                yield from self._read_stream(run, stream, state)
        finally:
            self._stop(run)

    # -- what each platform supplies ---------------------------------------------------

    def _start(self, state: dict[str, Any]) -> RunT:
        """Resolve credentials (via ``_secret``), build the client: the per-run context.

        ``state`` is the whole cursor; a platform may keep its own top-level keys in it.
        """
        raise NotImplementedError

    def _stop(self, run: RunT) -> None:
        """Release what ``_start`` opened (default: nothing)."""

    def _streams(self, run: RunT) -> Iterable[Stream]:
        """The streams to read this run, in order."""
        raise NotImplementedError

    def _fetch(self, run: RunT, stream: Stream, window: Window) -> RawPage:
        """One page of ``stream``, newest first, below ``window.resume`` when set."""
        raise NotImplementedError

    def _key(self, item: Any) -> str | None:
        """The item's stable key (for dedup); None when the item is unusable."""
        raise NotImplementedError

    def _mark(self, item: Any) -> Mark:
        """What the platform orders items by (None when unknown)."""
        raise NotImplementedError

    def _convert(self, run: RunT, stream: Stream, item: Any) -> Mention | None:
        """The mention in ``item`` (None when it mentions no brand); may raise."""
        raise NotImplementedError

    def _is_old(self, item: Any, window: Window) -> bool:
        """True when ``item`` was read in an earlier window (listings that do not filter)."""
        return False

    def _can_fetch(self, run: RunT, stream: Stream, pages: int) -> bool:
        """Whether this run may fetch another page of ``stream`` (per-run budget)."""
        return pages < int(getattr(self.options, "max_pages", 1))

    def _newest(self, marks: Iterable[Mark]) -> Mark:
        return max(marks)

    def _seen_limit(self) -> int:
        return int(getattr(self.options, "seen_limit", 1000))

    # -- the template ----------------------------------------------------------------

    def _read_stream(self, run: RunT, stream: Stream, state: dict[str, Any]) -> Iterator[PollPage]:
        window = Window.load(state.get(stream.key), self.legacy_since)
        first_run = window.first_run
        # A window left open by an earlier run: once it is read, what arrived above it
        # since then is read in this run too (budget permitting).
        resumed = window.is_open
        pages = 0
        more = False  # forward paging: the platform says newer pages may follow
        while self._can_fetch(run, stream, pages):
            raw = self._fetch(run, stream, window)
            pages += 1
            fresh, keys, resume = self._fresh(raw, window)
            mentions, warnings = self._convert_items(
                stream.key, fresh, lambda item: self._convert(run, stream, item), self._ident
            )
            marks = [self._safe_mark(item) for item in fresh]
            window.advance(keys, marks, resume, self._newest, self._seen_limit())
            more = raw.again and bool(fresh)  # no progress: do not ask again
            yield self._page(state, stream, window, raw, mentions, warnings + raw.warnings)
            if window.is_open or more:
                continue
            if not resumed:
                return
            resumed = False  # read the top of the stream next
        if window.is_open or more:
            yield self._unfinished(state, stream, window, first_run)

    def _fresh(self, raw: RawPage, window: Window) -> tuple[list[Any], list[str], Any]:
        """Items not read before, their keys, and where the window goes on (None: done)."""
        known = window.known()
        fresh: list[Any] = []
        keys: list[str] = []
        resume = raw.resume
        for item in raw.items:
            if self._is_old(item, window):
                resume = None  # newest first: everything below was read before
                break
            key = self._safe_key(item)
            if key in known:
                continue
            fresh.append(item)  # an item without a key is fresh: converting it warns
            if key is not None:
                known.add(key)
                keys.append(key)
        if raw.items and not fresh:
            resume = None  # the server repeated a page: do not loop on it
        return fresh, keys, resume

    def _page(
        self,
        state: dict[str, Any],
        stream: Stream,
        window: Window,
        raw: RawPage,
        mentions: list[Mention],
        warnings: list[str],
    ) -> PollPage:
        state[stream.key] = window.dump()
        state["v"] = CURSOR_VERSION
        return PollPage(
            mentions=mentions,
            cursor=cursors.dump(state),
            fetched=len(raw.items),
            warnings=warnings,
            reads=raw.reads,
        )

    def _unfinished(
        self, state: dict[str, Any], stream: Stream, window: Window, first_run: bool
    ) -> PollPage:
        """The note at the end of a run that did not read everything new."""
        where = f"{self.platform} {stream.key}"
        if first_run and not self.backfills and window.is_open:
            window.close(self._newest, self._seen_limit())
            note = f"{where}: first run: read the newest items only, older ones are not backfilled"
        else:
            note = (
                f"{where}: more new items than one run reads; the rest is read on the next "
                f"run (raise {self.budget_option} to read more per run)"
            )
        state[stream.key] = window.dump()
        state["v"] = CURSOR_VERSION
        return PollPage(mentions=[], cursor=cursors.dump(state), warnings=[note])

    def _safe_key(self, item: Any) -> str | None:
        try:
            return self._key(item)
        except Exception:  # a broken item has no key: it is skipped with a warning
            return None

    def _safe_mark(self, item: Any) -> Mark:
        try:
            return self._mark(item)
        except Exception:  # an unreadable mark only means the window's top ignores it
            return None

    def _ident(self, item: Any) -> object:
        """How a warning names ``item`` (default: its key)."""
        return self._safe_key(item) or "?"
