"""Building the responder side from settings."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from responder.base import Channel
from responder.drafts import DraftWriter
from responder.picking import CachedScorer
from responder.routing import Router
from simak.app import App


def build_channels(app: App) -> list[Channel]:
    """The private channels available now (``manual``, a task for staff, always)."""
    return list(app.channel_set.available.values())


def _scores(app: App, texts: Sequence[str]) -> list[Mapping[str, float]]:
    """The classifier's label probabilities per text: drafts quote the sentences that carry
    the label (loaded on first use)."""
    return [c.scores for c in app.classifier.classify(texts)]


def build_router(app: App) -> Router:
    """The router, with its draft templates checked up front (a broken one is exit 2)."""
    scorer = CachedScorer(lambda texts: _scores(app, texts))
    drafts = DraftWriter(app.settings.responder, scorer=scorer)
    drafts.check()
    return Router(app.settings.responder, build_channels(app), drafts, app.channel_set.unavailable)
