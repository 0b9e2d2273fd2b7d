"""Building the responder side from settings."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from classifier.base import SentenceScoring
from classifier.severity.wrap import SeverityClassifier
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
    the label (loaded on first use). A backend with a sentence pass of its own scores them
    there (no language or severity needed); any other classifies them."""
    model = app.classifier
    inner = model.inner if isinstance(model, SeverityClassifier) else model
    if isinstance(inner, SentenceScoring):
        return list(inner.score_sentences(texts))
    return [c.scores for c in model.classify(texts)]


def build_router(app: App) -> Router:
    """The router, with its draft templates checked up front (a broken one is exit 2)."""
    scorer = CachedScorer(lambda texts: _scores(app, texts))
    drafts = DraftWriter(app.settings.responder, scorer=scorer)
    drafts.check()
    return Router(app.settings.responder, build_channels(app), drafts, app.channel_set.unavailable)
