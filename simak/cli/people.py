"""`simak people ...`: a person across platforms, merges and their undo."""

from __future__ import annotations

from dataclasses import asdict
from datetime import tzinfo

import typer
from rich.table import Table

from simak.cli.common import ACTOR, actor, ago, handle_errors, print_json, print_line, state, stdout
from simak.cli.render import counted, local_day, one_line, plain
from simak.usecases import people as uc
from simak.usecases.people import AuthorMatch, PersonMatch, PersonView

people_app = typer.Typer(
    rich_markup_mode="markdown",
    help="People: who someone is across platforms; merges.",
    no_args_is_help=True,
)


def _render(view: PersonView, now_label: str, zone: tzinfo) -> None:
    title = f"Person {view.id}: {one_line(view.name) or '(no name)'}"
    if view.merged_into_id:
        title += f" (merged into {view.merged_into_id})"
    print_line(title, "bold")
    stdout().print(
        plain(
            f"email: {view.email or '-'} · first seen {local_day(view.created_at, zone)} · "
            f"last contacted {now_label}"
        )
    )
    handles = Table(title="Handles", title_justify="left")
    for col in ("platform", "handle", "user id", "name"):
        handles.add_column(col)
    for h in view.handles:
        handles.add_row(
            one_line(h.platform), one_line(h.handle), one_line(h.user_id), one_line(h.display_name)
        )
    stdout().print(handles)
    said = Table(title="Mentions (newest first)", title_justify="left", expand=True)
    for col in ("#", "when", "platform", "labels"):
        said.add_column(col, no_wrap=True)
    said.add_column("text", ratio=1, overflow="fold")
    for m in view.mentions:
        said.add_row(
            str(m.id),
            local_day(m.created_at, zone),
            one_line(m.platform),
            ", ".join(m.labels) or "other",
            one_line(m.text, 200, prose=True),
        )
    stdout().print(said)
    fus = Table(title="Follow-ups", title_justify="left")
    for col in ("#", "label", "status", "channel", "sent"):
        fus.add_column(col)
    for f in view.followups:
        fus.add_row(str(f.id), f.label, f.status, f.channel, local_day(f.sent_at, zone))
    stdout().print(fus)
    lo = view.loyalty
    stdout().print(
        plain(
            f"loyalty: {lo.mentions} posts ({lo.positive} kind, {lo.complaints} complaints, "
            f"{lo.ideas} ideas); languages {', '.join(lo.languages) or '-'}"
        )
    )
    if view.do_not_contact:
        print_line(f"DO NOT CONTACT: {view.do_not_contact}", "bold red")
    for n in view.notes:
        print_line(f"note by {n.author} on {local_day(n.at, zone)}: {n.text}")
    for mg in view.merges:
        undone = f", undone {local_day(mg.undone_at, zone)}" if mg.undone_at else ""
        stdout().print(
            plain(
                f"merge {mg.id}: {mg.merged_id} into {mg.kept_id} by {mg.actor}"
                f" on {local_day(mg.at, zone)}{undone}"
            )
        )


