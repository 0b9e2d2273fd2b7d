"""Follow-ups routed to `manual` before a private channel was set up move to the channel
routing picks now (`simak poll`, `simak send`, a reopen), on both backends: approved ones
stay where they were approved and the dry run says what to do, a draft staff edited keeps
its words, and the move is a compare-and-set (an approval that comes first wins)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from simak.usecases import followups as uc
from simak.usecases import reroute
from storage import channel_moves
from tests.core.conftest import Project
from tests.core.forked import app_of
from tests.fakes.server import free_port

PEOPLE = ("sari", "budi", "tono", "wati")


def _posts(project: Project) -> None:
    """A double-charge complaint by each of PEOPLE, on Instagram with an e-mail address
    (no platform DM reaches them: e-mail is the only private channel that could)."""
    posts = [
        {"id": f"m{i}", "platform": "instagram", "author": who, "author_name": who.title(),
         "author_email": f"{who}@example.com", "created_at": "2026-11-22T08:00:00+07:00",
         "text": "Kopi Senja saya kena double charge, tolong refund"}
        for i, who in enumerate(PEOPLE)
    ]  # fmt: skip
    lines = "\n".join(json.dumps(p) for p in posts) + "\n"
    (project.root / "mentions.jsonl").write_text(lines, "utf-8")


def _set_up_email(project: Project) -> None:
    """The e-mail channel added to the config (a relay port where nothing listens: nothing
    in these tests sends)."""
    text = project.config.read_text("utf-8").replace(
        "  business: {name: Kopi Senja, signer: Dina}\n",
        "  business: {name: Kopi Senja, signer: Dina}\n"
        f"  channels: {{email: {{host: 127.0.0.1, port: {free_port()}, security: none, "
        'sender: "Kopi Senja <halo@kopisenja.example>"}}\n',
    )
    project.config.write_text(text, "utf-8")


def _set_up_x_dm(project: Project) -> str:
    """X DMs added to the config (never called: reaching a handle is checked offline);
    returns the config as it was."""
    before = project.config.read_text("utf-8")
    text = before.replace(
        "  business: {name: Kopi Senja, signer: Dina}\n",
        "  business: {name: Kopi Senja, signer: Dina}\n"
        f'  channels: {{x_dm: {{user_access_token: "${{X_TOKEN}}", '
        f'api_base_url: "http://127.0.0.1:{free_port()}"}}}}\n',
    )
    project.config.write_text(text, "utf-8")
    return before


def _rows(project: Project) -> dict[str, dict[str, Any]]:
    rows = project.json("queue", "--all")
    return {r["author"].lower(): r for r in rows if r["author"].lower() in PEOPLE}


def _routed_to_manual(project: Project) -> dict[str, dict[str, Any]]:
    """The demo's way in: polled with no private channel configured."""
    _posts(project)
    assert project.run("poll").exit_code == 0
    rows = _rows(project)
    assert {r["channel"] for r in rows.values()} == {"manual"}
    return rows


def test_follow_ups_routed_before_email_was_set_up_move_to_it_at_the_next_poll(
    project: Project,
) -> None:
    rows = _routed_to_manual(project)
    approved, edited = rows["sari"]["id"], rows["budi"]["id"]
    assert project.run("followup", "approve", str(approved)).exit_code == 0
    mine = project.root / "mine.txt"
    mine.write_text("Halo Kak Budi, maaf ya. Saya Dina, saya cek sekarang.", "utf-8")
    assert project.run("followup", "edit", str(edited), "--draft-file", str(mine)).exit_code == 0
    _set_up_email(project)

    preview = project.run("send", "--dry-run")
    (planned,) = project.json("send", "--dry-run")
    polled = project.json("poll")
    again = project.json("poll")
    after = _rows(project)
    shown = project.run("send", "--dry-run")

    assert "would move 3 unapproved follow-ups to the channel routing picks now: 3 to email" in (
        " ".join(preview.stdout.split())
    ), preview.stdout
    assert polled["rerouted"]["moved"] == {"email": 3}
    assert sorted(polled["rerouted"]["followups"]) == sorted(
        rows[who]["id"] for who in ("budi", "tono", "wati")
    )
    assert again["rerouted"] == {"moved": {}, "followups": [], "skipped": 0}  # once
    assert {who: r["channel"] for who, r in after.items()} == {
        "sari": "manual", "budi": "email", "tono": "email", "wati": "email",
    }  # fmt: skip
    # the one approved stays as approved, and the dry run says what to do instead of a
    # stale "email: not configured"
    assert after["sari"]["status"] == "approved"
    assert planned["followup_id"] == approved and planned["channel"] == "manual"
    assert planned["could_go"] == "email"
    assert f"simak followup reopen {approved}" in planned["by_hand"]
    assert "not configured" not in planned["by_hand"]
    assert f"simak followup reopen {approved}" in " ".join(shown.stdout.split())
    assert "not configured" not in shown.stdout


