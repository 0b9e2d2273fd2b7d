"""`simak mentions`: browse stored mentions — above all what the model left as "other",
so staff can spot-check it and correct it (`simak correct`, which feeds `simak train`)."""

from __future__ import annotations

from dataclasses import dataclass

from classifier.uncertainty import unsure
from common.errors import UsageError
from common.records import LABELS
from simak.app import App
from storage.mention_list import MENTION_STATUSES, MentionLine, list_mentions

CHOICES = (*LABELS, "other")


@dataclass(frozen=True, slots=True)
class MentionView:
    """A mention, its labels, and the labels the model is unsure of."""

    mention: MentionLine
    check_me: tuple[str, ...]


def mentions(
    app: App,
    *,
    label: str | None = None,
    status: str | None = None,
    brand: str | None = None,
    unsure_only: bool = False,
    limit: int = 50,
) -> list[MentionView]:
    """Newest first, filtered; ``unsure_only`` keeps those with a label in the check-me band."""
    if label is not None and label not in CHOICES:
        raise UsageError(f"--label {label}: unknown; use {', '.join(CHOICES)}")
    if status is not None and status not in MENTION_STATUSES:
        raise UsageError(f"--status {status}: unknown; use {', '.join(MENTION_STATUSES)}")
    if brand is not None:
        app.settings.brand(brand)  # ConfigError for an unknown brand
    band = app.settings.classifier.check_me
    with app.db.read() as session:
        lines = list_mentions(
            session,
            label=label,
            status=status,
            brand=brand,
            unsure=band if unsure_only else None,
            limit=limit,
        )
    return [MentionView(m, unsure(m.scores, band) if m.scores else ()) for m in lines]
