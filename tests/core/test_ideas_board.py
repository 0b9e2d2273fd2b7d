"""The owner's ideas board end to end, on both backends: one idea across languages on the
demo, people counted once across platforms, merge/unmerge/split/rename/export, and "it
shipped" notices drafted once per person who asked, delivered once after approval."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from responder.idea_vectors import IdeaVectorizer
from simak.cli import app
from storage.db import open_database
from tests.core.forked import Where, act, race
from tests.core.races import demo_project, simak
from tests.core.test_delivery import mentions, project, queue, simak_ok
from tests.fakes.fixtures import *  # noqa: F403
from tests.fakes.fixtures import FAKE_ENV, channels_section
from tests.fakes.smtp import SmtpSink


def cli(config: Path, *args: str) -> Any:
    result = CliRunner().invoke(app, ["--config", str(config), *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout) if "--json" in args else result.stdout


def group_of(board: list[dict[str, Any]], config: Path, fragment: str) -> dict[str, Any]:
    for row in board:
        shown = cli(config, "ideas", "show", str(row["id"]), "--json")
        if any(fragment in m["text"] for m in shown["members"]):
            return shown
    raise AssertionError(f"no group holds {fragment!r}")


def test_demo_groups_one_idea_across_languages_and_counts_bayu_once(
    tmp_path: Path, db_url: str
) -> None:
    config = demo_project(tmp_path / "demo", db_url)
    review = {
        "id": "ks-900", "platform": "review", "author": "bayu.saputra",
        "author_name": "Bayu S.", "text": "Tolong tambahin pembayaran QRIS di Kopi Senja Bintaro",
        "created_at": "2026-11-23T09:00:00+07:00", "lang": "id",
    }  # fmt: skip
    with (config.parent / "examples" / "mentions.jsonl").open("a", encoding="utf-8") as f:
        f.write(json.dumps(review) + "\n")
    cli(config, "poll")
    board = cli(config, "ideas", "--json", "--limit", "100")
    earlier = group_of(board, config, "opened earlier, like 6am")
    assert any("buka lebih pagi" in m["text"] for m in earlier["members"])
    facts = earlier["breakdown"]  # the evidence, in unique people
    assert {"en", "id"} <= set(facts["people_by_language"])
    assert sum(facts["people_by_channel"].values()) >= earlier["people"]
    assert facts["regulars"] + facts["newcomers"] == earlier["people"]
    assert (
        len(facts["weekly_posts"]) == 8
        and sum(n for _, n in facts["weekly_posts"]) <= earlier["posts"]
    )
    qris = group_of(board, config, "Tolong tambahin QRIS dong")
    authors = [m["author"] for m in qris["members"]]
    assert authors.count("Bayu Saputra") == 2  # on X and on his blog: one person
    assert qris["people"] == len({a.casefold() for a in authors}) == len(authors) - 1
    ids = {m["author"]: m["person_id"] for m in qris["members"] if m["person_id"]}
    cli(config, "people", "merge", str(ids["Bayu Saputra"]), str(ids["Bayu S."]))
    after = cli(config, "ideas", "show", str(qris["id"]), "--json")
    assert after["people"] == qris["people"] - 1 and after["posts"] == qris["posts"]


def test_merge_unmerge_split_rename_status_and_export(tmp_path: Path, db_url: str) -> None:
    config = demo_project(tmp_path / "demo", db_url)
    cli(config, "poll")
    board = cli(config, "ideas", "--json", "--limit", "100")
    a, b = board[0], board[1]
    cli(config, "ideas", "merge", str(a["id"]), str(b["id"]))
    merged = cli(config, "ideas", "show", str(a["id"]), "--json")
    assert merged["posts"] == a["posts"] + b["posts"] and merged["merged"] == [b["id"]]
    assert len(cli(config, "ideas", "--json", "--limit", "100")) == len(board) - 1
    cli(config, "ideas", "unmerge", str(b["id"]))
    back = {g["id"]: g for g in cli(config, "ideas", "--json", "--limit", "100")}
    assert back[a["id"]]["posts"] == a["posts"] and back[b["id"]]["people"] == b["people"]
    first = cli(config, "ideas", "show", str(a["id"]), "--json")["members"][0]
    cli(config, "ideas", "split", str(a["id"]), "--posts", str(first["idea_id"]),
              "--title", "A separate idea")  # fmt: skip
    cli(config, "ideas", "rename", str(a["id"]), "Opening hours")
    cli(config, "ideas", "status", str(a["id"]), "planned")
    rows = list(csv.DictReader(io.StringIO(cli(config, "ideas", "export", "--csv"))))
    renamed = next(r for r in rows if r["id"] == str(a["id"]))
    assert renamed["title"] == "Opening hours" and renamed["status"] == "planned"
    assert any(r["title"] == "A separate idea" for r in rows)
    assert all(r["regulars"].isdigit() for r in rows)
    cli(config, "ideas", "rename", str(a["id"]), '=HYPERLINK("http://evil.example","open")')
    rows = list(csv.DictReader(io.StringIO(cli(config, "ideas", "export", "--csv"))))
    hostile = next(r for r in rows if r["id"] == str(a["id"]))
    assert hostile["title"] == '\'=HYPERLINK("http://evil.example","open")'  # text, not a formula
    planned = cli(config, "ideas", "--status", "planned", "--json")
    assert [g["id"] for g in planned] == [a["id"]]
    # the demo's posts are from 2026-11-22/23: a period filter counts from now
    recent = cli(config, "ideas", "--since", "100000", "--json", "--limit", "100")
    assert len(recent) == len(cli(config, "ideas", "--json", "--limit", "100"))
    assert cli(config, "ideas", "--since", "0", "--json") == []
    for days in ("1e9", "inf"):  # before: an OverflowError, "internal error" and exit 3
        assert len(cli(config, "ideas", "--since", days, "--json", "--limit", "100")) == len(recent)
    nan = CliRunner().invoke(app, ["--config", str(config), "ideas", "--since", "nan"])
    assert nan.exit_code == 2 and "--since" in nan.output


ASKERS = [
    {"platform": "instagram", "author": "sari", "author_name": "Sari",
     "author_email": "sari@example.com", "text": "Kopi Senja tolong tambahin oat milk dong"},
    {"platform": "instagram", "author": "sari", "author_name": "Sari",
     "author_email": "sari@example.com", "text": "Kopi Senja please add oat milk, pleaaase"},
    {"platform": "review", "author": "ben", "author_name": "Ben",
     "author_email": "ben@example.com", "text": "Kopi Senja please add oat milk to the menu"},
    {"platform": "review", "author": "tono", "author_name": "Tono",
     "author_email": "tono@example.com", "text": "Kopi Senja tolong tambahin oat milk ya"},
]  # fmt: skip


def _oat_project(tmp_path: Path, db_url: str, smtp: SmtpSink) -> tuple[Path, int]:
    rules = {"idea": {"channels": ["email"]}, "praise": {"channels": ["email"]}}
    config = project(tmp_path / "p", db_url, channels_section(smtp=smtp), rules)
    mentions(tmp_path / "p", ASKERS)
    simak_ok(config, "poll")
    board = json.loads(simak_ok(config, "ideas", "--json"))
    oat = next(g for g in board if g["posts"] == 4)
    assert oat["people"] == 3  # Sari asked twice: counted once
    tono = next(r["person_id"] for r in queue(config) if r["author"] == "Tono")
    simak_ok(config, "people", "do-not-contact", str(tono), "--reason", "asked us not to")
    return config, int(oat["id"])


def _notices(config: Path) -> list[dict[str, Any]]:
    return [r for r in queue(config) if r["kind"] == "announcement"]


def test_done_drafts_one_notice_per_asker_and_sends_each_once(
    db_url: str, tmp_path: Path, smtp_sink: SmtpSink
) -> None:
    config, oat = _oat_project(tmp_path, db_url, smtp_sink)
    out = simak_ok(config, "ideas", "status", str(oat), "done", "--note", "oat milk is here")
    assert "2 notices drafted" in out and "1 skipped" in out  # Tono: do not contact
    simak_ok(config, "ideas", "notify", str(oat))  # again: nobody is told twice
    notices = _notices(config)
    assert sorted(n["author"] for n in notices) == ["Ben", "Sari"]
    assert all("oat milk is here" in n["draft"] for n in notices)
    before = smtp_sink.count()
    simak_ok(config, "followup", "approve", *[str(n["id"]) for n in notices])
    simak_ok(config, "send")
    simak_ok(config, "send")
    assert smtp_sink.count() - before == 2
    assert smtp_sink.count("tono@example.com") == 0
    assert {n["status"] for n in _notices(config)} == {"sent"}


def test_the_note_stays_until_replaced_so_later_askers_hear_it_too(
    db_url: str, tmp_path: Path, smtp_sink: SmtpSink
) -> None:
    """Before: `simak ideas status 1 done` again (or after reopening) without --note wiped
    the note, and the notices drafted next said nothing of it."""
    config, oat = _oat_project(tmp_path, db_url, smtp_sink)
    cli(config, "ideas", "status", str(oat), "done", "--note", "oat milk is here", "--no-tell")
    cli(config, "ideas", "status", str(oat), "considering")
    cli(config, "ideas", "status", str(oat), "done")
    assert cli(config, "ideas", "show", str(oat), "--json")["note"] == "oat milk is here"
    assert all("oat milk is here" in n["draft"] for n in _notices(config))
    cli(config, "ideas", "status", str(oat), "done", "--note", "")
    assert cli(config, "ideas", "show", str(oat), "--json")["note"] is None


def test_two_owners_marking_done_at_once_draft_once_per_person(
    db_url: str, tmp_path: Path, smtp_sink: SmtpSink
) -> None:
    config, oat = _oat_project(tmp_path, db_url, smtp_sink)
    procs = [simak(config, "ideas", "status", str(oat), "done", extra_env=FAKE_ENV)
             for _ in range(3)]  # fmt: skip
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    assert sorted(n["author"] for n in _notices(config)) == ["Ben", "Sari"]


def test_a_correction_away_from_idea_takes_the_post_off_the_board(
    tmp_path: Path, db_url: str
) -> None:
    config = demo_project(tmp_path / "demo", db_url)
    cli(config, "poll")
    board = cli(config, "ideas", "--json", "--limit", "100")
    earlier = group_of(board, config, "opened earlier, like 6am")
    post = next(m for m in earlier["members"] if "buka lebih pagi" in m["text"])
    cli(config, "correct", str(post["mention_id"]), "--labels", "complaint")
    after = cli(config, "ideas", "show", str(earlier["id"]), "--json")
    assert after["posts"] == earlier["posts"] - 1
    assert all("buka lebih pagi" not in m["text"] for m in after["members"])


def test_overlapping_polls_place_every_idea_once(tmp_path: Path, db_url: str) -> None:
    config = demo_project(tmp_path / "demo", db_url)
    procs = [simak(config, "poll") for _ in range(3)]
    for proc in procs:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode in (0, 75), err  # 75: another run held every source
    cli(config, "ideas", "regroup")
    db = open_database(db_url)
    with db.engine.connect() as conn:
        waiting = conn.execute(text("SELECT count(*) FROM ideas WHERE group_id IS NULL"))
        ungrouped = waiting.scalar_one()
        sizes = conn.execute(
            text("SELECT g.id, g.size, count(i.id) FROM idea_groups g "
                 "LEFT JOIN ideas i ON i.group_id = g.id GROUP BY g.id, g.size")
        ).all()  # fmt: skip
        ideas = conn.execute(text("SELECT count(*) FROM ideas")).scalar_one()
    db.dispose()
    assert ungrouped == 0 and ideas > 10
    assert all(size == members for _, size, members in sizes)  # no idea counted twice
    assert sum(members for *_, members in sizes) == ideas


def test_a_page_of_the_board_is_the_head_of_the_whole_board(tmp_path: Path, db_url: str) -> None:
    config = demo_project(tmp_path / "demo", db_url)
    cli(config, "poll")
    whole = cli(config, "ideas", "--json", "--limit", "1000")
    for n in (1, 3, 5):  # a page ranks cheap candidates first, then exactly
        page = cli(config, "ideas", "--json", "--limit", str(n))
        assert [(g["id"], g["people"]) for g in page] == [(g["id"], g["people"]) for g in whole[:n]]


def _ask(who: str, text: str, days_ago: float) -> dict[str, Any]:
    when = datetime.now(UTC) - timedelta(days=days_ago)
    return {"platform": "review", "author": who, "author_name": who.title(),
            "author_email": f"{who}@example.com", "text": text,
            "created_at": when.isoformat()}  # fmt: skip


def test_the_board_orders_by_people_times_recency_with_regulars_weighted(
    tmp_path: Path, db_url: str
) -> None:
    rows = [  # Sundays: 3 people, two months ago; dark mode: 2 people, yesterday;
        *(_ask(w, "Kopi Senja you should open on Sundays", 60) for w in ("ani", "bob", "cut")),
        *(_ask(w, "Kopi Senja please add a dark mode to the app", 1) for w in ("dodi", "eka")),
        _ask("fajar", "Kopi Senja please add vegan cakes to the menu", 1),  # a regular…
        *(_ask("fajar", f"Kopi Senja enak banget, mantap {n}", 3 + n) for n in range(3)),
        _ask("gita", "Kopi Senja please add vegan cakes to the menu", 2),  # …and a newcomer
    ]
    config = project(tmp_path / "p", db_url, {}, {})
    mentions(tmp_path / "p", rows)
    simak_ok(config, "poll")
    board = cli(config, "ideas", "--json")
    order = [(g["title"].split()[-1].strip("."), g["people"], g["regulars"]) for g in board]
    assert [o[0] for o in order] == ["menu", "app", "Sundays"], order  # 3 × ~1 > 2 × ~1 > 3 × ¼
    assert order[0][1:] == (2, 1) and order[2][1:] == (3, 0)
    assert board[0]["score"] > board[1]["score"] > board[2]["score"] > 0
    for n in (1, 2):  # a page is the head of the whole board
        assert [g["id"] for g in cli(config, "ideas", "--json", "--limit", str(n))] == [
            g["id"] for g in board[:n]
        ]
    sundays = cli(config, "ideas", "--json", "--since", "90", "--limit", "5")
    assert [g["id"] for g in sundays] == [g["id"] for g in board]


def test_a_board_read_in_chunks_of_one_id_is_the_same_board(
    tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from storage import ids

    config = demo_project(tmp_path / "demo", db_url)
    cli(config, "poll")
    views = [("ideas", "--json"), ("ideas", "--json", "--limit", "3")]
    views += [("ideas", "--json", "--since", "3650"), ("ideas", "--json", "--status", "new")]

    def read() -> tuple[list[list[dict[str, Any]]], list[float]]:
        boards = [cli(config, *args) for args in views]  # scores decay by the second: apart
        return [[g | {"score": 0} for g in b] for b in boards], [g["score"] for g in boards[0]]

    whole, scores = read()
    assert len(whole[0]) > 5 and sum(g["people"] for g in whole[0]) > 10

    monkeypatch.setattr(ids, "ID_CHUNK", 1)  # one group id per query: every chunk is asked
    chunked, again = read()
    assert chunked == whole
    assert again == pytest.approx(scores, rel=1e-4)


def _spaces(db_url: str) -> list[tuple[int, str, int, bytes]]:
    db = open_database(db_url)
    with db.engine.connect() as conn:
        rows = conn.execute(text("SELECT id, space, size, centroid FROM idea_groups ORDER BY id"))
        out = [(r[0], r[1], r[2], bytes(r[3])) for r in rows]
    db.dispose()
    return out


def _set_space(db_url: str, space: str) -> None:
    db = open_database(db_url)
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE idea_groups SET space = :s"), {"s": space})
    db.dispose()


def test_a_changed_vector_space_recomputes_every_centroid_and_new_ideas_still_join(
    tmp_path: Path, db_url: str
) -> None:
    config = demo_project(tmp_path / "demo", db_url)
    cli(config, "poll")
    before = _spaces(db_url)
    _set_space(db_url, "lex512")  # as if the recipe changed (lexicon, head, backend)
    out = cli(config, "ideas", "regroup")
    assert f"{len(before)} groups' centroids recomputed" in out
    after = _spaces(db_url)
    assert [row[:3] for row in after] == [row[:3] for row in before]
    for (*_, old), (*_, new) in zip(before, after, strict=True):  # same recipe: same sums
        assert np.allclose(
            np.frombuffer(old, np.float32), np.frombuffer(new, np.float32), atol=1e-5
        )
    assert "recomputed" not in cli(config, "ideas", "regroup")  # once per change
    _set_space(db_url, "lex512")
    later = {
        "id": "ks-901", "platform": "x", "author": "early_bird", "author_name": "Early Bird",
        "text": "Kopi Senja please open earlier, 6am would be perfect",
        "created_at": "2026-11-24T09:00:00+07:00", "lang": "en",
    }  # fmt: skip
    with (config.parent / "examples" / "mentions.jsonl").open("a", encoding="utf-8") as f:
        f.write(json.dumps(later) + "\n")
    cli(config, "poll")  # grouping first brings the old groups into the current space
    board = cli(config, "ideas", "--json", "--limit", "100")
    assert len(board) == len(before)
    earlier = group_of(board, config, "6am would be perfect")
    assert any("opened earlier, like 6am" in m["text"] for m in earlier["members"])
    assert {space for _, space, *_ in _spaces(db_url)} == {IdeaVectorizer().space}


def test_show_lists_groups_that_may_be_the_same_idea(tmp_path: Path, db_url: str) -> None:
    config = demo_project(tmp_path / "demo", db_url)
    body = config.read_text("utf-8")
    config.write_text(
        body.replace("responder:\n", "responder:\n  ideas: {similarity_threshold: 0.5}\n"), "utf-8"
    )
    cli(config, "poll")
    board = cli(config, "ideas", "--json", "--limit", "100")
    earlier = group_of(board, config, "opened earlier, like 6am")
    near = earlier["maybe_same"]
    assert near, "at 0.5 the phrasings of 'open earlier' stay apart and are suggested"
    assert all(0.5 - 0.12 <= s["similarity"] < 0.5 for s in near)
    assert [s["similarity"] for s in near] == sorted((s["similarity"] for s in near), reverse=True)
    shown_near = [cli(config, "ideas", "show", str(s["group_id"]), "--json") for s in near]
    texts = [m["text"] for g in shown_near for m in g["members"]]
    assert any("pagi" in t or "earlier" in t or "6" in t for t in texts)
    shown = cli(config, "ideas", "show", str(earlier["id"]))
    assert f"maybe the same as idea {near[0]['group_id']}" in shown


@pytest.mark.slow
def test_with_the_embedded_model_the_board_groups_on_meaning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The production recipe: the embedded classifier's encoder and the shipped idea head."""
    monkeypatch.setenv("SIMAK_CACHE_DIR", str(tmp_path / "cache"))
    db_url = f"sqlite:///{tmp_path / 'simak.db'}"
    config = demo_project(tmp_path / "demo", db_url)
    config.write_text(config.read_text().replace("backend: keywords", "backend: embedded"), "utf-8")
    cli(config, "poll")
    board = cli(config, "ideas", "--json", "--limit", "100")
    earlier = group_of(board, config, "opened earlier, like 6am")
    assert any("buka lebih pagi" in m["text"] for m in earlier["members"])
    spaces = {space for _, space, *_ in _spaces(db_url)}
    assert len(spaces) == 1 and spaces.pop() == IdeaVectorizer().space + "+e5base-idea3-b"


