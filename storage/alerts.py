"""Spike alerts: daily counts per label, and "one alert per brand, label and day".

The day is claimed by inserting (brand, label, day) under a unique constraint before
anything is sent, so overlapping runs (cron twice, two workers) raise one alert; a claim is
released only when the send provably did not happen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from storage.dialect import insert
from storage.models import Alert, ClassificationRow, MentionRow


@dataclass(frozen=True, slots=True)
class AlertRow:
    """One recorded alert, as `simak alerts` lists it."""

    id: int
    brand: str
    label: str
    day: str
    observed: int
    baseline: float
    p_value: float
    method: str
    status: str
    created_at: datetime
    detail: str | None


@dataclass(frozen=True, slots=True)
class SpikeClaim:
    """What a new alert claims: the day's count against its baseline."""

    brand: str
    label: str
    day: date
    observed: int
    baseline: float
    p_value: float
    method: str


def daily_counts(
    session: Session, brand: str, label: str, start: date, zone: ZoneInfo
) -> dict[date, int]:
    """Posts of ``brand`` labelled ``label`` per business day from ``start`` on."""
    since = datetime.combine(start, datetime.min.time(), zone)
    rows = session.execute(
        select(MentionRow.created_at, ClassificationRow.labels)
        .join(
            ClassificationRow,
            (ClassificationRow.mention_id == MentionRow.id) & ClassificationRow.is_current,
        )
        .where(MentionRow.brand == brand, MentionRow.created_at >= since)
    ).all()
    out: dict[date, int] = {}
    for created, labels in rows:
        if label in (labels or ()):
            day = created.astimezone(zone).date()
            out[day] = out.get(day, 0) + 1
    return out


def alert_days(session: Session, brand: str, label: str, since: date) -> set[date]:
    """Days ``brand`` already alerted on ``label`` (from ``since``)."""
    rows = session.scalars(
        select(Alert.day).where(
            Alert.brand == brand, Alert.label == label, Alert.day >= since.isoformat()
        )
    )
    return {date.fromisoformat(d) for d in rows}


def claim(session: Session, spike: SpikeClaim, holder: str, now: datetime) -> int | None:
    """Take the day's alert; None when it was taken already (sent, or being sent)."""
    return session.execute(
        insert(session, Alert)
        .values(
            brand=spike.brand,
            label=spike.label,
            day=spike.day.isoformat(),
            observed=spike.observed,
            baseline=spike.baseline,
            p_value=spike.p_value,
            method=spike.method,
            status="sending",
            holder=holder,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["brand", "label", "day"])
        .returning(Alert.id)
    ).scalar_one_or_none()


def finish(session: Session, alert_id: int, status: str, detail: str, now: datetime) -> None:
    """Record how it ended: sent, noted (no channel), unknown."""
    session.execute(
        update(Alert)
        .where(Alert.id == alert_id, Alert.status == "sending")
        .values(status=status, detail=detail, sent_at=now)
    )


def release(session: Session, alert_id: int) -> None:
    """Give the day back: the send provably did not happen."""
    session.execute(delete(Alert).where(Alert.id == alert_id, Alert.status == "sending"))


def listing(session: Session, brand: str | None, since: datetime | None) -> list[AlertRow]:
    """Recorded alerts, newest first."""
    query = select(Alert).order_by(Alert.day.desc(), Alert.id.desc())
    if brand is not None:
        query = query.where(Alert.brand == brand)
    if since is not None:
        query = query.where(Alert.created_at >= since)
    return [
        AlertRow(
            a.id,
            a.brand,
            a.label,
            a.day,
            a.observed,
            a.baseline,
            a.p_value,
            a.method,
            a.status,
            a.created_at,
            a.detail,
        )
        for a in session.scalars(query)
    ]
