"""A balance of points ("saldo poin", "saldo koin member") is no payment problem.

"saldo" alone is money (a GoPay balance cut twice); before points, coins or a member
balance it is rewards, and a login complaint that also mentions it stays an app problem
instead of getting a payment apology and a request for a screenshot of the bill.
"""

from __future__ import annotations

import pytest

from responder.draft_input import DraftInput, DraftPost
from responder.drafts import Draft, DraftWriter
from responder.register import Register
from responder.settings import ResponderSettings
from responder.topics import detect_topic


def _draft(text: str, register: Register) -> Draft:
    item = DraftInput(
        label="complaint",
        posts=(DraftPost(text, ("complaint",)),),
        lang="id",
        brand="kopi-senja",
        name="Rudi Hartono",
        brand_terms=("Kopi Senja",),
        register=register,
    )
    return DraftWriter(ResponderSettings()).write_one(item)


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("Gak bisa login ke aplikasi, saldo poin aku juga ilang 😭", "app"),
        ("Saldo poin saya hilang setelah pembaruan aplikasi.", "rewards"),
        ("saldo koin member gw kok berkurang sendiri", "rewards"),
        ("Saldo GoPay saya terpotong dua kali.", "payment"),  # money still is money
        ("Saldo saya berkurang padahal transaksinya gagal.", "payment"),
    ],
)
def test_a_balance_of_points_is_no_payment(text: str, topic: str) -> None:
    assert detect_topic([text]) == topic


@pytest.mark.parametrize(
    ("text", "register"),
    [
        ("Saldo poin aku ilang semua abis update app, padahal belum dipake 😭", "casual"),
        ("Saldo poin saya hilang setelah pembaruan aplikasi, mohon dicek.", "formal"),
    ],
)
def test_lost_points_are_not_answered_as_a_payment(text: str, register: Register) -> None:
    draft = _draft(text, register)

    assert "pembayaran" not in draft.body and "tagihan" not in draft.body, draft.body
    assert "poin" in draft.subject, draft.subject
