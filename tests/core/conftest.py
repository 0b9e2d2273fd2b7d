"""A throwaway Simak project: config, sources and database under tmp_path."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url
from typer.testing import CliRunner, Result

from common.errors import EXIT_OK
from simak.app import App
from simak.cli import app
from storage.db import Database, open_database
from tests.conftest import BACKENDS, drop_pg_database, new_pg_database
from tests.core.forked import app_of
from tests.core.races import demo_project, run

MENTIONS = [
    ("1", "rina_ngopi", "Rina", "Kopi Senja hari ini enak banget, baristanya ramah 😍", "id"),
    ("2", "budi99", "Budi", "@kopisenja saya kena double charge, tolong refund segera!", "id"),
    ("3", "sarah_k", "Sarah", "Kopi Senja please add oat milk, would be nice", "en"),
    ("4", "joko", "Joko", "pesanan di app Kopi Senja gak bisa login udah 3 hari, kecewa", "id"),
    ("5", "rina_ngopi", "Rina", "makasih Kopi Senja, latte nya mantap seperti biasa", "id"),
    ("6", "random", "Random", "senja di pantai indah sekali hari ini", "id"),
]

FEED = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Blog kuliner</title><id>urn:blog</id><updated>2026-11-22T10:00:00Z</updated>
  <entry><title>Review Kopi Senja Kemang</title><id>urn:e1</id>
    <link href="https://blog.example/e1"/><updated>2026-11-22T09:00:00Z</updated>
    <author><name>Nadia</name></author>
    <summary>Kopi Senja Kemang enak, tapi antriannya lama banget dan AC mati.</summary></entry>
  <entry><title>Resep nasi goreng</title><id>urn:e2</id>
    <link href="https://blog.example/e2"/><updated>2026-11-21T09:00:00Z</updated>
    <summary>Tidak ada hubungannya dengan kopi.</summary></entry>
</feed>
"""


def write_mentions(path: Path, rows: list[tuple[str, str, str, str, str]]) -> None:
    with path.open("w", encoding="utf-8") as f:
        for ext, handle, name, text, lang in rows:
            f.write(
                json.dumps(
                    {
                        "id": ext,
                        "platform": "x",
                        "author": handle,
                        "author_name": name,
                        "text": text,
                        "lang": lang,
                        "created_at": "2026-11-22T08:00:00+07:00",
                        "url": f"https://x.example/{ext}",
                    }
                )
                + "\n"
            )


CONFIG = """
brands:
  - name: kopi-senja
    display_name: Kopi Senja
    terms: [Kopi Senja, kopisenja]
    handles: {x: kopisenja}
sources:
  - name: export
    type: files
    options: {path: mentions.jsonl}
  - name: blog
    type: feeds
    options: {urls: [feed.xml]}
classifier:
  backend: keywords
responder:
  business: {name: Kopi Senja, signer: Dina}
storage:
  url: DBURL
"""


class Project:
    """Files of one temp project, and a way to run the CLI on them."""

    def __init__(self, root: Path, db_url: str) -> None:
        self.root = root
        self.db_url = db_url
        self.config = root / "config.yaml"
        self.config.write_text(CONFIG.replace("DBURL", db_url), "utf-8")
        write_mentions(root / "mentions.jsonl", MENTIONS)
        (root / "feed.xml").write_text(FEED, encoding="utf-8")
        self.runner = CliRunner()

    def run(self, *args: str, input: str | None = None) -> Result:
        return self.runner.invoke(app, ["--config", str(self.config), *args], input=input)

    def json(self, *args: str) -> Any:
        result = self.run(*args, "--json")
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    def db(self) -> Database:
        """The project's database (already migrated by the CLI or the fixture)."""
        return open_database(self.db_url)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db_url: str) -> Project:
    """A temp project on each database backend (see tests/conftest.py)."""
    monkeypatch.delenv("SIMAK_DATABASE_URL", raising=False)
    monkeypatch.delenv("SIMAK_CONFIG", raising=False)
    monkeypatch.setenv("SIMAK_CACHE_DIR", str(tmp_path / "cache"))
    return Project(tmp_path, db_url)


ProjectFactory = Callable[[], Project]


@pytest.fixture(scope="module")
def _golden(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The demo polled once per backend and module (a poll takes seconds): its URL."""
    made: dict[str, str] = {}
    yield made
    if "postgresql" in made:
        drop_pg_database(made["postgresql"])


@pytest.fixture(params=BACKENDS)
def polled(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    _golden: dict[str, str],
) -> Iterator[tuple[Path, App]]:
    """A copy of the polled demo (see tests/core/races.py): (its config, an App on it)."""
    monkeypatch.delenv("SIMAK_DATABASE_URL", raising=False)
    backend = request.param
    if backend not in _golden:
        root = tmp_path.parent / f"golden-{backend}"
        url = (
            f"sqlite:///{root / 'simak.db'}"
            if backend == "sqlite"
            else new_pg_database(request.getfixturevalue("pg_template"))
        )
        code, _, err = run(demo_project(root, url), "poll")
        assert code == EXIT_OK, err
        _golden[backend] = url
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'simak.db'}"
        source = sqlite3.connect(_golden[backend].removeprefix("sqlite:///"))
        with source, sqlite3.connect(url.removeprefix("sqlite:///")) as copy:
            source.backup(copy)
        source.close()
    else:
        url = new_pg_database(str(make_url(_golden[backend]).database))
    config = demo_project(tmp_path / "demo", url)
    application = app_of(config)
    yield config, application
    application.db.dispose()
    if backend == "postgresql":
        drop_pg_database(url)
