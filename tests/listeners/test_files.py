"""The files listener: JSONL and CSV exports, warnings per bad line, incremental reads."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from common.errors import SourceUnavailable
from listeners.base import Listener, PollPage
from listeners.files import FileFields, FilesListener, FilesOptions
from listeners.matching import BrandMatcher
from tests.listeners.conftest import FakeClock


def _listener(
    matcher: BrandMatcher, path: Path, clock: FakeClock | None = None, **opts: object
) -> FilesListener:
    options = FilesOptions(path=str(path), **opts)
    if clock is None:
        return FilesListener("exports", options, matcher, env={})
    return FilesListener("exports", options, matcher, env={}, clock=clock)


def _written(
    path: Path, clock: FakeClock, text: str, *, ago_s: float, append: bool = False
) -> None:
    """Write (or append) ``text``; the file's mtime is ``ago_s`` seconds before the clock."""
    with path.open("a" if append else "w", encoding="utf-8") as f:
        f.write(text)
    at = int((clock.now - timedelta(seconds=ago_s)).timestamp() * 1e9)
    os.utime(path, ns=(at, at))


def _poll(listener: FilesListener, cursor: str | None) -> tuple[list[PollPage], str | None]:
    pages = list(listener.poll(cursor))
    for page in pages:
        cursor = page.cursor or cursor
    return pages, cursor


def _line(i: int, text: str, **extra: object) -> str:
    row = {"id": f"m{i}", "text": text, "author": f"user{i}", "created_at": "2026-11-20T08:00:00Z"}
    return json.dumps({**row, **extra}, ensure_ascii=False) + "\n"


def test_is_a_listener(matcher: BrandMatcher, tmp_path: Path) -> None:
    assert isinstance(_listener(matcher, tmp_path / "a.jsonl"), Listener)


def test_jsonl_first_poll_then_only_appended_lines(matcher: BrandMatcher, tmp_path: Path) -> None:
    path = tmp_path / "export.jsonl"
    path.write_text(
        _line(1, "Kopi Senja enak bgt 😍", lang="id")
        + _line(2, "cuaca hari ini cerah")  # not a mention
        + "{not json\n"
        + "\n"
        + _line(3, "kopisenja app nya lemot, tolong fix dong")
        + '["a list"]\n'
        + json.dumps({"id": "m9", "author": "x"})
        + "\n",
        encoding="utf-8",
    )
    listener = _listener(matcher, path)
    pages, cursor = _poll(listener, None)
    mentions = [m for p in pages for m in p.mentions]
    warnings = [w for p in pages for w in p.warnings]
    assert [m.external_id for m in mentions] == ["m1", "m3"]
    assert warnings[0].startswith(f"{path.resolve()}:3: not valid JSON")
    assert warnings[1].startswith(f"{path.resolve()}:6: expected a JSON object")
    assert warnings[2] == f"{path.resolve()}:7: missing 'text'"
    first = mentions[0]
    assert first.brand == "Kopi Senja"
    assert first.platform == "file"
    assert first.author.handle == "user1"
    assert first.created_at == datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
    assert first.lang_hint == "id"
    assert json.loads(first.raw_json)["text"] == "Kopi Senja enak bgt 😍"

    assert _poll(listener, cursor)[0] == []  # unchanged: nothing at all

    with path.open("a", encoding="utf-8") as f:
        f.write(_line(4, "Kopi Senja cabang baru kapan buka?"))
    pages, cursor = _poll(listener, cursor)
    assert [m.external_id for p in pages for m in p.mentions] == ["m4"]
    assert _poll(listener, cursor)[0] == []


def test_line_numbers_continue_after_append(matcher: BrandMatcher, tmp_path: Path) -> None:
    path = tmp_path / "e.jsonl"
    path.write_text(_line(1, "kopi senja") + _line(2, "kopi senja"), encoding="utf-8")
    listener = _listener(matcher, path)
    _, cursor = _poll(listener, None)
    with path.open("a", encoding="utf-8") as f:
        f.write("oops\n")
    pages, _ = _poll(listener, cursor)
    assert pages[0].warnings[0].startswith(f"{path.resolve()}:3: not valid JSON")


def test_incomplete_last_line_is_read_when_completed(matcher: BrandMatcher, tmp_path: Path) -> None:
    path = tmp_path / "e.jsonl"
    full = _line(2, "Kopi Senja mantap")
    path.write_text(_line(1, "kopi senja oke") + full[:20], encoding="utf-8")
    listener = _listener(matcher, path)
    pages, cursor = _poll(listener, None)
    assert [m.external_id for p in pages for m in p.mentions] == ["m1"]
    assert "incomplete last line" in pages[-1].warnings[0]
    path.write_text(_line(1, "kopi senja oke") + full, encoding="utf-8")
    pages, _ = _poll(listener, cursor)
    assert [m.external_id for p in pages for m in p.mentions] == ["m2"]


