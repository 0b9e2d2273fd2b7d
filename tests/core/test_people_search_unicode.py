"""`simak people find` ignores case in every script, on SQLite as on PostgreSQL.

Before: SQLite's lower() and LIKE folded only A–Z, so on the default database "josé"
did not find "JOSÉ", nor "женя" "ЖЕНЯ"; PostgreSQL found them. Also: an accent typed
as a combining mark (NFD) finds the composed letter, fullwidth letters find plain ones,
"STRASSE" finds "Straße", and % and _ typed by staff are taken literally.
"""

from __future__ import annotations

import json

from tests.core.conftest import Project

AUTHORS = [
    # handle, display name, email
    ("jose_r", "JOSÉ Ramírez", None),
    ("cagri_y", "ÇAĞRI Yılmaz", None),
    ("unal_k", "ünal Kaya", None),
    ("eclair_bdg", "ÉCLAIR Bandung", None),
    ("odysseas", "ΟΔΥΣΣΕΥΣ Papadopoulos", None),
    ("zhenya", "ЖЕНЯ Иванова", None),
    ("kopi_fw", "ＫＯＰＩ Lover", None),
    ("hans_b", "Hans Straße", None),
    ("emilie", "Emilie", "ÉMILIE.DUPONT@CONTOH.ID"),
    ("promo1", "Diskon 50% Hari Ini", None),
    ("promo2", "Diskon 500 Hari Ini", None),
    ("tubruk1", "Kopi_Tubruk Fan", None),
    ("tubruk2", "KopiXTubruk Fan", None),
]


def _write(project: Project) -> None:
    with (project.root / "mentions.jsonl").open("w", encoding="utf-8") as f:
        for n, (handle, name, email) in enumerate(AUTHORS):
            row = {
                "id": f"u{n}",
                "platform": "x",
                "author": handle,
                "author_name": name,
                "author_email": email,
                "text": "Kopi Senja enak banget, mantap",
                "created_at": "2026-11-22T08:00:00+07:00",
            }
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def _names(project: Project, query: str) -> set[str]:
    result = project.run("people", "find", query, "--json")
    if result.exit_code == 1:  # no one
        return set()
    assert result.exit_code == 0, result.output
    return {m["name"] for m in json.loads(result.stdout) if m.get("kind") != "name_only"}


FOUND_BY = {
    "josé": "JOSÉ Ramírez",
    "JOSÉ RAMÍREZ": "JOSÉ Ramírez",
    "jose\u0301": "JOSÉ Ramírez",  # é typed as e + a combining accent (NFD)
    "çağri": "ÇAĞRI Yılmaz",
    "ÜNAL": "ünal Kaya",
    "éclair": "ÉCLAIR Bandung",
    "οδυσσευς": "ΟΔΥΣΣΕΥΣ Papadopoulos",  # typed with a final ς
    "женя": "ЖЕНЯ Иванова",
    "kopi lover": "ＫＯＰＩ Lover",  # fullwidth letters
    "STRASSE": "Hans Straße",
    "émilie.dupont@contoh": "Emilie",  # by email
}


def test_people_find_ignores_unicode_case(project: Project) -> None:
    _write(project)
    assert project.run("poll").exit_code == 0
    found = {query: _names(project, query) for query in FOUND_BY}
    assert found == {query: {name} for query, name in FOUND_BY.items()}


def test_people_find_takes_percent_and_underscore_literally(project: Project) -> None:
    """Escaping was there before this change: kept, with the folding around it."""
    _write(project)
    assert project.run("poll").exit_code == 0
    assert _names(project, "50%") == {"Diskon 50% Hari Ini"}
    assert _names(project, "i_t") == {"Kopi_Tubruk Fan"}
