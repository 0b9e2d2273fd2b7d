"""Staff correct a mention's labels: stored for retraining, and the queue follows."""

from __future__ import annotations

from dataclasses import dataclass

from common.errors import UsageError
from common.records import LABELS, Classification
from simak.app import App
from simak.usecases.ideas import drop_from_board, group_pending
from simak.usecases.route import BatchRouter
from simak.wiring import build_router
from storage.corrections import Correction, correct_labels, corrections
from storage.followups import expect_version

__all__ = ["Corrected", "Correction", "correct", "parse_labels", "staff_corrections"]


@dataclass(frozen=True, slots=True)
class Corrected:
    """The stored correction and what happened to the follow-up."""

    mention_id: int
    result: Classification
    outcome: str


def parse_labels(text: str) -> tuple[str, ...]:
    """``--labels`` as typed: comma-separated labels, or ``other`` alone for none.

    Empty (an unset shell variable) and ``other`` beside a label are refused: either
    would silently replace the labels with something nobody meant."""
    names = [x.strip().lower() for x in text.split(",")]
    if not any(names):
        raise UsageError(
            f"--labels is empty; give {', '.join(LABELS)} (comma-separated) or other for none"
        )
    if "other" in names and any(x not in ("other", "") for x in names):
        raise UsageError(
            f"--labels {text}: 'other' means no label, so it cannot go with another one; "
            "give either other or the labels"
        )
    return tuple(dict.fromkeys(x for x in names if x and x != "other"))


def correct(
    app: App,
    mention_id: int,
    labels: tuple[str, ...],
    actor: str,
    *,
    seen: tuple[int, int] | None = None,
) -> Corrected:
    """Replace the labels of ``mention_id`` with ``labels`` (empty: other) and re-route it.

    A follow-up already approved goes back to ``open``: its draft may no longer fit.
    ``seen`` (follow-up id, version), from a page: refused, nothing changed, when that
    follow-up changed since (another correction, an edit, an approval).
    """
    router = BatchRouter(app.settings, build_router(app), app.approved)
    with app.db.session() as session:
        now = app.clock()
        if seen is not None:
            expect_version(session, *seen)
        result = correct_labels(session, mention_id, labels, actor, now)
        outcome = router.reroute(session, mention_id, result, actor, now)
    if "idea" not in result.labels:
        drop_from_board(app, mention_id, actor)
    group_pending(app)
    return Corrected(mention_id, result, outcome)


def staff_corrections(app: App) -> list[Correction]:
    """Every mention's current staff labels, oldest first: what `simak train` learns from."""
    with app.db.read() as session:
        return corrections(session)
