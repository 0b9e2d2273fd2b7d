"""Who asked for an idea: unique people by language and channel, regulars against new
customers, and posts per week — the evidence an owner weighs before deciding."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from simak.app import App
from storage.idea_board import GroupMember, GroupView, distinct_people

WEEKS = 8


@dataclass(frozen=True, slots=True)
class Breakdown:
    """One group's evidence, in unique people (a person on two platforms counts once)."""

    people_by_language: dict[str, int]
    people_by_channel: dict[str, int]
    regulars: int  # people with enough praise lately (responder.reminders' test)
    newcomers: int  # everyone else who asked
    weekly_posts: list[tuple[date, int]]  # Monday of each of the last WEEKS weeks → posts


def _people_by(members: list[GroupMember], key: str) -> dict[str, int]:
    groups: dict[str, list[GroupMember]] = {}
    for m in members:
        groups.setdefault(str(getattr(m, key) or "und"), []).append(m)
    counts = {k: len(distinct_people(v)) for k, v in groups.items()}
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _weekly(members: list[GroupMember], now: datetime) -> list[tuple[date, int]]:
    """Posts per week (Monday first, in ``now``'s time zone), oldest of WEEKS first."""
    this_monday = now.date() - timedelta(days=now.weekday())
    mondays = [this_monday - timedelta(weeks=w) for w in range(WEEKS - 1, -1, -1)]
    days = [m.created_at.astimezone(now.tzinfo).date() for m in members]
    counts = Counter(day - timedelta(days=day.weekday()) for day in days)
    return [(monday, counts.get(monday, 0)) for monday in mondays]


def breakdown(app: App, group: GroupView) -> Breakdown:
    """The evidence of ``group`` (as :func:`simak.usecases.idea_board.show` reads it, its
    regulars counted) as of now, in the business's time zone."""
    now = app.clock().astimezone(app.settings.zone)
    everyone = distinct_people(group.members)
    return Breakdown(
        people_by_language=_people_by(group.members, "lang"),
        people_by_channel=_people_by(group.members, "platform"),
        regulars=group.regulars,  # counted when the board read the group
        newcomers=len(everyone) - group.regulars,
        weekly_posts=_weekly(group.members, now),
    )
