"""One conversation per person: their posts join it; merges fold conversations and unmerge
splits them again; a post after the conversation closed starts a new one."""

from __future__ import annotations

import json
from typing import Any

from tests.core.conftest import Project

PEOPLE = {
    "budi": [
        "Kopi Senja kena double charge, tolong cek",
        "Kopi Senja masih belum ada kabar refund",
    ],
    "sari": ["Kopi Senja enak banget", "latte Kopi Senja mantap", "Kopi Senja baristanya ramah"],
    "tono": [
        "Kopi Senja tolong tambahin oat milk",
        "Kopi Senja app error terus, kecewa",
        "Kopi Senja semoga ada menu baru",
        "Kopi Senja antrinya lama banget, kecewa",
    ],
    "ani": ["Kopi Senja mantap", "Kopi Senja app nya lemot, kecewa"],
    "dewi": ["Kopi Senja tolong buka lebih pagi dong", "Kopi Senja enak sih"],
    "eko": ["Kopi Senja kopinya asam, kecewa", "Kopi Senja pelayanan lambat, kecewa", "hmm"],
}


def write_posts(project: Project) -> None:
    n = 0
    with (project.root / "mentions.jsonl").open("w", encoding="utf-8") as f:
        for handle, texts in PEOPLE.items():
            for day, text in enumerate(texts):
                n += 1
                row = {
                    "id": f"p{n}",
                    "platform": "x",
                    "author": handle,
                    "author_name": handle.title(),
                    "text": text,
                    "created_at": f"2026-11-2{1 + day % 2}T0{day}:00:00+07:00",
                }
                f.write(json.dumps(row) + "\n")


def open_conversations(project: Project) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = project.json("queue", "--all")
    return [r for r in rows if r["status"] in ("open", "approved", "snoozed")]


def test_each_person_gets_one_conversation_covering_all_posts(project: Project) -> None:
    write_posts(project)
    assert project.run("poll").exit_code == 0
    convs = [c for c in open_conversations(project) if c["author"].lower() in PEOPLE]
    assert sorted(c["author"].lower() for c in convs) == sorted(PEOPLE)
    for conv in convs:
        said = [p["text"] for p in conv["posts"]]
        expected = [t for t in PEOPLE[conv["author"].lower()] if "Kopi Senja" in t]
        assert sorted(said) == sorted(expected)
    tono = next(c for c in convs if c["author"] == "Tono")
    assert tono["label"] == "complaint"  # the most urgent of the posts decides
    assert tono["posts"][0]["created_at"] >= tono["posts"][-1]["created_at"]  # newest first


def test_a_post_after_the_conversation_closed_starts_a_new_one(project: Project) -> None:
    write_posts(project)
    assert project.run("poll").exit_code == 0
    budi = next(c for c in open_conversations(project) if c["author"] == "Budi")
    assert project.run("followup", "done", str(budi["id"])).exit_code == 0
    with (project.root / "mentions.jsonl").open("a", encoding="utf-8") as f:
        later = {
            "id": "later",
            "platform": "x",
            "author": "budi",
            "author_name": "Budi",
            "text": "Kopi Senja refundnya belum masuk, kecewa",
            "created_at": "2026-11-25T08:00:00+07:00",
        }
        f.write(json.dumps(later) + "\n")
    assert project.run("poll").exit_code == 0
    again = [c for c in open_conversations(project) if c["author"] == "Budi"]
    assert len(again) == 1 and again[0]["id"] != budi["id"] and len(again[0]["posts"]) == 1


def test_merge_folds_open_conversations_and_unmerge_splits_them(project: Project) -> None:
    write_posts(project)
    assert project.run("poll").exit_code == 0
    convs = {c["author"]: c for c in open_conversations(project)}
    sari, ani = convs["Sari"], convs["Ani"]
    merged = project.run("people", "merge", str(sari["person_id"]), str(ani["person_id"]))
    assert merged.exit_code == 0, merged.output
    after = {c["id"]: c for c in open_conversations(project)}
    assert ani["id"] not in after
    assert len(after[sari["id"]]["posts"]) == len(sari["posts"]) + len(ani["posts"])
    assert after[sari["id"]]["label"] == "complaint"  # Ani's complaint came with her posts
    merge_id = project.json("people", "show", str(sari["person_id"]))["merges"][0]["id"]
    assert project.run("people", "unmerge", str(merge_id)).exit_code == 0
    split = {c["id"]: c for c in open_conversations(project)}
    assert len(split[sari["id"]]["posts"]) == len(sari["posts"])
    assert len(split[ani["id"]]["posts"]) == len(ani["posts"])


def test_a_row_shows_the_post_it_answers_and_show_lists_them_all(project: Project) -> None:
    """Ani praised, then complained: the follow-up answers the complaint, so the queue row
    shows the complaint (with its labels and scores), and `followup show` shows both posts."""
    write_posts(project)
    assert project.run("poll").exit_code == 0
    ani = next(c for c in open_conversations(project) if c["author"] == "Ani")
    assert ani["label"] == "complaint" and "complaint" in ani["labels"]
    assert ani["scores"] == next(p["scores"] for p in ani["posts"] if "lemot" in p["text"])
    lines = project.run("queue").stdout.splitlines()
    cells = " ".join(line.split("│")[-2].strip() for line in lines if line.count("│") > 2)
    assert "app nya lemot, kecewa (+1 more post)" in cells
    assert "Kopi Senja mantap (+1 more post)" not in cells  # her praise, the first post
    shown = project.run("followup", "show", str(ani["id"])).stdout
    assert "app nya lemot" in shown and "Kopi Senja mantap" in shown
