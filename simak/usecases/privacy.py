"""Forgetting a person and keeping data no longer than configured."""

from __future__ import annotations

from datetime import timedelta

from simak.app import App
from simak.usecases.ideas import recompute
from storage import idea_groups
from storage.erasure import Erasure as Erasure
from storage.erasure import forget as erase
from storage.erasure import purge as purge_old


def forget(app: App, person_id: int, actor: str, *, dry_run: bool = False) -> Erasure:
    """Erase a person (and everyone merged into them) from every table; the audit log keeps
    only counts. ``dry_run`` counts what would go and changes nothing. The idea groups that
    lost posts get their centroids rebuilt from the posts left (in the same transaction),
    so neither the erased words' meaning nor their count stays in a stored vector."""
    with app.db.session() as session:
        erasure = erase(session, person_id, actor, app.clock(), dry_run)
        for group_id in erasure.idea_groups:
            brand, _, _ = idea_groups.centroid_of(session, group_id)
            recompute(app, session, brand, group_id)
        return erasure


def purge(app: App, *, dry_run: bool = False) -> dict[str, int]:
    """Apply `retention`: raw payloads after raw_days, posts after mention_days."""
    cfg = app.settings.retention
    now = app.clock()
    far = now - timedelta(days=365 * 1000)
    raw_before = now - timedelta(days=cfg.raw_days) if cfg.raw_days else far
    mentions_before = now - timedelta(days=cfg.mention_days) if cfg.mention_days else far
    with app.db.session() as session:
        return purge_old(session, raw_before, mentions_before, now, dry_run=dry_run)
