"""Benchmark `simak people find`: server time of one search over 20,000 people.

    python benchmarks/bench_people_search.py [--people 20000] [--runs 30] [--pg-url URL]

Writes the people and their handles through the real write path (``handles_for``, in
pages of 1,000, as a poll does), on SQLite and, when a PostgreSQL admin URL is given
(``--pg-url`` or $SIMAK_TEST_PG_URL, as scripts/with-postgres exports), on a fresh
PostgreSQL database; then times ``find_people`` for a few queries (a handle, a name
typed without its accents, one found by many, a miss): 3 warm-up runs, then ``--runs``
(median and max in milliseconds).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import fresh_pg_database

FIRST = ["José", "Müller", "Çağrı", "Budi", "Siti", "Łukasz", "Zoë", "Nguyễn", "Ayşe", "Rina"]
LAST = ["Ramírez", "Santoso", "Yılmaz", "Dvořák", "Wijaya", "Søren", "Pérez", "Hartono"]
QUERIES = {  # n=1233 is "Budi Dvořák 1233", @user1233
    "handle": "user1233",
    "unaccented_name": "dvorak 1233",
    "many": "budi",
    "miss": "zzqx",
}


def build(url: str, people: int) -> float:
    """``people`` authors written through handles_for; returns the seconds it took."""
    from common.records import Author
    from storage.db import open_database
    from storage.handles import handles_for

    db = open_database(url)
    now = datetime.now(UTC)
    start = time.perf_counter()
    for page in range(0, people, 1000):
        authors = [
            Author(
                "x",
                user_id=str(n),
                handle=f"user{n}",
                display_name=f"{FIRST[n % len(FIRST)]} {LAST[n // 10 % len(LAST)]} {n}",
                email=f"user{n}@contoh.id" if n % 3 == 0 else None,
            )
            for n in range(page, min(page + 1000, people))
        ]
        with db.session() as session:
            handles_for(session, authors, now)
    took = time.perf_counter() - start
    if db.dialect == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")
    db.dispose()
    return took


def measure(url: str, runs: int) -> dict[str, Any]:
    from storage.db import open_database
    from storage.people_search import find_people

    db = open_database(url)
    out: dict[str, Any] = {}
    for name, query in QUERIES.items():
        times = []
        for i in range(3 + runs):
            with db.read() as session:
                start = time.perf_counter()
                found = find_people(session, query)
                elapsed = (time.perf_counter() - start) * 1000
            if i >= 3:
                times.append(elapsed)
        out[name] = {
            "query": query,
            "found": len(found),
            "median_ms": round(statistics.median(times), 1),
            "max_ms": round(max(times), 1),
        }
    db.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--pg-url", default=os.environ.get("SIMAK_TEST_PG_URL"))
    args = parser.parse_args()
    result: dict[str, Any] = {"people": args.people}
    with tempfile.TemporaryDirectory() as tmp:
        backends = [("sqlite", f"sqlite:///{Path(tmp) / 'bench.db'}")]
        if args.pg_url:
            backends.append(
                ("postgresql", fresh_pg_database(args.pg_url, f"bench_{uuid.uuid4().hex[:8]}"))
            )
        for backend, url in backends:
            built = build(url, args.people)
            result[backend] = {"write_s": round(built, 1), **measure(url, args.runs)}
            print(f"{backend}: {result[backend]}", file=sys.stderr)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
