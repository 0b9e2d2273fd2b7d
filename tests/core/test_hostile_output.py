"""Untrusted text is inert on every screen, and secrets never leave — end to end through the
CLI, on both backends."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from werkzeug.serving import make_server

from tests.core.conftest import Project
from tests.core.races import demo_project, run

HOSTILE = (
    "Kopi Senja [/b] [/quote] [link=https://evil.example]kopisenja.com/refund[/link] "
    "[black on black]hidden[/] \x1b[2J\x1b[H cleared? \x1b]8;;https://evil.example\x07link"
    "\x1b]8;;\x07 \u202egnp.exe kecewa"
)


def write(project: Project, rows: list[dict[str, str]]) -> None:
    with (project.root / "mentions.jsonl").open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row) + "\n")


def test_markup_and_escape_sequences_are_shown_literally(project: Project) -> None:
    write(
        project,
        [
            {
                "id": "h1",
                "platform": "x",
                "author": "[bold]evil[/bold]",
                "author_name": "E\x1b[31mvil",
                "text": HOSTILE,
                "created_at": "2026-11-22T08:00:00+07:00",
            },
            {
                "id": "h2",
                "platform": "x",
                "author": "t",
                "text": "Kopi Senja ok",
                "created_at": "[red]2026-11-22[/red]",
            },
        ],
    )
    polled = project.run("poll")
    assert polled.exit_code in (0, 1), polled.output
    assert "[red]2026-11-22[/red]" in polled.stderr  # the bad timestamp, printed as written
    fid = str(project.json("queue", "--all")[0]["id"])
    for args in (("queue",), ("queue", "--drafts"), ("followup", "show", fid), ("sources",)):
        result = project.run(*args)
        assert result.exit_code == 0, (args, result.output)
        assert "\x1b" not in result.output and "\u202e" not in result.output, args
    shown = project.run("followup", "show", fid).output
    flat = " ".join(shown.split())
    assert "[/b] [/quote]" in flat and "[link=https://evil.example]" in flat
    assert "␛[2J" in flat and "<U+202E>" in flat
    # before: table cells given as strings were Rich markup, so `people show` made the
    # post's [link=…] a terminal hyperlink and dropped "[black on black]" and "[bold]"
    pid = str(project.json("people", "find", "evil")[0]["id"])
    for args in (("people", "show", pid), ("mentions",), ("audit",), ("ideas",)):
        result = project.run(*args)
        assert result.exit_code == 0 and "\x1b" not in result.output, args
    person = " ".join(project.run("people", "show", pid).output.split())
    assert "[link=https://evil.example]" in person and "[bold]evil[/bold]" in person


class _EchoingMastodon:
    """A Mastodon instance that answers 401 with a body echoing the token it was sent."""

    def __init__(self) -> None:
        from flask import Flask, request

        app = Flask("echo")

        @app.route("/<path:path>", methods=["GET", "POST"])
        def echo(path: str):  # type: ignore[no-untyped-def]
            token = request.headers.get("Authorization", "")
            return {"error": f"The access token is invalid: {token}"}, 401

        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"

    def __enter__(self) -> _EchoingMastodon:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()


@pytest.fixture
def echoing() -> Iterator[_EchoingMastodon]:
    with _EchoingMastodon() as server:
        yield server


def _dump(db_url: str) -> str:
    engine = create_engine(db_url)
    parts = []
    with engine.connect() as conn:
        for table in inspect(conn).get_table_names():
            for row in conn.execute(text(f"SELECT * FROM {table}")):
                parts.append(repr(tuple(row)))
    engine.dispose()
    return "\n".join(parts)


def test_a_server_echoing_its_credential_leaks_it_nowhere(
    db_url: str, tmp_path: Path, echoing: _EchoingMastodon
) -> None:
    canary = "CANARY-tok-9f8e7d6c5b4a"
    config = demo_project(tmp_path / "p", db_url)
    source = (
        "  - name: toots\n    type: mastodon\n"
        f"    options: {{api_base_url: {echoing.url}, access_token: '${{MASTODON_TOKEN}}', "
        "attempts: 1}\n"
    )
    config.write_text(config.read_text().replace("sources:\n", "sources:\n" + source), "utf-8")
    env = {"MASTODON_TOKEN": canary}
    code, out, err = run(config, "poll", extra_env=env)
    assert code == 1 and "toots" in err  # that source failed, the others ran
    for args in (("sources",), ("sources", "--json"), ("poll", "--json"), ("stats", "--json")):
        _, o, e = run(config, *args, extra_env=env)
        out, err = out + o, err + e
    assert canary not in out + err
    assert canary not in _dump(db_url)
