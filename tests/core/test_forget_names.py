"""`simak forget name:NAME`: an author known only by a name (a feed's ``<author><name>``,
no address) has no person record; `simak people find` lists them and the erasure leaves
no trace of them in any table (a dump is grepped), as for a person — on both backends."""

from __future__ import annotations

import json
import unicodedata

from tests.core.conftest import Project
from tests.core.test_privacy import dump

ENTRY = """  <entry><title>{title}</title><id>{id}</id>
    <link href="https://blog.example/{id}"/><updated>2026-11-22T0{n}:00:00Z</updated>
    <author><name>{author}</name>{email}</author>
    <summary>{text}</summary></entry>
"""
NAME = "Gilang Permana"
HIS = [
    ("gilang-1", "Zonk di Kemang", "Kopi Senja Kemang bikin sakit perut, quokkaberry latte basi"),
    ("gilang-2", "Usul", "Kopi Senja tolong tambahin menu quokkaberry tart dong"),
]


def feed(project: Project, entries: list[tuple[str, str, str, str, str]]) -> None:
    """(id, author, email, title, text) entries in the project's feed."""
    body = "".join(
        ENTRY.format(id=i, author=a, title=t, text=x, n=n % 10, email=_email(e))
        for n, (i, a, e, t, x) in enumerate(entries)
    )
    (project.root / "feed.xml").write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
        "<title>Blog</title><id>urn:blog</id><updated>2026-11-22T10:00:00Z</updated>\n"
        f"{body}</feed>\n",
        encoding="utf-8",
    )


def _email(address: str) -> str:
    return f"<email>{address}</email>" if address else ""


def name_only_row(project: Project, ext: str, name: str, text: str) -> None:
    """A row of the files source with a name and no handle: name-only there too."""
    row = {"id": ext, "platform": "x", "author_name": name, "text": text,
           "created_at": "2026-11-22T08:00:00+07:00"}  # fmt: skip
    with (project.root / "mentions.jsonl").open("a", encoding="utf-8") as f:
        f.write(json.dumps(row) + "\n")


def test_forget_a_name_only_author_leaves_no_trace_in_any_table(project: Project) -> None:
    """Before: `people find Gilang` found no one and `forget` needed a person's number."""
    nadia = ("nadia-1", "Nadia", "", "Review", "Kopi Senja Kemang enak, AC-nya dingin")
    feed(project, [*[(i, NAME, "", t, x) for i, t, x in HIS], nadia])
    name_only_row(project, "b-x", "gilang  PERMANA", "Kopi Senja kasirnya jutek, quokkaberry habis")
    assert project.run("poll").exit_code == 0
    found = [m for m in project.json("people", "find", "gilang") if m["kind"] == "name_only"]
    assert sorted((m["source"], m["mentions"]) for m in found) == [("blog", 2), ("export", 1)]
    assert "simak forget 'name:Gilang Permana' --source blog" in {m["forget"] for m in found}
    row = next(r for r in project.json("queue", "--all") if r["author"] == NAME)
    assert project.run("followup", "approve", str(row["id"])).exit_code == 0
    assert project.run("send").exit_code == 0
    ideas = project.json("stats")["ideas"]
    before = dump(project.db_url)
    assert NAME in before and "quokkaberry" in before and "gilang-1" in before

    dry = project.json("forget", f"name:{NAME}", "--dry-run")
    assert dry["counts"]["mentions"] == 3 and dry["sources"] == {"blog": 2, "export": 1}
    assert dry["counts"]["deliveries"] == 1 and dump(project.db_url) == before
    done = project.run("forget", "name:GILANG   permana", "--yes", "--json")  # as compared
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["counts"]["followups"] == 3

    after = dump(project.db_url)
    traces = ("Gilang", "gilang", "GILANG", "Permana", "quokkaberry", "Zonk", "example/gilang")
    for trace in traces:
        assert trace not in after, trace
    assert "forget_person" in after and "Nadia" in after  # the audit entry; others stay
    assert project.json("stats")["ideas"] == ideas - 1  # his idea left the board
    assert "quokkaberry" not in json.dumps(project.json("ideas"))
    again = project.run("forget", f"name:{NAME}", "--yes")  # re-running erases nothing
    assert again.exit_code == 2 and "no post by a name-only author" in again.stderr
    assert dump(project.db_url) == after


def test_forget_by_name_keeps_posts_that_only_mention_it_and_people_of_that_name(
    project: Project,
) -> None:
    """Only posts whose author is the name go: not a post that names him in its text, not
    a person on record with that display name, not another source with --source."""
    accented = unicodedata.normalize("NFD", "José Ñúñez")
    feed(project, [
        ("gilang-1", NAME, "", "Zonk", HIS[0][2]),
        ("nadia-1", "Nadia", "", "Review", f"Kopi Senja Kemang enak kata {NAME} juga"),
        ("gilang-mail", NAME, "gilang@mail.example", "Lagi", "Kopi Senja Kemang makin ramai"),
        ("jose-1", accented, "", "Hola", "Kopi Senja Kemang cozy banget"),
    ])  # fmt: skip
    name_only_row(project, "b-x", NAME, "Kopi Senja kasirnya jutek, quokkaberry habis")
    assert project.run("poll").exit_code == 0
    found = project.json("people", "find", NAME)
    assert sorted(m["kind"] for m in found) == ["name_only", "name_only", "person"]

    done = project.json("forget", f"name:{NAME}", "--source", "blog", "--yes")
    assert done["sources"] == {"blog": 1} and done["counts"]["mentions"] == 1
    after = dump(project.db_url)
    assert "gilang-1" not in after and "latte basi" not in after
    assert f"enak kata {NAME}" in after and "gilang@mail.example" in after and "b-x" in after
    left = project.json("people", "find", "gilang")
    assert [(m["kind"], m.get("source")) for m in left] == [
        ("person", None), ("name_only", "export")
    ]  # fmt: skip

    assert [m["name"] for m in project.json("people", "find", "jose nunez")] == [accented]
    assert project.run("forget", "name:Jose Nunez", "--yes").exit_code == 2  # accents count
    assert project.json("forget", "name:JOSÉ ÑÚÑEZ", "--yes")["counts"]["mentions"] == 1
    person = project.run("forget", str(left[0]["id"]), "--source", "blog", "--yes")
    assert person.exit_code == 2 and "--source narrows a name:NAME" in person.stderr
    assert project.run("forget", "name:", "--yes").exit_code == 2
