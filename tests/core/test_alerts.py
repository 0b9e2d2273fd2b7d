"""Spike alerts end to end, on both backends: a 60-day history with one complaint spike
raises exactly one alert (one e-mail to the team), a quiet brand none, and overlapping
runs on the spike day one."""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from simak.app import App
from simak.config import load_settings
from simak.usecases.alerts import recent_alerts, run_alerts
from simak.usecases.poll import poll
from tests.core.races import no_traceback, run, simak
from tests.fakes.fixtures import *  # noqa: F403
from tests.fakes.fixtures import FAKE_ENV, email_options
from tests.fakes.smtp import SmtpSink
from tests.responder.test_spikes import poisson_draw as _poisson

ZONE = ZoneInfo("Asia/Jakarta")
COMPLAINT = "{brand} pesanan saya telat dan kopinya dingin, kecewa banget ({n})"
PRAISE = "{brand} enak banget, mantap ({n})"
POISONED = "{brand} habis minum es kopinya langsung diare sampai pagi, keracunan kayaknya ({n})"


def _project(root: Path, db_url: str, sink: SmtpSink) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    config = {
        "brands": [
            {"name": "kopi-senja", "display_name": "Kopi Senja", "terms": ["Kopi Senja"]},
            {"name": "warung-sari", "display_name": "Warung Sari", "terms": ["Warung Sari"]},
        ],
        "sources": [{"name": "export", "type": "files", "options": {"path": "mentions.jsonl"}}],
        "classifier": {"backend": "keywords"},
        "responder": {"channels": {"email": email_options(sink)}},
        "digest": {"to": ["owner@kopisenja.example"], "channel": "email", "lang": "en"},
        "timezone": "Asia/Jakarta",
        "storage": {"url": db_url},
    }
    path = root / "config.yaml"
    path.write_text(yaml.safe_dump(config), "utf-8")
    return path


def _history(
    first: date,
    days: int,
    spike: date | None,
    latest: datetime,
    poisoned: date | None = None,
    praised: date | None = None,
) -> list[dict[str, Any]]:
    """Kopi Senja: about 1.5 complaints and 2 praises a day, 12 more complaints on ``spike``
    and two food-poisoning reports on ``poisoned``; Warung Sari: 0–3 complaints a day. No
    post after ``latest``."""
    rng = random.Random(7)
    rows: list[dict[str, Any]] = []

    def post(day: date, text: str, hour: float) -> None:
        at = datetime.combine(day, time(), ZONE) + timedelta(hours=hour)
        n = len(rows)
        rows.append(
            {
                "id": f"p{n}",
                "platform": "review",
                "author": f"a{n}",
                "text": text,
                "created_at": min(at, latest - timedelta(seconds=n % 600)).isoformat(),
            }
        )

    for i in range(days):
        day = first + timedelta(days=i)
        complaints = _poisson(rng, 1.5) + (12 if day == spike else 0)
        for _ in range(complaints):
            post(day, COMPLAINT.format(brand="Kopi Senja", n=len(rows)), rng.uniform(7, 10))
        for _ in range(2 if day == poisoned else 0):
            post(day, POISONED.format(brand="Kopi Senja", n=len(rows)), rng.uniform(7, 10))
        for _ in range(_poisson(rng, 2.0) + (15 if day == praised else 0)):
            post(day, PRAISE.format(brand="Kopi Senja", n=len(rows)), rng.uniform(7, 10))
        for _ in range(rng.randint(0, 3)):
            post(day, COMPLAINT.format(brand="Warung Sari", n=len(rows)), rng.uniform(7, 10))
    return rows


def _write(root: Path, rows: list[dict[str, Any]]) -> None:
    with (root / "mentions.jsonl").open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row) + "\n")


def test_sixty_days_with_one_spike_raise_one_alert(
    db_url: str, tmp_path: Path, smtp_sink: SmtpSink
) -> None:
    config = _project(tmp_path / "p", db_url, smtp_sink)
    first = date(2026, 9, 1)
    spike, poisoned = first + timedelta(days=45), first + timedelta(days=52)
    end = datetime.combine(first + timedelta(days=60), time(), ZONE)
    _write(tmp_path / "p", _history(first, 60, spike, end, poisoned))
    now = [end]
    app = App(load_settings(config, FAKE_ENV), config, FAKE_ENV, clock=lambda: now[0])
    assert not poll(app).failed
    raised = []
    for i in range(60):  # the cron job of every evening
        now[0] = datetime.combine(first + timedelta(days=i), time(20), ZONE).astimezone(UTC)
        raised += [r for r in run_alerts(app) if r.outcome == "sent"]
    assert [(r.brand, r.label, r.day) for r in raised] == [
        ("kopi-senja", "complaint", spike.isoformat()),
        ("kopi-senja", "critical", poisoned.isoformat()),
    ]
    assert smtp_sink.count() == 2
    assert smtp_sink.mails[1].message["Subject"].startswith("Critical complaint spike")
    mail = smtp_sink.mails[0].message
    assert mail["Subject"] == f"Complaint spike — Kopi Senja — {spike.isoformat()}"
    assert "complaints today; usually about" in mail.get_content()
    stored = recent_alerts(app, days=90)
    assert [(a.label, a.day, a.status) for a in stored] == [
        ("critical", poisoned.isoformat(), "sent"),
        ("complaint", spike.isoformat(), "sent"),
    ]