@people_app.command("show")
@handle_errors
def show(
    ctx: typer.Context,
    person_id: int = typer.Argument(..., metavar="ID"),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Every handle, mention and follow-up of one person, and their merges."""
    app = state(ctx).app()
    view = uc.show(app, person_id)
    if as_json:
        print_json(asdict(view), app.redact)
        return
    _render(view, ago(view.last_contacted_at, app.clock()), app.settings.zone)


@people_app.command("find")
@handle_errors
def find(
    ctx: typer.Context,
    query: str = typer.Argument(..., metavar="TEXT"),
    limit: int = typer.Option(20, "--limit", min=1, max=500, help="List at most N of each."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Find people by handle (@rinaw), name, email, platform user id or id: who a request
    to forget or a call is about. Merged people are listed as the person they joined.
    Authors known only by a name (a blog or news feed's author) have no person record:
    they are listed after the people, per source, with the command that erases them.
    With --json, each entry has "kind": "person" or "name_only" (whose "id" is null)."""
    app = state(ctx).app()
    found = uc.find(app, query, limit)
    authors = uc.find_authors(app, query, limit)
    if as_json:
        people = [{"kind": "person", **asdict(m)} for m in found]
        named = [{"kind": "name_only", "id": None, **asdict(a), "forget": uc.forget_command(a)}
                 for a in authors]  # fmt: skip
        print_json(people + named, app.redact)
        return
    if not found and not authors:
        print_line(
            f"no one matches {one_line(query, 60)!r} "
            "(handles, names, emails, user ids, name-only authors)"
        )
        return
    if found:
        _render_matches(found, app.settings.zone)
    if authors:
        _render_authors(authors, app.settings.zone)


def _render_authors(authors: list[AuthorMatch], zone: tzinfo) -> None:
    table = Table(
        title=f"{counted(len(authors), 'name-only author')} (no handle or address)",
        title_justify="left",
    )
    for col in ("name", "source", "posts", "last seen", "erase with"):
        table.add_column(col, overflow="fold" if col == "erase with" else "ellipsis")
    for a in authors:
        table.add_row(
            plain(one_line(a.name)),
            plain(one_line(a.source)),
            str(a.mentions),
            local_day(a.last_seen_at, zone) or "-",
            plain(one_line(uc.forget_command(a))),
        )
    stdout().print(table)
    print_line("without --source it erases the name in every source (one name, maybe two people)")


def _render_matches(found: list[PersonMatch], zone: tzinfo) -> None:
    table = Table(title=counted(len(found), "person", "people"), title_justify="left")
    for col in ("id", "name", "handles", "email", "posts", "last seen"):
        table.add_column(col, overflow="fold" if col == "handles" else "ellipsis")
    for m in found:
        name = one_line(m.name) + (" [do not contact]" if m.do_not_contact else "")
        table.add_row(
            str(m.id),
            plain(name),
            plain(", ".join(m.handles)),
            plain(one_line(m.email)),
            str(m.mentions),
            local_day(m.last_seen_at, zone) or "-",
        )
    stdout().print(table)
    print_line("details: simak people show ID")


@people_app.command("merge")
@handle_errors
def merge(
    ctx: typer.Context,
    kept: int = typer.Argument(..., metavar="KEEP_ID"),
    merged: int = typer.Argument(..., metavar="MERGE_ID"),
    reason: str = typer.Option("", "--reason", help="Why they are one person."),
    who: str | None = ACTOR,
) -> None:
    """Merge person MERGE_ID into KEEP_ID (recorded; `simak people unmerge` undoes it)."""
    record = uc.merge(state(ctx).app(), kept, merged, actor(who), reason)
    print_line(
        f"merge {record.id}: person {merged} merged into {kept} "
        f"({record.handles} handle(s) moved); undo: simak people unmerge {record.id}"
    )


@people_app.command("unmerge")
@handle_errors
def unmerge(
    ctx: typer.Context,
    merge_id: int = typer.Argument(..., metavar="MERGE_RECORD_ID"),
    who: str | None = ACTOR,
) -> None:
    """Undo a merge: both people get their own handles, mentions and follow-ups back."""
    record = uc.unmerge(state(ctx).app(), merge_id, actor(who))
    print_line(f"merge {record.id} undone: person {record.merged_id} is separate again")


@people_app.command("suggestions")
@handle_errors
def suggestions(
    ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="Print JSON.")
) -> None:
    """People who may be one person (e.g. the same words on two platforms)."""
    app = state(ctx).app()
    rows = uc.suggestions(app)
    if as_json:
        print_json([asdict(r) for r in rows], app.redact)
        return
    table = Table(title="Merge suggestions", title_justify="left")
    for col in ("#", "person", "other", "why", "since"):
        table.add_column(col)
    for r in rows:
        table.add_row(
            str(r.id),
            str(r.person_id),
            str(r.other_id),
            one_line(r.reason),
            local_day(r.created_at, app.settings.zone),
        )
    if not rows:
        table.caption = "No open suggestions."
    stdout().print(table)


@people_app.command("reject")
@handle_errors
def reject(
    ctx: typer.Context,
    suggestion_id: int = typer.Argument(..., metavar="SUGGESTION_ID"),
    who: str | None = ACTOR,
) -> None:
    """The two people of a suggestion are different people."""
    uc.reject(state(ctx).app(), suggestion_id, actor(who))
    print_line(f"suggestion {suggestion_id}: rejected")


@people_app.command("note")
@handle_errors
def note(
    ctx: typer.Context,
    person_id: int = typer.Argument(..., metavar="ID"),
    text: str = typer.Argument(..., metavar="TEXT"),
    who: str | None = ACTOR,
) -> None:
    """Leave a note about a person for colleagues (shown on the person's page)."""
    note_id = uc.note(state(ctx).app(), person_id, text, actor(who))
    print_line(f"note {note_id} added to person {person_id}")


@people_app.command("do-not-contact")
@handle_errors
def do_not_contact(
    ctx: typer.Context,
    person_id: int = typer.Argument(..., metavar="ID"),
    reason: str = typer.Option("asked not to be contacted", "--reason", help="Why."),
    undo: bool = typer.Option(False, "--undo", help="They may be contacted again."),
    who: str | None = ACTOR,
) -> None:
    """Mark a person "do not contact": every channel then refuses them (or --undo)."""
    uc.do_not_contact(state(ctx).app(), person_id, actor(who), None if undo else reason)
    what = "may be contacted again" if undo else "will not be contacted"
    print_line(f"person {person_id} {what}")
