"""Spike alerts: a synthetic 60-day history with one complaint spike raises exactly one
alert, a quiet brand (0–3 complaints a day) none, and overlapping checks one alert sent
once through the webhook — on both backends."""

from __future__ import annotations

import json
import math
import random
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from simak.app import App
from simak.config import load_settings
from simak.usecases.alerts import check_spikes, list_alerts
from simak.usecases.poll import poll
from simak.usecases.spikes import judge_day
from tests.core.races import no_traceback, run, simak
from tests.fakes.fixtures import *  # noqa: F403
from tests.fakes.fixtures import FAKE_ENV, channels_section
from tests.fakes.webhook import WebhookReceiver

ZONE = ZoneInfo("Asia/Jakarta")
SPIKE_DAY = 41  # of 60


def _poisson(rng: random.Random, lam: float) -> int:
    limit, k, p = math.exp(-lam), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def _history(rng: random.Random, days: int, first: date) -> list[dict[str, Any]]:
    """Kopi Senja: about 2 complaints a day (and praise), 18 on the spike day; Teh Pagi:
    a quiet brand with 0–3 complaints a day."""
    rows: list[dict[str, Any]] = []

    def add(day: date, n: int, text: str) -> None:
        for _ in range(n):
            at = datetime.combine(day, datetime.min.time(), ZONE) + timedelta(
                hours=8, minutes=rng.randrange(12 * 60)
            )
            i = len(rows)
            rows.append(
                {"id": f"m{i}", "platform": "review", "author": f"u{i}", "author_name": f"U {i}",
                 "text": text.format(i=i), "created_at": at.isoformat()}
            )  # fmt: skip

    for d in range(days):
        day = first + timedelta(days=d)
        complaints = 18 if d == SPIKE_DAY else _poisson(rng, 2.0)
        add(day, complaints, "Kopi Senja pesanan {i} telat, kecewa")
        add(day, _poisson(rng, 3.0), "Kopi Senja enak {i}, mantap")
        add(day, rng.randint(0, 3), "Teh Pagi pesanan {i} telat, kecewa")
    return rows


def _project(root: Path, db_url: str, rows: list[dict[str, Any]], channels: Any = None) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    with (root / "mentions.jsonl").open("w", encoding="utf-8") as f:
        f.writelines(json.dumps(r) + "\n" for r in rows)
    config: dict[str, Any] = {
        "brands": [
            {"name": "kopi-senja", "display_name": "Kopi Senja", "terms": ["Kopi Senja"]},
            {"name": "teh-pagi", "display_name": "Teh Pagi", "terms": ["Teh Pagi"]},
        ],
        "sources": [{"name": "export", "type": "files", "options": {"path": "mentions.jsonl"}}],
        "classifier": {"backend": "keywords"},
        "responder": {"business": {"name": "Kopi Senja", "signer": "Dina"}},
        "storage": {"url": db_url},
    }
    if channels is not None:
        config["responder"]["channels"] = channels
        config["digest"] = {"channel": "webhook", "lang": "en"}
    path = root / "config.yaml"
    path.write_text(yaml.safe_dump(config), "utf-8")
    return path


def _app(config: Path, now: datetime) -> App:
    settings = load_settings(config, {})
    return App(settings=settings, config_path=config, env={}, clock=lambda: now)


def test_sixty_days_with_one_spike_alert_once_and_a_quiet_brand_never(
    db_url: str, tmp_path: Path
) -> None:
    first = date(2026, 9, 1)
    config = _project(tmp_path / "p", db_url, _history(random.Random(7), 60, first))
    poll(_app(config, datetime(2026, 11, 1, tzinfo=ZONE)))
    outcomes: dict[str, list[tuple[int, str]]] = {"kopi-senja": [], "teh-pagi": []}
    for d in range(60):
        for hour in (12, 21):  # checked twice a day: the second check must not alert again
            app = _app(
                config,
                datetime.combine(first + timedelta(days=d), datetime.min.time(), ZONE)
                + timedelta(hours=hour),
            )
            for r in check_spikes(app):
                if r.outcome != "quiet":
                    outcomes[r.brand].append((d, r.outcome))
    assert outcomes["teh-pagi"] == []
    assert [o for o in outcomes["kopi-senja"] if o[1] == "noted"] == [(SPIKE_DAY, "noted")]
    rows = list_alerts(_app(config, datetime(2026, 11, 1, tzinfo=ZONE)))
    assert [(r.brand, r.label, r.day, r.observed) for r in rows] == [
        ("kopi-senja", "complaint", (first + timedelta(days=SPIKE_DAY)).isoformat(), 18)
    ]
    assert rows[0].baseline < 4 and rows[0].p_value < 0.01


def test_overlapping_checks_send_one_alert(
    db_url: str, tmp_path: Path, webhook_receiver: WebhookReceiver
) -> None:
    today = datetime.now(ZONE).date()
    rows = _history(random.Random(11), SPIKE_DAY + 1, today - timedelta(days=SPIKE_DAY))
    spike_day = today.isoformat()
    config = _project(tmp_path / "p", db_url, rows, channels_section(webhook=webhook_receiver))
    assert run(config, "poll", extra_env=FAKE_ENV)[0] == 0
    procs = [simak(config, "alerts", "--check", extra_env=FAKE_ENV) for _ in range(3)]
    results = [(p.wait(120), *p.communicate()) for p in procs]
    assert all(c == 0 and no_traceback(o, e) for c, o, e in results), results
    assert sum("sent" in o for _, o, _ in results) == 1
    assert len(webhook_receiver.deliveries) == 1 and webhook_receiver.duplicates == 0
    (payload,) = webhook_receiver.deliveries.values()
    assert "Spike in complaints" in json.dumps(payload)
    code, out, _ = run(config, "alerts", "--json", extra_env=FAKE_ENV)
    listed = json.loads(out)
    assert code == 0 and [(a["brand"], a["day"], a["status"]) for a in listed] == [
        ("kopi-senja", spike_day, "sent")
    ]


def test_poisson_noise_rarely_alarms_and_small_counts_never() -> None:
    rng = random.Random(1)
    alarms = 0
    for _ in range(50):  # 50 brands × 60 days of Poisson(2) complaints
        series = [_poisson(rng, 2.0) for _ in range(60)]
        for t in range(28, 60):
            history = [series[t - i] for i in range(1, 29)]
            alarms += judge_day(series[t], history).spike
    assert alarms <= 8  # ≤ 0.5 % of 1,600 ordinary days
    assert not any(judge_day(4, [0] * 28).spike for _ in range(1))  # below 5: never
    assert judge_day(6, [0] * 28).spike and not judge_day(12, [7] * 28).spike
