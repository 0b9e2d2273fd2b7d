"""Building the responder side from settings."""

from __future__ import annotations

from responder.base import Channel
from responder.channels.manual import ManualChannel
from responder.drafts import DraftWriter
from responder.routing import Router
from simak.app import App


def build_channels(app: App) -> list[Channel]:
    """Private channels: those injected into the App, else the configured ones; the manual
    channel (a task for staff) is always there as the last resort."""
    channels = list(app.channels) if app.channels is not None else []
    if not any(c.name == "manual" for c in channels):
        channels.append(ManualChannel())
    return channels


def build_router(app: App) -> Router:
    """The router, with its draft templates checked up front (a broken one is exit 2)."""
    drafts = DraftWriter(app.settings.responder)
    drafts.check()
    return Router(app.settings.responder, build_channels(app), drafts)
