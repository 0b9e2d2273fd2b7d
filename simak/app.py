"""The composition root: builds each stage from settings and wires them together."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from classifier.base import Classifier
from classifier.severity.wrap import SeverityClassifier, severity_model_for
from common.errors import ConfigError
from common.redact import Redactor
from listeners.base import Listener
from listeners.matching import BrandMatcher, BrandSpec
from responder.base import Channel
from responder.channels.base import ChannelDeps
from responder.channels.manual import ManualChannel
from responder.channels.registry import ChannelSet, build_channels
from simak.config import Settings, SourceConfig, default_cache_dir
from simak.jobqueue import JobQueue
from simak.registry import CLASSIFIER_BACKENDS, SOURCE_TYPES, lookup, validate_options
from simak.runs import new_holder
from storage.db import Database, open_database
from storage.engine_jobs import channel_of


def utc_now() -> datetime:
    """The real clock."""
    return datetime.now(UTC)


def brand_specs(settings: Settings, only: str | None = None) -> list[BrandSpec]:
    """Brands as the listeners need them."""
    return [
        BrandSpec(
            name=b.name,
            terms=tuple(b.terms),
            exclude=tuple(b.exclude),
            handles=dict(b.handles),
            languages=tuple(b.languages),
        )
        for b in settings.brands
        if only is None or b.name == only
    ]


@dataclass
class App:
    """Everything one CLI invocation or web request needs, built on demand."""

    settings: Settings
    config_path: Path
    env: Mapping[str, str]
    clock: Callable[[], datetime] = utc_now
    progress: Callable[[str], None] = field(default=lambda _msg: None)
    holder: str = field(default_factory=new_holder)  # this run, for leases and claims
    channels: Sequence[Channel] | None = None  # injected private channels (else from config)

    @cached_property
    def db(self) -> Database:
        """The database (its path already anchored at the config's folder), created or
        upgraded on first use."""
        return open_database(self.settings.storage.url)

    @cached_property
    def jobs(self) -> JobQueue | None:
        """The task engine's job queue with ``workers.engine: procrastinate`` (PostgreSQL
        only: ConfigError otherwise), else None (the builtin engine needs no jobs)."""
        if self.settings.workers.engine != "procrastinate":
            return None
        queue = JobQueue(self.settings.storage.url)
        queue.check()
        return queue

    def approved(self, session: Session, followup_id: int) -> None:
        """Called in the transaction that approves a follow-up: with the procrastinate
        engine its delivery job commits with the approval."""
        if self.jobs is not None:
            self.jobs.deliver(session, channel_of(session, followup_id))

    def stored(self, session: Session) -> None:
        """Called in the transaction that stores new mentions: with the procrastinate engine
        the classification job commits with them (one waits at most)."""
        if self.jobs is not None:
            self.jobs.classify(session)

    @cached_property
    def channel_set(self) -> ChannelSet:
        """The private channels: injected ones, else those configured under
        ``responder.channels`` that could be built (the others say why not); ``manual``
        always."""
        if self.channels is None:
            deps = ChannelDeps(clock=self.clock)
            return build_channels(self.settings.responder.channels, self.env, deps=deps)
        available = {c.name: c for c in self.channels}
        available.setdefault("manual", ManualChannel())
        return ChannelSet(available=available)

    @cached_property
    def redact(self) -> Redactor:
        """Hides every secret the config names (and database passwords) in any text."""
        return Redactor(self.settings.secrets)

    @cached_property
    def cache_dir(self) -> Path:
        """Where model caches are built."""
        return default_cache_dir(self.settings, self.env)

    def source_configs(self, only: str | None = None) -> list[SourceConfig]:
        """Enabled sources, or just ``only`` (which must exist)."""
        if only is not None:
            for source in self.settings.sources:
                if source.name == only:
                    return [source]
            names = ", ".join(s.name for s in self.settings.sources) or "none"
            raise ConfigError(
                f"no source named {only!r} in {self.config_path}; configured: {names}"
            )
        return [s for s in self.settings.sources if s.enabled]

    def listener(self, index: int, source: SourceConfig) -> Listener:
        """Build the listener for one source (ConfigError on bad options)."""
        where = f"{self.config_path}: sources[{index}].options"
        plugin = lookup(SOURCE_TYPES, source.type, f"{self.config_path}: sources[{index}].type")
        options_model, factory = plugin.load()
        given = self._with_project_zone(options_model, self._with_paths(source.options))
        options = validate_options(options_model, given, where)
        matcher = BrandMatcher(brand_specs(self.settings, source.brand))
        listener: Listener = factory(source.name, options, matcher, env=self.env, clock=self.clock)
        return listener

    def _with_project_zone(self, model: type[Any], options: dict[str, Any]) -> dict[str, Any]:
        # A source that reads times without an offset (file exports) reads them in the
        # project's timezone unless its own options name another.
        if "timezone" in getattr(model, "model_fields", {}) and "timezone" not in options:
            return {**options, "timezone": self.settings.timezone}
        return options

    def _with_paths(self, options: Mapping[str, Any]) -> dict[str, Any]:
        # Local file paths in source options are relative to the config file.
        out = dict(options)
        for key in ("path", "paths", "urls"):
            value = out.get(key)
            if isinstance(value, str):
                out[key] = self._local(value)
            elif isinstance(value, list):
                out[key] = [self._local(v) if isinstance(v, str) else v for v in value]
        return out

    def _local(self, value: str) -> str:
        if "://" in value or value.startswith("${"):
            return value
        return str((self.settings.base_dir / Path(value).expanduser()).resolve())

    def _classifier_paths(self, backend: str, options: Mapping[str, Any]) -> dict[str, Any]:
        # A model folder given relative is relative to the config file, like every path
        # (cron starts in $HOME). A transformers `model` may be a hub id ("org/name"): only
        # an explicit path, or a folder that exists beside the config, is rewritten.
        out = dict(options)
        key = {"embedded": "path", "transformers": "model"}.get(backend)
        value = out.get(key) if key else None
        if not isinstance(value, str) or not value:
            return out
        explicit = value.startswith(("/", "./", "../", "~"))
        if backend == "embedded" or explicit or (self.settings.base_dir / value).exists():
            out[str(key)] = self._local(value)
        return out

    @cached_property
    def classifier(self) -> Classifier:
        """The configured classifier backend, loaded once."""
        cfg = self.settings.classifier
        plugin = lookup(CLASSIFIER_BACKENDS, cfg.backend, f"{self.config_path}: classifier.backend")
        options_model, factory = plugin.load()
        options = validate_options(
            options_model,
            self._classifier_paths(cfg.backend, cfg.options),
            f"{self.config_path}: classifier.options",
        )
        if cfg.backend == "embedded":
            built: Classifier = factory(options, cache_dir=self.cache_dir, progress=self.progress)
        else:
            built = factory(options)
        return SeverityClassifier(built, severity_model_for(built))
