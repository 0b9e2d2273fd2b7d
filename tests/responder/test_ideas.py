"""The ideas board: the same wish in English or Indonesian lands in one group."""

from __future__ import annotations

import random

import pytest

from responder.idea_text import idea_key, ignore_set, similarity
from responder.ideas import DEFAULT_THRESHOLD, IdeaGroup, IdeaText, assign_group, group_ideas

IDEAS = [
    IdeaText(1, "Please add dark mode to the app 🙏"),
    IdeaText(2, "Buka cabang di Bandung dong kak"),
    IdeaText(3, "tolong tambahin dark mode dong min"),
    IdeaText(4, "support QRIS payment please"),
    IdeaText(5, "semoga ada mode gelap di aplikasinya"),
    IdeaText(6, "please open a branch in Bandung"),
    IdeaText(7, "bisa bayar pakai QRIS ga min"),
    IdeaText(8, "Would love a dark theme option!"),
    IdeaText(9, "kapan buka outlet di bandung?"),
    IdeaText(10, "sediakan sedotan kertas dong, kurangi plastik"),
    IdeaText(11, "use paper straws instead of plastic"),
    IdeaText(12, "add a loyalty points program"),
    IdeaText(13, "ada program poin member dong"),
    IdeaText(14, "jual merchandise tumbler juga"),
]


def _members(groups: list[IdeaGroup]) -> set[tuple[int, ...]]:
    return {group.member_ids for group in groups}


def test_paraphrases_across_languages_share_a_group() -> None:
    groups = group_ideas(IDEAS)

    assert _members(groups) == {
        (1, 3, 5, 8),  # dark mode
        (2, 6, 9),  # a branch in Bandung
        (4, 7),  # QRIS payment
        (10, 11),  # paper straws
        (12, 13),  # loyalty points
        (14,),  # tumbler merchandise: nothing like it
    }


def test_most_asked_group_comes_first_with_a_representative_title() -> None:
    top = group_ideas(IDEAS)[0]

    assert top.count == 4
    assert top.title in {IDEAS[i - 1].text for i in top.member_ids}
    assert "dark" in top.title.lower() or "gelap" in top.title.lower()


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("please add dark mode", "open a branch in Bandung"),
        ("tambah menu kopi susu", "bisa bayar pakai QRIS"),
        ("add a loyalty points program", "use paper straws instead of plastic"),
    ],
)
def test_unrelated_ideas_stay_apart(left: str, right: str) -> None:
    groups = group_ideas([IdeaText(1, left), IdeaText(2, right)])

    assert _members(groups) == {(1,), (2,)}
    assert similarity(left, right) < DEFAULT_THRESHOLD


def test_grouping_is_deterministic_whatever_the_input_order() -> None:
    shuffled = list(IDEAS)
    random.Random(7).shuffle(shuffled)

    assert group_ideas(shuffled) == group_ideas(IDEAS)


def test_group_key_survives_new_members() -> None:
    before = {g.member_ids[0]: g.key for g in group_ideas(IDEAS)}
    after = group_ideas([*IDEAS, IdeaText(99, "dark mode pls, mata sakit malam2")])

    dark = next(g for g in after if 99 in g.member_ids)
    assert dark.key == before[1]
    assert {g.key for g in after} == set(before.values())


def test_keys_are_unique_even_for_identical_texts_that_cannot_be_compared() -> None:
    groups = group_ideas([IdeaText(1, "🙏🙏"), IdeaText(2, "👍"), IdeaText(3, "🙏🙏")])

    assert len({g.key for g in groups}) == len(groups)
    assert _members(groups) == {(1, 3), (2,)}


def test_long_title_is_trimmed() -> None:
    text = "please add a dark mode that follows the system setting automatically " * 3

    (group,) = group_ideas([IdeaText(1, text)], title_chars=40)

    assert len(group.title) <= 40
    assert group.title.endswith("…")
    assert group.representative == text


def test_empty_board() -> None:
    assert group_ideas([]) == []


def test_duplicate_ids_are_refused() -> None:
    with pytest.raises(ValueError, match="distinct id"):
        group_ideas([IdeaText(1, "a"), IdeaText(1, "b")])


def test_new_idea_joins_the_closest_group() -> None:
    groups = group_ideas(IDEAS)
    qris = next(g for g in groups if 4 in g.member_ids)

    assert assign_group("terima pembayaran QRIS dong", groups) == qris.key


def test_new_unlike_idea_gets_a_fresh_stable_key() -> None:
    groups = group_ideas(IDEAS)
    text = "bikin kelas latte art buat pelanggan"

    key = assign_group(text, groups)

    assert key not in {g.key for g in groups}
    assert key == idea_key(text) == assign_group(text, groups)
    assert group_ideas([IdeaText(50, text)])[0].key == key


BRAND = ["Kopi Senja", "kopisenja"]

NOISY = [
    IdeaText(
        1,
        "@kopisenja semoga ada oat milk ya, aku lactose intolerant jadi cuma bisa pesen americano",
    ),
    IdeaText(
        2, "Gerai Kopi Senja Bintaro belum bisa bayar pakai QRIS, harus cari ATM dulu. Ribet."
    ),
    IdeaText(3, "Kopi Senja kapan buka cabang di Medan? Orang Medan juga mau ngopi 😁"),
    IdeaText(
        4, "Love Kopi Senja, but please add oat milk! Half my office is lactose intolerant 🌱"
    ),
    IdeaText(5, "kopisenja should accept QRIS payments at every branch, not everyone has cash"),
    IdeaText(6, "Semoga ada cabang Kopi Senja di Medan tahun depan, dekat kampus pasti ramai."),
    IdeaText(7, "Kopi Senja Bintaro belum bisa bayar pakai QRIS ya? Tolong tambahin QRIS dong"),
    IdeaText(
        8, "Suggestion for @kopisenja: a loyalty bonus for people who bring their own tumbler"
    ),
]


def test_real_world_mentions_group_once_the_brand_is_ignored() -> None:
    groups = group_ideas(NOISY, ignore=BRAND)

    assert _members(groups) == {(1, 4), (2, 5, 7), (3, 6), (8,)}


def test_a_shared_brand_name_alone_does_not_make_ideas_alike() -> None:
    items = [
        IdeaText(1, "Kopi Senja app: please add dark mode"),
        IdeaText(2, "Kopi Senja app, tolong tambahin pembayaran QRIS"),
    ]

    assert _members(group_ideas(items, ignore=BRAND)) == {(1,), (2,)}
    assert assign_group(items[1].text, group_ideas(items[:1], ignore=BRAND), ignore=BRAND) == (
        idea_key(items[1].text, ignore_set(BRAND))
    )
