"""Brands: moving what a brand brought in to its new name after a rename in the config."""

from __future__ import annotations

from common.errors import ConfigError, UsageError
from simak.app import App
from simak.usecases.route import BatchRouter
from simak.wiring import build_router
from storage import brands
from storage.brands import BrandRename as BrandRename


def rename(app: App, old: str, new: str, actor: str, *, dry_run: bool = False) -> BrandRename:
    """Move every row stored under brand ``old`` to ``new``, in one transaction. The config
    is renamed first: ``new`` must be a configured brand and ``old`` no longer one.
    Conversations folded together are planned again from all their posts."""
    _check_config(app, old, new)
    router = BatchRouter(app.settings, build_router(app), app.approved)
    with app.db.session() as session:
        result = brands.rename(session, old, new, actor, app.clock(), dry_run=dry_run)
        if not any(result.counts.values()):
            raise UsageError(_nothing_under(old, new, brands.stored_brands(session), app))
        if result.kept and not dry_run:
            why = f"brand {old} renamed to {new}: conversations joined"
            router.replan_conversations(session, result.kept, actor, app.clock(), why)
    return result


def _check_config(app: App, old: str, new: str) -> None:
    names = app.settings.names()
    if old == new:
        raise UsageError(f"OLD and NEW are both {old!r}; give the old name, then the new one")
    if new not in names:
        raise ConfigError(
            f"brand {new!r} is not in {app.config_path}; rename the brand there first "
            f"(name: {new}), then run `simak brands rename {old} {new}`; "
            f"configured: {', '.join(names)}"
        )
    if old in names:
        raise UsageError(
            f"brand {old!r} is still in {app.config_path}; rename it there first "
            f"(name: {new}, keep display_name), then run this again"
        )


def _nothing_under(old: str, new: str, stored: list[str], app: App) -> str:
    orphans = [s for s in stored if s not in app.settings.names()]
    hint = (
        f"names stored but no longer configured: {', '.join(orphans)}"
        if orphans
        else (f"every stored name is configured (already renamed to {new}?)")
    )
    return f"nothing is stored under brand {old!r}; {hint}"
