"""The daily digest: once per brand and day whatever runs overlap, nothing on a quiet day,
in the team's language — through a real SMTP server, on both backends."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from storage import digests
from storage.db import Database, open_database
from storage.models import Digest
from tests.core.forked import Where, act_in, race, result, start, waits
from tests.core.races import demo_project, no_traceback, run, simak
from tests.fakes.fixtures import *  # noqa: F403
from tests.fakes.fixtures import FAKE_ENV, email_options
from tests.fakes.smtp import SmtpSink


def _config(tmp_path: Path, db_url: str, sink: SmtpSink, lang: str = "id") -> Path:
    config = demo_project(tmp_path / "p", db_url)
    import yaml

    data = yaml.safe_load(config.read_text())
    data["responder"]["channels"] = {"email": email_options(sink)}
    data["digest"] = {"to": ["owner@kopisenja.example"], "channel": "email", "lang": lang}
    config.write_text(yaml.safe_dump(data), "utf-8")
    return config


def test_overlapping_digests_send_one_per_brand_and_day(
    db_url: str, tmp_path: Path, smtp_sink: SmtpSink
) -> None:
    config = _config(tmp_path, db_url, smtp_sink)
    code, _, err = run(config, "poll", extra_env=FAKE_ENV)
    assert code == 0, err
    procs = [simak(config, "digest", extra_env=FAKE_ENV) for _ in range(3)]
    results = [(p.wait(120), *p.communicate()) for p in procs]
    assert [c for c, _, _ in results] == [0, 0, 0] and all(
        no_traceback(o, e) for _, o, e in results
    )
    assert smtp_sink.count() == 1
    # the others say it went out, or that another run holds it (sending it right now)
    assert sum("already sent" in o or "claimed" in o for _, o, _ in results) == 2
    mail = smtp_sink.mails[0]
    assert mail.message["Subject"].startswith("Ringkasan harian — Kopi Senja")
    assert "keluhan" in mail.message.get_content()
    again = run(config, "digest", extra_env=FAKE_ENV)
    assert again[0] == 0 and "already sent" in again[1] and smtp_sink.count() == 1


_CLAIMED: Where = ("storage.digests", "claim", "after")  # its transaction not committed
_CLAIMING: Where = ("storage.digests", "claim", "before")  # no write transaction open yet
_SENDING: Where = ("simak.usecases.digest", "_send", "before")  # claimed, not yet sent


def _digest(config: Path, who: str) -> tuple[Any, tuple[Any, ...]]:
    """`simak digest` in a forked child (tests/core/forked.py), known as ``who``."""
    return act_in, (FAKE_ENV, config, who, "simak.usecases.digest:run_digest", ())


@pytest.mark.parametrize("moment", ["claiming", "sending"])
def test_a_digest_run_while_another_holds_the_day_sends_nothing(
    db_url: str, tmp_path: Path, smtp_sink: SmtpSink, moment: str
) -> None:
    """Run A has claimed today's digest and stops: its claim not yet committed (run B
    gets to its own claim meanwhile, then waits for A), or committed with the mail not
    yet sent (B runs to the end). B sends nothing either way; one mail goes out."""
    config = _config(tmp_path, db_url, smtp_sink)
    assert run(config, "poll", extra_env=FAKE_ENV)[0] == 0
    a, b = _digest(config, "a"), _digest(config, "b")
    if moment == "claiming":
        results = race(db_url, (*a, _CLAIMED), b, second_at=_CLAIMING)
    else:
        results = race(db_url, (*a, _SENDING), b, second_ends_first=True)
    assert [r[0] for r in results.values()] == ["ok", "ok"], results
    sent, lost = results["a"][1], results["b"][1]
    assert [r.outcome for r in sent] == ["sent"], sent
    waited = ("claimed", "already_sent") if moment == "claiming" else ("claimed",)
    assert [r.outcome for r in lost] in [[w] for w in waited], lost
    assert smtp_sink.count() == 1
    db = open_database(db_url)
    with db.read() as session:
        assert session.execute(select(Digest.brand, Digest.status)).all() == [
            ("kopi-senja", "sent")
        ]
    db.dispose()


def test_a_dry_run_prints_the_digest_and_uses_up_nothing(
    db_url: str, tmp_path: Path, smtp_sink: SmtpSink
) -> None:
    """An owner reads the digest before setting up e-mail (before: no way to see it
    without a channel); a dry run neither sends nor claims the day."""
    config = demo_project(tmp_path / "p", db_url)  # no digest: block, no channel
    assert run(config, "poll", extra_env=FAKE_ENV)[0] == 0
    code, out, err = run(config, "digest", "--dry-run", "--lang", "id", extra_env=FAKE_ENV)
    assert code == 0 and no_traceback(out, err), err
    assert "not sent (--dry-run)" in out and "Subject: Ringkasan harian — Kopi Senja" in out
    assert "Keluhan kritis" in out
    code, out, _ = run(config, "digest", "--dry-run", "--json", extra_env=FAKE_ENV)
    (preview,) = json.loads(out)
    assert preview["subject"].startswith("Daily digest — Kopi Senja") and not preview["quiet"]
    assert preview["sent_already"] is False
    assert run(config, "digest", "--lang", "id", extra_env=FAKE_ENV)[0] == 2  # --dry-run only
    sending = _config(tmp_path / "q", db_url, smtp_sink)
    assert run(sending, "poll", extra_env=FAKE_ENV)[0] == 0
    assert run(sending, "digest", "--dry-run", extra_env=FAKE_ENV)[0] == 0
    code, out, _ = run(sending, "digest", extra_env=FAKE_ENV)
    assert code == 0 and smtp_sink.count() == 1, out  # the dry run did not use up the day


def test_a_quiet_day_sends_nothing(db_url: str, tmp_path: Path, smtp_sink: SmtpSink) -> None:
    config = _config(tmp_path, db_url, smtp_sink, lang="en")
    (tmp_path / "p" / "examples" / "mentions.jsonl").write_text("", "utf-8")
    (tmp_path / "p" / "examples" / "blog_feed.xml").write_text(
        '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title></feed>',
        "utf-8",
    )
    assert run(config, "poll", extra_env=FAKE_ENV)[0] == 0
    code, out, _ = run(config, "digest", extra_env=FAKE_ENV)
    assert code == 0 and "quiet" in out and smtp_sink.count() == 0
    # A quiet check (a worker right after start-up, an early cron) does not use up the day:
    # a critical complaint later today still goes out in today's digest, once.
    now = datetime.now(UTC).isoformat()
    text = "Kopi Senja bikin saya keracunan, diare semalaman"
    post = {"id": "late", "platform": "review", "author": "putri", "created_at": now, "text": text}
    (tmp_path / "p" / "examples" / "mentions.jsonl").write_text(json.dumps(post) + "\n", "utf-8")
    assert run(config, "poll", extra_env=FAKE_ENV)[0] == 0
    code, out, err = run(config, "digest", extra_env=FAKE_ENV)
    assert code == 0 and smtp_sink.count() == 1, (out, err)
    assert "keracunan" in smtp_sink.mails[0].message.get_content()
    again = run(config, "digest", extra_env=FAKE_ENV)
    assert again[0] == 0 and "already sent" in again[1] and smtp_sink.count() == 1


def test_a_worker_reports_a_digest_it_could_not_send(db_url: str, tmp_path: Path) -> None:
    import json

    import yaml

    from tests.fakes.server import free_port

    config = demo_project(tmp_path / "p", db_url)
    data = yaml.safe_load(config.read_text())
    closed = {"host": "127.0.0.1", "port": free_port(), "security": "none", "timeout_s": 2}
    data["responder"]["channels"] = {"email": {**closed, "sender": "Kopi <halo@kopi.example>"}}
    data["digest"] = {"to": ["owner@kopisenja.example"], "channel": "email", "hour": 0}
    config.write_text(yaml.safe_dump(data), "utf-8")
    code, out, err = run(config, "--log-format", "json", "worker", "--once", extra_env=FAKE_ENV)
    assert code == 1 and no_traceback(out, err), err
    lines = [json.loads(line) for line in err.splitlines()]
    failed = [ln for ln in lines if ln["msg"].startswith("digest kopi-senja: failed")]
    assert len(failed) == 1 and failed[0]["level"] == "error", err
    assert out == "" and "failures 1" in lines[-1]["msg"]  # the totals: the last log line


def test_a_digest_that_could_not_be_sent_says_so_on_stderr(db_url: str, tmp_path: Path) -> None:
    """The README's cron line discards nothing for the digest, but `>/dev/null` on it must
    still let a failure through (cron mails stderr)."""
    import yaml

    from tests.fakes.server import free_port

    config = demo_project(tmp_path / "p", db_url)
    data = yaml.safe_load(config.read_text())
    closed = {"host": "127.0.0.1", "port": free_port(), "security": "none", "timeout_s": 2}
    data["responder"]["channels"] = {"email": {**closed, "sender": "Kopi <halo@kopi.example>"}}
    data["digest"] = {"to": ["owner@kopisenja.example"], "channel": "email"}
    config.write_text(yaml.safe_dump(data), "utf-8")
    assert run(config, "poll", extra_env=FAKE_ENV)[0] == 0
    code, out, err = run(config, "digest", extra_env=FAKE_ENV)
    assert code == 1 and no_traceback(out, err), err
    assert "kopi-senja" in err and ": failed — " in err and "failed" not in out, (out, err)


def test_a_complaint_is_quoted_not_the_praise_it_joined(
    db_url: str, tmp_path: Path, smtp_sink: SmtpSink
) -> None:
    config = _config(tmp_path, db_url, smtp_sink, lang="en")
    posts = [
        ("p1", "2026-11-20T08:00:00+07:00", "Kopi Senja enak banget, mantap, recommended"),
        ("p2", "2026-11-21T08:00:00+07:00",
         "Setelah minum es kopi dari Kopi Senja saya sakit perut dan diare semalaman, kecewa"),
    ]  # fmt: skip
    lines = [
        json.dumps({"id": i, "platform": "review", "author": "kev", "created_at": at,
                    "author_name": "Kevin Tanoto", "text": text})
        for i, at, text in posts
    ]  # fmt: skip
    (tmp_path / "p" / "examples" / "mentions.jsonl").write_text("\n".join(lines) + "\n", "utf-8")
    assert run(config, "poll", "--source", "demo-export", extra_env=FAKE_ENV)[0] == 0
    code, out, err = run(config, "digest", extra_env=FAKE_ENV)
    assert code == 0 and "sent" in out, err
    body = smtp_sink.mails[0].message.get_content()
    kevin = [line for line in body.splitlines() if "Kevin Tanoto" in line]
    assert len(kevin) == 1 and "sakit perut" in kevin[0] and "mantap" not in kevin[0], body


def test_a_customer_name_is_one_short_line_of_the_digest(
    db_url: str, tmp_path: Path, smtp_sink: SmtpSink
) -> None:
    """A display name with a line break forged a line of the team's digest ("Bcc: …" on its
    own line), a bidi override flipped the line, and a 5,000-letter name filled the mail."""
    config = _config(tmp_path, db_url, smtp_sink, lang="en")
    names = ["Evil Inc.\r\nBcc: x@example.com", "\u202eRina", "N" * 5000]
    lines = [
        json.dumps({"id": f"n{i}", "platform": "review", "author": f"a{i}",
                    "created_at": "2026-11-21T08:00:00+07:00", "author_name": name,
                    "text": "Kopi Senja refund belum masuk, saya ditagih dua kali\nkecewa"})
        for i, name in enumerate(names)
    ]  # fmt: skip
    (tmp_path / "p" / "examples" / "mentions.jsonl").write_text("\n".join(lines) + "\n", "utf-8")
    assert run(config, "poll", "--source", "demo-export", extra_env=FAKE_ENV)[0] == 0
    code, out, err = run(config, "digest", extra_env=FAKE_ENV)
    assert code == 0 and "sent" in out, err
    body = smtp_sink.mails[0].message.get_content()
    listed = [line for line in body.splitlines() if "ditagih dua kali kecewa" in line]
    assert len(listed) == 3, body
    assert not any(line.startswith("Bcc:") for line in body.splitlines()), body
    assert any("Evil Inc. Bcc: x@example.com:" in line for line in listed)
    assert "\u202e" not in body and "N" * 60 not in body and "N" * 59 + "…" in body


def _claim_digest(url: str, day: date, ready: Event, out: Any) -> None:
    """In another process: take the demo brand's digest of ``day``."""
    db = Database(url)
    ready.set()
    with db.session() as session:
        out.put(digests.claim(session, "kopi-senja", day, "b", datetime.now(UTC)))
    db.dispose()


def test_a_digest_claimed_while_another_process_claims_it_is_taken_once(db_url: str) -> None:
    """Two runs take one day's digest at once (the second in another process, while the
    first's claim is not yet committed): the second waits for the first and gets none."""
    db = open_database(db_url)
    day = date(2026, 12, 5)
    with db.session() as session:
        assert digests.claim(session, "kopi-senja", day, "a", datetime.now(UTC)) is not None
        other, out, ready = start(_claim_digest, db_url, day)
        waits(db_url, out, ready)
    assert result(other, out) is None
    with db.read() as session:
        assert session.execute(select(Digest.holder, Digest.day)).all() == [("a", "2026-12-05")]
    db.dispose()
