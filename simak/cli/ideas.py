"""`simak ideas`: the owner's ideas board — list, show, merge/unmerge, split, rename,
status (``done`` drafts "it shipped" notices), notify, regroup and export."""

from __future__ import annotations

from dataclasses import asdict

import typer
from rich.table import Table

from simak.cli.common import ACTOR, actor, ago, handle_errors, print_json, print_line, state, stdout
from simak.cli.render import counted, one_line, plain
from simak.usecases import idea_board as uc
from simak.usecases.idea_breakdown import Breakdown, breakdown
from simak.usecases.idea_regroup import RegroupReport
from simak.usecases.idea_regroup import regroup as regroup_boards
from simak.usecases.ideas import Suggestion, group_pending, maybe_same, respace_all

ideas_app = typer.Typer(
    rich_markup_mode="markdown",
    help="The ideas board: one idea however phrased, counted in people.",
)


def say(message: str) -> None:
    """A result line on stdout, made inert (titles are strangers' words)."""
    print_line(message)


def _summary(g: uc.GroupView) -> dict[str, object]:
    row = asdict(g)
    row.pop("members")
    row["who"] = sorted({m.author for m in g.members})
    return row


def _evidence(facts: Breakdown) -> list[str]:
    def counts(d: dict[str, int]) -> str:
        return ", ".join(f"{k} {n}" for k, n in d.items()) or "none"

    weeks = " ".join(str(n) for _, n in facts.weekly_posts)
    return [
        f"people by language: {counts(facts.people_by_language)}",
        f"people by channel: {counts(facts.people_by_channel)}",
        f"regulars {facts.regulars}, new customers {facts.newcomers}",
        f"posts per week, oldest first (last {len(facts.weekly_posts)}): {weeks}",
    ]


