"""The classifier contract: a batch of texts in, typed results out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final, Literal, Protocol, runtime_checkable

Label = Literal["praise", "complaint", "idea"]
LABELS: Final[tuple[Label, ...]] = ("praise", "complaint", "idea")


@dataclass(frozen=True, slots=True)
class Classification:
    """What one text expresses toward the brand.

    ``labels`` is a subset of :data:`LABELS` in that order; empty means "other".
    ``scores`` holds a calibrated probability for every label in :data:`LABELS`.
    ``lang`` is an ISO 639-1 code ("id", "en", ...) or "und" when unknown.
    ``model`` identifies the backend and version that produced it.
    """

    labels: tuple[Label, ...]
    scores: Mapping[str, float]
    lang: str
    model: str

    @property
    def is_other(self) -> bool:
        """True when no label fired."""
        return not self.labels


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