@pytest.mark.slow
def test_ideas_arriving_one_by_one_do_not_meet_on_the_brand_name(
    tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The board's encoder reads posts without the brand: with it, a branch in Bandung met
    Sunday delivery at cosine 0.35 (threshold 0.29) and joined its group."""
    monkeypatch.setenv("SIMAK_CACHE_DIR", str(tmp_path / "cache"))
    config = project(tmp_path / "p", db_url, {}, {})
    config.write_text(config.read_text().replace("backend: keywords", "backend: embedded"))
    posts = [_ask("ani", "Kopi Senja, please add delivery on Sundays too!", 3),
             _ask("bob", "Kopi Senja, please open a branch in Bandung!", 2),
             _ask("cut", "Kopi Senja tolong buka cabang di Bogor dong", 1)]  # fmt: skip
    for n in range(1, len(posts) + 1):  # one more post each poll, as they arrive
        mentions(tmp_path / "p", posts[:n])
        simak_ok(config, "poll")
    board = cli(config, "ideas", "--json")
    groups = {g["people"]: cli(config, "ideas", "show", str(g["id"]), "--json") for g in board}
    assert sorted(groups) == [1, 2], board
    assert "Sundays" in groups[1]["members"][0]["text"]


def test_declined_tells_only_when_asked_and_a_later_done_still_tells(
    db_url: str, tmp_path: Path, smtp_sink: SmtpSink
) -> None:
    config, oat = _oat_project(tmp_path, db_url, smtp_sink)
    out = simak_ok(config, "ideas", "status", str(oat), "declined")
    assert "notices drafted" not in out and not _notices(config)  # the owner did not ask
    said = simak_ok(config, "ideas", "status", str(oat), "Considering")  # as owners type it
    assert f"idea {oat} is considering" in said
    result = CliRunner().invoke(app, ["--config", str(config), "ideas", "notify", str(oat)])
    assert result.exit_code == 2 and "done or declined" in result.stderr  # nothing to tell yet
    out = simak_ok(config, "ideas", "status", str(oat), "declined", "--tell",
                   "--note", "our supplier cannot deliver oat milk yet")  # fmt: skip
    assert "2 notices drafted" in out
    declined = _notices(config)
    assert all("supplier cannot deliver oat milk" in n["draft"] for n in declined)
    assert all("won't be doing" in n["draft"] for n in declined)  # both last wrote in English
    shipped = simak_ok(config, "ideas", "status", str(oat), "shipped", "--note", "oat milk is here")
    assert f"idea {oat} is done" in shipped  # "shipped" is what done means
    for typed in ("Shipped", "Done"):  # the board's filter reads it the same (was: refused)
        assert [g["id"] for g in cli(config, "ideas", "--status", typed, "--json")] == [oat]
    notices = _notices(config)
    assert len(notices) == 4 and sum("oat milk is here" in n["draft"] for n in notices) == 2


def _groups_and_members(db_url: str) -> dict[int, set[int]]:
    db = open_database(db_url)
    try:
        with db.read() as session:
            rows = session.execute(text("SELECT id, group_id FROM ideas")).all()
            live = {gid for (gid,) in session.execute(text("SELECT id FROM idea_groups")).all()}
    finally:
        db.dispose()
    out: dict[int, set[int]] = {gid: set() for gid in live}
    for idea_id, group_id in rows:
        out.setdefault(group_id, set()).add(idea_id)
    return out


def test_regroup_reclusters_automatic_groups_keeps_the_owners_and_reports_moves(
    tmp_path: Path, db_url: str
) -> None:
    config = demo_project(tmp_path / "demo", db_url)
    body = config.read_text("utf-8")
    strict = body.replace("responder:\n", "responder:\n  ideas: {similarity_threshold: 0.95}\n")
    config.write_text(strict, "utf-8")
    cli(config, "poll")  # nearly every idea alone in its group
    board = cli(config, "ideas", "--json", "--limit", "100")
    earlier = group_of(board, config, "opened earlier, like 6am")
    assert not any("buka lebih pagi" in m["text"] for m in earlier["members"])
    owned = group_of(board, config, "buka lebih pagi")
    cli(config, "ideas", "rename", str(owned["id"]), "Buka jam 6")  # the owner's group
    config.write_text(body, "utf-8")  # back to the measured threshold
    before = _groups_and_members(db_url)

    dry = cli(config, "ideas", "regroup", "--dry-run", "--json")
    assert dry["dry_run"] and _groups_and_members(db_url) == before  # nothing changed
    [plan] = dry["boards"]
    assert plan["moved"] > 0 and plan["groups_after"] < plan["groups_before"]
    assert plan["ideas"] == sum(len(m) for g, m in before.items() if g != owned["id"])

    done = cli(config, "ideas", "regroup", "--json")["boards"][0]
    assert {k: done[k] for k in ("moved", "groups_after", "joined", "split")} == {
        k: plan[k] for k in ("moved", "groups_after", "joined", "split")
    }  # the dry run said what would happen
    after = _groups_and_members(db_url)
    assert before[owned["id"]] <= after[owned["id"]]  # the owner's group kept its ideas
    assert done["into_owned"].get(str(owned["id"]), 0) >= 1  # "6am" joined the owner's group
    assert len(after) < len(before) and not [g for g, m in after.items() if not m]
    assert sum(len(m) for m in after.values()) == sum(len(m) for m in before.values())
    shown = cli(config, "ideas", "show", str(owned["id"]), "--json")
    assert shown["title"] == "Buka jam 6"
    regrouped = group_of(cli(config, "ideas", "--json", "--limit", "100"), config, "6am")
    assert regrouped["id"] == owned["id"]

    again = cli(config, "ideas", "regroup", "--json")["boards"][0]
    assert again["moved"] == 0 and not again["joined"] and not again["split"]  # stable
    assert _groups_and_members(db_url) == after
    out = cli(config, "ideas", "regroup")
    assert "0 moved" in out
    db = open_database(db_url)
    try:
        with db.read() as session:
            logged = session.execute(
                text("SELECT detail FROM audit_log WHERE action = 'regroup_ideas'")
            ).all()
    finally:
        db.dispose()
    assert len(logged) == 3 and "moved" in logged[0][0]
    titles = [title for title, _ in done["joined"]]  # from customers' posts: not logged
    assert titles and not [t for t in titles for (d,) in logged if t in d]


def _idea_statuses(db_url: str) -> dict[int, str]:
    db = open_database(db_url)
    try:
        with db.read() as session:
            rows = session.execute(text("SELECT id, status FROM ideas")).all()
    finally:
        db.dispose()
    return {int(idea_id): str(status) for idea_id, status in rows}


def test_regroup_and_its_dry_run_never_move_ideas_into_a_done_idea(
    tmp_path: Path, db_url: str
) -> None:
    config = demo_project(tmp_path / "demo", db_url)
    body = config.read_text("utf-8")
    strict = body.replace("responder:\n", "responder:\n  ideas: {similarity_threshold: 0.95}\n")
    config.write_text(strict, "utf-8")
    cli(config, "poll")  # nearly every idea alone in its group
    board = cli(config, "ideas", "--json", "--limit", "100")
    shipped = group_of(board, config, "buka lebih pagi")
    cli(config, "ideas", "status", str(shipped["id"]), "done", "--no-tell")
    config.write_text(body, "utf-8")  # back to the measured threshold
    before, statuses = _groups_and_members(db_url), _idea_statuses(db_url)

    dry = cli(config, "ideas", "regroup", "--dry-run", "--json")["boards"][0]
    real = cli(config, "ideas", "regroup", "--json")["boards"][0]
    assert str(shipped["id"]) not in dry["into_owned"] and dry == real  # the same plan
    after = _groups_and_members(db_url)
    assert after[shipped["id"]] == before[shipped["id"]]  # nobody silently marked done
    done_now = {i for i, s in _idea_statuses(db_url).items() if s == "done"}
    assert done_now == {i for i, s in statuses.items() if s == "done"}
    # the "6am" ideas regrouped apart from it, and `ideas show` suggests the done idea
    earlier = group_of(cli(config, "ideas", "--json", "--limit", "100"), config, "6am")
    assert earlier["id"] != shipped["id"]
    near = {s["group_id"]: s["status"] for s in earlier["maybe_same"]}
    assert near.get(shipped["id"]) == "done", earlier["maybe_same"]
    shown = cli(config, "ideas", "show", str(earlier["id"]))
    assert f"simak ideas merge {shipped['id']} {earlier['id']}" in shown


def test_a_new_post_of_a_done_idea_starts_a_group_and_is_suggested(
    tmp_path: Path, db_url: str
) -> None:
    config = demo_project(tmp_path / "demo", db_url)
    cli(config, "poll")
    earlier = group_of(cli(config, "ideas", "--json", "--limit", "100"), config, "like 6am")
    cli(config, "ideas", "status", str(earlier["id"]), "done", "--no-tell")
    later = {
        "id": "ks-902", "platform": "x", "author": "early_bird", "author_name": "Early Bird",
        "text": "Kopi Senja please open earlier, 6am would be perfect",
        "created_at": "2026-11-24T09:00:00+07:00", "lang": "en",
    }  # fmt: skip
    with (config.parent / "examples" / "mentions.jsonl").open("a", encoding="utf-8") as f:
        f.write(json.dumps(later) + "\n")
    cli(config, "poll")
    again = group_of(cli(config, "ideas", "--json", "--limit", "100"), config, "6am would be")
    assert again["id"] != earlier["id"] and again["status"] == "new"
    assert [s["status"] for s in again["maybe_same"] if s["group_id"] == earlier["id"]] == ["done"]


def test_overlapping_regroups_move_each_idea_once(tmp_path: Path, db_url: str) -> None:
    config = demo_project(tmp_path / "demo", db_url)
    body = config.read_text("utf-8")
    strict = body.replace("responder:\n", "responder:\n  ideas: {similarity_threshold: 0.95}\n")
    config.write_text(strict, "utf-8")
    cli(config, "poll")
    config.write_text(body, "utf-8")
    total = sum(len(m) for m in _groups_and_members(db_url).values())
    procs = [simak(config, "ideas", "regroup", "--json") for _ in range(3)]
    moved = []
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        moved.append(json.loads(out)["boards"][0]["moved"])
    assert sorted(moved)[:2] == [0, 0] and max(moved) > 0  # the board lock: one redid it
    after = _groups_and_members(db_url)
    assert sum(len(m) for m in after.values()) == total and all(after.values())
    assert _sizes_match_posts(db_url)


_REDOING: Where = ("simak.usecases.idea_regroup", "automatic_ideas", "after")  # board locked


def test_a_regroup_while_another_holds_the_board_moves_nothing_again(
    tmp_path: Path, db_url: str
) -> None:
    """Regroup A has locked the board and read its automatic ideas, and stops; regroup B
    starts and (PostgreSQL) is seen waiting on A's board lock. B then finds the board
    already regrouped: each idea moved once, every group's size its posts."""
    config = demo_project(tmp_path / "demo", db_url)
    body = config.read_text("utf-8")
    strict = body.replace("responder:\n", "responder:\n  ideas: {similarity_threshold: 0.95}\n")
    config.write_text(strict, "utf-8")
    cli(config, "poll")
    config.write_text(body, "utf-8")
    total = sum(len(m) for m in _groups_and_members(db_url).values())
    a, b = ((act, (config, who, "simak.usecases.idea_regroup:regroup", ())) for who in "ab")
    results = race(db_url, (*a, _REDOING), b)
    assert [r[0] for r in results.values()] == ["ok", "ok"], results
    assert [r.moved > 0 for r in results["a"][1]] == [True], results
    assert [r.moved for r in results["b"][1]] == [0], results
    after = _groups_and_members(db_url)
    assert sum(len(m) for m in after.values()) == total and all(after.values())
    assert _sizes_match_posts(db_url)


def test_titles_leave_out_brand_words_and_handles_without_stray_punctuation() -> None:
    from simak.usecases.ideas import title_of

    brand = ["Kopi Senja", "kopisenja"]
    assert title_of("Love Kopi Senja, but please add oat milk!", brand) == "Oat milk"
    assert title_of("@kopisenja, tolong buka lebih pagi dong", brand) == "Buka lebih pagi"
    assert title_of("Kopi Senja", brand) == "Kopi Senja"  # nothing else to say: kept whole


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ("=1+1", "'=1+1"),
        ("+62 812 please call", "'+62 812 please call"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\t=cmd", "'\t=cmd"),
        ("Buka lebih pagi", "Buka lebih pagi"),
        ("", ""),
        (3, 3),
    ],
)
def test_exported_cells_never_start_a_spreadsheet_formula(value: object, safe: object) -> None:
    from simak.usecases.idea_board import csv_cell

    assert csv_cell(value) == safe


