"""Send approved follow-ups through the outbox: claim, one provider call, settle.

The claim (``approved → sending`` plus a delivery row) commits before the channel is
called, and the result is settled in a second transaction. A run killed in between leaves
the attempt ``sending``; the next send reads it back where the platform allows, else marks
it ``unknown`` for a person — it is never resent automatically. A send that got no answer
(a timeout, a 5xx after the request arrived) is read back at once in the same way; when
the platform needs time before it can tell, the attempt waits in flight (``checking``)
and the next send reads it back again. The claim skips anyone
marked "do not contact" (or merged with them): those fail without any channel called.
Each channel's rate limits are counted in the database (every sender shares them): a
channel at its limit waits, the others go on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from common.errors import (
    AccountRefused,
    ChannelError,
    ConfigError,
    ConflictError,
    OutcomeUnknown,
    RetryLater,
    Unreachable,
)
from common.records import LABELS, PrivateMessage, SendReceipt
from responder.base import Channel, Recipient
from responder.channels.registry import CHANNEL_KEYS
from responder.message import fit_message
from simak.app import App
from simak.runs import dead_among
from simak.usecases.poll import one_line
from simak.usecases.reroute import Rerouted, channel_now, chooser, reroute_open
from storage import outbox, outbox_pending, outbox_recovery
from storage.dialect import advisory_lock
from storage.followups import channel_of, status_of
from storage.outbox import Claim, Outcome

_RETRY_DEFAULT = timedelta(minutes=5)
#: Outcomes after which a channel gets no further claims this run: it said "try again
#: later", or gave no answer (its other messages would meet the same silence).
_PAUSING = frozenset({"retry", "checking", "unknown"})
_KIND = {"complaint": "reply", "idea": "thanks", "praise": "thanks"}


@dataclass(frozen=True, slots=True)
class Delivered:
    """How one attempt ended."""

    followup_id: int
    channel: str
    status: str  # the follow-up's status afterwards
    outcome: str  # sent, handed_to_staff, failed, unknown, retry, unreachable, checking
    detail: str
    external_id: str | None = None
    #: The channel's own account or setup was refused (credentials): pause it this run.
    account_refused: bool = False


@dataclass(frozen=True, slots=True)
class Waiting:
    """Follow-ups held back because their channel is at its rate limit."""

    channel: str
    count: int
    until: datetime


@dataclass(slots=True)
class SendReport:
    """One `simak send`: what was recovered from a dead sender, what was sent now, and
    what waits for a rate limit."""

    recovered: list[Delivered] = field(default_factory=list)
    results: list[Delivered] = field(default_factory=list)
    waiting: list[Waiting] = field(default_factory=list)
    backing_off: int = 0  # approved, waiting to retry after a transient error
    next_retry: datetime | None = None
    held: dict[str, int] = field(default_factory=dict)  # channel paused this run → approved left
    #: Channels whose account or setup the provider refused this run (fix, then retry).
    refused_accounts: list[str] = field(default_factory=list)
    #: Unapproved follow-ups moved to the channel routing picks now (one set up since).
    rerouted: Rerouted = field(default_factory=Rerouted)
    #: Handed to staff as approved, though this channel reaches them now: id → channel.
    could_go: dict[int, str] = field(default_factory=dict)
    #: Configured channels that cannot be used where this runs (a credential's variable
    #: unset): channel → (approved follow-ups left waiting on it, why).
    unusable: dict[str, tuple[int, str]] = field(default_factory=dict)

    def count(self, outcome: str) -> int:
        """How many attempts (recovered or new) ended as ``outcome``."""
        return sum(1 for r in (*self.recovered, *self.results) if r.outcome == outcome)

    @property
    def problems(self) -> list[Delivered]:
        """Attempts that need a person: failed, or outcome unknown."""
        return [r for r in (*self.recovered, *self.results) if r.outcome in ("failed", "unknown")]


def _lease(app: App) -> timedelta:
    return timedelta(seconds=app.settings.responder.send_lease_s)


def available_channels(app: App) -> dict[str, Channel]:
    return dict(app.channel_set.available)


def unusable_channels(app: App) -> dict[str, str]:
    """Channels in the config that cannot be built here (a credential's variable unset in
    this shell, e.g. cron's): channel → why. Their approved follow-ups wait, never handed
    to staff for it (the next run with the variable set sends them as approved)."""
    configured = app.settings.responder.channels.configured()
    return {c: why for c, why in app.channel_set.unavailable.items() if c in configured}


def unusable_for_routing(app: App) -> dict[str, str]:
    """The unusable channels (:func:`unusable_channels`) a routing rule names: new
    follow-ups that would take one go to the next channel of their rule meanwhile."""
    rules = app.settings.responder.rules
    named = {c for label in LABELS for c in rules.rule_for(label).channels}
    return {c: why for c, why in unusable_channels(app).items() if c in named}


def _unusable_error(followup_id: int, channel: str, why: str) -> ConfigError:
    return ConfigError(f"follow-up {followup_id} goes by {channel}, which cannot be used "
                       f"here: {why}")  # fmt: skip


def send_one(app: App, followup_id: int, actor: str, version: int | None = None) -> Delivered:
    """Send one approved follow-up now (its version must match when given)."""
    recover_stale(app, actor)
    channels = available_channels(app)
    unusable = unusable_channels(app)
    with app.db.session() as session:
        channel = channel_of(session, followup_id)
        if channel in unusable and status_of(session, followup_id) == "approved":
            raise _unusable_error(followup_id, channel, unusable[channel])
        advisory_lock(session, "simak-send-budget")
        saturated = saturated_channels(session, channels, app.clock())
        claims = outbox.claim(
            session,
            app.holder,
            app.clock(),
            _lease(app),
            followup_id=followup_id,
            version=version,
            exclude_channels=tuple(saturated),
        )
        if not claims:  # a "do not contact" mark fails it here; else say why not
            refused = outbox.refuse_blocked(
                session, app.holder, actor, app.clock(), followup_id=followup_id, version=version
            )
            if not refused:
                raise _not_claimable(session, followup_id, saturated)
            return _refusal(refused[0])
    return deliver(app, claims[0], channels, actor)


def _refusal(refused: outbox.Refused) -> Delivered:
    """A follow-up to someone who asked not to be contacted, failed without a send."""
    return Delivered(refused.followup_id, refused.channel, "failed", "failed", refused.why)


def _not_claimable(
    session: object, followup_id: int, saturated: dict[str, datetime]
) -> ConflictError:
    status = status_of(session, followup_id)  # type: ignore[arg-type]
    if status == "approved":
        waits = ", ".join(f"{c} until {t:%H:%M} UTC" for c, t in saturated.items())
        return ConflictError(
            f"follow-up {followup_id} is approved but cannot go now: it changed since you "
            f"looked, or waits for a rate limit{f' ({waits})' if waits else ''}; see "
            "`simak followup show` and retry"
        )
    if status == "sending":
        return ConflictError(
            f"follow-up {followup_id} is being sent by another run right now, or waits for a "
            "read-back of an attempt with no answer; see `simak followup show`"
        )
    hint = {
        "sent": "it went out already and is never sent twice",
        "handed_to_staff": "it is a task for staff to send by hand",
        "unknown": f"settle it first (`simak followup resolve-unknown {followup_id}`)",
        "failed": f"give it a new attempt with `simak followup retry {followup_id}`",
        "done": "it was handled already",
        "dismissed": f"reopen it first (`simak followup reopen {followup_id}`)",
    }.get(status, f"approve it first (`simak followup approve {followup_id}`)")
    return ConflictError(
        f"follow-up {followup_id} is {status}; only approved follow-ups are sent: {hint}"
    )


def saturated_channels(
    session: object, channels: dict[str, Channel], now: datetime
) -> dict[str, datetime]:
    """Channels at their rate limit now → when they may send again."""
    out: dict[str, datetime] = {}
    for name, channel in channels.items():
        limits = channel.limits
        until = outbox_pending.free_at(session, name, limits.per_minute, limits.per_day, now)  # type: ignore[arg-type]
        if until is not None:
            out[name] = until
    return out


def check_channels(channels: tuple[str, ...] | None) -> None:
    """ConfigError for a ``--channel`` that is no channel (a typo would send nothing)."""
    unknown = [c for c in channels or () if c not in CHANNEL_KEYS]
    if unknown:
        raise ConfigError(
            f"unknown channel {', '.join(map(repr, unknown))}; use one of: "
            f"{', '.join(CHANNEL_KEYS)}"
        )


def send_due(
    app: App,
    actor: str,
    *,
    limit: int | None = None,
    channels: tuple[str, ...] | None = None,
    on_result: Callable[[Delivered], None] | None = None,
    stop: Callable[[], bool] | None = None,
) -> SendReport:
    """Send every approved follow-up that may go now, one claim at a time (until ``stop()``
    says a worker is shutting down). A channel that answers "try again later" (relay down,
    429, 5xx) or gives no answer gets no further claims in this run: the rest wait for the
    next run instead of each paying a connection timeout or another call against the limit.
    A channel whose account the provider refuses (wrong password, revoked token) fails
    that one follow-up and is paused likewise, so one bad token does not fail them all.
    One to someone who asked not to be contacted is never claimed: it fails without a send.
    First, unapproved follow-ups move to the channel routing picks now (approved ones go
    as they were approved: see :mod:`simak.usecases.reroute`)."""
    check_channels(channels)
    report = SendReport(recovered=recover_stale(app, actor), rerouted=reroute_open(app))
    available = available_channels(app)
    unusable = unusable_channels(app)
    saturated: dict[str, datetime] = {}
    paused: set[str] = set()  # a "try again later" (down, 429, 5xx): not again this run
    handed: list[Claim] = []
    while limit is None or len(report.results) < limit:
        if stop is not None and stop():
            break
        with app.db.session() as session:
            advisory_lock(session, "simak-send-budget")
            saturated = saturated_channels(session, available, app.clock())
            claims = outbox.claim(
                session,
                app.holder,
                app.clock(),
                _lease(app),
                channels=channels,
                exclude_channels=tuple(sorted({*saturated, *paused, *unusable})),
                limit=1,
            )
            refused = (
                []
                if claims
                else outbox.refuse_blocked(
                    session, app.holder, actor, app.clock(), channels=channels
                )
            )
        if not claims and not refused:
            break
        results = [deliver(app, claims[0], available, actor)] if claims else []
        handed += [claims[0]] if results and results[0].outcome == "handed_to_staff" else []
        for result in [*results, *map(_refusal, refused)]:
            if result.outcome in _PAUSING or result.account_refused:
                paused.add(result.channel)
            if result.account_refused and result.channel not in report.refused_accounts:
                report.refused_accounts.append(result.channel)
            report.results.append(result)
            if on_result is not None:
                on_result(result)
    report.could_go = _could_go(app, handed)
    with app.db.read() as session:
        report.waiting = [
            Waiting(name, n, until)
            for name, until in sorted(saturated.items())
            if (n := outbox_pending.waiting(session, name))
        ]
        report.backing_off, report.next_retry = outbox_pending.backing_off(session, app.clock())
        now = app.clock()
        report.held = {
            c: n for c in sorted(paused) if (n := outbox_pending.waiting(session, c, now))
        }
        report.unusable = {
            c: (n, why)
            for c, why in sorted(unusable.items())
            if (not channels or c in channels) and (n := outbox_pending.waiting(session, c))
        }
    return report


def _could_go(app: App, handed: list[Claim]) -> dict[int, str]:
    """Follow-ups handed to staff as approved that a channel set up since could reach:
    follow-up id → that channel (reopening one moves it there)."""
    if not handed:
        return {}
    router = chooser(app)
    picks = {c.followup_id: channel_now(router, c.label, c.recipient)[0] for c in handed}
    return {fid: channel for fid, channel in picks.items() if channel != "manual"}


def deliver(app: App, claim: Claim, channels: dict[str, Channel], actor: str) -> Delivered:
    """Exactly one provider call for a claimed attempt (after a pre-flight check that the
    channel can reach the person now), then the settled outcome."""
    channel = sending_channel(channels, claim.channel)[1]
    if claim.blocked:  # marked after the claim (a claim skips marked people): no send
        return _settle(app, claim, Outcome("failed", claim.blocked), actor)
    try:
        reach = channel.check(claim.recipient)
        if not reach.ok:
            raise Unreachable(reach.reason or f"{claim.channel} cannot reach this person")
        outcome = _receipt_outcome(channel.send(_message(claim, channel)))
    except OutcomeUnknown as exc:  # no answer: ask the platform before bothering a person
        outcome = _read_back(app, claim, channels, app.redact(one_line(exc)))
        if outcome.status == "wait" and outcome.retry_at is not None:
            return _check_later(app, claim, outcome)
    except AccountRefused as exc:  # every other message on it would be refused too
        delivered = _settle(app, claim, _error_outcome(app, claim, channels, exc), actor)
        return replace(delivered, account_refused=True)
    except ChannelError as exc:
        outcome = _error_outcome(app, claim, channels, exc)
    except Exception as exc:
        detail = f"internal error in channel {claim.channel}: {type(exc).__name__}: {one_line(exc)}"
        outcome = Outcome("unknown", app.redact(detail))
    return _settle(app, claim, outcome, actor)


def _check_later(app: App, claim: Claim, outcome: Outcome) -> Delivered:
    """Leave an attempt with no answer in flight until the platform can tell (read back by
    the next send after ``outcome.retry_at``); nobody sends it again meanwhile."""
    assert outcome.retry_at is not None
    with app.db.session() as session:
        outbox_recovery.postpone(session, claim, outcome.retry_at)
    detail = f"{outcome.detail}; read back again after {outcome.retry_at:%H:%M:%S} UTC"
    return Delivered(claim.followup_id, claim.channel, "sending", "checking", detail)


def sending_channel(channels: dict[str, Channel], name: str) -> tuple[str, Channel]:
    """The channel a send uses for a follow-up stored on ``name``: that one when it is
    available (configured, credentials present), else the staff task ("manual")."""
    channel = channels.get(name)
    return (name, channel) if channel is not None else ("manual", channels["manual"])


def _message(claim: Claim, channel: Channel) -> PrivateMessage:
    body = claim.body
    limit = channel.form.body_limit(claim.recipient)
    if limit is not None and len(body) > limit:
        body = fit_message(body, limit)  # e.g. an e-mail-form draft falling back to a DM
    return PrivateMessage(
        idempotency_key=claim.idempotency_key,
        recipient=claim.recipient,
        subject=claim.subject,
        body=body,
        kind=message_kind(claim.kind, claim.label),  # type: ignore[arg-type]
        lang=claim.lang,
        label=claim.label,
        link=claim.link,
    )


def message_kind(kind: str, label: str) -> str:
    """What a message is to its channel: a conversation answers a complaint ("reply") or
    thanks for praise or an idea ("thanks"); notices and reminders are what they are."""
    return kind if kind != "conversation" else _KIND.get(label, "reply")


def _receipt_outcome(receipt: SendReceipt) -> Outcome:
    status = "sent" if receipt.delivered else "handed_to_staff"
    return Outcome(status, receipt.detail, receipt.external_id)


def _error_outcome(
    app: App, claim: Claim, channels: dict[str, Channel], exc: ChannelError
) -> Outcome:
    detail = app.redact(one_line(exc))
    if isinstance(exc, Unreachable):
        after, why = next_channel(app, claim.label, claim.channel, claim.recipient, channels)
        note = f"{claim.channel}: {detail}" + (f"; {why}" if why else "")
        return Outcome("unreachable", note, next_channel=after)
    if isinstance(exc, RetryLater):
        return Outcome("retry", detail, retry_at=exc.retry_at or app.clock() + _RETRY_DEFAULT)
    return Outcome("failed", detail)


def next_channel(
    app: App, label: str, current: str, recipient: Recipient, channels: dict[str, Channel]
) -> tuple[str, str | None]:
    """The next channel of ``label``'s rule after ``current``, which could not reach the
    person, and why the ones between were skipped."""
    rule = app.settings.responder.rules.rule_for(label)  # type: ignore[arg-type]
    order = list(rule.channels)
    after = order[order.index(current) + 1 :] if current in order else order
    skipped: list[str] = []
    for name in after:
        channel = channels.get(name)
        if channel is not None and channel.can_reach(recipient):
            return name, "; ".join(skipped) or None
        reason = app.channel_set.unavailable.get(name, "cannot address this person")
        skipped.append(f"{name}: {reason}")
    return "manual", "; ".join(skipped) or None


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
    """Settle attempts a dead sender left in flight: read back, else ``unknown``. When the
    platform needs more time before it can tell, the attempt waits (still in flight)."""
    with app.db.session() as session:
        dead = dead_among(outbox_recovery.sending_holders(session))
        stale = outbox_recovery.take_stale(session, app.holder, app.clock(), _lease(app), dead)
    channels = available_channels(app)
    settled = []
    for claim in stale:
        outcome = _read_back(app, claim, channels, _UNRECORDED)
        if outcome.status == "wait" and outcome.retry_at is not None:
            with app.db.session() as session:
                outbox_recovery.postpone(session, claim, outcome.retry_at)
            continue
        settled.append(_settle(app, claim, outcome, actor))
    return settled


_UNRECORDED = "the outcome of this attempt was not known"


def _read_back(app: App, claim: Claim, channels: dict[str, Channel], interrupted: str) -> Outcome:
    """Ask the platform whether the attempt arrived; ``interrupted`` says why it must ask.
    ``wait`` (with ``retry_at``): too early to tell, or the platform cannot be asked now."""
    channel = channels.get(claim.channel)
    if channel is None:
        return Outcome("unknown", f"{interrupted}; check {claim.channel} and settle it")
    try:
        receipt = channel.read_back(_message(claim, channel), claim.started_at)
    except OutcomeUnknown as exc:
        if exc.retry_at is not None:  # too early to tell: ask again then
            return Outcome("wait", app.redact(one_line(exc)), retry_at=exc.retry_at)
        return Outcome("unknown", f"{interrupted}; {app.redact(one_line(exc))}")
    except ChannelError as exc:
        return Outcome("unknown", f"{interrupted}; {app.redact(one_line(exc))}")
    except Exception as exc:  # a bug in the read-back: a person decides, the run goes on
        why = f"internal error reading back: {type(exc).__name__}: {one_line(exc)}"
        return Outcome("unknown", f"{interrupted}; {app.redact(why)}")
    if receipt is None:
        detail = f"{interrupted}; the platform shows it was not delivered, so it goes again"
        return Outcome("retry", detail, retry_at=app.clock())
    return Outcome("sent", f"{interrupted}; read back: it was delivered", receipt.external_id)
