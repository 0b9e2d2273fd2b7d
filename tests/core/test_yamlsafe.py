"""Config files that cannot hurt: YAML bombs, deep nesting, duplicate keys, non-finite
numbers and odd files each fail fast with one ConfigError line naming file and line."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from common.errors import ConfigError
from simak.config import load_settings, read_config_file
from simak.yamlsafe import load_yaml_file

BOMB = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
j: &j [*i,*i,*i,*i,*i,*i,*i,*i,*i]
k: &k [*j,*j,*j,*j,*j,*j,*j,*j,*j]
l: &l [*k,*k,*k,*k,*k,*k,*k,*k,*k]
m: &m [*l,*l,*l,*l,*l,*l,*l,*l,*l]
n: &n [*m,*m,*m,*m,*m,*m,*m,*m,*m]
"""


def refused(tmp_path: Path, text: str | bytes) -> str:
    path = tmp_path / "config.yaml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    started = time.monotonic()
    with pytest.raises(ConfigError) as info:
        read_config_file(path)
    assert time.monotonic() - started < 2
    message = str(info.value)
    assert "\n" not in message and len(message) < 300
    assert message.startswith(str(path))
    return message.removeprefix(str(path))


def test_an_alias_bomb_fails_fast(tmp_path: Path) -> None:
    assert refused(tmp_path, BOMB) == (
        ":6: aliases expand to more than 100000 values (an alias bomb?); fix the file there"
    )


def test_a_recursive_alias_is_refused(tmp_path: Path) -> None:
    assert "recursive alias" in refused(tmp_path, "r: &r [*r]\n")
    assert "recursive alias" in refused(tmp_path, "a: &x {b: {c: *x}}\n")


def test_deep_nesting_is_refused_before_recursing(tmp_path: Path) -> None:
    assert refused(tmp_path, "x: " + "[" * 50_000) == (
        ":1: nested deeper than 64 levels; fix the file there"
    )
    block = "".join(f"{' ' * i}k{i}:\n" for i in range(100))
    assert "nested deeper than 64 levels" in refused(tmp_path, block)


def test_duplicate_keys_are_refused_with_both_lines(tmp_path: Path) -> None:
    text = "classifier:\n  backend: embedded\n  batch_size: 8\n  backend: keywords\n"
    assert refused(tmp_path, text) == (
        ":4: duplicate key 'backend' (first given on line 2); fix the file there"
    )


@pytest.mark.parametrize("value", [".inf", "-.Inf", ".nan", ".NaN"])
def test_non_finite_numbers_are_refused(tmp_path: Path, value: str) -> None:
    assert "non-finite number" in refused(tmp_path, f"a:\n  timeout_s: {value}\n")


def test_absurd_integers_are_refused(tmp_path: Path) -> None:
    assert "number longer than 30 digits" in refused(tmp_path, f"a: {'9' * 5000}\n")


def test_special_files_size_and_encoding(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo.yaml"
    os.mkfifo(fifo)
    with pytest.raises(ConfigError, match="is a FIFO"):
        read_config_file(fifo)
    with pytest.raises(ConfigError, match="is a character device"):
        read_config_file(Path("/dev/zero"))
    assert "larger than 1024 KiB" in refused(tmp_path, "a: " + "x" * (1024 * 1024) + "\n")
    assert "not valid UTF-8 (at byte 3)" in refused(tmp_path, b"a: \xff\n")
    assert "not valid YAML" in refused(tmp_path, "brands: [\n  - x: : y")


def test_ordinary_anchors_and_merges_still_work(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(
        "base: &base {timeout_s: 10, attempts: 2}\n"
        "a: {<<: *base, attempts: 3}\n"
        "list: &l [1, 2]\n"
        "again: *l\n"
        "ratio: 0.5\n",
        encoding="utf-8",
    )
    data = load_yaml_file(path)
    assert data["a"] == {"timeout_s": 10, "attempts": 3}
    assert data["again"] == [1, 2]
    assert data["ratio"] == 0.5


def test_the_demo_config_still_loads() -> None:
    settings = load_settings(Path(__file__).parents[2] / "config.yaml", {})
    assert settings.sources


def test_an_unclosed_quote_is_reported_on_the_line_that_opens_it(tmp_path: Path) -> None:
    text = 'brands:\n  - name: kopi\n    terms: ["Kopi Senja]\nsources: []\n\n\n# end\n'
    message = refused(tmp_path, text)
    assert ":7" not in message and "line 7" not in message  # PyYAML's mark: the file's end
    assert "line 3 opens a quoted value that is never closed; add the closing quote" in message


def test_a_tab_indent_says_yaml_indents_with_spaces(tmp_path: Path) -> None:
    message = refused(tmp_path, "brands:\n\t- name: kopi\n")
    assert "line 2 is indented with a tab; indent YAML with spaces" in message
