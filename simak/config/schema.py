"""The shape of config.yaml: one pydantic model per section, validated once."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import (
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from classifier.lang import MODEL_LANGUAGES
from common.errors import ConfigError
from common.zones import known_zone
from responder.settings import ResponderSettings
from simak.registry import CLASSIFIER_BACKENDS

#: What a ``${VAR}`` reference looks like, and keys whose values are secrets.
ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
SECRET_KEY = re.compile(r"(secret|password|token|api_key|access_key)$", re.IGNORECASE)
NAME = r"^[a-z0-9][a-z0-9_.-]*$"


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)?\s*$")
_UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": 86400}
MAX_DURATION_S = 366 * 86400  # a year; a longer interval overflowed the scheduler's arithmetic


def _seconds(value: object) -> object:
    """``300``, ``"90s"``, ``"5m"``, ``"2h"``, ``"1d"`` → seconds; another string is refused
    here (pydantic's own "a valid integer" would hide that units are allowed); anything else
    is left for pydantic to reject with its own message."""
    if isinstance(value, str):
        if not (match := _DURATION.match(value)):
            raise ValueError("write a duration like 300, 90s, 5m, 2h or 1d")
        value = round(float(match[1]) * _UNIT_S[match[2] or "s"])
    if isinstance(value, int | float) and value > MAX_DURATION_S:
        raise ValueError("write at most 366d (a year)")
    return value


Duration = Annotated[int, BeforeValidator(_seconds)]
"""Seconds, written as a number or with a unit: 90s, 5m, 2h, 1d."""


def _empty_if_null(value: object) -> object:
    """``options:`` with every line under it commented out is YAML's null: no options."""
    return {} if value is None else value


def _no_items_if_null(value: object) -> object:
    """``sources:`` with every entry commented out (YAML's null) means no sources."""
    return [] if value is None else value


Options = Annotated[dict[str, Any], BeforeValidator(_empty_if_null)]
"""A backend's or a source's options; an empty (all commented out) block means none."""


def _language_code(value: object) -> object:
    """A code the language detector can answer with (``ID`` means ``id``); another word
    (``indonesian``) would silently drop every mention in that language."""
    if not isinstance(value, str):
        return value
    code = value.strip().lower()
    if code not in MODEL_LANGUAGES:
        raise ValueError(
            f"unknown language code {value!r}; use ISO 639-1 codes Simak detects: "
            + ", ".join(sorted(MODEL_LANGUAGES))
        )
    return code


LanguageCode = Annotated[str, BeforeValidator(_language_code)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BrandConfig(_Strict):
    """A brand to listen for."""

    name: str = Field(pattern=NAME, description="short id, e.g. kopi-senja")
    display_name: str | None = None
    terms: list[str] = Field(min_length=1, description="words or phrases that mean this brand")
    exclude: list[str] = Field(default_factory=list, description="texts with these never match")
    handles: dict[str, str] = Field(default_factory=dict, description="platform -> own account")
    languages: list[LanguageCode] = Field(
        default_factory=list, description="keep only these (ISO codes)"
    )

    @field_validator("terms", "exclude")
    @classmethod
    def _no_blank_terms(cls, value: list[str]) -> list[str]:
        if any(not term.strip() for term in value):
            raise ValueError("a blank term would match everything (or nothing); remove it")
        return value

    @property
    def label(self) -> str:
        """Human-facing name."""
        return self.display_name or self.name


class SourceConfig(_Strict):
    """One place to poll. ``options`` are checked against the type's own schema."""

    name: str = Field(pattern=NAME)
    type: str
    brand: str | None = Field(default=None, description="limit to one brand; default all")
    enabled: bool = True
    options: Options = Field(default_factory=dict)
    poll_every_s: Duration | None = Field(
        default=None,
        ge=10,
        le=MAX_DURATION_S,
        validation_alias=AliasChoices("poll_every", "poll_every_s"),
        description="poll interval for workers (e.g. 5m); default workers.poll_every",
    )


class ClassifierConfig(_Strict):
    """Which classifier backend runs, and its options."""

    backend: str = Field(
        "embedded", description="one of simak.registry.CLASSIFIER_BACKENDS (embedded, …)"
    )
    options: Options = Field(default_factory=dict)
    # posts classified (and committed) per step; the embedded model sorts them by length
    # into batches of its own, so a larger step pads less and runs faster
    batch_size: int = Field(default=256, ge=1, le=4096)
    check_me: tuple[float, float] = Field(
        default=(0.3, 0.9),
        description="labels scored between these bounds are flagged 'check me' in the queue",
    )

    @field_validator("backend")
    @classmethod
    def _known_backend(cls, backend: str) -> str:
        if backend not in CLASSIFIER_BACKENDS:
            raise ValueError(f"use one of {', '.join(sorted(CLASSIFIER_BACKENDS))}")
        return backend

    @field_validator("check_me")
    @classmethod
    def _band(cls, band: tuple[float, float]) -> tuple[float, float]:
        lo, hi = band
        if not 0.0 <= lo < hi <= 1.0:
            raise ValueError("write check_me as [low, high] with 0 <= low < high <= 1")
        return band


class StorageConfig(_Strict):
    """Where Simak keeps its data."""

    url: str = "sqlite:///simak.db"

    @field_validator("url")
    @classmethod
    def _driver(cls, url: str) -> str:
        """``postgresql://`` and ``postgres://`` (what hosting providers hand out) mean the
        psycopg 3 driver Simak ships; psycopg2 is not installed."""
        for plain in ("postgresql://", "postgres://"):
            if url.startswith(plain):
                url = "postgresql+psycopg://" + url[len(plain) :]
        if url.startswith("postgresql+psycopg2://"):
            raise ValueError(
                "psycopg2 is not installed; write PostgreSQL URLs as postgresql://user@host/db"
            )
        if not url.startswith(("sqlite://", "postgresql+psycopg://")):
            raise ValueError(
                "Simak keeps its data in SQLite or PostgreSQL: write sqlite:///simak.db or "
                "postgresql://user@host/db (here or in SIMAK_DATABASE_URL)"
            )
        _check_url_parts(url)
        return url


def _check_url_parts(url: str) -> None:
    """What the driver would refuse only when a command opens the database (exit 4, "could
    not be used"): a port that is no number, an SQLite path after two slashes."""
    from sqlalchemy.engine import make_url  # the validator runs only when a URL is given

    try:
        parts = make_url(url)
    except ValueError:
        raise ValueError(
            "not a database URL (is the port a number?); write postgresql://user@host:5432/db"
        ) from None
    if parts.drivername == "sqlite" and parts.host:
        raise ValueError(
            "an SQLite URL has three slashes before a relative path: sqlite:///simak.db "
            "(four before an absolute one: sqlite:////srv/simak/simak.db)"
        )


class RetentionConfig(_Strict):
    """How long personal data is kept (unset: kept until `simak forget`)."""

    raw_days: int | None = Field(
        default=90, ge=1, le=36500, description="days the platforms' raw payloads are kept"
    )
    mention_days: int | None = Field(
        default=None,
        ge=1,
        le=36500,
        description="days posts are kept; follow-up outcomes and idea counts stay without them",
    )


class DigestConfig(_Strict):
    """Who gets the daily digest, through which channel, in which language."""

    to: list[str] = Field(
        default_factory=list, description="e-mail addresses (channel email); not needed for webhook"
    )
    channel: Literal["email", "webhook"] = "email"
    lang: Literal["en", "id"] = Field(default="en", description="language of the digest")
    hour: int = Field(
        default=8, ge=0, le=23, description="workers send it from this hour (business time)"
    )
    send_when_quiet: bool = Field(
        default=False, description="also send on a day with nothing new (default: skip it)"
    )
    console_url: str | None = Field(
        default=None,
        description="the web console's address (https://simak.example.com): each listed "
        "follow-up, the queue and alerts then link to it",
    )

    @field_validator("console_url")
    @classmethod
    def _console(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", value):
            raise ValueError(
                f"console_url must be the console's http(s) address, e.g. "
                f"https://simak.example.com (got {value!r})"
            )
        return None if value is None else value.rstrip("/")

    @field_validator("to")
    @classmethod
    def _addresses(cls, value: list[str]) -> list[str]:
        bad = [a for a in value if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", a)]
        if bad:
            raise ValueError(f"not an e-mail address: {bad[0]!r}")
        return value

    @model_validator(mode="after")
    def _someone_to_mail(self) -> DigestConfig:
        if self.channel == "email" and not self.to:
            raise ValueError(
                "channel email needs the team's addresses; add `to: [team@example.com]` "
                "(or use channel: webhook)"
            )
        return self


class AlertsConfig(_Strict):
    """Spike alerts (simak alerts): which labels, and how unusual a day must be. They go to
    the team through the digest's channel and addresses (`digest:`)."""

    labels: tuple[Literal["complaint", "critical", "praise", "idea"], ...] = Field(
        default=("complaint", "critical"),
        description="labels whose spikes the team hears at once (critical: complaints of "
        "critical severity)",
    )
    digest_labels: tuple[Literal["complaint", "critical", "praise", "idea"], ...] = Field(
        default=("praise", "idea"),
        description="labels whose spikes are recorded and reported in the next digest, not "
        "sent at once (a label in both lists is sent at once)",
    )
    alpha: float = Field(
        default=0.0005, gt=0, lt=0.5, description="how improbable a day's count must be"
    )
    min_count: int = Field(default=5, ge=1, le=100_000, description="no alert below this count")
    critical_min_count: int = Field(
        default=5,
        ge=1,
        le=100_000,
        description="no critical alert below this many critical complaints in a day (each "
        "critical complaint is already urgent in the queue; below 5, a quiet brand's "
        "ordinary days start to alert)",
    )
    critical_alpha: float = Field(
        default=0.001,
        gt=0,
        lt=0.5,
        description="how improbable a day of critical complaints must be (checked every "
        "day: 0.05 would mean a false alarm every few weeks)",
    )
    min_ratio: float = Field(
        default=2.0, ge=1, le=1000, description="no alert below this multiple of the usual"
    )


class WorkersConfig(_Strict):
    """How `simak worker` schedules its work."""

    engine: Literal["builtin", "procrastinate"] = Field(
        default="builtin",
        description="builtin: `simak worker` loops over the use cases (SQLite or PostgreSQL); "
        "procrastinate: jobs on PostgreSQL run by `simak worker` on any number of machines",
    )
    poll_every_s: Duration = Field(
        default=300,
        ge=10,
        le=MAX_DURATION_S,
        validation_alias=AliasChoices("poll_every", "poll_every_s"),
        description="poll each source this often (e.g. 5m)",
    )
    idle_s: float = Field(default=5.0, gt=0, le=3600, description="sleep when nothing to do")
    concurrency: int = Field(
        default=1, ge=1, le=64, description="procrastinate: jobs one worker runs at once"
    )
    stalled_after_s: Duration = Field(
        default=60,
        ge=15,
        le=MAX_DURATION_S,
        validation_alias=AliasChoices("stalled_after", "stalled_after_s"),
        description="procrastinate: a job whose worker sent no heartbeat for this long is "
        "taken over",
    )


class Settings(_Strict):
    """Everything config.yaml can say."""

    brands: list[BrandConfig] = Field(min_length=1)
    sources: Annotated[list[SourceConfig], BeforeValidator(_no_items_if_null)] = Field(
        default_factory=list, description="every line under `sources:` commented out: none"
    )
    classifier: ClassifierConfig = Field(default_factory=ClassifierConfig)
    responder: ResponderSettings = Field(default_factory=ResponderSettings)
    storage: StorageConfig = Field(default_factory=StorageConfig)
    retention: RetentionConfig = Field(default_factory=RetentionConfig)
    cache_dir: str | None = Field(default=None, description="model cache; default ~/.cache/simak")
    timezone: str = Field(
        default="Asia/Jakarta",
        description="the business's time zone (IANA name): what times show in",
    )
    workers: WorkersConfig = Field(default_factory=WorkersConfig)
    digest: DigestConfig | None = Field(
        default=None, description="the daily digest for the team (simak digest)"
    )
    alerts: AlertsConfig = Field(
        default_factory=AlertsConfig, description="spike alerts for the team (simak alerts)"
    )
    base_dir: Path = Field(default=Path("."), exclude=True)
    secrets: frozenset[str] = Field(default=frozenset(), exclude=True, repr=False)

    @field_validator("workers", mode="before")
    @classmethod
    def _engine_shorthand(cls, value: object) -> object:
        """``workers: procrastinate`` is short for ``workers: {engine: procrastinate}``."""
        return {"engine": value} if isinstance(value, str) else value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        return known_zone(value)

    @property
    def zone(self) -> ZoneInfo:
        """The business's time zone."""
        return ZoneInfo(self.timezone)

    def brand(self, name: str) -> BrandConfig:
        """The brand called ``name``."""
        for b in self.brands:
            if b.name == name:
                return b
        raise ConfigError(f"unknown brand {name!r}; configured: {', '.join(self.names())}")

    def names(self) -> list[str]:
        """Names of the configured brands."""
        return [b.name for b in self.brands]

    def brands_named(self, only: str | None) -> list[str]:
        """Every configured brand's name, or ``only`` alone (a typo is a ConfigError
        naming the brands there are)."""
        names = [n for n in self.names() if only in (None, n)]
        if not names:
            raise ConfigError(f"no brand named {only!r}; configured: {', '.join(self.names())}")
        return names