def test_an_edited_draft_keeps_its_words_and_asks_for_a_check(project: Project) -> None:
    rows = _routed_to_manual(project)
    fid = rows["budi"]["id"]
    words = "Halo Kak Budi, maaf ya. Saya Dina, saya cek sekarang."
    (project.root / "mine.txt").write_text(words, "utf-8")
    edit = project.run("followup", "edit", str(fid), "--draft-file", str(project.root / "mine.txt"))
    assert edit.exit_code == 0, edit.output
    machine = project.json("followup", "show", str(rows["tono"]["id"]))
    _set_up_email(project)

    assert project.run("poll").exit_code == 0
    item = project.json("followup", "show", str(fid))
    other = project.json("followup", "show", str(rows["tono"]["id"]))

    assert item["channel"] == "email" and item["status"] == "open"
    assert item["draft"] == words and item["draft_by"]
    assert "your edited draft was kept" in item["status_note"]
    # a machine draft already in e-mail form (manual and email both take the full body
    # with a subject) is left as it was
    assert (other["channel"], other["draft"], other["subject"]) == (
        "email", machine["draft"], machine["subject"],
    )  # fmt: skip
    assert other["status_note"] == machine["status_note"]


def test_send_moves_them_too_and_says_so(project: Project) -> None:
    _routed_to_manual(project)
    _set_up_email(project)

    shown = project.run("send")
    report = project.json("send")

    assert shown.exit_code == 0, shown.output
    assert "moved 4 unapproved follow-ups to the channel routing picks now: 4 to email" in (
        " ".join(shown.stdout.split())
    )
    assert report["rerouted"]["moved"] == {}  # moved by the first send already
    assert {r["channel"] for r in _rows(project).values()} == {"email"}


def test_reopening_an_approved_one_moves_it_to_the_new_channel(project: Project) -> None:
    rows = _routed_to_manual(project)
    fid = rows["sari"]["id"]
    assert project.run("followup", "approve", str(fid)).exit_code == 0
    _set_up_email(project)
    assert project.run("poll").exit_code == 0
    assert _rows(project)["sari"]["channel"] == "manual"  # approved: not moved

    reopened = project.run("followup", "reopen", str(fid))

    assert reopened.exit_code == 0, reopened.output
    assert "moved to email" in reopened.stdout
    row = _rows(project)["sari"]
    assert (row["status"], row["channel"]) == ("open", "email")


