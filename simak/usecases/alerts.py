"""Spike alerts: when a brand gets unusually many complaints (or other watched labels) in
a day, the team hears it at once — once per spike: never twice for one day (a constraint),
and not again for the same brand and label within 24 hours of the last alert (checked under
a database lock when the alert is claimed). A wave that goes on the next day alerts again,
after those 24 hours, only if it is still growing (more than the alerted day) and still
improbable. Spikes of the digest labels (praise and ideas by default) are recorded the same
way and reported in the next digest instead."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from responder.spikes import Spike, SpikeRule, assess
from simak.app import App
from simak.config import AlertsConfig
from simak.usecases.team import send_to_team
from storage import alerts
from storage.alerts import AlertRow

#: No second alert for a brand and label within this long of the last one.
COOL_DOWN = timedelta(hours=24)

#: What the team calls each watched label, per language (alerts and the digest).
LABEL_NAMES = {
    "en": {
        "complaint": "complaint",
        "critical": "critical complaint",
        "praise": "praise",
        "idea": "idea",
    },
    "id": {"complaint": "keluhan", "critical": "keluhan kritis", "praise": "pujian", "idea": "ide"},
}


@dataclass(frozen=True, slots=True)
class AlertResult:
    """What happened to one brand and label in this run (only days with a spike)."""

    brand: str
    label: str
    day: str
    outcome: str  # sent, recorded, already_raised, failed, unknown
    detail: str


def rule_of(cfg: AlertsConfig, label: str = "complaint") -> SpikeRule:
    """The spike rule from ``alerts:`` in the config (critical complaints have their own
    minimum count and alpha; each one is already urgent in the queue)."""
    if label == "critical":
        return SpikeRule(
            alpha=cfg.critical_alpha, min_count=cfg.critical_min_count, min_ratio=cfg.min_ratio
        )
    return SpikeRule(alpha=cfg.alpha, min_count=cfg.min_count, min_ratio=cfg.min_ratio)


def run_alerts(app: App, brand: str | None = None) -> list[AlertResult]:
    """Check today (so far, in the business's time zone) and yesterday (posts polled late)
    for every brand and watched label; raise and send each new spike once."""
    names = app.settings.brands_named(brand)
    cfg = app.settings.alerts
    watched = list(dict.fromkeys((*cfg.labels, *cfg.digest_labels)))
    results = []
    for name in names:
        for label in watched:
            result = _check(app, name, label)
            if result is not None:
                results.append(result)
    return results


def _check(app: App, brand: str, label: str) -> AlertResult | None:
    """Today's spike of ``label``, else yesterday's: posts of yesterday evening polled
    after midnight (a source that was down, a rate limit) still count for their own day."""
    rule, zone, now = rule_of(app.settings.alerts, label), app.settings.zone, app.clock()
    today = now.astimezone(zone).date()
    with app.db.read() as session:
        since = alerts.window_start(today, rule.window_days + 2, zone)
        counts, first = alerts.daily_counts(session, brand, label, since, now, zone)
        raised = alerts.alerted_days(
            session, brand, label, today - timedelta(days=rule.window_days + 2)
        )
        last = alerts.last_claimed(session, brand, label)
    if first is None:
        return None
    if today in raised:
        return AlertResult(
            brand, label, today.isoformat(), "already_raised", "raised earlier today"
        )
    yesterday = today - timedelta(days=1)
    for day in (today, yesterday):
        if day in raised or (day == yesterday and yesterday < first):
            continue
        if _same_wave(counts, day, raised):
            continue
        spike = assess(counts, day, first, raised, rule)
        if spike is None:
            continue
        if last is not None and now - last < COOL_DOWN:
            return _cooling(app, brand, label, spike, last)
        return _raise(app, brand, label, spike)
    return None


def _same_wave(counts: dict[date, int], day: date, raised: set[date]) -> bool:
    """Whether ``day`` only carries on the wave alerted the day before: it alerts again
    only while growing (more posts than the alerted day had)."""
    before = day - timedelta(days=1)
    return before in raised and counts.get(day, 0) <= counts.get(before, 0)


def _cooling(app: App, brand: str, label: str, spike: Spike, last: datetime) -> AlertResult:
    """A spike within 24 hours of the last alert: not raised (a later run may, if it lasts)."""
    until = (last + COOL_DOWN).astimezone(app.settings.zone)
    detail = (
        f"{spike.reason(LABEL_NAMES['en'][label])}; not sent: the last alert was less than "
        f"24 hours ago (cool-down until {until:%Y-%m-%d %H:%M %Z})"
    )
    return AlertResult(brand, label, spike.day.isoformat(), "already_raised", detail)


def _raise(app: App, brand: str, label: str, spike: Spike) -> AlertResult | None:
    day = spike.day.isoformat()
    with app.db.session() as session:
        figures = (spike.observed, spike.expected, spike.p_value)
        claimed = alerts.claim(
            session, brand, label, spike.day, figures, app.holder, app.clock(), COOL_DOWN
        )
    if claimed is None:
        return AlertResult(brand, label, day, "already_raised", "another run raised it")
    reason = spike.reason(LABEL_NAMES["en"][label])
    if label not in app.settings.alerts.labels:  # a digest label: the next digest says it
        detail = f"{reason}; in the next digest"
        with app.db.session() as session:
            alerts.finish(session, claimed, "recorded", detail, app.clock())
        return AlertResult(brand, label, day, "recorded", detail)
    if app.settings.digest is None or app.channel_set.get(app.settings.digest.channel) is None:
        detail = f"{reason}; not sent: no team channel (configure `digest:`)"
        with app.db.session() as session:
            alerts.finish(session, claimed, "recorded", detail, app.clock())
        return AlertResult(brand, label, day, "recorded", detail)
    subject, body = _message(app, brand, label, spike)
    outcome, detail = send_to_team(
        app, f"simak-alert-{brand}-{label}-{day}", subject, body, "alert"
    )
    with app.db.session() as session:
        if outcome in ("sent", "unknown"):
            alerts.finish(session, claimed, "sent", f"{reason}; {detail}", app.clock())
        else:
            alerts.release(session, claimed)  # provably not sent: a later run tries again
    return AlertResult(brand, label, day, outcome, f"{reason}; {detail}")


_MONTHS_ID = ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des")


def day_month(day: date, lang: str) -> str:
    """ "23 Nov" ("05 Des" in Indonesian)."""
    return f"{day:%d} " + (_MONTHS_ID[day.month - 1] if lang == "id" else f"{day:%b}")


def _message(app: App, brand: str, label: str, spike: Spike) -> tuple[str, str]:
    """What spiked, how far above the usual (in the subject too), what some of the posts
    say, and what to do."""
    cfg = app.settings.digest
    lang = cfg.lang if cfg is not None else "en"
    shown = app.settings.brand(brand).label
    what = LABEL_NAMES[lang][label]
    today = spike.day == app.clock().astimezone(app.settings.zone).date()
    with app.db.read() as session:
        said = alerts.said_on(session, brand, label, spike.day, app.settings.zone)
    day = day_month(spike.day, lang)
    usual = f"{spike.expected:.1f}".replace(".", "," if lang == "id" else ".")
    quotes = "".join(f'  - "{text}"\n' for text in said)
    head = f"{shown} — {day} {spike.day.year}: {spike.observed}"
    queue = f"{cfg.console_url}/queue" if cfg is not None and cfg.console_url else "simak queue"
    if lang == "id":
        when = "hari ini" if today else f"pada {day} (postingan yang masuk terlambat)"
        subject = f"Lonjakan {what} — {head}, biasanya {usual} sehari"
        body = (
            f"{shown} menerima {spike.observed} {what} {when}, biasanya sekitar {usual} "
            f"sehari.\n\n"
            + (f"Yang mereka tulis:\n{quotes}\n" if quotes else "")
            + f"Tanggapi sekarang di antrean, mulai dari yang kritis: {queue}\n"
        )
    else:
        when = "today" if today else f"on {day} (posts that came in late)"
        subject = f"{what.capitalize()} spike — {head}, usually {usual} a day"
        body = (
            f"{shown} got {spike.observed} {what}s {when}; usually about {usual} a day.\n\n"
            + (f"What they say:\n{quotes}\n" if quotes else "")
            + f"Answer them now in the queue, critical ones first: {queue}\n"
        )
    return subject, body


def recent_alerts(app: App, days: int = 30, brand: str | None = None) -> list[AlertRow]:
    """Alerts of the last ``days`` days (of ``brand`` only, when given), newest first."""
    app.settings.brands_named(brand)
    with app.db.read() as session:
        rows = alerts.recent(session, app.clock() - timedelta(days=days))
    return [r for r in rows if brand in (None, r.brand)]
