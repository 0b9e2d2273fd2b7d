"""Hostile export files: a FIFO, /dev/zero, huge lines, deep JSON, absurd timestamps.

Each one costs one clear warning or one clear error line; nothing hangs, nothing
loads more than the record cap, and the good records around it are still read.
"""

from __future__ import annotations

import json
import os
import resource
from pathlib import Path

import pytest

from common.errors import SourceUnavailable
from listeners.base import PollPage
from listeners.feeds import FeedsListener, FeedsOptions
from listeners.files import FilesListener, FilesOptions
from listeners.matching import BrandMatcher

CAP = 4096


def files(matcher: BrandMatcher, path: Path | str, **opts: object) -> FilesListener:
    options = FilesOptions.model_validate({"path": str(path), **opts})
    return FilesListener("exports", options, matcher, env={})


def drain(listener: FilesListener, cursor: str | None = None) -> tuple[list[PollPage], str | None]:
    pages = list(listener.poll(cursor))
    for page in pages:
        cursor = page.cursor or cursor
    return pages, cursor


def line(ident: str, text: object = "kopi senja enak", **extra: object) -> bytes:
    record = {"id": ident, "text": text, "created_at": "2026-11-20T08:00:00Z", **extra}
    return json.dumps(record).encode() + b"\n"


def test_a_fifo_is_refused_without_blocking(matcher: BrandMatcher, tmp_path: Path) -> None:
    fifo = tmp_path / "export.jsonl"
    os.mkfifo(fifo)
    with pytest.raises(SourceUnavailable) as info:
        drain(files(matcher, fifo))
    assert "is a FIFO (named pipe), not a regular file" in str(info.value)
    feeds = FeedsListener("news", FeedsOptions(urls=[str(fifo)]), matcher)
    with pytest.raises(SourceUnavailable, match="FIFO"):
        list(feeds.poll(None))


def test_dev_zero_is_refused(matcher: BrandMatcher) -> None:
    with pytest.raises(SourceUnavailable, match="character device, not a regular file"):
        drain(files(matcher, "/dev/zero"))
    with pytest.raises(SourceUnavailable, match="character device"):
        list(FeedsListener("news", FeedsOptions(urls=["/dev/zero"]), matcher).poll(None))


def test_a_fifo_in_an_export_folder_is_passed_over(matcher: BrandMatcher, tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.jsonl")
    (tmp_path / "real.jsonl").write_bytes(line("r1"))
    pages, _ = drain(files(matcher, tmp_path))
    assert [m.external_id for p in pages for m in p.mentions] == ["r1"]


def test_a_long_line_is_skipped_after_reading_at_most_the_cap(
    matcher: BrandMatcher, tmp_path: Path
) -> None:
    path = tmp_path / "export.jsonl"
    huge = b'{"id": "big", "text": "kopi senja ' + b"x" * 20_000_000 + b'"}\n'
    path.write_bytes(line("a") + huge + line("b"))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    pages, _ = drain(files(matcher, path, max_record_bytes=CAP))
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert [m.external_id for p in pages for m in p.mentions] == ["a", "b"]
    warnings = [w for p in pages for w in p.warnings]
    assert warnings == [f"{path}:2: record longer than {CAP} bytes (max_record_bytes); skipped"]
    assert grown_kib < 10_000  # the 20 MB line never sat in memory


def test_a_long_unterminated_line_is_skipped_across_polls(
    matcher: BrandMatcher, tmp_path: Path
) -> None:
    path = tmp_path / "export.jsonl"
    path.write_bytes(line("a") + b'{"id": "big", "text": "' + b"y" * (3 * CAP))
    source = files(matcher, path, max_record_bytes=CAP)
    pages, cursor = drain(source)
    assert [m.external_id for p in pages for m in p.mentions] == ["a"]
    assert [w for p in pages for w in p.warnings] == [
        f"{path}:2: record longer than {CAP} bytes (max_record_bytes); skipped"
    ]
    with path.open("ab") as f:  # the writer finishes the long line, then writes more
        f.write(b"y" * CAP + b'"}\n' + line("c"))
    pages, cursor = drain(source, cursor)
    assert [m.external_id for p in pages for m in p.mentions] == ["c"]
    assert [w for p in pages for w in p.warnings] == []
    assert drain(source, cursor)[0] == []


def test_long_csv_rows_and_records_are_skipped(matcher: BrandMatcher, tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    long_cell = "z" * (2 * CAP)
    many_lines = "\n".join(["w" * 100] * 60)  # one quoted cell over 60 lines
    path.write_text(
        "id,text\n"
        "1,kopi senja satu\n"
        f"2,{long_cell}\n"
        f'3,"kopi senja {many_lines}"\n'
        "4,kopi senja empat\n",
        encoding="utf-8",
    )
    pages, _ = drain(files(matcher, path, max_record_bytes=CAP))
    ids = [m.external_id for p in pages for m in p.mentions]
    warnings = [w for p in pages for w in p.warnings]
    assert ids[0] == "1" and ids[-1] == "4"
    assert "2" not in ids and "3" not in ids
    assert warnings[0] == f"{path}:3: record longer than {CAP} bytes (max_record_bytes); skipped"
    assert any(w.startswith(f"{path}:") and "longer than" in w for w in warnings[1:])


def test_deep_json_and_absurd_times_are_one_warning_each(
    matcher: BrandMatcher, tmp_path: Path
) -> None:
    path = tmp_path / "export.jsonl"
    path.write_bytes(
        b"[" * 100_000
        + b"\n"
        + line("t1", created_at="0001-01-01T00:00:00+14:00")
        + line("t2", created_at="9999-12-31T23:59:59-12:00")
        + line("t3", created_at=1e300)
        + line("t4", created_at="NaN")
        + line("t5", text={"nested": ["kopi senja"]})
        + line("ok")
    )
    pages, _ = drain(files(matcher, path))
    assert [m.external_id for p in pages for m in p.mentions] == ["ok"]
    warnings = [w for p in pages for w in p.warnings]
    assert (
        warnings[0]
        == f"{path}:1: not valid JSON (ValueError: JSON nested 100000 levels deep (at most 64))"
    )
    assert all("out-of-range 'created_at'" in w for w in warnings[1:5])
    assert warnings[5] == f"{path}:6: missing 'text'"
    assert all("\n" not in w for w in warnings)


def test_a_blank_post_is_called_blank_not_missing(matcher: BrandMatcher, tmp_path: Path) -> None:
    """A row whose text is only spaces was "missing 'text'", as if the mapping were wrong."""
    path = tmp_path / "x.jsonl"
    path.write_bytes(line("b1", text=" \t\u3000\u00a0 ") + line("b2", text="") + line("ok"))
    pages, _ = drain(files(matcher, path))
    assert [m.external_id for p in pages for m in p.mentions] == ["ok"]
    warnings = [w for p in pages for w in p.warnings]
    assert warnings == [f"{path}:1: 'text' is blank", f"{path}:2: 'text' is blank"]


def test_record_cap_is_bounded_in_options(matcher: BrandMatcher, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="must be between 1024 and 67108864 bytes"):
        FilesOptions(path="x.jsonl", max_record_bytes=10**29)
    with pytest.raises(ValueError, match="unknown text encoding"):
        FilesOptions(path="x.jsonl", encoding="klingon")
    with pytest.raises(ValueError, match="not ASCII-compatible"):
        FilesOptions(path="x.jsonl", encoding="utf-16")
    with pytest.raises(ValueError, match="must not be empty"):
        FilesOptions(path=" ")
