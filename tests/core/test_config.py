"""Config parsing: one clear line per problem, secrets only from the environment."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from common.errors import ConfigError
from simak.config import config_path, load_settings

MINIMAL = """
brands:
  - name: kopi-senja
    terms: [Kopi Senja]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_minimal_config_gets_defaults(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, MINIMAL), {})
    assert settings.brands[0].name == "kopi-senja"
    assert settings.storage.url == "sqlite:///simak.db"
    assert settings.classifier.backend == "embedded"
    assert settings.responder.rules.complaint.sla_hours == 4


def test_the_shipped_demo_config_is_valid() -> None:
    settings = load_settings(Path(__file__).parents[2] / "config.yaml", {})
    assert [s.type for s in settings.sources if s.enabled] == ["files", "feeds"]


def test_unknown_key_names_the_key(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL + "storage:\n  ulr: sqlite:///x.db\n")
    with pytest.raises(ConfigError) as err:
        load_settings(path, {})
    message = str(err.value)
    assert "storage.ulr" in message and "unknown key" in message
    assert "\n" not in message


def test_wrong_type_names_the_key(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL + "classifier:\n  batch_size: lots\n")
    with pytest.raises(ConfigError, match=r"classifier\.batch_size"):
        load_settings(path, {})


def test_missing_env_secret_outside_sources_is_a_config_error(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL + "storage:\n  url: ${SIMAK_TEST_DB_URL}\n")
    with pytest.raises(ConfigError, match="SIMAK_TEST_DB_URL is not set"):
        load_settings(path, {})
    settings = load_settings(path, {"SIMAK_TEST_DB_URL": "sqlite:///other.db"})
    assert settings.storage.url == f"sqlite:///{tmp_path / 'other.db'}"  # beside the config


def test_source_secrets_stay_references_until_poll_time(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        MINIMAL
        + """
sources:
  - name: r
    type: reddit
    options: {client_secret: "${REDDIT_CLIENT_SECRET}"}
""",
    )
    settings = load_settings(path, {})
    assert settings.sources[0].options["client_secret"] == "${REDDIT_CLIENT_SECRET}"


def test_literal_secret_is_refused(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        MINIMAL
        + """
sources:
  - name: r
    type: reddit
    options: {client_secret: hunter2}
""",
    )
    with pytest.raises(ConfigError, match="secrets must not be written in the file"):
        load_settings(path, {})


def test_a_literal_secret_under_any_key_name_is_never_echoed(tmp_path: Path) -> None:
    """consumer_key, client_id, username: ${ENV}-only keys whose names do not say
    "secret" still keep what was typed out of the message."""
    from listeners.reddit import RedditOptions
    from simak.registry import validate_options

    channel = "responder:\n  channels:\n    x_dm: {consumer_key: xvz1evFS4wEEPTGEFPHBog}\n"
    with pytest.raises(ConfigError) as err:
        load_settings(write(tmp_path, MINIMAL + channel), {})
    message = str(err.value)
    assert "responder.channels.x_dm.consumer_key" in message and "${MY_SECRET}" in message
    assert "xvz1evFS4wEEPTGEFPHBog" not in message and "\n" not in message
    with pytest.raises(ConfigError) as err:
        validate_options(
            RedditOptions, {"client_id": "Xq7AbCdEfGhIjK"}, "c.yaml: sources[0].options"
        )
    assert "sources[0].options.client_id" in str(err.value)
    assert "Xq7AbCdEfGhIjK" not in str(err.value)


