"""``EmbeddedClassifier``: the default backend (fine-tuned multilingual-e5-small, ONNX int8)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Annotated, Literal

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field, field_validator

from classifier.base import LABELS, Classification, Label
from classifier.embedded.cache import ensure_built, ensure_built_base
from classifier.embedded.model_files import Manifest, read_manifest
from classifier.embedded.runtime import EncoderRuntime
from classifier.text import clean_text

DEFAULT_VERSION = "e5s-d6-2026.12.04"
MODELS_DIR = Path(__file__).resolve().parent.parent / "models"
Threshold = Annotated[float, Field(ge=0.0, le=1.0)]


class EmbeddedOptions(BaseModel):
    """Settings of the embedded backend (``classifier.embedded`` in ``config.yaml``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str = Field(DEFAULT_VERSION, description="model folder name under classifier/models")
    path: Path | None = Field(None, description="explicit model folder (overrides version)")
    thresholds: dict[Label, Threshold] | None = Field(None, description="per-label overrides, 0..1")
    batch_size: int = Field(32, ge=1, le=512)
    threads: int = Field(2, ge=1, le=64)
    max_tokens: int = Field(128, ge=16, le=512)
    quantization: Literal["weights8", "token8", "dynamic8"] | None = Field(
        None,
        description="default: the mode the model's thresholds were calibrated with "
        "(its manifest). weights8: 8-bit weights, activations quantised per token and block "
        "of 32 (batch-independent, most accurate); token8: int8 GEMMs, activations "
        "quantised per token (batch-independent, ~2x faster, dev macro-F1 ~0.004 lower); "
        "dynamic8: ONNX Runtime dynamic int8 (~1.8x faster, a text's scores shift slightly "
        "with the other texts in its batch)",
    )

    sentence_quantization: Literal["weights8", "token8", "dynamic8"] | None = Field(
        "token8",
        description="the mode of the second pass that scores the sentences a draft may quote "
        "(picking the one to quote, not labelling the post); token8: ~2x faster than "
        "weights8 with the same picking accuracy on held-aside posts; None: as quantization",
    )

    @field_validator("version")
    @classmethod
    def _shipped_version(cls, version: str) -> str:
        """A typo in ``version`` is a config error naming the versions there are (a model
        of your own is selected with ``path``)."""
        if "/" in version or not (MODELS_DIR / version / "manifest.json").is_file():
            raise ValueError(
                f"unknown model version; use one of {', '.join(shipped_versions())}"
                " (or options.path for a model trained with `simak train`)"
            )
        return version

    def model_dir(self) -> Path:
        """The model folder these options select."""
        return self.path if self.path is not None else MODELS_DIR / self.version


def shipped_versions() -> list[str]:
    """The model versions shipped under ``classifier/models``."""
    found = [p.parent.name for p in MODELS_DIR.glob("*/manifest.json")]
    return sorted(found)


def calibrate(
    logits: npt.NDArray[np.float32], manifest: Manifest, langs: Sequence[str] | None = None
) -> npt.NDArray[np.float64]:
    """Calibrated probabilities ``sigmoid(a·logit + b)`` per label; with ``langs`` (one
    per row) each row uses its language's parameters where the model has them."""
    rows = len(logits)
    keys = list(langs) if langs is not None else [""] * rows
    params = {lang: manifest.calibration_for(lang) for lang in set(keys)}
    a = np.array([[params[k][lab][0] for lab in LABELS] for k in keys]).reshape(rows, len(LABELS))
    b = np.array([[params[k][lab][1] for lab in LABELS] for k in keys]).reshape(rows, len(LABELS))
    return platt(logits, a, b)


def platt(
    logits: npt.NDArray[np.floating], a: npt.NDArray[np.float64], b: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """``sigmoid(a·logit + b)`` (``a``, ``b`` broadcast over the logits), overflow-safe."""
    z = np.clip(logits.astype(np.float64) * a + b, -60.0, 60.0)
    probs: npt.NDArray[np.float64] = 1.0 / (1.0 + np.exp(-z))
    return probs


def _open(folder: Path, options: EmbeddedOptions) -> EncoderRuntime:
    """A runtime for a built model folder, with the configured length, threads and batch."""
    return EncoderRuntime(folder, options.max_tokens, options.threads, options.batch_size)


class EmbeddedClassifier:
    """Offline praise / complaint / idea classifier; builds its runtime model on first use."""

    def __init__(
        self,
        options: EmbeddedOptions,
        cache_dir: Path,
        progress: Callable[[str], None] | None = None,
    ) -> None:
        from classifier.lang import detect_language

        model_dir = options.model_dir()
        self._model_dir = model_dir
        self._manifest = read_manifest(model_dir)
        folder = ensure_built(
            model_dir,
            self._manifest,
            Path(cache_dir).expanduser(),
            progress,
            options.quantization or self._manifest.quantization,
        )
        self._runtime = _open(folder, options)
        self._options, self._cache_dir, self._progress = options, Path(cache_dir), progress
        self._quantization = options.quantization or self._manifest.quantization
        self._sentence_runtime: EncoderRuntime | None = None
        self._base_runtime: EncoderRuntime | None = None
        self._thresholds = self._merged_thresholds("")
        self._detect = detect_language

    def _merged_thresholds(self, lang: str) -> npt.NDArray[np.float64]:
        """The model's thresholds for ``lang``, with the configured overrides on top."""
        merged = self._manifest.thresholds_for(lang)
        merged.update(dict((self._options.thresholds or {}).items()))
        return np.array([merged[lab] for lab in LABELS])

    @property
    def model_id(self) -> str:
        """``embedded/<version>``."""
        return f"embedded/{self._manifest.version}"

    @property
    def thresholds(self) -> Mapping[Label, float]:
        """Effective per-label decision thresholds (for posts in a language the model has no
        thresholds of its own for; see :meth:`thresholds_for`)."""
        return dict(zip(LABELS, self._thresholds.tolist(), strict=True))

    def thresholds_for(self, lang: str) -> Mapping[Label, float]:
        """Effective per-label decision thresholds for posts in ``lang`` (``en``, ``id``)."""
        return dict(zip(LABELS, self._merged_thresholds(lang).tolist(), strict=True))

    def probabilities(self, texts: Sequence[str]) -> npt.NDArray[np.float64]:
        """Calibrated probabilities ``[len(texts), 3]``; identical texts are run once."""
        return self._probabilities([clean_text(t) for t in texts])

    def _probabilities(self, cleaned: Sequence[str]) -> npt.NDArray[np.float64]:
        unique = sorted({t for t in cleaned if t})
        probs = calibrate(self._runtime.logits(unique), self._manifest)
        row_of = {t: i for i, t in enumerate(unique)}
        out = np.zeros((len(cleaned), len(LABELS)))
        for i, text in enumerate(cleaned):
            if text:
                out[i] = probs[row_of[text]]
        return out

    def score_sentences(self, texts: Sequence[str]) -> list[dict[str, float]]:
        """Label probabilities (``Classification.scores``: rounded to 4 places) of short
        texts a draft may quote, from the sentence pass (``sentence_quantization``); no
        language or severity. Identical texts are run once."""
        cleaned = [clean_text(t) for t in texts]
        unique = sorted({t for t in cleaned if t})
        probs = calibrate(self._sentences().logits(unique), self._manifest)
        row_of = {t: i for i, t in enumerate(unique)}
        rows = [[round(float(p), 4) for p in row] for row in probs]
        zero = [0.0] * len(LABELS)
        return [dict(zip(LABELS, rows[row_of[t]] if t else zero, strict=True)) for t in cleaned]

    def _sentences(self) -> EncoderRuntime:
        """The runtime of the sentence pass: built (and cached) on first use."""
        if self._sentence_runtime is None:
            mode = self._options.sentence_quantization or self._quantization
            if mode == self._quantization:
                self._sentence_runtime = self._runtime
            else:
                options = self._options
                folder = ensure_built(
                    options.model_dir(), self._manifest, self._cache_dir.expanduser(),
                    self._progress, mode,
                )  # fmt: skip
                self._sentence_runtime = _open(folder, options)
        return self._sentence_runtime

    def _base(self) -> EncoderRuntime:
        """The untuned encoder's runtime (see :meth:`embed`), built on first use."""
        if self._base_runtime is None:
            options = self._options
            folder = ensure_built_base(
                self._cache_dir.expanduser(), options.max_tokens, self._progress
            )
            self._base_runtime = _open(folder, options)
        return self._base_runtime

    @property
    def model_dir(self) -> Path:
        """The model folder (its files: weights, manifest, card, and the ideas board's head)."""
        return self._model_dir

    @property
    def default_model_dir(self) -> Path:
        """The default model's folder: its ideas-board head reads the untuned encoder, so a
        model folder without a head of its own can use it."""
        return self._model_dir.parent / DEFAULT_VERSION

    def embed(
        self, texts: Sequence[str], layer: int | None = None, *, base: bool = False
    ) -> npt.NDArray[np.float32]:
        """Unit-length sentence embeddings ``[len(texts), hidden]`` from the fine-tuned encoder
        (the same pass that classifies; an empty text gives a zero vector). With ``layer``:
        mean-pooled after that encoder layer (1 … layers-1) instead of the last. With
        ``base``: from the untuned multilingual-e5-small this model was trained from (its
        own pass, built and cached on first use; ``layer`` is ignored)."""
        cleaned = [clean_text(t) for t in texts]
        unique = sorted({t for t in cleaned if t})
        if base:
            pooled = self._base().pooled(unique)
        else:
            _, pooled = self._runtime.run(unique, layer=layer)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        pooled = pooled / np.maximum(norms, 1e-12)
        row_of = {t: i for i, t in enumerate(unique)}
        out = np.zeros((len(cleaned), pooled.shape[1] if len(unique) else 0), np.float32)
        for i, text in enumerate(cleaned):
            if text:
                out[i] = pooled[row_of[text]]
        return out

    def classify(self, texts: Sequence[str]) -> list[Classification]:
        """Classify ``texts``; one result per text, in order (empty text → other)."""
        return self.classify_with_vectors(texts)[0]

    def classify_with_vectors(
        self, texts: Sequence[str]
    ) -> tuple[list[Classification], npt.NDArray[np.float32]]:
        """Classify ``texts`` and return the pooled sentence vectors of the same encoder pass
        (``[len(texts), hidden]``, not normalised; zero for an empty text)."""
        cleaned = [clean_text(t) for t in texts]
        unique = sorted({t for t in cleaned if t})
        logits, pooled = self._runtime.run(unique)
        langs = {t: self._detect(t) if t else "und" for t in set(cleaned)}
        probs = calibrate(logits, self._manifest, [langs[t] for t in unique])
        cuts = {lang: self._merged_thresholds(lang) for lang in set(langs.values())}
        row_of = {t: i for i, t in enumerate(unique)}
        vectors = np.zeros((len(cleaned), pooled.shape[1] if len(unique) else 0), np.float32)
        results = []
        for i, text in enumerate(cleaned):
            row = probs[row_of[text]] if text else np.zeros(len(LABELS))
            if text:
                vectors[i] = pooled[row_of[text]]
            cut = cuts[langs[text]]
            fired = tuple(lab for lab, p, t in zip(LABELS, row, cut, strict=True) if p >= t)
            scores: dict[str, float] = {
                lab: round(float(p), 4) for lab, p in zip(LABELS, row, strict=True)
            }
            results.append(Classification(fired, scores, langs[text], self.model_id))
        return results, vectors
