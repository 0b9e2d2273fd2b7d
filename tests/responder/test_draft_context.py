"""What a draft's context is built from: the complaint's topic."""

from __future__ import annotations

from collections.abc import Iterable

import pytest

from responder.draft_context import _topic
from responder.draft_input import DraftInput, DraftPost
from responder.picking import Passage
from responder.topics import detect_topic


def _complaint(*texts: str) -> DraftInput:
    return DraftInput(
        label="complaint",
        posts=tuple(DraftPost(t, ("complaint",)) for t in texts),
        lang="id",
        brand="Kopi Senja",
    )


def test_the_posts_topic_is_detected_once_when_the_quote_names_none(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The posts' topic decides when neither the focus nor the quote names one; it was
    detected twice (once for "health", again as the last resort), over the same posts."""
    seen: list[tuple[str, ...]] = []

    def counting(texts: Iterable[str]) -> str | None:
        group = tuple(texts)
        seen.append(group)
        return detect_topic(group)

    monkeypatch.setattr("responder.draft_context.detect_topic", counting)
    texts = ["Antri 40 menit di kasir, pesanan belum jadi juga.", "Kecewa banget."]
    passage = Passage("complaint", 1, "Kecewa banget.", "Kecewa banget", 0.9)

    assert _topic(_complaint(*texts), texts, passage) == "wait"
    assert len(seen) == len(set(seen)) == 3  # the posts, the focus, the quote: once each


def test_health_anywhere_in_the_posts_wins_over_the_quote() -> None:
    texts = ["Kopinya pahit banget.", "Abis minum itu saya diare semalaman."]
    passage = Passage("complaint", 0, "Kopinya pahit banget.", "Kopinya pahit banget", 0.9)
    assert _topic(_complaint(*texts), texts, passage) == "health"
