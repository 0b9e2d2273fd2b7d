"""`simak send` and `simak followup retry` as a busy user meets them, on both backends:
a retry never approves an unapproved draft, a dry run shows who would be refused, a
mistyped --channel is an error, and a relay that is down is reported with its reason."""

from __future__ import annotations

import json
from typing import Any

from tests.core.conftest import Project
from tests.fakes.server import free_port


def _complaint(project: Project) -> dict[str, Any]:
    assert project.run("poll").exit_code == 0
    return next(row for row in project.json("queue") if row["label"] == "complaint")


def _do_not_contact(project: Project, row: dict[str, Any]) -> None:
    marked = project.run("people", "do-not-contact", str(row["person_id"]), "--reason", "asked")
    assert marked.exit_code == 0, marked.output


def _may_contact(project: Project, row: dict[str, Any]) -> None:
    lifted = project.run("people", "do-not-contact", str(row["person_id"]), "--undo")
    assert lifted.exit_code == 0, lifted.output


def test_retry_never_approves_a_draft_nobody_approved(project: Project) -> None:
    row = _complaint(project)
    fid = str(row["id"])
    refused = project.run("followup", "retry", fid)
    assert refused.exit_code == 2, refused.output
    assert "only a failed delivery can be retried" in refused.stderr
    assert f"simak followup approve {fid}" in refused.stderr
    assert project.json("followup", "show", fid)["status"] == "open"
    assert project.run("followup", "approve", fid).exit_code == 0
    _do_not_contact(project, row)
    failed = project.run("send")
    assert failed.exit_code == 1 and f"simak followup retry {fid}" in failed.stderr
    assert project.json("followup", "show", fid)["status"] == "failed"
    barred = project.run("followup", "retry", fid)  # it would only fail again
    assert barred.exit_code == 2 and "do not contact: asked" in barred.stderr
    _may_contact(project, row)
    again = project.run("followup", "retry", fid)
    assert again.exit_code == 0, again.output
    assert project.json("followup", "show", fid)["status"] == "approved"


def test_retry_takes_several_ids_or_every_failed_one(project: Project) -> None:
    """Before: `followup retry` took one id, so retrying 35 deliveries refused while a
    relay was misconfigured meant 35 runs."""
    assert project.run("poll").exit_code == 0
    rows = project.json("queue")[:3]
    ids = [str(r["id"]) for r in rows]
    assert project.run("followup", "approve", *ids[:2]).exit_code == 0
    for row in rows[:2]:
        _do_not_contact(project, row)
    assert project.run("send").exit_code == 1
    assert [project.json("followup", "show", i)["status"] for i in ids[:2]] == ["failed"] * 2
    _may_contact(project, rows[0])

    unsaid = project.run("followup", "retry")
    assert unsaid.exit_code == 2 and "--all for every failed one" in unsaid.stderr
    mixed = project.run("followup", "retry", ids[0], ids[2])  # the third was never approved
    assert mixed.exit_code == 1, mixed.output
    assert "retried 1 of 2 follow-up(s)" in mixed.stdout
    assert f"not retried #{ids[2]}: " in mixed.stdout and "approve it first" in mixed.stdout
    assert project.json("followup", "show", ids[2])["status"] == "open"

    _do_not_contact(project, rows[0])
    assert project.run("send").exit_code == 1  # do-not-contact again: failed again
    for row in rows[:2]:
        _may_contact(project, row)
    every = project.run("followup", "retry", "--all", "--yes")
    assert every.exit_code == 0, every.output
    assert "retried 2 of 2 follow-up(s)" in every.stdout
    assert [project.json("followup", "show", i)["status"] for i in ids[:2]] == ["approved"] * 2
    none_left = project.run("followup", "retry", "--all", "--yes")
    assert none_left.exit_code == 0 and "no failed follow-ups to retry" in none_left.stdout


def test_dry_run_shows_a_do_not_contact_person_as_refused(project: Project) -> None:
    row = _complaint(project)
    assert project.run("followup", "approve", str(row["id"])).exit_code == 0
    _do_not_contact(project, row)
    (planned,) = project.json("send", "--dry-run")
    assert planned["refused"] == "do not contact: asked"
    shown = project.run("send", "--dry-run")
    assert shown.exit_code == 0 and "Would send 0 follow-up(s), refuse 1" in shown.stdout


