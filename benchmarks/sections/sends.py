"""Section ``sends``: ``simak send`` through the email channel to a local SMTP server.

N approved follow-ups (1,000; quick: 20), each to a different person with a known email
address, go out through ``simak send`` (one process) to an aiosmtpd server on 127.0.0.1
(``tests/fakes/smtp.py``, plain SMTP on loopback, no rate limit configured). Setup
(poll with the keywords backend, ``followup approve --all``) is not timed. Reported per
backend: wall seconds of ``simak send`` (process start included) and sends/s, after
checking the server received exactly one message per follow-up.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from benchmarks.common import Context, fresh_pg_database, run_simak, simak_env, write_config

NAME = "sends"


def _project(ctx: Context, root: Path, db_url: str, n: int, smtp: Any) -> Path:
    from tests.fakes.fixtures import email_options

    root.mkdir(parents=True, exist_ok=True)
    with (root / "m.jsonl").open("w", encoding="utf-8") as f:
        for i in range(n):
            row = {
                "id": f"s{i}", "platform": "review", "author": f"p{i}", "author_name": f"P {i}",
                "author_email": f"p{i}@example.com", "text": f"Kopi Senja enak {i}, mantap",
                "created_at": "2026-11-22T08:00:00+07:00",
            }  # fmt: skip
            f.write(json.dumps(row) + "\n")
    rules = {label: {"channels": ["email"]} for label in ("praise", "complaint", "idea")}
    return write_config(
        root, db_url,
        sources=[{"name": "export", "type": "files", "options": {"path": "m.jsonl"}}],
        classifier={"backend": "keywords"},
        responder={"channels": {"email": email_options(smtp)}, "rules": rules},
    )  # fmt: skip


def _send(ctx: Context, root: Path, db_url: str, n: int) -> dict[str, Any]:
    from tests.fakes.smtp import SmtpSink

    with SmtpSink(security="none") as smtp:
        config = _project(ctx, root, db_url, n, smtp)
        env = simak_env(ctx.tmp / "cache")
        run_simak(config, "poll", env=env)
        run_simak(config, "followup", "approve", "--all", "--yes", env=env)
        ctx.log(f"sends: simak send of {n} follow-ups")
        seconds, _ = run_simak(config, "send", env=env)
        received = smtp.count()
        once = set(smtp.per_message_id().values()) == {1}
    if received != n or not once:
        raise RuntimeError(f"the SMTP server received {received} messages for {n} follow-ups")
    return {"send_s": round(seconds, 2), "sends_per_s": round(n / seconds, 1)}


def run(ctx: Context) -> dict[str, Any]:
    """Measure; see the module docstring."""
    n = ctx.scaled(1000, 20)
    report: dict[str, Any] = {"follow_ups": n, "channel": "email", "smtp": "aiosmtpd, loopback"}
    report["sqlite"] = _send(ctx, ctx.tmp / "sends-sqlite", f"sqlite:///{ctx.tmp}/sends.db", n)
    if ctx.pg_url:
        url = fresh_pg_database(ctx.pg_url, "simak_bench_sends")
        report["postgresql"] = _send(ctx, ctx.tmp / "sends-pg", url, n)
    else:
        report["postgresql"] = {"skipped": "no PostgreSQL server (run under scripts/with-postgres)"}
    return report