def test_whole_last_line_without_newline_is_read_once(
    matcher: BrandMatcher, tmp_path: Path
) -> None:
    # Many exporters end the file without a newline: the last record was never read
    # ("incomplete last line" on every poll, forever).
    path = tmp_path / "e.jsonl"
    path.write_text(_line(1, "kopi senja oke") + _line(2, "Kopi Senja mantap").rstrip("\n"))
    listener = _listener(matcher, path)
    pages, cursor = _poll(listener, None)
    assert [m.external_id for p in pages for m in p.mentions] == ["m1", "m2"]
    assert [w for p in pages for w in p.warnings] == []
    assert _poll(listener, cursor)[0] == []  # read once
    with path.open("a", encoding="utf-8") as f:  # the next export run appends
        f.write("\n" + _line(3, "kopi senja lagi") + "oops\n")
    pages, _ = _poll(listener, cursor)
    assert [m.external_id for p in pages for m in p.mentions] == ["m3"]
    assert pages[0].warnings[0].startswith(f"{path.resolve()}:4: not valid JSON")


def test_pages_resume_after_a_crash_without_loss_or_duplicates(
    matcher: BrandMatcher, tmp_path: Path
) -> None:
    path = tmp_path / "e.jsonl"
    path.write_text("".join(_line(i, f"kopi senja #{i}") for i in range(5)), encoding="utf-8")
    listener = _listener(matcher, path, page_size=2)
    pages = list(listener.poll(None))
    assert [len(p.mentions) for p in pages] == [2, 2, 1]
    # The caller stored page 1 and crashed: resuming from its cursor reads the rest.
    rest, _ = _poll(listener, pages[0].cursor)
    assert [m.external_id for p in rest for m in p.mentions] == ["m2", "m3", "m4"]


def test_replaced_file_is_read_again_with_a_warning(matcher: BrandMatcher, tmp_path: Path) -> None:
    path = tmp_path / "e.jsonl"
    path.write_text(_line(1, "kopi senja") + _line(2, "kopi senja"), encoding="utf-8")
    listener = _listener(matcher, path)
    _, cursor = _poll(listener, None)
    path.write_text(_line(7, "Kopi Senja lagi"), encoding="utf-8")
    pages, _ = _poll(listener, cursor)
    assert [m.external_id for p in pages for m in p.mentions] == ["m7"]
    assert "replaced or truncated" in pages[0].warnings[0]


def test_csv_with_bad_rows_multiline_fields_and_append(
    matcher: BrandMatcher, tmp_path: Path
) -> None:
    path = tmp_path / "export.csv"
    path.write_text(
        "\ufeffid,text,author,created_at,lang\n"
        '1,"Kopi Senja\nenak, murah",budi,2026-11-20T01:02:03+07:00,id\n'
        "2,too,few\n"
        "3,kopisenja mahal,sari,not-a-date,id\n"
        "4,tidak relevan,ani,1763600000,en\n",
        encoding="utf-8",
    )
    listener = _listener(matcher, path)
    pages, cursor = _poll(listener, None)
    mentions = [m for p in pages for m in p.mentions]
    warnings = [w for p in pages for w in p.warnings]
    assert [m.external_id for m in mentions] == ["1"]
    assert mentions[0].text == "Kopi Senja\nenak, murah"
    assert mentions[0].created_at == datetime(2026, 11, 19, 18, 2, 3, tzinfo=UTC)
    assert warnings == [
        f"{path.resolve()}:4: expected 5 fields, found 3",
        f"{path.resolve()}:5: unreadable or out-of-range 'created_at' value 'not-a-date'",
    ]
    assert _poll(listener, cursor)[0] == []
    with path.open("a", encoding="utf-8") as f:
        f.write("5,Kopi Senja best,dewi,1763600000000,id\n")
    pages, _ = _poll(listener, cursor)
    assert [m.external_id for p in pages for m in p.mentions] == ["5"]


