"""Time zones as config names them (IANA names such as Asia/Jakarta)."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def known_zone(value: str) -> str:
    """``value`` when it names a time zone; ValueError saying what to write otherwise."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("unknown time zone; use an IANA name like Asia/Jakarta") from None
    return value
