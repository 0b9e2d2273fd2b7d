"""The windowed cursor of one paginated stream: nothing skipped, nothing read twice.

Platforms list new items newest first. A run reads a *window* — everything newer
than ``since`` — page by page going down. When the run's budget ends before the
window is read, the cursor keeps the window open (``top``: the newest mark seen in
it, ``resume``: where to continue, ``wseen``: keys already read in it) and the next
run continues inside it. Only when a window has been read to its bottom does
``since`` move up to ``top``.

Stored per stream::

    {"since": mark, "seen": [keys], "top": mark, "resume": token, "wseen": [keys]}

A mark is what the platform orders by (an id, an epoch, an ISO time); ``resume`` is
the platform's token for "the page below the last one read". Both are opaque here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from listeners import cursors

Mark = Any
Newest = Callable[[Iterable[Mark]], Mark]


@dataclass(slots=True)
class Window:
    """One stream's cursor state (see the module docstring)."""

    since: Mark = None
    seen: list[str] = field(default_factory=list)
    top: Mark = None
    resume: Any = None
    wseen: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, raw: Any, legacy_since: tuple[str, ...] = ()) -> Window:
        """Read the stored state; anything unreadable starts fresh (storage dedups)."""
        if not isinstance(raw, dict):
            return cls()
        since = raw.get("since")
        for key in legacy_since:  # cursors written before the window existed
            since = since if since is not None else raw.get(key)
        seen = [str(s) for s in raw.get("seen") or [] if isinstance(s, str | int)]
        wseen = [str(s) for s in raw.get("wseen") or [] if isinstance(s, str | int)]
        resume = raw.get("resume")
        if resume is None:  # no open window: its leftovers mean nothing
            return cls(since, seen)
        return cls(since, seen, raw.get("top"), resume, wseen)

    @property
    def first_run(self) -> bool:
        """Nothing was ever read completely on this stream."""
        return self.since is None and not self.seen

    @property
    def is_open(self) -> bool:
        """A window is being read and has a place to continue from."""
        return self.resume is not None

    def known(self) -> set[str]:
        """Keys that must not be yielded again."""
        return {*self.seen, *self.wseen}

    def advance(
        self,
        keys: list[str],
        marks: list[Mark],
        resume: Any,
        newest: Newest,
        limit: int,
    ) -> None:
        """Record one page read: its fresh ``keys``, their ``marks``, and where to go on.

        ``resume`` None means the window was read to its bottom: close it.
        """
        valid = [m for m in marks if m is not None]
        if valid:
            self.top = newest([self.top, *valid] if self.top is not None else valid)
        self.wseen = cursors.remember(self.wseen, keys, limit)
        self.resume = resume
        if resume is None:
            self.close(newest, limit)

    def close(self, newest: Newest, limit: int) -> None:
        """Mark everything up to ``top`` as read."""
        if self.top is not None:
            self.since = newest([self.since, self.top]) if self.since is not None else self.top
        self.seen = cursors.remember(self.seen, self.wseen, limit)
        self.top, self.resume, self.wseen = None, None, []

    def dump(self) -> dict[str, Any]:
        """The JSON-ready state."""
        out: dict[str, Any] = {}
        if self.since is not None:
            out["since"] = self.since
        if self.seen:
            out["seen"] = self.seen
        if self.resume is not None:
            out.update(top=self.top, resume=self.resume, wseen=self.wseen)
        return out
