"""Severity from the learned head and the phrase rules together."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from classifier.severity.head import SeverityHead
from classifier.severity.levels import LEVELS, Assessment, rank
from classifier.severity.rules import assess_by_rules, has_idiom

#: With no rule naming a harm, the head alone must be this sure to call a post critical
#: (on the demo's complaints its calls between 0.4 and 0.8 were all wrong).
HEAD_ALONE = 0.8


def combine(head: Assessment, rules: Assessment, idiom: bool = False) -> Assessment:
    """The more severe of the two; a critical reason named by a rule wins (it is traceable).

    With no rule naming a harm, the head's critical call needs P >= HEAD_ALONE, and is not
    trusted at all with ``idiom`` (a harm word as a figure of speech: no harm, says the
    guideline); such posts take the head's best other level.
    """
    unsure = idiom or head.score < HEAD_ALONE
    if head.level == "critical" and rules.level != "critical" and unsure:
        head = Assessment(head.fallback, None, head.method, head.score)
    level = LEVELS[min(rank(head.level), rank(rules.level))]
    if level != "critical":
        return Assessment(level, None, "head+rules", head.score)
    ruled = rules.level == "critical"
    reason = rules.reason if ruled else head.reason
    return Assessment("critical", reason, "head+rules", head.score, ruled)


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
        return [
            combine(h, r, has_idiom(t)) if ok else r
            for h, r, t, ok in zip(heads, rules, texts, wanted, strict=True)
        ]
