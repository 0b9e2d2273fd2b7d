"""The slow hostile cases (``make security``): real-time drips, multi-GiB files, and
the peak memory of a whole ``simak poll`` under ``/usr/bin/time -v`` for every hostile
feed and file, which must stay under 500 MB.

The figures are printed (run with ``-s``) and written to ``reports/security-rss.txt``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import pytest
import yaml

from common.errors import SourceUnavailable
from listeners.feeds import FeedsListener, FeedsOptions
from listeners.files import FilesListener, FilesOptions
from listeners.matching import BrandMatcher
from tests.listeners.conftest import FakeClock
from tests.listeners.hostile import HostileServer, gzip_in_gzip

pytestmark = pytest.mark.security


@pytest.fixture(autouse=True)
def _no_real_sleep() -> None:
    """Overrides the package's ban on real sleeps: real time is the point here (and
    subprocess waits poll with sleep)."""


ROOT = Path(__file__).resolve().parents[2]
SIMAK = Path(sys.executable).with_name("simak")
TIME = Path("/usr/bin/time")
LIMIT_MB = 500
GIB = 1024**3


def test_a_one_byte_per_second_feed_ends_at_its_deadline(
    matcher: BrandMatcher, clock: FakeClock
) -> None:
    with HostileServer(drip_s=1.0) as server:
        options = FeedsOptions(
            urls=[f"{server.url}/drip-body"], allow_private_hosts=True, deadline_s=3
        )
        source = FeedsListener("news", options, matcher, clock=clock, sleep=clock.sleep)
        started = time.monotonic()
        with pytest.raises(SourceUnavailable, match=r"took longer than 3 s \(deadline_s\)"):
            list(source.poll(None))
        assert time.monotonic() - started < 4.5  # timeout_s is 20 s per read


def test_a_2_gib_line_without_newline_is_skipped(matcher: BrandMatcher, tmp_path: Path) -> None:
    path = tmp_path / "export.jsonl"
    with path.open("wb") as f:
        f.write(b'{"id": "a", "text": "kopi senja"}\n')
        f.truncate(2 * GIB)  # a sparse 2 GiB line of zero bytes, no newline
    source = FilesListener("f", FilesOptions(path=str(path)), matcher)
    started = time.monotonic()
    pages = list(source.poll(None))
    assert [m.external_id for p in pages for m in p.mentions] == ["a"]
    assert [w for p in pages for w in p.warnings] == [
        f"{path}:2: record longer than 1048576 bytes (max_record_bytes); skipped"
    ]
    again = list(source.poll(pages[-1].cursor))  # not read again on the next poll
    assert [m for p in again for m in p.mentions] == []
    print(f"\n2 GiB line: two polls in {time.monotonic() - started:.1f} s")


def _config(tmp: Path, source: Mapping[str, object]) -> Path:
    config = {
        "brands": [{"name": "kopi", "terms": ["kopi senja"]}],
        "sources": [source],
        "classifier": {"backend": "keywords"},
        "storage": {"url": f"sqlite:///{tmp / 'simak.db'}"},
    }
    path = tmp / "config.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


def _peak_rss(config: Path) -> tuple[float, float, str]:
    """(peak RSS in MB, seconds, last stderr line) of ``simak --config config poll``."""
    started = time.monotonic()
    run = subprocess.run(  # nosec B603: our own entry point, no shell
        [str(TIME), "-v", str(SIMAK), "--config", str(config), "poll"],
        capture_output=True,
        text=True,
        timeout=float(os.environ.get("RSS_TIMEOUT", "300")),
        cwd=config.parent,
        env={**os.environ, "NO_COLOR": "1", "COLUMNS": "300"},
        check=False,
    )
    seconds = time.monotonic() - started
    found = re.search(r"Maximum resident set size \(kbytes\): (\d+)", run.stderr)
    assert found, run.stderr[-2000:]
    lines = [
        x.strip()
        for x in run.stderr.splitlines()
        if x.strip() and not x.startswith(("\t", "Command exited"))
    ]
    return int(found.group(1)) / 1024, seconds, (lines[-1] if lines else "")[:160]


def _hostile_files(tmp: Path) -> dict[str, str]:
    fifo = tmp / "pipe.jsonl"
    os.mkfifo(fifo)
    huge = tmp / "huge-line.jsonl"
    with huge.open("wb") as f:
        f.write(b'{"id": "a", "text": "kopi senja"}\n')
        f.truncate(2 * GIB)
    deep = tmp / "deep.jsonl"
    deep.write_bytes(
        b"[" * 100_000 + b"\n" + b'{"text": "kopi senja", "created_at": '
        b'"0001-01-01T00:00:00+14:00"}\n'
    )
    near_cap = tmp / "near-cap.jsonl"
    with near_cap.open("wb") as f:
        for n in range(150):  # 150 records of ~1 MB each (3 name the brand): pages flush by size
            text = b"kopi senja" if n % 50 == 0 else b"warung"
            f.write(b'{"id": "%d", "text": "%s ' % (n, text) + b"x" * 1_000_000 + b'"}\n')
    return {
        "file: /dev/zero": "/dev/zero",
        "file: FIFO": str(fifo),
        "file: 2 GiB line, no newline": str(huge),
        "file: [ x 100,000 and year-1 time": str(deep),
        "file: 150 records of 1 MB (3 mentions)": str(near_cap),
    }


def test_peak_rss_of_simak_poll_for_every_hostile_feed_and_file(tmp_path: Path) -> None:
    if not TIME.exists() or not SIMAK.exists():
        pytest.skip("needs /usr/bin/time and the simak entry point in the venv")
    results: list[tuple[str, float, float, str]] = []
    gzip_in_gzip()  # built before serving: building 1 GiB of zeros takes seconds
    with HostileServer(drip_s=1.0) as server:
        feeds = {
            "feed: tiny (baseline)": "/ok",
            "feed: gzip bomb 64 MB": "/gzip-bomb",
            "feed: gzip bomb 1 GiB (1 MB on the wire)": "/gzip-bomb-1g",
            "feed: gzip(gzip(1 GiB)) declared once, 1.8 KB": "/gzip-in-gzip",
            "feed: nested gzip, gzip": "/nested-gzip",
            "feed: zstd": "/zstd-bomb",
            "feed: drip 1 byte/s (body)": "/drip-body",
            "feed: drip 1 byte/s (headers)": "/drip-headers",
            "feed: Content-Length 10 TB": "/huge-length",
            "feed: 9.8 MB, 5,000 entries (50 mentions)": "/big-feed",
            "feed: 5 MB, 58,000 entries": "/many-entries",
        }
        cases: dict[str, dict[str, object]] = {
            label: {"urls": [server.url + path], "allow_private_hosts": True, "deadline_s": 5}
            for label, path in feeds.items()
        }
        cases["feed: /dev/zero as a path"] = {"urls": ["/dev/zero"]}
        for number, (label, options) in enumerate(cases.items()):
            case = tmp_path / f"feed{number}"
            case.mkdir()
            config = _config(case, {"name": "hostile", "type": "feeds", "options": options})
            results.append((label, *_peak_rss(config)))
    for number, (label, path) in enumerate(_hostile_files(tmp_path).items()):
        case = tmp_path / f"file{number}"
        case.mkdir()
        source = {"name": "hostile", "type": "files", "options": {"path": path}}
        results.append((label, *_peak_rss(_config(case, source))))
    table = "\n".join(
        f"{label:<48} {rss:7.1f} MB {seconds:6.1f} s  {line}"
        for label, rss, seconds, line in results
    )
    print("\npeak RSS of `simak poll` (keywords classifier):\n" + table)
    reports = ROOT / "reports"
    reports.mkdir(exist_ok=True)
    (reports / "security-rss.txt").write_text(table + "\n", encoding="utf-8")
    assert all(rss < LIMIT_MB for _, rss, _, _ in results), table
