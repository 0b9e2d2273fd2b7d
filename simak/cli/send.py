"""`simak send`: deliver every approved, due follow-up privately, exactly once."""

from __future__ import annotations

from dataclasses import asdict
from datetime import tzinfo

import typer
from rich.table import Table
from rich.text import Text

from common.errors import EXIT_OK, EXIT_PARTIAL
from simak.app import App
from simak.cli.common import ACTOR, actor, handle_errors, print_json, state, stderr, stdout, warn
from simak.cli.render import local, one_line, plain
from simak.cli.rerouted import rerouted_json, rerouted_line
from simak.usecases.reroute import reroute_open
from simak.usecases.send import Delivered, SendReport, send_due
from simak.usecases.send_plan import plan_sends

_OUTCOMES = ("sent", "handed_to_staff", "retry", "checking", "unreachable", "failed", "unknown")


def _summary(report: SendReport) -> Table:
    table = Table(title="Send summary", title_justify="left")
    table.add_column("outcome")
    table.add_column("count", justify="right")
    labels = {
        "retry": "to retry later",
        "checking": "no answer, read back later",
        "unreachable": "moved to next channel",
    }
    for outcome in _OUTCOMES:
        table.add_row(labels.get(outcome, outcome.replace("_", " ")), str(report.count(outcome)))
    return table


def _dry_run(app: App, channels: tuple[str, ...] | None, as_json: bool) -> None:
    planned = plan_sends(app, channels=channels)
    if as_json:
        print_json([asdict(p) for p in planned], app.redact)
        return
    refused = sum(1 for p in planned if p.refused)
    by_hand = sum(1 for p in planned if p.by_hand and not p.refused)
    held = sum(1 for p in planned if p.held)
    title = f"Would send {len(planned) - refused - by_hand - held} follow-up(s)"
    title += f", hand {by_hand} to staff" if by_hand else ""
    title += f", hold {held}" if held else ""
    table = Table(title=title + (f", refuse {refused}" if refused else ""), title_justify="left")
    for col in ("#", "via", "to", "when", "message"):
        table.add_column(col, overflow="fold" if col == "message" else "ellipsis")
    for p in planned:
        when = (
            f"waits until {local(p.waits_until, app.settings.zone, _CLOCK)}"
            if p.waits_until
            else "now"
        )
        if p.by_hand:  # a rerouted one says why after its message; see below for could_go
            when += ", by hand" + ("" if p.rerouted or p.could_go else f" ({p.by_hand})")
        if p.refused:
            when = f"refused ({p.refused})"
        if p.held:
            when = f"not sent here ({p.held})"
        message = one_line(p.subject or p.first_line, 80)
        table.add_row(
            str(p.followup_id),
            p.channel,
            one_line(p.to, 40),
            when,
            plain(message + (f" [instead of {p.rerouted}]" if p.rerouted else "")),
        )
    stdout().print(table)
    for p in planned:
        if p.could_go and p.by_hand:
            stdout().print(plain(f"follow-up {p.followup_id}: {p.by_hand}"))
    moving = rerouted_line(reroute_open(app, dry_run=True), dry_run=True)
    if moving is not None:
        stdout().print(plain(moving))


