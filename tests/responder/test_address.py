"""Formal Indonesian drafts say "Ibu" or "Bapak" only when the display name plainly says
which; anything unsure stays "Bapak/Ibu" (and casual drafts say "Kak" to everyone)."""

from __future__ import annotations

import pytest

from responder.address import FEMALE_NAMES, MALE_NAMES, honorific
from responder.draft_input import DraftInput, DraftPost
from responder.drafts import DraftWriter
from responder.settings import ResponderSettings

FORMAL = "Saya sangat kecewa, pesanan saya tidak sesuai. Mohon segera diperiksa."
CASUAL = "kak pesenan gw salah mulu dong 😤"


@pytest.mark.parametrize(
    ("display_name", "expected"),
    [
        ("Ibu Sari Wijaya", "Ibu"),
        ("Bu Ani", "Ibu"),
        ("Mrs. Tan Mei Ling", "Ibu"),
        ("Ms Lim", "Ibu"),
        ("Mbak Rara", "Ibu"),
        ("Bapak Hartono", "Bapak"),
        ("Pak Darmawan", "Bapak"),
        ("Mr. Lee", "Bapak"),
        ("Siti Rahma", "Ibu"),
        ("Putri Ananda", "Ibu"),
        ("DEWI LESTARI", "Ibu"),
        ("Budi Santoso", "Bapak"),
        ("Agus Salim", "Bapak"),
        ("Dr. Budi", "Bapak"),  # a title that says nothing, then a clear name
        # unknown or used for both: neutral, never a guess
        ("Dian Pratiwi", "Bapak/Ibu"),
        ("Rizky Firmansyah", "Bapak/Ibu"),
        ("Nur Hidayah", "Bapak/Ibu"),
        ("Kevin Tanoto", "Bapak/Ibu"),
        ("Kak Tri", "Bapak/Ibu"),
        ("Redaksi Kabar Kuliner", "Bapak/Ibu"),
        ("budi_santoso", "Bapak/Ibu"),  # the handle, not a name
        ("", "Bapak/Ibu"),
        (None, "Bapak/Ibu"),
    ],
)
def test_honorific(display_name: str | None, expected: str) -> None:
    assert honorific(display_name, "budi_santoso") == expected


def test_no_name_is_on_both_lists() -> None:
    assert not FEMALE_NAMES & MALE_NAMES


def _draft(name: str, text: str) -> str:
    writer = DraftWriter(ResponderSettings())
    post = DraftPost(text, ("complaint",))
    item = DraftInput(label="complaint", posts=(post,), lang="id", brand="Kopi Senja", name=name)
    draft = writer.write_one(item)
    return "\n".join((draft.subject, draft.body, *draft.messages))


@pytest.mark.parametrize(
    ("name", "greeting", "you"),
    [
        ("Siti Rahma", "Halo Ibu Siti,", "Ibu"),
        ("Pak Agus Wibowo", "Halo Bapak Agus,", "Bapak"),
        ("Dian Pratiwi", "Halo Bapak/Ibu Dian,", "Bapak/Ibu"),
    ],
)
def test_a_formal_draft_uses_a_clear_gender(name: str, greeting: str, you: str) -> None:
    text = _draft(name, FORMAL)

    assert greeting in text.splitlines()
    assert you in text
    if you != "Bapak/Ibu":
        assert "Bapak/Ibu" not in text


def test_a_casual_draft_says_kak_whatever_the_name() -> None:
    text = _draft("Siti Rahma", CASUAL)

    assert "Halo Kak Siti," in text.splitlines()
    assert "Ibu" not in text and "Bapak" not in text