def test_unreadable_and_invalid_yaml(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_settings(tmp_path / "nope.yaml", {})
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_settings(write(tmp_path, "brands: [\n  - x: : y"), {})


def test_duplicate_source_names_and_unknown_brand(tmp_path: Path) -> None:
    dup = (
        MINIMAL
        + """
sources:
  - {name: a, type: files, options: {path: x.jsonl}}
  - {name: a, type: files, options: {path: y.jsonl}}
"""
    )
    with pytest.raises(ConfigError, match="used twice"):
        load_settings(write(tmp_path, dup), {})
    bad_brand = MINIMAL + "sources:\n  - {name: a, type: files, brand: nope}\n"
    with pytest.raises(ConfigError, match="unknown brand 'nope'"):
        load_settings(write(tmp_path, bad_brand), {})


def test_env_overrides_database_url_and_config_path(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL)
    settings = load_settings(path, {"SIMAK_DATABASE_URL": "sqlite:////tmp/x.db"})
    assert settings.storage.url == "sqlite:////tmp/x.db"
    assert config_path(None, {"SIMAK_CONFIG": str(path)}) == path
    assert config_path("other.yaml", {"SIMAK_CONFIG": str(path)}) == Path("other.yaml")


def test_plain_postgres_urls_mean_psycopg(tmp_path: Path) -> None:
    for url in ("postgresql://u@h/db", "postgres://u@h/db", "postgresql+psycopg://u@h/db"):
        path = write(tmp_path, MINIMAL + f"storage:\n  url: {url}\n")
        assert load_settings(path, {}).storage.url == "postgresql+psycopg://u@h/db"
    env = {"SIMAK_DATABASE_URL": "postgres://u:pw@h:5433/db"}  # as hosting providers write it
    assert load_settings(path, env).storage.url == "postgresql+psycopg://u:pw@h:5433/db"
    path = write(tmp_path, MINIMAL + "storage:\n  url: postgresql+psycopg2://u@h/db\n")
    with pytest.raises(ConfigError, match="psycopg2 is not installed"):
        load_settings(path, {})


def test_a_database_url_simak_cannot_use_is_a_config_error(tmp_path: Path) -> None:
    """Exit 2 naming storage.url, not 4 ("the database could not be used") with a driver's
    ImportError; a password in it stays hidden."""
    for url in ("mysql://u:hunter2pw@h/db", "notaurl", "simak.db", "sqlite3:///x.db"):
        path = write(tmp_path, MINIMAL + f"storage:\n  url: {url}\n")
        with pytest.raises(ConfigError) as err:
            load_settings(path, {})
        assert "storage.url" in str(err.value) and "sqlite:///" in str(err.value)
        assert "hunter2pw" not in str(err.value)
    with pytest.raises(ConfigError, match="SIMAK_DATABASE_URL"):
        load_settings(write(tmp_path, MINIMAL), {"SIMAK_DATABASE_URL": "mysql://h/db"})
    memory = write(tmp_path, MINIMAL + "storage:\n  url: sqlite://\n")
    assert load_settings(memory, {}).storage.url == "sqlite://"


def test_durations_take_units_and_plain_seconds() -> None:
    from pydantic import ValidationError

    from simak.config import WorkersConfig

    assert WorkersConfig.model_validate({"poll_every": "5m"}).poll_every_s == 300
    assert WorkersConfig.model_validate({"poll_every": "1.5h"}).poll_every_s == 5400
    assert WorkersConfig.model_validate({"poll_every_s": 90}).poll_every_s == 90
    assert WorkersConfig.model_validate({"stalled_after": "2m"}).stalled_after_s == 120
    assert WorkersConfig().engine == "builtin"
    for bad in ("5 minutes", "-5m", "5s"):  # unknown unit, negative, below the 10 s floor
        with pytest.raises(ValidationError):
            WorkersConfig.model_validate({"poll_every": bad})


def test_workers_engine_shorthand() -> None:
    from simak.config import Settings

    brands = [{"name": "b", "terms": ["b"]}]
    assert (
        Settings.model_validate({"brands": brands, "workers": "procrastinate"}).workers.engine
        == "procrastinate"
    )
    with pytest.raises(ValueError, match="engine"):
        Settings.model_validate({"brands": brands, "workers": "celery"})


def test_email_digest_needs_addresses(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL + "digest: {channel: email}\n")
    with pytest.raises(ConfigError, match=r"digest: .*needs the team's addresses; add `to:"):
        load_settings(path, {})
    path = write(tmp_path, MINIMAL + "digest: {channel: webhook}\n")
    settings = load_settings(path, {})
    assert settings.digest is not None and settings.digest.to == []


def test_a_duration_in_words_says_how_to_write_one(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL + "workers: {poll_every: 5 minutes}\n")
    with pytest.raises(ConfigError) as err:
        load_settings(path, {})
    assert "workers.poll_every" in str(err.value) and "like 300, 90s, 5m" in str(err.value)
    assert "valid integer" not in str(err.value)


def _merged(base: dict[str, object], extra: dict[str, object]) -> dict[str, object]:
    out = dict(base)
    for key, value in extra.items():
        old = out.get(key)
        both = isinstance(old, dict) and isinstance(value, dict)
        out[key] = _merged(old, value) if both else value  # type: ignore[arg-type]
    return out


def test_every_yaml_snippet_in_the_readme_is_a_valid_config(tmp_path: Path) -> None:
    """A user pastes the README's examples into config.yaml: each one must load as written
    (the classifier's, with every option commented out, used to fail: options is null)."""
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    snippets = re.findall(r"```yaml\n(.*?)```", readme, flags=re.S)
    assert len(snippets) >= 5
    for snippet in snippets:
        config = _merged(yaml.safe_load(MINIMAL), yaml.safe_load(snippet))
        path = write(tmp_path, yaml.safe_dump(config))
        load_settings(path, {"SMTP_USER": "u", "SMTP_PASSWORD": "p"})


def test_an_options_block_with_every_line_commented_out_means_no_options(
    tmp_path: Path,
) -> None:
    text = MINIMAL + "classifier:\n  options:\n    # version: x\nsources:\n"
    text += "  - {name: a, type: files, options: }\n"
    settings = load_settings(write(tmp_path, text), {})
    assert settings.classifier.options == {} and settings.sources[0].options == {}


def test_a_typo_in_the_model_version_is_a_config_error(tmp_path: Path) -> None:
    """classifier.options.version: a typo used to exit 4 ("cannot read model manifest …");
    it is a config error (exit 2) naming the key and the versions there are."""
    from classifier.embedded.classifier import DEFAULT_VERSION, EmbeddedOptions
    from simak.registry import validate_options

    with pytest.raises(ConfigError) as err:
        validate_options(EmbeddedOptions, {"version": "e5s-d6-2026.12.4"}, "c.yaml: classifier")
    message = str(err.value)
    assert message.startswith("c.yaml: classifier.version: unknown model version; use one of")
    assert DEFAULT_VERSION in message and "options.path" in message and "\n" not in message
    assert err.value.exit_code == 2
    with pytest.raises(ConfigError, match=r"classifier\.thresholds\.complaint: .*less than"):
        validate_options(EmbeddedOptions, {"thresholds": {"complaint": 2}}, "c.yaml: classifier")


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        # pydantic's own words named Simak's classes ("… instance of StorageConfig")
        ("storage: sqlite:///x.db\n", "storage: write a mapping here: indented `key: value`"),
        ("responder:\n  business: Kopi Senja\n", "responder.business: write a mapping here"),
        ("alerts:\n  labels: complaint\n", "alerts.labels: write a list here: [a, b]"),
        # a validator that quotes the value already: not "got 'x'; got 'x'"
        (
            "responder:\n  channels:\n    webhook: {url: notaurl}\n",
            "responder.channels.webhook.url: url must be an http(s) URL, got 'notaurl'",
        ),
    ],
)
def test_wrong_shapes_say_what_to_write(tmp_path: Path, extra: str, expected: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_settings(write(tmp_path, MINIMAL + extra), {})
    message = str(err.value)
    assert expected in message and "Config" not in message and "Identity" not in message
    assert message.count("got ") == 1 and "\n" not in message


def test_a_files_source_reads_times_without_an_offset_in_the_project_timezone(
    tmp_path: Path,
) -> None:
    from simak.app import App

    text = MINIMAL + "timezone: Asia/Makassar\nsources:\n"
    text += "  - {name: a, type: files, options: {path: a.csv}}\n"
    text += "  - {name: b, type: files, options: {path: b.csv, timezone: UTC}}\n"
    settings = load_settings(write(tmp_path, text), {})
    app = App(settings=settings, config_path=tmp_path / "config.yaml", env={})
    zones = [str(app.listener(i, s).options.timezone) for i, s in enumerate(settings.sources)]  # type: ignore[attr-defined]
    assert zones == ["Asia/Makassar", "UTC"]


def test_the_environment_overrides_the_files_cache_dir_as_it_does_the_database(
    tmp_path: Path,
) -> None:
    from simak.config import default_cache_dir

    settings = load_settings(write(tmp_path, MINIMAL + "cache_dir: model-cache\n"), {})
    assert default_cache_dir(settings, {"SIMAK_CACHE_DIR": "/srv/cache"}) == Path("/srv/cache")
    assert default_cache_dir(settings, {}) == (tmp_path / "model-cache").resolve()


def test_an_empty_config_file_says_it_is_empty(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("# nothing yet\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"config.yaml is empty; copy the config.yaml"):
        load_settings(path, {})


def test_an_unknown_source_type_stops_every_command_at_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Before, only `simak poll` (which builds the sources) noticed; `queue` ran happily.
    from typer.testing import CliRunner

    from simak.cli import app

    monkeypatch.delenv("SIMAK_DATABASE_URL", raising=False)
    sources = "sources:\n  - {name: blog, type: rsss, enabled: false, options: {urls: [a.xml]}}\n"
    path = write(tmp_path, MINIMAL + "storage: {url: 'sqlite:///t.db'}\n" + sources)
    for command in ("queue", "digest", "poll"):
        result = CliRunner().invoke(app, ["--config", str(path), command])
        assert result.exit_code == 2, (command, result.output)
        assert result.stderr.strip() == (
            f"error: {path}: sources[0].type: unknown type 'rsss' for source 'blog'; use one "
            "of bluesky, feeds, files, hackernews, mastodon, reddit, x (RSS and Atom are type "
            "feeds)"
        )
    assert not (tmp_path / "t.db").exists()


def test_a_misspelled_classifier_backend_names_the_backends_there_are(tmp_path: Path) -> None:
    """The backends come from the registry (one list), not a second list in the config."""
    from simak.registry import CLASSIFIER_BACKENDS

    path = write(tmp_path, MINIMAL + "classifier: {backend: embeded}\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(path, {})
    message = str(caught.value)
    assert "classifier.backend" in message and "'embeded'" in message
    assert f"use one of {', '.join(sorted(CLASSIFIER_BACKENDS))}" in message
    assert "\n" not in message


def test_two_brands_with_one_name_are_refused(tmp_path: Path) -> None:
    """Both were accepted; `settings.brand(name)` then always found the first one."""
    path = write(tmp_path, MINIMAL + "  - name: kopi-senja\n    terms: [Senja]\n")
    with pytest.raises(ConfigError, match=r"brands\[1\]\.name: 'kopi-senja' is used twice"):
        load_settings(path, {})


@pytest.mark.parametrize(
    ("languages", "expected"),
    [
        # a word instead of a code silently dropped every Indonesian mention
        ("[indonesian, en]", "brands[0].languages[0]: unknown language code 'indonesian'; use"),
        # YAML's `no` is false: say to quote it rather than "Input should be a valid string"
        ("[no]", "brands[0].languages[0]: expected text, got False (YAML reads yes/no"),
    ],
)
def test_a_language_the_detector_never_answers_is_refused(
    tmp_path: Path, languages: str, expected: str
) -> None:
    with pytest.raises(ConfigError) as err:
        load_settings(write(tmp_path, MINIMAL + f"    languages: {languages}\n"), {})
    assert expected in str(err.value)
    upper = load_settings(write(tmp_path, MINIMAL + "    languages: [ID, en]\n"), {})
    assert upper.brands[0].languages == ["id", "en"]


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        # a misspelt required key was reported as the required key missing
        (
            "    keyword: [x]\n",
            "brands[0].keyword: unknown key; remove it or check its spelling; did you mean terms?",
        ),
        ("    display_name: 123\n", "brands[0].display_name: expected text, got 123"),
        ("    name: kopi-señja\n", "use lowercase letters, digits and - _ . only, e.g. kopi-senja"),
    ],
)
def test_messages_say_the_fix(tmp_path: Path, extra: str, expected: str) -> None:
    text = MINIMAL.replace("    terms: [Kopi Senja]\n", "") if "keyword" in extra else MINIMAL
    text = text.replace("  - name: kopi-senja\n", "  - name: kopi-senja\n" + extra)
    if "señja" in extra:
        text = text.replace("  - name: kopi-senja\n", "  -\n", 1)
    with pytest.raises(ConfigError) as err:
        load_settings(write(tmp_path, text), {})
    assert expected in str(err.value) and "\n" not in str(err.value)


def test_a_bound_that_contains_the_value_still_says_what_was_given(tmp_path: Path) -> None:
    """`poll_every: 0` said "greater than or equal to 10" without "got 0" ("0" is in "10")."""
    path = write(tmp_path, MINIMAL + "workers:\n  poll_every: 0\n")
    with pytest.raises(ConfigError, match=r"greater than or equal to 10; got 0$"):
        load_settings(path, {})


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://u:hunter2pw@h:notaport/db", "not a database URL (is the port a number?)"),
        ("sqlite://simak.db", "an SQLite URL has three slashes before a relative path"),
    ],
)
def test_a_malformed_database_url_is_a_config_error_not_a_database_one(
    tmp_path: Path, url: str, expected: str
) -> None:
    """Both loaded, then every command stopped with exit 4 and the driver's words."""
    with pytest.raises(ConfigError) as err:
        load_settings(write(tmp_path, MINIMAL + f"storage:\n  url: {url}\n"), {})
    assert f"storage.url: {expected}" in str(err.value) and err.value.exit_code == 2
    assert "hunter2pw" not in str(err.value)