def refused(config: Path, *args: str) -> str:
    """A usage error: exit 2 and one line on stderr, nothing changed."""
    result = CliRunner().invoke(app, ["--config", str(config), *args])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and "internal error" not in result.output
    return result.stderr


def _sizes_match_posts(db_url: str) -> bool:
    """Every group's stored centroid size is its own number of ideas."""
    db = open_database(db_url)
    with db.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT g.id, g.size, count(i.id) FROM idea_groups g "
                 "LEFT JOIN ideas i ON i.group_id = g.id GROUP BY g.id, g.size")
        ).all()  # fmt: skip
    db.dispose()
    return all(size == count for _, size, count in rows)


def test_owner_actions_on_merged_missing_and_emptied_groups(tmp_path: Path, db_url: str) -> None:
    config = demo_project(tmp_path / "demo", db_url)
    cli(config, "poll")
    board = cli(config, "ideas", "--json", "--limit", "100")
    kept, gone = [g for g in board if g["posts"] >= 2][:2]
    assert "does not exist" in refused(config, "ideas", "split", "999", "--posts", "1")
    cli(config, "ideas", "merge", str(kept["id"]), str(gone["id"]))
    # split through the merged group's own id: no crash, and its centroid follows
    shown = cli(config, "ideas", "show", str(gone["id"]), "--json")["members"]
    moved = next(m for m in shown if m["group_id"] == gone["id"])
    out = cli(config, "ideas", "split", str(gone["id"]), "--posts", str(moved["idea_id"]))
    new_id = int(out.split()[2])
    titled = cli(config, "ideas", "show", str(new_id), "--json")
    assert titled["title"].strip() and "Kopi Senja" not in titled["title"]  # from its post
    assert _sizes_match_posts(db_url)
    everything = cli(config, "ideas", "show", str(kept["id"]), "--json")["members"]
    first = everything[0]  # the text view names what `split` and `correct` take
    assert f"[{first['idea_id']}] " in cli(config, "ideas", "show", str(kept["id"]))
    assert f"(mention {first['mention_id']})" in cli(config, "ideas", "show", str(kept["id"]))
    args = [a for m in everything for a in ("--posts", str(m["idea_id"]))]
    assert "every post" in refused(config, "ideas", "split", str(kept["id"]), *args)
    # a merged group's id names the group it joined, as `show` and `status` do
    out = cli(config, "ideas", "rename", str(gone["id"]), "Two\n words")
    assert f"idea {kept['id']} is now 'Two words'" in out
    assert cli(config, "ideas", "show", str(kept["id"]), "--json")["title"] == "Two words"
    # typos in filters are errors, not an empty board
    assert "unknown idea status" in refused(config, "ideas", "--status", "planed")
    assert "unknown brand" in refused(config, "ideas", "--brand", "kopi-senj")
    assert "unknown brand" in refused(config, "ideas", "regroup", "--brand", "kopi-senj")
    assert "unknown brand" in refused(config, "ideas", "export", "--brand", "kopi-senj")
    # --tell with a status nobody is told about changes nothing
    assert "--tell" in refused(config, "ideas", "status", str(kept["id"]), "planned", "--tell")
    assert cli(config, "ideas", "show", str(kept["id"]), "--json")["status"] == "new"
    # a group whose last post is corrected away leaves the board (show still finds it)
    cli(config, "correct", str(titled["members"][0]["mention_id"]), "--labels", "complaint")
    listed = {g["id"] for g in cli(config, "ideas", "--json", "--limit", "100")}
    assert new_id not in listed and kept["id"] in listed
    assert cli(config, "ideas", "show", str(new_id), "--json")["posts"] == 0
    rows = list(csv.DictReader(io.StringIO(cli(config, "ideas", "export", "--csv"))))
    assert str(new_id) not in {r["id"] for r in rows}


