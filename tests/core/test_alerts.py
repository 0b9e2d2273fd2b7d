"""Spike alerts end to end, on both backends: a 60-day history with one complaint spike
raises exactly one alert (one e-mail to the team), a quiet brand none, and overlapping
runs on the spike day one."""

from __future__ import annotations

import json
import random
import re
from datetime import UTC, date, datetime, time, timedelta
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml
from sqlalchemy import select

from responder.spikes import assess
from simak.app import App
from simak.config import AlertsConfig, load_settings
from simak.usecases.alerts import COOL_DOWN, recent_alerts, rule_of, run_alerts
from simak.usecases.poll import poll
from storage.alerts import claim
from storage.db import Database, open_database
from storage.models import Alert
from tests.core.forked import Where, act_in, race, result, start, waits
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
    and five food-poisoning reports (critical complaints) on ``poisoned``; Warung Sari: 0–3
    complaints a day, about a third of them critical. No post after ``latest``."""
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
        for _ in range(5 if day == poisoned else 0):
            post(day, POISONED.format(brand="Kopi Senja", n=len(rows)), rng.uniform(7, 10))
        for _ in range(_poisson(rng, 2.0) + (15 if day == praised else 0)):
            post(day, PRAISE.format(brand="Kopi Senja", n=len(rows)), rng.uniform(7, 10))
        for _ in range(rng.randint(0, 3)):
            text = POISONED if rng.random() < 1 / 3 else COMPLAINT
            post(day, text.format(brand="Warung Sari", n=len(rows)), rng.uniform(7, 10))
    return rows


def _write(root: Path, rows: list[dict[str, Any]]) -> None:
    with (root / "mentions.jsonl").open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row) + "\n")


def test_sixty_days_with_one_spike_raise_one_alert(
    db_url: str, tmp_path: Path, smtp_sink: SmtpSink
) -> None:
    """One complaint spike in 60 days: one alert. The quiet brand (0–3 complaints a day,
    some of them critical) raises none; before, two critical complaints in a day did."""
    config = _project(tmp_path / "p", db_url, smtp_sink)
    first = date(2026, 9, 1)
    spike = first + timedelta(days=45)
    end = datetime.combine(first + timedelta(days=60), time(), ZONE)
    _write(tmp_path / "p", _history(first, 60, spike, end))
    now = [end]
    app = App(load_settings(config, FAKE_ENV), config, FAKE_ENV, clock=lambda: now[0])
    assert not poll(app).failed
    raised = []
    for i in range(60):  # the cron job of every evening
        now[0] = datetime.combine(first + timedelta(days=i), time(20), ZONE).astimezone(UTC)
        raised += [r for r in run_alerts(app) if r.outcome == "sent"]
    assert [(r.brand, r.label, r.day) for r in raised] == [
        ("kopi-senja", "complaint", spike.isoformat())
    ]
    assert smtp_sink.count() == 1
    mail = smtp_sink.mails[0].message
    assert mail["Subject"].startswith(f"Complaint spike — Kopi Senja — {spike:%d %b %Y}: ")
    assert "complaints today; usually about" in mail.get_content()
    stored = recent_alerts(app, days=90)
    assert [(a.label, a.day, a.status) for a in stored] == [
        ("complaint", spike.isoformat(), "sent")
    ]


def test_five_critical_complaints_in_a_day_alert_at_once(
    db_url: str, tmp_path: Path, smtp_sink: SmtpSink
) -> None:
    config = _project(tmp_path / "p", db_url, smtp_sink)
    first = date(2026, 9, 1)
    poisoned = first + timedelta(days=30)
    end = datetime.combine(poisoned, time(21), ZONE)
    _write(tmp_path / "p", _history(first, 31, None, end, poisoned))
    now = [end.astimezone(UTC)]
    app = App(load_settings(config, FAKE_ENV), config, FAKE_ENV, clock=lambda: now[0])
    assert not poll(app).failed
    sent = [(r.brand, r.label) for r in run_alerts(app) if r.outcome == "sent"]
    assert ("kopi-senja", "critical") in sent and ("warung-sari", "critical") not in sent
    subjects = [m.message["Subject"] for m in smtp_sink.mails]
    assert any(s.startswith(f"Critical complaint spike — Kopi Senja — {poisoned:%d %b %Y}: ")
               for s in subjects), subjects  # fmt: skip


def test_a_spike_alert_says_how_many_against_the_usual_and_what_they_say(
    db_url: str, tmp_path: Path, smtp_sink: SmtpSink
) -> None:
    """Before: "Lonjakan keluhan kritis — Kopi Senja — 2026-10-01" and a body with two
    numbers and `simak queue`: the inbox did not say how big the spike was, nor the mail
    what the posts were about. Now the subject has the count against the usual, the body
    quotes the worst posts (no names) and says what to do, in the team's language."""
    config = _project(tmp_path / "p", db_url, smtp_sink)
    data = yaml.safe_load(config.read_text("utf-8"))
    data["digest"]["lang"] = "id"
    config.write_text(yaml.safe_dump(data), "utf-8")
    first = date(2026, 9, 1)
    poisoned = first + timedelta(days=30)
    end = datetime.combine(poisoned, time(21), ZONE)
    _write(tmp_path / "p", _history(first, 31, None, end, poisoned))
    app = App(load_settings(config, FAKE_ENV), config, FAKE_ENV, clock=lambda: end)
    assert not poll(app).failed
    assert ("kopi-senja", "critical") in [(r.brand, r.label) for r in run_alerts(app)]
    [mail] = [m.message for m in smtp_sink.mails if "kritis" in m.message["Subject"]]
    assert re.fullmatch(
        r"Lonjakan keluhan kritis — Kopi Senja — 01 Okt 2026: \d+, biasanya \d+,\d sehari",
        mail["Subject"],
    ), mail["Subject"]
    body = mail.get_content()
    assert "keluhan kritis hari ini, biasanya sekitar" in body, body
    quoted = [ln for ln in body.splitlines() if ln.startswith('  - "') and ln.endswith('"')]
    assert len(quoted) == 3 and all("diare sampai pagi" in q for q in quoted), body
    assert "mulai dari yang kritis: simak queue" in body


