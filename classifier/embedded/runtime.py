"""Run the built ONNX model on token batches: length-sorted batches, dynamic padding."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from classifier.embedded.cache import MODEL_FILE
from classifier.embedded.tokenizer import E5Tokenizer, load_tokenizer, pad_batch
from common.errors import ClassifierError


class EncoderRuntime:
    """An ONNX Runtime session plus tokenizer that maps texts to raw logits."""

    def __init__(self, folder: Path, max_tokens: int, threads: int, batch_size: int) -> None:
        import onnxruntime as ort

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        try:
            self._session = ort.InferenceSession(
                str(folder / MODEL_FILE), opts, providers=["CPUExecutionProvider"]
            )
            self.tokenizer: E5Tokenizer = load_tokenizer(folder, max_tokens)
        except Exception as exc:  # onnxruntime raises its own untyped errors
            raise ClassifierError(
                f"cannot load the embedded model from {folder}: {exc}; delete that folder "
                "to rebuild it"
            ) from exc
        self._batch_size = batch_size

    def logits(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """Logits ``[len(texts), labels]``; texts are tokenised, sorted by length, batched."""
        return self.run(texts, pooled=False)[0]

    def run(
        self, texts: Sequence[str], *, pooled: bool = True, layer: int | None = None
    ) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
        """Logits ``[n, labels]`` and, with ``pooled``, sentence embeddings ``[n, hidden]``
        (mean-pooled, as the head reads them; with ``layer``, mean-pooled after that
        encoder layer instead) from one pass of the encoder."""
        if not pooled:
            return self._outputs(texts, ["logits"], [3])[0], np.zeros((len(texts), 0), np.float32)
        which = "pooled" if layer is None else f"pooled_l{layer}"
        logits, embeddings = self._outputs(texts, ["logits", which], [3, self.hidden])
        return logits, embeddings

    def pooled(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """Sentence embeddings ``[n, hidden]`` only (a graph built without a head)."""
        return self._outputs(texts, ["pooled"], [self.hidden])[0]

    def _outputs(
        self, texts: Sequence[str], names: list[str], widths: list[int]
    ) -> list[npt.NDArray[np.float32]]:
        """The named outputs, one ``[len(texts), width]`` array each, in input order."""
        missing = set(names) - {o.name for o in self._session.get_outputs()}
        if missing:
            raise ClassifierError(
                f"the embedded model has no output {sorted(missing)[0]!r}; delete the cache "
                "folder (SIMAK_CACHE_DIR) to rebuild it"
            )
        results = [np.zeros((len(texts), w), np.float32) for w in widths]
        if not texts:
            return results
        encoded = self.tokenizer.encode(texts)
        order = sorted(range(len(encoded)), key=lambda i: len(encoded[i]))
        for rows in self._groups(order, [len(e) for e in encoded]):
            ids, mask = pad_batch([encoded[i] for i in rows], self.tokenizer.pad_id)
            batch = self._session.run(names, {"input_ids": ids, "attention_mask": mask})
            for out, value in zip(results, batch, strict=True):
                out[rows] = np.asarray(value, np.float32)
        return results

    @property
    def hidden(self) -> int:
        """Width of the pooled sentence embedding."""
        for output in self._session.get_outputs():
            if output.name == "pooled":
                return int(output.shape[1])
        raise ClassifierError(
            "the embedded model in the cache has no sentence-embedding output; delete the "
            "cache folder (SIMAK_CACHE_DIR) to rebuild it"
        )

    def _groups(self, order: list[int], lengths: list[int]) -> list[list[int]]:
        """Split length-sorted rows into runs of at most ``batch_size``."""
        return plan_batches([lengths[i] for i in order], self._batch_size, order)


RUN_OVERHEAD_TOKENS = 80  # one extra session run costs about as much as this many tokens (measured)


def plan_batches(
    sorted_lengths: Sequence[int], batch_size: int, rows: Sequence[int]
) -> list[list[int]]:
    """Cheapest split of length-sorted rows into contiguous runs of at most ``batch_size``.

    A run costs its padded size (rows × longest) plus a fixed per-run overhead, so short
    and long posts are not padded together, yet a call is not cut into many tiny runs.
    Dynamic programming over run ends: O(rows × batch_size).
    """
    n = len(sorted_lengths)
    best = [0.0] + [float("inf")] * n
    start_of = [0] * (n + 1)
    for end in range(1, n + 1):
        for begin in range(max(0, end - batch_size), end):
            cost = best[begin] + (end - begin) * sorted_lengths[end - 1] + RUN_OVERHEAD_TOKENS
            if cost < best[end]:
                best[end], start_of[end] = cost, begin
    runs: list[list[int]] = []
    end = n
    while end > 0:
        runs.append(list(rows[start_of[end] : end]))
        end = start_of[end]
    return runs[::-1]
