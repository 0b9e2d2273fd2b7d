"""Delivery end to end, with `simak` processes and local fake providers, on both backends:
the chosen private channel per person, exactly once, fallbacks with their reason, rate
limits that delay one channel only, and senders killed at random moments."""

from __future__ import annotations

import json
import random
import signal
import time
from pathlib import Path
from typing import Any

import yaml

from common.errors import EXIT_OK
from tests.core.races import no_traceback, run, simak
from tests.fakes.fixtures import *  # noqa: F403
from tests.fakes.fixtures import FAKE_ENV, channels_section
from tests.fakes.smtp import SmtpSink
from tests.fakes.webhook import WebhookReceiver
from tests.fakes.x import FakeX


def project(root: Path, db_url: str, channels: dict[str, Any], rules: dict[str, Any]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    config = {
        "brands": [{"name": "kopi-senja", "display_name": "Kopi Senja", "terms": ["Kopi Senja"]}],
        "sources": [{"name": "export", "type": "files", "options": {"path": "mentions.jsonl"}}],
        "classifier": {"backend": "keywords"},
        "responder": {
            "business": {"name": "Kopi Senja", "signer": "Dina"},
            "channels": channels,
            "rules": rules,
        },
        "storage": {"url": db_url},
    }
    path = root / "config.yaml"
    path.write_text(yaml.safe_dump(config), "utf-8")
    return path


def mentions(root: Path, rows: list[dict[str, Any]]) -> None:
    with (root / "mentions.jsonl").open("w", encoding="utf-8") as f:
        for i, row in enumerate(rows):
            base = {"id": f"m{i}", "created_at": "2026-11-22T08:00:00+07:00"}
            f.write(json.dumps(base | row) + "\n")


def simak_ok(config: Path, *args: str) -> str:
    code, out, err = run(config, *args, extra_env=FAKE_ENV)
    assert code == EXIT_OK and no_traceback(out, err), err + out
    return out


def queue(config: Path) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads(simak_ok(config, "queue", "--all", "--json"))
    return rows


def test_each_person_is_answered_once_on_their_channel(
    db_url: str, tmp_path: Path, fake_x: FakeX, smtp_sink: SmtpSink,
    webhook_receiver: WebhookReceiver,
) -> None:  # fmt: skip
    channels = channels_section(x=fake_x, smtp=smtp_sink, webhook=webhook_receiver)
    rules = {"complaint": {"channels": ["x_dm", "email", "webhook", "manual"]}}
    config = project(tmp_path / "p", db_url, channels, rules)
    mentions(
        tmp_path / "p",
        [
            {
                "platform": "x",
                "author": "rinaw",
                "author_id": "2244994945",
                "author_name": "Rina",
                "text": "Kopi Senja enak banget, baristanya ramah",
            },
            {
                "platform": "x",
                "author": "budi",
                "author_id": "1111",
                "author_name": "Budi",
                "author_email": "budi@example.com",
                "text": "Kopi Senja kena double charge, kecewa",
            },
            {
                "platform": "instagram",
                "author": "sari",
                "author_name": "Sari",
                "author_email": "sari@example.com",
                "text": "Kopi Senja tolong tambahin oat milk",
            },
            {
                "platform": "review",
                "author": "joko",
                "author_name": "Joko",
                "text": "Kopi Senja antrinya lama banget, kecewa",
            },
        ],
    )
    simak_ok(config, "poll")
    simak_ok(config, "followup", "approve", "--all", "--yes")
    simak_ok(config, "send")
    assert fake_x.per_recipient() == {"2244994945": 1}  # Rina by DM
    assert smtp_sink.count("budi@example.com") == 1  # Budi's DMs are closed: email instead
    assert smtp_sink.count("sari@example.com") == 1
    assert len(webhook_receiver.deliveries) == 1 and webhook_receiver.duplicates == 0  # Joko
    rows = {r["author"]: r for r in queue(config)}
    assert {r["status"] for r in rows.values()} == {"sent"}
    assert all(r["external_id"] for r in rows.values())  # the provider's id is the proof
    assert rows["Budi"]["channel"] == "email" and "x_dm" in rows["Budi"]["channel_note"]
    simak_ok(config, "send")  # nothing left to send: nothing is sent again
    assert fake_x.count() == 1 and smtp_sink.count() == 2 and len(webhook_receiver.deliveries) == 1


def _many(root: Path, n: int) -> None:
    rows = []
    for i in range(n):
        if i % 2:
            rows.append(
                {
                    "platform": "review",
                    "author": f"c{i}",
                    "author_name": f"C {i}",
                    "text": f"Kopi Senja pesanan {i} telat, kecewa",
                }
            )
        else:
            rows.append(
                {
                    "platform": "review",
                    "author": f"p{i}",
                    "author_name": f"P {i}",
                    "author_email": f"p{i}@example.com",
                    "text": f"Kopi Senja enak {i}, mantap",
                }
            )
    mentions(root, rows)


def test_two_senders_over_a_thousand_follow_ups_deliver_each_once(
    db_url: str, tmp_path: Path, smtp_sink: SmtpSink, webhook_receiver: WebhookReceiver
) -> None:
    channels = channels_section(smtp=smtp_sink, webhook=webhook_receiver)
    rules = {"complaint": {"channels": ["webhook", "manual"]}, "praise": {"channels": ["email"]}}
    config = project(tmp_path / "p", db_url, channels, rules)
    _many(tmp_path / "p", 1000)
    simak_ok(config, "poll")
    simak_ok(config, "followup", "approve", "--all", "--yes")
    senders = [simak(config, "send", extra_env=FAKE_ENV) for _ in range(2)]
    results = [(p.wait(600), *p.communicate()) for p in senders]
    assert all(code == EXIT_OK and no_traceback(o, e) for code, o, e in results), results
    assert smtp_sink.count() == 500 and set(smtp_sink.per_message_id().values()) == {1}
    assert len(webhook_receiver.deliveries) == 500 and webhook_receiver.duplicates == 0
    assert {r["status"] for r in queue(config)} == {"sent"}


def test_killed_senders_never_deliver_twice_and_lose_nothing(
    db_url: str, tmp_path: Path, smtp_sink: SmtpSink, webhook_receiver: WebhookReceiver
) -> None:
    channels = channels_section(smtp=smtp_sink, webhook=webhook_receiver)
    channels["webhook"]["idempotent_receiver"] = True  # it dedups by webhook-id: read-back
    channels["webhook"]["read_back_settle_s"] = 2
    rules = {"complaint": {"channels": ["webhook", "manual"]}, "praise": {"channels": ["email"]}}
    config = project(tmp_path / "p", db_url, channels, rules)
    _many(tmp_path / "p", 160)
    simak_ok(config, "poll")
    simak_ok(config, "followup", "approve", "--all", "--yes")
    rng = random.Random(3)
    for _ in range(10):
        proc = simak(config, "send", extra_env=FAKE_ENV)
        time.sleep(rng.uniform(0.4, 2.5))
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=60)
    for _ in range(4):  # interrupted webhooks are read back once 2 s have passed
        code, out, err = run(config, "send", extra_env=FAKE_ENV)
        assert no_traceback(out, err) and code in (0, 1), err
        if "sending" not in {r["status"] for r in queue(config)}:
            break
        time.sleep(2.5)
    assert set(smtp_sink.per_message_id().values()) <= {1}  # never twice
    assert webhook_receiver.duplicates == 0 or all(
        n == 1 for n in webhook_receiver.per_recipient().values()
    )
    rows = queue(config)
    statuses = {r["status"] for r in rows}
    assert statuses <= {"sent", "unknown"}, statuses  # nothing lost, nothing half-done
    unknown = [r for r in rows if r["status"] == "unknown"]
    assert all(r["channel"] == "email" for r in unknown)  # webhooks were read back
    listed = json.loads(simak_ok(config, "queue", "--status", "unknown", "--json"))
    assert {r["id"] for r in listed} == {r["id"] for r in unknown}
    sent_by_mail = {r["id"] for r in rows if r["status"] == "sent" and r["channel"] == "email"}
    assert smtp_sink.count() >= len(sent_by_mail)


