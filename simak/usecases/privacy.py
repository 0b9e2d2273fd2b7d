"""Forgetting a person and keeping data no longer than configured."""

from __future__ import annotations

from datetime import timedelta

from simak.app import App
from storage.erasure import Erasure as Erasure
from storage.erasure import forget as erase
from storage.erasure import purge as purge_old


def forget(app: App, person_id: int, actor: str, *, dry_run: bool = False) -> Erasure:
    """Erase a person (and everyone merged into them) from every table; the audit log keeps
    only counts. ``dry_run`` counts what would go and changes nothing."""
    with app.db.session() as session:
        return erase(session, person_id, actor, app.clock(), dry_run)


def purge(app: App, *, dry_run: bool = False) -> dict[str, int]:
    """Apply `retention`: raw payloads after raw_days, posts after mention_days."""
    cfg = app.settings.retention
    now = app.clock()
    far = now - timedelta(days=365 * 1000)
    raw_before = now - timedelta(days=cfg.raw_days) if cfg.raw_days else far
    mentions_before = now - timedelta(days=cfg.mention_days) if cfg.mention_days else far
    with app.db.session() as session:
        return purge_old(session, raw_before, mentions_before, now, dry_run=dry_run)
