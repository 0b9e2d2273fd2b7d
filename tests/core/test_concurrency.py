"""Real processes racing and dying, on SQLite and PostgreSQL: overlapping polls, first runs
killed at random moments, two senders on one follow-up, a sender killed after the provider
took the message."""

from __future__ import annotations

import multiprocessing
import os
import random
import signal
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest

from common.errors import EXIT_BUSY, EXIT_OK, OutcomeUnknown
from common.records import PrivateMessage, SendReceipt
from responder.channels.manual import ManualChannel
from simak.app import App
from simak.config import load_settings
from simak.usecases import followups, reports
from simak.usecases.send import send_due, send_one
from tests.conftest import BACKENDS, drop_pg_database, new_pg_database
from tests.core.forked import Where, act, race
from tests.core.races import demo_project, no_traceback, run, simak, snapshot, stats

Fresh = Callable[[str], str]


@pytest.fixture(params=BACKENDS)
def fresh(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Fresh]:
    """Makes empty databases (no schema) on one backend: ``fresh(name) -> url``."""
    made: list[str] = []

    def make(name: str) -> str:
        if request.param == "sqlite":
            return f"sqlite:///{tmp_path / name / 'simak.db'}"
        request.getfixturevalue("pg_template")
        made.append(new_pg_database("template0"))
        return made[-1]

    make.backend = request.param  # type: ignore[attr-defined]
    yield make
    for url in made:
        drop_pg_database(url)


def test_two_polls_at_once_equal_one_clean_run(fresh: Fresh, tmp_path: Path) -> None:
    clean_url = fresh("clean")
    clean = demo_project(tmp_path / "clean", clean_url)
    code, _, err = run(clean, "poll")
    assert code == EXIT_OK, err
    expected = stats(clean)
    for round_ in range(5):
        url = fresh(f"race{round_}")
        config = demo_project(tmp_path / f"race{round_}", url)
        procs = [simak(config, "poll"), simak(config, "poll")]
        results = [(p.wait(120), *p.communicate()) for p in procs]
        codes = sorted(code for code, _, _ in results)
        assert all(code in (EXIT_OK, EXIT_BUSY) for code in codes), results
        assert all(no_traceback(out, err) for _, out, err in results), results
        assert stats(config) == expected
        assert snapshot(url) == snapshot(clean_url)


_FETCHING: Where = ("simak.usecases.poll", "_run", "before")  # the source's lease taken
_STORING: Where = ("simak.usecases.poll", "save_page", "after")  # a page not committed yet


@pytest.mark.parametrize("moment", ["fetching", "storing"])
def test_a_poll_while_another_polls_a_source_leaves_it_to_that_run(
    fresh: Fresh, tmp_path: Path, moment: str
) -> None:
    """Poll A holds the first source's lease and stops: before fetching (poll B runs to
    the end), or with its first page stored but not committed (B starts and, on
    PostgreSQL, is seen waiting on A's lease row). B leaves that source to A (busy) and
    polls the other; together they store what one clean run does. (On SQLite, B's first
    write waits for A's commit, so it may find the source free again.)"""
    clean_url = fresh("clean")
    clean = demo_project(tmp_path / "clean", clean_url)
    assert run(clean, "poll")[0] == EXIT_OK
    url = fresh("race")
    config = demo_project(tmp_path / "race", url)
    assert run(config, "stats")[0] == EXIT_OK  # the schema, before either poll
    a, b = ((act, (config, who, "simak.usecases.poll:poll", ())) for who in "ab")
    if moment == "fetching":
        results = race(url, (*a, _FETCHING), b, second_ends_first=True)
    else:
        results = race(url, (*a, _STORING), b)
    assert [r[0] for r in results.values()] == ["ok", "ok"], results
    first = results["a"][1].sources[0].name
    busy = [s.name for s in results["b"][1].sources if s.busy]
    if moment == "fetching" or url.startswith("postgresql"):
        assert busy == [first], results
    else:  # SQLite: B's lease waits for A's commit, and may come once A let the source go
        assert busy in ([first], []), results
    assert results["a"][1].sources[0].stored > 0, results
    assert snapshot(url) == snapshot(clean_url)


def test_first_run_killed_at_random_moments_then_rerun(fresh: Fresh, tmp_path: Path) -> None:
    clean_url = fresh("clean")
    clean = demo_project(tmp_path / "clean", clean_url)
    assert run(clean, "poll")[0] == EXIT_OK
    expected = snapshot(clean_url)
    kills = 20 if fresh.backend == "sqlite" else 6  # type: ignore[attr-defined]
    rng = random.Random(8)
    interrupted = 0
    for i in range(kills):
        url = fresh(f"kill{i}")
        config = demo_project(tmp_path / f"kill{i}", url)
        proc = simak(config, "poll")
        time.sleep(rng.uniform(0.3, 2.0))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            interrupted += 1
        proc.communicate(timeout=60)
        code, out, err = run(config, "poll")
        assert code == EXIT_OK and no_traceback(out, err), err
        assert snapshot(url) == expected, f"kill {i}"
    assert interrupted >= kills // 2  # most kills must land inside the run


