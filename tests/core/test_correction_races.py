"""Staff corrections of one mention racing each other, or a classifier storing its verdict,
in real processes on SQLite and PostgreSQL: the corrections run one after the other (each
reads what the previous one left), the last verdict is the current one, and the ideas
board follows the labels that won. Two merges of the same two people: one wins.

The first process pauses inside its transaction; the second starts and, on PostgreSQL,
the first goes on once the second waits on a lock (SQLite's one writer at a time makes
the second wait for the first's whole transaction whatever the timing)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select, update

from common.errors import SimakError
from common.records import LABELS, Classification
from simak.app import App
from simak.usecases import reports
from storage.mentions import claim_pending
from storage.models import AuditLog, ClassificationRow, Idea, MentionRow, Person
from tests.core.forked import WAIT_S, Gate, Pause, act, app_of, hold, merging, race, spawn


def _correct(
    config: Path,
    mention_id: int,
    labels: tuple[str, ...],
    actor: str,
) -> tuple[Callable[..., None], tuple[Any, ...]]:
    """`simak correct` in a child process (for :func:`race`)."""
    return act, (config, actor, "simak.usecases.correct:correct", (mention_id, labels, actor))


def _finish_claim(
    config: Path, mention_id: int, holder: str, pause: Pause | None, gate: Gate | None, out: Any
) -> None:
    """A classifier run storing its verdict on a mention it claimed (``finish_claims``)."""
    from storage.mentions import finish_claims

    app = app_of(config)
    verdict = Classification(
        labels=("praise",),
        scores={lab: 1.0 if lab == "praise" else 0.0 for lab in LABELS},
        lang="id",
        model="keywords",
    )
    hold(pause, gate)
    try:
        with app.db.session() as session:
            won = finish_claims(session, holder, [(mention_id, verdict)], app.clock())
        out.put((holder, "ok", won))
    except SimakError as exc:
        out.put((holder, type(exc).__name__, str(exc)))
    finally:
        app.db.dispose()


def _current(app: App, mention_id: int) -> list[tuple[list[str], str, str | None]]:
    with app.db.read() as session:
        c = ClassificationRow
        rows = session.execute(
            select(c.labels, c.model, c.corrected_by).where(
                c.mention_id == mention_id, c.is_current
            )
        ).all()
    return [(list(r.labels), r.model, r.corrected_by) for r in rows]


_SAVING = ("storage.corrections", "save_classification", "after")  # in the transaction


def test_two_staff_correcting_one_mention_at_once_apply_one_after_the_other(
    polled: tuple[Path, App],
) -> None:
    config, app = polled
    item = next(i for i in reports.queue(app) if i.label == "complaint")
    mid = item.mention_id
    assert mid is not None
    [(before, _, _)] = _current(app, mid)
    results = race(
        app.db.url,
        (*_correct(config, mid, ("praise",), "dina"), _SAVING),
        _correct(config, mid, ("complaint", "idea"), "budi"),
    )
    assert {who: r[0] for who, r in results.items()} == {"dina": "ok", "budi": "ok"}, results
    assert _current(app, mid) == [(["complaint", "idea"], "staff", "budi")]
    with app.db.read() as session:
        trail = session.scalars(
            select(AuditLog.detail)
            .where(AuditLog.action == "correct_labels", AuditLog.entity_id == str(mid))
            .order_by(AuditLog.id)
        ).all()
        on_board = session.scalar(select(Idea.id).where(Idea.mention_id == mid))
    # each correction read the labels the one before it left
    assert trail == [f"{','.join(before)} -> praise", "praise -> complaint,idea"]
    assert on_board is not None
    followup = next(i for i in reports.queue(app, everything=True) if i.id == item.id)
    assert followup.label == "complaint"


def test_a_correction_away_from_idea_does_not_undo_a_later_one_back_to_idea(
    polled: tuple[Path, App],
) -> None:
    """Dina's correction (not an idea) has committed and is about to take the post off the
    board when Budi's (an idea after all) runs and commits: the post stays on the board."""
    config, app = polled
    with app.db.read() as session:
        mid = session.scalar(select(Idea.mention_id).where(Idea.group_id.is_not(None)).limit(1))
    assert mid is not None
    ctx = spawn(__name__)
    out, inside, go, started = ctx.Queue(), ctx.Event(), ctx.Event(), ctx.Event()
    pause = ("simak.usecases.correct", "drop_from_board", "before", inside, go)
    dina = _correct(config, mid, ("complaint",), "dina")[1]
    budi = _correct(config, mid, ("idea",), "budi")[1]
    procs = [
        ctx.Process(target=act, args=(*dina, pause, None, out)),
        ctx.Process(target=act, args=(*budi, None, (inside, started), out)),
    ]
    for p in procs:
        p.start()
    assert out.get(timeout=WAIT_S * 2)[:2] == ("budi", "ok")  # while Dina waits
    go.set()
    assert out.get(timeout=WAIT_S * 2)[:2] == ("dina", "ok")
    for p in procs:
        p.join(WAIT_S)
    assert [p.exitcode for p in procs] == [0, 0]
    assert _current(app, mid) == [(["idea"], "staff", "budi")]
    with app.db.read() as session:
        group = session.scalar(select(Idea.group_id).where(Idea.mention_id == mid))
    assert group is not None  # still on the board, in a group


def test_a_correction_racing_the_classifier_keeps_the_staff_verdict(
    polled: tuple[Path, App],
) -> None:
    """A classifier run claimed a mention and stores its verdict while a correction of
    that mention is half-way: no deadlock, no refused write, and staff's verdict stands."""
    config, app = polled
    mid = next(i for i in reports.queue(app) if i.label == "complaint").mention_id
    assert mid is not None
    with app.db.session() as session:
        session.execute(update(MentionRow).where(MentionRow.id == mid).values(status="new"))
        claimed = claim_pending(session, "worker-1", app.clock(), timedelta(minutes=5), 10)
    assert [m.id for m in claimed] == [mid]
    results = race(
        app.db.url,
        (*_correct(config, mid, ("idea",), "dina"), _SAVING),
        (_finish_claim, (config, mid, "worker-1")),
    )
    assert results["dina"][0] == "ok", results
    assert results["worker-1"] == ("ok", []), results  # its claim was no longer live
    assert _current(app, mid) == [(["idea"], "staff", "dina")]
    with app.db.read() as session:
        assert session.scalar(select(MentionRow.status).where(MentionRow.id == mid)) != "new"


def test_two_people_merged_into_each_other_at_once_make_one_merge_not_a_loop(
    polled: tuple[Path, App],
) -> None:
    """Dina merges A into B while Budi merges B into A: one merge wins, the other is
    refused (a merged person cannot be merged), and nobody ends up merged into themself."""
    config, app = polled
    with app.db.read() as session:
        a, b = session.scalars(
            select(Person.id).where(Person.merged_into_id.is_(None)).order_by(Person.id).limit(2)
        ).all()
    results = race(
        app.db.url,
        (*merging(config, b, a), ("storage.people", "_move_handles", "after")),
        merging(config, a, b),
    )
    assert sorted(r[0] for r in results.values()) == ["ConflictError", "ok"], results
    assert results[f"{a}->{b}"][0] == "ok", results  # the first one
    with app.db.read() as session:
        into = dict(
            session.execute(
                select(Person.id, Person.merged_into_id).where(Person.id.in_((a, b)))
            ).all()
        )
    assert into == {a: b, b: None}
