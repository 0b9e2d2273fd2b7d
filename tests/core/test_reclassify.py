"""`simak reclassify`: the configured model run again over stored mentions, on SQLite
and PostgreSQL. The demo is polled with the keyword backend; "the new model" is the same
backend with an extra complaint phrase (in the config, for the CLI) or a stub that
re-labels chosen posts (in process)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update
from typer.testing import CliRunner, Result

from common.errors import EXIT_OK, EXIT_PARTIAL, EXIT_USAGE
from common.records import LABELS, Classification
from simak.app import App
from simak.cli import app as cli
from simak.usecases.correct import correct
from simak.usecases.reclassify import reclassify
from storage.models import AuditLog, ClassificationRow, FollowUp, MentionRow

#: ks-059, "other" to the keyword backend: "min @kopisenja, poin loyalty bisa dipake buat
#: beli merchandise gak?"; the new model calls it a complaint.
PHRASE = "merchandise"
NEW_MODEL = "  backend: keywords\n  options: {complaint: {id: [merchandise]}}"


def _mention(app: App, words: str) -> int:
    with app.db.read() as session:
        found = session.scalars(select(MentionRow.id).where(MentionRow.text.contains(words)))
        [mention_id] = found.all()
    return mention_id


def _current(app: App, mention_id: int) -> tuple[list[str], str, str | None]:
    with app.db.read() as session:
        c = ClassificationRow
        [row] = session.execute(
            select(c.labels, c.model, c.corrected_by).where(
                c.mention_id == mention_id, c.is_current
            )
        ).all()
    return list(row.labels), row.model, row.corrected_by


def _followups(app: App, mention_id: int) -> list[tuple[int, str]]:
    with app.db.read() as session:
        rows = session.execute(
            select(FollowUp.id, FollowUp.status).where(FollowUp.mention_id == mention_id)
        ).all()
    return [(r.id, r.status) for r in rows]


def _new_model(config: Path) -> None:
    text = config.read_text("utf-8")
    config.write_text(text.replace("  backend: keywords", NEW_MODEL), "utf-8")


def _cli(config: Path, *args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(cli, ["--config", str(config), "reclassify", *args], input=input)


class Relabel:
    """A stub model: the wrapped one's verdicts, but ``labels`` for posts containing a key
    of ``relabel``; ``during`` runs inside the first ``classify`` (a staff member acting
    while the model runs)."""

    model_id = "stub@2"

    def __init__(
        self,
        inner: Any,
        relabel: dict[str, tuple[str, ...]],
        during: Any = None,
        langs: dict[str, str] | None = None,
    ):
        self.inner, self.relabel, self.during = inner, relabel, during
        self.langs = langs or {}

    def classify(self, texts: Sequence[str]) -> list[Classification]:
        if self.during is not None:
            self.during, during = None, self.during
            during()
        out = []
        for text, result in zip(texts, self.inner.classify(texts), strict=True):
            labels = next((v for k, v in self.relabel.items() if k in text), result.labels)
            lang = next((v for k, v in self.langs.items() if k in text), result.lang)
            scores = {lab: 0.9 if lab in labels else 0.1 for lab in LABELS}
            out.append(Classification(labels, scores, lang, self.model_id))  # type: ignore[arg-type]
        return out


def _stub(
    app: App,
    relabel: dict[str, tuple[str, ...]],
    during: Any = None,
    langs: dict[str, str] | None = None,
) -> None:
    app.__dict__["classifier"] = Relabel(app.classifier, relabel, during, langs)


def test_dry_run_lists_the_change_and_changes_nothing(polled: tuple[Path, App]) -> None:
    config, app = polled
    mid = _mention(app, PHRASE)
    before = _current(app, mid)
    _new_model(config)
    result = _cli(config, "--dry-run", "--label", "other", "--json")
    assert result.exit_code == EXIT_OK, result.output
    report = json.loads(result.stdout)
    [change] = report["changes"]
    assert change["mention_id"] == mid
    assert (change["before"], change["after"], change["status"]) == (
        [],
        ["complaint"],
        "would change",
    )
    assert change["who"] and change["lang"] == "id" and PHRASE in change["text"]
    assert report["dry_run"] is True and report["applied"] is False
    assert report["checked"] == report["unchanged"] + 1
    assert _current(app, mid) == before
    assert _followups(app, mid) == []


def test_a_change_is_routed_as_a_correction_would_be_and_a_rerun_finds_nothing(
    polled: tuple[Path, App],
) -> None:
    config, app = polled
    mid = _mention(app, PHRASE)
    _new_model(config)
    result = _cli(config, "--yes", "--brand", "kopi-senja")
    assert result.exit_code == EXIT_OK, result.output
    assert "changed 1" in result.stdout and "queued follow-up" in result.stdout
    labels, model, corrected_by = _current(app, mid)
    assert (labels, corrected_by) == (["complaint"], None)
    assert model == app.classifier.model_id  # the model's id, as poll records it
    [(_, status)] = _followups(app, mid)
    assert status == "open"
    with app.db.read() as session:
        trail = session.execute(
            select(AuditLog.actor, AuditLog.detail).where(
                AuditLog.action == "reclassify", AuditLog.entity_id == str(mid)
            )
        ).all()
    assert [tuple(t) for t in trail] == [("simak", f"other -> complaint by {model}")]
    again = json.loads(_cli(config, "--yes", "--json").stdout)
    assert (again["changes"], again["applied"]) == ([], False)
    quiet = _cli(config, "--yes").stdout  # one sentence, not an empty table
    assert (
        "labels and language it has now" in quiet
        and "┏" not in quiet
        and "Would change" not in quiet
    )


def test_staff_corrections_are_never_overridden(polled: tuple[Path, App]) -> None:
    config, app = polled
    mid = _mention(app, PHRASE)
    correct(app, mid, ("praise",), "dina")
    _new_model(config)
    report = json.loads(_cli(config, "--yes", "--json").stdout)
    assert report["changes"] == [] and report["skipped"]["corrected"] == 1
    assert _current(app, mid) == (["praise"], "staff", "dina")


def test_a_sent_follow_up_is_left_alone_and_nothing_new_is_queued(
    polled: tuple[Path, App],
) -> None:
    _, app = polled
    mid = _mention(app, "Kasirnya jutek banget")  # a complaint, alone in its follow-up
    [(fid, _)] = _followups(app, mid)
    with app.db.session() as session:
        session.execute(update(FollowUp).where(FollowUp.id == fid).values(status="sent"))
    _stub(app, {"Kasirnya jutek banget": ()})
    report = reclassify(app)
    [change] = [c for c in report.changes if c.mention_id == mid]
    assert (change.status, change.after) == ("changed", ())
    assert change.outcome == f"follow-up {fid} is already sent"
    assert _followups(app, mid) == [(fid, "sent")]
    assert _current(app, mid)[:2] == ([], "stub@2")


def test_a_correction_made_while_the_model_runs_is_not_overwritten(
    polled: tuple[Path, App],
) -> None:
    """Read, then a staff correction commits while the model classifies, then the write:
    the compare-and-set misses, the mention is reported and staff's labels stand."""
    _, app = polled
    mid = _mention(app, PHRASE)
    other = _mention(app, "Huawei AppGallery")

    def staff_corrects() -> None:
        correct(app, mid, ("idea",), "dina")

    _stub(app, {PHRASE: ("complaint",), "Huawei AppGallery": ("idea",)}, staff_corrects)
    report = reclassify(app)
    status = {c.mention_id: c.status for c in report.changes}
    assert status == {mid: "changed since read", other: "changed"}
    assert _current(app, mid) == (["idea"], "staff", "dina")
    assert _current(app, other)[:2] == (["idea"], "stub@2")


