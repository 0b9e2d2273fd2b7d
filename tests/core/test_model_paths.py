"""A relative model folder in `classifier.options` means the config file's folder (README:
every relative path in the config does), not wherever `simak` was started (cron: $HOME)."""

from __future__ import annotations

from pathlib import Path

import pytest

from common.errors import ClassifierError
from simak.app import App
from simak.config import load_settings

BRAND = "brands:\n  - name: kopi-senja\n    terms: [Kopi Senja]\n"


def _app(folder: Path, classifier: str) -> App:
    config = folder / "config.yaml"
    config.write_text(BRAND + classifier, encoding="utf-8")
    return App(settings=load_settings(config, {}), config_path=config, env={})


def test_embedded_path_is_relative_to_the_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project, elsewhere = tmp_path / "project", tmp_path / "home"
    project.mkdir()
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    app = _app(project, "classifier:\n  backend: embedded\n  options: {path: models/mine}\n")
    with pytest.raises(ClassifierError) as caught:
        _ = app.classifier
    assert str(project / "models" / "mine" / "manifest.json") in str(caught.value)


def test_transformers_folder_is_relative_to_the_config_and_hub_ids_stay(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "home").mkdir()
    monkeypatch.chdir(tmp_path / "home")
    (tmp_path / "hf-model").mkdir()  # no config.json: not a saved model
    app = _app(tmp_path, "classifier:\n  backend: transformers\n  options: {model: ./hf-model}\n")
    with pytest.raises(ClassifierError, match=r"no config\.json there") as caught:
        _ = app.classifier
    assert str(tmp_path / "hf-model") in str(caught.value)
    hub = _app(tmp_path, "classifier:\n  backend: transformers\n  options: {model: org/name}\n")
    assert hub._classifier_paths("transformers", {"model": "org/name"}) == {"model": "org/name"}