@pytest.mark.parametrize(
    "bad",
    [
        '2,"Kopi Senja unclosed,sari\n',  # never closed: ran on to the end of the file
        '2,"Kopi Senja ""so"" unclosed,sari\n',  # closed by the next row's quote
    ],
)
def test_csv_unclosed_quote_does_not_swallow_the_rows_after_it(
    matcher: BrandMatcher, tmp_path: Path, bad: str
) -> None:
    path = tmp_path / "export.csv"
    path.write_text(
        "id,text,author\n"
        "1,Kopi Senja enak,budi\n"
        + bad
        + "3,Kopi Senja mahal,ani\n"
        + '4,"Kopi Senja\nbaris dua, ""enak""",dewi\n'
        + "5,Kopi Senja buka jam 6 dong,eko\n",
        encoding="utf-8",
    )
    listener = _listener(matcher, path)
    pages, cursor = _poll(listener, None)
    mentions = [m for p in pages for m in p.mentions]
    assert [m.external_id for m in mentions] == ["1", "3", "4", "5"]
    assert mentions[2].text == 'Kopi Senja\nbaris dua, "enak"'
    warnings = [w for p in pages for w in p.warnings]
    assert warnings == [
        f"{path.resolve()}:3: unclosed quote; the rows after it are read on their own"
    ]
    assert _poll(listener, cursor)[0] == []


def test_csv_last_row_of_a_live_file_waits_and_is_read_once_whole(
    matcher: BrandMatcher, tmp_path: Path, clock: FakeClock
) -> None:
    # The exporter is still writing: the last row is cut in its last column.
    path = tmp_path / "export.csv"
    _written(path, clock, "id,text,author\n1,Kopi Senja enak,budi\n2,Kopi Senja mahal,sa", ago_s=5)
    listener = _listener(matcher, path, clock)
    pages, cursor = _poll(listener, None)
    assert [m.external_id for p in pages for m in p.mentions] == ["1"]
    # said, not silent: before, a user saw 1 of 2 rows and no word about the other
    (said,) = [w for p in pages for w in p.warnings]
    assert said.startswith(f"{path}:3: the last row has no newline yet") and "settle_s" in said
    again, _ = _poll(listener, cursor)  # still live: still waits, nothing twice
    assert [m for p in again for m in p.mentions] == [] and len(again[0].warnings) == 1
    _written(path, clock, "ri\n3,kopisenja buka jam 6,eko\n", ago_s=5, append=True)
    pages, cursor = _poll(listener, cursor)
    mentions = [m for p in pages for m in p.mentions]
    assert [(m.external_id, m.author.handle) for m in mentions] == [("2", "sari"), ("3", "eko")]
    assert _poll(listener, cursor)[0] == []


def test_csv_without_final_newline_is_read_whole_once_the_file_settled(
    matcher: BrandMatcher, tmp_path: Path, clock: FakeClock
) -> None:
    # A Google Sheets export: no final newline, written long ago.
    path = tmp_path / "sheet.csv"
    _written(
        path, clock, "id,text,author\n1,Kopi Senja enak,budi\n2,Kopi Senja mahal,sari", ago_s=3600
    )
    listener = _listener(matcher, path, clock)
    pages, cursor = _poll(listener, None)
    assert [m.external_id for p in pages for m in p.mentions] == ["1", "2"]
    assert _poll(listener, cursor)[0] == []  # read once
    _written(path, clock, "\n3,kopisenja buka jam 6,eko", ago_s=5, append=True)
    assert [m.external_id for p in _poll(listener, cursor)[0] for m in p.mentions] == []
    clock.now += timedelta(seconds=60)  # the default settle_s has passed since the append
    pages, cursor = _poll(listener, cursor)
    assert [m.external_id for p in pages for m in p.mentions] == ["3"]
    assert [w for p in pages for w in p.warnings] == []
    assert _poll(listener, cursor)[0] == []


def test_csv_quoted_field_running_into_the_end_of_a_live_file_waits(
    matcher: BrandMatcher, tmp_path: Path, clock: FakeClock
) -> None:
    path = tmp_path / "export.csv"
    _written(path, clock, 'id,text,author\n1,"Kopi Senja\nenak', ago_s=0)
    listener = _listener(matcher, path, clock, settle_s=10)
    pages, cursor = _poll(listener, None)
    assert [m for p in pages for m in p.mentions] == []
    assert [w.split(": ", 1)[1][:31] for p in pages for w in p.warnings] == [
        "the last row has no newline yet"
    ]
    _written(path, clock, ' banget",budi\n', ago_s=0, append=True)
    pages, _ = _poll(listener, cursor)
    assert [m.text for p in pages for m in p.mentions] == ["Kopi Senja\nenak banget"]


def test_jsonl_broken_last_line_of_a_settled_file_is_one_warning(
    matcher: BrandMatcher, tmp_path: Path, clock: FakeClock
) -> None:
    path = tmp_path / "e.jsonl"
    _written(path, clock, _line(1, "kopi senja oke") + '{"id": "m2", "te', ago_s=120)
    listener = _listener(matcher, path, clock)
    pages, cursor = _poll(listener, None)
    assert [m.external_id for p in pages for m in p.mentions] == ["m1"]
    warnings = [w for p in pages for w in p.warnings]
    assert len(warnings) == 1 and warnings[0].startswith(f"{path.resolve()}:2: not valid JSON")
    assert _poll(listener, cursor)[0] == []  # not "incomplete last line" on every poll


