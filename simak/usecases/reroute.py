"""Move unapproved follow-ups to the channel routing picks now: those routed to ``manual``
before a private channel that reaches the person was set up (the demo, then e-mail added
to the config), to a channel taken out of the config since, or by a rule whose channel
order changed since (X DMs put before e-mail: e-mail follow-ups of X users move).

Run by `simak poll` and `simak send` (before sending), and by a reopen. An approved
follow-up never moves (its approval is of this text through this channel); a send hands it
to staff as approved, and `simak send --dry-run` says how to route it anew. A machine draft
is written again in the new channel's form where that form differs (a DM instead of an
e-mail); a draft staff edited is kept word for word and its note asks them to check it.

A follow-up left where it is is marked with the routing it was checked under (see
:func:`routing_of`), and not read again until the channels, the rules or the follow-up
change: a poll every few minutes stays cheap with thousands waiting.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace

from responder.base import FollowUpPlan, Recipient
from responder.routing import FALLBACK_CHANNEL, Router
from responder.settings import LABEL_PRECEDENCE, Label, RoutingRules
from simak.app import App
from simak.usecases.route import BatchRouter
from simak.wiring import build_channels, build_router
from storage.channel_moves import ChannelMove, Routed, mark_routed, move_channel, stale_routes

ACTOR = "simak"


@dataclass(slots=True)
class Rerouted:
    """Follow-ups moved (or, in a dry run, that would move) to another channel."""

    moved: dict[str, int] = field(default_factory=dict)  # new channel → how many
    followups: list[int] = field(default_factory=list)
    #: approved, edited or moved by someone else between the look and the move: left as
    #: they are (the next run looks again)
    skipped: int = 0

    @property
    def count(self) -> int:
        """How many moved."""
        return sum(self.moved.values())


@dataclass(frozen=True, slots=True)
class _Choice:
    found: Routed
    channel: str
    why: str | None


def chooser(app: App) -> Router:
    """A router for choosing channels only: no templates checked, no model loaded."""
    return Router(
        app.settings.responder, build_channels(app), unavailable=app.channel_set.unavailable
    )


def channel_now(router: Router, label: str, recipient: Recipient) -> tuple[str, str | None]:
    """The channel routing picks now for a follow-up with ``label`` to ``recipient``, and
    why the ones before it in the rule were passed over."""
    rule: Label = "complaint"  # a label no rule knows (none is stored): the strictest
    for known in LABEL_PRECEDENCE:
        if known == label:
            rule = known
    return router.channel_choice(router.rules.rule_for(rule).channels, recipient)


def routing_of(channels: Collection[str], rules: RoutingRules) -> str:
    """A fingerprint of what picking a channel depends on: the channels that can be built
    here and each label's channel order. Any change to either gives another one."""
    used = {"channels": sorted(channels)}
    used |= {label: list(rules.rule_for(label).channels) for label in LABEL_PRECEDENCE}
    return hashlib.sha256(json.dumps(used, sort_keys=True).encode()).hexdigest()[:32]


def _choose(router: Router, found: Routed) -> _Choice:
    return _Choice(found, *channel_now(router, found.label, found.recipient))


def reroute_open(
    app: App,
    router: Router | None = None,
    *,
    only: Sequence[int] | None = None,
    dry_run: bool = False,
) -> Rerouted:
    """Move every unapproved follow-up (of ``only``, when given) not checked under the
    routing now, or on a channel the config no longer names, to the channel routing picks
    now, each by a compare-and-set; ``dry_run`` only counts them. One on a channel that is
    configured but cannot be built here (a credential missing in this process) stays where
    it is."""
    available, configured = app.channel_set.available, app.settings.responder.channels
    routing = routing_of(available, app.settings.responder.rules)
    with app.db.read() as session:
        found = stale_routes(session, available, configured.configured(), routing, only)
    if not found:
        return Rerouted()
    choosing = router or chooser(app)  # a send often only looks: no model, no templates
    every = [_choose(choosing, f) for f in found]
    choices = [c for c in every if c.channel != c.found.channel]
    if dry_run:
        return _report(choices, [True] * len(choices))
    moves = _moves(app, choosing, router, choices) if choices else []
    with app.db.session() as session:
        now = app.clock()
        won = [move_channel(session, m, ACTOR, now, routing) for m in moves]
        mark_routed(session, [c.found for c in every if c.channel == c.found.channel], routing)
    return _report(choices, won)


def _report(choices: Sequence[_Choice], won: Sequence[bool]) -> Rerouted:
    report = Rerouted()
    for choice, moved in zip(choices, won, strict=True):
        if not moved:
            report.skipped += 1
            continue
        report.moved[choice.channel] = report.moved.get(choice.channel, 0) + 1
        report.followups.append(choice.found.followup_id)
    return report


def _moves(
    app: App, chooser: Router, router: Router | None, choices: Sequence[_Choice]
) -> list[ChannelMove]:
    """What each move writes: a machine draft written again where the new channel takes
    another form (and the conversation still has its posts), else the text as it is."""
    redraft = [
        c
        for c in choices
        if not c.found.edited
        and c.found.kind == "conversation"
        and not chooser.same_form(c.found.channel, c.channel)
    ]
    if not redraft:
        return [_move(chooser, c, None) for c in choices]
    router = router or build_router(app)  # drafts quote what the model picks
    now = app.clock()
    with app.db.read() as session:
        conversations = BatchRouter(app.settings, router).conversations(
            session, [c.found.followup_id for c in redraft], now
        )
    todo = [c for c in redraft if c.found.followup_id in conversations]
    plans = router.redraft_many(
        [(conversations[c.found.followup_id], c.channel) for c in todo], now
    )
    drafts = {c.found.followup_id: p for c, p in zip(todo, plans, strict=True) if p is not None}
    return [_move(router, c, drafts.get(c.found.followup_id)) for c in choices]


def _move(router: Router, choice: _Choice, plan: FollowUpPlan | None) -> ChannelMove:
    found, new = choice.found, choice.channel
    old = found.channel
    note = f"channel {old} → {new}: the one routing picks now"
    status_note = None
    if found.edited:
        status_note = (
            f"moved from {old} to {new}; your edited draft was kept: check that it suits "
            f"{_via(new)}, then approve it"
        )
    elif plan is None and not router.same_form(old, new):
        status_note = f"moved from {old} to {new}; check that the draft suits {_via(new)}"
    base = ChannelMove(found.followup_id, found.version, old, new, choice.why, note, status_note)
    if plan is None:
        return base
    return replace(
        base,
        note=f"{note} (draft written again for {new})",
        subject=plan.subject,
        draft=plan.draft,
        lang=plan.lang,
    )


def _via(channel: str) -> str:
    return "a task for staff" if channel == FALLBACK_CHANNEL else channel
