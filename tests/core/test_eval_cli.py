"""`simak eval` on small or one-sided files: undefined scores are shown as such, not 0.000."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.core.conftest import Project


def _write(path: Path, rows: list[tuple[str, list[str]]]) -> Path:
    lines = [json.dumps({"text": t, "labels": labels, "lang": "id"}) for t, labels in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _row(stdout: str, label: str) -> list[str]:
    line = next(line for line in stdout.splitlines() if f" {label} " in line)
    return [cell.strip() for cell in line.split("│")[1:-1]]  # lang … support, noise


def test_one_class_file_shows_undefined_scores_not_zeros(project: Project, tmp_path: Path) -> None:
    data = _write(tmp_path / "one.jsonl", [("kopinya enak banget, mantap", ["praise"])] * 3)
    result = project.run("eval", "--input", str(data))
    assert result.exit_code == 0, result.output
    assert _row(result.stdout, "idea")[-5:-1] == ["-", "-", "-", "0"]  # P R F1 support
    assert "undefined" in result.stdout
    report: Any = project.json("eval", "--input", str(data))
    idea = report["groups"]["all"]["labels"]["idea"]
    assert idea["support"] == 0 and idea["predicted"] == 0


def test_a_file_of_other_posts_has_no_macro_f1(project: Project, tmp_path: Path) -> None:
    data = _write(tmp_path / "other.jsonl", [("jam berapa buka?", []), ("halo", ["other"])])
    result = project.run("eval", "--input", str(data))
    assert result.exit_code == 0, result.output
    assert _row(result.stdout, "praise")[2] == "-"  # macro-F1 of the "all" group
    assert _row(result.stdout, "praise")[-1]  # noise: the share of them given a label


def test_a_byte_order_mark_is_not_part_of_the_first_line(project: Project, tmp_path: Path) -> None:
    data = tmp_path / "bom.jsonl"
    line = json.dumps({"text": "kopinya enak banget", "labels": ["praise"]})
    data.write_bytes(b"\xef\xbb\xbf" + line.encode() + b"\n")
    result = project.run("eval", "--input", str(data), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["n"] == 1