def _simulated_alerts(counts: dict[str, dict[date, int]]) -> list[tuple[str, date]]:
    """Every evening's check with the default rules, per label (a raised day leaves the
    baseline, as in `simak alerts`)."""
    raised: list[tuple[str, date]] = []
    for label, daily in counts.items():
        start, done = min(daily), [d for lbl, d in raised if lbl == label]
        for day in sorted(daily):
            if assess(daily, day, start, done, rule_of(AlertsConfig(), label)):
                done.append(day)
                raised.append((label, day))
    return raised


def test_sixty_seeded_days_quiet_brands_never_alert_and_a_spike_once() -> None:
    """Before, critical complaints were judged with alpha 0.05 and two a day: a brand with
    about 0.3 a day alerted more than once in 60 days, a quiet one now and then."""
    first = date(2026, 9, 1)
    for seed in range(40):
        rng = random.Random(seed)
        quiet: dict[str, dict[date, int]] = {"complaint": {}, "critical": {}}
        steady: dict[str, dict[date, int]] = {"complaint": {}, "critical": {}}
        for i in range(60):
            day = first + timedelta(days=i)
            posts = [rng.random() < 1 / 3 for _ in range(rng.randint(0, 3))]
            quiet["complaint"][day], quiet["critical"][day] = len(posts), sum(posts)
            critical = _poisson(rng, 0.3)
            steady["complaint"][day] = _poisson(rng, 1.5) + critical
            steady["critical"][day] = critical
        assert _simulated_alerts(quiet) == [], seed
        assert _simulated_alerts(steady) == [], seed
        spike = first + timedelta(days=45)
        steady["complaint"][spike] += 12
        assert _simulated_alerts(steady) == [("complaint", spike)], seed


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
    # --list honours --brand (before, it listed every brand and took any name)
    other = run(config, "alerts", "--list", "--brand", "warung-sari", "--json", extra_env=FAKE_ENV)
    assert other[0] == 0 and json.loads(other[1]) == []
    code, out, err = run(config, "alerts", "--list", "--brand", "warung-sary", extra_env=FAKE_ENV)
    assert code == 2 and "no brand named 'warung-sary'" in err and not out


