"""Shared builders for responder tests."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar

import pytest

from responder.base import Recipient, RouteInput
from responder.channels.manual import ManualChannel
from responder.routing import Router
from responder.settings import ResponderSettings

NOW = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)

MakeItem = Callable[..., RouteInput]


@pytest.fixture
def now() -> datetime:
    return NOW


@pytest.fixture
def make_item() -> MakeItem:
    """A RouteInput with sensible defaults; override any field by keyword."""

    def build(**overrides: Any) -> RouteInput:
        recipient = Recipient(
            name=overrides.pop("name", "Rina Wulandari"),
            platform=overrides.get("platform", "x"),
            handle=overrides.pop("handle", "@rinaw"),
            email=overrides.pop("email", None),
        )
        fields: dict[str, Any] = {
            "mention_id": 1,
            "platform": "x",
            "text": "Kopinya enak banget, baristanya ramah!",
            "url": "https://x.com/rinaw/status/1",
            "brand": "Kopi Senja",
            "labels": ("praise",),
            "scores": {"praise": 0.8, "complaint": 0.05, "idea": 0.05},
            "lang": "id",
            "recipient": recipient,
            "created_at": datetime(2026, 11, 20, 9, 0, tzinfo=UTC),
            "person_mentions": 1,
        }
        fields.update(overrides)
        return RouteInput(**fields)

    return build


@pytest.fixture
def router() -> Router:
    return Router(ResponderSettings(), [ManualChannel()])


class FakeScorer:
    """A stand-in for the classifier's sentence scorer in unit tests.

    It gives 0.95 for a label when the text contains one of that label's keywords
    and 0.05 otherwise, and records every call so tests can check the batching.
    """

    KEYWORDS: ClassVar[dict[str, tuple[str, ...]]] = {
        "complaint": (
            "sick", "wrong", "rude", "refund", "kepotong", "kecewa", "telat", "lama", "error",
            "gak bisa", "queue", "waited", "sakit", "diare", "crashed", "belum masuk", "dairy",
        ),
        "idea": ("please add", "tolong tambahin", "sebaiknya", "semoga ada", "usul", "would be"),
        "praise": ("love", "enak", "best", "favourite", "ramah", "makasih", "friendly", "great"),
    }  # fmt: skip

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def __call__(self, texts: Sequence[str]) -> list[dict[str, float]]:
        self.calls.append(list(texts))
        return [self.score(text) for text in texts]

    def score(self, text: str) -> dict[str, float]:
        folded = text.casefold()
        return {
            label: 0.95 if any(k in folded for k in keywords) else 0.05
            for label, keywords in self.KEYWORDS.items()
        }


@pytest.fixture
def scorer() -> FakeScorer:
    return FakeScorer()
