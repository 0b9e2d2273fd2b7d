"""Spike detection for small daily counts (a few posts a day, often none).

Rules of thumb like "mean + 3σ" misfire when σ is tiny or zero, so a day is a spike when
its count is improbable under a count model fitted to the recent past (the EARS /
Farrington family the surveillance literature uses for the same problem):

* baseline: the previous ``window_days`` days (4 weeks: weekday swings show up as
  over-dispersion), or as many as the history has once it holds a week; days that already
  raised an alert are left out (an earlier spike must not make every later day look
  normal);
* model: Poisson with the baseline mean, or a negative binomial with the baseline variance
  when the counts are over-dispersed;
* guards against noise: at least ``min_count`` posts, at least ``min_ratio`` × the
  baseline mean, and a tail probability below ``alpha``.

Pure functions, standard library only.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

#: A baseline mean below this is treated as this (a brand with no complaints for weeks
#: still gets its alert for a real burst, but not for two posts).
MEAN_FLOOR = 0.2


@dataclass(frozen=True, slots=True)
class SpikeRule:
    """When a day's count is a spike."""

    alpha: float = 0.0005
    min_count: int = 5
    min_ratio: float = 2.0
    window_days: int = 28
    min_history_days: int = 14


@dataclass(frozen=True, slots=True)
class Spike:
    """A day whose count is improbable given the recent past."""

    day: date
    observed: int
    expected: float  # the baseline mean
    p_value: float
    baseline_days: int

    def reason(self, label: str) -> str:
        """One line for the team, e.g. "12 complaints today against about 1.5 a day"."""
        return (
            f"{self.observed} {label}s on {self.day.isoformat()} against about "
            f"{self.expected:.1f} a day (p = {self.p_value:.1g}, {self.baseline_days} days "
            "of baseline)"
        )


def baseline_days(day: date, history_start: date, rule: SpikeRule) -> list[date]:
    """The days ``day`` is compared with: up to ``window_days`` before it, none before the
    history starts; empty until the history holds ``min_history_days``."""
    earlier = [day - timedelta(days=n) for n in range(1, rule.window_days + 1)]
    earlier = [d for d in earlier if d >= history_start]
    return earlier if len(earlier) >= rule.min_history_days else []


def same_kind(day: date, days: Sequence[date]) -> list[date]:
    """The weekend days among ``days`` for a weekend ``day``, else the weekdays: a café's
    Saturday is not a Tuesday."""
    weekend = day.weekday() >= 5
    return [d for d in days if (d.weekday() >= 5) == weekend]


def poisson_tail(observed: int, mean: float) -> float:
    """P(X ≥ observed) for X ~ Poisson(mean)."""
    if observed <= 0:
        return 1.0
    term = math.exp(-mean)
    below = term
    for k in range(1, observed):
        term *= mean / k
        below += term
    return max(0.0, 1.0 - below)


def negbin_tail(observed: int, mean: float, variance: float) -> float:
    """P(X ≥ observed) for a negative binomial with this mean and variance (> mean)."""
    if observed <= 0:
        return 1.0
    size = mean * mean / (variance - mean)
    p = size / (size + mean)
    term: float = math.pow(p, size)  # P(X = 0)
    below = term
    for k in range(1, observed):
        term *= (k - 1 + size) / k * (1 - p)
        below += term
    return max(0.0, 1.0 - below)


def assess(
    counts: Mapping[date, int],
    day: date,
    history_start: date,
    alerted: Collection[date] = (),
    rule: SpikeRule | None = None,
) -> Spike | None:
    """The spike on ``day``, if its count is one; ``counts`` may leave out days with none."""
    rule = rule or SpikeRule()
    observed = counts.get(day, 0)
    days = [d for d in baseline_days(day, history_start, rule) if d not in alerted]
    if observed < rule.min_count or len(days) < 3:
        return None
    alike = same_kind(day, days)
    values = [counts.get(d, 0) for d in (alike if len(alike) >= 4 else days)]
    # The usual level is the higher of "days like this one" and "all recent days": a few
    # quiet Saturdays must not make an ordinary busy one look like a spike.
    overall = sum(counts.get(d, 0) for d in days) / len(days)
    mean = max(sum(values) / len(values), overall, MEAN_FLOOR)
    variance = sum((v - mean) ** 2 for v in values) / (len(values) - 1)
    if observed < rule.min_ratio * mean:
        return None
    if _overdispersed(values, mean, variance):
        p_value = negbin_tail(observed, mean, variance)
    else:
        p_value = poisson_tail(observed, mean)
    if p_value >= rule.alpha:
        return None
    return Spike(day, observed, round(mean, 2), p_value, len(days))


def _overdispersed(values: list[int], mean: float, variance: float) -> bool:
    """Whether the baseline varies more than Poisson counts would (index of dispersion
    above the 95th percentile of its chi-square distribution): small counts often look
    a little over-dispersed by chance, and a needless negative binomial hides real spikes."""
    if variance <= mean:
        return False
    dof = len(values) - 1
    dispersion = dof * variance / mean
    # Wilson–Hilferty: the chi-square quantile from the normal one (z = 1.645 for 95 %).
    z = 1.645
    quantile = dof * (1 - 2 / (9 * dof) + z * math.sqrt(2 / (9 * dof))) ** 3
    return dispersion > quantile
