"""The whole flow end to end through the CLI, on a temp database."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from simak.cli.poll import took_line
from simak.usecases.classify import ProcessReport
from simak.usecases.poll import PollReport, SourceReport
from tests.core.conftest import Project


def test_poll_fills_a_queue_with_complaints_first(project: Project) -> None:
    result = project.run("poll")
    assert result.exit_code == 0, result.output
    # the totals are one line under the table, not a caption wrapped to the table's width
    assert "\nclassified 6 · posts to follow-ups " in result.stdout
    assert " · filtered by language 0\n" in result.stdout
    queue: Any = project.json("queue")
    labels = [row["label"] for row in queue]
    assert labels and labels[0] == "complaint"
    assert labels == sorted(labels, key=lambda label: label != "complaint")
    assert all(row["channel"] == "manual" for row in queue)
    authors = {row["author"] for row in queue}
    assert "Random" not in authors  # "senja" alone is not the brand
    double_charge = next(r for r in queue if "double charge" in r["text"])
    assert "Budi" in double_charge["draft"] and double_charge["lang"] == "id"


def test_cron_runs_print_nothing_on_stderr_unless_something_needs_a_person(
    project: Project,
) -> None:
    """Cron mails stderr (the README's lines discard stdout): no progress lines when it is
    not a terminal, so a run that went well mails nothing."""
    for command in ("poll", "poll", "send", "alerts"):
        result = project.run(command)
        assert result.exit_code == 0, result.output
        assert result.stderr == "", (command, result.stderr)


def test_second_poll_adds_nothing(project: Project) -> None:
    assert project.run("poll").exit_code == 0
    before = project.json("stats")
    assert project.run("poll").exit_code == 0
    assert project.json("stats") == before
    stats: Any = before
    assert stats["mentions"] == 6  # 5 brand mentions in the export + 1 blog entry
    assert stats["people"] >= 4 and sum(stats["followups"].values()) >= 4


def test_poll_json_says_where_the_time_went(project: Project) -> None:
    result = project.run("poll", "--json")
    assert result.exit_code == 0, result.output
    seconds = json.loads(result.stdout)["processed"]["seconds"]
    assert set(seconds) == {"sources", "model_load", "classify", "route", "ideas"}
    assert all(isinstance(v, float) and v >= 0 for v in seconds.values())
    assert "took " not in result.stderr  # a short poll has no "took" line
    again = json.loads(project.run("poll", "--json").stdout)["processed"]["seconds"]
    assert set(again) == {"sources", "ideas"}  # nothing new: no model loaded, nothing routed


def test_a_long_poll_says_where_the_time_went() -> None:
    seconds = {"sources": 1.24, "model_load": 1.1, "classify": 14.1, "route": 16.5, "ideas": 0}
    line = took_line(seconds)
    assert line == (
        "took 32.9 s: sources 1.2 s · model load 1.1 s · classifying 14.1 s · "
        "follow-ups and drafts 16.5 s"
    )
    assert took_line({"sources": 2.0, "classify": 7.9}) is None


def test_malformed_jsonl_line_warns_with_file_and_line(project: Project) -> None:
    with (project.root / "mentions.jsonl").open("a", encoding="utf-8") as f:
        f.write("{not json\n")
        f.write(json.dumps({"id": "9", "text": "Kopi Senja mantul"}) + "\n")
    result = project.run("poll")
    assert result.exit_code == 0, result.output
    assert "mentions.jsonl:7" in result.stderr
    stats: Any = project.json("stats")
    assert stats["mentions"] == 7


def test_malformed_feed_fails_that_source_only(project: Project) -> None:
    (project.root / "feed.xml").write_bytes(b"\x00\x01 this is not a feed")
    result = project.run("poll")
    assert result.exit_code == 1
    assert "blog" in result.stderr
    health: Any = project.json("sources")
    by_name = {h["name"]: h for h in health}
    assert by_name["blog"]["consecutive_failures"] == 1 and by_name["blog"]["last_error"]
    assert by_name["export"]["consecutive_failures"] == 0
    assert by_name["export"]["stored_last_run"] == 5


def test_sources_on_80_columns_show_each_name_and_problem_whole(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before: on 80 columns the names read "export"/"blo…"-style cut-offs and the problem
    was folded into a column 9 characters wide; now every name is whole and each problem is
    a line under the table (in the table from 110 columns)."""
    (project.root / "feed.xml").write_bytes(b"\x00\x01 this is not a feed")
    assert project.run("poll").exit_code == 1
    error = {h["name"]: h for h in project.json("sources")}["blog"]["last_error"]
    monkeypatch.setenv("COLUMNS", "80")
    table = project.run("sources").stdout
    lines = table.splitlines()
    assert all(len(line) <= 80 for line in lines), table
    assert "│ blog " in table and "│ export " in table and "problem" not in table
    said = error.removeprefix("source 'blog': ")  # the line names it: "blog: failing since …"
    assert " ".join(table.split()).endswith(" ".join(said.split())), table
    monkeypatch.setenv("COLUMNS", "160")
    wide = project.run("sources").stdout
    assert "problem" in wide and "is not" not in wide.split("┃ problem")[0]


def test_some_sources_failing_says_so_in_json(project: Project) -> None:
    (project.root / "feed.xml").write_bytes(b"\x00\x01 this is not a feed")
    result = project.run("poll", "--json")
    assert result.exit_code == 1, result.output
    assert json.loads(result.stdout)["all_sources_failed"] is False


def test_every_source_failing_exits_5_for_cron(project: Project) -> None:
    (project.root / "feed.xml").write_bytes(b"\x00\x01 this is not a feed")
    (project.root / "mentions.jsonl").unlink()
    cycle = project.run("worker", "--once", "--json")  # both due: they never ran
    assert cycle.exit_code == 5, cycle.output
    assert json.loads(cycle.stdout)["all_sources_failed"] is True
    assert "every source polled in this cycle failed" in cycle.stderr
    result = project.run("poll")
    assert result.exit_code == 5, result.output
    assert "every source polled failed" in result.stderr
    # two failures in a row: cron's next plain poll leaves both alone while they rest
    # (tests/core/test_worker_backoff.py), silent and exit 0 (nothing was polled)
    as_json = project.run("poll", "--json")
    assert as_json.exit_code == 0 and as_json.stderr.strip() == "", as_json.output
    data = json.loads(as_json.stdout)
    assert data["all_sources_failed"] is False
    assert [s["status"] for s in data["sources"]] == ["resting", "resting"]
    tried = project.run("poll", "--source", "export", "--json")  # tried now: fails again
    assert tried.exit_code == 5 and json.loads(tried.stdout)["all_sources_failed"] is True


def test_all_failed_counts_only_the_sources_this_run_polled() -> None:
    def report(*sources: SourceReport) -> PollReport:
        return PollReport(list(sources), ProcessReport())

    failed = SourceReport("a", "x", error="boom")
    waiting = SourceReport("b", "x", waiting=True)
    busy = SourceReport("c", "x", busy=True)
    deferred = SourceReport("d", "x", deferred="rate limited")  # ran, then was stopped
    resting = SourceReport("e", "x", resting=True)  # failing: left alone while it rests
    assert report(failed, waiting).all_failed and report(failed, busy).all_failed
    assert report(failed, resting).all_failed and not report(resting).all_failed
    assert not report(failed, deferred).all_failed
    assert not report(waiting, busy).all_failed and not report().all_failed


def test_bad_config_exits_2_with_one_line(project: Project) -> None:
    text = project.config.read_text("utf-8").replace(
        "backend: keywords", "backend: keywords\n  colour: red"
    )
    project.config.write_text(text, "utf-8")
    result = project.run("stats")
    assert result.exit_code == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "classifier.colour" in lines[0]


def test_bad_source_option_exits_2(project: Project) -> None:
    text = project.config.read_text("utf-8").replace(
        "{path: mentions.jsonl}", "{path: mentions.jsonl, colour: red}"
    )
    project.config.write_text(text, "utf-8")
    result = project.run("poll")
    assert result.exit_code == 2
    assert "sources[0].options.colour" in result.stderr


def test_sources_names_a_source_whose_options_poll_would_refuse(project: Project) -> None:
    """Before: `simak sources` (what an operator runs to check a config) listed a source
    missing a required option as "never run" and exited 0; only `poll` said what was
    wrong. Now the table still shows every source's health, and each unusable one is
    one error line, exit 2 (--json: "config_error")."""
    assert project.run("poll").exit_code == 0
    text = project.config.read_text("utf-8").replace(
        "{path: mentions.jsonl}", "{path: mentions.jsonl, colour: red}"
    )
    project.config.write_text(text, "utf-8")
    result = project.run("sources")
    assert result.exit_code == 2 and "export" in result.stdout, result.output
    errors = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(errors) == 1 and "sources[0].options.colour" in errors[0]
    listed = project.run("sources", "--json")
    assert listed.exit_code == 2
    export = next(s for s in json.loads(listed.stdout) if s["name"] == "export")
    assert "options.colour" in export["config_error"] and export["fetched_last_run"] >= 1


def test_sources_names_a_source_whose_credential_variable_is_unset(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The README promised `simak sources` flags an unset credential variable as a config
    error (exit 2), but listeners only resolve ${VAR} when they poll: a private feed whose
    token was not exported showed as "never run", exit 0, and only the next poll failed."""
    monkeypatch.delenv("SIMAK_TEST_FEED_TOKEN", raising=False)
    text = project.config.read_text("utf-8").replace(
        "{urls: [feed.xml]}", '{urls: ["https://blog.example/feed?token=${SIMAK_TEST_FEED_TOKEN}"]}'
    )
    project.config.write_text(text, "utf-8")
    result = project.run("sources")
    assert result.exit_code == 2, result.output
    errors = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(errors) == 1 and "source 'blog'" in errors[0], errors
    assert "SIMAK_TEST_FEED_TOKEN is not set" in errors[0]
    listed = project.run("sources", "--json")
    blog = next(s for s in json.loads(listed.stdout) if s["name"] == "blog")
    assert listed.exit_code == 2 and "SIMAK_TEST_FEED_TOKEN" in blog["config_error"]
    monkeypatch.setenv("SIMAK_TEST_FEED_TOKEN", "s3cret")
    assert project.run("sources").exit_code == 0


def test_unknown_source_name_is_usage_error(project: Project) -> None:
    result = project.run("poll", "--source", "nope")
    assert result.exit_code == 2 and "no source named 'nope'" in result.stderr


def test_classify_contract(project: Project, tmp_path: Path) -> None:
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_text(
        "\n".join(
            [
                json.dumps({"id": "a", "text": "aplikasinya error terus, kecewa", "x": 1}),
                "{broken",
                json.dumps({"id": 7, "text": "please add dark mode"}),
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    result = project.run("classify", "--input", str(src), "--output", str(out))
    assert result.exit_code == 1
    lines = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert [line.get("id") for line in lines] == ["a", None, 7]
    assert "error" in lines[1]
    assert set(lines[0]) == {"id", "labels", "scores", "lang", "severity"}
    assert lines[0]["severity"] == "normal"
    assert set(lines[0]["scores"]) == {"praise", "complaint", "idea"}
    assert "complaint" in lines[0]["labels"] and lines[0]["lang"] == "id"


def test_classify_reads_stdin_and_writes_stdout_by_default(project: Project) -> None:
    lines = [json.dumps({"id": 1, "text": "please add dark mode"}), "{broken"]
    result = project.run("classify", "--input", "-", input="\n".join(lines) + "\n")
    assert result.exit_code == 1
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [row["id"] for row in out] == [1, None] and "idea" in out[0]["labels"]
    assert "see 'error' in the output" in result.stderr


def test_classify_into_a_missing_folder_is_a_usage_error(project: Project, tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"text": "mantap"}) + "\n", encoding="utf-8")
    result = project.run("classify", "-i", str(src), "-o", str(tmp_path / "no" / "out.jsonl"))
    assert result.exit_code == 2 and "cannot write there" in result.stderr


def test_a_reader_that_stops_early_is_not_an_error(project: Project, tmp_path: Path) -> None:
    """`simak classify -i big.jsonl | head -1`: the closed pipe ends the run quietly, exit 0."""
    src = tmp_path / "big.jsonl"
    row = json.dumps({"id": "x" * 40, "text": "kopinya enak banget, mantap"})
    src.write_text((row + "\n") * 4000, encoding="utf-8")  # ~600 KB out: more than a pipe holds
    argv = [sys.executable, "-m", "simak", "--config", str(project.config)]
    proc = subprocess.Popen(
        [*argv, "classify", "-i", str(src)], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert proc.stdout is not None and proc.stderr is not None
    assert json.loads(proc.stdout.readline())["labels"] == ["praise"]
    proc.stdout.close()
    assert proc.wait(timeout=60) == 0
    assert proc.stderr.read() == b""


def test_ideas_board_lists_captured_ideas(project: Project) -> None:
    assert project.run("poll").exit_code == 0
    board: Any = project.json("ideas")
    assert any("oat milk" in row["title"].lower() for row in board)
    human = project.run("ideas")
    assert human.exit_code == 0 and "Ideas board" in human.stdout


def test_eval_reports_per_label_and_language(project: Project, tmp_path: Path) -> None:
    data = tmp_path / "labelled.jsonl"
    rows = [
        ("kopinya enak banget, mantap", ["praise"], "id"),
        ("aplikasinya error terus, kecewa", ["complaint"], "id"),
        ("please add dark mode", ["idea"], "en"),
        ("the coffee is great", ["praise"], "en"),
        ("jam berapa buka?", [], "id"),
    ]
    data.write_text(
        "\n".join(json.dumps({"text": t, "labels": lab, "lang": lang}) for t, lab, lang in rows)
        + "\n",
        encoding="utf-8",
    )
    report: Any = project.json("eval", "--input", str(data))
    assert report["n"] == 5 and {"all", "en", "id"} <= set(report["groups"])
    assert set(report["groups"]["all"]["labels"]) == {"praise", "complaint", "idea"}
    assert 0.0 <= report["groups"]["id"]["macro_f1"] <= 1.0
    human = project.run("eval", "--input", str(data))
    assert human.exit_code == 0 and "macro-F1" in human.stdout


def test_eval_and_train_refuse_bad_paths(project: Project, tmp_path: Path) -> None:
    missing = project.run("eval", "--input", str(tmp_path / "nope.jsonl"))
    assert missing.exit_code == 2 and "not found" in missing.stderr
    train = project.run("train", "--datasets", str(tmp_path))
    assert train.exit_code == 2 and "simak_annotated" in train.stderr


def test_eval_names_the_bad_line_and_refuses_nothing_to_evaluate(
    project: Project, tmp_path: Path
) -> None:
    """Was: 'line 1 column 2' for line 2, "'text'" (a KeyError), exit 3 for a JSON array
    line or a folder, and a table of zeros with exit 0 for an empty file."""
    good = '{"text": "kopinya enak", "labels": ["praise"]}\n'
    cases = {
        good + "{bad\n": "bad.jsonl:2: not valid JSON",
        '{"labels": ["idea"]}\n': "bad.jsonl:1: no text",
        "[1, 2]\n": "bad.jsonl:1: not a JSON object",
        '{"text": "x", "labels": "praise"}\n': "labels must be a list",
        '{"text": "x"}\n': "labels must be a list",
        "\n\n": "no labelled lines",
    }
    data = tmp_path / "bad.jsonl"
    for text, expected in cases.items():
        data.write_text(text, encoding="utf-8")
        result = project.run("eval", "--input", str(data))
        assert result.exit_code == 2 and expected in result.stderr, (text, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1
    folder = project.run("eval", "--input", str(tmp_path))
    assert folder.exit_code == 2 and "is a folder" in folder.stderr


def test_bozo_feed_keeps_entries_and_health_records_the_problem(project: Project) -> None:
    broken = (
        (project.root / "feed.xml")
        .read_text("utf-8")
        .replace("AC mati.</summary>", "AC mati & panas.</summary>")
    )  # unescaped & -> bozo
    (project.root / "feed.xml").write_text(broken, "utf-8")
    result = project.run("poll")
    assert result.exit_code == 0, result.output
    health: Any = project.json("sources")
    blog = next(h for h in health if h["name"] == "blog")
    assert blog["stored_last_run"] == 1 and blog["warnings_last_run"] >= 1
    assert blog["last_warning"]
    human = project.run("sources")
    assert "warning" in human.stdout


def test_missing_credential_skips_only_that_source(project: Project, monkeypatch: Any) -> None:
    monkeypatch.delenv("SIMAK_TEST_REDDIT_ID", raising=False)
    reddit = """  - name: reddit
    type: reddit
    options:
      client_id: ${SIMAK_TEST_REDDIT_ID}
      client_secret: ${SIMAK_TEST_REDDIT_SECRET}
      api_approved: true
      subreddits: [indonesia]
classifier:"""
    text = project.config.read_text("utf-8").replace("classifier:", reddit, 1)
    project.config.write_text(text, "utf-8")
    result = project.run("poll")
    assert result.exit_code == 1, result.output
    assert "SIMAK_TEST_REDDIT_ID" in result.stderr
    listed = project.run("sources", "--json")  # the unset variable is a config error there
    assert listed.exit_code == 2 and "SIMAK_TEST_REDDIT_ID" in listed.stderr, listed.output
    by_name = {h["name"]: h for h in json.loads(listed.stdout)}
    assert by_name["reddit"]["consecutive_failures"] == 1
    assert by_name["export"]["stored_last_run"] == 5


def test_train_refuses_an_unknown_teacher(project: Project, tmp_path: Path) -> None:
    (tmp_path / "simak_annotated").mkdir()
    (tmp_path / "simak_annotated" / "train.jsonl").write_text("", encoding="utf-8")
    result = project.run("train", "--datasets", str(tmp_path), "--teacher", "no-such-model")
    assert result.exit_code == 2 and "--teacher no-such-model" in result.stderr


def test_train_checks_device_version_and_output_before_training(
    project: Project, tmp_path: Path
) -> None:
    """Mistakes that used to surface only after the datasets were encoded (minutes to
    hours) or silently overwrote a model folder are refused first, exit 2, one line."""
    pytest.importorskip("torch")
    datasets = tmp_path / "datasets"
    (datasets / "simak_annotated").mkdir(parents=True)
    empty = project.run("train", "--datasets", str(datasets))  # was exit 3, FileNotFoundError
    assert empty.exit_code == 2 and "simak_annotated/train.jsonl" in empty.stderr
    (datasets / "simak_annotated" / "train.jsonl").write_text("", encoding="utf-8")
    models = tmp_path / "models"
    (models / "mine").mkdir(parents=True)
    readonly = tmp_path / "file-not-folder"
    readonly.write_text("x", encoding="utf-8")
    base = ("train", "--datasets", str(datasets), "--output", str(models))
    cases = [
        (("--device", "tpu"), "--device tpu: unknown"),
        (("--version", "mine"), "exists already"),
        (("--version", "../elsewhere"), "a folder name"),
        (("--version", "ok", "--output", str(readonly / "sub")), "cannot write there"),
    ]
    for extra, expected in cases:
        result = project.run(*base, *extra)
        assert result.exit_code == 2 and expected in result.stderr, (extra, result.output)
        assert len(result.stderr.strip().splitlines()) == 1
    assert not (models / "ok").exists() and not (tmp_path / "elsewhere").exists()


def test_train_takes_a_quick_trial_run(
    project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--max-examples / --epochs reach the trainer (there was no way to try `simak train`
    in minutes rather than ~40 min on 2 cores); without them the recipe is unchanged."""
    pytest.importorskip("torch")
    import classifier.training.train as training

    seen: list[dict[str, Any]] = []

    def fake_train(output: Path, _extra: Any, **kwargs: Any) -> Any:
        seen.append(kwargs)
        name = kwargs["version"]
        return training.TrainReport(output / name, name, {}, {}, {}, 1.0)

    monkeypatch.setattr(training, "train_model", fake_train)
    datasets = tmp_path / "datasets"
    (datasets / "simak_annotated").mkdir(parents=True)
    (datasets / "simak_annotated" / "train.jsonl").write_text("", encoding="utf-8")
    base = ("train", "--datasets", str(datasets), "--output", str(tmp_path / "models"))
    quick = project.run(*base, "--version", "a", "--max-examples", "300", "--epochs", "1")
    assert quick.exit_code == 0, quick.output
    assert seen[-1]["limit"] == 300 and seen[-1]["epochs"] == (1, 1)
    full = project.run(*base, "--version", "b")
    assert full.exit_code == 0, full.output
    assert seen[-1]["limit"] is None and seen[-1]["epochs"] is None
    assert project.run(*base, "--version", "c", "--epochs", "0").exit_code == 2


def test_train_distils_on_the_device_asked_for(monkeypatch: pytest.MonkeyPatch) -> None:
    """--device used to reach full fine-tuning only: the default (distilled) path ran
    on whatever torch found."""
    import classifier.embedded.model_files as model_files
    import classifier.training.distill as distill
    from classifier.training.train import _distil

    seen: list[Any] = []
    monkeypatch.setattr(model_files, "load_weights", lambda _folder: {})

    def fake_distil(_bundle: Any, _teacher: Any, cfg: Any, log: Any) -> tuple[Any, Any]:
        seen.append(cfg)
        return {}, {}

    monkeypatch.setattr(distill, "distil", fake_distil)
    _distil({}, Path("teacher"), 6, None, print, "cpu")
    assert seen[0].device == "cpu" and seen[0].layers == 6


def test_result_lines_are_not_wrapped_for_pipes_and_cron_mail(project: Project) -> None:
    """Not a terminal: a result line stays one line, however long (here a long temp path)."""
    result = project.run("db", "upgrade")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith("database ") and lines[0].endswith(")")
    assert len(lines[0]) > 80 or "postgresql" in lines[0]  # the SQLite temp path is long


def test_counted_nouns_agree() -> None:
    from simak.cli.render import counted

    assert [counted(1, "person", "people"), counted(3, "person", "people")] == [
        "1 person",
        "3 people",
    ]
    assert [counted(1, "post"), counted(0, "post")] == ["1 post", "0 posts"]


def test_worker_counts_tasks_for_staff_apart_from_messages_sent(project: Project) -> None:
    assert project.run("poll").exit_code == 0
    assert project.run("followup", "approve", "--all", "--yes").exit_code == 0
    cycle = project.run("worker", "--once", "--json")
    report = json.loads(cycle.stdout)
    assert cycle.exit_code == 0, cycle.output
    assert report["sent"] == 0 and report["handed"] >= 4  # only the manual channel here
    text = project.run("worker", "--once")
    assert "sent 0," in text.stdout + text.stderr


def test_db_upgrade_creates_the_sqlite_folder_as_every_other_command_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`db upgrade` first in a fresh deployment used to fail (exit 4, "unable to open database
    file") where `simak queue` would have created the folder."""
    from typer.testing import CliRunner

    from simak.cli import app

    monkeypatch.delenv("SIMAK_DATABASE_URL", raising=False)
    config = tmp_path / "config.yaml"
    config.write_text(
        "brands: [{name: b, terms: [B]}]\nstorage: {url: 'sqlite:///data/sub/simak.db'}\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["--config", str(config), "db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "data" / "sub" / "simak.db").is_file()


def test_a_port_in_use_or_out_of_range_is_a_usage_error(project: Project) -> None:
    """`simak web --port` on a busy port: one line and exit 2, as `worker --metrics-port`
    (uvicorn exits 3, Simak's code for a bug); a port past 65535: exit 2, no traceback."""
    with socket.create_server(("127.0.0.1", 0)) as busy:
        port = busy.getsockname()[1]
        result = project.run("web", "--port", str(port))
    assert result.exit_code == 2, result.output
    assert f"cannot serve the console on 127.0.0.1:{port}: Address already in use;" in (
        result.stderr
    )
    for argv in (["web", "--port", "99999"], ["run", "--metrics-port", "-1"]):
        result = project.run(*argv)
        assert result.exit_code == 2 and "internal error" not in result.stderr, result.output
        assert "Traceback" not in result.stderr


def test_mentions_text_is_readable_at_80_columns(project: Project) -> None:
    """In a pipe (80 columns) seven columns left "what they said" three characters wide,
    each line cropped: the text, the one thing to read, was lost."""
    assert project.run("poll").exit_code == 0
    newest = project.json("mentions", "-n", "1")[0]
    shown = project.run("mentions", "-n", "1")
    assert shown.exit_code == 0, shown.output
    lines = shown.stdout.splitlines()
    assert all(len(line) <= 80 for line in lines)
    column = " ".join(line.split("│")[-2] for line in lines if line.startswith("│"))
    assert column.split() == newest["text"].split()