def test_overlapping_runs_on_the_spike_day_raise_one_alert(
    db_url: str, tmp_path: Path, smtp_sink: SmtpSink
) -> None:
    config = _project(tmp_path / "p", db_url, smtp_sink)
    now = datetime.now(UTC)
    today = now.astimezone(ZONE).date()
    _write(tmp_path / "p", _history(today - timedelta(days=40), 41, today, now))
    code, _, err = run(config, "poll", extra_env=FAKE_ENV)
    assert code == 0, err
    procs = [simak(config, "alerts", "--json", extra_env=FAKE_ENV) for _ in range(3)]
    results = [(p.wait(120), *p.communicate()) for p in procs]
    assert all(c == 0 and no_traceback(o, e) for c, o, e in results), results
    outcomes = sorted(r["outcome"] for _, out, _ in results for r in json.loads(out))
    assert outcomes == ["already_raised", "already_raised", "sent"]
    assert smtp_sink.count() == 1
    again = run(config, "alerts", "--list", "--json", extra_env=FAKE_ENV)
    listed = json.loads(again[1])
    assert [(a["brand"], a["day"], a["status"]) for a in listed] == [
        ("kopi-senja", today.isoformat(), "sent")
    ]


def test_a_praise_spike_is_recorded_for_the_digest_not_sent_at_once(
    db_url: str, tmp_path: Path, smtp_sink: SmtpSink
) -> None:
    """Complaint spikes alert at once; praise and idea spikes (alerts.digest_labels) are
    recorded once, shown with the alerts, and told in the next morning's digest."""
    from simak.usecases.digest import run_digest

    config = _project(tmp_path / "p", db_url, smtp_sink)
    first = date(2026, 9, 1)
    praised = first + timedelta(days=40)
    end = datetime.combine(first + timedelta(days=42), time(), ZONE)
    _write(tmp_path / "p", _history(first, 42, None, end, praised=praised))
    now = [end]
    app = App(load_settings(config, FAKE_ENV), config, FAKE_ENV, clock=lambda: now[0])
    assert not poll(app).failed
    results = []
    for i in range(38, 42):  # every evening
        now[0] = datetime.combine(first + timedelta(days=i), time(20), ZONE).astimezone(UTC)
        results += [r for r in run_alerts(app) if r.outcome != "already_raised"]

    assert [(r.label, r.day, r.outcome) for r in results] == [
        ("praise", praised.isoformat(), "recorded")
    ]
    assert "in the next digest" in results[0].detail and smtp_sink.count() == 0
    now[0] = datetime.combine(praised + timedelta(days=1), time(8), ZONE).astimezone(UTC)
    assert [d.outcome for d in run_digest(app, "kopi-senja")] == ["sent"]
    body = smtp_sink.mails[-1].message.get_content()
    assert "Spikes since the last digest:" in body
    stored = [a for a in recent_alerts(app, days=90) if a.label == "praise"]
    assert [(a.day, a.status) for a in stored] == [(praised.isoformat(), "recorded")]
    assert f"praise: {stored[0].observed} on {praised:%d %b}, usually about" in body
    now[0] += timedelta(days=1)  # the next digest does not tell it again
    assert [d.outcome for d in run_digest(app, "kopi-senja")] == ["sent"]
    assert "Spikes since" not in smtp_sink.mails[-1].message.get_content()


def test_a_spike_polled_after_midnight_is_raised_for_its_own_day(
    db_url: str, tmp_path: Path, smtp_sink: SmtpSink
) -> None:
    """Before: only today was checked, so a day whose posts came in after midnight (a
    source down in the evening, a rate limit) was never checked at all."""
    config = _project(tmp_path / "p", db_url, smtp_sink)
    first = date(2026, 9, 1)
    spike = first + timedelta(days=40)
    end = datetime.combine(spike + timedelta(days=1), time(9), ZONE)
    _write(tmp_path / "p", _history(first, 42, spike, end))
    now = [end.astimezone(UTC)]  # the morning after: the spike's posts arrive only now
    app = App(load_settings(config, FAKE_ENV), config, FAKE_ENV, clock=lambda: now[0])
    assert not poll(app).failed

    raised = [r for r in run_alerts(app) if r.label == "complaint"]
    again = [r for r in run_alerts(app) if r.label == "complaint"]

    assert [(r.day, r.outcome) for r in raised] == [(spike.isoformat(), "sent")]
    assert again == []  # raised once; today is the same wave's next day
    body = smtp_sink.mails[-1].message.get_content()
    assert f"on {spike.isoformat()} (posts that came in late)" in body
