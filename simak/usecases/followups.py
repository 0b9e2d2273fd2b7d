"""What staff do with one follow-up: look, approve, edit, snooze, close, reopen, retry,
settle an unknown outcome. Each is one compare-and-set; ``version`` (what the person
looked at) makes a stale action a conflict instead of an overwrite."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from classifier.uncertainty import unsure
from common.errors import ConflictError, UsageError
from simak.app import App
from simak.usecases.reroute import reroute_open
from simak.usecases.snooze_times import snooze_end
from storage import outbox_recovery
from storage.audit import record
from storage.followups import RETRYABLE, actions_for, edit_draft, move, snooze, status_of
from storage.queue import DeliveryView, QueueItem, deliveries_of, get_item, queue_items


@dataclass(frozen=True, slots=True)
class FollowUpView:
    """One follow-up with its delivery attempts."""

    item: QueueItem
    deliveries: list[DeliveryView]
    #: per post of the conversation (mention id): the labels the model is unsure of
    check_me: dict[int, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Changed:
    """The result of a staff action."""

    followup_id: int
    status: str
    version: int
    message: str


def show(app: App, followup_id: int) -> FollowUpView:
    """A follow-up, its person's words, the draft, and every delivery attempt."""
    with app.db.read() as session:
        item, deliveries = get_item(session, followup_id), deliveries_of(session, followup_id)
    band = app.settings.classifier.check_me
    check_me = {p.mention_id: unsure(p.scores, band) for p in item.posts if p.scores}
    if item.scores:
        item = replace(item, check_me=unsure(item.scores, band))
    return FollowUpView(item, deliveries, {k: v for k, v in check_me.items() if v})


def actions(status: str) -> tuple[str, ...]:
    """What staff may do to a follow-up in ``status`` ("approve", "send", "edit"...): the
    one list every screen asks, so none offers an action the storage would refuse."""
    return actions_for(status)


def _moved(
    app: App,
    followup_id: int,
    to: str,
    actor: str,
    version: int | None,
    note: str | None = None,
    message: str | None = None,
) -> Changed:
    with app.db.session() as session:
        new_version = move(session, followup_id, to, actor, app.clock(), version=version, note=note)
        if to == "approved":
            app.approved(session, followup_id)
    return Changed(followup_id, to, new_version, message or f"follow-up {followup_id}: {to}")


def approve(app: App, followup_id: int, actor: str, version: int | None = None) -> Changed:
    """Approve the draft as it is now; nothing is ever sent before this."""
    return _moved(app, followup_id, "approved", actor, version)


def done(app: App, followup_id: int, actor: str, version: int | None = None) -> Changed:
    """Handled (e.g. staff replied privately themselves)."""
    return _moved(app, followup_id, "done", actor, version)


def dismiss(
    app: App, followup_id: int, actor: str, reason: str | None, version: int | None = None
) -> Changed:
    """No answer needed."""
    return _moved(app, followup_id, "dismissed", actor, version, note=reason)


def reopen(app: App, followup_id: int, actor: str, version: int | None = None) -> Changed:
    """Back into the queue (needs approving again before anything is sent), on the channel
    routing picks now (one set up since it was routed: :mod:`simak.usecases.reroute`)."""
    changed = _moved(app, followup_id, "open", actor, version)
    moved = reroute_open(app, only=[followup_id])
    if not moved.count:
        return changed
    (channel,) = moved.moved
    with app.db.read() as session:
        version_now = get_item(session, followup_id).version
    return replace(
        changed,
        version=version_now,
        message=f"{changed.message}; moved to {channel}, the channel that reaches them now",
    )


def retry(app: App, followup_id: int, actor: str, version: int | None = None) -> Changed:
    """A failed delivery gets a new attempt (same idempotency key) at the next send.

    Only a failed one: retrying must never approve a draft nobody approved (open, snoozed).
    """
    with app.db.session() as session:
        status = status_of(session, followup_id)
        if status not in RETRYABLE:
            raise ConflictError(_not_retryable(followup_id, status))
        new_version = move(
            session,
            followup_id,
            "approved",
            actor,
            app.clock(),
            version=version,
            note="retry requested",
            only_from=RETRYABLE,
        )
        app.approved(session, followup_id)
    message = f"follow-up {followup_id}: approved again; `simak send` makes a new attempt"
    return Changed(followup_id, "approved", new_version, message)


def _not_retryable(followup_id: int, status: str) -> str:
    hint = {
        "unknown": f"settle it with `simak followup resolve-unknown {followup_id} "
        "--delivered` or `--not-delivered`",
        "open": f"approve it first (`simak followup approve {followup_id}`)",
        "snoozed": f"approve it first (`simak followup approve {followup_id}`)",
        "approved": "`simak send` sends it",
    }.get(status, "nothing to retry")
    return f"follow-up {followup_id} is {status}; only a failed delivery can be retried: {hint}"


