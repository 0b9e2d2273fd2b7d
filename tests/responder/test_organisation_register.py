"""A newsroom, business, office or group is answered in the formal register, never "Kak".

A desk ("Redaksi …"), a company ("PT …", "CV …"), a shop ("Toko …"), an office
("Dinas …"), a community ("Komunitas …"), a team ("Tim …") or an account whose handle
says it is a newsroom or a shop ("@…news", "@…official") gets "Bapak/Ibu" (Indonesian)
or "Hello" (English), whatever the register of its post's words. People keep theirs.
"""

from __future__ import annotations

import pytest

from responder.draft_input import DraftInput, DraftPost
from responder.drafts import Draft, DraftWriter
from responder.settings import ResponderSettings
from responder.text import is_organisation, person_name

#: A neutral report (no cue of either register: the default, casual, would apply).
REPORT_ID = "Warga mengeluh pesanan telat dan kopinya encer di gerai Kopi Senja Depok."
#: A casual line, as a shop's social-media admin might write it.
CASUAL_ID = "Min, paket kopi kita belum nyampe nih, udah 3 hari 🙏"
CASUAL_EN = "omg the queue at Kopi Senja was crazy lol, waited 40 mins"


def _draft(text: str, lang: str, name: str, handle: str | None = None) -> Draft:
    item = DraftInput(
        label="complaint",
        posts=(DraftPost(text, ("complaint",)),),
        lang=lang,
        brand="kopi-senja",
        name=name,
        handle=handle,
        brand_terms=("Kopi Senja",),
    )
    return DraftWriter(ResponderSettings()).write_one(item)


@pytest.mark.parametrize(
    ("name", "handle"),
    [
        ("Redaksi Warta Boga", None),
        ("PT Sumber Rasa Nusantara", None),
        ("CV. Berkah Kemasan", None),
        ("Toko Sinar Jaya", None),
        ("Dinas Kesehatan Kota Depok", None),
        ("Komunitas Ngopi Bandung", None),
        ("Tim Liputan Pagi", None),
        ("Depok Terkini", "depokterkininews"),
        ("Rumah Kopi Abadi", "rumahkopi_official"),
    ],
)
@pytest.mark.parametrize("text", [REPORT_ID, CASUAL_ID])
def test_an_organisation_gets_the_formal_indonesian_register(
    name: str, handle: str | None, text: str
) -> None:
    draft = _draft(text, "id", name, handle)

    assert draft.register == "formal", draft.body
    assert draft.body.startswith("Halo Bapak/Ibu,"), draft.body
    assert "Kak" not in draft.body and "Kak" not in draft.subject, draft.body


@pytest.mark.parametrize(
    ("name", "handle"),
    [
        ("Harbour Street News", None),
        ("Eastside Update", "eastsideupdatenews"),
        ("Tim Redaksi", None),
    ],
)
def test_an_organisation_gets_the_formal_english_register(name: str, handle: str | None) -> None:
    draft = _draft(CASUAL_EN, "en", name, handle)

    assert draft.register == "formal", draft.body
    assert draft.body.startswith("Hello,"), draft.body  # not "Hi Eastside,"


@pytest.mark.parametrize(
    ("name", "handle", "greeting"),
    [
        ("Sari Wulandari", "sariwulan", "Halo Kak Sari,"),
        ("Putra Mahendra", "putramhd", "Halo Kak Putra,"),
        ("Bishop Lumban", "lumbanbishop", "Halo Kak Bishop,"),
    ],
)
def test_a_person_keeps_the_register_of_their_words(name: str, handle: str, greeting: str) -> None:
    draft = _draft(CASUAL_ID, "id", name, handle)

    assert draft.register == "casual"
    assert draft.body.startswith(greeting), draft.body


def test_a_person_named_tim_is_greeted_by_name() -> None:
    draft = _draft(CASUAL_EN, "en", "Tim Harris", "timharris")

    assert draft.register == "casual", draft.body
    assert draft.body.startswith("Hi Tim,"), draft.body
    assert person_name("TIM", None) == "Tim"


@pytest.mark.parametrize(
    ("name", "handle", "organisation"),
    [
        ("Redaksi Kabar Pagi", None, True),
        ("PT. Maju Jaya", None, True),
        ("@bekasinews", None, True),
        ("Info Kuliner Bekasi", None, True),
        ("Andi Pratama", "andipratama", False),
        ("Andrews", "andrews", False),  # ends like no newsroom
        ("Tokoh Muda", "tokohmuda", False),  # "tokoh" is no "toko"
        ("Tim Harris", "timharris", False),  # Tim the name, not "tim" the team
        ("Tim Liputan Pagi", None, True),
        ("Tim Humas Kota", None, True),
        ("Rina", None, False),
        (None, None, False),
    ],
)
def test_is_organisation(name: str | None, handle: str | None, organisation: bool) -> None:
    assert is_organisation(name, handle) is organisation
    if organisation:
        assert person_name(name, handle) is None  # no "Hi Pt," or "Halo Kak Redaksi"
