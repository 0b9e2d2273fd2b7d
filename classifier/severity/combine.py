"""Severity from the learned head and the phrase rules together."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from classifier.severity.head import SeverityHead
from classifier.severity.levels import LEVELS, Assessment, rank
from classifier.severity.rules import assess_by_rules


def combine(head: Assessment, rules: Assessment) -> Assessment:
    """The more severe of the two, but only a rule calls a post critical: a critical reason
    must be traceable to a named harm. Where no rule names one, the head's critical call
    becomes its best other level (``high`` as a rule).

    Measured with the head on ``e5s-d6-2026.12.04``: on the 81 held-out complaints the head
    alone added no critical post the rules missed (head + rules and rules alone both find
    37 of 41 at precision 1.0), while on the 40 withheld queue posts its one lone critical
    call (P 0.85, an unfriendly cashier) was wrong. The head still ranks: its score orders
    complaints inside a level and can raise one to ``high``.
    """
    if head.level == "critical" and rules.level != "critical":
        head = Assessment(head.fallback, None, head.method, head.score)
    level = LEVELS[min(rank(head.level), rank(rules.level))]
    if level != "critical":
        return Assessment(level, None, "head+rules", head.score)
    return Assessment("critical", rules.reason, "head+rules", head.score, True)


class SeverityModel:
    """Assesses texts: head + rules when sentence vectors are given, rules alone otherwise."""

    def __init__(self, head: SeverityHead | None) -> None:
        self._head = head

    @property
    def head(self) -> SeverityHead | None:
        """The learned head, if one is loaded."""
        return self._head

    def assess(
        self,
        texts: Sequence[str],
        vectors: npt.NDArray[np.floating] | None = None,
        complaints: Sequence[bool] | None = None,
    ) -> list[Assessment]:
        """One assessment per text; ``vectors`` are the encoder's pooled outputs, in order.

        The head was trained on complaints only: ``complaints`` (default: all) says which
        texts it may read; the others (praise, questions, ideas) get the rules alone.
        """
        rules = [assess_by_rules(t) for t in texts]
        if self._head is None or vectors is None or vectors.shape[1] != self._head.hidden:
            return rules
        heads = self._head.assess(vectors)
        wanted = complaints if complaints is not None else [True] * len(texts)
        return [combine(h, r) if ok else r for h, r, ok in zip(heads, rules, wanted, strict=True)]