def test_two_sends_of_one_followup_make_one_delivery(fresh: Fresh, tmp_path: Path) -> None:
    url = fresh("send")
    config = demo_project(tmp_path / "send", url)
    assert run(config, "poll")[0] == EXIT_OK
    app = App(load_settings(config, dict(os.environ)), config, dict(os.environ))
    fid = reports.queue(app)[0].id
    followups.approve(app, fid, "dina")
    procs = [simak(config, "followup", "send", str(fid)) for _ in range(2)]
    results = [(p.wait(60), *p.communicate()) for p in procs]
    assert sorted(code for code, _, _ in results) == [0, 2], results
    loser = next(err for code, _, err in results if code == 2)
    assert len(loser.strip().splitlines()) == 1 and no_traceback(loser)
    view = followups.show(app, fid)
    assert [d.status for d in view.deliveries] == ["handed_to_staff"]


_CLAIMED: Where = ("storage.outbox", "claim", "after")  # its transaction not committed
_DELIVERING: Where = ("simak.usecases.send", "deliver", "before")  # claimed, no channel called


@pytest.mark.parametrize("moment", ["claiming", "delivering"])
def test_a_send_while_another_send_holds_the_followup_is_refused(
    db_url: str, tmp_path: Path, moment: str
) -> None:
    """Send A has claimed an approved follow-up and stops: its claim not yet committed
    (send B starts and, on PostgreSQL, is seen waiting on A's lock), or committed with no
    channel called yet (B runs to the end). B is refused in one line; one delivery."""
    config = demo_project(tmp_path / "send", db_url)
    assert run(config, "poll")[0] == EXIT_OK
    app = App(load_settings(config, dict(os.environ)), config, dict(os.environ))
    fid = reports.queue(app)[0].id
    followups.approve(app, fid, "dina")
    a, b = ((act, (config, who, "simak.usecases.send:send_one", (fid, who))) for who in "ab")
    if moment == "claiming":
        results = race(db_url, (*a, _CLAIMED), b)
    else:
        results = race(db_url, (*a, _DELIVERING), b, second_ends_first=True)
    assert results["a"][0] == "ok" and results["a"][1].outcome == "handed_to_staff", results
    outcome, message = results["b"]
    assert outcome == "ConflictError" and "\n" not in message, results
    if moment == "delivering":
        assert "is being sent by another run right now" in message, message
    view = followups.show(app, fid)
    assert [d.status for d in view.deliveries] == ["handed_to_staff"]
    app.db.dispose()


class _Crashing(ManualChannel):
    """A channel whose provider call succeeds, then the process dies before recording it;
    like e-mail, it cannot read back whether a message arrived."""

    def __init__(self, log: Path) -> None:
        super().__init__()
        self.log = log

    def send(self, message: PrivateMessage) -> SendReceipt:
        with self.log.open("a") as f:
            f.write(message.idempotency_key + "\n")
        os.kill(os.getpid(), signal.SIGKILL)
        raise AssertionError("unreachable")

    def read_back(self, message: PrivateMessage, attempted_at: datetime) -> SendReceipt | None:
        raise OutcomeUnknown("no read-back on this channel; a person checks and decides")


def _send_and_die(config: Path, log: Path) -> None:
    env = dict(os.environ)
    app = App(load_settings(config, env), config, env, channels=[_Crashing(log)])
    send_due(app, "cron")


def test_killed_after_the_provider_took_it_is_unknown_not_resent(
    fresh: Fresh, tmp_path: Path
) -> None:
    url = fresh("crash")
    config = demo_project(tmp_path / "crash", url)
    assert run(config, "poll")[0] == EXIT_OK
    env = dict(os.environ)
    app = App(load_settings(config, env), config, env)
    fid = reports.queue(app)[0].id
    followups.approve(app, fid, "dina")
    log = tmp_path / "provider.log"
    child = multiprocessing.get_context("spawn").Process(target=_send_and_die, args=(config, log))
    child.start()
    child.join(60)
    assert child.exitcode == -signal.SIGKILL
    assert log.read_text().splitlines() == [f"simak-fu-{followups.show(app, fid).item.mention_id}"]
    again = App(load_settings(config, env), config, env, channels=[_Crashing(log)])
    report = send_due(again, "cron")  # must not call the provider again
    assert [r.outcome for r in report.recovered] == ["unknown"] and report.results == []
    assert followups.show(app, fid).item.status == "unknown"
    assert len(log.read_text().splitlines()) == 1
    with pytest.raises(Exception, match="is unknown"):
        send_one(again, fid, "dina")
