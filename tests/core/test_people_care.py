"""Treating customers as people, through the CLI on both backends: reminders for regulars
(once per period, never to "do not contact", gifts never given twice), notes and the
person page; plus the demo's drafts with the real model."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.core.conftest import MENTIONS, Project, write_mentions
from tests.core.forked import Where, act, race
from tests.core.races import demo_project, no_traceback, run, simak

LOYAL = [
    ("r1", "rina", "Rina", "Kopi Senja enak banget hari ini"),
    ("r2", "rina", "Rina", "latte Kopi Senja mantap seperti biasa"),
    ("r3", "rina", "Rina", "Kopi Senja baristanya ramah, suka banget"),
    ("s1", "sari", "Sari", "Kopi Senja enak, mantap"),
    ("s2", "sari", "Sari", "Kopi Senja mantap pokoknya"),
    ("s3", "sari", "Sari", "suka banget Kopi Senja"),
    ("b1", "budi", "Budi", "Kopi Senja enak"),
]


def regulars(project: Project) -> None:
    with (project.root / "mentions.jsonl").open("w", encoding="utf-8") as f:
        for ext, handle, name, text in LOYAL:
            row = {
                "id": ext,
                "platform": "x",
                "author": handle,
                "author_name": name,
                "text": text,
                "created_at": "2026-11-22T08:00:00+07:00",
            }
            f.write(json.dumps(row) + "\n")


def person_of(project: Project, name: str) -> int:
    rows: list[dict[str, Any]] = project.json("queue", "--all")
    return int(next(r["person_id"] for r in rows if r["author"] == name))


def test_reminders_thank_regulars_once_and_skip_do_not_contact(project: Project) -> None:
    regulars(project)
    assert project.run("poll").exit_code == 0
    sari = person_of(project, "Sari")
    assert project.run("people", "do-not-contact", str(sari), "--reason", "asked").exit_code == 0
    codes = project.root / "codes.txt"
    codes.write_text("LATTE-1\n", "utf-8")
    added = project.run("vouchers", "add", "--pool", "latte", str(codes))
    assert added.exit_code == 0 and "1 new code" in added.stdout
    cfg = project.config.read_text().replace(
        "responder:\n", "responder:\n  reminders: {gift_pool: latte}\n"
    )
    project.config.write_text(cfg, "utf-8")
    first = project.json("reminders")
    assert [d["name"] for d in first["drafted"]] == ["Rina"]  # Budi: only one kind post
    assert first["drafted"][0]["gift"] == "LATTE-1"
    assert {"person_id": sari, "why": "do not contact"} in first["skipped"]
    again = project.json("reminders")
    assert again["drafted"] == []  # once per period
    reminder = next(r for r in project.json("queue", "--all") if r["kind"] == "reminder")
    assert "LATTE-1" in reminder["draft"] and reminder["author"] == "Rina"


def test_do_not_contact_refuses_every_channel(project: Project) -> None:
    regulars(project)
    assert project.run("poll").exit_code == 0
    rina = person_of(project, "Rina")
    fid = next(r["id"] for r in project.json("queue") if r["author"] == "Rina")
    assert project.run("followup", "approve", str(fid)).exit_code == 0
    assert project.run("people", "do-not-contact", str(rina)).exit_code == 0
    sent = project.run("send")
    assert sent.exit_code == 1  # refused: listed as failed
    said = " ".join(sent.stderr.split())  # the next step is not a retry that fails again
    assert f"they asked not to be contacted: simak followup dismiss {fid}" in said
    assert f"simak followup retry {fid} tries again" not in said
    shown = project.json("followup", "show", str(fid))
    assert shown["status"] == "failed" and "do not contact" in shown["status_note"]
    assert shown["deliveries"][0]["status"] == "failed"


def test_do_not_contact_is_flagged_in_the_queue_and_refuses_approval(project: Project) -> None:
    """Staff see the mark on the queue row (CLI and JSON) before they spend time on the
    draft, and approving (one, or in bulk) is refused with the next step; a merged person's
    mark counts. Without the flag the row looked like any other and approval succeeded,
    only for `simak send` to fail it."""
    regulars(project)
    assert project.run("poll").exit_code == 0
    rina, sari = person_of(project, "Rina"), person_of(project, "Sari")
    rows = {r["author"]: r for r in project.json("queue")}
    assert rows["Rina"]["do_not_contact"] is None
    assert project.run("people", "do-not-contact", str(rina), "--reason", "phoned").exit_code == 0
    assert project.run("people", "merge", str(sari), str(rina)).exit_code == 0
    queue = project.json("queue")
    merged = [r for r in queue if r["person_id"] in (sari, rina)]
    assert merged and all(r["do_not_contact"].startswith("do not contact: phoned") for r in merged)
    assert [r["do_not_contact"] for r in queue if r["author"] == "Budi"] == [None]
    table = " ".join(project.run("queue").stdout.split())
    assert "phoned" in table  # the reason, in the row's note
    fid = merged[0]["id"]
    refused = project.run("followup", "approve", str(fid))
    said = " ".join(refused.stderr.split())
    assert refused.exit_code != 0 and "Traceback" not in said
    assert "cannot be approved: do not contact: phoned" in said, said
    assert f"simak followup dismiss {fid}" in said
    assert project.json("followup", "show", str(fid))["status"] == "open"
    budi = next(r["id"] for r in queue if r["author"] == "Budi")
    assert project.run("followup", "approve", str(budi)).exit_code == 0
    assert project.run("followup", "done", str(fid)).exit_code == 0  # handled another way


def test_auto_approval_leaves_a_do_not_contact_person_s_conversation_open(
    project: Project,
) -> None:
    """A rule that auto-approves complaints skips someone marked "do not contact": their
    new post joins their conversation, which stays open for staff, and the poll goes on;
    so does a merge that re-plans their conversation. Before, the refused approval failed
    the poll (exit 2) and every poll after it, and the merge."""
    assert project.run("poll").exit_code == 0
    budi = person_of(project, "Budi")
    assert project.run("people", "do-not-contact", str(budi), "--reason", "phoned").exit_code == 0
    cfg = project.config.read_text().replace(
        "responder:\n", "responder:\n  rules: {complaint: {auto_approve: true}}\n"
    )
    project.config.write_text(cfg, "utf-8")
    again = [
        ("7", "budi99", "Budi", "@kopisenja refund double charge belum masuk, kecewa", "id"),
        ("8", "dewi", "Dewi", "@kopisenja saya kena double charge, tolong refund segera!", "id"),
    ]
    write_mentions(project.root / "mentions.jsonl", MENTIONS + again)
    polled = project.run("poll")
    assert polled.exit_code == 0, polled.output
    rows = {r["author"]: r for r in project.json("queue", "--all") if r["label"] == "complaint"}
    assert rows["Budi"]["status"] == "open" and len(rows["Budi"]["posts"]) == 2, rows["Budi"]
    assert rows["Budi"]["do_not_contact"] == "do not contact: phoned"
    assert rows["Dewi"]["status"] == "approved"  # the rule still approves everyone else
    merged = project.run("people", "merge", str(budi), str(rows["Dewi"]["person_id"]))
    assert merged.exit_code == 0, merged.output  # their conversations, re-planned as one
    statuses = [r["status"] for r in project.json("queue", "--all") if r["label"] == "complaint"]
    assert "approved" not in statuses and "open" in statuses, statuses


def test_person_page_lists_handles_mentions_followups_notes(project: Project) -> None:
    regulars(project)
    assert project.run("poll").exit_code == 0
    rina = person_of(project, "Rina")
    assert project.run("people", "note", str(rina), "prefers oat milk").exit_code == 0
    page = project.json("people", "show", str(rina))
    assert [h["handle"] for h in page["handles"]] == ["rina"]
    assert len(page["mentions"]) == 3 and len(page["followups"]) == 1
    assert page["notes"][0]["text"] == "prefers oat milk"
    assert page["loyalty"]["positive"] == 3


@pytest.mark.slow
def test_demo_drafts_listen(tmp_path: Path) -> None:
    config = demo_project(tmp_path / "demo", "sqlite:///simak.db")
    config.write_text(config.read_text().replace("backend: keywords", "backend: embedded"), "utf-8")
    code, _, err = run(config, "poll", timeout=300)
    assert code == 0, err
    code, out, err = run(config, "queue", "--all", "--json")
    rows = {r["author"]: r for r in json.loads(out)}
    budi = rows["Budi Santoso"]["draft"]
    assert "KS-88213" in budi and not re.search(r"nomor pesanan(nya)?\?", budi)
    for row in rows.values():
        for quote in re.findall(r'"([^"]+)"', row["draft"]):
            assert (
                quote.rstrip().endswith((".", "!", "?", "…", ")", "😍", "🙏")) or len(quote) < 200
            )
        assert not re.match(r"(Hi|Halo|Dear) (u\d+|@)", row["draft"])
    formal = rows["Rizky Firmansyah"]  # "Saldo saya kepotong … Kecewa": formal Indonesian
    assert "Bapak/Ibu" in formal["draft"] and "Kak" not in formal["draft"]


def test_regulars_are_found_past_one_query_of_ids(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import UTC, datetime

    from storage import care, ids

    regulars(project)
    assert project.run("poll").exit_code == 0
    people = [person_of(project, name) for name in ("Rina", "Sari", "Budi")]
    monkeypatch.setattr(ids, "ID_CHUNK", 1)  # one id per query: every chunk is asked
    db = project.db()
    with db.read() as session:
        found = care.regulars(session, [*people, 10_000], datetime(2026, 11, 1, tzinfo=UTC), 3)
    db.dispose()
    assert found == set(people[:2])  # Rina and Sari praised three times; Budi once


def test_do_not_contact_holds_for_everyone_merged_with_them(project: Project) -> None:
    regulars(project)
    assert project.run("poll").exit_code == 0
    rina, sari = person_of(project, "Rina"), person_of(project, "Sari")
    merged = project.run("people", "merge", str(rina), str(sari))
    assert merged.exit_code == 0 and len(merged.stdout.splitlines()) == 1, merged.output
    fid = next(r["id"] for r in project.json("queue") if r["author"] == "Rina")
    assert project.run("followup", "approve", str(fid)).exit_code == 0  # Sari's posts in it
    assert project.run("people", "do-not-contact", str(sari), "--reason", "phoned").exit_code == 0
    page = project.json("people", "show", str(rina))
    assert page["do_not_contact"] == f"phoned (person {sari}, merged with {rina})"
    assert project.json("reminders", "--dry-run")["skipped"] == [
        {"person_id": rina, "why": "do not contact"}
    ]
    assert project.run("send").exit_code == 1  # refused, as for Sari herself
    shown = project.json("followup", "show", str(fid))
    assert shown["status"] == "failed" and "do not contact: phoned" in shown["status_note"]
    assert project.run("people", "unmerge", str(page["merges"][0]["id"])).exit_code == 0
    assert project.json("people", "show", str(rina))["do_not_contact"] is None


def test_merges_undone_out_of_order_give_everyone_their_own_back(project: Project) -> None:
    regulars(project)
    assert project.run("poll").exit_code == 0
    rina, sari, budi = (person_of(project, n) for n in ("Rina", "Sari", "Budi"))

    def owned(pid: int) -> tuple[list[str], int, list[str]]:
        page = project.json("people", "show", str(pid))
        fus = [f["status"] for f in page["followups"]]
        return [h["handle"] for h in page["handles"]], len(page["mentions"]), fus

    before = {p: owned(p) for p in (rina, sari, budi)}
    assert project.run("people", "merge", str(sari), str(budi)).exit_code == 0  # merge 1
    assert project.run("people", "merge", str(rina), str(sari)).exit_code == 0  # merge 2
    assert project.run("people", "unmerge", "1").exit_code == 0  # the older one first
    assert project.run("people", "merge", str(rina), str(budi)).exit_code == 0  # merge 3
    assert project.run("people", "unmerge", "2").exit_code == 0
    assert owned(budi) == ([], 0, [])  # still merged into Rina (merge 3)
    assert owned(sari) == before[sari]
    assert project.run("people", "unmerge", "3").exit_code == 0
    assert {p: owned(p) for p in (rina, sari, budi)} == before
    assert project.json("stats")["people"] == 3


def test_reminders_run_at_once_draft_one_per_person_and_give_each_code_once(
    project: Project,
) -> None:
    regulars(project)
    assert project.run("poll").exit_code == 0
    codes = project.root / "codes.txt"
    codes.write_text("G-1\nG-2\nG-3\nG-4\n", "utf-8")
    assert project.run("vouchers", "add", "--pool", "g", str(codes)).exit_code == 0
    cfg = project.config.read_text().replace(
        "responder:\n", "responder:\n  reminders: {gift_pool: g}\n"
    )
    project.config.write_text(cfg, "utf-8")
    procs = [simak(project.config, "reminders", "--json") for _ in range(3)]
    results = [(p.wait(120), *p.communicate()) for p in procs]
    assert all(code == 0 and no_traceback(err) for code, _, err in results), results
    drafted = [d for _, out, _ in results for d in json.loads(out)["drafted"]]
    assert sorted(d["name"] for d in drafted) == ["Rina", "Sari"]
    assert len({d["gift"] for d in drafted}) == 2
    reminders = [r for r in project.json("queue", "--all") if r["kind"] == "reminder"]
    assert sorted(r["author"] for r in reminders) == ["Rina", "Sari"]
    codes.write_text("G-1\nG-4\nG-5\nG-5\n", "utf-8")  # known, or twice in the file
    added = project.run("vouchers", "add", "--pool", "other", str(codes))
    assert added.stdout.startswith("1 new code(s) in pool 'other'; 2 already known, skipped")


_CLAIMED: Where = ("storage.care", "claim_reminder", "after")  # not committed yet
_CLAIMING: Where = ("storage.care", "claim_reminder", "before")  # regulars read, no write open


def test_reminders_drafted_while_another_run_holds_a_claim_skip_that_person(
    project: Project,
) -> None:
    """Run A has claimed the first regular's reminder (not committed) and stops; run B has
    read the same regulars and reaches its claim for that person, then waits for A: B
    skips them, and each regular gets one reminder with its own gift code."""
    regulars(project)
    assert project.run("poll").exit_code == 0
    codes = project.root / "codes.txt"
    codes.write_text("G-1\nG-2\nG-3\nG-4\n", "utf-8")
    assert project.run("vouchers", "add", "--pool", "g", str(codes)).exit_code == 0
    cfg = project.config.read_text().replace(
        "responder:\n", "responder:\n  reminders: {gift_pool: g}\n"
    )
    project.config.write_text(cfg, "utf-8")
    a, b = (
        (act, (project.config, who, "simak.usecases.reminders:draft_reminders", ())) for who in "ab"
    )
    results = race(project.db_url, (*a, _CLAIMED), b, second_at=_CLAIMING)
    assert [r[0] for r in results.values()] == ["ok", "ok"], results
    first = results["a"][1].drafted[0]
    assert (first.person_id, "already reminded this period") in results["b"][1].skipped
    drafted = [d for r in results.values() for d in r[1].drafted]
    assert sorted(d.name for d in drafted) == ["Rina", "Sari"], results
    assert len({d.gift for d in drafted}) == 2
    reminders = [r for r in project.json("queue", "--all") if r["kind"] == "reminder"]
    assert sorted(r["author"] for r in reminders) == ["Rina", "Sari"]


def test_a_merged_person_is_not_reminded_twice_in_one_period(project: Project) -> None:
    regulars(project)
    assert project.run("poll").exit_code == 0
    rina, sari = person_of(project, "Rina"), person_of(project, "Sari")
    assert project.run("people", "do-not-contact", str(rina)).exit_code == 0
    assert [d["name"] for d in project.json("reminders")["drafted"]] == ["Sari"]
    assert project.run("people", "do-not-contact", str(rina), "--undo").exit_code == 0
    assert project.run("people", "merge", str(rina), str(sari)).exit_code == 0
    assert project.json("reminders")["drafted"] == []


def test_people_find_by_handle_name_email_or_id_and_merged_as_their_root(
    project: Project,
) -> None:
    regulars(project)
    assert project.run("poll").exit_code == 0
    rina, sari = person_of(project, "Rina"), person_of(project, "Sari")

    by_handle = project.json("people", "find", "@RINA")
    by_name = project.json("people", "find", "sar")
    by_id = project.json("people", "find", str(rina))
    wildcard = project.json("people", "find", "%")

    assert [(m["id"], m["handles"], m["mentions"]) for m in by_handle] == [(rina, ["x:@rina"], 3)]
    assert [m["id"] for m in by_name] == [sari] and by_id[0]["id"] == rina
    assert wildcard == []  # LIKE wildcards are taken literally
    assert project.run("people", "merge", str(rina), str(sari)).exit_code == 0
    merged = project.json("people", "find", "sari")
    assert [m["id"] for m in merged] == [rina]  # found as the person she joined
    assert set(merged[0]["handles"]) == {"x:@rina", "x:@sari"}
    none = project.run("people", "find", "nobody-like-this")
    assert none.exit_code == 0 and "no one matches 'nobody-like-this'" in none.stdout
    gone = project.run("forget", "99999", "--yes")
    assert gone.exit_code == 2 and "simak people find" in gone.stderr
