"""Staff actions on the queue: approve, send once, snooze, edit, correct labels."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from storage.corrections import corrections
from storage.db import Database
from storage.models import AuditLog, FollowUpEvent
from tests.core.conftest import Project


def first(project: Project, label: str) -> dict[str, Any]:
    queue: Any = project.json("queue")
    return next(row for row in queue if row["label"] == label)


def db_of(project: Project) -> Database:
    return Database(f"sqlite:///{project.root / 'simak.db'}")


def test_send_requires_approval_and_happens_once(project: Project) -> None:
    assert project.run("poll").exit_code == 0
    row = first(project, "complaint")
    fid = str(row["id"])
    refused = project.run("followup", "send", fid)
    assert refused.exit_code == 2 and "approve it first" in refused.stderr
    assert project.run("followup", "approve", fid, "--as", "dina").exit_code == 0
    sent = project.run("followup", "send", fid, "--as", "dina")
    assert sent.exit_code == 0, sent.output
    assert "privately" in sent.stdout  # the manual channel hands staff a private task
    again = project.run("followup", "send", fid)
    assert again.exit_code == 2 and "is sent" in again.stderr
    with db_of(project).session() as s:
        moves = [
            (e.from_status, e.to_status, e.actor)
            for e in s.scalars(
                select(FollowUpEvent)
                .where(FollowUpEvent.followup_id == int(fid))
                .order_by(FollowUpEvent.id)
            )
        ]
        audit = s.scalars(select(AuditLog)).all()
    assert moves == [
        (None, "open", "simak"),
        ("open", "approved", "dina"),
        ("approved", "sent", "dina"),
    ]
    assert [a.action for a in audit] == ["send"]


def test_snooze_moves_due_time_and_edit_replaces_draft(project: Project, tmp_path: Any) -> None:
    assert project.run("poll").exit_code == 0
    row = first(project, "praise")
    fid = str(row["id"])
    assert project.run("followup", "snooze", fid, "--hours", "100").exit_code == 0
    draft = tmp_path / "draft.txt"
    draft.write_text("Halo Kak Rina, makasih ya! Ada voucher kecil buat Kakak 🎁", "utf-8")
    assert project.run("followup", "edit", fid, "--draft-file", str(draft)).exit_code == 0
    shown: Any = project.json("followup", "show", fid)
    assert shown["status"] == "snoozed" and "voucher" in shown["draft"]
    assert shown["due_at"] > row["due_at"]


def test_correction_reroutes_and_feeds_training(project: Project) -> None:
    assert project.run("poll").exit_code == 0
    row = first(project, "praise")
    result = project.run("correct", str(row["mention_id"]), "--labels", "complaint,idea")
    assert result.exit_code == 0, result.output
    assert "complaint" in result.stdout
    shown: Any = project.json("followup", "show", str(row["id"]))
    assert shown["label"] == "complaint" and shown["labels"] == ["complaint", "idea"]
    other = project.run("correct", str(row["mention_id"]), "--labels", "other")
    assert other.exit_code == 0 and "dismissed" in other.stdout
    with db_of(project).session() as s:
        (fix,) = corrections(s)
    assert fix.labels == () and fix.mention_id == row["mention_id"]


def test_correct_rejects_unknown_label(project: Project) -> None:
    assert project.run("poll").exit_code == 0
    row = first(project, "praise")
    result = project.run("correct", str(row["mention_id"]), "--labels", "spam")
    assert result.exit_code == 1 and "unknown label(s) spam" in result.stderr
