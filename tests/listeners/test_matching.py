"""Brand matching: whole words, case- and accent-insensitive, excludes win."""

from __future__ import annotations

import pytest

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


def test_accents_and_multiple_brands_and_several_texts() -> None:
    matcher = BrandMatcher([KOPI, CAFE])
    assert matcher.match("best latte at cafe ole") == "cafe-ole"
    assert matcher.match("CAFÉ OLÉ rocks") == "cafe-ole"
    assert matcher.match(None, "Review", "kopisenja rocks") == "kopi-senja"
    assert [b.name for b in matcher.brands] == ["kopi-senja", "cafe-ole"]


def test_fold_is_stable_on_odd_unicode() -> None:
    assert fold("Ｋｏｐｉ ＳＥＮＪＡ\ufeff") == "kopi senja"
    assert fold("\ud800 lone surrogate").endswith("lone surrogate")