def test_a_429_storm_on_one_channel_delays_only_that_channel(
    db_url: str, tmp_path: Path, fake_x: FakeX, smtp_sink: SmtpSink
) -> None:
    channels = channels_section(x=fake_x, smtp=smtp_sink)
    config = project(tmp_path / "p", db_url, channels, {})
    mentions(
        tmp_path / "p",
        [
            {
                "platform": "x",
                "author": "rinaw",
                "author_id": "2244994945",
                "author_name": "Rina",
                "text": "Kopi Senja enak banget",
            },
            {
                "platform": "instagram",
                "author": "sari",
                "author_name": "Sari",
                "author_email": "sari@example.com",
                "text": "Kopi Senja mantap",
            },
        ],
    )
    simak_ok(config, "poll")
    simak_ok(config, "followup", "approve", "--all", "--yes")
    reset = str(int(time.time()) + 900)
    fake_x.fail_next(429, headers={"x-rate-limit-reset": reset}, times=50)
    out = simak_ok(config, "send")
    assert "to retry later" in out and "refused by a rate limit" in out  # with the reason
    rows = {r["author"]: r for r in queue(config)}
    assert rows["Sari"]["status"] == "sent" and smtp_sink.count() == 1
    assert rows["Rina"]["status"] == "approved" and fake_x.count() == 0
    assert "429" in (rows["Rina"]["status_note"] or "") or rows["Rina"]["status_note"]


