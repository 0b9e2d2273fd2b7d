"""`simak people find` ignores accents, on SQLite as on PostgreSQL: a name typed on a phone
keyboard without them finds the person, and one typed with them still does.

Before: searches folded case only, so "jose" did not find "JOSÉ", nor "muller" "Müller",
"cagri yilmaz" "Çağrı Yılmaz" (dotless ı), "soren" "Søren" (ø has no accent to drop), and
"josé" did not find "Jose". Now each person and handle stores its name, handle and
address folded (storage.textfold), filled on every write and by migration 0021.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from alembic import command
from sqlalchemy import create_engine, select, text

from storage.db import Database, _alembic_config
from storage.models import Handle, Person
from storage.people_search import find_people
from storage.textfold import search_key
from tests.conftest import BACKENDS
from tests.core.conftest import Project

AUTHORS = [
    # handle, display name, email
    ("jose_r", "JOSÉ Ramírez", None),
    ("jose_o", "Jose Ortega", None),
    ("hans_m", "Hans Müller", None),
    ("cafe_l", "Café Lovers", None),
    ("cagri_y", "Çağrı Yılmaz", None),
    ("ipek_o", "İpek Öztürk", None),
    ("soren_o", "Søren Ødegård", None),
    ("lukasz_w", "Łukasz Wiśniewski", None),
    ("duc_n", "Nguyễn Đức", None),
    ("maruf_a", "Ma’ruf Amin", None),
    ("emilie", "Emilie", "émilie.dupont@contoh.id"),
]
JOSES = {"JOSÉ Ramírez", "Jose Ortega"}
FOUND_BY = {
    "jose": JOSES,
    "josé": JOSES,  # an accented query still finds the accented name, and the plain one
    "JOSE RAMIREZ": {"JOSÉ Ramírez"},
    "muller": {"Hans Müller"},
    "MÜLLER": {"Hans Müller"},
    "cafe": {"Café Lovers"},
    "cagri yilmaz": {"Çağrı Yılmaz"},
    "ipek ozturk": {"İpek Öztürk"},
    "soren odegard": {"Søren Ødegård"},
    "lukasz wisniewski": {"Łukasz Wiśniewski"},
    "nguyen duc": {"Nguyễn Đức"},
    "maruf": {"Ma’ruf Amin"},  # apostrophes left out
    "ma'ruf amin": {"Ma’ruf Amin"},
    "emilie.dupont@contoh": {"Emilie"},  # by address
}


def _write(project: Project, authors: list[tuple[str, str, str | None]], tag: str) -> None:
    with (project.root / "mentions.jsonl").open("w", encoding="utf-8") as f:
        for n, (handle, name, email) in enumerate(authors):
            row = {
                "id": f"{tag}{n}",
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


def test_people_find_ignores_accents(project: Project) -> None:
    _write(project, AUTHORS, "a")
    assert project.run("poll").exit_code == 0
    found = {query: _names(project, query) for query in FOUND_BY}
    assert found == FOUND_BY


def _stale_keys(project: Project) -> list[str]:
    """Rows whose stored search key is not what their fields fold to."""
    db = project.db()
    with db.read() as session:
        people = session.scalars(select(Person)).all()
        handles = session.scalars(select(Handle)).all()
        stale = [
            f"person {p.id}: {p.search_key!r}"
            for p in people
            if p.search_key != search_key(p.display_name, p.email)
        ] + [
            f"handle {h.id}: {h.search_key!r}"
            for h in handles
            if h.search_key != search_key(h.handle, h.display_name, h.email)
        ]
    db.dispose()
    return stale


def test_search_keys_follow_every_write(project: Project) -> None:
    """New people (with and without an address), a handle's new name and address, the
    address given to its person, and a merge: each leaves the keys right."""
    _write(project, AUTHORS, "a")
    assert project.run("poll").exit_code == 0
    later = [("soren_o", "Søren the Barista", "SØREN@CONTOH.ID"), ("new_one", "Zoë", "z@x.id")]
    _write(project, later, "b")
    assert project.run("poll").exit_code == 0
    assert _stale_keys(project) == []
    assert _names(project, "soren@contoh") == {"Søren Ødegård"}  # the person's new address
    assert _names(project, "the barista") == {"Søren Ødegård"}  # the handle's new name
    soren, zoe = project.json("people", "find", "soren")[0], project.json("people", "find", "zoe")
    merged = project.run("people", "merge", str(zoe[0]["id"]), str(soren["id"]))
    assert merged.exit_code == 0, merged.output
    assert _stale_keys(project) == []


@pytest.mark.parametrize("empty_db_url", BACKENDS, indirect=True)
def test_the_migration_fills_the_keys_of_people_already_there(empty_db_url: str) -> None:
    cfg = _alembic_config()
    engine = create_engine(empty_db_url)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0020_source_failing_since")
        now = datetime(2026, 11, 20, tzinfo=UTC)
        for pid, name, email in ((1, "JOSÉ Ramírez", "JR@X.ID"), (2, None, None)):
            conn.execute(
                text(
                    "INSERT INTO people (id, display_name, email, created_at) "
                    "VALUES (:i, :n, :e, :t)"
                ),
                {"i": pid, "n": name, "e": email, "t": now},
            )
        conn.execute(
            text(
                "INSERT INTO handles (id, person_id, platform, key, handle, display_name) "
                "VALUES (1, 2, 'x', 'muller', 'muller_h', 'Hans Müller')"
            )
        )
    engine.dispose()
    db = Database(empty_db_url)
    assert db.upgrade() is True
    with db.read() as session:
        keys = session.execute(select(Person.id, Person.search_key).order_by(Person.id)).all()
        handle_key = session.scalar(select(Handle.search_key))
        jose = [m.id for m in find_people(session, "jose ramirez")]
        hans = [m.id for m in find_people(session, "Muller")]
    db.dispose()
    assert [tuple(k) for k in keys] == [(1, "jose ramirez\njr@x.id"), (2, None)]
    assert handle_key == "muller_h\nhans muller"
    assert jose == [1] and hans == [2]


def test_name_only_authors_are_found_as_people_are(project: Project) -> None:
    """Before: the search for authors known only by a name dropped accents but kept ı and
    apostrophes, so "cagri yilmaz" found the person "Çağrı Yılmaz" and not the blogger."""
    with (project.root / "mentions.jsonl").open("w", encoding="utf-8") as f:
        for n, name in enumerate(("Çağrı Yılmaz", "Gilang O’Brien")):
            row = {"id": f"n{n}", "platform": "x", "author_name": name, "text": "Kopi Senja enak",
                   "created_at": "2026-11-22T08:00:00+07:00"}  # fmt: skip
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    assert project.run("poll").exit_code == 0

    def named(query: str) -> list[str]:
        found = project.json("people", "find", query)
        return [m["name"] for m in found if m["kind"] == "name_only"]

    assert named("cagri yilmaz") == ["Çağrı Yılmaz"]
    assert named("gilang obrien") == named("Gilang O'Brien") == ["Gilang O’Brien"]
