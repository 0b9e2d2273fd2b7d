"""Brand matching: whole words, case- and accent-insensitive, excludes win."""

from __future__ import annotations

import time
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from listeners.matching import BrandMatcher, BrandSpec, fold

KOPI = BrandSpec(
    name="kopi-senja",
    terms=("Kopi Senja", "kopisenja", "#kopisenja"),
    exclude=("senja utama",),
    handles={"x": "kopisenja_id"},
)
CAFE = BrandSpec(name="cafe-ole", terms=("Café Olé",))


@pytest.mark.parametrize(
    "text",
    [
        "Kopi Senja enak",
        "KOPI   SENJA!",
        "ngopi di kopi senja.",
        "mampir #kopisenja",
        "thanks @kopisenja_id",
        "Kopi\u200b Senja paling mantap",
        "(Kopi Senja)",
    ],
)
def test_matches_brand_mentions(text: str) -> None:
    assert BrandMatcher([KOPI]).match(text) == "kopi-senja"


@pytest.mark.parametrize(
    "text",
    [
        "senja di pantai indah",
        "kopisenjaku enak",
        "Kopi Senjani",
        "",
        "Kopi Senja Utama buka",
    ],
)
def test_ignores_non_mentions_and_excludes(text: str) -> None:
    assert BrandMatcher([KOPI]).match(text) is None


def test_an_emoji_in_a_brand_term_matches_with_or_without_its_variation_selector() -> None:
    """Phones type "☕\ufe0f": a brand term "Kopi☕Senja" missed "Kopi☕\ufe0fSenja"."""
    matcher = BrandMatcher([BrandSpec(name="k", terms=("Kopi☕Senja",))])
    assert matcher.match("Kopi☕\ufe0fSenja enak") == "k"
    assert matcher.match("kopi☕senja enak") == "k"
    assert (
        BrandMatcher([BrandSpec(name="k", terms=("Kopi☕\ufe0fSenja",))]).match("Kopi☕Senja")
        == "k"
    )


def test_accents_and_multiple_brands_and_several_texts() -> None:
    matcher = BrandMatcher([KOPI, CAFE])
    assert matcher.match("best latte at cafe ole") == "cafe-ole"
    assert matcher.match("CAFÉ OLÉ rocks") == "cafe-ole"
    assert matcher.match(None, "Review", "kopisenja rocks") == "kopi-senja"
    assert [b.name for b in matcher.brands] == ["kopi-senja", "cafe-ole"]


def test_fold_is_stable_on_odd_unicode() -> None:
    assert fold("Ｋｏｐｉ ＳＥＮＪＡ\ufeff") == "kopi senja"
    assert fold("\ud800 lone surrogate").endswith("lone surrogate")


def _reference_fold(text: str) -> str:
    """The definition fold must keep (character by character)."""
    text = unicodedata.normalize("NFKC", text).translate(
        dict.fromkeys([*map(ord, "\u200b\u200c\u200d\u2060\ufeff"), *range(0xFE00, 0xFE10)])
    )
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@settings(max_examples=300, deadline=None, database=None)
@given(
    st.text() | st.text(alphabet="aÄéñ\u0301\u200bİßﬁ\U0001e94a\U00020000Ｋ☕\ufe0f ", max_size=40)
)
def test_fold_is_exactly_the_reference(text: str) -> None:
    assert fold(text) == _reference_fold(text)


def test_fold_is_fast_on_a_megabyte() -> None:
    started = time.process_time()
    for text in ("kopi senja " + "x" * 1_000_000, "kopi sénja " + "é" * 500_000):
        assert fold(text).startswith("kopi senja ")
    assert time.process_time() - started < 1.0
