"""Shared builders for responder tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

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
