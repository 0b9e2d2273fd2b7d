"""The console's template filters: how values read on a page (CLI hints as links to the
console's own pages, counts with their nouns, safe links, times in the business's zone,
how long until a follow-up is due)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from markupsafe import Markup, escape

from simak.app import App

#: The CLI commands use cases name in their messages, and the console's page or button for
#: each: (pattern, words, link); {0} is the pattern's id, {f} / {g} the message's first
#: follow-up / idea id. A command with no console page stays as it is.
_HINTS: tuple[tuple[re.Pattern[str], str, str], ...] = tuple(
    (re.compile(pattern), words, link)
    for pattern, words, link in (
        (r"(?:list them with|see) `simak queue[^`]*`(?: for ids)?", "see the queue", "/queue"),
        (r"`simak followup show (\d+)`", "open follow-up {0}", "/followups/{0}"),
        (r"see `simak followup show`", "see follow-up {f}", "/followups/{f}"),
        (r"`simak followup approve (\d+)`", "Approve on follow-up {0}'s page", "/followups/{0}"),
        (r"`simak followup reopen (\d+)`", "Reopen on follow-up {0}'s page", "/followups/{0}"),
        (r"`simak followup retry (\d+)`", "Retry on follow-up {0}'s page", "/followups/{0}"),
        (r"`simak followup done (\d+)`", "Done on follow-up {0}'s page", "/followups/{0}"),
        (r"`simak followup resolve-unknown (\d+) --delivered` or `--not-delivered`",
         "“It arrived” or “It did not arrive” on follow-up {0}'s page", "/followups/{0}"),
        (r"`simak send`", "Send now on follow-up {f}'s page", "/followups/{f}"),
        (r"`simak ideas rename (\d+) TITLE`", "Rename on idea {0}'s page", "/ideas/{0}"),
        (r"`simak ideas status (\d+) [\w-]+`", "Status on idea {0}'s page", "/ideas/{0}"),
        (r"`simak ideas notify (\d+)` drafts the notices", "Notify on idea {0}'s page",
         "/ideas/{0}"),
        (r"see `simak ideas show ID`", "see idea {g}'s page", "/ideas/{g}"),
        (r"see `simak ideas`", "see the ideas board", "/ideas"),
        (r"`simak people find NAME_OR_HANDLE`", "People: find", "/people"),
        (r"`simak users role NAME admin`", "set another user's role to admin below",
         "/admin/users"),
    )
)  # fmt: skip
_IDS = {"f": re.compile(r"follow-up (\d+)"), "g": re.compile(r"(?:idea|group) (\d+)")}


def console_hints(message: object) -> list[tuple[str, str | None]]:
    """A message as (words, link) parts, its CLI hints turned into links to the console's
    own pages ("look at it again (`simak followup show 5`)" -> "(open follow-up 5)" linking
    /followups/5), for the flash line and error pages."""
    text = str(message or "")
    ids = {k: found.group(1) for k, r in _IDS.items() if (found := r.search(text))}
    parts: list[tuple[str, str | None]] = []
    pos = 0
    while matches := [m for r in _HINTS if (m := r[0].search(text, pos))]:
        first = min(matches, key=lambda m: m.start())
        _, words, link = next(h for h in _HINTS if h[0] is first.re)
        try:
            label = words.format(*first.groups(), **ids)
            url = link.format(*first.groups(), **ids)
        except (IndexError, KeyError):  # no id to link to: keep the words as they were
            label, url = first.group(0), None
        parts += [(text[pos : first.start()], None), (label, url)]
        pos = first.end()
    return [p for p in [*parts, (text[pos:], None)] if p[0]]


def counted(n: int, word: str, plural: str | None = None) -> str:
    """ "1 complaint", "3 complaints", "1 person", "2 people": a count with its noun."""
    return f"{n:,} {word if n == 1 else plural or word + 's'}"


def hinted(message: object) -> Markup:
    """A message for a page: escaped, its CLI hints as links (see :func:`console_hints`)."""
    return Markup("").join(
        Markup('<a href="{}" class="hint">{}</a>').format(link, words) if link else escape(words)
        for words, link in console_hints(message)
    )


def safe_url(url: object) -> str | None:
    """``url`` if it is http(s), else None (no javascript:, data:, ...)."""
    text = str(url or "").strip()
    return text if urlsplit(text).scheme.lower() in ("http", "https") else None


def when_filter(app: App) -> Callable[[datetime | None], str]:
    """Times in the business's time zone, named as everywhere else ("2026-11-22 08:00 WIB");
    a value without a zone is UTC."""
    tz: ZoneInfo = app.settings.zone

    def when(value: datetime | None) -> str:
        if value is None:
            return "-"
        at = value if value.tzinfo else value.replace(tzinfo=UTC)
        return at.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z")

    return when


def due_filter(app: App) -> Callable[[datetime | None], str]:
    """How long until a follow-up is due, as the CLI's queue says it ("in 3h", "2h
    overdue"); a value without a zone is UTC."""

    def due(value: datetime | None) -> str:
        if value is None:
            return "-"
        at = value if value.tzinfo else value.replace(tzinfo=UTC)
        seconds = int((at - app.clock()).total_seconds())
        left = abs(seconds)
        units = ((86400, "d"), (3600, "h"), (60, "m"), (1, "s"))
        size, unit = next((n, u) for n, u in units if left >= n or n == 1)
        return f"in {left // size}{unit}" if seconds >= 0 else f"{left // size}{unit} overdue"

    return due
