"""Send approved follow-ups through the outbox: claim, one provider call, settle.

The claim (``approved → sending`` plus a delivery row) commits before the channel is
called, and the result is settled in a second transaction. A run killed in between leaves
the attempt ``sending``; the next send reads it back where the platform allows, else marks
it ``unknown`` for a person — it is never resent automatically.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from common.errors import (
    ChannelError,
    ConflictError,
    OutcomeUnknown,
    RetryLater,
    Unreachable,
)
from common.records import PrivateMessage, SendReceipt
from responder.base import Channel
from simak.app import App
from simak.runs import dead_among
from simak.usecases.poll import one_line
from simak.wiring import build_channels
from storage import outbox
from storage.followups import status_of
from storage.outbox import Claim, Outcome

_RETRY_DEFAULT = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class Delivered:
    """How one attempt ended."""

    followup_id: int
    channel: str
    status: str  # the follow-up's status afterwards
    outcome: str  # sent, handed_to_staff, failed, unknown, retry, unreachable
    detail: str
    external_id: str | None = None


@dataclass(slots=True)
class SendReport:
    """One `simak send`: what was recovered from a dead sender, and what was sent now."""

    recovered: list[Delivered] = field(default_factory=list)
    results: list[Delivered] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        """How many attempts (recovered or new) ended as ``outcome``."""
        return sum(1 for r in (*self.recovered, *self.results) if r.outcome == outcome)

    @property
    def problems(self) -> list[Delivered]:
        """Attempts that need a person: failed, or outcome unknown."""
        return [r for r in (*self.recovered, *self.results) if r.outcome in ("failed", "unknown")]


def _lease(app: App) -> timedelta:
    return timedelta(seconds=app.settings.responder.send_lease_s)


def _channels(app: App) -> dict[str, Channel]:
    return {c.name: c for c in build_channels(app)}


def send_one(app: App, followup_id: int, actor: str, version: int | None = None) -> Delivered:
    """Send one approved follow-up now (its version must match when given)."""
    recover_stale(app, actor)
    with app.db.session() as session:
        claims = outbox.claim(
            session,
            app.holder,
            app.clock(),
            _lease(app),
            followup_id=followup_id,
            version=version,
        )
        if not claims:
            raise _not_claimable(session, followup_id)
    return deliver(app, claims[0], _channels(app), actor)


def _not_claimable(session: object, followup_id: int) -> ConflictError:
    status = status_of(session, followup_id)  # type: ignore[arg-type]
    if status == "approved":
        return ConflictError(
            f"follow-up {followup_id} is approved but changed since you looked, or is waiting "
            "for a rate limit; see `simak followup show` and retry"
        )
    if status == "sending":
        return ConflictError(f"follow-up {followup_id} is being sent by another run right now")
    return ConflictError(
        f"follow-up {followup_id} is {status}; only approved follow-ups are sent "
        f"(simak followup approve {followup_id})"
    )


def send_due(
    app: App,
    actor: str,
    *,
    limit: int | None = None,
    channels: tuple[str, ...] | None = None,
    on_result: Callable[[Delivered], None] | None = None,
) -> SendReport:
    """Send every approved follow-up that may go now, one claim at a time."""
    report = SendReport(recovered=recover_stale(app, actor))
    available = _channels(app)
    while limit is None or len(report.results) < limit:
        with app.db.session() as session:
            claims = outbox.claim(
                session, app.holder, app.clock(), _lease(app), channels=channels, limit=1
            )
        if not claims:
            break
        result = deliver(app, claims[0], available, actor)
        report.results.append(result)
        if on_result is not None:
            on_result(result)
    return report


def deliver(app: App, claim: Claim, channels: dict[str, Channel], actor: str) -> Delivered:
    """Exactly one provider call for a claimed attempt, then the settled outcome."""
    channel = channels.get(claim.channel) or channels["manual"]
    message = PrivateMessage(
        idempotency_key=claim.idempotency_key,
        recipient=claim.recipient,
        subject=claim.subject,
        body=claim.body,
    )
    try:
        outcome = _receipt_outcome(channel.send(message))
    except ChannelError as exc:
        outcome = _error_outcome(app, claim, channels, exc)
    except Exception as exc:
        detail = f"internal error in channel {claim.channel}: {type(exc).__name__}: {one_line(exc)}"
        outcome = Outcome("unknown", app.redact(detail))
    return _settle(app, claim, outcome, actor)


def _receipt_outcome(receipt: SendReceipt) -> Outcome:
    status = "sent" if receipt.delivered else "handed_to_staff"
    return Outcome(status, receipt.detail, receipt.external_id)


def _error_outcome(
    app: App, claim: Claim, channels: dict[str, Channel], exc: ChannelError
) -> Outcome:
    detail = app.redact(one_line(exc))
    if isinstance(exc, Unreachable):
        return Outcome(
            "unreachable", f"{claim.channel}: {detail}", next_channel=_next(app, claim, channels)
        )
    if isinstance(exc, RetryLater):
        return Outcome("retry", detail, retry_at=exc.retry_at or app.clock() + _RETRY_DEFAULT)
    if isinstance(exc, OutcomeUnknown):
        return Outcome("unknown", detail)
    return Outcome("failed", detail)


def _next(app: App, claim: Claim, channels: dict[str, Channel]) -> str:
    """The next channel of the follow-up's rule after the one that could not reach them."""
    rule = app.settings.responder.rules.rule_for(claim.label)  # type: ignore[arg-type]
    order = list(rule.channels)
    after = order[order.index(claim.channel) + 1 :] if claim.channel in order else order
    for name in after:
        channel = channels.get(name)
        if channel is not None and channel.can_reach(claim.recipient):
            return name
    return "manual"


def _settle(app: App, claim: Claim, outcome: Outcome, actor: str) -> Delivered:
    with app.db.session() as session:
        status = outbox.settle(session, claim, outcome, actor, app.clock())
    return Delivered(
        claim.followup_id,
        claim.channel,
        status,
        outcome.status,
        outcome.detail,
        outcome.external_id,
    )


def recover_stale(app: App, actor: str) -> list[Delivered]:
    """Settle attempts a dead sender left in flight: read back, else ``unknown``."""
    with app.db.session() as session:
        dead = dead_among(outbox.sending_holders(session))
        stale = outbox.take_stale(session, app.holder, app.clock(), _lease(app), dead)
    channels = _channels(app)
    return [_settle(app, c, _read_back(app, c, channels), actor) for c in stale]


def _read_back(app: App, claim: Claim, channels: dict[str, Channel]) -> Outcome:
    channel = channels.get(claim.channel)
    read_back = getattr(channel, "read_back", None)
    interrupted = "the sender stopped before recording the result"
    if read_back is None:
        return Outcome("unknown", f"{interrupted}; check {claim.channel} and settle it")
    message = PrivateMessage(claim.idempotency_key, claim.recipient, claim.subject, claim.body)
    try:
        receipt = read_back(message)
    except ChannelError as exc:
        return Outcome("unknown", f"{interrupted}; read-back failed: {app.redact(one_line(exc))}")
    if receipt is None:
        return Outcome(
            "retry", f"{interrupted}; read-back shows it was not delivered", retry_at=app.clock()
        )
    return Outcome("sent", f"{interrupted}; read-back found it delivered", receipt.external_id)
