"""Severity from the learned head and the phrase rules together."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from classifier.severity.head import SeverityHead
from classifier.severity.levels import LEVELS, Assessment, rank
from classifier.severity.rules import assess_by_rules, has_idiom


def combine(head: Assessment, rules: Assessment, idiom: bool = False) -> Assessment:
    """The more severe of the two; a critical reason named by a rule wins (it is traceable).

    With ``idiom`` (the text uses a harm word as a figure of speech) and no rule naming a
    harm, the head's critical call is not trusted: the guideline says idioms are no harm.
    """
    if idiom and head.level == "critical" and rules.level != "critical":
        head = Assessment("high", None, head.method, head.score)
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
        self, texts: Sequence[str], vectors: npt.NDArray[np.floating] | None = None
    ) -> list[Assessment]:
        """One assessment per text; ``vectors`` are the encoder's pooled outputs, in order."""
        rules = [assess_by_rules(t) for t in texts]
        if self._head is None or vectors is None or vectors.shape[1] != self._head.hidden:
            return rules
        heads = self._head.assess(vectors)
        return [combine(h, r, has_idiom(t)) for h, r, t in zip(heads, rules, texts, strict=True)]
