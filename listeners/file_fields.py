"""Export records as mentions: which key or column holds what, and the conversion.

A record is a JSONL object or a CSV row (as a dict of header → cell). Dotted keys
(``user.name``) reach into nested JSON objects.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from datetime import UTC, datetime, tzinfo
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from listeners.base import Author, Mention
from listeners.convert import as_utc, in_range, parse_time, to_json
from listeners.matching import BrandMatcher


class FileFields(BaseModel):
    """Which column (CSV) or key (JSONL; dotted paths like ``user.name`` work) holds what."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(default="id", description="Unique id of the item; a content hash when absent.")
    text: str = Field(default="text", description="The post text (required on every row).")
    title: str = Field(default="title", description="Optional title (forum threads, reviews).")
    created_at: str = Field(
        default="created_at",
        description="ISO 8601, RFC 2822, epoch seconds/ms or a numeric date such as "
        "'05/12/2026 19:30' (options.date_order); the file's mtime when absent; "
        "a time without an offset is in options.timezone.",
    )
    url: str = Field(default="url", description="Link to the original post.")
    lang: str = Field(default="lang", description="Language code the exporting tool reported.")
    platform: str = Field(
        default="platform",
        description="Platform of the row (e.g. 'x'); options.platform when absent.",
    )
    author: str = Field(default="author", description="Author handle (@name, u/name).")
    author_id: str = Field(
        default="author_id", description="Stable platform user id of the author."
    )
    author_name: str = Field(default="author_name", description="Author display name.")
    author_url: str = Field(default="author_url", description="Author profile URL.")
    author_email: str = Field(default="author_email", description="Author email address, if known.")


def record_mention(
    record: Mapping[str, Any],
    fields: FileFields,
    matcher: BrandMatcher,
    *,
    source: str,
    platform: str,
    mtime: datetime,
    zone: tzinfo = UTC,
    date_order: DateOrder = "dmy",
) -> tuple[Mention | None, str | None]:
    """(the mention, None), (None, None) when no brand matches, or (None, the problem).
    A time without an offset is taken to be in ``zone``; a numeric date such as
    ``05/12/2026`` is read day first or month first as ``date_order`` says."""
    f = fields
    raw_text = _get(record, f.text)
    text = _text(raw_text)
    if not text:  # a blank post is said as such: "missing" sends people to the mapping
        return None, f"{f.text!r} is blank" if isinstance(raw_text, str) else f"missing {f.text!r}"
    title = _text(_get(record, f.title)) or None
    brand = matcher.match(title, text)
    if brand is None:
        return None, None
    raw_time = _get(record, f.created_at)
    created = _record_time(raw_time, zone, date_order) if raw_time not in (None, "") else mtime
    if created is None:
        return None, _time_problem(f.created_at, raw_time)
    row_platform = _text(_get(record, f.platform))[:64] or platform
    author = Author(
        platform=row_platform,
        user_id=_text(_get(record, f.author_id)) or None,
        handle=_text(_get(record, f.author)) or None,
        display_name=_text(_get(record, f.author_name)) or None,
        profile_url=_text(_get(record, f.author_url)) or None,
        email=_text(_get(record, f.author_email)) or None,
    )
    raw_id = _text(_get(record, f.id))
    external_id = raw_id or _content_id(text, author.key, _text(raw_time))
    return Mention(
        platform=row_platform,
        external_id=external_id,
        source=source,
        brand=brand,
        text=text,
        author=author,
        created_at=created,
        url=_text(_get(record, f.url)) or None,
        title=title,
        lang_hint=_text(_get(record, f.lang)) or None,
        raw_json=to_json(dict(record)),
    ), None


DateOrder = Literal["dmy", "mdy"]
"""How a numeric date is read: day first (05/12/2026 is 5 December) or month first."""

#: A spreadsheet's numeric date and optional time: 05/12/2026, 5.12.2026 19:30,
#: 12/05/2026 7:30 PM, 05-12-2026 19:30:05.
_NUMERIC_DATE = re.compile(
    r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})"
    r"(?:[ T,]+(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?\s*([AaPp][Mm])?)?"
)


def _record_time(raw: Any, zone: tzinfo, date_order: DateOrder) -> datetime | None:
    """The record's time in UTC, or None when unreadable (see :func:`parse_time`)."""
    match = _NUMERIC_DATE.fullmatch(raw.strip()) if isinstance(raw, str) else None
    if match is None:
        return parse_time(raw, zone)
    first, second, year, hour, minute, sec, half = match.groups()
    day, month = (first, second) if date_order == "dmy" else (second, first)
    if int(month) > 12 >= int(day):  # only the other order fits (25/12 in an mdy file): read so
        day, month = month, day
    hours = int(hour or 0)
    if half and not 1 <= hours <= 12:
        return None
    if half:
        hours = hours % 12 + (12 if half.lower() == "pm" else 0)
    try:
        local = datetime(int(year), int(month), int(day), hours, int(minute or 0), int(sec or 0))
        return in_range(as_utc(local, zone))
    except (OverflowError, ValueError):
        return None


def _time_problem(key: str, raw: Any) -> str:
    """Why a record's time was not read."""
    return f"unreadable or out-of-range {key!r} value {str(raw)[:40]!r}"


def _walk(record: Mapping[str, Any], key: str) -> tuple[bool, Any]:
    """Whether ``record`` has ``key`` (a dotted path reaches into objects), and its value."""
    if key in record:
        return True, record[key]
    value: Any = record
    for part in key.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return False, None
        value = value[part]
    return True, value


def _get(record: Mapping[str, Any], key: str) -> Any:
    return _walk(record, key)[1]


def _text(value: Any) -> str:
    if value is None or isinstance(value, dict | list):
        return ""
    return str(value).strip()


def _content_id(text: str, author: str, when: str) -> str:
    # The raw time text, not the parsed fallback (file mtime), so appends keep ids stable.
    digest = hashlib.sha256(f"{author}\n{when}\n{text}".encode()).hexdigest()
    return f"sha256:{digest[:32]}"


#: Keys exporters commonly put the post text under, offered when options.fields.text is wrong.
_TEXT_KEYS = (
    "text",
    "full_text",
    "body",
    "content",
    "message",
    "selftext",
    "caption",
    "comment",
    "review",
    "description",
    "post",
    "tweet",
)


def has_key(record: Mapping[str, Any], key: str) -> bool:
    """True when ``record`` has ``key`` (a dotted path reaches into objects), even if empty."""
    return _walk(record, key)[0]


def missing_key_problem(record: Mapping[str, Any], key: str, where: str) -> str:
    """One line for records that lack the text key altogether: the keys they have and the
    ``options.fields.text`` that would read them."""
    keys = [str(k) for k in record]
    shown = ", ".join(repr(k) for k in keys[:12]) + (", …" if len(keys) > 12 else "")
    hint = "set options.fields.text to the key that holds the post text"
    nested = [f"{k}.{key}" for k, v in record.items() if isinstance(v, Mapping) and key in v]
    same = [k for k in keys if k.casefold() == key.casefold()]
    likely = [k for k in _TEXT_KEYS if k in record and k != key]
    if same or nested:
        hint = f"set options.fields.text to {(same or nested)[0]!r}"
    elif likely:
        hint = f"set options.fields.text to {likely[0]!r} if that holds the post text"
    return f"no {key!r} key in {where} (keys: {shown}); {hint} (they are read then)"
