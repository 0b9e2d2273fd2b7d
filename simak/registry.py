"""Names in config.yaml mapped to the classes that implement them.

Modules are imported only when a configured source or backend needs them, so
`simak --help` stays fast and a missing optional library affects only its user.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from common.errors import ConfigError


@dataclass(frozen=True, slots=True)
class Plugin:
    """Where one source type or backend lives."""

    module: str
    options: str
    factory: str

    def load(self) -> tuple[type[BaseModel], Any]:
        """Import the module and return (options model, factory)."""
        mod = importlib.import_module(self.module)
        return getattr(mod, self.options), getattr(mod, self.factory)


SOURCE_TYPES: Mapping[str, Plugin] = {
    "files": Plugin("listeners.files", "FilesOptions", "FilesListener"),
    "feeds": Plugin("listeners.feeds", "FeedsOptions", "FeedsListener"),
    "reddit": Plugin("listeners.reddit", "RedditOptions", "RedditListener"),
    "x": Plugin("listeners.x", "XOptions", "XListener"),
    "mastodon": Plugin("listeners.mastodon", "MastodonOptions", "MastodonListener"),
    "bluesky": Plugin("listeners.bluesky", "BlueskyOptions", "BlueskyListener"),
    "hackernews": Plugin("listeners.hackernews", "HackerNewsOptions", "HackerNewsListener"),
}

CLASSIFIER_BACKENDS: Mapping[str, Plugin] = {
    "embedded": Plugin("classifier.embedded", "EmbeddedOptions", "EmbeddedClassifier"),
    "keywords": Plugin("classifier.keywords", "KeywordsOptions", "KeywordClassifier"),
    "transformers": Plugin("classifier.hf", "HFOptions", "HFClassifier"),
}


def lookup(table: Mapping[str, Plugin], kind: str, where: str) -> Plugin:
    """The plugin called ``kind``, or a ConfigError listing the valid names."""
    try:
        return table[kind]
    except KeyError:
        raise ConfigError(
            f"{where}: unknown type {kind!r}; use one of {', '.join(sorted(table))}"
        ) from None


def validate_options(model: type[BaseModel], options: Mapping[str, Any], where: str) -> BaseModel:
    """Validate a plugin's options, naming the bad key in one line."""
    from simak.config import describe_validation_error

    try:
        return model.model_validate(dict(options))
    except ValidationError as exc:
        path, _, key = where.partition(": ")
        raise ConfigError(describe_validation_error(path, exc, (key,))) from exc
