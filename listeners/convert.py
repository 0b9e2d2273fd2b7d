"""Turn platform values into Simak's: HTML into plain text, timestamps into UTC."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime, tzinfo
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from typing import Any

#: Times outside this range are unreadable: a typo, a sentinel, or an attempt to overflow.
EARLIEST = datetime(1980, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
#: Tags that end a line, and table cells that end a word: without them, "<h5>Kopi
#: Senja</h5>enak" or "<td>Kopi Senja</td><td>enak</td>" reads "Kopi Senjaenak" and no
#: whole-word brand term matches it.
_BLOCK_TAGS = frozenset(
    {"p", "br", "div", "li", "blockquote", "tr", "dt", "dd", "pre", "hr"}
    | {"h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "dl", "table", "caption"}
    | {"section", "article", "header", "footer", "aside", "nav", "figure", "figcaption"}
    | {"address", "main", "summary", "details"}
)
_CELL_TAGS = frozenset({"td", "th"})
_SPACES = re.compile(r"[ \t\r\f\v]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0  # inside <script>/<style>, whose text is not prose

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")
        elif tag in _CELL_TAGS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_to_text(markup: str | None) -> str:
    """Readable plain text from an HTML fragment (tags dropped, entities decoded)."""
    if not markup:
        return ""
    if "<" not in markup:
        return _tidy(html.unescape(markup))
    parser = _TextExtractor()
    parser.feed(markup)
    parser.close()
    return _tidy("".join(parser.parts))


def _tidy(text: str) -> str:
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def as_utc(value: datetime, naive: tzinfo = UTC) -> datetime:
    """A timezone-aware UTC datetime; naive values are taken to be in ``naive`` (UTC unless
    the caller knows better, e.g. the business's time zone for a spreadsheet export).

    Raises OverflowError for times that do not exist in UTC (year 1 at +14:00).
    """
    if value.tzinfo is None:
        value = value.replace(tzinfo=naive)
    return value.astimezone(UTC)


def in_range(value: datetime | None) -> datetime | None:
    """``value`` when it lies between :data:`EARLIEST` and :data:`LATEST`, else None."""
    return value if value is not None and EARLIEST <= value <= LATEST else None


def parse_time(value: Any, naive: tzinfo = UTC) -> datetime | None:
    """A UTC datetime from ISO 8601 text, epoch seconds, RFC 2822 text ("Fri, 20 Nov 2026
    14:30:00 +0700", also X's classic "Wed Oct 10 20:19:24 +0000 2018"), or a datetime.
    A time without an offset ("2026-11-20 14:30") is taken to be in ``naive``.

    None when unreadable or outside :data:`EARLIEST`..:data:`LATEST`; never raises.
    """
    if value is None or value == "":
        return None
    try:
        return in_range(_parse(value, naive))
    except (OverflowError, OSError, ValueError):
        return None


def require_time(value: Any, what: str = "created_at") -> datetime:
    """Like :func:`parse_time`, but a ValueError naming the field and value when unreadable."""
    parsed = parse_time(value)
    if parsed is None:
        raise ValueError(f"unreadable or out-of-range {what} {str(value)[:40]!r}")
    return parsed


def _parse(value: Any, naive: tzinfo) -> datetime | None:
    if isinstance(value, datetime):
        return as_utc(value, naive)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _from_epoch(float(value))
    if not isinstance(value, str) or len(value) > 64:
        return None
    text = value.strip()
    if re.fullmatch(r"-?\d+(\.\d+)?", text):
        return _from_epoch(float(text))
    try:
        iso = text.replace("Z", "+00:00").replace("z", "+00:00")
        return as_utc(datetime.fromisoformat(iso), naive)
    except ValueError:
        if not re.match(r"[A-Za-z]{3}", text):
            raise
        return as_utc(parsedate_to_datetime(text), naive)  # e-mail / RSS / X v1.1 exports


def _from_epoch(seconds: float) -> datetime:
    if seconds > 1e11:  # milliseconds, as JavaScript-based exporters write them
        seconds /= 1000.0
    return datetime.fromtimestamp(seconds, UTC)


def to_json(payload: Any) -> str:
    """The original item as JSON text for ``Mention.raw_json``; unknown types become strings."""
    return json.dumps(payload, ensure_ascii=False, default=str, sort_keys=True)
