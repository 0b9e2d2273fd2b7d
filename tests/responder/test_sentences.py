"""Sentence and clause splitting for quoting whole sentences back, in English and Indonesian."""

from __future__ import annotations

import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from responder.sentences import leading_clauses, split_clauses, split_sentences


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Kopinya enak. Baristanya ramah!", ["Kopinya enak.", "Baristanya ramah!"]),
        ("Is it open? I hope so.", ["Is it open?", "I hope so."]),
        # lower-case sentence starts are normal in Indonesian posts
        ("wifi mati terus. kecewa", ["wifi mati terus.", "kecewa"]),
        # dots inside amounts, numbers and abbreviations end nothing
        (
            "Harganya Rp 45.000 dan poin 1.200. Mahal.",
            ["Harganya Rp 45.000 dan poin 1.200.", "Mahal."],
        ),
        ("Bayar Rp. 45.000 tadi. Kok mahal?", ["Bayar Rp. 45.000 tadi.", "Kok mahal?"]),
        ("Pesan kopi, roti, dll. dan semua telat.", ["Pesan kopi, roti, dll. dan semua telat."]),
        ("Pesan kopi, roti, dll. Semua telat.", ["Pesan kopi, roti, dll.", "Semua telat."]),
        (
            "Cabang Jl. Kemang Raya No. 5 tutup. Sayang.",
            ["Cabang Jl. Kemang Raya No. 5 tutup.", "Sayang."],
        ),
        ("Ask Dr. Sari at 10 a.m. tomorrow.", ["Ask Dr. Sari at 10 a.m. tomorrow."]),
        ("Thanks e.g. for the latte. Great!", ["Thanks e.g. for the latte.", "Great!"]),
        ("Rina W. Marlina said hi. Nice.", ["Rina W. Marlina said hi.", "Nice."]),
        ("It cost $12.50. Too much!!! Really?!", ["It cost $12.50.", "Too much!!!", "Really?!"]),
        # a trailing-off pause is not an end; a pause before a capital is
        ("lama banget... tapi enak", ["lama banget... tapi enak"]),
        ("lama banget… Besok lagi", ["lama banget…", "Besok lagi"]),
        # quotes and brackets close with their sentence
        ('He said "no way." Then left.', ['He said "no way."', "Then left."]),
    ],
)
def test_sentences(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def test_emoji_before_a_new_capitalised_sentence_ends_it() -> None:
    text = "Mantap kayak biasa ☕️😍 Besok balik lagi. terharu 😭❤️ pelanggan setia"

    assert split_sentences(text) == [
        "Mantap kayak biasa ☕️😍",
        "Besok balik lagi.",
        "terharu 😭❤️ pelanggan setia",
    ]


def test_line_breaks_end_sentences_and_links_go() -> None:
    text = "Pesanan telat\n\nes nya cair https://t.co/abc.def semua\r\nKecewa."

    assert split_sentences(text) == ["Pesanan telat", "es nya cair semua", "Kecewa."]
    assert split_sentences("see https://kopi.example/a. Thanks", keep_links=True) == [
        "see https://kopi.example/a.",
        "Thanks",
    ]


def test_nothing_but_links_and_space_has_no_sentences() -> None:
    assert split_sentences("  https://t.co/x \n\n ") == []


def test_clauses_split_at_punctuation_and_contrast_words() -> None:
    sentence = "Honestly kopi susunya enak banget but the queue was crazy, waited 30 mins"

    assert split_clauses(sentence) == [
        "Honestly kopi susunya enak banget",
        "but the queue was crazy",
        "waited 30 mins",
    ]
    assert split_clauses("Kopinya enak, tapi app nya error") == [
        "Kopinya enak",
        "tapi app nya error",
    ]


def test_leading_clauses_end_at_a_clause_with_an_ellipsis() -> None:
    sentence = (
        "The cashier ignored me for ten minutes, then served two people after me, and laughed"
    )

    assert leading_clauses(sentence, 80) == (
        "The cashier ignored me for ten minutes, then served two people after me…"
    )
    assert leading_clauses(sentence, 60) == "The cashier ignored me for ten minutes…"
    assert leading_clauses(sentence, 20) is None
    assert leading_clauses("no clause boundary anywhere in this long sentence", 20) is None


_WORDS = st.text(alphabet="abcdefghij éü😀", min_size=1, max_size=12).filter(str.strip)


@given(
    st.lists(
        st.tuples(st.lists(_WORDS, min_size=1, max_size=6), st.sampled_from(".!?")), min_size=1
    )
)
def test_sentences_rejoin_to_the_cleaned_text(parts: list[tuple[list[str], str]]) -> None:
    text = " ".join(" ".join(words) + end for words, end in parts)

    sentences = split_sentences(text)

    assert " ".join(sentences) == " ".join(text.split())
    assert all(s == s.strip() and s for s in sentences)


def test_a_post_of_many_sentences_is_split_in_linear_time() -> None:
    """Each dot looked at everything before it: a 1 MB post (47,600 sentences) stalled
    a poll for hours in the draft's sentence pass; these 4,000 took 60 s (now ~0.15 s)."""
    started = time.perf_counter()
    assert len(split_sentences("kopinya enak banget. " * 4_000)) == 4_000
    assert time.perf_counter() - started < 10


def test_a_long_word_before_a_dot_is_not_read_as_an_abbreviation() -> None:
    word = "x" * 70 + "jl"  # cut to its last 64 characters: still not "jl"
    assert split_sentences(f"A {word}. Next one") == [f"A {word}.", "Next one"]
    assert split_sentences("Di Jl. Kemang. Besok lagi") == ["Di Jl. Kemang.", "Besok lagi"]