_CLAIMED: Where = ("storage.alerts", "claim", "after")  # its transaction not committed
_CLAIMING: Where = ("storage.alerts", "claim", "before")  # the counts read, no write open
_SENDING: Where = ("simak.usecases.alerts", "send_to_team", "before")  # claimed, not sent


def _alerts(config: Path, who: str) -> tuple[Any, tuple[Any, ...]]:
    """`simak alerts` in a forked child (tests/core/forked.py), known as ``who``."""
    return act_in, (FAKE_ENV, config, who, "simak.usecases.alerts:run_alerts", ())


@pytest.mark.parametrize("moment", ["claiming", "sending"])
def test_a_spike_checked_while_another_run_holds_its_alert_is_sent_once(
    db_url: str, tmp_path: Path, smtp_sink: SmtpSink, moment: str
) -> None:
    """Run A has claimed today's complaint spike and stops: its claim not yet committed
    (run B read the counts and no alert meanwhile, so only B's claim can stop it; B then
    waits for A's lock), or committed with the mail not yet sent (B runs to the end).
    One alert, one mail."""
    config = _project(tmp_path / "p", db_url, smtp_sink)
    now = datetime.now(UTC)
    today = now.astimezone(ZONE).date()
    _write(tmp_path / "p", _history(today - timedelta(days=40), 41, today, now))
    code, _, err = run(config, "poll", extra_env=FAKE_ENV)
    assert code == 0, err
    a, b = _alerts(config, "a"), _alerts(config, "b")
    if moment == "claiming":
        results = race(db_url, (*a, _CLAIMED), b, second_at=_CLAIMING)
        why = "another run raised it"  # B's claim refused it
    else:
        results = race(db_url, (*a, _SENDING), b, second_ends_first=True)
        why = "raised earlier today"  # B saw A's claim
    assert [r[0] for r in results.values()] == ["ok", "ok"], results
    sent, lost = results["a"][1], results["b"][1]
    assert [(r.label, r.outcome) for r in sent] == [("complaint", "sent")], sent
    assert [(r.label, r.outcome, r.detail) for r in lost] == [
        ("complaint", "already_raised", why)
    ], lost
    assert smtp_sink.count() == 1
    db = open_database(db_url)
    with db.read() as session:
        rows = session.execute(select(Alert.label, Alert.day, Alert.status)).all()
    db.dispose()
    assert rows == [("complaint", today.isoformat(), "sent")]


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
    assert f"on {spike:%d %b} (posts that came in late)" in body


def _more(rows: list[dict[str, Any]], brand: str, day: date, n: int, hour: int = 6) -> None:
    """``n`` more complaints about ``brand`` on ``day``, posted from ``hour`` o'clock on."""
    for k in range(n):
        at = datetime.combine(day, time(hour), ZONE) + timedelta(minutes=5 * k)
        rows.append(
            {
                "id": f"m{len(rows)}",
                "platform": "review",
                "author": f"m{len(rows)}",
                "text": COMPLAINT.format(brand=brand, n=len(rows)),
                "created_at": at.isoformat(),
            }
        )


def _sent(app: App) -> list[tuple[str, str]]:
    return [
        (r.brand, r.day) for r in run_alerts(app) if r.label == "complaint" and r.outcome == "sent"
    ]


