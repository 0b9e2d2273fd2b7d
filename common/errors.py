"""Simak's one exception hierarchy, and the exit codes the command line maps it to.

    SimakError
    ├── UsageError             the request cannot be done as asked (exit 2)
    │   ├── ConfigError        bad or unreadable config
    │   ├── NotFound           no follow-up / mention / person / idea with that id
    │   └── ConflictError      an invalid transition, or someone else changed it first
    ├── SourceError            one source failed; the others go on (exit 1; 5 when all did)
    │   ├── CredentialMissing  an ${ENV_VAR} the source needs is unset
    │   ├── RateLimited        the platform said "slow down"; retry_at says when
    │   └── SourceUnavailable  network errors, 5xx after retries, malformed payloads
    ├── ChannelError           a private send did not go through (see its subclasses)
    │   ├── Unreachable        this channel cannot reach this person: try the next one
    │   ├── DeliveryFailed     refused for good (bad request, broken credentials)
    │   │   └── AccountRefused the channel's account or setup was refused: pause it
    │   ├── RetryLater         rate limited or not sent yet; safe to try again at retry_at
    │   └── OutcomeUnknown     the request left but no answer came: never resend blindly
    ├── BusyError              another run holds the work (exit 75)
    ├── ClassifierError        the model could not be loaded or run (exit 4)
    └── StorageError           the database could not be opened, migrated or written (exit 4)

Anything else escaping to the command line is a bug: exit 3 ("internal error").
Every message says what was wrong and what to do next.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Final

#: The exit codes of every ``simak`` command (documented in the README).
EXIT_OK: Final = 0  # everything asked for was done
EXIT_PARTIAL: Final = 1  # some sources, lines or deliveries failed; the rest was done
EXIT_USAGE: Final = 2  # bad usage, bad config, unknown id, invalid transition, conflict
EXIT_INTERNAL: Final = 3  # an unexpected error (a bug): reported in one line
EXIT_UNAVAILABLE: Final = 4  # the database or the model could not be used
EXIT_ALL_FAILED: Final = 5  # every source polled failed: nothing new came in (cron: alert)
EXIT_BUSY: Final = 75  # another run holds the work (like EX_TEMPFAIL): try again later


class SimakError(Exception):
    """Base class of every error Simak raises on purpose."""

    exit_code: ClassVar[int] = EXIT_PARTIAL


class UsageError(SimakError):
    """The request cannot be carried out as asked; nothing was changed."""

    exit_code: ClassVar[int] = EXIT_USAGE


class ConfigError(UsageError):
    """The configuration is missing, unreadable or invalid."""


class NotFound(UsageError):
    """The id names nothing that exists."""


class ConflictError(UsageError):
    """The change is not allowed from the current state, or the state changed under us."""


class SourceError(SimakError):
    """A listener could not poll its source."""


class CredentialMissing(SourceError):
    """A secret the source needs is not set in the environment."""

    def __init__(self, source: str, variable: str, *, kind: str = "source") -> None:
        super().__init__(
            f"{kind} {source!r}: environment variable {variable} is not set; "
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


class ChannelError(SimakError):
    """A private message was not (or not provably) delivered through its channel."""

    #: What the outbox does next: "unreachable" (next channel), "failed" (stop; staff may
    #: retry), "retry" (try again at ``retry_at``), "unknown" (a person settles it).
    outcome: ClassVar[str] = "failed"

    def __init__(self, message: str, *, retry_at: datetime | None = None) -> None:
        super().__init__(message)
        self.retry_at = retry_at


class Unreachable(ChannelError):
    """This channel cannot reach this person (DMs closed, no such user, no address)."""

    outcome: ClassVar[str] = "unreachable"


class DeliveryFailed(ChannelError):
    """The provider refused the message for good; sending it again would fail again."""

    outcome: ClassVar[str] = "failed"


class AccountRefused(DeliveryFailed):
    """The provider refused the channel's account or setup (a wrong password, a revoked
    token, a missing scope, a wrong URL): every other message would be refused the same
    way, so the channel gets no more attempts in that run."""


class RetryLater(ChannelError):
    """Not delivered, and provably not: safe to try again (at ``retry_at`` if given)."""

    outcome: ClassVar[str] = "retry"


class OutcomeUnknown(ChannelError):
    """The request left but no answer came: it may or may not have been delivered."""

    outcome: ClassVar[str] = "unknown"


class BusyError(SimakError):
    """Another run holds the work this one needs (a lease or lock)."""

    exit_code: ClassVar[int] = EXIT_BUSY


class ClassifierError(SimakError):
    """The classifier backend could not be loaded or failed to run."""

    exit_code: ClassVar[int] = EXIT_UNAVAILABLE


class StorageError(SimakError):
    """The database could not be opened, migrated or written."""

    exit_code: ClassVar[int] = EXIT_UNAVAILABLE


class RefusedWrite(StorageError):
    """A database constraint refused a write nobody expected to be refused: nothing was
    saved, and it is a bug in Simak (not the database's fault, not the URL's)."""

    exit_code: ClassVar[int] = EXIT_INTERNAL