def test_field_mapping_dotted_paths_and_content_ids(matcher: BrandMatcher, tmp_path: Path) -> None:
    path = tmp_path / "tool.ndjson"
    row = {"body": "kopi senja!", "user": {"screen_name": "budi", "id": 42}, "network": "x"}
    path.write_text(json.dumps(row) + "\n", encoding="utf-8")
    fields = FileFields(
        text="body", author="user.screen_name", author_id="user.id", platform="network"
    )
    listener = _listener(matcher, path, fields=fields)
    mention = next(iter(listener.poll(None))).mentions[0]
    assert mention.platform == "x"
    assert mention.author.key == "x:42"
    assert mention.external_id.startswith("sha256:")
    again = next(iter(_listener(matcher, path, fields=fields).poll(None))).mentions[0]
    assert again.external_id == mention.external_id


def test_directory_and_glob(matcher: BrandMatcher, tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").write_text(_line(1, "kopi senja"), encoding="utf-8")
    (tmp_path / "b.csv").write_text("id,text\nc1,kopi senja\n", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("ignored", encoding="utf-8")
    pages, cursor = _poll(_listener(matcher, tmp_path), None)
    assert sorted(m.external_id for p in pages for m in p.mentions) == ["c1", "m1"]
    assert (
        _poll(_listener(matcher, tmp_path / "*.jsonl"), None)[0][0].mentions[0].external_id == "m1"
    )
    assert _poll(_listener(matcher, tmp_path), cursor)[0] == []


def test_missing_path_is_source_unavailable(matcher: BrandMatcher, tmp_path: Path) -> None:
    with pytest.raises(SourceUnavailable, match="no readable file"):
        list(_listener(matcher, tmp_path / "nope.jsonl").poll(None))
    # An empty drop folder (or a glob matching nothing yet) is just "nothing new".
    assert list(_listener(matcher, tmp_path).poll(None)) == []
    assert list(_listener(matcher, tmp_path / "*.csv").poll(None)) == []


def test_options_forbid_unknown_keys() -> None:
    with pytest.raises(ValueError, match="extra"):
        FilesOptions.model_validate({"path": "x", "pth": "y"})


def test_csv_header_without_the_text_column_is_one_warning_and_nothing_is_skipped(
    matcher: BrandMatcher, tmp_path: Path
) -> None:
    # A European Excel export: semicolons. Before, every row was "missing 'text'" and
    # the cursor moved past them, so fixing csv_delimiter afterwards found nothing.
    path = tmp_path / "export.csv"
    path.write_text("id;text\n1;Kopi Senja enak\n2;Kopi Senja mahal\n", encoding="utf-8")
    pages, cursor = _poll(_listener(matcher, path), None)
    assert [m for p in pages for m in p.mentions] == []
    assert [w for p in pages for w in p.warnings] == [
        f"{path.resolve()}:1: no 'text' column in the header ('id;text'); the file looks "
        "separated by ';': set options.csv_delimiter (rows are read then)"
    ]
    pages, _ = _poll(_listener(matcher, path, csv_delimiter=";"), cursor)
    assert [m.external_id for p in pages for m in p.mentions] == ["1", "2"]


def test_csv_header_names_the_column_that_differs_only_in_case(
    matcher: BrandMatcher, tmp_path: Path
) -> None:
    path = tmp_path / "export.csv"
    path.write_text("ID,Text\n1,Kopi Senja enak\n", encoding="utf-8")
    pages, _ = _poll(_listener(matcher, path), None)
    assert "set options.fields.text to 'Text'" in pages[0].warnings[0]


def test_csv_in_another_encoding_is_said_not_silently_garbled(
    matcher: BrandMatcher, tmp_path: Path
) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes("id,text\n1,Kopi Senja caf\xe9\n2,Kopi Senja cr\xe8me\n".encode("cp1252"))
    pages, _ = _poll(_listener(matcher, path), None)
    assert [m.text for p in pages for m in p.mentions] == [
        "Kopi Senja caf\ufffd",
        "Kopi Senja cr\ufffdme",
    ]
    assert [w for p in pages for w in p.warnings] == [
        f"{path.resolve()}:2: not valid utf-8; the bytes it cannot read are shown as \ufffd "
        "(set options.encoding to the file's, e.g. cp1252)"
    ]
    pages, _ = _poll(_listener(matcher, path, encoding="cp1252"), None)
    assert [m.text for p in pages for m in p.mentions] == ["Kopi Senja café", "Kopi Senja crème"]
    assert [w for p in pages for w in p.warnings] == []
