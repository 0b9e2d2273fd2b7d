"""Forgetting a person and keeping data no longer than configured."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from simak.app import App
from simak.usecases.ideas import recompute, titler
from simak.usecases.route import BatchRouter
from simak.wiring import build_router
from storage import idea_groups
from storage.erasure import Erasure as Erasure
from storage.erasure import forget as erase
from storage.erasure import forget_author as erase_author
from storage.erasure import partly_expiring
from storage.erasure import purge as purge_old


def forget(app: App, person_id: int, actor: str, *, dry_run: bool = False) -> Erasure:
    """Erase a person (and everyone merged into them) from every table; the audit log keeps
    only counts. ``dry_run`` counts what would go and changes nothing. The idea groups that
    lost posts get their centroids rebuilt from the posts left (in the same transaction),
    so neither the erased words' meaning nor their count stays in a stored vector."""
    with app.db.session() as session:
        erasure = erase(session, person_id, actor, app.clock(), dry_run, titler(app))
        _recentre(app, session, erasure)
        return erasure


def forget_author(
    app: App, name: str, source: str | None, actor: str, *, dry_run: bool = False
) -> Erasure:
    """Erase the posts of an author known only by a display name (a feed's
    ``<author><name>``), in ``source`` or every source, exactly as :func:`forget` erases
    a person's: the name is compared after Unicode normalisation and case folding."""
    with app.db.session() as session:
        erasure = erase_author(session, name, source, actor, app.clock(), dry_run, titler(app))
        _recentre(app, session, erasure)
        return erasure


def _recentre(app: App, session: Session, erasure: Erasure) -> None:
    """The idea groups that lost posts get their centroids rebuilt from the posts left."""
    for group_id in erasure.idea_groups:
        brand, _, _ = idea_groups.centroid_of(session, group_id)
        recompute(app, session, brand, group_id)


def purge(app: App, *, dry_run: bool = False) -> dict[str, int]:
    """Apply `retention`: raw payloads after raw_days, posts after mention_days. An unsent
    conversation that keeps newer posts is drafted again from them (a staff-edited draft
    stays, with the new one as a suggestion); one with no post left is closed."""
    cfg = app.settings.retention
    now = app.clock()
    far = now - timedelta(days=365 * 1000)
    raw_before = now - timedelta(days=cfg.raw_days) if cfg.raw_days else far
    mentions_before = now - timedelta(days=cfg.mention_days) if cfg.mention_days else far
    with app.db.session() as session:
        kept = partly_expiring(session, mentions_before)
        counts = purge_old(
            session, raw_before, mentions_before, now, dry_run=dry_run, title_of=titler(app)
        )
        counts["followups_redrafted"] = len(kept)
        if kept and not dry_run:
            router = BatchRouter(app.settings, build_router(app), app.approved)
            why = "older posts passed retention.mention_days; drafted again from the newer ones"
            router.replan_conversations(session, kept, "retention", now, why)
        return counts