@ideas_app.callback(invoke_without_command=True)
@handle_errors
def ideas(
    ctx: typer.Context,
    brand: str | None = typer.Option(None, "--brand", help="Only this brand."),
    status: str | None = typer.Option(None, "--status", help="Only groups with this status."),
    since: float | None = typer.Option(
        None, "--since", min=0, help="Only ideas someone asked for in the last DAYS days."
    ),
    limit: int = typer.Option(30, "--limit", "-n", min=1, help="How many groups."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """The ideas board: people × recency, regulars weighted (a person on two platforms
    counts once)."""
    if ctx.invoked_subcommand is not None:
        return
    app = state(ctx).app()
    groups = uc.board(app, brand=brand, status=status, since_days=since, limit=limit)
    if as_json:
        print_json([_summary(g) for g in groups], app.redact)
        return
    if not groups:  # one sentence, not an empty table
        filtered = brand is not None or status is not None or since is not None
        print_line("No ideas match these filters." if filtered else "No ideas captured yet.")
        return
    table = Table(title="Ideas board", title_justify="left")
    for col in ("id", "idea", "people", "posts", "status", "last asked", "who"):
        table.add_column(col, overflow="fold" if col == "idea" else "ellipsis")
    now = app.clock()
    for g in groups:
        who = ", ".join(sorted({m.author for m in g.members}))
        people = f"{g.people} ({g.regulars} regular)" if g.regulars else str(g.people)
        table.add_row(str(g.id), one_line(g.title, 60), people, str(g.posts), g.status,
                      ago(g.last_seen, now), one_line(who, 40))  # fmt: skip
    stdout().print(table)


@ideas_app.command("show")
@handle_errors
def show(
    ctx: typer.Context,
    group_id: int = typer.Argument(..., metavar="ID"),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """One idea: every post and who wrote it (merged groups included)."""
    app = state(ctx).app()
    g = uc.show(app, group_id)
    near = maybe_same(app, g.id)
    facts = breakdown(app, g)
    if as_json:
        extra = {"maybe_same": [asdict(s) for s in near], "breakdown": asdict(facts)}
        print_json({**asdict(g), **extra}, app.redact)
        return
    people, posts = counted(g.people, "person", "people"), counted(g.posts, "post")
    head = f"Idea {g.id}: {one_line(g.title)} · {g.status} · {people}, {posts}"
    merged = ", ".join(map(str, g.merged))
    print_line(head + (f" · merged: {merged}" if g.merged else ""), "bold")
    for line in _evidence(facts):
        say(f"  {line}")
    if g.members:
        say("  posts: [number for `split --posts`] platform, who (mention for `simak correct`)")
    for m in g.members:
        mention = f" (mention {m.mention_id})" if m.mention_id is not None else ""
        stdout().print(plain(f"  [{m.idea_id}] {m.platform} {one_line(m.author, 30)}{mention}: "
                             f"{one_line(m.text, 100, prose=True)}"))  # fmt: skip
    for s in near:
        say(f"  maybe the same as idea {s.group_id} ({one_line(s.title, 60)}, {s.status}), "
            f"similarity {s.similarity:.2f}: {_merge_hint(g, s)} if so")  # fmt: skip


def _merge_hint(g: uc.GroupView, s: Suggestion) -> str:
    """Into the closed one (its askers are then told with `notify`), else into this one."""
    if s.status in uc.CLOSED_STATUSES and g.status not in uc.CLOSED_STATUSES:
        notify = f", then `simak ideas notify {s.group_id}`" if s.status != "duplicate" else ""
        return f"`simak ideas merge {s.group_id} {g.id}`{notify}"
    return f"`simak ideas merge {g.id} {s.group_id}`"


@ideas_app.command("merge")
@handle_errors
def merge(
    ctx: typer.Context,
    kept: int = typer.Argument(..., metavar="KEEP_ID"),
    gone: int = typer.Argument(..., metavar="MERGE_ID"),
    who: str | None = ACTOR,
) -> None:
    """Merge idea MERGE_ID into KEEP_ID (`simak ideas unmerge MERGE_ID` undoes it)."""
    done = uc.merge(state(ctx).app(), kept, gone, actor(who))
    g = done.group
    say(
        f"idea {gone} merged into {kept}: {counted(g.people, 'person', 'people')}, "
        f"{counted(g.posts, 'post')}"
    )
    for line in done.advice:
        say(f"  {line}")


@ideas_app.command("unmerge")
@handle_errors
def unmerge(
    ctx: typer.Context, gone: int = typer.Argument(..., metavar="ID"), who: str | None = ACTOR
) -> None:
    """Undo the merge of idea ID: both ideas stand alone again."""
    target, back = uc.unmerge(state(ctx).app(), gone, actor(who))
    say(f"idea {back.id} ({counted(back.people, 'person', 'people')}) split off idea "
        f"{target.id} ({counted(target.people, 'person', 'people')}) again")  # fmt: skip


@ideas_app.command("split")
@handle_errors
def split(
    ctx: typer.Context,
    group_id: int = typer.Argument(..., metavar="ID"),
    posts: list[int] = typer.Option(..., "--posts", help="Post numbers (see `show`) to move."),
    title: str = typer.Option(
        "", "--title", help="Title of the new idea (default: from its first post)."
    ),
    who: str | None = ACTOR,
) -> None:
    """Move posts of idea ID into a new idea."""
    g = uc.split(state(ctx).app(), group_id, posts, title, actor(who))
    kept = f", {g.status} like idea {group_id}" if g.status != "new" else ""
    say(f"new idea {g.id} with {counted(g.posts, 'post')}{kept}")


@ideas_app.command("rename")
@handle_errors
def rename(
    ctx: typer.Context,
    group_id: int = typer.Argument(..., metavar="ID"),
    title: str = typer.Argument(..., metavar="TITLE"),
    who: str | None = ACTOR,
) -> None:
    """Give idea ID the owner's title."""
    g = uc.rename(state(ctx).app(), group_id, title, actor(who))
    say(f"idea {g.id} is now {one_line(g.title)!r}")


@ideas_app.command("status")
@handle_errors
def status(
    ctx: typer.Context,
    group_id: int = typer.Argument(..., metavar="ID"),
    new_status: str = typer.Argument(..., metavar="STATUS"),
    note: str | None = typer.Option(
        None,
        "--note",
        help="A public note, used in notices (kept when left out; --note '' clears it).",
    ),
    tell: bool | None = typer.Option(
        None,
        "--tell/--no-tell",
        help="Draft a notice to each person who asked (default: for done, not for declined).",
    ),
    who: str | None = ACTOR,
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Set idea ID's status; `done` drafts one notice per person who asked (to approve);
    `declined --tell` drafts a "thanks, not for now" instead."""
    app = state(ctx).app()
    report = uc.set_status(app, group_id, new_status, actor(who), note, tell=tell)
    if as_json:
        print_json({"status": report.status, **_notice_json(report, dry_run=False)}, app.redact)
        return
    say(f"idea {report.group_id} is {report.status or new_status}")
    if report.drafted or report.skipped or report.waiting_declined:
        for line in _notice_lines(report, dry_run=False):
            say(line)


@ideas_app.command("notify")
@handle_errors
def notify(
    ctx: typer.Context,
    group_id: int = typer.Argument(..., metavar="ID"),
    dry_run: bool = typer.Option(False, "--dry-run", help="Only say who would be told."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Draft "you asked, it shipped" (done) or "thanks, not for now" (declined) to each
    person who asked (once per person); each waits for `simak followup approve`, then
    `simak send`. `--dry-run` first shows how many would be drafted, and for whom."""
    app = state(ctx).app()
    report = uc.notify(app, group_id, dry_run=dry_run)
    if as_json:
        print_json(_notice_json(report, dry_run=dry_run), app.redact)
        return
    for line in _notice_lines(report, dry_run=dry_run):
        say(line)


def _notice_json(report: uc.NoticeReport, *, dry_run: bool) -> dict[str, object]:
    """Notices drafted (follow-up ids), who a dry run would tell, and who was skipped why."""
    return {"group_id": report.group_id, "dry_run": dry_run, "drafted": report.drafted,
            "would_draft": [{"person_id": p, "who": w} for p, w in report.would_draft],
            "skipped": [{"person_id": p, "who": w, "why": y}
                        for p, w, y in report.skipped],
            "waiting_declined": [{"person_id": p, "who": w, "followup_id": f}
                                 for p, w, f in report.waiting_declined]}  # fmt: skip


def _notice_lines(report: uc.NoticeReport, *, dry_run: bool) -> list[str]:
    """How many notices were (or would be) drafted, for whom, and who was skipped why."""
    skipped = f"; {len(report.skipped)} skipped" if report.skipped else ""
    if dry_run:
        names = ", ".join(one_line(w, 40) for _, w in report.would_draft)
        lines = [f"dry run: would draft {counted(len(report.would_draft), 'notice')}"
                 + (f" ({names})" if names else "") + skipped]  # fmt: skip
    else:
        then = " (see `simak queue`; approve each, then `simak send`)" if report.drafted else ""
        lines = [f"{counted(len(report.drafted), 'notice')} drafted for approval{then}{skipped}"]
    lines += [f"  skipped {one_line(who, 40)}"
              + (f" (person {pid})" if pid is not None else "") + f": {why}"
              for pid, who, why in report.skipped]  # fmt: skip
    lines += [f"  {one_line(who, 40)} (person {pid}) also has a \"not for now\" notice waiting "
              f"(follow-up {fid}): `simak followup dismiss {fid}` so they are not sent both"
              for pid, who, fid in report.waiting_declined]  # fmt: skip
    return lines


@ideas_app.command("regroup")
@handle_errors
def regroup(
    ctx: typer.Context,
    brand: str | None = typer.Option(None, "--brand", help="Only this brand's board."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Say what would move; change nothing."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    who: str | None = ACTOR,
) -> None:
    """Re-cluster the board's automatic groups (groups you renamed, merged, split or gave a
    status stay as they are) and report what moved; ideas still waiting are grouped first."""
    app = state(ctx).app()
    recomputed = respace_all(app)
    waiting = 0 if dry_run else group_pending(app, force=True)
    reports = regroup_boards(app, brand=brand, dry_run=dry_run, actor=actor(who))
    if as_json:
        print_json({"recomputed_centroids": recomputed, "grouped_waiting": waiting,
                    "dry_run": dry_run, "boards": [asdict(r) for r in reports]},
                   app.redact)  # fmt: skip
        return
    if recomputed:
        say(f"{recomputed} groups' centroids recomputed in the current vector space")
    if waiting:
        say(f"{waiting} waiting ideas grouped")
    for line in _regroup_lines(reports, dry_run):
        stdout().print(line, markup=False, highlight=False, soft_wrap=True)


def _regroup_lines(reports: list[RegroupReport], dry_run: bool) -> list[str]:
    would = "would move" if dry_run else "moved"
    lines = []
    for r in reports:
        lines.append(f"{r.brand}: {r.ideas} ideas in {r.groups_before} automatic groups -> "
                     f"{r.groups_after} groups; {r.moved} {would}")  # fmt: skip
        lines += [f"  groups {', '.join(map(str, olds))} -> one: {one_line(title, 60)}"
                  for title, olds in r.joined]  # fmt: skip
        lines += [f"  group {gid} -> {len(names)}: " + "; ".join(one_line(n, 40) for n in names)
                  for gid, names in r.split]  # fmt: skip
        lines += [f"  {n} ideas -> group {gid} (yours)" for gid, n in sorted(r.into_owned.items())]
    return lines or ["No automatic groups to re-cluster."]


@ideas_app.command("export")
@handle_errors
def export(
    ctx: typer.Context,
    brand: str | None = typer.Option(None, "--brand", help="Only this brand."),
    as_csv: bool = typer.Option(True, "--csv", help="CSV on stdout (the only format)."),
) -> None:
    """The board as CSV (one row per idea)."""
    typer.echo(uc.export_csv(state(ctx).app(), brand=brand), nl=False)