def test_dry_run_says_why_a_follow_up_goes_to_staff(project: Project) -> None:
    row = _complaint(project)  # an X post; no private channel is configured
    assert row["channel"] == "manual" and row["channel_note"]
    assert project.run("followup", "approve", str(row["id"])).exit_code == 0
    (planned,) = project.json("send", "--dry-run")
    assert planned["channel"] == "manual" and planned["by_hand"] == row["channel_note"]
    shown = project.run("send", "--dry-run")
    assert "Would send 0 follow-up(s), hand 1 to staff" in shown.stdout, shown.stdout
    assert "by hand" in shown.stdout and "x_dm:" in shown.stdout, shown.stdout


def test_dry_run_says_why_when_no_channel_was_passed_over(project: Project) -> None:
    post = {"id": "r1", "platform": "review", "author": "sari", "created_at": "2026-11-22",
            "text": "Kopi Senja saya kena double charge, tolong refund"}  # fmt: skip
    (project.root / "mentions.jsonl").write_text(json.dumps(post) + "\n", "utf-8")
    row = _complaint(project)  # a review: no channel concerns this person, no note
    assert row["channel"] == "manual" and row["channel_note"] is None
    assert project.run("followup", "approve", str(row["id"])).exit_code == 0
    (planned,) = project.json("send", "--dry-run")
    assert planned["by_hand"] == (
        "none of the complaint rule's channels "
        "(reddit_pm, x_dm, mastodon_dm, bluesky_chat, email) could reach them"
    )


def test_a_mistyped_channel_is_a_usage_error(project: Project) -> None:
    for extra in ((), ("--dry-run",)):
        result = project.run("send", "--channel", "emial", *extra)
        assert result.exit_code == 2, result.output
        assert "unknown channel 'emial'" in result.stderr and "email" in result.stderr


def approved_emails(project: Project, people: tuple[str, ...]) -> None:
    """One double-charge complaint by each of ``people`` (with an e-mail address), polled,
    queued on the email channel and approved."""
    posts = [
        {"id": f"m{i}", "platform": "instagram", "author": who, "author_name": who.title(),
         "author_email": f"{who}@example.com", "created_at": "2026-11-22T08:00:00+07:00",
         "text": "Kopi Senja saya kena double charge, tolong refund"}
        for i, who in enumerate(people)
    ]  # fmt: skip
    lines = "\n".join(json.dumps(p) for p in posts) + "\n"
    (project.root / "mentions.jsonl").write_text(lines, "utf-8")
    assert project.run("poll").exit_code == 0
    rows = [r for r in project.json("queue", "--all") if r["author"].lower() in people]
    assert len(rows) == 3 and {r["channel"] for r in rows} == {"email"}
    for row in rows:
        assert project.run("followup", "approve", str(row["id"])).exit_code == 0


def _email_to_a_relay_that_is_down(project: Project) -> None:
    """Complaints go by e-mail, to an SMTP port where nothing listens."""
    port = free_port()
    text = project.config.read_text("utf-8").replace(
        "  business: {name: Kopi Senja, signer: Dina}\n",
        "  business: {name: Kopi Senja, signer: Dina}\n"
        "  rules: {complaint: {priority: 70, sla_hours: 4, channels: [email, manual]}}\n"
        f"  channels: {{email: {{host: 127.0.0.1, port: {port}, security: none, "
        'sender: "Kopi Senja <halo@kopisenja.example>"}}\n',
    )
    project.config.write_text(text, "utf-8")


def test_a_relay_that_is_down_is_reported_with_its_reason(project: Project) -> None:
    _email_to_a_relay_that_is_down(project)
    post = {
        "id": "m1",
        "platform": "instagram",
        "author": "sari",
        "author_name": "Sari",
        "author_email": "sari@example.com",
        "text": "Kopi Senja saya kena double charge, tolong refund",
        "created_at": "2026-11-22T08:00:00+07:00",
    }
    (project.root / "mentions.jsonl").write_text(json.dumps(post) + "\n", "utf-8")
    row = _complaint(project)
    assert row["channel"] == "email"
    assert project.run("followup", "approve", str(row["id"])).exit_code == 0
    result = project.run("send")
    assert result.exit_code == 0, result.output
    assert "to retry later" in result.stdout and "waiting (rate limit)" not in result.stdout
    assert "could not open the SMTP session" in result.stdout
    later = project.json("send")
    assert later["results"] == [] and later["backing_off"] == 1 and later["next_retry"]


