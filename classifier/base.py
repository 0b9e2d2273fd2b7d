"""The classifier contract: a batch of texts in, typed results out."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from common.records import LABELS as LABELS
from common.records import Classification as Classification
from common.records import Label as Label


@runtime_checkable
class Classifier(Protocol):
    """A backend that tags texts as praise / complaint / idea."""

    @property
    def model_id(self) -> str:
        """Backend name and version, recorded with every classification."""
        ...

    def classify(self, texts: Sequence[str]) -> list[Classification]:
        """Classify ``texts``; the result has one entry per text, in order."""
        ...


@runtime_checkable
class SentenceScoring(Protocol):
    """A backend with its own (cheaper) pass for the sentences a draft may quote."""

    def score_sentences(self, texts: Sequence[str]) -> list[dict[str, float]]:
        """Per-label probabilities of each text, in order (as ``Classification.scores``)."""
        ...
