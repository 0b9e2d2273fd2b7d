"""`simak audit`: who changed what — the audit log and follow-ups' status changes."""

from __future__ import annotations

from tests.core.conftest import Project


def test_the_audit_lists_who_changed_what_newest_first(project: Project) -> None:
    assert project.run("poll").exit_code == 0
    fid = project.json("queue")[0]["id"]
    assert project.run("followup", "approve", str(fid)).exit_code == 0
    group = project.json("ideas")[0]["id"]
    assert project.run("ideas", "rename", str(group), "Oat milk").exit_code == 0

    rows = project.json("audit")
    assert [(r["action"], r["entity"], r["entity_id"]) for r in rows[:2]] == [
        ("rename_idea_group", "idea_group", str(group)),
        ("approved", "followup", str(fid)),
    ]
    assert rows[1]["log"] == "followup" and rows[1]["detail"] == "from open"
    assert [r["at"] for r in rows] == sorted((r["at"] for r in rows), reverse=True)
    created = [r for r in rows if r["entity_id"] == str(fid) and r["action"] == "open"]
    assert created and created[0]["actor"] == "simak"

    one = project.json("audit", "--entity", "followup", "--id", str(fid))
    assert {r["entity_id"] for r in one} == {str(fid)} and len(one) == 2
    ideas = project.json("audit", "--entity", "idea_group", "--id", str(group))
    assert [(r["actor"], r["action"]) for r in ideas] == [
        ("staff", "rename_idea_group"),
        ("simak", "group_ideas"),  # the poll's automatic grouping is in the log too
        ("simak", "new_idea_group"),
    ]
    assert ideas[0]["detail"] == "Oat milk"
    assert ideas[1]["detail"] == "1 new idea(s) grouped automatically"
    assert project.json("audit", "--action", "approved", "--limit", "1")[0]["entity_id"] == str(fid)
    table = project.run("audit", "--limit", "3")
    assert table.exit_code == 0 and "Oat milk" in table.stdout and "approved" in table.stdout
    # the table writes actions with spaces ("rename idea group"): --action takes them so too
    spaced = project.json("audit", "--action", "rename idea group")
    assert [r["action"] for r in spaced] == ["rename_idea_group"]


def test_an_empty_or_filtered_out_audit_says_so(project: Project) -> None:
    empty = project.run("audit")
    assert empty.exit_code == 0 and "The audit log is empty." in empty.stdout
    assert project.run("poll").exit_code == 0
    none = project.run("audit", "--actor", "nobody")
    assert none.exit_code == 0 and "No audit entries match." in none.stdout
    assert project.json("audit", "--entity", "followup", "--id", "not-a-number") == []
    bad = project.run("audit", "--limit", "0")
    assert bad.exit_code == 2
    typo = project.run("audit", "--entity", "folowup")
    assert typo.exit_code == 2 and "use one of: followup, mention" in " ".join(typo.stderr.split())


def test_a_since_past_any_date_is_the_whole_log(project: Project) -> None:
    """Before: `simak audit --since 1e9` was "internal error: OverflowError" (exit 3)."""
    assert project.run("poll").exit_code == 0
    everything = project.json("audit", "--limit", "1000")
    for days in ("1e9", "1e300", "inf"):
        assert project.json("audit", "--since", days, "--limit", "1000") == everything
