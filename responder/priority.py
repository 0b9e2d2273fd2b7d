"""Priority of a follow-up: base by label, raised by urgency cues and customer loyalty."""

from __future__ import annotations

import re
from dataclasses import dataclass

from responder.base import RouteInput
from responder.settings import Label, ResponderSettings
from responder.text import fold

MAX_PRIORITY = 100
SEVERITY_RANK = {"critical": 0, "high": 1, "normal": 2}


@dataclass(frozen=True, slots=True)
class PriorityAssessment:
    """A priority and the reasons for it, so staff can see why an item is high."""

    priority: int  # 0–100, higher = sooner
    urgent: bool  # an urgency phrase matched: the SLA is shortened too
    reasons: tuple[str, ...]  # e.g. ("urgent: 'refund'", "regular: 7 mentions")
    severity: str = "normal"  # "critical" | "high" | "normal"; complaints only
    severity_reason: str | None = None  # "critical: possible food poisoning"
    severity_score: float = 0.0  # confidence it is critical (complaints only)


class PriorityScorer:
    """Scores one classified mention for the label that decided its route."""

    def __init__(self, settings: ResponderSettings) -> None:
        """Compile the urgency patterns once; ``settings`` has already been validated."""
        self._settings = settings
        self._patterns = tuple(re.compile(p) for p in settings.urgency.patterns)

    def urgent_cues(self, text: str) -> tuple[str, ...]:
        """The urgency phrases found in ``text`` (folded), in pattern order."""
        folded = fold(text)
        found = (pattern.search(folded) for pattern in self._patterns)
        return tuple(match.group(0).strip() for match in found if match)

    def assess(self, label: Label, item: RouteInput) -> PriorityAssessment:
        """Base priority of ``label``'s rule plus urgency and loyalty bumps, capped at 100."""
        urgency = self._settings.urgency
        loyalty = self._settings.loyalty
        priority = self._settings.rules.rule_for(label).priority
        reasons: list[str] = []
        cues: tuple[str, ...] = ()
        severity, why = severity_of(label, item)
        if severity != "normal":
            bumps = self._settings.severity
            priority += bumps.critical_bump if severity == "critical" else bumps.high_bump
            reasons.append(why or severity)
        if label in urgency.labels:
            cues = self.urgent_cues(item.text)
            if cues:
                priority += urgency.pattern_bump
                reasons.append("urgent: " + ", ".join(repr(c) for c in cues))
            score = item.scores.get(label, 0.0)
            if score >= urgency.score_threshold:
                priority += urgency.score_bump
                reasons.append(f"strong {label}: score {score:.2f}")
        if item.person_mentions >= loyalty.min_mentions:
            priority += loyalty.bump
            reasons.append(f"regular: {item.person_mentions} mentions")
        score = (item.severity_score or 0.0) if label == "complaint" else 0.0
        return PriorityAssessment(
            min(priority, MAX_PRIORITY), bool(cues), tuple(reasons), severity, why, score
        )


def severity_of(label: str, item: RouteInput) -> tuple[str, str | None]:
    """A complaint's severity and the line staff read ("critical: possible food poisoning");
    other labels, and posts never assessed, are normal."""
    if label != "complaint" or item.severity not in ("critical", "high"):
        return "normal", None
    if item.severity == "critical":
        return "critical", f"critical: {item.severity_reason or 'harm reported'}"
    return "high", "high"


def most_severe(assessments: list[PriorityAssessment]) -> PriorityAssessment | None:
    """The most severe assessment (the first of equals), None when the list is empty."""
    ranked = sorted(
        assessments, key=lambda a: (SEVERITY_RANK.get(a.severity, 2), -a.severity_score)
    )
    return ranked[0] if ranked else None
