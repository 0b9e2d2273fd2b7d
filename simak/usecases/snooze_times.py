"""When a snoozed follow-up comes back: "tomorrow", "monday", "3d", "2026-12-10 14:00"…

Staff think in working mornings, not in hours: "snooze until tomorrow" means tomorrow at
the start of the working day in the business's time zone, not 24 hours from now (a
follow-up snoozed at 16:30 should not come back at 16:30 the next day, after the morning
triage). Weekday names are read in English and Indonesian.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from common.errors import UsageError

MORNING = time(9, 0)  # when a day-long snooze ends, in the business's time zone
LONGEST = timedelta(days=366)
_DAYS = {
    **{d: i for i, d in enumerate(("monday", "tuesday", "wednesday", "thursday", "friday"))},
    "saturday": 5,
    "sunday": 6,
    **{d: i for i, d in enumerate(("senin", "selasa", "rabu", "kamis", "jumat", "sabtu"))},
    "minggu": 6,
    "jum'at": 4,
}
_UNITS = {"m": 1 / 60, "min": 1 / 60, "h": 1, "d": 24, "w": 24 * 7}
_SPAN = re.compile(r"(\d+(?:\.\d+)?)\s*(min|m|h|d|w)")
#: What the console offers (value for :func:`snooze_end`, what staff read), first = default.
CHOICES = (
    ("tomorrow", "until tomorrow 09:00 · besok pagi"),
    ("4h", "for 4 hours · 4 jam"),
    ("3d", "for 3 days · 3 hari"),
    ("next-week", "until Monday 09:00 · minggu depan"),
)
EXAMPLES = "tomorrow, monday (or senin), next-week, 4h, 3d, 2w, 2026-12-10 or 2026-12-10 14:00"


def snooze_end(when: str, now: datetime, zone: ZoneInfo) -> datetime:
    """The moment (UTC-aware) a snooze of ``when`` ends, said at ``now``.

    ``tomorrow`` / ``besok`` and a weekday name (the next one after today) end at
    :data:`MORNING` local time; ``next-week`` / ``minggu-depan`` next Monday morning;
    ``4h``, ``3d``, ``90m``, ``2w`` from now; a date (morning) or date and time, in the
    business's time zone unless it names its own offset. A usage error names the forms.
    """
    said = " ".join(when.strip().lower().split())
    today = now.astimezone(zone).date()
    until = _named(said, today, zone) or _span(said, now) or _moment(said, zone)
    if until is None:
        raise UsageError(f"snooze until {when!r}? say when, e.g. {EXAMPLES}")
    if until <= now:
        raise UsageError(f"snooze until {when!r}: that is not in the future; e.g. {EXAMPLES}")
    if until - now > LONGEST:
        raise UsageError(f"snooze until {when!r}: at most a year ahead")
    return until


def _morning(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, MORNING, tzinfo=zone)


def _named(said: str, today: date, zone: ZoneInfo) -> datetime | None:
    """``tomorrow``, ``next-week`` or a weekday name; None for anything else."""
    if said in ("tomorrow", "besok"):
        return _morning(today + timedelta(days=1), zone)
    if said in ("next-week", "next week", "minggu-depan", "minggu depan"):
        return _morning(today + timedelta(days=7 - today.weekday()), zone)
    weekday = _DAYS.get(said)
    if weekday is None:
        return None
    ahead = (weekday - today.weekday()) % 7 or 7  # "monday" on a Monday: the next one
    return _morning(today + timedelta(days=ahead), zone)


def _span(said: str, now: datetime) -> datetime | None:
    """``90m``, ``4h``, ``3d``, ``2w`` (also ``1.5h``) from now; None for anything else."""
    match = _SPAN.fullmatch(said)
    if match is None:
        return None
    return now + timedelta(hours=float(match.group(1)) * _UNITS[match.group(2)])


def _moment(said: str, zone: ZoneInfo) -> datetime | None:
    """An ISO date (its morning) or date and time (local unless it has an offset)."""
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", said):
            return _morning(date.fromisoformat(said), zone)
        moment = datetime.fromisoformat(said.upper().replace(" ", "T", 1))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)
