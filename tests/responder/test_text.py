"""Quoting people's words and greeting them: safe with any text."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from responder.text import ELLIPSIS, clean, fold, mask_contacts, person_name, quote, trim


def test_short_text_is_kept_whole() -> None:
    assert trim("mantap 👍", 20) == "mantap 👍"


def test_cut_lands_on_a_word_boundary() -> None:
    assert trim("kopinya enak banget tapi antrinya lama", 24) == "kopinya enak banget…"


def test_one_giant_word_is_cut_without_splitting_an_emoji_sequence() -> None:
    family = "👨\u200d👩\u200d👧"
    text = "a" * 8 + family * 3

    cut = trim(text, 12)

    assert cut.endswith(ELLIPSIS)
    body = cut.removesuffix(ELLIPSIS)
    assert not body.endswith("\u200d")
    assert body.count(family) * len(family) == len(body) - 8


def test_combining_marks_stay_with_their_letter() -> None:
    text = "e\u0301" * 30  # decomposed; clean() would compose, trim() must not split

    body = trim(text, 11).removesuffix(ELLIPSIS)

    assert not unicodedata.combining(body[0])
    assert body.endswith("\u0301")


@given(st.text(), st.integers(min_value=2, max_value=200))
def test_trim_never_exceeds_the_limit(text: str, limit: int) -> None:
    assert len(trim(text, limit)) <= limit


@given(
    st.lists(st.text(alphabet="abcdeé🙂", min_size=1, max_size=12), min_size=1),
    st.integers(min_value=5, max_value=80),
)
def test_trimmed_text_is_whole_words(words: list[str], limit: int) -> None:
    text = " ".join(words)

    trimmed = trim(text, limit)

    if len(text) <= limit:
        assert trimmed == text
    elif text.rfind(" ", 0, limit) > 0:  # a word boundary fits: the cut must be there
        body = trimmed.removesuffix(ELLIPSIS)
        assert trimmed.endswith(ELLIPSIS)
        assert text.startswith(body)
        assert text[len(body)] == " "


def test_quote_drops_links_controls_and_bidi_overrides() -> None:
    text = "cek\u202e ini https://bit.ly/abc\x00 pesanan\r\n\tsaya"

    assert quote(text, 100) == "cek ini pesanan saya"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("NUL and C0 \x1b[31mRED\x1b[0m and C1 \x9b31m control", "NUL and C0 RED and C1 control"),
        ("lambat \x1b]8;;http://evil.example\x07click\x1b]8;;\x07 ya", "lambat click ya"),
        ("judul \x1b]0;pwned\x1b\\ ok \x1b(B", "judul ok"),
        ("Budi\x1b[2J", "Budi"),
        # an escape that never ends takes nothing else with it
        ("a \x1b]0;no end here", "a 0;no end here"),
    ],
)
def test_quote_drops_whole_terminal_escape_sequences(text: str, expected: str) -> None:
    """Only the ESC byte went: a draft quoted "31m control" and "]8;;" to the customer."""
    assert quote(text, 200) == expected


def test_fold_ignores_case_accents_and_elongation() -> None:
    assert fold("TOLONGGG Segeraaa Café") == "tolong segera cafe"


def _fold_every_pass(text: str) -> str:
    """fold as it was before it skipped the reduplication pass for text without a "2"."""
    folded = text.casefold()
    decomposed = unicodedata.normalize("NFKD", folded)
    folded = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    folded = re.sub(r"(\w)\1{2,}", r"\1", folded)
    return re.sub(
        r"(?<![\w-])([^\W\d_]{3,})2(nya|ny|an|in|ku|mu|lah|kah|pun)?(?![\w-])",
        r"\1-\1\2",
        folded,
    )


@given(st.text(alphabet="aAkopinyé2²٢ -_.\u0301\u200d", max_size=40))
def test_fold_without_a_2_gives_what_every_pass_gave(text: str) -> None:
    """Skipping the reduplication pass when there is no "2" changes nothing ("²" and
    Arabic-Indic "٢" are no reduplication either)."""
    assert fold(text) == _fold_every_pass(text)
    assert fold("muntah2 kopi2nya ps2 mp3") == "muntah-muntah kopi-kopinya ps2 mp3"


def test_clean_composes_to_nfc() -> None:
    assert clean("Ayu\u0301") == "Ayú"


@pytest.mark.parametrize(
    ("name", "handle", "expected"),
    [
        ("Rina Wulandari", "@rinaw", "Rina"),
        ("🌸 Rina W.", None, "Rina"),
        ("O'Neil", None, "O'Neil"),
        ("Jean-Luc Picard", None, "Jean-Luc"),
        ("McDonald", None, "McDonald"),
        ("Mas Yoga", None, "Yoga"),
        ("BUDI SANTOSO", None, "Budi"),
        ("李明", None, "李明"),
        ("Ayu\u0301 🌸", None, "Ayú"),
        ("Rina", "rina", "Rina"),
        # a handle is never a name, and neither is a display name that looks like one
        ("", "@kopilover", None),
        (None, "u8", None),
        ("u8", "u8", None),
        ("rina", "rina", None),
        ("budi_santoso", "budi_santoso", None),
        ("kopilover99", None, None),
        ("xXRinaXx", None, None),
        ("JKT48", None, None),
        (None, "@budi@mastodon.social", None),
        ("☕☕", None, None),
        ("✨", "emoji.queen", None),
        ("Redaksi Kabar Kuliner", None, None),
        ("Kopi Lover Jakarta", None, None),
        # a page's name, wherever its word for "page" stands: not "Hi Jakarta,"
        ("Jakarta Food Blog", None, None),
        ("Bekasi Kuliner Info", None, None),
        ("Sinar News", None, None),
        # no name is 5,000 letters long: not "Hi Nnnnnnn…," in the draft and its subject
        ("N" * 5000, None, None),
        ("Wolfeschlegelsteinhausenbergerdorff", None, "Wolfeschlegelsteinhausenbergerdorff"),
    ],
)
def test_person_name(name: str | None, handle: str | None, expected: str | None) -> None:
    assert person_name(name, handle) == expected


def test_clean_drops_invisible_word_splitters() -> None:
    assert clean("Kopi\u200b Senja paling ma\u200bntap\ufeff") == "Kopi Senja paling mantap"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # joiners beside ASCII hide nothing but themselves: a draft never quotes them
        ("zero\u200bwidth\u200djoiner\u200c complaint", "zerowidthjoiner complaint"),
        ("\u200dstart end😀\u200d", "start end😀"),
        # tag characters outside a flag are invisible text ("ASCII smuggling")
        ("hi\U000e0041\U000e0042 there", "hi there"),
        ("a\u2062b\u206ac", "abc"),
        # what the joiners and tags are for stays: emoji sequences, Persian, Devanagari, flags
        ("👨\u200d👩\u200d👧 keluarga", None),
        ("می\u200cخواهم", None),
        ("क्\u200dष", None),
        ("🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f Scotland", None),
    ],
)
def test_clean_drops_stray_joiners_and_tags(text: str, expected: str | None) -> None:
    assert clean(text) == (text if expected is None else expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("nomor saya 0812-3456-7890, tolong hubungi", "nomor saya […], tolong hubungi"),
        ("Call me at +62 813 9988 7766.", "Call me at […]."),
        ("WA 6281234567890 ya", "WA […] ya"),
        ("email saya bayu.aji@example.com.", "email saya […]."),
        # no contact details: order ids, amounts, dates and times stay
        ("order KS-77120 Rp 1.200.000.000 on 20/11/2026 14:30", None),
        ("order 9981234567, resi JP1234567890", None),
    ],
)
def test_mask_contacts_hides_phone_numbers_and_emails(text: str, expected: str | None) -> None:
    assert mask_contacts(text) == (expected or text)
