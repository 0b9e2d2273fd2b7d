"""What `simak train --max-examples` trains on is what the model card lists."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import classifier.training.train as training
from classifier.datasets import from_labels


def _texts(prefix: str, n: int) -> list[Any]:
    return [from_labels(f"{prefix} {i}", ("praise",), "en", prefix) for i in range(n)]


@pytest.mark.parametrize(("limit", "pool_used"), [(None, 4), (3, 0), (7, 2)])
def test_pool_count_is_what_was_trained_on(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, limit: int | None, pool_used: int
) -> None:
    """A capped run listed every pool text loaded (2,593 of them beside train: 200)."""
    monkeypatch.setattr(training, "load_simak_annotated", lambda _d: [])
    monkeypatch.setattr(training, "split_simak", lambda _s: (_texts("own", 5), [], []))
    monkeypatch.setattr(training, "load_pool", lambda: [])
    monkeypatch.setattr(training, "split_pool", lambda _p: (_texts("pool", 4), []))
    sets = training.training_sets(tmp_path, use_proxies=False, with_general=False, limit=limit)
    assert sets.counts["train"] == (9 if limit is None else limit)
    assert sets.counts["pool_train"] == pool_used
