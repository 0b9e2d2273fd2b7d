"""What a thing cost is no detail of the order to confirm back.

"Botol minumnya bocor, padahal harganya 200rb" says the price to weigh the complaint;
"we have the details you gave us (200rb)" reads as if we had filed it. An amount is
confirmed back only for a problem with money, where it names the sum that went wrong.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from responder.draft_input import DraftInput, DraftPost
from responder.drafts import Draft, DraftWriter
from responder.register import Register
from responder.settings import ResponderSettings

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _draft(lang: str, text: str, register: Register) -> Draft:
    item = DraftInput(
        label="complaint",
        posts=(DraftPost(text, ("complaint",), created_at=NOW),),
        lang=lang,
        brand="toko-lestari",
        name="Budi Santoso",
        brand_terms=("Toko Lestari",),
        register=register,
    )
    return DraftWriter(ResponderSettings()).write_one(item)


def _ours(body: str) -> str:
    """The draft's own words: the body without the lines quoting the post."""
    return "\n".join(line for line in body.splitlines() if not line.startswith('"'))


@pytest.mark.parametrize(
    ("lang", "register", "text", "price"),
    [
        (
            "id",
            "casual",
            "Botol minum Toko Lestari yang aku beli kemarin bocor 😒 padahal harganya 200rb",
            "200rb",
        ),
        (
            "id",
            "formal",
            "Mohon maaf, termos dari Toko Lestari sudah retak, padahal harganya Rp 350.000.",
            "Rp 350.000",
        ),
        (
            "en",
            "casual",
            "Paid $45 for a Toko Lestari kettle and the lid is already broken. Not happy.",
            "$45",
        ),
        (
            "en",
            "formal",
            "The teapot I bought from Toko Lestari for 120 dollars arrived cracked.",
            "120 dollars",
        ),
    ],
)
def test_the_price_of_a_broken_thing_is_not_confirmed_back(
    lang: str, register: Register, text: str, price: str
) -> None:
    draft = _draft(lang, text, register)

    assert price not in _ours(draft.body), draft.body  # only in the quote
    assert price not in draft.subject, draft.subject
    assert "noted" not in draft.body and "catat" not in draft.body, draft.body
    assert "details you" not in draft.body and "detail yang" not in draft.body, draft.body


@pytest.mark.parametrize(
    ("lang", "register", "text", "amount"),
    [
        (
            "id",
            "casual",
            "Saldo GoPay aku kepotong 2x 85rb buat satu pesanan di Toko Lestari",
            "85rb",
        ),
        (
            "en",
            "formal",
            "I was charged twice, $30 each time, for a single Toko Lestari order.",
            "$30",
        ),
    ],
)
def test_the_sum_charged_is_still_confirmed_back(
    lang: str, register: Register, text: str, amount: str
) -> None:
    draft = _draft(lang, text, register)

    assert f"({amount})" in draft.body, draft.body  # "the details you gave us ($30)"
