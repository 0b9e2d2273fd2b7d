"""Severity levels, critical reasons and the one-line reason staff read."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

Level = Literal["critical", "high", "normal"]

#: Most severe first; the rank of a level is its index (0 = most severe).
LEVELS: Final[tuple[Level, ...]] = ("critical", "high", "normal")

#: Critical reasons the learned head was trained on, most concrete harm first (the
#: guideline's tie-break order); the head's reason weights have one column per entry.
REASONS: Final = (
    "food_poisoning",
    "foreign_object",
    "allergy",
    "injury",
    "fraud",
    "money_lost",
    "data_leak",
    "legal_threat",
    "going_public",
)

#: Every reason the phrase rules name, in their tie-break order: ``health`` (illness or a
#: bad reaction after a non-food product or service: a perfume's headache, a clinic's
#: wrong prescription) comes after the food and physical harms; the head never names it.
RULE_REASONS: Final = (*REASONS[:4], "health", *REASONS[4:])

REASON_TEXT: Final = {
    "food_poisoning": "possible food poisoning",
    "foreign_object": "foreign object in the product",
    "allergy": "allergic or skin reaction",
    "injury": "injury or safety hazard",
    "health": "health problem reported",
    "fraud": "possible fraud (money taken)",
    "money_lost": "money lost (double or wrongful charge)",
    "data_leak": "leaked personal data",
    "legal_threat": "legal threat",
    "going_public": "threat to go public",
}


def rank(level: str) -> int:
    """0 for critical, 1 for high, 2 for normal (unknown levels count as normal)."""
    return LEVELS.index(level) if level in LEVELS else len(LEVELS) - 1  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class Assessment:
    """One text's severity, the critical reason (if critical) and what decided it."""

    level: Level
    reason: str | None = None  # a key of REASON_TEXT when critical
    method: str = "rules"  # "rules", "head", or "head+rules"
    score: float = 0.0  # probability of critical from the head (0 for rules alone)
    ruled: bool = False  # a phrase rule named the critical reason
    fallback: Level = "normal"  # the head's level if critical is ruled out

    @property
    def text(self) -> str:
        """What staff read: "critical: possible food poisoning", "high", "normal"."""
        if self.level == "critical" and self.reason:
            return f"critical: {REASON_TEXT.get(self.reason, self.reason)}"
        return self.level