@pytest.mark.parametrize(
    ("extra", "where"),
    [
        ("responder:\n  rules:\n    complaint: {sla_hours: 99999999999}\n", "complaint.sla_hours"),
        ("responder:\n  severity: {critical_sla_hours: 1e12}\n", "critical_sla_hours"),
        ("workers:\n  poll_every: 99999999999999d\n", "workers.poll_every"),
        ("workers:\n  stalled_after: 400d\n", "workers.stalled_after"),
        (
            "sources:\n  - {name: s, type: files, poll_every: 99999999999999d, options: {}}\n",
            "sources[0].poll_every",
        ),
    ],
)
def test_absurdly_long_intervals_stop_at_load(tmp_path: Path, extra: str, where: str) -> None:
    """They loaded, then `simak poll` died with exit 3 (OverflowError in the due-time or
    schedule arithmetic)."""
    with pytest.raises(ConfigError) as err:
        load_settings(write(tmp_path, MINIMAL + extra), {})
    bound = "write at most 366d (a year)" if "sla" not in where else "less than or equal to"
    assert f"{where}: " in str(err.value) and bound in str(err.value)
    assert load_settings(write(tmp_path, MINIMAL + "workers:\n  poll_every: 365d\n"), {})


def test_a_section_with_every_line_commented_out(tmp_path: Path) -> None:
    """`sources:` with every source commented out means none (as `options:` does); another
    empty section says so instead of "got None"."""
    path = write(tmp_path, MINIMAL + "sources:\n#  - name: demo\n#    type: files\n")
    assert load_settings(path, {}).sources == []
    with pytest.raises(ConfigError) as err:
        load_settings(write(tmp_path, MINIMAL + "responder:\n  rules:\n"), {})
    message = str(err.value)
    assert "responder.rules: nothing is written under it (every line commented out?)" in message
    assert "None" not in message


def test_a_key_with_no_value_says_so(tmp_path: Path) -> None:
    """`url:` with nothing after it said "Input should be a valid string; got None"."""
    with pytest.raises(ConfigError) as err:
        load_settings(write(tmp_path, MINIMAL + "storage:\n  url:\n"), {})
    assert "storage.url: no value is written after the colon; write one, or remove the key" in (
        str(err.value)
    )


def test_a_bad_database_url_from_the_environment_names_the_variable(tmp_path: Path) -> None:
    """It said "config.yaml: storage.url: …" where the file has no such line to fix."""
    env = {"SIMAK_DATABASE_URL": "postgresql://u:hunter2pw@h:bad/db"}
    with pytest.raises(ConfigError) as err:
        load_settings(write(tmp_path, MINIMAL), env)
    message = str(err.value)
    assert (
        message.startswith("SIMAK_DATABASE_URL: not a database URL") and "hunter2pw" not in message
    )
