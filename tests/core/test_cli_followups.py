"""Staff actions on the queue through the CLI, on both backends: approve, send once,
snooze, edit, correct labels, people."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from storage.corrections import corrections
from storage.models import Delivery, FollowUpEvent
from tests.core.conftest import MENTIONS, Project, write_mentions


def first(project: Project, label: str) -> dict[str, Any]:
    return next(row for row in project.json("queue") if row["label"] == label)


def test_send_requires_approval_and_happens_once(project: Project) -> None:
    assert project.run("poll").exit_code == 0
    fid = str(first(project, "complaint")["id"])
    refused = project.run("followup", "send", fid)
    assert refused.exit_code == 2 and "only approved follow-ups are sent" in refused.stderr
    assert project.run("followup", "approve", fid, "--as", "dina").exit_code == 0
    sent = project.run("followup", "send", fid, "--as", "dina")
    assert sent.exit_code == 0, sent.output
    assert "handed_to_staff" in sent.stdout and "privately" in sent.stdout
    again = project.run("followup", "send", fid)
    assert again.exit_code == 2 and "is handed_to_staff" in again.stderr
    with project.db().session() as s:
        moves = [
            (e.from_status, e.to_status, e.actor)
            for e in s.scalars(
                select(FollowUpEvent)
                .where(FollowUpEvent.followup_id == int(fid))
                .order_by(FollowUpEvent.id)
            )
        ]
        deliveries = s.scalars(select(Delivery)).all()
    assert [m[:2] for m in moves] == [
        (None, "open"),
        ("open", "approved"),
        ("approved", "sending"),
        ("sending", "handed_to_staff"),
    ]
    assert [(d.attempt, d.status, d.channel) for d in deliveries] == [
        (1, "handed_to_staff", "manual")
    ]
    assert deliveries[0].recipient["name"]  # resolved at routing, kept with the attempt


def test_snooze_hides_and_edit_needs_a_new_approval(project: Project, tmp_path: Path) -> None:
    assert project.run("poll").exit_code == 0
    row = first(project, "praise")
    fid = str(row["id"])
    assert project.run("followup", "approve", fid).exit_code == 0
    draft = tmp_path / "draft.txt"
    draft.write_text("Halo Kak Rina, makasih ya! 🎁", "utf-8")
    assert project.run("followup", "edit", fid, "--draft-file", str(draft)).exit_code == 0
    shown = project.json("followup", "show", fid)
    assert shown["status"] == "open" and "makasih" in shown["draft"]
    assert project.run("followup", "snooze", fid, "--hours", "100").exit_code == 0
    assert int(fid) not in [r["id"] for r in project.json("queue")]
    everything = project.json("queue", "--all")
    assert {"status": "snoozed", "id": int(fid)}.items() <= next(
        r for r in everything if r["id"] == int(fid)
    ).items()
    shown = project.json("followup", "show", fid)
    assert shown["due_at"] == row["due_at"] and shown["snoozed_until"] > row["due_at"]


def test_snooze_until_a_morning_in_the_business_s_time_zone(project: Project) -> None:
    """`--until tomorrow` (the default) brings it back at 09:00 local time, not 24 h after
    the click; a time that is no snooze is one clear usage line."""
    assert project.run("poll").exit_code == 0
    fid = str(first(project, "praise")["id"])
    snoozed = project.run("followup", "snooze", fid)
    assert snoozed.exit_code == 0 and "snoozed until" in snoozed.stdout, snoozed.output
    back = datetime.fromisoformat(project.json("followup", "show", fid)["snoozed_until"])
    local = back.astimezone(ZoneInfo("Asia/Jakarta"))  # the demo config's time zone
    assert (local.hour, local.minute) == (9, 0) and "09:00 WIB" in snoozed.stdout
    today = datetime.now(UTC).astimezone(ZoneInfo("Asia/Jakarta")).date()
    assert local.date() == today + timedelta(days=1)
    assert project.run("followup", "reopen", fid).exit_code == 0
    assert project.run("followup", "snooze", fid, "--until", "senin").exit_code == 0
    back = datetime.fromisoformat(project.json("followup", "show", fid)["snoozed_until"])
    assert back.astimezone(ZoneInfo("Asia/Jakarta")).strftime("%a %H:%M") == "Mon 09:00"
    for args, said in (
        (("--until", "soonish"), "say when, e.g. tomorrow"),
        (("--until", "3d", "--hours", "2"), "not both"),
    ):
        refused = project.run("followup", "snooze", fid, *args)
        assert refused.exit_code == 2 and said in refused.stderr, refused.output
        assert len(refused.stderr.strip().splitlines()) == 1


def test_correcting_an_approved_followup_reopens_it(project: Project) -> None:
    assert project.run("poll").exit_code == 0
    row = next(
        r for r in project.json("queue") if r["label"] == "idea" and len(r["mention_ids"]) == 1
    )
    fid = str(row["id"])
    assert project.run("followup", "approve", fid).exit_code == 0
    result = project.run("correct", str(row["mention_id"]), "--labels", "complaint,idea")
    assert result.exit_code == 0, result.output
    shown = project.json("followup", "show", fid)
    assert shown["status"] == "open" and shown["label"] == "complaint"
    assert shown["labels"] == ["complaint", "idea"] and "approve again" in shown["status_note"]
    refused = project.run("followup", "send", fid)
    assert refused.exit_code == 2
    other = project.run("correct", str(row["mention_id"]), "--labels", "other")
    assert other.exit_code == 0 and "dismissed" in other.stdout
    with project.db().session() as s:
        (fix,) = corrections(s)
    assert fix.labels == () and fix.mention_id == row["mention_id"]


def test_a_correction_undone_brings_its_follow_up_back_but_not_a_persons_dismissal(
    project: Project,
) -> None:
    """Before: correcting a post to other by mistake and back left its follow-up dismissed
    ("is already dismissed") and the complaint out of the queue for good."""
    assert project.run("poll").exit_code == 0
    row = next(r for r in project.json("queue") if r["label"] == "complaint")
    fid, mid = str(row["id"]), str(row["mention_ids"][0])
    assert project.run("correct", mid, "--labels", "other").exit_code == 0
    back = project.run("correct", mid, "--labels", "complaint")
    shown = project.json("followup", "show", fid)
    assert back.exit_code == 0 and "now routed as complaint" in back.stdout, back.output
    assert shown["status"] == "open" and shown["label"] == "complaint"
    assert project.run("followup", "dismiss", fid).exit_code == 0  # a person's decision
    again = project.run("correct", mid, "--labels", "complaint,praise")
    said = " ".join(again.stdout.split())  # the terminal wraps long lines
    assert "already dismissed" in said and f"followup reopen {fid}` brings it back" in said
    assert project.json("followup", "show", fid)["status"] == "dismissed"


def test_queue_all_keeps_an_explicit_limit(project: Project) -> None:
    assert project.run("poll").exit_code == 0
    assert len(project.json("queue", "--all")) > 2
    assert len(project.json("queue", "--all", "-n", "2")) == 2


def test_a_persons_posts_join_one_conversation(project: Project) -> None:
    assert project.run("poll").exit_code == 0
    rina = [r for r in project.json("queue", "--all") if r["author"] == "Rina"]
    assert len(rina) == 1 and len(rina[0]["mention_ids"]) == 2
    assert [p["mention_id"] for p in rina[0]["posts"]] == rina[0]["mention_ids"]


def test_stale_version_is_refused_with_a_clear_line(project: Project) -> None:
    assert project.run("poll").exit_code == 0
    row = first(project, "complaint")
    fid, seen = str(row["id"]), str(row["version"])
    assert project.run("followup", "snooze", fid, "--hours", "1").exit_code == 0
    stale = project.run("followup", "approve", fid, "--if-version", seen)
    assert stale.exit_code == 2 and "changed since you opened it" in stale.stderr
    assert len(stale.stderr.strip().splitlines()) == 1


def test_unknown_ids_and_labels_are_usage_errors(project: Project) -> None:
    assert project.run("poll").exit_code == 0
    row = first(project, "praise")
    result = project.run("correct", str(row["mention_id"]), "--labels", "spam")
    assert result.exit_code == 2 and "unknown label(s) spam" in result.stderr
    missing = project.run("followup", "approve", "9999")
    assert missing.exit_code == 2 and "does not exist" in missing.stderr
    assert project.run("people", "show", "9999").exit_code == 2
    merge = project.run("people", "merge", str(row["person_id"]), "9999")
    assert merge.exit_code == 2 and "simak people find" in merge.stderr


def test_correct_refuses_empty_or_contradictory_labels(project: Project) -> None:
    """An empty --labels (an unset variable) or 'other' beside a label used to wipe or
    half-apply the labels silently; an unknown mention points at `simak mentions`."""
    assert project.run("poll").exit_code == 0
    row = first(project, "praise")
    mid = str(row["mention_id"])
    for typed in ("", " , ", "other,complaint"):
        refused = project.run("correct", mid, "--labels", typed)
        assert refused.exit_code == 2, (typed, refused.output)
        assert len(refused.stderr.strip().splitlines()) == 1 and "other" in refused.stderr
    with project.db().session() as s:
        assert corrections(s) == []
    assert project.run("correct", mid, "--labels", "Complaint, praise").exit_code == 0
    with project.db().session() as s:
        assert corrections(s)[0].labels == ("praise", "complaint")
    missing = project.run("correct", "9999", "--labels", "idea")
    assert missing.exit_code == 2 and "simak mentions" in missing.stderr


def test_people_show_merge_and_unmerge(project: Project) -> None:
    assert project.run("poll").exit_code == 0
    queue = project.json("queue", "--all")
    a, b = sorted({r["person_id"] for r in queue if r["person_id"]})[:2]
    merged = project.run("people", "merge", str(a), str(b), "--reason", "same phone")
    assert merged.exit_code == 0, merged.output
    page = project.json("people", "show", str(a))
    assert len(page["handles"]) == 2 and len(page["merges"]) == 1
    assert {m["id"] for m in page["mentions"]} >= {
        r["mention_id"] for r in queue if r["person_id"] == b
    }
    undo = project.run("people", "unmerge", str(page["merges"][0]["id"]))
    assert undo.exit_code == 0, undo.output
    assert len(project.json("people", "show", str(b))["handles"]) == 1


def test_approve_refuses_options_it_would_ignore(project: Project) -> None:
    """--if-version with several ids or --all, --label without --all, and a mistyped
    --label were ignored without a word: the guard or the filter the person asked for
    silently did nothing (`approve --all --label complaitn` offered to approve 0)."""
    assert project.run("poll").exit_code == 0
    a, b = (str(r["id"]) for r in project.json("queue")[:2])
    refusals = {
        ("followup", "approve", a, b, "--if-version", "1"): "--if-version works with one ID",
        ("followup", "approve", "--all", "--yes", "--if-version", "1"): "--if-version",
        ("followup", "approve", a, "--label", "idea"): "--label works only with --all",
        ("followup", "approve", "--all", "--label", "complaitn"): "--label complaitn: unknown",
    }
    for args, why in refusals.items():
        refused = project.run(*args)
        assert refused.exit_code == 2 and why in refused.stderr, (args, refused.output)
        assert len(refused.stderr.strip().splitlines()) == 1
    assert [r["status"] for r in project.json("queue")[:2]] == ["open", "open"]
    twice = project.run("followup", "approve", a, a)  # one id typed twice: approved once
    assert twice.exit_code == 0 and twice.stdout.strip() == f"follow-up {a}: approved"
    assert project.run("followup", "approve", "--all", "--yes").exit_code == 0
    nothing = project.run("followup", "approve", "--all")  # no prompt for zero follow-ups
    assert nothing.exit_code == 0 and "no open follow-ups to approve" in nothing.stdout


def test_approve_all_with_no_answer_names_yes(project: Project) -> None:
    """`approve --all` from cron or a pipe: click printed "Aborted!" and exited 1 ("partly
    done"); now one line naming --yes and exit 2, as `simak forget`. A "no" stays exit 1."""
    assert project.run("poll").exit_code == 0
    unanswered = project.run("followup", "approve", "--all", input="")
    assert unanswered.exit_code == 2, unanswered.output
    assert unanswered.stderr.splitlines()[-1].endswith(  # after the unanswered prompt
        "error: simak followup approve --all asks before approving and got no answer; "
        "add --yes to approve without asking"
    )
    assert "Aborted" not in unanswered.stderr and "approved" not in unanswered.stdout
    declined = project.run("followup", "approve", "--all", input="n\n")
    assert declined.exit_code == 1 and "approved" not in declined.stdout
    assert {r["status"] for r in project.json("queue")} == {"open"}


def test_editing_an_approved_draft_says_it_needs_approving_again(
    project: Project, tmp_path: Path
) -> None:
    """The edit took the approval away but only said "draft updated": the follow-up then
    waited in `open` while the person thought it would go out with the next send."""
    assert project.run("poll").exit_code == 0
    fid = str(first(project, "praise")["id"])
    draft = tmp_path / "draft.txt"
    draft.write_text("Halo Kak Rina, makasih ya!", "utf-8")
    assert project.run("followup", "approve", fid).exit_code == 0
    edited = project.run("followup", "edit", fid, "--draft-file", str(draft))
    assert edited.exit_code == 0
    assert f"needs approving again (`simak followup approve {fid}`)" in edited.stdout
    assert project.json("followup", "show", fid)["status_note"] == (
        "draft edited; approve it again to send"
    )
    again = project.run("followup", "edit", fid, "--draft-file", str(draft))  # open: no approval
    assert again.exit_code == 0 and again.stdout.strip() == f"follow-up {fid}: draft updated"
    # Before: "approve it again" about a draft nobody had approved
    assert project.json("followup", "show", fid)["status_note"] == (
        "draft edited; approve it to send"
    )


def test_show_gives_the_mention_id_that_correct_takes(project: Project) -> None:
    """`simak correct` takes a mention id, but `followup show` printed none (only --json)."""
    assert project.run("poll").exit_code == 0
    row = first(project, "complaint")
    shown = project.run("followup", "show", str(row["id"]))
    assert shown.exit_code == 0
    for mention_id in row["mention_ids"]:
        assert f"(mention {mention_id})" in shown.stdout


def test_correcting_an_untagged_post_says_which_follow_up_it_went_to(project: Project) -> None:
    """A post corrected from 'other' that joined its person's open conversation was
    reported as "queued a follow-up for mention N": no follow-up id, and not the truth."""
    extra = [
        ("7", "budi99", "Budi", "lagi di Kopi Senja nunggu teman", "id"),
        ("8", "tono", "Tono", "lagi di Kopi Senja nunggu teman", "id"),
    ]
    write_mentions(project.root / "mentions.jsonl", MENTIONS + extra)
    assert project.run("poll").exit_code == 0
    untagged = {m["author"]: m["id"] for m in project.json("mentions", "--label", "other")}
    budi = next(r["id"] for r in project.json("queue") if r["author"] == "Budi")
    joined = project.run("correct", str(untagged["Budi"]), "--labels", "complaint")
    assert joined.exit_code == 0, joined.output
    assert f"added to follow-up {budi}, the person's open conversation" in joined.stdout
    new = project.run("correct", str(untagged["Tono"]), "--labels", "praise")
    tono = next(r["id"] for r in project.json("queue") if r["author"] == "Tono")
    assert new.exit_code == 0 and f"(queued follow-up {tono})" in new.stdout


def test_edit_reads_stdin_and_refuses_a_blank_subject(project: Project) -> None:
    """`--subject "  "` stored a blank subject (an email without one); `--draft-file -`
    failed with "No such file or directory: '-'" where other commands take - for stdin."""
    assert project.run("poll").exit_code == 0
    row = first(project, "complaint")
    fid = str(row["id"])
    blank = project.run("followup", "edit", fid, "--draft-file", "-", "--subject", "  ", input="x")
    assert blank.exit_code == 2 and "--subject is empty" in blank.stderr
    assert project.json("followup", "show", fid)["version"] == row["version"]
    typed = "Halo Kak Budi, refundnya sudah kami proses 🙏\n\nDina"
    edited = project.run(
        "followup", "edit", fid, "--draft-file", "-", "--subject", " Refund KS-1 ", input=typed
    )
    assert edited.exit_code == 0, edited.output
    shown = project.json("followup", "show", fid)
    assert shown["draft"] == typed and shown["subject"] == "Refund KS-1"


def test_approve_says_which_is_missing_ids_or_all(project: Project) -> None:
    """Before: "give follow-up IDs or --all (not both)" also when neither was given."""
    assert project.run("poll").exit_code == 0
    neither = project.run("followup", "approve")
    both = project.run("followup", "approve", "1", "--all")
    assert neither.exit_code == both.exit_code == 2
    assert "say which" in neither.stderr and "not both" not in neither.stderr
    assert "not both" in both.stderr


def test_times_show_in_the_business_time_zone(project: Project) -> None:
    """Before: `followup show` printed the post's time in UTC without saying so (a post of
    08:00 in Jakarta read 01:00) while the console showed it in the business's zone."""
    assert project.run("poll").exit_code == 0
    fid = str(first(project, "complaint")["id"])
    shown = project.run("followup", "show", fid)
    assert shown.exit_code == 0, shown.output
    assert "2026-11-22 08:00 WIB" in shown.stdout  # timezone: Asia/Jakarta, the default
    queue = project.run("queue")
    assert " WIB" in queue.stdout.splitlines()[0] and "UTC" not in queue.stdout.splitlines()[0]


def test_corrections_export_as_labelled_jsonl_with_only_the_latest_labels(
    project: Project, tmp_path: Path
) -> None:
    """Was: no way to see or export the corrections `simak train` learns from (only the
    database), e.g. to evaluate or fine-tune another model on the staff's labels."""
    from classifier.evaluation import load_labelled_jsonl

    assert project.run("poll").exit_code == 0
    empty = project.run("corrections")
    assert empty.exit_code == 0 and "No corrections yet" in empty.stdout
    a, b = (str(r["mention_id"]) for r in project.json("queue")[:2])
    for mid, labels in ((a, "praise"), (b, "other"), (a, "complaint,idea")):
        assert project.run("correct", mid, "--labels", labels).exit_code == 0
    out = project.run("corrections", "--jsonl")
    assert out.exit_code == 0, out.output
    exported = tmp_path / "staff.jsonl"
    exported.write_text(out.stdout, "utf-8")
    examples = load_labelled_jsonl(exported)  # what `simak eval --input` reads
    assert sorted(e.labels for e in examples) == [(), ("complaint", "idea")]
    rows = project.json("corrections")
    assert {(str(r["mention_id"]), tuple(r["labels"])) for r in rows} == {
        (b, ()),
        (a, ("complaint", "idea")),
    }


def test_a_file_it_cannot_read_is_one_line_in_the_os_s_words(
    project: Project, tmp_path: Path
) -> None:
    """Before: `--draft-file F` said "cannot read it ([Errno 2] No such file or directory:
    'F')", Python's text with the path twice, and a file that is not UTF-8 a codec's
    byte position; `vouchers add` the same. Now the OS's words, or "not UTF-8 text"."""
    missing, latin1 = tmp_path / "nope.txt", tmp_path / "latin1.txt"
    latin1.write_bytes("Terima kasih, café".encode("latin-1"))
    runs = {
        f"--draft-file {missing}: cannot read it (No such file or directory)": (
            "followup", "edit", "1", "--draft-file", str(missing)
        ),
        f"--draft-file {latin1}: cannot read it (not UTF-8 text)": (
            "followup", "edit", "1", "--draft-file", str(latin1)
        ),
        f"{missing}: cannot read it (No such file or directory)": (
            "vouchers", "add", "--pool", "gifts", str(missing)
        ),
    }  # fmt: skip
    for line, args in runs.items():
        result = project.run(*args)
        assert result.exit_code == 2 and result.stderr == f"error: {line}\n", result.stderr
