"""Simak's one exception hierarchy.

    SimakError
    ├── ConfigError            bad or unreadable config (exit code 2)
    ├── SourceError            one source failed; the others go on (exit code 1)
    │   ├── CredentialMissing  an ${ENV_VAR} the source needs is unset
    │   ├── RateLimited        the platform said "slow down"; retry_at says when
    │   └── SourceUnavailable  network errors, 5xx after retries, malformed payloads
    ├── ClassifierError        the model could not be loaded or run
    ├── StorageError           the database could not be opened or migrated
    └── ChannelError           a private send failed (retried later)

Every message says what was wrong and what to do next. This module imports
nothing from the rest of Simak so every stage can depend on it.
"""

from __future__ import annotations

from datetime import datetime


class SimakError(Exception):
    """Base class of every error Simak raises on purpose."""


class ConfigError(SimakError):
    """The configuration is missing, unreadable or invalid."""


class SourceError(SimakError):
    """A listener could not poll its source."""


class CredentialMissing(SourceError):
    """A secret the source needs is not set in the environment."""

    def __init__(self, source: str, variable: str) -> None:
        super().__init__(
            f"source {source!r}: environment variable {variable} is not set; "
            f"export {variable}=... and re-run"
        )
        self.source = source
        self.variable = variable


class RateLimited(SourceError):
    """The platform refused more requests until ``retry_at`` (UTC) or for a while."""

    def __init__(self, message: str, retry_at: datetime | None = None) -> None:
        super().__init__(message)
        self.retry_at = retry_at


class SourceUnavailable(SourceError):
    """Network failure, server error after retries, or a payload that cannot be read."""


class ClassifierError(SimakError):
    """The classifier backend could not be loaded or failed to run."""


class StorageError(SimakError):
    """The database could not be opened, migrated or written."""


class ChannelError(SimakError):
    """A private message could not be delivered through its channel."""

    def __init__(self, message: str, *, retryable: bool = True) -> None:
        super().__init__(message)
        self.retryable = retryable
