"""Reading one feed entry as feedparser gives it: its id, date, author, text and link."""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parseaddr
from typing import Any
from urllib.parse import parse_qs, urlsplit

from listeners.convert import html_to_text, in_range, parse_time


def entry_id(url: str, entry: Any) -> str:
    raw = entry.get("id") or entry.get("link")
    if not raw:
        basis = f"{entry.get('title', '')}\n{entry.get('summary', '')}"
        raw = "sha256:" + hashlib.sha256(basis.encode()).hexdigest()[:32]
        return f"{url}#{raw}"
    raw = str(raw).strip()
    # Ids like "1" are only unique inside one feed; URLs and URNs are global.
    return raw if ":" in raw else f"{url}#{raw}"


def entry_time(entry: Any) -> datetime | None:
    return _first_time(entry, ("published_parsed", "updated_parsed", "created_parsed"))


def feed_time(feed: Any, now: datetime, polled: object) -> datetime | None:
    """The feed's own date (Atom ``updated``, RSS ``lastBuildDate`` then ``pubDate``) for
    entries without one, never after ``now``; None when missing, or when it is not after
    the previous poll (``polled``): entries new since then cannot be that old."""
    when = _first_time(feed, ("updated_parsed", "published_parsed"))
    if when is None:
        return None
    before = parse_time(polled) if isinstance(polled, str) else None
    if before is not None and when <= before:
        return None
    return min(when, now)


def undated_note(undated: Mapping[str, int]) -> str:
    count = sum(undated.values())
    feeds = list(undated)
    shown = ", ".join(feeds[:3]) + (f" and {len(feeds) - 3} more" if len(feeds) > 3 else "")
    one = count == 1
    return (
        f"{count} new {'entry' if one else 'entries'} in {shown} "
        f"{'carries' if one else 'carry'} no date (nor does the feed); "
        f"stored with this poll's time as {'its' if one else 'their'} date"
    )


def _first_time(parsed: Any, keys: tuple[str, ...]) -> datetime | None:
    for key in keys:
        value = dict.get(parsed, key)  # not .get: feedparser maps missing date keys
        if isinstance(value, time.struct_time):
            try:
                when = in_range(datetime(*value[:6], tzinfo=UTC))
            except (ValueError, OverflowError):
                continue
            if when is not None:
                return when
    return None


def entry_author(entry: Any) -> tuple[str | None, str | None]:
    """The entry author's (name, e-mail). feedparser cuts an RSS ``<author>`` address
    whose top-level domain is longer than four letters ("jo@melbeats.example (Jo)" gives
    "jo@melbeats.exam" and the name "ple (Jo"): such an address is read again whole."""
    detail = entry.get("author_detail") or {}
    name, email, raw = detail.get("name"), detail.get("email"), entry.get("author") or ""
    if email and re.search(re.escape(email) + r"[\w.-]", raw):
        name, email = parseaddr(raw)
        email = email if "@" in email else None
    return name or (None if email else raw) or None, email or None


def entry_text(entry: Any) -> str:
    contents = entry.get("content") or []
    candidates = [c.get("value", "") for c in contents] + [entry.get("summary", "")]
    best = max(candidates, key=len, default="")
    return html_to_text(best)


def unwrap_redirect(link: str | None) -> str | None:
    """Google Alerts links go through google.com/url?url=REAL; store the real URL."""
    if not link:
        return None
    parts = urlsplit(link)
    if (parts.hostname or "").endswith("google.com") and parts.path == "/url":
        target = parse_qs(parts.query).get("url")
        if target and target[0].startswith(("http://", "https://")):
            return target[0]
    return link