def test_an_approval_between_the_look_and_the_move_wins(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Compare-and-set: a follow-up approved after the re-route read it, before it wrote,
    stays approved on `manual` (the approval was of that channel); the others move."""
    rows = _routed_to_manual(project)
    _set_up_email(project)
    app = app_of(project.config)
    racer = rows["tono"]["id"]
    real_moves = reroute._moves

    def approve_meanwhile(*args: Any, **kwargs: Any) -> Any:
        moves = real_moves(*args, **kwargs)
        assert racer in [m.followup_id for m in moves]  # it was read as movable
        uc.approve(app, racer, "dina")
        return moves

    monkeypatch.setattr(reroute, "_moves", approve_meanwhile)
    report = reroute.reroute_open(app)

    assert report.skipped == 1 and report.moved == {"email": 3}
    assert racer not in report.followups
    after = _rows(project)
    assert (after["tono"]["status"], after["tono"]["channel"]) == ("approved", "manual")
    assert {after[w]["channel"] for w in ("sari", "budi", "wati")} == {"email"}
    shown = project.json("followup", "show", str(racer))
    assert shown["version"] == rows["tono"]["version"] + 1  # the approval only


def test_a_machine_draft_moving_to_a_dm_is_written_again_as_one(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """X posts on `manual` (an e-mail-form draft), then X DMs set up: the draft that
    moves is written again as one short DM (what routing to x_dm writes), never left in
    e-mail form for the send to cut."""
    assert project.run("poll").exit_code == 0  # the default project: X posts
    before = {r["id"]: r for r in project.json("queue", "--all") if r["author"] == "Budi"}
    ((fid, row),) = before.items()
    old = project.json("followup", "show", str(fid))
    assert row["channel"] == "manual" and "\n\n" in old["draft"]
    monkeypatch.setenv("X_TOKEN", "not-used-offline")
    _set_up_x_dm(project)

    polled = project.json("poll")
    new = project.json("followup", "show", str(fid))

    assert fid in polled["rerouted"]["followups"] and polled["rerouted"]["moved"]["x_dm"] >= 1
    assert new["channel"] == "x_dm" and new["status"] == "open"
    assert "\n" not in new["draft"].strip() and new["draft"] != old["draft"]
    assert new["draft"].startswith("Halo") and "Dina" in new["draft"]
    assert new["draft_by"] is None and new["version"] == old["version"] + 1


def test_a_channel_missing_a_credential_here_keeps_its_follow_ups(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A send from a shell without X_TOKEN (x_dm configured, not available here) moves
    nothing off x_dm; taking x_dm out of the config does (to staff, e-mail-form draft)."""
    monkeypatch.setenv("X_TOKEN", "not-used-offline")
    without_x = _set_up_x_dm(project)
    assert project.run("poll").exit_code == 0
    on_x = {r["id"] for r in project.json("queue", "--all") if r["channel"] == "x_dm"}
    assert on_x
    monkeypatch.delenv("X_TOKEN")

    kept = project.json("send")
    still = {r["id"] for r in project.json("queue", "--all") if r["channel"] == "x_dm"}
    project.config.write_text(without_x, "utf-8")  # x_dm no longer configured
    moved = project.json("send")
    rows = {r["id"]: r for r in project.json("queue", "--all")}

    assert kept["rerouted"]["moved"] == {} and still == on_x
    assert moved["rerouted"]["moved"] == {"manual": len(on_x)}
    assert {rows[fid]["channel"] for fid in on_x} == {"manual"}
    drafts = [project.json("followup", "show", str(fid))["draft"] for fid in on_x]
    assert all("\n\n" in d for d in drafts)  # the full form staff copy by hand


def test_a_send_hands_an_approved_one_to_staff_and_says_what_to_do(project: Project) -> None:
    """The send does what was approved (a task for staff), then says how to send it by
    e-mail instead; reopening the task moves it to e-mail."""
    rows = _routed_to_manual(project)
    fid = rows["sari"]["id"]
    assert project.run("followup", "approve", str(fid)).exit_code == 0
    _set_up_email(project)

    sent = project.run("send")
    reopened = project.run("followup", "reopen", str(fid))

    assert sent.exit_code == 0, sent.output
    said = " ".join(sent.stdout.split())
    assert f"follow-up {fid} went to staff as approved, but email reaches them now" in said
    assert f"`simak followup reopen {fid}`" in said
    assert reopened.exit_code == 0 and "moved to email" in reopened.stdout, reopened.output
    row = _rows(project)["sari"]
    assert (row["status"], row["channel"]) == ("open", "email")


def _unreachable_posts(project: Project) -> None:
    """The same complaints, by people with no e-mail address, on Instagram (no channel
    Simak has reaches an Instagram account): only staff can reach them."""
    _posts(project)
    path = project.root / "mentions.jsonl"
    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines()]
    for row in rows:
        del row["author_email"]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), "utf-8")


def _count_reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many follow-ups each re-route read (one entry per run)."""
    reads: list[int] = []
    real = channel_moves.stale_routes

    def counted(*args: Any, **kwargs: Any) -> Any:
        found = real(*args, **kwargs)
        reads.append(len(found))
        return found

    monkeypatch.setattr(reroute, "stale_routes", counted)
    return reads


def _set_rule(project: Project, channels: str) -> None:
    """The complaint rule's channel order (e.g. "[manual]"), in place of any set before."""
    lines = project.config.read_text("utf-8").splitlines(keepends=True)
    kept = [line for line in lines if not line.startswith("  rules:")]
    at = kept.index("  business: {name: Kopi Senja, signer: Dina}\n") + 1
    kept.insert(at, f"  rules: {{complaint: {{channels: {channels}}}}}\n")
    project.config.write_text("".join(kept), "utf-8")


