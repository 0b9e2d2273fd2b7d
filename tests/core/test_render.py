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
