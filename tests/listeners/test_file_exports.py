"""Common export shapes the files listener used to misread: JSON arrays, a text key the
mapping does not name, times without an offset, classic-Mac line endings."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from listeners.base import PollPage
from listeners.files import FileFields, FilesListener, FilesOptions
from listeners.matching import BrandMatcher
from tests.listeners.conftest import FakeClock


def _listener(matcher: BrandMatcher, path: Path, **opts: Any) -> FilesListener:
    clock = opts.pop("clock", None)
    options = FilesOptions(path=str(path), **opts)
    if clock is None:
        return FilesListener("exports", options, matcher, env={})
    return FilesListener("exports", options, matcher, env={}, clock=clock)


def _poll(listener: FilesListener, cursor: str | None) -> tuple[list[PollPage], str | None]:
    pages = list(listener.poll(cursor))
    for page in pages:
        cursor = page.cursor or cursor
    return pages, cursor


def _ids(pages: list[PollPage]) -> list[str]:
    return [m.external_id for p in pages for m in p.mentions]


def _warnings(pages: list[PollPage]) -> list[str]:
    return [w for p in pages for w in p.warnings]


def _item(i: int, key: str = "text") -> dict[str, Any]:
    return {"id": f"m{i}", key: f"Kopi Senja enak {i}", "created_at": "2026-11-20T08:00:00Z"}


def _write_array(path: Path, items: list[Any], *, indent: int | None = 2) -> None:
    path.write_text(json.dumps(items, indent=indent), encoding="utf-8")


# -- JSON arrays ---------------------------------------------------------------------------


def test_a_pretty_printed_json_array_is_read_item_by_item(
    matcher: BrandMatcher, tmp_path: Path
) -> None:
    # Before, each line of the array was read as a JSON Lines record: nothing imported.
    path = tmp_path / "export.json"
    _write_array(path, [_item(1), _item(2), {"id": "m3"}, [1], _item(4)])
    pages, cursor = _poll(_listener(matcher, path), None)
    assert _ids(pages) == ["m1", "m2", "m4"]
    where = path.resolve()
    assert _warnings(pages) == [
        f"{where}:12: item 3: missing 'text'",
        f"{where}:15: item 4: expected a JSON object, found list",
    ]
    pages, _ = _poll(_listener(matcher, path), cursor)  # unchanged: nothing again
    assert _ids(pages) == [] and _warnings(pages) == []


def test_a_rewritten_array_yields_only_its_new_items(matcher: BrandMatcher, tmp_path: Path) -> None:
    path = tmp_path / "export.json"
    _write_array(path, [_item(1), _item(2)], indent=None)  # one line
    pages, cursor = _poll(_listener(matcher, path), None)
    assert _ids(pages) == ["m1", "m2"]
    _write_array(path, [_item(1), _item(2), _item(3)])  # appended and re-indented
    pages, cursor = _poll(_listener(matcher, path), cursor)
    assert _ids(pages) == ["m3"] and _warnings(pages) == []
    _write_array(path, [_item(5), _item(4), _item(1), _item(2), _item(3)])  # newest first
    pages, cursor = _poll(_listener(matcher, path), cursor)
    assert _ids(pages) == ["m5", "m4"] and _warnings(pages) == []
    os.utime(path)  # touched, not changed
    pages, cursor = _poll(_listener(matcher, path), cursor)
    assert _ids(pages) == []
    _write_array(path, [_item(9), _item(1)])  # anything else: read again, stored once
    pages, _ = _poll(_listener(matcher, path), cursor)
    assert _ids(pages) == ["m9", "m1"]
    assert "the JSON array changed" in _warnings(pages)[0]


def test_an_array_is_paged_and_a_crash_resumes_after_the_last_page(
    matcher: BrandMatcher, tmp_path: Path
) -> None:
    path = tmp_path / "export.json"
    _write_array(path, [_item(i) for i in range(1, 6)])
    pages = list(_listener(matcher, path, page_size=2).poll(None))
    assert [[m.external_id for m in p.mentions] for p in pages] == [
        ["m1", "m2"],
        ["m3", "m4"],
        ["m5"],
    ]
    rest, _ = _poll(_listener(matcher, path, page_size=2), pages[0].cursor)
    assert _ids(rest) == ["m3", "m4", "m5"]


def test_a_broken_array_keeps_the_items_before_the_error_and_waits_for_a_fix(
    matcher: BrandMatcher, tmp_path: Path
) -> None:
    path = tmp_path / "export.json"
    path.write_text('[{"id": "m1", "text": "Kopi Senja 1"},\n {"id": "m2", text}]', "utf-8")
    pages, cursor = _poll(_listener(matcher, path), None)
    assert _ids(pages) == ["m1"]
    assert _warnings(pages) == [
        f"{path.resolve()}:2: not valid JSON (Expecting property name enclosed in double "
        "quotes); the items after item 1 are read once the file is fixed"
    ]
    assert _poll(_listener(matcher, path), cursor)[0] == []  # no warning every poll
    _write_array(path, [{"id": "m1", "text": "Kopi Senja 1"}, _item(2)])
    pages, _ = _poll(_listener(matcher, path), cursor)
    assert _ids(pages) == ["m2"]


def test_an_array_still_being_written_is_read_as_far_as_it_goes(
    matcher: BrandMatcher, tmp_path: Path, clock: FakeClock
) -> None:
    path = tmp_path / "export.json"
    path.write_text(json.dumps([_item(1), _item(2)])[:-30], "utf-8")  # cut inside item 2
    now = int(clock.now.timestamp() * 1e9)
    os.utime(path, ns=(now, now))
    pages, cursor = _poll(_listener(matcher, path, clock=clock), None)
    assert _ids(pages) == ["m1"]
    assert "not closed yet" in _warnings(pages)[0]
    _write_array(path, [_item(1), _item(2)])
    pages, _ = _poll(_listener(matcher, path, clock=clock), cursor)
    assert _ids(pages) == ["m2"]


def test_a_json_array_over_the_cap_says_how_to_convert_it(
    matcher: BrandMatcher, tmp_path: Path, monkeypatch: Any
) -> None:
    monkeypatch.setattr("listeners.file_array._ARRAY_BYTES", 100)
    path = tmp_path / "big.json"
    _write_array(path, [_item(i) for i in range(10)])
    pages, _ = _poll(_listener(matcher, path), None)
    assert _ids(pages) == []
    assert "jq -c '.[]' big.json > big.jsonl" in _warnings(pages)[0]


# -- a text key the mapping does not name ---------------------------------------------------


def test_jsonl_without_the_text_key_is_one_warning_and_its_lines_wait(
    matcher: BrandMatcher, tmp_path: Path
) -> None:
    # Before: one "missing 'text'" per line and the cursor moved past them all, so after
    # setting options.fields.text those rows were never read.
    path = tmp_path / "export.jsonl"
    path.write_text("".join(json.dumps(_item(i, "body")) + "\n" for i in (1, 2, 3)), "utf-8")
    pages, cursor = _poll(_listener(matcher, path), None)
    assert _ids(pages) == []
    assert _warnings(pages) == [
        f"{path.resolve()}:1: no 'text' key in this line nor the lines after it (keys: 'id', "
        "'body', 'created_at'); set options.fields.text to 'body' if that holds the post "
        "text (they are read then)"
    ]
    fixed = _listener(matcher, path, fields=FileFields(text="body"))
    pages, _ = _poll(fixed, cursor)
    assert _ids(pages) == ["m1", "m2", "m3"]


def test_one_jsonl_line_without_text_among_good_ones_is_its_own_warning(
    matcher: BrandMatcher, tmp_path: Path
) -> None:
    path = tmp_path / "export.jsonl"
    lines = [{"id": "m0", "author": "x"}, _item(1), _item(2)]
    path.write_text("".join(json.dumps(r) + "\n" for r in lines), "utf-8")
    pages, cursor = _poll(_listener(matcher, path), None)
    assert _ids(pages) == ["m1", "m2"]
    assert _warnings(pages) == [f"{path.resolve()}:1: missing 'text'"]
    with path.open("a", encoding="utf-8") as f:  # a file read with the key: per line
        f.write(json.dumps({"id": "m3"}) + "\n")
    pages, _ = _poll(_listener(matcher, path), cursor)
    assert _warnings(pages) == [f"{path.resolve()}:4: missing 'text'"]


def test_the_hint_names_a_nested_key(matcher: BrandMatcher, tmp_path: Path) -> None:
    path = tmp_path / "export.json"
    _write_array(path, [{"id": "1", "post": {"text": "Kopi Senja"}}])
    pages, cursor = _poll(_listener(matcher, path), None)
    assert "set options.fields.text to 'post.text'" in _warnings(pages)[0]
    pages, _ = _poll(_listener(matcher, path, fields=FileFields(text="post.text")), cursor)
    assert _ids(pages) == ["1"]


# -- times without an offset --------------------------------------------------------------


def test_times_without_an_offset_are_in_the_sources_timezone(
    matcher: BrandMatcher, tmp_path: Path
) -> None:
    path = tmp_path / "export.csv"
    path.write_text(
        "id,text,created_at\n1,Kopi Senja enak,2026-11-20 14:30\n"
        "2,Kopi Senja enak,2026-11-20T14:30:00+00:00\n",
        "utf-8",
    )
    pages, _ = _poll(_listener(matcher, path, timezone="Asia/Jakarta"), None)
    times = [m.created_at for p in pages for m in p.mentions]
    assert times == [
        datetime(2026, 11, 20, 7, 30, tzinfo=UTC),  # 14:30 WIB
        datetime(2026, 11, 20, 14, 30, tzinfo=UTC),  # an offset given wins
    ]
    pages, _ = _poll(_listener(matcher, path), None)  # no zone named: UTC, as before
    assert pages[0].mentions[0].created_at == datetime(2026, 11, 20, 14, 30, tzinfo=UTC)


def test_numeric_dates_are_read_day_first_unless_the_source_says_month_first(
    matcher: BrandMatcher, tmp_path: Path
) -> None:
    # An Indonesian listening tool's "05/12/2026 19:30": before, every row was skipped
    # as "unreadable or out-of-range" and lost (the cursor moved past them).
    path = tmp_path / "export.csv"
    path.write_text(
        "id,text,created_at\n1,Kopi Senja enak,05/12/2026 19:30\n"
        "2,Kopi Senja enak,5.12.2026\n3,Kopi Senja enak,12/25/2026 7:30 PM\n",
        "utf-8",
    )
    pages, _ = _poll(_listener(matcher, path, timezone="Asia/Jakarta"), None)
    times = [m.created_at for p in pages for m in p.mentions]
    assert times == [
        datetime(2026, 12, 5, 12, 30, tzinfo=UTC),  # 5 December, 19:30 WIB
        datetime(2026, 12, 4, 17, 0, tzinfo=UTC),  # midnight WIB
        datetime(2026, 12, 25, 12, 30, tzinfo=UTC),  # only month first fits: read so, not lost
    ]
    assert _warnings(pages) == []
    pages, _ = _poll(_listener(matcher, path, date_order="mdy"), None)
    times = [m.created_at for p in pages for m in p.mentions]
    assert times == [
        datetime(2026, 5, 12, 19, 30, tzinfo=UTC),
        datetime(2026, 5, 12, tzinfo=UTC),
        datetime(2026, 12, 25, 19, 30, tzinfo=UTC),
    ]


# -- classic Mac line endings ---------------------------------------------------------------


def test_csv_with_cr_only_line_endings_is_read(matcher: BrandMatcher, tmp_path: Path) -> None:
    # Excel's "CSV (Macintosh)": before, nothing was imported and nothing was said.
    path = tmp_path / "export.csv"
    path.write_bytes(b'id,text\r1,Kopi Senja enak\r2,"Kopi Senja\rmahal"\r')
    pages, cursor = _poll(_listener(matcher, path), None)
    assert _ids(pages) == ["1", "2"] and _warnings(pages) == []
    with path.open("ab") as f:
        f.write(b"3,Kopi Senja lagi\r")
    pages, _ = _poll(_listener(matcher, path), cursor)
    assert _ids(pages) == ["3"]


# -- a .json file holding one object ---------------------------------------------------------


def test_a_json_file_holding_one_pretty_printed_record_is_one_mention(
    matcher: BrandMatcher, tmp_path: Path
) -> None:
    # Before, it was read as JSON Lines: one "not valid JSON" warning per line, nothing read.
    path = tmp_path / "record.json"
    path.write_text(json.dumps(_item(1), indent=2), "utf-8")
    pages, cursor = _poll(_listener(matcher, path), None)
    assert _ids(pages) == ["m1"] and _warnings(pages) == []
    assert _poll(_listener(matcher, path), cursor)[0] == []  # unchanged: nothing again
    path.write_text(json.dumps(_item(2), indent=2), "utf-8")  # the next single export
    pages, _ = _poll(_listener(matcher, path), cursor)
    assert _ids(pages) == ["m2"] and _warnings(pages) == []


def test_a_json_object_wrapping_the_array_reads_its_items(
    matcher: BrandMatcher, tmp_path: Path
) -> None:
    # Before, the lines that happened to be whole objects were read, the others were not.
    path = tmp_path / "api.json"
    body = {"meta": {"count": 2}, "data": [_item(1), _item(2)], "errors": []}
    path.write_text(json.dumps(body, indent=2), "utf-8")
    pages, cursor = _poll(_listener(matcher, path), None)
    assert _ids(pages) == ["m1", "m2"] and _warnings(pages) == []
    body["data"] = [_item(1), _item(2), _item(3)]
    path.write_text(json.dumps({"items": body["data"]}), "utf-8")  # on one line, renamed
    pages, _ = _poll(_listener(matcher, path), cursor)
    assert _ids(pages) == ["m3"] and _warnings(pages) == []


def test_a_one_line_json_record_that_grows_into_json_lines_is_read_on(
    matcher: BrandMatcher, tmp_path: Path
) -> None:
    path = tmp_path / "feed.json"
    path.write_text(json.dumps(_item(1)) + "\n", "utf-8")
    pages, cursor = _poll(_listener(matcher, path), None)
    assert _ids(pages) == ["m1"]
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(_item(2)) + "\n")
    pages, _ = _poll(_listener(matcher, path), cursor)
    assert "m2" in _ids(pages) and _warnings(pages) == []  # m1 again: storage dedups it


def test_a_json_object_that_cannot_be_read_says_which_shape_is_expected(
    matcher: BrandMatcher, tmp_path: Path
) -> None:
    path = tmp_path / "odd.json"
    where = path.resolve()
    path.write_text(json.dumps({"data": [_item(1)], "included": [{"id": 2}]}), "utf-8")
    assert _warnings(_poll(_listener(matcher, path), None)[0]) == [
        f"{where}:1: the JSON object holds several arrays of records ('data', 'included'); "
        "convert the one with the posts to JSON Lines (e.g. with jq -c '.data[]') and "
        "import that"
    ]
    path.write_text(json.dumps({"body": "Kopi Senja", "user": "x"}, indent=2), "utf-8")
    assert _warnings(_poll(_listener(matcher, path), None)[0]) == [
        f"{where}:1: no 'text' key in the JSON object (keys: 'body', 'user'); set "
        "options.fields.text to 'body' if that holds the post text (they are read then)"
    ]
    path.write_text(json.dumps(_item(1), indent=1) + "\n" + json.dumps(_item(2), indent=1))
    (warning,) = _warnings(_poll(_listener(matcher, path), None)[0])
    assert "several JSON values one after another; a .json file holds one object" in warning


def test_a_json_object_still_being_written_is_read_once_whole(
    matcher: BrandMatcher, tmp_path: Path, clock: FakeClock
) -> None:
    path = tmp_path / "record.json"
    path.write_text(json.dumps(_item(1), indent=2)[:-20], "utf-8")
    now = int(clock.now.timestamp() * 1e9)
    os.utime(path, ns=(now, now))
    pages, cursor = _poll(_listener(matcher, path, clock=clock), None)
    assert _ids(pages) == [] and "JSON object is not closed yet" in _warnings(pages)[0]
    path.write_text(json.dumps(_item(1), indent=2), "utf-8")
    pages, _ = _poll(_listener(matcher, path, clock=clock), cursor)
    assert _ids(pages) == ["m1"] and _warnings(pages) == []
