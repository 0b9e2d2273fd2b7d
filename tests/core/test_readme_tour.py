"""The README's tour runs on the demo: the people it merges are one person on two
platforms, not two strangers."""

from __future__ import annotations

import re
import typing
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel

from simak.app import App
from simak.config import load_settings
from simak.usecases import people
from simak.usecases.poll import poll
from tests.core.races import demo_project
from tests.fakes.fixtures import FAKE_ENV

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_tours_merge_is_one_person_on_two_platforms(tmp_path: Path) -> None:
    """Before: the tour said `people merge 16 31` and, with today's demo, merged Ghina
    Salsabila (instagram) into Greta Nilsson (x), two strangers; the ids had moved."""
    tour = README.read_text("utf-8")
    [(kept, merged)] = re.findall(r"^simak people merge (\d+) (\d+) ", tour, re.MULTILINE)
    [shown] = re.findall(r"^simak people show (\d+) ", tour, re.MULTILINE)
    config = demo_project(tmp_path / "p", f"sqlite:///{tmp_path / 'simak.db'}")
    app = App(load_settings(config, FAKE_ENV), config, FAKE_ENV)
    assert not poll(app).failed
    one, other = people.show(app, int(kept)), people.show(app, int(merged))
    assert one.name and one.name == other.name, (one.name, other.name)
    platforms = {h.platform for h in one.handles}, {h.platform for h in other.handles}
    assert not platforms[0] & platforms[1], platforms
    assert shown == kept


def test_the_exit_code_table_has_every_code_simak_exits_with() -> None:
    """Before: 130 (a second Ctrl-C or SIGTERM stops a worker at once) and 143 (killed by
    SIGTERM) were left out of the table that every command's exits refer to."""
    from common import errors

    tour = README.read_text("utf-8")
    table = tour.split("| code | meaning |", 1)[1].split("\n\n", 1)[0]
    listed = {int(code) for code in re.findall(r"^\| `(\d+)` \|", table, re.MULTILINE)}
    constants = {v for k, v in vars(errors).items() if k.startswith("EXIT_")}
    assert listed == constants | {130, 143}, sorted(listed)


def _command_tree() -> Any:
    import typer

    from simak.cli import app as cli

    return typer.main.get_command(cli)


def _options(command: Any) -> set[str]:
    return {o for p in command.params for o in (*p.opts, *getattr(p, "secondary_opts", ()))}


GLOBAL_WITH_VALUE = ("--config", "-c", "--log-format")


def test_every_simak_command_the_readme_shows_exists_with_its_options() -> None:
    """A command or an option the README shows that Simak does not have is a user's first
    error line; each `simak …` run in the README resolves to a command with those options."""
    shown = {
        tuple(m.group(1).split())
        for m in re.finditer(r"(?<![\w/.-])simak((?: [^\s`#;|)>]+)+)", README.read_text("utf-8"))
    }
    wrong = []
    for words in sorted(shown):
        command, i = _command_tree(), 0
        while i < len(words) and hasattr(command, "commands"):
            if words[i].startswith("-"):  # a global option before the command
                i += 2 if words[i] in GLOBAL_WITH_VALUE else 1
            elif words[i] in command.commands:
                command, i = command.commands[words[i]], i + 1
            else:
                break
        if hasattr(command, "commands") and not command.params:
            continue  # prose naming a group (`simak followup`, `simak workers`)
        flags = [f for w in words[i:] for f in re.findall(r"^\[?(--?[a-z][\w-]*)", w)]
        wrong += [f"simak {' '.join(words)}: {f}" for f in flags if f not in _options(command)]
    assert len(shown) > 60 and not wrong, wrong


def _merged(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in extra.items():
        same = isinstance(value, dict) and isinstance(base.get(key), dict)
        out[key] = _merged(base[key], value) if same else value
    return out


def test_every_yaml_example_in_the_readme_loads_into_the_demo_config(tmp_path: Path) -> None:
    """Each ```yaml block of the README, added to the demo's config.yaml, is a config
    Simak accepts (keys, types, durations)."""
    demo = yaml.safe_load((README.parent / "config.yaml").read_text("utf-8"))
    blocks = re.findall(r"```yaml\n(.*?)```", README.read_text("utf-8"), re.DOTALL)
    assert len(blocks) >= 6
    for n, block in enumerate(blocks):
        config = tmp_path / f"config{n}.yaml"
        config.write_text(yaml.safe_dump(_merged(demo, yaml.safe_load(block))), "utf-8")
        load_settings(config, FAKE_ENV)


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return next(filter(None, map(_model_in, typing.get_args(annotation))), None)


def _names(field: Any, name: str) -> set[str]:
    alias = field.validation_alias
    return {name, *(getattr(alias, "choices", None) or ([alias] if alias else []))}


def test_every_config_key_the_readme_names_is_one_simak_reads() -> None:
    """Before: the README named `responder.idea_title.idea_sentences` like a config key
    (a setting to turn the idea-sentence comparison off); it is a function, and a config
    with `responder: {idea_title: …}` stops with "unknown key"."""
    from simak.config.schema import Settings

    tops = "|".join(Settings.model_fields)
    named = set(re.findall(rf"`((?:{tops})(?:\.[a-z_]+)+)`", README.read_text("utf-8")))
    unknown = []
    for key in sorted(named):
        model: type[BaseModel] | None = Settings
        for part in key.split("."):
            if model is None:
                break  # a mapping (rules, channels, options): any key
            fields = {n: f for name, f in model.model_fields.items() for n in _names(f, name)}
            if part not in fields:
                unknown.append(key)
                break
            model = _model_in(fields[part].annotation)
    assert len(named) > 10 and not unknown, unknown
