"""Building the responder side from settings."""

from __future__ import annotations

from responder.base import Channel
from responder.drafts import DraftWriter
from responder.routing import Router
from simak.app import App


def build_channels(app: App) -> list[Channel]:
    """The private channels available now (``manual``, a task for staff, always)."""
    return list(app.channel_set.available.values())


def build_router(app: App) -> Router:
    """The router, with its draft templates checked up front (a broken one is exit 2)."""
    drafts = DraftWriter(app.settings.responder)
    drafts.check()
    return Router(app.settings.responder, build_channels(app), drafts, app.channel_set.unavailable)
