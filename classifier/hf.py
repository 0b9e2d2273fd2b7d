"""Backend ``transformers``: any Hugging Face sequence-classification or NLI model.

Two modes:

* ``multilabel`` — a fine-tuned classifier; ``label_map`` maps the model's label names
  (``config.id2label``) onto praise / complaint / idea (unmapped names are ignored).
  A label_map name the model lacks is a config error. Multi-label models
  (``problem_type="multi_label_classification"``) use sigmoids, others softmax
  (``activation`` overrides it). Posts are cut to ``max_tokens``, never more than the
  model reads; a folder without tokenizer files is refused.
* ``zero-shot`` — an NLI model; each label is scored by the best entailment probability
  over its hypotheses (English and Indonesian templates by default).

torch and transformers are imported only when the backend is built (``simak[train]``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from classifier.base import LABELS, Classification, Label
from classifier.text import clean_text
from common.errors import ClassifierError, ConfigError

NAMES: tuple[str, ...] = LABELS
DEFAULT_HYPOTHESES: dict[Label, tuple[str, ...]] = {
    "praise": (
        "The author praises the product or service.",
        "Penulis memuji produk atau layanan ini.",
    ),
    "complaint": (
        "The author complains about a problem with the product or service.",
        "Penulis mengeluhkan masalah pada produk atau layanan ini.",
    ),
    "idea": (
        "The author suggests a new feature or an improvement.",
        "Penulis mengusulkan fitur baru atau perbaikan.",
    ),
}


class HFOptions(BaseModel):
    """Settings of the ``transformers`` backend."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    model: str = Field(..., description="local model directory or hub id")
    mode: Literal["multilabel", "zero-shot"] = "multilabel"
    label_map: dict[str, Label] | None = Field(None, description="model label name → our label")
    hypotheses: dict[Label, tuple[str, ...]] = Field(
        default_factory=lambda: dict(DEFAULT_HYPOTHESES)
    )
    thresholds: dict[Label, float] = Field(default_factory=lambda: dict.fromkeys(LABELS, 0.5))
    local_files_only: bool = True
    batch_size: int = Field(16, ge=1, le=512)
    max_tokens: int = Field(256, ge=8, le=4096)
    activation: Literal["auto", "sigmoid", "softmax"] = Field(
        "auto", description="auto: sigmoid for multi_label_classification models, else softmax"
    )


def _looks_like_path(model: str) -> bool:
    return model.startswith(("/", ".", "~")) or Path(model).expanduser().exists()


def _check_local(options: HFOptions) -> None:
    """A model given as a path must be a saved model folder: say so plainly (transformers
    would treat a missing path as a hub id, and an empty folder as a tokenizer problem)."""
    if not _looks_like_path(options.model):
        return
    folder = Path(options.model).expanduser()
    if not folder.is_dir():
        raise ClassifierError(
            f"transformers model {options.model}: not a folder; set options.model to a "
            "folder written by save_pretrained (or a Hugging Face id already in the local cache)"
        )
    if not (folder / "config.json").is_file():
        raise ClassifierError(
            f"transformers model {options.model}: no config.json there, so not a saved "
            "Hugging Face model; point options.model at the folder save_pretrained wrote"
        )


def _import_stack() -> tuple[Any, Any]:
    try:
        import torch
        import transformers
    except ImportError as exc:
        raise ClassifierError(
            f"the transformers backend needs torch and transformers ({exc.name} is missing); "
            "install them with: pip install 'simak[train]'"
        ) from exc
    return torch, transformers


def _load_error(options: HFOptions, exc: Exception) -> ClassifierError:
    if options.local_files_only and not _looks_like_path(options.model):
        return ClassifierError(
            f"Hugging Face model {options.model!r} is not on this machine and Simak "
            "downloads nothing (local_files_only: true); set options.model to a local "
            "model folder (save_pretrained), or allow one download with "
            "local_files_only: false"
        )
    if not _looks_like_path(options.model):
        return ClassifierError(
            f"cannot download Hugging Face model {options.model!r} (no network, or "
            "HF_HUB_OFFLINE is set?); download it where there is a network, save it with "
            "save_pretrained and set options.model to that folder"
        )
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return ClassifierError(
        f"cannot load Hugging Face model {options.model!r}: {first}; check that the folder "
        "holds what save_pretrained wrote for both the model and its tokenizer"
    )


def _check_tokenizer(options: HFOptions, tokenizer: Any) -> None:
    """transformers builds an empty tokenizer (only its special tokens) when a folder has
    no tokenizer files: every word would read as [UNK] and every post score the same."""
    words = len(tokenizer) - len(set(tokenizer.all_special_tokens))
    if words < 10:
        raise ClassifierError(
            f"transformers model {options.model}: its tokenizer has no vocabulary "
            f"({len(tokenizer)} tokens), so the tokenizer files are missing there; save them "
            "too: tokenizer.save_pretrained(folder), with the model's own tokenizer"
        )


def _position_limit(model_config: Any, tokenizer: Any) -> int | None:
    """How many tokens the model can read, or None when it does not say."""
    limits = []
    positions = getattr(model_config, "max_position_embeddings", None)
    if isinstance(positions, int) and positions > 0:
        # RoBERTa-style models number positions after the padding index (514 -> 512).
        offset = (
            (model_config.pad_token_id or 0) + 1
            if "roberta" in str(getattr(model_config, "model_type", ""))
            or getattr(model_config, "model_type", "") in {"camembert", "longformer"}
            else 0
        )
        limits.append(positions - offset)
    length = getattr(tokenizer, "model_max_length", None)
    if isinstance(length, int) and 0 < length < 1_000_000:
        limits.append(length)
    return min(limits) if limits else None