def test_follow_ups_nobody_else_reaches_are_read_once_per_routing(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Polls every few minutes do not re-read follow-ups that stay on `manual`: each is
    read once per routing (channels and rules) and version; a new channel, a rule change
    or a change to the follow-up has it read again."""
    _unreachable_posts(project)
    _set_up_email(project)
    reads = _count_reads(monkeypatch)
    assert project.run("poll").exit_code == 0  # routes them to manual, then checks them
    assert project.run("poll").exit_code == 0
    assert project.run("send").exit_code == 0
    assert project.run("send", "--dry-run").exit_code == 0
    manual = [r for r in project.json("queue", "--all") if r["channel"] == "manual"]
    assert len(manual) >= len(PEOPLE) and reads == [len(manual), 0, 0, 0], reads

    fid = _rows(project)["budi"]["id"]
    (project.root / "mine.txt").write_text("Halo Kak Budi, maaf ya.", "utf-8")
    edit = project.run("followup", "edit", str(fid), "--draft-file", str(project.root / "mine.txt"))
    assert edit.exit_code == 0, edit.output
    assert project.run("poll").exit_code == 0  # the edited one only
    _set_rule(project, "[email, manual]")
    assert project.run("poll").exit_code == 0  # another rule: all again
    assert project.run("poll").exit_code == 0

    assert reads[4:] == [1, len(manual), 0], reads
    assert {r["channel"] for r in _rows(project).values()} == {"manual"}


def test_a_rule_change_moves_those_it_now_routes_elsewhere(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """E-mail set up while the complaint rule says staff only: they stay on `manual`
    (checked and marked); the rule then naming e-mail moves them at the next poll."""
    _posts(project)
    _set_up_email(project)
    _set_rule(project, "[manual]")
    assert project.run("poll").exit_code == 0
    assert project.run("poll").exit_code == 0
    assert {r["channel"] for r in _rows(project).values()} == {"manual"}

    _set_rule(project, "[email, manual]")
    polled = project.json("poll")

    assert polled["rerouted"]["moved"] == {"email": 4}
    assert {r["channel"] for r in _rows(project).values()} == {"email"}


def test_a_channel_set_up_later_reaches_those_checked_before(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """X posts, no e-mail known: with e-mail set up they stay on `manual` (checked); X DMs
    set up since reach them, and the next poll moves them."""
    assert project.run("poll").exit_code == 0  # the default project: X posts
    text = project.config.read_text("utf-8")
    _set_up_email(project)
    assert project.run("poll").exit_code == 0
    assert project.run("poll").exit_code == 0
    before = {r["id"] for r in project.json("queue", "--all") if r["channel"] == "manual"}
    project.config.write_text(text, "utf-8")
    monkeypatch.setenv("X_TOKEN", "not-used-offline")
    _set_up_x_dm(project)

    polled = project.json("poll")

    assert before and polled["rerouted"]["moved"].get("x_dm", 0) >= 1
    assert set(polled["rerouted"]["followups"]) <= before


def test_a_change_between_the_look_and_the_mark_is_read_again(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The mark is a compare-and-set on the version read: a follow-up edited after the
    re-route read it is not marked, and the next run reads it again."""
    _unreachable_posts(project)
    assert project.run("poll").exit_code == 0  # no channel yet: nothing read
    _set_up_email(project)
    app = app_of(project.config)
    fid = _rows(project)["tono"]["id"]
    real_choose = reroute._choose
    edited: list[int] = []

    def edit_meanwhile(router: Any, found: Any) -> Any:
        if found.followup_id == fid and not edited:
            edited.append(uc.edit(app, fid, "Halo Kak Tono, maaf ya.", None, "dina").version)
        return real_choose(router, found)

    monkeypatch.setattr(reroute, "_choose", edit_meanwhile)
    first = reroute.reroute_open(app)
    monkeypatch.setattr(reroute, "_choose", real_choose)
    reads = _count_reads(monkeypatch)
    reroute.reroute_open(app)
    reroute.reroute_open(app)

    assert edited and first.count == 0 and first.skipped == 0
    assert reads == [1, 0], reads


def test_a_rule_change_moves_follow_ups_off_a_channel_it_no_longer_picks(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Complaints routed to e-mail; the rule then says staff only: the next poll moves the
    unapproved ones to `manual` (the approved one stays), once, and polls after that read
    none of them again."""
    _posts(project)
    _set_up_email(project)
    assert project.run("poll").exit_code == 0
    rows = _rows(project)
    assert {r["channel"] for r in rows.values()} == {"email"}
    approved = rows["sari"]["id"]
    assert project.run("followup", "approve", str(approved)).exit_code == 0
    reads = _count_reads(monkeypatch)
    assert project.run("poll").exit_code == 0  # the approval changed nothing routing reads
    _set_rule(project, "[manual]")

    polled = project.json("poll")
    again = project.json("poll")
    after = _rows(project)

    assert polled["rerouted"]["moved"] == {"manual": 3}
    assert again["rerouted"]["moved"] == {}
    assert {who: r["channel"] for who, r in after.items()} == {
        "sari": "email", "budi": "manual", "tono": "manual", "wati": "manual",
    }  # fmt: skip
    assert reads[0] == 0 and reads[-1] == 0, reads
    shown = project.json("followup", "show", str(after["budi"]["id"]))
    assert shown["status"] == "open" and "\n\n" in shown["draft"]  # e-mail form, as staff copy
