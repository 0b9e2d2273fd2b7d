"""Spike detection on small daily counts: improbable days only, whatever the scale."""

from __future__ import annotations

import math
import random
from datetime import date, timedelta

from responder.spikes import (
    SpikeRule,
    assess,
    baseline_days,
    negbin_tail,
    poisson_tail,
    same_kind,
)

START = date(2026, 1, 5)  # a Monday


def poisson_draw(rng: random.Random, mean: float) -> int:
    """A Poisson-distributed count (Knuth), for synthetic daily histories."""
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p < limit:
            return k
        k += 1


def _history(seed: int, mean: float, days: int = 60) -> dict[date, int]:
    rng = random.Random(seed)
    out = {}
    for i in range(days):
        day = START + timedelta(days=i)
        out[day] = poisson_draw(rng, mean * (1.6 if day.weekday() >= 5 else 1.0))
    return out


def _alerts(counts: dict[date, int], rule: SpikeRule | None = None) -> list[date]:
    raised: list[date] = []
    for day in sorted(counts):
        if assess(counts, day, START, raised, rule):
            raised.append(day)
    return raised


def test_tails_match_their_definitions() -> None:
    expected = 1 - sum(math.exp(-2) * 2**k / math.factorial(k) for k in range(5))
    assert math.isclose(poisson_tail(5, 2.0), expected)
    assert poisson_tail(0, 3.0) == 1.0
    # Over-dispersed counts make the same count less surprising.
    assert negbin_tail(8, 2.0, 6.0) > poisson_tail(8, 2.0)


def test_weekends_are_compared_with_weekends() -> None:
    saturday = START + timedelta(days=40)
    days = same_kind(saturday, baseline_days(saturday, START, SpikeRule()))
    assert len(days) == 8 and all(d.weekday() >= 5 for d in days)
    assert baseline_days(START + timedelta(days=5), START, SpikeRule()) == []  # too little history


def test_a_weekday_that_is_always_busy_is_no_spike() -> None:
    """A shop whose Mondays are always busy (20 posts, 3 on other days): the weekdays'
    counts vary more than Poisson, so a Monday like the others is no spike; one far
    busier than any Monday is."""
    counts = {START + timedelta(days=i): 20 if i % 7 == 0 else 3 for i in range(56)}
    assert _alerts(counts) == []
    monday = START + timedelta(days=56)
    counts[monday] = 120
    assert assess(counts, monday, START) is not None


def test_one_spike_in_sixty_days_is_one_alert_at_every_scale() -> None:
    for mean in (0.5, 1.5, 4.0, 12.0):
        counts = _history(seed=int(mean * 10), mean=mean)
        spike = START + timedelta(days=44)
        counts[spike] += max(8, int(4 * mean))
        assert _alerts(counts) == [spike], mean


def test_quiet_brands_never_alert() -> None:
    rng = random.Random(5)
    for seed in range(50):
        counts = {START + timedelta(days=i): rng.randint(0, 3) for i in range(60)}
        assert _alerts(counts) == [], seed


def test_false_alarms_are_rare_on_ordinary_noise() -> None:
    histories = [_history(seed, mean) for seed in range(100) for mean in (1.0, 3.0, 8.0)]
    alarms = sum(len(_alerts(h)) for h in histories)
    assert alarms / len(histories) < 0.05  # fewer than one per 20 two-month histories


def test_guards_need_enough_posts_and_a_real_multiple() -> None:
    counts = {START + timedelta(days=i): 0 for i in range(30)}
    today = START + timedelta(days=30)
    counts[today] = 4
    assert assess(counts, today, START) is None  # below min_count
    counts[today] = 6
    spike = assess(counts, today, START)
    assert spike is not None and spike.observed == 6
    assert "6 complaints" in spike.reason("complaint")
    assert assess(counts, today, START, rule=SpikeRule(min_count=7)) is None