def test_a_follow_up_dismissed_by_reclassifying_comes_back_when_labels_return(
    polled: tuple[Path, App],
) -> None:
    _, app = polled
    mid = _mention(app, "Kasirnya jutek banget")
    [(fid, _)] = _followups(app, mid)
    model = app.classifier
    _stub(app, {"Kasirnya jutek banget": ()})
    reclassify(app)
    assert _followups(app, mid) == [(fid, "dismissed")]
    app.__dict__["classifier"] = model  # back to the model that polled
    [change] = [c for c in reclassify(app).changes if c.mention_id == mid]
    assert change.status == "changed" and "complaint" in change.after
    assert _followups(app, mid) == [(fid, "open")]


def test_asks_before_applying(polled: tuple[Path, App]) -> None:
    config, app = polled
    mid = _mention(app, PHRASE)
    _new_model(config)
    no_answer = _cli(config)
    assert no_answer.exit_code == EXIT_USAGE
    assert "add --yes" in no_answer.output
    declined = _cli(config, input="n\n")
    assert declined.exit_code == EXIT_PARTIAL and "nothing changed" in declined.output
    assert _current(app, mid)[0] == []
    agreed = _cli(config, "--json", input="y\n")
    assert agreed.exit_code == EXIT_OK, agreed.output
    shown = agreed.stdout  # CliRunner echoes the answer typed into stdout
    assert json.loads(shown[shown.index("{") :])["applied"] is True
    assert _current(app, mid)[0] == ["complaint"]


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("--label", "complain"), "--label complain: unknown"),
        (("--brand", "kopi"), "unknown brand 'kopi'"),
        (("--since", "nan"), "--since nan: not a number of days"),
    ],
)
def test_bad_options_are_one_line_and_exit_2(
    polled: tuple[Path, App], args: tuple[str, ...], said: str
) -> None:
    config, _ = polled
    result = _cli(config, "--dry-run", *args)
    assert result.exit_code == EXIT_USAGE
    assert said in result.output and len(result.output.strip().splitlines()) == 1


