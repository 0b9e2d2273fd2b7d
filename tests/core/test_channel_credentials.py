"""A channel whose credentials the provider refuses (a wrong SMTP password, a revoked
token) is paused for the run with one line saying why: one attempt, not every approved
follow-up burnt as "failed" one after another."""

from __future__ import annotations

import json

import pytest

from tests.core.conftest import Project
from tests.core.test_send_cli import approved_emails
from tests.fakes.smtp import SmtpSink

PEOPLE = ("sari", "budi", "tono")


def _three_emails_to_a_relay(project: Project, sink: SmtpSink) -> None:
    text = project.config.read_text("utf-8").replace(
        "  business: {name: Kopi Senja, signer: Dina}\n",
        "  business: {name: Kopi Senja, signer: Dina}\n"
        "  rules: {complaint: {priority: 70, sla_hours: 4, channels: [email, manual]}}\n"
        f"  channels: {{email: {{host: 127.0.0.1, port: {sink.port}, security: none, "
        'sender: "Kopi Senja <halo@kopisenja.example>", username: "${SMTP_USER}", '
        'password: "${SMTP_PASSWORD}", timeout_s: 2}}\n',
    )
    project.config.write_text(text, "utf-8")
    approved_emails(project, PEOPLE)


def test_a_refused_login_pauses_the_channel_for_the_run(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SMTP_USER", "halo")
    monkeypatch.setenv("SMTP_PASSWORD", "wrong")
    with SmtpSink(auth=("halo", "right")) as sink:
        _three_emails_to_a_relay(project, sink)
        first = project.run("send", "--json")
        assert first.exit_code == 1, first.output
        report = json.loads(first.stdout)
        assert [r["outcome"] for r in report["results"]] == ["failed"]
        assert report["held"] == {"email": 2} and report["refused_accounts"] == ["email"]
        assert sink.count() == 0
        again = project.run("send")
        assert again.exit_code == 1, again.output
        assert "1 via email held for the next run: its account was refused" in again.stdout
        assert "refused the login (535)" in again.stderr, again.output
        assert sink.count() == 0


def test_a_settled_unknown_attempt_shows_what_the_person_found(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """resolve-unknown settles the attempt too: `followup show` and the deliveries metric
    no longer call it unknown."""
    monkeypatch.setenv("SMTP_USER", "halo")
    monkeypatch.setenv("SMTP_PASSWORD", "right")
    with SmtpSink(auth=("halo", "right")) as sink:
        _three_emails_to_a_relay(project, sink)
        sink.drop_after_data(times=2)
        runs = [project.run("send", "--json") for _ in range(2)]  # an unknown pauses email
    results = [json.loads(r.stdout)["results"][0] for r in runs]
    assert [r["outcome"] for r in results] == ["unknown", "unknown"]
    first, second = (str(r["followup_id"]) for r in results)
    ok = project.run("followup", "resolve-unknown", first, "--delivered", "--provider-id", "m-1")
    assert ok.exit_code == 0, ok.output
    assert project.run("followup", "resolve-unknown", second, "--not-delivered").exit_code == 0
    (one,) = project.json("followup", "show", first)["deliveries"]
    assert one["status"] == "sent" and one["external_id"] == "m-1"
    assert one["detail"].startswith("staff found it delivered; before: email:"), one["detail"]
    (two,) = project.json("followup", "show", second)["deliveries"]
    assert two["status"] == "retry" and two["detail"].startswith("staff found it not delivered")


def test_a_send_without_the_channels_credential_leaves_approved_ones_waiting(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before: `simak send` from a shell without SMTP_USER (cron's environment) handed every
    approved e-mail to staff, exit 0, saying only '#1 handed_to_staff via email': a setup
    mistake turned approved messages into manual tasks for good. Now they stay approved,
    the send says which variable to export (one line, exit 1) and sends them once it is."""
    monkeypatch.setenv("SMTP_USER", "halo")
    monkeypatch.setenv("SMTP_PASSWORD", "right")
    with SmtpSink(auth=("halo", "right")) as sink:
        _three_emails_to_a_relay(project, sink)
        monkeypatch.delenv("SMTP_USER")
        plan = project.run("send", "--dry-run", "--json")
        assert plan.exit_code == 0, plan.output
        assert {p["channel"] for p in json.loads(plan.stdout)} == {"email"}
        assert all("SMTP_USER is not set" in p["held"] for p in json.loads(plan.stdout))
        first = project.run("send", "--json")
        assert first.exit_code == 1, first.output
        report = json.loads(first.stdout)
        assert report["results"] == [] and report["counts"]["handed_to_staff"] == 0
        assert report["unusable"]["email"]["count"] == len(PEOPLE)
        errors = [line for line in first.stderr.splitlines() if line.strip()]
        assert len(errors) == 1 and "export SMTP_USER" in errors[0], errors
        held = json.loads(plan.stdout)[0]["followup_id"]
        one = project.run("followup", "send", str(held))
        assert one.exit_code == 2 and "SMTP_USER is not set" in one.stderr, one.output
        assert sink.count() == 0
        monkeypatch.setenv("SMTP_USER", "halo")
        again = project.run("send", "--json")
        assert again.exit_code == 0, again.output
        assert json.loads(again.stdout)["counts"]["sent"] == len(PEOPLE)
        assert sink.count() == len(PEOPLE)


def test_a_poll_says_when_a_channel_its_rules_name_cannot_be_used(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before: a poll from a shell without SMTP_USER routed every new complaint with an
    address to staff ('manual') and said nothing; the reason was only in each follow-up's
    note. Now it warns once per channel (stderr, exit 0), and not when the variable is set."""
    monkeypatch.delenv("SMTP_USER", raising=False)
    monkeypatch.setenv("SMTP_PASSWORD", "right")
    with SmtpSink(auth=("halo", "right")) as sink:
        text = project.config.read_text("utf-8").replace(
            "  business: {name: Kopi Senja, signer: Dina}\n",
            "  business: {name: Kopi Senja, signer: Dina}\n"
            "  rules: {complaint: {priority: 70, sla_hours: 4, channels: [email, manual]}}\n"
            f"  channels: {{email: {{host: 127.0.0.1, port: {sink.port}, security: none, "
            'sender: "Kopi Senja <halo@kopisenja.example>", username: "${SMTP_USER}", '
            'password: "${SMTP_PASSWORD}"}}\n',
        )
        project.config.write_text(text, "utf-8")
        first = project.run("poll")
        assert first.exit_code == 0, first.output
        warnings = [line for line in first.stderr.splitlines() if "SMTP_USER" in line]
        assert len(warnings) == 1 and "export SMTP_USER" in warnings[0], first.stderr
        assert "next channel" in warnings[0]
        monkeypatch.setenv("SMTP_USER", "halo")
        (project.root / "mentions.jsonl").write_text(
            json.dumps({"id": "n1", "author": "nina", "created_at": "2026-11-22T09:00:00+07:00",
                        "text": "Kopi Senja saya kena double charge"}) + "\n", "utf-8"
        )  # fmt: skip
        again = project.run("poll")
        assert again.exit_code == 0 and "SMTP_USER" not in again.stderr, again.output
