"""A source the platform rate-limited is not called again before the time it gave: the
wait is kept in the database (source_state.retry_at), so the next `simak poll`, worker
cycle or poll job skips it without an HTTP call; it is neither a success nor a failure."""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import responses

from simak.app import App
from simak.config import load_settings
from simak.usecases.poll import poll, wait_line
from simak.usecases.worker import due_sources
from storage.sources import RunOutcome, record_run
from tests.core.conftest import Project

TOKEN = "https://www.reddit.com/api/v1/access_token"
OAUTH = re.compile(r"https://oauth\.reddit\.com/.*")
REDDIT = """  - name: reddit-kopi
    type: reddit
    options:
      client_id: ${SIMAK_TEST_REDDIT_ID}
      client_secret: ${SIMAK_TEST_REDDIT_SECRET}
      api_approved: true
classifier:"""


def _listing(created: float) -> dict[str, Any]:
    post = {
        "id": "k1", "name": "t3_k1", "title": "Kopi Senja mantap", "selftext": "",
        "author": "budi", "author_fullname": "t2_budi", "subreddit": "indonesia",
        "created_utc": created, "permalink": "/r/indonesia/comments/k1/x/",
    }  # fmt: skip
    return {"kind": "Listing", "data": {"after": None, "dist": 1, "children": [
        {"kind": "t3", "data": post}]}}  # fmt: skip


@pytest.fixture
def reddit(project: Project, monkeypatch: pytest.MonkeyPatch) -> Project:
    monkeypatch.setenv("SIMAK_TEST_REDDIT_ID", "cid-1234")
    monkeypatch.setenv("SIMAK_TEST_REDDIT_SECRET", "secret-1234")
    text = project.config.read_text("utf-8").replace("classifier:", REDDIT, 1)
    project.config.write_text(text, "utf-8")
    return project


def _calls() -> int:
    return sum(1 for c in responses.calls if OAUTH.match(c.request.url or ""))


def _health(project: Project) -> dict[str, Any]:
    return {h["name"]: h for h in project.json("sources")}


@responses.activate
def test_429_keeps_the_source_waiting_until_retry_at(reddit: Project) -> None:
    responses.post(TOKEN, json={"access_token": "t", "token_type": "bearer",
                                "expires_in": 86400, "scope": "*"})  # fmt: skip
    responses.get(OAUTH, status=429, headers={"Retry-After": "3600"}, json={})
    first = reddit.run("poll", "--json")
    assert first.exit_code == 0, first.output  # rate limited is not a failure
    limited = {s["name"]: s for s in json.loads(first.stdout)["sources"]}
    assert limited["reddit-kopi"]["status"] == "rate_limited"
    assert limited["export"]["status"] == "ok"
    assert _calls() == 1

    second = reddit.run("poll", "--source", "reddit-kopi")
    assert second.exit_code == 0, second.output  # waiting is not a failure either
    assert _calls() == 1  # the platform was not called again
    line = [x for x in second.stderr.splitlines() if x.startswith("reddit-kopi:")]
    assert len(line) == 1
    assert re.fullmatch(r"reddit-kopi: rate limited by the platform, next try after "
                        r"(\d{4}-\d\d-\d\d )?\d\d:\d\d WIB", line[0]), line  # fmt: skip
    waiting = reddit.json("poll", "--source", "reddit-kopi")["sources"][0]
    assert waiting["status"] == "waiting" and waiting["ok"] and _calls() == 1

    health = _health(reddit)["reddit-kopi"]
    assert health["status"] == "rate_limited" and health["retry_at"]
    assert health["last_success_at"] is None and health["consecutive_failures"] == 0
    table = reddit.run("sources").stdout
    assert "never" in table  # last success: never, not "1s ago"
    flat = " ".join(table.split())  # 80 columns: the problem is a line under the table
    assert re.search(r"reddit-kopi: rate limited by the platform, next try after \S+ WIB", flat)
    retry_at = datetime.fromisoformat(health["retry_at"])
    assert timedelta(minutes=59) < retry_at - datetime.now(UTC) <= timedelta(hours=1)

    # Past retry_at (by the app's clock) the source is polled again and the wait cleared.
    later = retry_at + timedelta(seconds=1)
    env = dict(os.environ)
    app = App(load_settings(reddit.config, env), reddit.config, env, clock=lambda: later)
    assert "reddit-kopi" in due_sources(app, later)
    responses.replace(responses.GET, OAUTH, json=_listing(later.timestamp() - 60))
    report = poll(app, only="reddit-kopi")
    (source,) = report.sources
    assert source.status == "ok" and source.stored == 1, source
    assert _calls() == 2
    health = _health(reddit)["reddit-kopi"]
    assert health["status"] == "ok" and health["retry_at"] is None
    assert health["last_success_at"] is not None


def test_workers_do_not_schedule_a_waiting_source(reddit: Project) -> None:
    env = dict(os.environ)
    now = datetime(2026, 12, 6, 8, 0, tzinfo=UTC)
    app = App(load_settings(reddit.config, env), reddit.config, env, clock=lambda: now)
    outcome = RunOutcome(0, 0, 0, 1, None, rate_limited=True, retry_at=now + timedelta(hours=1))
    with app.db.session() as session:
        record_run(session, "reddit-kopi", "reddit", outcome, now - timedelta(hours=1))
    assert "reddit-kopi" not in due_sources(app, now)
    assert "reddit-kopi" in due_sources(app, now + timedelta(hours=1, seconds=1))


def test_wait_line_rounds_up_and_names_another_day() -> None:
    now = datetime(2026, 12, 6, 8, 0, tzinfo=UTC)
    at = datetime(2026, 12, 6, 8, 31, 20, tzinfo=UTC)
    assert wait_line(at, now) == "rate limited by the platform, next try after 08:32 UTC"
    tomorrow = at + timedelta(days=1)
    assert wait_line(tomorrow, now).endswith("after 2026-12-07 08:32 UTC")
    assert wait_line(now, now).endswith("tried again by the next poll")
