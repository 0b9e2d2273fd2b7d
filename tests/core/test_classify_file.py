"""`simak classify` on awkward files: a byte-order mark, odd ids, a folder as output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from simak.usecases import classify_file
from tests.core.conftest import Project


def test_a_byte_order_mark_is_not_part_of_the_first_line(project: Project, tmp_path: Path) -> None:
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    row = json.dumps({"id": "a", "text": "please add dark mode"})
    src.write_bytes(b"\xef\xbb\xbf" + row.encode() + b"\r\n")  # as Excel / Notepad save it
    result = project.run("classify", "-i", str(src), "-o", str(out))
    assert result.exit_code == 0, result.output
    line = json.loads(out.read_text("utf-8"))
    assert line["id"] == "a" and "idea" in line["labels"]
    piped = project.run("classify", "-i", "-", input="\ufeff" + row + "\n")
    assert piped.exit_code == 0, piped.output
    assert json.loads(piped.stdout)["id"] == "a"


def test_an_id_with_a_lone_surrogate_is_echoed_escaped(project: Project, tmp_path: Path) -> None:
    """JSON allows "\\ud800"; it cannot be written as UTF-8, so it stays escaped (was exit 3)."""
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_text('{"id": "\\ud800x", "text": "please add dark mode"}\n', encoding="utf-8")
    result = project.run("classify", "-i", str(src), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text("utf-8"))["id"] == "\ud800x"


def test_a_folder_as_output_is_a_usage_error(project: Project, tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"text": "mantap"}) + "\n", encoding="utf-8")
    (tmp_path / "outdir").mkdir()
    result = project.run("classify", "-i", str(src), "-o", str(tmp_path / "outdir"))
    assert result.exit_code == 2, result.output
    assert "is a folder" in result.stderr and "internal error" not in result.stderr
    assert not list(tmp_path.glob("*.partial"))


def test_a_failed_run_leaves_no_partial_file(
    project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(*_: object) -> tuple[int, int]:
        raise RuntimeError("model fell over")

    monkeypatch.setattr(classify_file, "classify_stream", boom)
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_text(json.dumps({"text": "mantap"}) + "\n", encoding="utf-8")
    result = project.run("classify", "-i", str(src), "-o", str(out))
    assert result.exit_code == 3, result.output
    assert not out.exists() and not list(tmp_path.glob("*.partial"))


def test_a_csv_file_is_read_by_its_columns(project: Project, tmp_path: Path) -> None:
    """A .csv input was read as JSONL: one 'not valid JSON' error per row, exit 1."""
    src, out = tmp_path / "posts.csv", tmp_path / "out.jsonl"
    src.write_bytes(
        b'\xef\xbb\xbfid,text\r\nc1,"please add dark mode, thanks"\r\nc2,"line one\r\nline two"\r\n'
        b"c3\r\n"
    )
    result = project.run("classify", "-i", str(src), "-o", str(out))
    assert result.exit_code == 1, result.output
    rows = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert [r["id"] for r in rows] == ["c1", "c2", "c3"]
    assert "idea" in rows[0]["labels"] and "labels" in rows[1]
    assert rows[2]["error"] == "row 3: missing field 'text'"


def test_a_csv_file_without_a_text_column_is_one_usage_error(
    project: Project, tmp_path: Path
) -> None:
    src = tmp_path / "posts.csv"
    src.write_text("id,message\nc1,please add dark mode\n", encoding="utf-8")
    result = project.run("classify", "-i", str(src))
    assert result.exit_code == 2, result.output
    assert "no 'text' column (columns: id, message)" in result.stderr
    assert result.stdout == ""
