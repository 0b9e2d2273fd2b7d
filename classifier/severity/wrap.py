"""Give any classifier's complaints a severity, reusing the embedded encoder's pass."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Final, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from classifier.base import LABELS, Classification, Classifier
from classifier.severity.combine import SeverityModel
from classifier.severity.head import HEAD_DIR, load_head
from classifier.severity.levels import REASON_TEXT, Assessment


@runtime_checkable
class VectorClassifier(Protocol):
    """A backend that also returns the sentence vectors of its own encoder pass."""

    @property
    def model_id(self) -> str:
        """Backend name and version."""
        ...

    def classify_with_vectors(
        self, texts: Sequence[str]
    ) -> tuple[list[Classification], npt.NDArray[np.float32]]:
        """Results and pooled vectors, in order."""
        ...


#: A post labelled praise that a ``high`` rule flags (rude staff, an order that never
#: came) is a complaint too when the label model gave complaint at least this much.
PRAISED_COMPLAINT_MIN: Final = 0.5


def _is_complaint(result: Classification, assessment: Assessment) -> bool:
    """Whether the severity rules show a post the label model did not call a complaint is one:
    a harm a rule named, or a real failure in praising words the model nearly called a
    complaint ("Gowes Bike top banget, cuma mekaniknya tadi kasar": praise 0.96,
    complaint 0.68) — else it would get a thank-you."""
    if assessment.level == "critical":
        return assessment.ruled
    return (
        assessment.level == "high"
        and assessment.method == "rules"
        and "praise" in result.labels
        and result.scores.get("complaint", 0.0) >= PRAISED_COMPLAINT_MIN
    )


def with_assessment(result: Classification, assessment: Assessment) -> Classification:
    """``result`` carrying the severity level and the reason staff read.

    A report of harm is a complaint (the guideline): a critical post the label model missed
    ("my wife and I both got food poisoning after the sandwich" reads as neutral news to it)
    gets the complaint label when a rule named the harm (the head reads complaints only);
    so does praise that nearly was a complaint and names a real failure.
    """
    reason = REASON_TEXT.get(assessment.reason or "", assessment.reason)
    labels = result.labels
    if "complaint" not in labels and _is_complaint(result, assessment):
        labels = tuple(lab for lab in LABELS if lab in labels or lab == "complaint")
    score = 1.0 if assessment.ruled else round(assessment.score, 4)
    return replace(
        result,
        labels=labels,
        severity=assessment.level,
        severity_reason=reason,
        severity_score=score,
    )


class SeverityClassifier:
    """Wraps a backend: every result gets a severity (head + rules, or rules alone)."""

    def __init__(self, inner: Classifier, model: SeverityModel) -> None:
        self._inner = inner
        self._model = model

    @property
    def model_id(self) -> str:
        """The wrapped backend's id (severity does not change the labels)."""
        return self._inner.model_id

    @property
    def inner(self) -> Classifier:
        """The wrapped backend."""
        return self._inner

    def classify(self, texts: Sequence[str]) -> list[Classification]:
        """Classify ``texts`` with the wrapped backend and assess each one's severity."""
        vectors = None
        if isinstance(self._inner, VectorClassifier):
            results, vectors = self._inner.classify_with_vectors(texts)
        else:
            results = self._inner.classify(texts)
        complaints = ["complaint" in r.labels for r in results]
        assessed = self._model.assess(list(texts), vectors, complaints)
        return [with_assessment(r, a) for r, a in zip(results, assessed, strict=True)]


def severity_model_for(inner: Classifier) -> SeverityModel:
    """Head + rules when ``inner`` is the encoder the shipped head was trained on, else rules."""
    if isinstance(inner, VectorClassifier):
        head = load_head(HEAD_DIR)
        if head.meta.get("encoder") == inner.model_id:
            return SeverityModel(head)
    return SeverityModel(None)
