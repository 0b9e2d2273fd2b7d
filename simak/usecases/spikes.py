"""Is today's count a spike? A tail test that holds up for the small daily counts of a small
business: a baseline from the same weekday of the last four weeks (or the last 7 days when
there is less history), a Poisson upper tail — negative binomial when the baseline days are
overdispersed — and guards: at least ``min_count`` posts and twice the baseline."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

ALPHA = 0.01
MIN_COUNT = 5
MIN_LAMBDA = 0.5  # a brand with no history still needs MIN_COUNT posts and a real tail


@dataclass(frozen=True, slots=True)
class Verdict:
    """The test of one day's count."""

    observed: int
    baseline: float
    p_value: float
    method: str  # poisson or negbin
    spike: bool


def baseline_days(history: Sequence[int | None]) -> list[int]:
    """The counts the baseline is made of. ``history[i]`` is the count ``i + 1`` days before
    today (None: a day to leave out, e.g. one that alerted). Same weekday over the last four
    weeks when at least three are known, else the last 7 days."""
    weekdays = [history[i] for i in (6, 13, 20, 27) if i < len(history)]
    known = [c for c in weekdays if c is not None]
    recent = [c for c in history[:7] if c is not None]
    if len(known) >= 3:
        # the larger of the two means: a busy week is not a spike on a quiet weekday
        return known if sum(known) / len(known) >= _mean(recent) else recent
    return recent


def _mean(values: Sequence[int]) -> float:
    return sum(values) / len(values) if values else 0.0


def poisson_tail(k: int, lam: float) -> float:
    """P(X ≥ k) for X ~ Poisson(lam)."""
    if k <= 0:
        return 1.0
    below = sum(math.exp(i * math.log(lam) - lam - math.lgamma(i + 1)) for i in range(k))
    return max(0.0, 1.0 - below)


def negbin_tail(k: int, mean: float, size: float) -> float:
    """P(X ≥ k) for a negative binomial with this mean and size (dispersion) parameter."""
    if k <= 0:
        return 1.0
    p = size / (size + mean)
    log_p, log_q = math.log(p), math.log1p(-p)
    below = 0.0
    for i in range(k):
        log_pmf = (
            math.lgamma(i + size) - math.lgamma(size) - math.lgamma(i + 1)
            + size * log_p + i * log_q
        )  # fmt: skip
        below += math.exp(log_pmf)
    return max(0.0, 1.0 - below)


def judge_day(
    observed: int,
    history: Sequence[int | None],
    *,
    alpha: float = ALPHA,
    min_count: int = MIN_COUNT,
) -> Verdict:
    """Test ``observed`` against the baseline built from ``history`` (see baseline_days).

    The baseline rate is itself estimated from a few days, so the test uses the predictive
    distribution of a new day's count: a Poisson rate with a gamma posterior (a negative
    binomial with size = the baseline's total + ½ over its days). When the baseline days vary
    more than Poisson allows, the moment-fitted negative binomial is used if it is wider.
    """
    days = baseline_days(history)
    n = max(len(days), 1)
    lam = max(_mean(days), MIN_LAMBDA)
    size = sum(days) + 0.5
    method = "poisson"
    var = sum((c - lam) ** 2 for c in days) / (n - 1) if n > 1 else lam
    if n >= 4 and var > 1.5 * lam and lam * lam / (var - lam) < size:
        size, method = lam * lam / (var - lam), "negbin"
    p_value = negbin_tail(observed, lam, size) if days else poisson_tail(observed, lam)
    spike = observed >= min_count and observed >= 2 * lam and p_value < alpha
    return Verdict(observed, round(lam, 3), p_value, method, spike)