def test_another_runs_verdict_stored_meanwhile_is_not_overwritten(
    polled: tuple[Path, App],
) -> None:
    """Two runs at once: the one that stores first wins, the other's compare-and-set on
    the verdict it read misses (and a re-run then finds nothing to change)."""
    _, app = polled
    mid = _mention(app, PHRASE)
    _stub(app, {PHRASE: ("complaint",)}, lambda: reclassify(app))
    [change] = reclassify(app).changes
    assert (change.mention_id, change.status) == (mid, "changed since read")
    assert _current(app, mid) == (["complaint"], "stub@2", None)
    assert reclassify(app).changes == []


@pytest.mark.slow
@pytest.mark.parametrize("polled", ["sqlite"], indirect=True)
def test_with_the_embedded_model(polled: tuple[Path, App]) -> None:
    """Polled with the keyword backend, switched to the shipped model: its verdicts are
    stored under its id, and running it again changes nothing."""
    config, _ = polled
    text = config.read_text("utf-8").replace("backend: keywords", "backend: embedded")
    config.write_text(text, "utf-8")
    first = _cli(config, "--yes", "--json")
    assert first.exit_code == EXIT_OK, first.output
    report = json.loads(first.stdout)
    assert report["model"].startswith("embedded/") and report["changes"]
    assert {c["status"] for c in report["changes"]} == {"changed"}
    mid = report["changes"][0]["mention_id"]
    assert _current(polled[1], mid)[1] == report["model"]
    again = json.loads(_cli(config, "--dry-run", "--json").stdout)
    assert again["changes"] == [] and again["checked"] == report["checked"]


def test_rows_of_a_brand_no_longer_configured_are_left_out(polled: tuple[Path, App]) -> None:
    """A brand renamed in the config but not moved (`simak brands rename`): its rows are
    not checked, rather than the run stopping half-way on the unknown brand."""
    _, app = polled
    mid, other = _mention(app, PHRASE), _mention(app, "Huawei AppGallery")
    with app.db.session() as session:
        session.execute(update(MentionRow).where(MentionRow.id == mid).values(brand="old-name"))
    _stub(app, {PHRASE: ("complaint",), "Huawei AppGallery": ("idea",)})
    report = reclassify(app)
    assert {c.mention_id: c.status for c in report.changes} == {other: "changed"}
    assert _current(app, mid)[0] == []


def _draft(app: App, followup_id: int) -> tuple[str, str]:
    with app.db.read() as session:
        row = session.execute(
            select(FollowUp.lang, FollowUp.draft).where(FollowUp.id == followup_id)
        ).one()
    return row.lang, row.draft


def test_a_post_read_in_another_language_gets_its_draft_in_that_language(
    polled: tuple[Path, App],
) -> None:
    """After a change to language detection (code-mixed posts are now Indonesian), the
    stored posts kept the old language and their drafts stayed in it: a language-only
    change was "nothing to change". Now it is a change, shown as "en → id", and the
    conversation's draft is written again in the language the model reads."""
    _, app = polled
    mid = _mention(app, "Kasirnya jutek banget")
    [(fid, _)] = _followups(app, mid)
    assert _draft(app, fid)[0] == "id"
    model = app.classifier
    _stub(app, {}, langs={"Kasirnya jutek banget": "en"})  # "the old detector"
    [change] = reclassify(app).changes
    assert (change.mention_id, change.lang_before, change.lang) == (mid, "id", "en")
    assert change.before == change.after and change.status == "changed"
    assert _draft(app, fid)[0] == "en"
    app.__dict__["classifier"] = model
    [change] = reclassify(app).changes
    assert (change.lang_before, change.lang, change.status) == ("en", "id", "changed")
    lang, draft = _draft(app, fid)
    assert lang == "id" and draft.startswith("Halo"), draft
    assert reclassify(app).changes == []
