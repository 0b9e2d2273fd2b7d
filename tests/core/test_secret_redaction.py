"""Credentials reach no person and no log: known secrets in every spelling, and tokens a
config wrote out in a URL (``?token=``) or a server echoed back in an Authorization header."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import text

from common.redact import Redactor
from storage.db import hide_password
from tests.core.conftest import Project

LITERAL = "canary-literal-feed-tok-81"
FROM_ENV = "canary/env+feed key"


def test_known_secrets_are_hidden_as_written_url_encoded_and_json_escaped() -> None:
    redact = Redactor([FROM_ENV, 'quo"te\\pass'])
    said = redact("a canary/env+feed key b canary%2Fenv%2Bfeed%20key c canary%2Fenv%2Bfeed+key")
    assert said == "a *** b *** c ***"
    assert redact('{"password": "quo\\"te\\\\pass"}') == '{"password": "***"}'


def test_tokens_in_query_strings_and_authorization_headers_are_hidden() -> None:
    redact = Redactor()
    assert redact("HTTP 401 from https://h/feed.xml?token=abc123; check it") == (
        "HTTP 401 from https://h/feed.xml?token=***; check it"
    )
    assert redact("GET /x?a=1&access_token=zz-9&b=2") == "GET /x?a=1&access_token=***&b=2"
    assert redact("headers={'Authorization': 'Bearer eyJ0eXAi.abc'}") == (
        "headers={'Authorization': 'Bearer ***'}"
    )
    assert redact("Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIi") == "Bearer ***"
    # customers' words and ordinary URLs stay as they are
    words = "a basic question for the bearer of news; see https://blog.example/p?id=7&key=v"
    assert redact(words) == words


class _Echo(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = f"unauthorized: {self.path} {dict(self.headers)}".encode()
        self.send_response(401)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def echo_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_a_refused_private_feed_leaks_its_token_nowhere(
    project: Project, echo_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FEED_KEY", FROM_ENV)
    urls = f'["{echo_url}/a.xml?token={LITERAL}", "{echo_url}/b.xml?key=${{FEED_KEY}}"]'
    config = project.config.read_text("utf-8").replace(
        "options: {urls: [feed.xml]}", f"options: {{urls: {urls}, allow_private_hosts: true}}"
    )
    project.config.write_text(config, "utf-8")
    said = [project.run("poll").output, project.run("sources", "--json").output]
    said.append(project.run("--log-format", "json", "worker", "--once").output)
    with project.db().session() as session:
        said += [str(r) for r in session.execute(text("SELECT * FROM source_state"))]
    everything = "\n".join(said)
    assert "HTTP 401 from" in everything and "a.xml?token=***" in everything
    for secret in (LITERAL, FROM_ENV, "canary%2Fenv%2Bfeed"):
        assert secret not in everything


def test_a_secret_urls_path_is_hidden_when_a_server_echoes_only_the_path() -> None:
    redact = Redactor(["https://hooks.example.com/services/T01/B02/XyZ9canary", "https://h.io/x"])
    assert redact("404: no route for /services/T01/B02/XyZ9canary") == "404: no route for ***"
    assert redact("POST /x failed") == "POST /x failed"


def test_a_database_password_given_in_the_query_is_hidden() -> None:
    url = "postgresql+psycopg:///simak?host=db.internal&user=simak&password=canary-db-pw"
    assert hide_password(url) == (
        "postgresql+psycopg:///simak?host=db.internal&user=simak&password=***"
    )
    assert "canary-db-pw" not in Redactor()(f"cannot use database {url}: refused")
