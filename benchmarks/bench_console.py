"""Benchmark the web console: p95 server time of the queue page and the ideas board.

    python benchmarks/bench_console.py [--out reports/bench_console.json] [--pg-url URL]

Builds 100,000 mentions (20,000 people, each with one open follow-up whose conversation
holds five posts; 5,000 ideas in 400 groups) with bulk inserts, on SQLite and, when a
PostgreSQL admin URL is given (``--pg-url`` or $SIMAK_TEST_PG_URL, as scripts/with-postgres
exports), on a fresh PostgreSQL database. Each page is requested through the real ASGI app
(signed in, 50 rows per queue page) 5 times to warm up, then ``--runs`` times; the figures
are server times in milliseconds (median, p95, max). Target: p95 <= 150 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import fresh_pg_database

MENTIONS = 100_000
FOLLOWUPS = 20_000
IDEAS = 5_000
GROUPS = 400
BATCH = 5_000
CONFIG = """
brands:
  - name: kopi-senja
    display_name: Kopi Senja
    terms: [Kopi Senja]
sources: []
classifier: {backend: keywords}
responder:
  business: {name: Kopi Senja, signer: Dina}
storage:
  url: URL
"""


def _chunks(rows: list[dict[str, Any]]) -> Any:
    for start in range(0, len(rows), BATCH):
        yield rows[start : start + BATCH]


def _insert(conn: Any, table: Any, rows: list[dict[str, Any]]) -> None:
    for chunk in _chunks(rows):
        conn.execute(table.insert(), chunk)


def build_data(url: str) -> None:
    """Bulk-insert the data set into a migrated database at ``url``."""
    from storage.db import open_database
    from storage.models import (
        ClassificationRow,
        ConversationPost,
        FollowUp,
        Idea,
        IdeaGroup,
        MentionRow,
        Person,
    )

    db = open_database(url)
    now = datetime.now(UTC)
    per = MENTIONS // FOLLOWUPS
    people = [
        {"id": p, "display_name": f"Customer {p}", "created_at": now}
        for p in range(1, FOLLOWUPS + 1)
    ]
    mentions, labels = [], []
    for m in range(1, MENTIONS + 1):
        person = (m - 1) // per + 1
        idea = m % (MENTIONS // IDEAS) == 0
        text = (
            f"Kopi Senja pesanan {m} belum datang, tolong cek"
            if not idea
            else (f"Kopi Senja please add oat milk option {m % GROUPS}")
        )
        created = now - timedelta(minutes=m)
        mentions.append(
            {
                "id": m,
                "platform": "x",
                "external_id": str(m),
                "source": "bench",
                "brand": "kopi-senja",
                "person_id": person,
                "author_handle": f"cust{person}",
                "author_name": f"Customer {person}",
                "text": text,
                "text_hash": uuid.uuid4().hex,
                "lang": "id",
                "url": f"https://x.example/{m}",
                "created_at": created,
                "fetched_at": created,
                "raw_json": "{}",
                "status": "routed",
            }
        )
        labels.append(
            {
                "mention_id": m,
                "labels": ["idea"] if idea else ["complaint"],
                "praise": 0.1,
                "complaint": 0.1 if idea else 0.9,
                "idea": 0.9 if idea else 0.1,
                "lang": "id",
                "model": "bench",
                "created_at": created,
                "is_current": True,
            }
        )
    followups, posts = [], []
    for f in range(1, FOLLOWUPS + 1):
        first = (f - 1) * per + 1
        followups.append(
            {
                "id": f,
                "kind": "conversation",
                "mention_id": first,
                "person_id": f,
                "brand": "kopi-senja",
                "status": "open",
                "version": 1,
                "last_post_at": now,
                "label": "complaint",
                "priority": f % 5,
                "due_at": now + timedelta(minutes=f),
                "channel": "manual",
                "lang": "id",
                "subject": "",
                "draft": f"Halo Kak {f}, maaf ya.",
                "idempotency_key": f"bench-{f}",
                "attempts": 0,
                "created_at": now,
                "updated_at": now,
                "recipient": {"platform": "x", "handle": f"cust{f}"},
            }
        )
        posts += [{"mention_id": first + i, "followup_id": f, "added_at": now} for i in range(per)]
    groups = [
        {
            "id": g,
            "brand": "kopi-senja",
            "title": f"Idea {g}",
            "renamed": False,
            "status": "new",
            "space": "bench",
            "centroid": bytes(16),
            "size": IDEAS // GROUPS,
            "created_at": now,
            "updated_at": now,
        }
        for g in range(1, GROUPS + 1)
    ]
    ideas = [
        {
            "mention_id": m["id"],
            "person_id": m["person_id"],
            "brand": "kopi-senja",
            "group_key": f"g{(m['id'] // (MENTIONS // IDEAS)) % GROUPS}",
            "group_id": (m["id"] // (MENTIONS // IDEAS)) % GROUPS + 1,
            "title": m["text"],
            "status": "new",
            "created_at": m["created_at"],
        }
        for m in mentions
        if m["id"] % (MENTIONS // IDEAS) == 0
    ]
    with db.engine.begin() as conn:
        for model, rows in (
            (Person, people),
            (MentionRow, mentions),
            (ClassificationRow, labels),
            (FollowUp, followups),
            (ConversationPost, posts),
            (IdeaGroup, groups),
            (Idea, ideas),
        ):
            _insert(conn, model.__table__, rows)
    if db.dialect == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")
    db.dispose()


def measure(url: str, root: Path, runs: int) -> dict[str, Any]:
    """Server times of /queue (its first and second page) and /ideas on the database at
    ``url``."""
    from starlette.testclient import TestClient

    from simak.app import App
    from simak.config import load_settings
    from simak.usecases import users
    from simak.web.server import build

    config = root / "config.yaml"
    config.write_text(CONFIG.replace("URL", url), "utf-8")
    env: dict[str, str] = {}
    app = App(load_settings(config, env), config, env)
    users.add(app, "bench", "owner", "bench-password", "bench")
    client = TestClient(build(app, "bench-secret"), base_url="http://127.0.0.1")
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert token
    done = client.post(
        "/login",
        data={"username": "bench", "password": "bench-password", "csrf_token": token.group(1)},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    out: dict[str, Any] = {}
    # the second page, as its Next link names it (keyset: after the first page's last row)
    second = str(client.get("/queue", params={"format": "json"}).json()["next"])
    pages = [("queue", "/queue"), ("queue_next_page", second.replace("&format=json", ""))]
    for name, path in (*pages, ("ideas", "/ideas")):
        times = []
        for i in range(5 + runs):
            start = time.perf_counter()
            response = client.get(path)
            elapsed = (time.perf_counter() - start) * 1000
            assert response.status_code == 200, response.text[:300]
            if i >= 5:
                times.append(elapsed)
        times.sort()
        rows = response.text.count('class="item"') + response.text.count('class="group"')
        out[name] = {
            "median_ms": round(statistics.median(times), 1),
            "p95_ms": round(times[max(0, int(len(times) * 0.95) - 1)], 1),
            "max_ms": round(times[-1], 1),
            "rows": rows,
        }
    app.db.dispose()
    return out


def _scale(factor: float) -> None:
    """Shrink the data set for a smoke run (this script's own constants, nothing else)."""
    global MENTIONS, FOLLOWUPS, IDEAS, GROUPS
    FOLLOWUPS = max(10, int(FOLLOWUPS * factor))
    MENTIONS = FOLLOWUPS * 5
    IDEAS = max(10, int(IDEAS * factor)) // 10 * 10
    GROUPS = max(2, int(GROUPS * factor))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", help="write the JSON here (default: stdout)")
    parser.add_argument("--pg-url", default=os.environ.get("SIMAK_TEST_PG_URL"))
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument(
        "--scale", type=float, default=1.0, help="data size as a fraction (smoke runs: 0.01)"
    )
    args = parser.parse_args()
    _scale(args.scale)
    result: dict[str, Any] = {
        "mentions": MENTIONS,
        "open_followups": FOLLOWUPS,
        "ideas": IDEAS,
        "idea_groups": GROUPS,
        "target_p95_ms": 150,
    }
    with tempfile.TemporaryDirectory() as tmp:
        backends = [("sqlite", f"sqlite:///{Path(tmp) / 'bench.db'}")]
        if args.pg_url:
            backends.append(
                ("postgresql", fresh_pg_database(args.pg_url, f"bench_{uuid.uuid4().hex[:8]}"))
            )
        for backend, url in backends:
            start = time.perf_counter()
            build_data(url)
            print(f"{backend}: data built in {time.perf_counter() - start:.1f} s", file=sys.stderr)
            result[backend] = measure(url, Path(tmp), args.runs)
            print(f"{backend}: {result[backend]}", file=sys.stderr)
    text = json.dumps(result, indent=2)
    if args.out:
        Path(args.out).write_text(text + "\n", "utf-8")
    else:
        print(text)


if __name__ == "__main__":
    main()