def test_notify_dry_run_counts_who_would_be_told_and_merges_tell_nobody_twice(
    db_url: str, tmp_path: Path, smtp_sink: SmtpSink
) -> None:
    config, oat = _oat_project(tmp_path, db_url, smtp_sink)
    cli(config, "ideas", "status", str(oat), "done", "--no-tell")
    dry = cli(config, "ideas", "notify", str(oat), "--dry-run", "--json")
    assert sorted(w["who"] for w in dry["would_draft"]) == ["Ben", "Sari"] and not dry["drafted"]
    assert [s["why"] for s in dry["skipped"]] == ["do not contact: asked us not to"]
    text_out = cli(config, "ideas", "notify", str(oat), "--dry-run")
    assert "would draft 2 notices" in text_out and not _notices(config)
    # Ben's post splits off, ships and is told; merged back, the idea ships: Ben is not
    # told twice, and a dry run after the real one counts nobody
    ben = next(m for m in cli(config, "ideas", "show", str(oat), "--json")["members"]
               if m["author"] == "Ben")  # fmt: skip
    out = cli(config, "ideas", "split", str(oat), "--posts", str(ben["idea_id"]))
    split_off = out.split()[2]
    assert "1 notice drafted" in cli(config, "ideas", "status", split_off, "done")
    cli(config, "ideas", "merge", str(oat), split_off)
    assert "1 notice drafted" in cli(config, "ideas", "notify", str(oat))
    assert sorted(n["author"] for n in _notices(config)) == ["Ben", "Sari"]
    again = cli(config, "ideas", "notify", str(oat), "--dry-run", "--json")
    assert again["would_draft"] == []
    assert sorted(s["why"] for s in again["skipped"]) == [
        "do not contact: asked us not to",
        "has a notice already (drafted or sent)",
        "has a notice already (drafted or sent)",
    ]


