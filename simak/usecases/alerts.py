"""Spike alerts: per brand, today's complaints against their baseline (simak.usecases.spikes);
a spike is claimed once per brand, label and business day (a constraint) and sent at once to
the team through the digest's channel (email or webhook). Recorded either way."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from simak.app import App
from simak.usecases.digest import send_to_team
from simak.usecases.spikes import Verdict, judge_day
from storage import alerts
from storage.alerts import AlertRow, SpikeClaim

#: Labels that alert at once (praise and idea spikes belong in the digest).
ALERT_LABELS = ("complaint",)
_HISTORY_DAYS = 28


@dataclass(frozen=True, slots=True)
class AlertResult:
    """What one check found for one brand and label."""

    brand: str
    label: str
    day: str
    outcome: str  # quiet, sent, noted, already_alerted, cooling_down, failed, unknown
    detail: str
    verdict: Verdict


def check_spikes(app: App, brand: str | None = None) -> list[AlertResult]:
    """Test today's count of each alerting label for every brand (or ``brand``)."""
    brands = [b.name for b in app.settings.brands if brand in (None, b.name)]
    return [_check(app, name, label) for name in brands for label in ALERT_LABELS]


def _check(app: App, brand: str, label: str) -> AlertResult:
    now = app.clock()
    zone = app.settings.zone
    today = now.astimezone(zone).date()
    start = today - timedelta(days=_HISTORY_DAYS)
    with app.db.read() as session:
        counts = alerts.daily_counts(session, brand, label, start, zone)
        alerted = alerts.alert_days(session, brand, label, start)
    # earlier alert days are left out of the baseline: one spike does not hide the next
    history = [
        None if d in alerted else counts.get(d, 0)
        for d in (today - timedelta(days=i) for i in range(1, _HISTORY_DAYS + 1))
    ]
    verdict = judge_day(counts.get(today, 0), history)
    day = today.isoformat()
    if not verdict.spike:
        return AlertResult(brand, label, day, "quiet", "no spike", verdict)
    if today in alerted:
        return AlertResult(brand, label, day, "already_alerted", "alerted today already", verdict)
    if today - timedelta(days=1) in alerted:
        return AlertResult(brand, label, day, "cooling_down", "alerted yesterday", verdict)
    return _raise(app, SpikeClaim(brand, label, today, *_numbers(verdict)), verdict, now)


def _numbers(v: Verdict) -> tuple[int, float, float, str]:
    return v.observed, v.baseline, v.p_value, v.method


def _raise(app: App, spike: SpikeClaim, verdict: Verdict, now: datetime) -> AlertResult:
    day = spike.day.isoformat()
    with app.db.session() as session:
        alert_id = alerts.claim(session, spike, app.holder, now)
    if alert_id is None:
        return AlertResult(
            spike.brand, spike.label, day, "already_alerted", "another run alerted", verdict
        )
    if app.settings.digest is None:
        detail = "recorded; no channel configured (add `digest:` to send alerts)"
        with app.db.session() as session:
            alerts.finish(session, alert_id, "noted", detail, app.clock())
        return AlertResult(spike.brand, spike.label, day, "noted", detail, verdict)
    subject, body = _message(app, spike)
    outcome, detail = send_to_team(
        app, f"simak-alert-{spike.brand}-{spike.label}-{day}", subject, body
    )
    with app.db.session() as session:
        if outcome == "failed":
            alerts.release(session, alert_id)  # provably not sent: the next check tries again
        else:
            alerts.finish(session, alert_id, outcome, detail, app.clock())
    return AlertResult(spike.brand, spike.label, day, outcome, detail, verdict)


def _message(app: App, spike: SpikeClaim) -> tuple[str, str]:
    label = app.settings.brand(spike.brand).label
    word = {"en": "complaints", "id": "keluhan"}
    lang = app.settings.digest.lang if app.settings.digest else "en"
    if lang == "id":
        subject = f"Lonjakan {word['id']} — {label} — {spike.day.isoformat()}"
        body = (
            f"Hari ini {spike.observed} {word['id']} untuk {label}; biasanya sekitar "
            f"{spike.baseline:.1f} per hari (p = {spike.p_value:.2g}).\n"
            "Lihat antrean: simak queue\n"
        )
    else:
        subject = f"Spike in {word['en']} — {label} — {spike.day.isoformat()}"
        body = (
            f"{spike.observed} {word['en']} about {label} today; usually about "
            f"{spike.baseline:.1f} a day (p = {spike.p_value:.2g}).\n"
            "See the queue: simak queue\n"
        )
    return subject, body


def list_alerts(app: App, brand: str | None = None, days: int | None = None) -> list[AlertRow]:
    """Recorded alerts, newest first (only the last ``days`` when given)."""
    since = app.clock() - timedelta(days=days) if days else None
    with app.db.read() as session:
        return alerts.listing(session, brand, since)
