"""A rewards complaint is named by what the person named: their voucher, their points.

"Sorry about the problem with your points and vouchers" to someone whose birthday
voucher was refused claims a second problem they never raised.
"""

from __future__ import annotations

import pytest

from responder.draft_input import DraftInput, DraftPost
from responder.drafts import Draft, DraftWriter
from responder.register import Register
from responder.settings import ResponderSettings
from responder.topics import rewards_named


def _draft(lang: str, text: str, register: Register) -> Draft:
    item = DraftInput(
        label="complaint",
        posts=(DraftPost(text, ("complaint",)),),
        lang=lang,
        brand="kopi-senja",
        name="Rudi Hartono",
        brand_terms=("Kopi Senja",),
        register=register,
    )
    return DraftWriter(ResponderSettings()).write_one(item)


@pytest.mark.parametrize(
    ("lang", "register", "text", "named", "not_named"),
    [
        (
            "id",
            "casual",
            "Vocer diskon ultah aku gak bisa dipake di kasir 😤",
            "kendala voucher",
            "poin",
        ),
        (
            "id",
            "formal",
            "Kupon ulang tahun saya ditolak saat pembayaran, mohon dicek.",
            "voucher",
            "poin",
        ),
        (
            "id",
            "casual",
            "Poin aku gak nambah padahal udah jajan 3x minggu ini",
            "kendala poinnya",
            "voucher",
        ),
        (
            "en",
            "casual",
            "my birthday coupon doesn't work anymore?? ugh",
            "your voucher",
            "points",
        ),
        (
            "en",
            "formal",
            "I would like to report that my loyalty points were not added.",
            "your points",
            "voucher",
        ),
    ],
)
def test_only_the_rewards_they_named(
    lang: str, register: Register, text: str, named: str, not_named: str
) -> None:
    draft = _draft(lang, text, register)

    assert named in draft.body, draft.body
    assert not_named not in draft.body.split("\n\n", 1)[1].replace(text, ""), draft.body


def test_both_named_are_both_said() -> None:
    draft = _draft("id", "Poin sama voucher aku ilang semua abis update 😭", "casual")
    assert "kendala poin dan vouchernya" in draft.body, draft.body
    assert rewards_named(["poin sama voucher"]) == ("points", "voucher")