def test_a_new_spike_within_24_hours_of_the_last_alert_waits_for_the_cool_down(
    db_url: str, tmp_path: Path, smtp_sink: SmtpSink
) -> None:
    """Before, the cool-down went by calendar day: a spike raised late (the next morning)
    let a new one alert the day after at midnight, hours later."""
    config = _project(tmp_path / "p", db_url, smtp_sink)
    first = date(2026, 9, 1)
    spike = first + timedelta(days=40)
    rows = _history(first, 43, spike, datetime.combine(first + timedelta(days=43), time(), ZONE))
    _more(rows, "Kopi Senja", spike + timedelta(days=2), 15, hour=1)
    _write(tmp_path / "p", rows)
    now = [datetime.combine(spike + timedelta(days=1), time(9), ZONE).astimezone(UTC)]
    app = App(load_settings(config, FAKE_ENV), config, FAKE_ENV, clock=lambda: now[0])
    assert not poll(app).failed
    assert _sent(app) == [("kopi-senja", spike.isoformat())]  # the morning after
    now[0] += timedelta(hours=23)
    held = [r for r in run_alerts(app) if r.brand == "kopi-senja" and r.label == "complaint"]
    assert [(r.day, r.outcome) for r in held] == [
        ((spike + timedelta(days=2)).isoformat(), "already_raised")
    ]
    assert "less than 24 hours ago (cool-down until" in held[0].detail
    now[0] += timedelta(hours=1)
    assert _sent(app) == [("kopi-senja", (spike + timedelta(days=2)).isoformat())]
    assert smtp_sink.count() == 2


def test_a_wave_going_on_the_next_day_alerts_again_only_while_growing(
    db_url: str, tmp_path: Path, smtp_sink: SmtpSink
) -> None:
    """Kopi Senja's second day has more complaints than its alerted first: one more alert,
    24 hours after the first. Warung Sari's second day is still high but lower: none."""
    config = _project(tmp_path / "p", db_url, smtp_sink)
    first = date(2026, 9, 1)
    spike, after = first + timedelta(days=40), first + timedelta(days=41)
    rows = _history(first, 42, spike, datetime.combine(after + timedelta(days=1), time(), ZONE))
    _more(rows, "Kopi Senja", after, 25)
    _more(rows, "Warung Sari", spike, 12)
    _more(rows, "Warung Sari", after, 9)
    _write(tmp_path / "p", rows)
    now = [datetime.combine(spike, time(20), ZONE).astimezone(UTC)]
    app = App(load_settings(config, FAKE_ENV), config, FAKE_ENV, clock=lambda: now[0])
    assert not poll(app).failed
    both = [("kopi-senja", spike.isoformat()), ("warung-sari", spike.isoformat())]
    assert _sent(app) == both
    now[0] += timedelta(hours=23, minutes=45)
    assert _sent(app) == []  # within 24 hours
    now[0] += timedelta(minutes=15)
    assert _sent(app) == [("kopi-senja", after.isoformat())]
    now[0] += timedelta(hours=3)
    assert _sent(app) == []
    assert smtp_sink.count() == 3


_FIGURES = (9, 1.5, 1e-5)


def _claim_yesterday(url: str, today: date, now: datetime, ready: Event, out: Any) -> None:
    """In another process: claim yesterday's complaint spike of the demo brand."""
    db = Database(url)
    ready.set()
    with db.session() as session:
        yesterday = today - timedelta(days=1)
        out.put(claim(session, "kopi-senja", "complaint", yesterday, _FIGURES, "b", now, COOL_DOWN))
    db.dispose()


def test_runs_claiming_different_days_at_once_claim_one_alert(
    db_url: str, tmp_path: Path, smtp_sink: SmtpSink
) -> None:
    """One run raises yesterday's spike while another (another process) raises today's:
    the second claim waits for the first run's transaction, then sees its alert and
    claims nothing."""
    config = _project(tmp_path / "p", db_url, smtp_sink)
    app = App(load_settings(config, FAKE_ENV), config, FAKE_ENV)
    now, today = datetime(2026, 10, 12, 6, tzinfo=UTC), date(2026, 10, 12)
    with app.db.session() as session:
        assert claim(session, "kopi-senja", "complaint", today, _FIGURES, "a", now, COOL_DOWN)
        other, out, ready = start(_claim_yesterday, app.db.url, today, now)
        waits(app.db.url, out, ready)
    assert result(other, out) is None
    assert [a.day for a in recent_alerts(app, days=9999)] == [today.isoformat()]
