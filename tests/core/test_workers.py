"""Workers: several `simak worker` processes share polling, classification, routing and
delivery through the database — every mention classified once, every follow-up created
once, every approved delivery sent once, also when a worker is SIGKILLed mid-run and
restarted; SIGTERM ends a worker cleanly. ``SIMAK_WORKER_TEST_N`` sets the size (the
acceptance figure is 10,000 on PostgreSQL)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import create_engine, text

from storage.db import open_database
from tests.core.races import no_traceback, run, simak
from tests.fakes.fixtures import *  # noqa: F403
from tests.fakes.fixtures import FAKE_ENV, channels_section
from tests.fakes.webhook import WebhookReceiver

N = int(os.environ.get("SIMAK_WORKER_TEST_N", "2000"))
SOURCES = 4


def _project(root: Path, db_url: str, receiver: WebhookReceiver, n: int = N) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    per = n // SOURCES
    for s in range(SOURCES):
        with (root / f"m{s}.jsonl").open("w", encoding="utf-8") as f:
            for j in range(per):
                i = s * per + j
                complaint = i % 2 == 1
                f.write(json.dumps({
                    "id": f"m{i}", "platform": "review", "author": f"a{i}",
                    "author_name": f"A {i}", "created_at": "2026-11-22T08:00:00+07:00",
                    "text": f"Kopi Senja pesanan {i} telat, kecewa" if complaint
                    else f"Kopi Senja enak {i}, mantap",
                }) + "\n")  # fmt: skip
    channels = channels_section(webhook=receiver)
    channels["webhook"]["idempotent_receiver"] = True  # interrupted sends are read back
    channels["webhook"]["read_back_settle_s"] = 1
    config = {
        "brands": [{"name": "kopi-senja", "display_name": "Kopi Senja", "terms": ["Kopi Senja"]}],
        "sources": [
            {"name": f"export-{s}", "type": "files", "options": {"path": f"m{s}.jsonl"}}
            for s in range(SOURCES)
        ],
        "classifier": {"backend": "keywords", "batch_size": 100},
        "responder": {
            "business": {"name": "Kopi Senja", "signer": "Dina"},
            "channels": channels,
            "rules": {"complaint": {"channels": ["webhook"], "auto_approve": True}},
        },
        "workers": {"idle_s": 0.3},
        "storage": {"url": db_url},
    }
    path = root / "config.yaml"
    path.write_text(yaml.safe_dump(config), "utf-8")
    return path


def _counts(db_url: str) -> dict[str, int]:
    engine = create_engine(db_url)
    queries = {
        "mentions": "SELECT count(*) FROM mentions",
        "new": "SELECT count(*) FROM mentions WHERE status = 'new'",
        "classified": "SELECT count(DISTINCT mention_id) FROM classifications",
        "classifications": "SELECT count(*) FROM classifications",
        "followups": "SELECT count(*) FROM followups",
        "linked": "SELECT count(*) FROM followup_mentions",
        "linked_mentions": "SELECT count(DISTINCT mention_id) FROM followup_mentions",
        "pending_send": "SELECT count(*) FROM followups WHERE status IN ('approved', 'sending')",
        "sent": "SELECT count(*) FROM followups WHERE status = 'sent'",
        "complaints": "SELECT count(*) FROM followups WHERE label = 'complaint'",
    }
    with engine.connect() as conn:
        out = {k: int(conn.execute(text(q)).scalar_one()) for k, q in queries.items()}
    engine.dispose()
    return out


def _wait(db_url: str, done: Any, timeout: float) -> dict[str, int]:
    deadline = time.monotonic() + timeout
    while True:
        counts = _counts(db_url)
        if done(counts) or time.monotonic() > deadline:
            return counts
        time.sleep(0.5)


def _stop(proc: subprocess.Popen[str]) -> tuple[int, str, str]:
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    return proc.returncode, out, err


def _sending(c: dict[str, int]) -> bool:
    return c["sent"] >= N // 20


@pytest.mark.timeout(1800)
def test_workers_process_every_mention_once_across_a_kill(
    db_url: str, tmp_path: Path, webhook_receiver: WebhookReceiver
) -> None:
    config = _project(tmp_path / "p", db_url, webhook_receiver)
    open_database(db_url).engine.dispose()  # the schema (SQLite: the file) before we look
    started = time.monotonic()
    workers = [simak(config, "worker", extra_env=FAKE_ENV) for _ in range(2)]
    # kill a worker mid-classification, then the other mid-delivery; restart each
    for victim, reached in ((0, lambda c: c["classified"] >= N // 3), (1, _sending)):
        _wait(db_url, reached, timeout=1500)
        workers[victim].send_signal(signal.SIGKILL)
        workers[victim].communicate(timeout=60)
        workers[victim] = simak(config, "worker", extra_env=FAKE_ENV)
    counts = _wait(
        db_url,
        lambda c: c["mentions"] == N and c["new"] == 0 and c["sent"] == N // 2,
        timeout=1500,
    )
    elapsed = time.monotonic() - started
    results = [_stop(w) for w in workers]  # SIGTERM: a clean exit
    assert all(code == 0 and no_traceback(o, e) for code, o, e in results), results
    print(f"\n{N} mentions by 2 workers with two SIGKILLs: {elapsed:.1f} s ({N / elapsed:.0f}/s)")
    assert counts["mentions"] == N and counts["new"] == 0
    assert counts["classifications"] == counts["classified"] == N  # each exactly once
    assert counts["followups"] == counts["linked"] == counts["linked_mentions"] == N
    assert counts["complaints"] == N // 2 and counts["sent"] == N // 2
    assert counts["pending_send"] == 0
    per = webhook_receiver.per_recipient()
    assert len(per) == N // 2 and set(per.values()) == {1}  # each person answered once
    assert len(webhook_receiver.deliveries) == N // 2
    # nothing left: one more cycle finds no work and exits 0
    code, out, err = run(config, "worker", "--once", "--json", extra_env=FAKE_ENV)
    report = json.loads(out)
    assert code == 0 and report["classified"] == report["sent"] == 0, err
    assert len(webhook_receiver.deliveries) == N // 2


def test_one_failure_is_one_line_and_the_worker_goes_on(
    db_url: str, tmp_path: Path, webhook_receiver: WebhookReceiver
) -> None:
    config = _project(tmp_path / "p", db_url, webhook_receiver)
    (tmp_path / "p" / "m0.jsonl").write_text("{not json\n", "utf-8")
    (tmp_path / "p" / "m1.jsonl").unlink()
    code, out, err = run(config, "worker", "--once", extra_env=FAKE_ENV)
    assert code == 1 and no_traceback(out, err), err
    assert "export-1" in err and len([ln for ln in err.splitlines() if "export-1" in ln]) == 1
    assert _counts(db_url)["mentions"] == 2 * (N // SOURCES)  # the other sources went on
