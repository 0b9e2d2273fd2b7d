"""When a snooze ends: working mornings in the business's time zone, not "24 h from now"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from common.errors import UsageError
from simak.usecases.snooze_times import CHOICES, snooze_end

WIB = ZoneInfo("Asia/Jakarta")
# Friday 2026-12-04, 16:30 in Jakarta (09:30 UTC)
FRIDAY_AFTERNOON = datetime(2026, 12, 4, 16, 30, tzinfo=WIB).astimezone(UTC)


def local(at: datetime) -> str:
    return at.astimezone(WIB).strftime("%a %Y-%m-%d %H:%M")


@pytest.mark.parametrize(
    ("when", "back"),
    [
        ("tomorrow", "Sat 2026-12-05 09:00"),  # the next morning, not 16:30 tomorrow
        ("Besok", "Sat 2026-12-05 09:00"),
        ("monday", "Mon 2026-12-07 09:00"),
        ("senin", "Mon 2026-12-07 09:00"),
        ("friday", "Fri 2026-12-11 09:00"),  # said on a Friday: the next one
        ("jumat", "Fri 2026-12-11 09:00"),
        ("next-week", "Mon 2026-12-07 09:00"),
        ("minggu depan", "Mon 2026-12-07 09:00"),
        ("minggu", "Sun 2026-12-06 09:00"),  # alone, Indonesian for Sunday
        ("4h", "Fri 2026-12-04 20:30"),
        ("90m", "Fri 2026-12-04 18:00"),
        ("1.5h", "Fri 2026-12-04 18:00"),
        ("3d", "Mon 2026-12-07 16:30"),
        ("2w", "Fri 2026-12-18 16:30"),
        ("2026-12-10", "Thu 2026-12-10 09:00"),
        ("2026-12-10 14:00", "Thu 2026-12-10 14:00"),
        ("2026-12-10T14:00+00:00", "Thu 2026-12-10 21:00"),  # its own offset wins
    ],
)
def test_snooze_end_reads_what_staff_say(when: str, back: str) -> None:
    assert local(snooze_end(when, FRIDAY_AFTERNOON, WIB)) == back


def test_a_morning_is_the_business_s_morning() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    until = snooze_end("tomorrow", FRIDAY_AFTERNOON, berlin)  # 10:30 in Berlin
    assert until.astimezone(berlin).strftime("%a %H:%M") == "Sat 09:00"
    assert until == datetime(2026, 12, 5, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("when", "said"),
    [
        ("later", "say when, e.g. tomorrow, monday"),
        ("", "say when"),
        ("3 parsecs", "say when"),
        ("2026-13-40", "say when"),
        ("2026-12-01", "not in the future"),
        ("0h", "not in the future"),
        ("2028-01-01", "at most a year ahead"),
        ("60w", "at most a year ahead"),
    ],
)
def test_a_time_that_cannot_be_a_snooze_is_a_usage_error(when: str, said: str) -> None:
    with pytest.raises(UsageError, match=said):
        snooze_end(when, FRIDAY_AFTERNOON, WIB)


def test_every_console_choice_is_understood() -> None:
    for value, _text in CHOICES:
        until = snooze_end(value, FRIDAY_AFTERNOON, WIB)
        assert FRIDAY_AFTERNOON < until <= FRIDAY_AFTERNOON + timedelta(days=7)


def test_an_aware_moment_in_another_zone_is_kept() -> None:
    east = timezone(timedelta(hours=9))
    until = snooze_end("2026-12-05T08:00+09:00", FRIDAY_AFTERNOON, WIB)
    assert until == datetime(2026, 12, 5, 8, 0, tzinfo=east)