def test_split_unmerge_merge_and_done_again_never_tell_anyone_twice(
    tmp_path: Path, db_url: str
) -> None:
    """Before: Ayu's post split off shipped dark mode gave a new idea, already done (without
    the note); marking it done told Ayu again, quoting the same post, and so did unmerging
    a group and marking it done: notices were remembered per group, not per post."""
    config = demo_project(tmp_path / "demo", db_url)
    cli(config, "poll")
    board = cli(config, "ideas", "--json", "--limit", "100")
    dark = group_of(board, config, "dark mode dong")
    deal = group_of(board, config, "paket hemat buat pelajar")
    ayu = next(m for m in dark["members"] if m["author"] == "Ayu Kirana")
    note = "Dark mode is in the app now"  # the drafts quote it
    out = cli(config, "ideas", "status", str(dark["id"]), "done", "--note", note)
    assert "2 notices drafted" in out
    split_off = cli(config, "ideas", "split", str(dark["id"]), "--posts", str(ayu["idea_id"]))
    new = cli(config, "ideas", "show", split_off.split()[2], "--json")
    assert (new["status"], new["note"]) == ("done", note)
    assert split_off.strip().endswith(f", done like idea {dark['id']}")  # said, not a surprise
    out = cli(config, "ideas", "status", str(new["id"]), "done")
    assert "0 notices drafted" in out and "skipped Ayu Kirana" in out
    # a new asker in the split-off idea is told (Ayu still not), with the note
    cli(config, "ideas", "merge", str(new["id"]), str(deal["id"]))
    assert "1 notice drafted" in cli(config, "ideas", "notify", str(new["id"]))
    # unmerged and done on its own, done again, merged back: nobody is told again
    cli(config, "ideas", "unmerge", str(deal["id"]))
    assert "0 notices drafted" in cli(config, "ideas", "status", str(deal["id"]), "done")
    cli(config, "ideas", "status", str(new["id"]), "planned")
    assert "0 notices drafted" in cli(config, "ideas", "status", str(new["id"]), "done")
    cli(config, "ideas", "merge", str(dark["id"]), str(new["id"]))
    assert "0 notices drafted" in cli(config, "ideas", "notify", str(dark["id"]))
    notices = [r for r in cli(config, "queue", "--all", "--json") if r["kind"] == "announcement"]
    assert sorted(n["author"] for n in notices) == [
        "Ayu Kirana", "Fajar Permana", "Gilang Ramadhan"
    ]  # fmt: skip
    assert all(note in n["draft"] for n in notices)