def _max_tokens(options: HFOptions, model_config: Any, tokenizer: Any) -> int:
    """``options.max_tokens``, never more than the model reads (longer posts are cut)."""
    limit = _position_limit(model_config, tokenizer)
    if limit is None or options.max_tokens <= limit:
        return options.max_tokens
    if "max_tokens" in options.model_fields_set:
        raise ConfigError(
            f"classifier.options.max_tokens {options.max_tokens}: model {options.model} "
            f"reads at most {limit} tokens; set max_tokens to {limit} or less"
        )
    return limit


def _label_map(options: HFOptions, id2label: dict[int, str]) -> dict[str, Label]:
    names = sorted(id2label.values())
    if options.label_map is None:
        mapping: dict[str, Label] = {n: n for n in names if n in LABELS}  # type: ignore[misc]
        if not mapping:
            raise ConfigError(
                f"model {options.model!r} has labels {names}, none of them praise, complaint "
                "or idea; map them in classifier.options.label_map, e.g. "
                f"{{{names[0]}: complaint}}"
            )
        return mapping
    unknown = sorted(set(options.label_map) - set(names))
    if unknown:
        raise ConfigError(
            f"classifier.options.label_map names {unknown}, which model {options.model!r} "
            f"does not have; its labels are {names} (case matters)"
        )
    return dict(options.label_map)


class HFClassifier:
    """Classifier backed by a Hugging Face model (see module docstring)."""

    def __init__(self, options: HFOptions) -> None:
        from classifier.lang import detect_language

        _check_local(options)
        self._torch, tf = _import_stack()
        self._options = options
        tf.utils.logging.disable_progress_bar()  # no "Loading weights" bar on cron's stderr
        try:
            self._tokenizer = tf.AutoTokenizer.from_pretrained(
                options.model, local_files_only=options.local_files_only
            )
            self._model = tf.AutoModelForSequenceClassification.from_pretrained(
                options.model, local_files_only=options.local_files_only
            ).eval()
        except (OSError, ValueError) as exc:
            raise _load_error(options, exc) from exc
        _check_tokenizer(options, self._tokenizer)
        self._max_tokens = _max_tokens(options, self._model.config, self._tokenizer)
        self._id2label = {int(k): str(v) for k, v in self._model.config.id2label.items()}
        self._detect = detect_language
        if options.mode == "zero-shot":
            self._entail = self._nli_index("entail")
            self._contra = self._nli_index("contradict")
        else:
            self._map = _label_map(options, self._id2label)

    @property
    def model_id(self) -> str:
        """``transformers/<model>``."""
        return f"transformers/{self._options.model}"

    def _nli_index(self, prefix: str) -> int:
        for idx, name in self._id2label.items():
            if name.lower().startswith(prefix):
                return idx
        raise ClassifierError(
            f"zero-shot needs an NLI model with an {prefix!r} label; "
            f"{self._options.model!r} has {sorted(self._id2label.values())}"
        )

    def _logits(self, first: list[str], second: list[str] | None = None) -> Any:
        enc = self._tokenizer(
            first,
            second,
            padding=True,
            truncation=True,
            max_length=self._max_tokens,
            return_tensors="pt",
        )
        with self._torch.no_grad():
            return self._model(**enc).logits.float()

    def _scores_multilabel(self, texts: list[str]) -> list[dict[str, float]]:
        logits = self._logits(texts)
        activation = self._options.activation
        if activation == "auto":
            multi = self._model.config.problem_type == "multi_label_classification"
        else:
            multi = activation == "sigmoid"
        probs = logits.sigmoid() if multi else logits.softmax(-1)
        out = []
        for row in probs.tolist():
            scores = dict.fromkeys(NAMES, 0.0)
            for idx, p in enumerate(row):
                label = self._map.get(self._id2label.get(idx, ""))
                if label:
                    scores[label] = max(scores[label], float(p))
            out.append(scores)
        return out

    def _scores_zero_shot(self, texts: list[str]) -> list[dict[str, float]]:
        out = [dict.fromkeys(NAMES, 0.0) for _ in texts]
        for label in LABELS:
            for hypothesis in self._options.hypotheses.get(label, ()):
                logits = self._logits(texts, [hypothesis] * len(texts))
                pair = logits[:, [self._contra, self._entail]].softmax(-1)[:, 1].tolist()
                for scores, p in zip(out, pair, strict=True):
                    scores[label] = max(scores[label], float(p))
        return out

    def classify(self, texts: Sequence[str]) -> list[Classification]:
        """Classify ``texts``; one result per text, in order (empty text → other)."""
        cleaned = [clean_text(t) for t in texts]
        # By length: a batch pads to its longest text, so similar lengths waste least.
        unique = sorted({t for t in cleaned if t}, key=lambda t: (len(t), t))
        scorer = (
            self._scores_zero_shot if self._options.mode == "zero-shot" else self._scores_multilabel
        )
        by_text: dict[str, dict[str, float]] = {}
        size = self._options.batch_size
        for start in range(0, len(unique), size):
            chunk = unique[start : start + size]
            by_text.update(zip(chunk, scorer(chunk), strict=True))
        results = []
        for text in cleaned:
            scores = by_text.get(text, dict.fromkeys(NAMES, 0.0))
            labels = tuple(
                lab
                for lab in LABELS
                if text and scores[lab] >= self._options.thresholds.get(lab, 0.5)
            )
            lang = self._detect(text) if text else "und"
            results.append(
                Classification(
                    labels, {k: round(v, 4) for k, v in scores.items()}, lang, self.model_id
                )
            )
        return results