SETTLE_S = 15  # X may need this long to show a DM: "not found" before it means nothing
# (long enough that the two simak processes before the read-back fit in it on a loaded machine)


def _two_x_complaints(root: Path) -> None:
    mentions(
        root,
        [
            {
                "platform": "x",
                "author": f"user{uid}",
                "author_id": uid,
                "author_name": f"User {uid}",
                "text": f"Kopi Senja pesanan {uid} telat, kecewa",
            }
            for uid in ("2244994945", "5555")
        ],
    )


def _x_project(root: Path, db_url: str, fake_x: FakeX) -> Path:
    channels = channels_section(x=fake_x)
    channels["x_dm"].update(timeout_s=0.5, read_back_settle_s=SETTLE_S)
    config = project(root, db_url, channels, {"complaint": {"channels": ["x_dm", "manual"]}})
    _two_x_complaints(root)
    simak_ok(config, "poll")
    simak_ok(config, "followup", "approve", "--all", "--yes")
    return config


def test_a_send_with_no_answer_is_read_back_at_once_not_left_to_a_person(
    db_url: str, tmp_path: Path, fake_x: FakeX
) -> None:
    config = _x_project(tmp_path / "p", db_url, fake_x)
    fake_x.hang_next()  # X stores the DM, then never answers

    report = json.loads(simak_ok(config, "send", "--json"))

    assert report["counts"]["sent"] == 2 and report["counts"]["unknown"] == 0, report
    found = [r for r in report["results"] if "read back" in r["detail"]]
    assert len(found) == 1 and "no answer came" in found[0]["detail"]
    assert fake_x.per_recipient() == {"2244994945": 1, "5555": 1}
    assert {r["status"] for r in queue(config)} == {"sent"}


def test_a_send_with_no_answer_waits_in_flight_and_the_next_send_settles_it(
    db_url: str, tmp_path: Path, fake_x: FakeX
) -> None:
    config = _x_project(tmp_path / "p", db_url, fake_x)
    fake_x.fail_next(503)  # a 5xx: it may have arrived, X does not show it yet

    code, out, err = run(config, "send", "--json", extra_env=FAKE_ENV)
    attempted_by = time.time()
    first = json.loads(out)
    waiting = queue(config)

    assert code == EXIT_OK and no_traceback(out, err), err
    assert first["counts"]["checking"] == 1 and first["counts"]["sent"] == 0, first
    assert first["held"] == {"x_dm": 1}  # no answer: no more X sends this run
    assert sorted(r["status"] for r in waiting) == ["approved", "sending"]
    again = json.loads(simak_ok(config, "send", "--json"))  # too early to read it back
    assert again["recovered"] == [] and again["counts"]["sent"] == 1
    assert fake_x.per_recipient() == {"5555": 1}
    time.sleep(max(0.0, attempted_by + SETTLE_S + 0.3 - time.time()))
    second = json.loads(simak_ok(config, "send", "--json"))

    assert second["recovered"][0]["outcome"] == "retry"  # read back: it never arrived
    assert second["counts"]["sent"] == 1
    assert fake_x.per_recipient() == {"2244994945": 1, "5555": 1}
    assert {r["status"] for r in queue(config)} == {"sent"}
