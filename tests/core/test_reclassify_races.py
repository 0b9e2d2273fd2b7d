"""`simak reclassify` racing a staff correction of the same mention, in real processes on
SQLite and PostgreSQL: whichever commits first, staff's labels are the ones that stand,
and the model's verdict never overwrites a correction it did not read."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select

from simak.app import App
from storage.models import AuditLog, ClassificationRow, MentionRow
from tests.core.forked import act, race

#: ks-059 is "other" to the keyword backend; the new model calls it a complaint.
PHRASE = "merchandise"
NEW_MODEL = "  backend: keywords\n  options: {complaint: {id: [merchandise]}}"


def reclassify_all(app: App) -> dict[int, str]:
    """`simak reclassify --yes` in a child: what became of each change."""
    from simak.usecases.reclassify import reclassify

    return {c.mention_id: c.status for c in reclassify(app).changes}


def _new_model(config: Path) -> Path:
    """A config beside ``config`` (same database) whose model re-labels ks-059."""
    text = config.read_text("utf-8").replace("  backend: keywords", NEW_MODEL)
    new = config.with_name("new-model.yaml")
    new.write_text(text, "utf-8")
    return new


def _reclassifying(config: Path) -> tuple[Any, tuple[Any, ...]]:
    return act, (config, "simak", f"{__name__}:reclassify_all", ())


def _correcting(config: Path, mention_id: int) -> tuple[Any, tuple[Any, ...]]:
    call = "simak.usecases.correct:correct"
    return act, (config, "dina", call, (mention_id, ("praise",), "dina"))


def _state(app: App, mention_id: int) -> tuple[tuple[list[str], str | None], list[str | None]]:
    with app.db.read() as session:
        c = ClassificationRow
        [row] = session.execute(
            select(c.labels, c.corrected_by).where(c.mention_id == mention_id, c.is_current)
        ).all()
        trail = session.scalars(
            select(AuditLog.detail)
            .where(AuditLog.entity == "mention", AuditLog.entity_id == str(mention_id))
            .order_by(AuditLog.id)
        ).all()
    return (list(row.labels), row.corrected_by), list(trail)


def _mention(app: App) -> int:
    with app.db.read() as session:
        return int(
            session.scalars(select(MentionRow.id).where(MentionRow.text.contains(PHRASE))).one()
        )


def test_a_correction_committing_while_reclassify_waits_to_write_is_kept(
    polled: tuple[Path, App],
) -> None:
    """Dina's correction holds the mention (uncommitted) when the model reads and classifies
    it; the model's write waits, then its compare-and-set misses: left alone, reported.
    (On SQLite the run opening its database waits for the writer, so it reads the
    correction and skips the mention as corrected.)"""
    config, app = polled
    mid = _mention(app)
    results = race(
        app.db.url,
        (*_correcting(config, mid), ("storage.corrections", "save_classification", "after")),
        _reclassifying(_new_model(config)),
    )
    assert results["dina"][0] == "ok", results
    missed = {mid: "changed since read"} if app.db.url.startswith("postgresql") else {}
    assert results["simak"] == ("ok", missed), results
    labels, trail = _state(app, mid)
    assert labels == (["praise"], "dina")
    assert trail == ["other -> praise"]  # no re-classification recorded


def test_a_correction_waiting_on_reclassify_applies_after_it(polled: tuple[Path, App]) -> None:
    """The model's verdict is stored (uncommitted) when Dina corrects: her correction
    waits, then reads the model's labels and replaces them."""
    config, app = polled
    mid = _mention(app)
    results = race(
        app.db.url,
        (
            *_reclassifying(_new_model(config)),
            ("simak.usecases.reclassify", "store_reclassified", "after"),
        ),
        _correcting(config, mid),
    )
    assert results["simak"] == ("ok", {mid: "changed"}), results
    assert results["dina"][0] == "ok", results
    labels, trail = _state(app, mid)
    assert labels == (["praise"], "dina")
    assert trail == ["other -> complaint by keywords@1", "complaint -> praise"]
