"""What the terminal is given of a stranger's text."""

from __future__ import annotations

import pytest

from simak.cli.render import inert, one_line


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        # invisible characters inside a handle were passed through: "kopi\u200bsenja" looked
        # like the brand's own handle in people show, send --dry-run and the queue
        ("kopi\u200bsenja", "kopi<U+200B>senja"),
        ("\ufeffrina\u2060", "<U+FEFF>rina<U+2060>"),
        ("a\u2028b\u2029c", "a<U+2028>b<U+2029>c"),
        ("soft\u00adhyphen", "soft<U+00AD>hyphen"),
        # what the person wrote and the terminal shows as intended stays
        ("👨\u200d👩\u200d👧 keluarga", "👨\u200d👩\u200d👧 keluarga"),
        ("می\u200cخواهم", "می\u200cخواهم"),
        ("\x1b[2J\u202eevil", "␛[2J<U+202E>evil"),
    ],
)
def test_invisible_and_controlling_characters_are_shown(text: str, shown: str) -> None:
    assert inert(text) == shown
    assert one_line(text) == shown


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        # the demo's "Kopi\u200b Senja paling ma\u200bntap" read "Kopi<U+200B> Senja paling
        # ma<U+200B>ntap" in the queue: markers in the middle of what a customer wrote
        ("Kopi\u200b Senja paling ma\u200bntap", "Kopi Senja paling mantap"),
        ("\ufeffsoft\u00adhyphen\u2060", "softhyphen"),
        ("one\u2028two", "one two"),
        # what could reorder or take over the terminal is still shown, in prose too
        ("\x1b[2J\u202eevil", "␛[2J<U+202E>evil"),
        ("👨\u200d👩\u200d👧 keluarga", "👨\u200d👩\u200d👧 keluarga"),
    ],
)
def test_prose_drops_word_splitting_invisibles(text: str, shown: str) -> None:
    assert one_line(text, prose=True) == shown


def test_prose_keeps_line_separators_as_line_breaks() -> None:
    assert inert("one\u2029two", prose=True) == "one\ntwo"
    assert inert("one\u2029two") == "one<U+2029>two"
