"""Every size, count and time option of every source is bounded, and a value outside
the range (or a blank term) is one config error line that says what is allowed."""

from __future__ import annotations

import math
from typing import Any

import pytest
from pydantic import BaseModel

from common.errors import ConfigError
from simak.registry import SOURCE_TYPES, validate_options

REQUIRED: dict[str, dict[str, Any]] = {
    "files": {"path": "x.jsonl"},
    "feeds": {"urls": ["https://example.com/feed"]},
    "reddit": {"client_id": "${A}", "client_secret": "${B}"},
    "x": {"bearer_token": "${A}"},
    "mastodon": {"api_base_url": "https://m.example", "mentions": False, "hashtags": ["kopi"]},
    "bluesky": {"handle": "kopi.bsky.social", "app_password": "${A}"},
    "hackernews": {},
}


def model(kind: str) -> type[BaseModel]:
    return SOURCE_TYPES[kind].load()[0]


def error(kind: str, **bad: Any) -> str:
    with pytest.raises(ConfigError) as info:
        validate_options(model(kind), {**REQUIRED[kind], **bad}, "config.yaml: sources[0].options")
    message = str(info.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize("kind", sorted(SOURCE_TYPES))
def test_every_numeric_option_has_a_range(kind: str) -> None:
    for name, info in model(kind).model_fields.items():
        if info.annotation not in (int, float):
            continue
        bounded = [
            m for m in info.metadata if "within" in getattr(m, "func", lambda: 0).__qualname__
        ]
        assert bounded, f"{kind}.{name} has no range"
        with pytest.raises(ConfigError, match="must be between"):
            validate_options(model(kind), {**REQUIRED[kind], name: math.inf}, "c: o")


@pytest.mark.parametrize(
    ("kind", "bad", "said"),
    [
        (
            "feeds",
            {"timeout_s": math.inf},
            "timeout_s: must be between 0.1 and 600 seconds; got inf",
        ),
        (
            "feeds",
            {"max_bytes": 1e29},
            "max_bytes: must be between 1024 and 104857600 bytes",
        ),
        (
            "feeds",
            {"deadline_s": math.nan},
            "deadline_s: must be between 1 and 600 seconds",
        ),
        ("feeds", {"urls": [""]}, "urls[0]: must not be empty or blank"),
        ("files", {"max_record_bytes": -1}, "must be between 1024 and 67108864 bytes"),
        ("reddit", {"subreddits": ["  "]}, "subreddits[0]: must not be empty"),
        ("reddit", {"limit": 10**9}, "limit: must be between 1 and 1000 items"),
        ("reddit", {"attempts": 1000}, "attempts: must be between 1 and 10 tries"),
        ("x", {"query": ""}, "query: must not be empty"),
        ("x", {"max_wait_s": -1}, "max_wait_s: must be between 0 and 3600 seconds"),
        ("mastodon", {"hashtags": [""]}, "hashtags[0]: must not be empty"),
        ("bluesky", {"queries": [""]}, "queries[0]: must not be empty"),
        ("hackernews", {"queries": ["ok", " "]}, "queries[1]: must not be empty"),
    ],
)
def test_out_of_range_options_are_one_clear_line(kind: str, bad: dict[str, Any], said: str) -> None:
    assert said in error(kind, **bad)
