"""Spike alerts: daily label counts, and "one alert per brand and label per cool-down".

An alert is claimed before anything is sent: under a per-(brand, label) lock (advisory on
PostgreSQL; SQLite's writers already run one at a time) the claim checks that no alert of
that brand and label was claimed in the cool-down before ``now``, then inserts its row
((brand, label, day) stays unique as well). Overlapping runs therefore raise one alert; a
claim is released only when the send provably did not happen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from storage.dialect import advisory_lock, insert
from storage.digests import one_line
from storage.models import Alert, ClassificationRow, MentionRow


@dataclass(frozen=True, slots=True)
class AlertRow:
    """A stored alert."""

    id: int
    brand: str
    label: str
    day: str
    observed: int
    expected: float
    p_value: float
    status: str
    detail: str | None
    created_at: datetime


def daily_counts(
    session: Session, brand: str, label: str, since: datetime, until: datetime, zone: ZoneInfo
) -> tuple[dict[date, int], date | None]:
    """Posts of ``brand`` carrying ``label`` per day (in ``zone``) posted in [since, until),
    and the day of the brand's first post ever (None: no posts at all). ``critical``
    counts complaints of critical severity."""
    rows = session.execute(
        select(MentionRow.created_at, ClassificationRow.labels, ClassificationRow.severity)
        .join(
            ClassificationRow,
            (ClassificationRow.mention_id == MentionRow.id) & ClassificationRow.is_current,
        )
        .where(MentionRow.brand == brand, MentionRow.created_at >= since)
        .where(MentionRow.created_at < until)
    ).all()
    counts: dict[date, int] = {}
    for created, labels, severity in rows:
        if label in (labels or ()) or (label == "critical" and severity == "critical"):
            day = created.astimezone(zone).date()
            counts[day] = counts.get(day, 0) + 1
    first = session.scalar(select(func.min(MentionRow.created_at)).where(MentionRow.brand == brand))
    return counts, first.astimezone(zone).date() if first is not None else None


def said_on(
    session: Session, brand: str, label: str, day: date, zone: ZoneInfo, limit: int = 3
) -> list[str]:
    """What some of ``day``'s posts of ``label`` say (no names: the queue has those), the
    most severe first, each one short line: what the spike is about, at a glance."""
    start = datetime.combine(day, datetime.min.time(), zone)
    rows = session.execute(
        select(
            MentionRow.text,
            MentionRow.created_at,
            ClassificationRow.labels,
            ClassificationRow.severity,
            ClassificationRow.severity_score,
        )
        .join(
            ClassificationRow,
            (ClassificationRow.mention_id == MentionRow.id) & ClassificationRow.is_current,
        )
        .where(MentionRow.brand == brand, MentionRow.created_at >= start)
        .where(MentionRow.created_at < start + timedelta(days=1))
    ).all()
    rank = {"critical": 0, "high": 1}
    found = sorted(
        (
            (rank.get(severity or "", 2), -(score or 0.0), created, text)
            for text, created, labels, severity, score in rows
            if label in (labels or ()) or (label == "critical" and severity == "critical")
        ),
        key=lambda r: r[:3],
    )
    return [one_line(text, 140) for *_, text in found[:limit]]


def alerted_days(session: Session, brand: str, label: str, since: date) -> set[date]:
    """Days that already raised an alert for ``brand`` and ``label``."""
    days = session.scalars(
        select(Alert.day).where(
            Alert.brand == brand, Alert.label == label, Alert.day >= since.isoformat()
        )
    )
    return {date.fromisoformat(d) for d in days}


def last_claimed(session: Session, brand: str, label: str) -> datetime | None:
    """When the latest alert of ``brand`` and ``label`` was claimed (None: never)."""
    return session.scalar(
        select(func.max(Alert.created_at)).where(Alert.brand == brand, Alert.label == label)
    )


def claim(
    session: Session,
    brand: str,
    label: str,
    day: date,
    figures: tuple[int, float, float],
    holder: str,
    now: datetime,
    cool_down: timedelta,
) -> int | None:
    """Take the alert for (brand, label, day); None when another run took that day, or any
    alert of ``brand`` and ``label`` was claimed less than ``cool_down`` before ``now``."""
    advisory_lock(session, f"simak-alert:{brand}:{label}")
    last = last_claimed(session, brand, label)
    if last is not None and now - last < cool_down:
        return None
    observed, expected, p_value = figures
    return session.execute(
        insert(session, Alert)
        .values(
            brand=brand,
            label=label,
            day=day.isoformat(),
            observed=observed,
            expected=expected,
            p_value=p_value,
            status="sending",
            holder=holder,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["brand", "label", "day"])
        .returning(Alert.id)
    ).scalar_one_or_none()


def finish(session: Session, alert_id: int, status: str, detail: str, now: datetime) -> None:
    """Record how it ended: sent, or recorded (listed only: no team channel configured)."""
    session.execute(
        update(Alert).where(Alert.id == alert_id).values(status=status, detail=detail, sent_at=now)
    )


def release(session: Session, alert_id: int) -> None:
    """Give the day back: the send provably did not happen (a later run tries again)."""
    session.execute(delete(Alert).where(Alert.id == alert_id, Alert.status == "sending"))


def recent(session: Session, since: datetime, brand: str | None = None) -> list[AlertRow]:
    """Alerts raised since ``since`` (of ``brand`` only, when given), newest first."""
    query = select(Alert).where(Alert.created_at >= since)
    if brand is not None:
        query = query.where(Alert.brand == brand, Alert.status.in_(("sent", "recorded")))
    rows = session.scalars(query.order_by(Alert.day.desc(), Alert.id.desc()))
    return [
        AlertRow(
            a.id,
            a.brand,
            a.label,
            a.day,
            a.observed,
            a.expected,
            a.p_value,
            a.status,
            a.detail,
            a.created_at,
        )
        for a in rows
    ]


def window_start(day: date, days: int, zone: ZoneInfo) -> datetime:
    """The start of the day ``days`` before ``day`` in ``zone``."""
    return datetime.combine(day - timedelta(days=days), datetime.min.time(), zone)