def test_a_person_told_then_merged_into_another_is_not_told_again(
    db_url: str, tmp_path: Path, smtp_sink: SmtpSink
) -> None:
    rules = {"idea": {"channels": ["email"]}, "praise": {"channels": ["email"]}}
    config = project(tmp_path / "p", db_url, channels_section(smtp=smtp_sink), rules)
    benny = {"platform": "x", "author": "benny", "author_name": "Benny B",
             "text": "Kopi Senja's iced latte is the best in town, thank you!"}  # fmt: skip
    mentions(tmp_path / "p", [*ASKERS, benny])
    simak_ok(config, "poll")
    oat = next(g for g in json.loads(simak_ok(config, "ideas", "--json")) if g["posts"] == 4)
    assert "3 notices drafted" in simak_ok(config, "ideas", "status", str(oat["id"]), "done")
    person = {r["author"]: r["person_id"] for r in queue(config)}
    # Ben, told, turns out to be Benny on X: Benny keeps, Ben's post is now Benny's
    simak_ok(config, "people", "merge", str(person["Benny B"]), str(person["Ben"]))
    dry = cli(config, "ideas", "notify", str(oat["id"]), "--dry-run", "--json")
    assert dry["would_draft"] == []
    assert "0 notices drafted" in cli(config, "ideas", "notify", str(oat["id"]))
    assert len(_notices(config)) == 3