def snooze_for(
    app: App, followup_id: int, hours: float, actor: str, version: int | None = None
) -> Changed:
    """Hide it from the queue for ``hours``; it comes back (still to be approved) then. An
    approved one loses its approval, and the message says so."""
    now = app.clock()
    return _snooze(app, followup_id, now + timedelta(hours=hours), actor, version)


def snooze_until(
    app: App, followup_id: int, when: str, actor: str, version: int | None = None
) -> Changed:
    """Hide it until ``when`` (``tomorrow``, ``monday``, ``3d``, a date…: see
    :func:`simak.usecases.snooze_times.snooze_end`), in the business's time zone."""
    until = snooze_end(when, app.clock(), app.settings.zone)
    return _snooze(app, followup_id, until, actor, version)


def _snooze(
    app: App, followup_id: int, until: datetime, actor: str, version: int | None
) -> Changed:
    now = app.clock()
    with app.db.session() as session:
        before = status_of(session, followup_id)
        new_version = snooze(session, followup_id, until, actor, now, version)
    back = until.astimezone(app.settings.zone).strftime("%a %d %b %H:%M %Z")
    message = f"follow-up {followup_id}: snoozed until {back}"
    if before == "approved":  # nothing goes out of a snooze by itself
        message += "; its approval is withdrawn, so approve it again when it is back"
    return Changed(followup_id, "snoozed", new_version, message)


def edit(
    app: App,
    followup_id: int,
    draft: str,
    subject: str | None,
    actor: str,
    version: int | None = None,
) -> Changed:
    """Replace the draft with staff's words (an approved one must be approved again)."""
    with app.db.session() as session:
        before = status_of(session, followup_id)
        new_version = edit_draft(session, followup_id, subject, draft, actor, app.clock(), version)
        status = get_item(session, followup_id).status
    message = f"follow-up {followup_id}: draft updated"
    if before in ("approved", "failed"):  # the approval was for the old words
        message += f"; it needs approving again (`simak followup approve {followup_id}`)"
    return Changed(followup_id, status, new_version, message)


def resolve_unknown(
    app: App,
    followup_id: int,
    delivered: bool,
    actor: str,
    external_id: str | None = None,
    version: int | None = None,
) -> Changed:
    """A person decides an unknown outcome: it arrived (sent) or it did not (sent again)."""
    if external_id is not None and not external_id.strip():
        raise UsageError(
            "--provider-id is blank: give the message's id from the platform, or leave it out"
        )
    if not delivered and external_id is not None:
        raise UsageError(
            "--provider-id proves a delivery: it goes with --delivered, not --not-delivered"
        )
    external_id = external_id.strip() if external_id else None
    with app.db.session() as session:
        status = outbox_recovery.resolve_unknown(
            session, followup_id, delivered, actor, app.clock(), external_id, version
        )
        record(
            session,
            actor=actor,
            action="resolve_unknown",
            entity="followup",
            entity_id=followup_id,
            now=app.clock(),
            detail="delivered" if delivered else "not delivered",
        )
        version = get_item(session, followup_id).version
        if status == "approved":
            app.approved(session, followup_id)
    return Changed(followup_id, status, version, f"follow-up {followup_id}: {status}")


@dataclass(frozen=True, slots=True)
class BulkResult:
    """A bulk action: what changed and what was refused (with why), per follow-up."""

    done: list[Changed]
    refused: list[tuple[int, str]]


def matching(
    app: App, *, statuses: tuple[str, ...] = ("open",), label: str | None = None
) -> list[int]:
    """Ids of follow-ups in ``statuses`` (and with ``label``), in queue order."""
    with app.db.read() as session:
        items = queue_items(session, app.clock(), statuses=statuses, limit=None)
    return [i.id for i in items if label is None or i.label == label]


def failed(app: App, label: str | None = None) -> list[int]:
    """Ids of follow-ups whose delivery failed (and with ``label``): what retry takes."""
    return matching(app, statuses=RETRYABLE, label=label)


def approve_many(
    app: App, followup_ids: list[int], actor: str, versions: dict[int, int] | None = None
) -> BulkResult:
    """Approve each follow-up on its own (a refusal does not stop the others); with
    ``versions``, each only if it is still the version the person looked at."""
    given = versions or {}
    return _each(followup_ids, lambda i: approve(app, i, actor, given.get(i)))


def retry_many(app: App, followup_ids: list[int], actor: str) -> BulkResult:
    """:func:`retry` each failed follow-up on its own (a refusal does not stop the others)."""
    return _each(followup_ids, lambda i: retry(app, i, actor))


def _each(followup_ids: list[int], act: Callable[[int], Changed]) -> BulkResult:
    done: list[Changed] = []
    refused: list[tuple[int, str]] = []
    for followup_id in followup_ids:
        try:
            done.append(act(followup_id))
        except UsageError as exc:
            refused.append((followup_id, str(exc)))
    return BulkResult(done, refused)
