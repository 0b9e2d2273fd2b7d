"""The e5 SentencePiece tokenizer rebuilt with ``tokenizers``, plus head+tail truncation."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
from tokenizers import Tokenizer, models, pre_tokenizers

from classifier.embedded.e5s1 import E5Vocab

PREFIX = "query: "
_SPACES = re.compile(" {2,}")

IntArray = npt.NDArray[np.int64]


class E5Tokenizer:
    """Turns texts into e5 token ids (``<s> query: … </s>``), long texts cut head + tail."""

    def __init__(self, vocab: E5Vocab, max_tokens: int) -> None:
        if max_tokens < 8:
            raise ValueError("max_tokens must be at least 8")
        pieces = list(zip(vocab.pieces, vocab.scores, strict=True))
        model = models.Unigram(pieces, unk_id=vocab.unk, byte_fallback=False)
        self._tok = Tokenizer(model)
        self._tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
        self._table = dict(vocab.norm_map.items())
        self._bos, self._eos, self.pad_id = vocab.bos, vocab.eos, vocab.pad
        self.max_tokens = max_tokens

    def normalize(self, text: str) -> str:
        """Apply the vocabulary's character map and collapse repeated spaces."""
        return _SPACES.sub(" ", text.translate(self._table))

    def encode(self, texts: Sequence[str]) -> list[list[int]]:
        """Token ids per text, with ``<s>``/``</s>``, at most ``max_tokens`` each."""
        prepared = [PREFIX + self.normalize(t) for t in texts]
        encodings = self._tok.encode_batch(prepared, add_special_tokens=False)
        return [self._wrap(enc.ids) for enc in encodings]

    def _wrap(self, ids: list[int]) -> list[int]:
        room = self.max_tokens - 2
        if len(ids) > room:
            head = (room + 1) // 2
            ids = ids[:head] + ids[len(ids) - (room - head) :]
        return [self._bos, *ids, self._eos]


def pad_batch(batch: Sequence[Sequence[int]], pad_id: int) -> tuple[IntArray, IntArray]:
    """Right-pad a batch to its longest member: ``(input_ids, attention_mask)``."""
    width = max(len(ids) for ids in batch)
    input_ids = np.full((len(batch), width), pad_id, dtype=np.int64)
    mask = np.zeros((len(batch), width), dtype=np.int64)
    for row, ids in enumerate(batch):
        input_ids[row, : len(ids)] = ids
        mask[row, : len(ids)] = 1
    return input_ids, mask


def save_tokenizer(tok: E5Tokenizer, folder: Path) -> None:
    """Write ``tokenizer.json`` and the specials + character map (``vocab_extra.json``)."""
    tok._tok.save(str(folder / "tokenizer.json"))
    extra = {
        "bos": tok._bos,
        "eos": tok._eos,
        "pad": tok.pad_id,
        "norm_map": {str(k): v for k, v in sorted(tok._table.items())},
    }
    (folder / "vocab_extra.json").write_text(
        json.dumps(extra, ensure_ascii=False), encoding="utf-8"
    )


#: Parsed ``tokenizer.json`` files by content digest: the classifier and the ideas board's
#: encoder ship the same vocabulary, parsed once per process (about a second each).
_PARSED: dict[str, Tokenizer] = {}


def _parse(path: Path) -> Tokenizer:
    """The ``tokenizers`` model in ``path``; a file with the same bytes is parsed once
    (encoding only reads it, so one object serves every runtime)."""
    data = path.read_bytes()
    key = hashlib.sha256(data).hexdigest()
    if key not in _PARSED:
        _PARSED[key] = Tokenizer.from_str(data.decode("utf-8"))
    return _PARSED[key]


def load_tokenizer(folder: Path, max_tokens: int) -> E5Tokenizer:
    """Load a tokenizer written by :func:`save_tokenizer`."""
    extra = json.loads((folder / "vocab_extra.json").read_text(encoding="utf-8"))
    tok = E5Tokenizer.__new__(E5Tokenizer)
    tok._tok = _parse(folder / "tokenizer.json")
    tok._table = {int(k): v for k, v in extra["norm_map"].items()}
    tok._bos, tok._eos, tok.pad_id = extra["bos"], extra["eos"], extra["pad"]
    if max_tokens < 8:
        raise ValueError("max_tokens must be at least 8")
    tok.max_tokens = max_tokens
    return tok