def test_a_post_with_no_person_by_an_askers_name_is_theirs_for_notices() -> None:
    from simak.usecases.idea_board import askers
    from storage.idea_board import GroupMember, GroupView

    now = datetime(2026, 11, 22, tzinfo=UTC)

    def post(idea: int, person: int | None, author: str) -> GroupMember:
        return GroupMember(idea, idea, 1, person, author, "x", "add oat milk", "en", now)

    members = [post(1, 7, "Bayu Saputra"), post(2, None, "bayu saputra"),
               post(3, None, "A Blogger"), post(4, None, "?")]  # fmt: skip
    group = GroupView(1, "kopi-senja", "Oat milk", "done", None, 4, 3, now, now,
                      members=members)  # fmt: skip
    people, strangers = askers(group)
    assert list(people) == [7] and [m.idea_id for m in people[7]] == [1]
    assert strangers == ["A Blogger", "post 4"]


def _title_source(group: dict[str, Any]) -> dict[str, Any]:
    """The post a group's title was made from (the only one giving that title)."""
    from simak.usecases.ideas import title_of

    ignore = ["Kopi Senja", "kopisenja"]
    (source,) = [m for m in group["members"] if title_of(m["text"], ignore) == group["title"]]
    return source


def test_a_title_never_outlives_the_post_it_came_from(tmp_path: Path, db_url: str) -> None:
    """Before: splitting off (or correcting away from "idea") the post a group was titled
    by left the title in place, and `simak forget` of its author, which re-titles only the
    groups their posts are in, left their words on the board."""
    config = demo_project(tmp_path / "demo", db_url)
    cli(config, "poll")
    qris = group_of(cli(config, "ideas", "--json", "--limit", "100"), config, "QRIS")
    assert len(qris["members"]) >= 3, qris
    source = _title_source(qris)

    cli(config, "ideas", "split", str(qris["id"]), "--posts", str(source["idea_id"]))

    left = cli(config, "ideas", "show", str(qris["id"]), "--json")
    assert source["idea_id"] not in {m["idea_id"] for m in left["members"]}
    assert left["title"] != qris["title"], left["title"]
    gone = _title_source(left)  # made from a post still there

    cli(config, "correct", str(gone["mention_id"]), "--labels", "complaint")

    again = cli(config, "ideas", "show", str(qris["id"]), "--json")
    assert gone["idea_id"] not in {m["idea_id"] for m in again["members"]}
    assert again["title"] != left["title"] and _title_source(again)


def test_a_merge_says_the_status_it_drops_and_who_a_done_idea_did_not_tell(
    tmp_path: Path, db_url: str
) -> None:
    config = demo_project(tmp_path / "demo", db_url)
    cli(config, "poll")
    board = cli(config, "ideas", "--json", "--limit", "100")
    a, b, c = (g["id"] for g in board[:3])
    # planned, then merged into a new idea: the owner's decision is not lost in silence
    cli(config, "ideas", "status", str(b), "planned")
    out = cli(config, "ideas", "merge", str(a), str(b))
    assert f"idea {b} was planned; the merged idea {a} stays new" in out
    assert f"`simak ideas status {a} planned`" in out
    shown = cli(config, "ideas", "show", str(a))
    assert f"merged: {b}\n" in shown and "(" not in shown.splitlines()[0]  # not a tuple
    cli(config, "ideas", "unmerge", str(b))
    assert cli(config, "ideas", "show", str(b), "--json")["status"] == "planned"
    # a done idea that takes in new askers says they were not told, and how to tell them
    cli(config, "ideas", "status", str(a), "done", "--no-tell")
    out = cli(config, "ideas", "merge", str(a), str(c))
    assert f"idea {a} is done:" in out and f"`simak ideas notify {a}`" in out
    cli(config, "ideas", "notify", str(a))
    cli(config, "ideas", "unmerge", str(c))
    out = cli(config, "ideas", "merge", str(a), str(c))  # everyone told now
    assert "not told" not in out and "was planned" not in out
    # one post split off is "1 post"
    members = cli(config, "ideas", "show", str(a), "--json")["members"]
    out = cli(config, "ideas", "split", str(a), "--posts", str(members[0]["idea_id"]))
    assert out.rstrip().endswith(f"with 1 post, done like idea {a}")


