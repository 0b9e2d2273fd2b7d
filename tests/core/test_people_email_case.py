"""The same email address on two platforms is one person, whatever the letter case, on
SQLite as on PostgreSQL.

Before: the lookup compared SQLite's lower(email), which folds only A-Z, with Python's
lower(): "ÉMILIE@CONTOH.ID" on X and on Mastodon (even spelled identically) were two
people on SQLite and one on PostgreSQL.
"""

from __future__ import annotations

import json

from tests.core.conftest import Project

ROWS = [
    # Bluesky's is seen first (authors are taken in order of platform): its spelling is kept.
    ("bluesky", "e1", "emilie.bsky.social", "ÉMILIE.DUPONT@CONTOH.ID"),
    ("mastodon", "e2", "emilie@social.example", "ÉMILIE.DUPONT@CONTOH.ID"),
    ("x", "e3", "emilie_x", "émilie.dupont@contoh.id"),
    ("x", "s1", "strasse_x", "STRASSE@CONTOH.ID"),
    ("mastodon", "s2", "strasse@social.example", "straße@contoh.id"),
]


def test_one_email_in_any_case_is_one_person(project: Project) -> None:
    with (project.root / "mentions.jsonl").open("w", encoding="utf-8") as f:
        for platform, ext, handle, email in ROWS:
            row = {
                "id": ext,
                "platform": platform,
                "author": handle,
                "author_name": "Émilie" if ext.startswith("e") else "Hans",
                "author_email": email,
                "text": "Kopi Senja enak banget, mantap",
                "created_at": "2026-11-22T08:00:00+07:00",
            }
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    assert project.run("poll").exit_code == 0
    emilie = project.json("people", "find", "Émilie")
    hans = project.json("people", "find", "Hans")
    assert len(emilie) == 1 and len(emilie[0]["handles"]) == 3
    assert len(hans) == 2  # ß and ss are two mailboxes: two people, found by one search
