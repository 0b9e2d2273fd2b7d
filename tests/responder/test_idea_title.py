"""Idea titles say the idea, not the post."""

from __future__ import annotations

import pytest

from responder.idea_title import idea_sentences, idea_title

BRAND = ["Kopi Senja", "kopisenja"]


@pytest.mark.parametrize(
    ("post", "title"),
    [
        ("Love Kopi Senja, but please add oat milk! Half my office is lactose intolerant 🌱",
         "Oat milk"),
        ("Kopi Senja app bagus sih, tapi tolong tambahin dark mode dong, silau banget kalau "
         "buka malam", "Dark mode"),
        ("@kopisenja kalau bisa buka lebih pagi dong, jam 7 udah banyak yang butuh kafein 😅",
         "Buka lebih pagi"),
        ("Please add a less sweet option to the Kopi Senja app, the 'normal sugar' setting "
         "is way too sweet for me.", "Less sweet option to the app"),
        ("Harga naik terus, sekarang kopi susu 38rb. Kemahalan @kopisenja, sebaiknya ada "
         "paket hemat buat pelajar", "Ada paket hemat buat pelajar"),
        ("kopisenja should accept QRIS at every branch, not everyone carries cash anymore",
         "Accept QRIS at every branch"),
        ("Suggestion for @kopisenja: a loyalty bonus for people who bring their own tumbler",
         "Loyalty bonus for people who bring their own tumbler"),
        ("It would be great if Kopi Senja opened earlier, like 6am. I pass by at 6:30",
         "Open earlier"),
        ("Any chance of an almond croissant? It's my favourite pastry with a flat white.",
         "Almond croissant"),
        ("would be great kalo ada detail shot bahan, soalnya aku takut nerawang",
         "Ada detail shot bahan"),
        ("min poin loyalty bisa dipake buat beli merchandise gak?",
         "Poin loyalty bisa dipake buat beli merchandise"),
        ("Kopi Senja tolong ada dark mode di aplikasinya ya 🙏",  # was "…aplikasinya ya 🙏"
         "Ada dark mode di aplikasinya"),
        ("@kopisenja please add decaf 🙏🏻✨", "Decaf"),
    ],
)  # fmt: skip
def test_the_title_is_the_proposal_without_its_wrapping(post: str, title: str) -> None:
    assert idea_title(post, BRAND, 80) == title


@pytest.mark.parametrize(
    "post",
    ["Kopi Senja", "@kopisenja", "please!!", "sediain ya kak", "🙏🙏🙏", ""],
)
def test_a_post_with_nothing_to_title_keeps_its_own_words(post: str) -> None:
    title = idea_title(post, BRAND, 80)

    assert title == post.strip()  # never empty unless the post is, never invented


def test_a_long_proposal_is_trimmed_to_the_limit() -> None:
    post = "Tolong tambahin " + "pilihan topping " * 20

    title = idea_title(post, BRAND, 40)

    assert len(title) <= 40 and title.startswith("Pilihan topping")


def test_an_odd_brand_term_is_matched_literally() -> None:
    assert idea_title("Kopi (Senja)+ please add oat milk", ["Kopi (Senja)+"], 80) == "Oat milk"


@pytest.mark.parametrize(
    ("post", "title"),
    [
        # "bring it back" named the thing in the sentence before: the title was "It back"
        ("Why did you stop selling the almond croissant? Please bring it back!",
         "Why did you stop selling the almond croissant"),
        ("@kopisenja min, kenapa gak ada menu croissant almond lagi? Tolong diadain lagi "
         "dong, padahal itu alasan aku ke sini", "Kenapa gak ada menu croissant almond lagi"),
        ("Kangen banget sama es kopi gula aren yang lama. Tolong balikin lagi dong resepnya",
         "Kangen banget sama es kopi gula aren yang lama"),
        ("Loved the seasonal mango frappe last year. Could you do it again this summer?",
         "Loved the seasonal mango frappe last year"),
        # "bring back" is the idea, not its wrapping; a pronoun keeps the verb before it
        ("Please bring back the pandan latte", "Bring back the pandan latte"),
        ("Can you add it to the app too?", "Add it to the app"),
        ("please bring it back", "Bring it back"),
        # a request that names its own thing stays as it was
        ("Kapan es kopi pandan dijual lagi?", "Kapan es kopi pandan dijual lagi"),
        ("Please restock the tumbler, it sold out in a day", "Restock the tumbler"),
    ],
)  # fmt: skip
def test_a_request_that_points_back_is_titled_by_what_it_points_at(post: str, title: str) -> None:
    assert idea_title(post, BRAND, 80) == title


@pytest.mark.parametrize(
    ("post", "kept"),
    [
        ("Best iced latte in town, but the app crashed twice. Would be nice to have an "
         "English version of the app too.",
         "Would be nice to have an English version of the app too."),
        # the sentence a pointing request refers to stays with it
        ("Why did you stop selling the almond croissant? Please bring it back!",
         "Why did you stop selling the almond croissant? Please bring it back!"),
        # what follows the proposal (its reasons) stays too
        ("Pesanan telat lagi. Tolong buka lebih pagi dong. Jam 7 udah pada butuh kopi",
         "Tolong buka lebih pagi dong. Jam 7 udah pada butuh kopi"),
        ("no request word here at all", "no request word here at all"),
    ],
)  # fmt: skip
def test_idea_sentences_start_at_the_proposal(post: str, kept: str) -> None:
    assert idea_sentences(post) == kept