def test_a_later_post_of_someone_told_is_not_told_about_again_after_unmerge_or_split(
    db_url: str, tmp_path: Path, smtp_sink: SmtpSink
) -> None:
    """Before: Sari, told oat milk shipped, asked again in another group; merged into the
    done idea she was skipped (told already) but her new post was not recorded as told,
    so unmerging (or splitting it off) and marking that group done told her a second time."""
    config, oat = _oat_project(tmp_path, db_url, smtp_sink)
    sari = [m for m in cli(config, "ideas", "show", str(oat), "--json")["members"]
            if m["author"] == "Sari"]  # fmt: skip
    later = cli(config, "ideas", "split", str(oat), "--posts", str(sari[-1]["idea_id"]))
    again = later.split()[2]
    assert "2 notices drafted" in cli(config, "ideas", "status", str(oat), "done")
    cli(config, "ideas", "merge", str(oat), again)
    assert "0 notices drafted" in cli(config, "ideas", "notify", str(oat))
    for how in ("unmerge", "split"):
        if how == "unmerge":
            cli(config, "ideas", "unmerge", again)
            separate = again
        else:
            cli(config, "ideas", "merge", str(oat), again)
            out = cli(config, "ideas", "split", str(oat), "--posts", str(sari[-1]["idea_id"]))
            separate = out.split()[2]
        out = cli(config, "ideas", "status", separate, "done")
        assert "0 notices drafted" in out and "skipped Sari" in out, out
        cli(config, "ideas", "status", separate, "new")
    assert sorted(n["author"] for n in _notices(config)) == ["Ben", "Sari"]


def test_notices_take_the_idea_rules_channels(
    db_url: str, tmp_path: Path, smtp_sink: SmtpSink
) -> None:
    """Before: "it shipped" notices took the praise rule's channels: with ideas set to
    `channels: [manual]` (staff tell each asker themselves), they were e-mailed anyway."""
    rules = {"idea": {"channels": ["manual"]}, "praise": {"channels": ["email"]}}
    config = project(tmp_path / "p", db_url, channels_section(smtp=smtp_sink), rules)
    mentions(tmp_path / "p", ASKERS[:3])
    simak_ok(config, "poll")
    oat = next(g for g in json.loads(simak_ok(config, "ideas", "--json")) if g["posts"] == 3)
    assert "2 notices drafted" in simak_ok(config, "ideas", "status", str(oat["id"]), "done")
    assert {n["channel"] for n in _notices(config)} == {"manual"}


def test_status_json_gives_the_notices_drafted_to_approve(
    db_url: str, tmp_path: Path, smtp_sink: SmtpSink
) -> None:
    """Before: `simak ideas status ID done --json` stopped on "No such option: --json"
    (exit 2), so a script could not learn which notices to approve."""
    config, oat = _oat_project(tmp_path, db_url, smtp_sink)
    done = cli(config, "ideas", "status", str(oat), "done", "--json")
    assert (done["status"], done["group_id"]) == ("done", oat)
    assert sorted(done["drafted"]) == sorted(n["id"] for n in _notices(config))
    assert [s["why"] for s in done["skipped"]] == ["do not contact: asked us not to"]
    planned = cli(config, "ideas", "status", str(oat), "planned", "--json")
    assert (planned["status"], planned["drafted"], planned["skipped"]) == ("planned", [], [])


def test_a_title_of_only_invisible_characters_is_refused_like_an_empty_one(
    db_url: str, tmp_path: Path, smtp_sink: SmtpSink
) -> None:
    """Before: `simak ideas rename ID $'\\u200b\\u200b'` was taken: a blank row on the board."""
    config, oat = _oat_project(tmp_path, db_url, smtp_sink)
    title = cli(config, "ideas", "show", str(oat), "--json")["title"]
    for blank in ("\u200b\u200b", " \ufeff\u2060 "):
        assert "cannot be empty" in refused(config, "ideas", "rename", str(oat), blank)
    assert cli(config, "ideas", "show", str(oat), "--json")["title"] == title
    assert "is now 'Oat milk \u2615'" in cli(config, "ideas", "rename", str(oat), "Oat milk \u2615")
    post = cli(config, "ideas", "show", str(oat), "--json")["members"][0]["idea_id"]
    out = cli(config, "ideas", "split", str(oat), "--posts", str(post), "--title", "\u200b")
    titled = cli(config, "ideas", "show", out.split()[2], "--json")["title"]
    assert titled.strip("\u200b ") and "\u200b" not in titled  # from its post, as with none


def test_followup_show_of_a_notice_names_its_kind_not_an_empty_other_post(
    db_url: str, tmp_path: Path, smtp_sink: SmtpSink
) -> None:
    """Before: `simak followup show` of an "it shipped" notice began with an empty box
    titled "Ben on review · other", as if it answered an untagged post."""
    config, oat = _oat_project(tmp_path, db_url, smtp_sink)
    fid = cli(config, "ideas", "status", str(oat), "done", "--json")["drafted"][0]
    shown = cli(config, "followup", "show", str(fid))
    first = shown.splitlines()[0]
    assert first.endswith(" · announcement") and "other" not in first, shown
    assert "is done: tell the person who asked" in shown


def test_an_empty_board_is_one_sentence_not_an_empty_table(tmp_path: Path, db_url: str) -> None:
    """Before: an empty table with a caption under it (as `reclassify` was)."""
    config = project(tmp_path / "p", db_url, {}, {})
    mentions(tmp_path / "p", [])
    assert cli(config, "ideas").strip() == "No ideas captured yet."
    filtered = cli(config, "ideas", "--status", "planned")
    assert filtered.strip() == "No ideas match these filters." and "┏" not in filtered
    assert cli(config, "ideas", "--json") == []


def test_done_after_declined_says_which_not_for_now_notices_still_wait(
    db_url: str, tmp_path: Path, smtp_sink: SmtpSink
) -> None:
    """Before: declined --tell, then done before the "not for now" went out: both notices
    waited in the queue, side by side, and nothing said so (approve both and the asker is
    told "not for now" and "it shipped" at once)."""
    config, oat = _oat_project(tmp_path, db_url, smtp_sink)
    declined = cli(config, "ideas", "status", str(oat), "declined", "--tell", "--json")
    assert len(declined["drafted"]) == 2 and declined["waiting_declined"] == []
    done = cli(config, "ideas", "status", str(oat), "done", "--json")
    assert len(done["drafted"]) == 2
    waiting = {w["who"]: w["followup_id"] for w in done["waiting_declined"]}
    assert sorted(waiting.values()) == sorted(declined["drafted"])
    simak_ok(config, "followup", "dismiss", str(waiting["Ben"]))
    out = cli(config, "ideas", "status", str(oat), "done")
    assert f"(follow-up {waiting['Sari']}): `simak followup dismiss {waiting['Sari']}`" in out
    assert f"follow-up {waiting['Ben']}" not in out