@handle_errors
def send(
    ctx: typer.Context,
    limit: int | None = typer.Option(None, "--limit", min=1, help="Send at most N."),
    channel: list[str] | None = typer.Option(None, "--channel", help="Only these channels."),
    who: str | None = ACTOR,
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Show what would go where; send nothing."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Deliver every approved follow-up that may go now, each exactly once.

    Exit codes: 0 when everything went out (or was handed to staff, or waits for a
    rate limit, a retry after a transient error or a read-back after no answer, listed),
    1 when some failed or their outcome is unknown (listed, with what to do next), 2 for
    an unknown --channel.
    """
    app = state(ctx).app()
    if dry_run:
        _dry_run(app, tuple(channel) if channel else None, as_json)
        return

    def show(result: Delivered) -> None:
        if not as_json:
            stderr().print(
                f"#{result.followup_id} {result.outcome} via {result.channel}",
                style="dim",
                markup=False,
            )

    report = send_due(
        app, actor(who), limit=limit, channels=tuple(channel) if channel else None, on_result=show
    )
    if as_json:
        print_json(
            {
                "recovered": [asdict(r) for r in report.recovered],
                "results": [asdict(r) for r in report.results],
                "counts": {o: report.count(o) for o in _OUTCOMES},
                "waiting": [asdict(w) for w in report.waiting],
                "backing_off": report.backing_off,
                "next_retry": report.next_retry,
                "held": report.held,
                "refused_accounts": report.refused_accounts,
                "rerouted": rerouted_json(report.rerouted),
                "could_go": report.could_go,
                "unusable": {
                    c: {"count": n, "reason": why} for c, (n, why) in report.unusable.items()
                },
            },
            app.redact,
        )
    else:
        _report(report, app.settings.zone)
    for channel_name, (n, why) in report.unusable.items():
        stderr().print(Text.assemble(("error: ", "red"), one_line(
            f"{n} approved via {channel_name} not sent: {why}")))  # fmt: skip
    raise typer.Exit(EXIT_PARTIAL if report.problems or report.unusable else EXIT_OK)


#: A time later today, as the send report says it ("08:30 WIB").
_CLOCK = "%H:%M %Z"

_NEXT_STEP = {
    "unknown": "settle it: simak followup resolve-unknown {id} --delivered | --not-delivered",
    "failed": "see simak followup show {id}; simak followup retry {id} tries again",
}


def _next_step(outcome: str, detail: str | None) -> str:
    """What to do about a problem: a retry cannot help someone who asked not to be
    contacted (a send refuses them again)."""
    if outcome == "failed" and (detail or "").startswith("do not contact"):
        return (
            "they asked not to be contacted: simak followup dismiss {id} (or, if that "
            "changed, simak people do-not-contact PERSON --undo, then simak followup retry {id})"
        )
    return _NEXT_STEP[outcome]


def _report(report: SendReport, zone: tzinfo) -> None:
    """The summary, what waits and why, and each problem with its next step."""
    moved = rerouted_line(report.rerouted)
    if moved is not None:
        stdout().print(plain(moved))
    stdout().print(_summary(report))
    for w in report.waiting:
        stdout().print(
            plain(
                f"{w.count} via {w.channel} {'waits' if w.count == 1 else 'wait'} for its rate "
                f"limit until {local(w.until, zone, _CLOCK)}"
            )
        )
    for channel, n in report.held.items():
        why = (
            "its account was refused (fix its credentials or setup first)"
            if channel in report.refused_accounts
            else "it answered 'try again later' or did not answer"
        )
        stdout().print(plain(f"{n} via {channel} held for the next run: {why}"))
    if report.backing_off and report.next_retry is not None:
        stdout().print(
            plain(
                f"{report.backing_off} approved follow-up(s) wait to retry (a rate limit or a "
                f"passing error); the next may go at {local(report.next_retry, zone, _CLOCK)} "
                "(see simak send --dry-run)"
            )
        )
    for r in (*report.recovered, *report.results):
        if r.outcome in ("retry", "checking"):
            what = "to retry" if r.outcome == "retry" else "not answered, checked again"
            stdout().print(plain(f"follow-up {r.followup_id} {what}: {one_line(r.detail, 220)}"))
    for fid, channel in report.could_go.items():
        stdout().print(
            plain(
                f"follow-up {fid} went to staff as approved, but {channel} reaches them now: "
                f"to send it by {channel} instead, `simak followup reopen {fid}` (it moves to "
                f"{channel}), check the draft and approve it again"
            )
        )
    for r in report.problems:
        step = _next_step(r.outcome, r.detail).format(id=r.followup_id)
        warn(f"follow-up {r.followup_id} {r.outcome}: {one_line(r.detail, 220)}; {step}")