def test_a_relay_that_is_down_is_tried_once_per_run(project: Project) -> None:
    """Three approved e-mails, relay down: one attempt, the other two held for the next run
    (not three connection timeouts in one run)."""
    _email_to_a_relay_that_is_down(project)
    approved_emails(project, ("sari", "budi", "tono"))
    report = project.json("send")
    assert [r["outcome"] for r in report["results"]] == ["retry"]
    assert report["held"] == {"email": 2}
    shown = project.run("send", "--dry-run")
    assert shown.exit_code == 0, shown.output


def test_dry_run_shows_the_channel_a_send_would_really_take(project: Project) -> None:
    """A follow-up stored on e-mail, then e-mail is taken out of the config: a send hands
    it to staff, so the dry run says "manual" (and why), not "email"."""
    configured = project.config.read_text("utf-8")
    _email_to_a_relay_that_is_down(project)
    post = {"id": "m1", "platform": "instagram", "author": "sari", "author_name": "Sari",
            "author_email": "sari@example.com", "created_at": "2026-11-22T08:00:00+07:00",
            "text": "Kopi Senja saya kena double charge, tolong refund"}  # fmt: skip
    (project.root / "mentions.jsonl").write_text(json.dumps(post) + "\n", "utf-8")
    row = _complaint(project)
    assert row["channel"] == "email"
    assert project.run("followup", "approve", str(row["id"])).exit_code == 0
    project.config.write_text(configured, "utf-8")  # no e-mail channel any more

    (planned,) = project.json("send", "--dry-run")
    shown = project.run("send", "--dry-run")
    sent = project.json("send")

    assert (planned["channel"], planned["stored"]) == ("manual", "email")
    assert planned["rerouted"] == "email: not configured (add responder.channels.email)"
    assert "│ manual " in shown.stdout and "[instead" in shown.stdout  # and why
    assert [r["outcome"] for r in sent["results"]] == ["handed_to_staff"]  # what it said


def test_settling_an_unknown_outcome_refuses_blank_or_misplaced_proof(project: Project) -> None:
    """Before: `--provider-id "  "` was stored as the proof of a delivery."""
    assert project.run("poll").exit_code == 0
    fid = str(project.json("queue")[0]["id"])
    for proof, delivered, said in (
        ("  ", "--delivered", "--provider-id is blank"),
        ("msg-123", "--not-delivered", "goes with --delivered"),
    ):
        result = project.run("followup", "resolve-unknown", fid, delivered, "--provider-id", proof)
        assert result.exit_code == 2 and said in result.stderr, result.output
        assert len(result.stderr.strip().splitlines()) == 1


def test_dry_run_shows_a_thank_you_email_without_unsubscribe_as_refused(
    project: Project,
) -> None:
    """Before: "Would send 1", then the send failed: an e-mail that is not a reply needs
    an unsubscribe link, and none was configured."""
    text = project.config.read_text("utf-8").replace(
        "  business: {name: Kopi Senja, signer: Dina}\n",
        "  business: {name: Kopi Senja, signer: Dina}\n"
        "  channels:\n"
        f"    email: {{host: localhost, port: {free_port()}, security: none, "
        'sender: "Kopi Senja <halo@kopisenja.example>"}\n',
    )
    project.config.write_text(text, "utf-8")
    post = {"id": "p1", "platform": "review", "author": "rina", "created_at": "2026-11-22",
            "author_email": "rina@example.com",
            "text": "Kopi Senja enak banget, baristanya ramah, mantap!"}  # fmt: skip
    (project.root / "mentions.jsonl").write_text(json.dumps(post) + "\n", "utf-8")
    assert project.run("poll").exit_code == 0
    row = next(r for r in project.json("queue") if r["label"] == "praise")
    assert row["channel"] == "email", row
    assert project.run("followup", "approve", str(row["id"])).exit_code == 0
    (planned,) = project.json("send", "--dry-run")
    assert planned["refused"].startswith("email: a thanks e-mail needs an unsubscribe link")
    shown = project.run("send", "--dry-run")
    assert "Would send 0 follow-up(s), refuse 1" in shown.stdout, shown.stdout
