"""A draft names the problem the person raised, and only that one.

A conversation can raise different problems: a double charge one day, a login outage
the next; a person's own trouble beside a report of other people's. The draft answers
the newest of the author's own complaints, acknowledges the others by name, never says
"you had to tell us more than once" about two different problems, and never wishes an
author well for an illness that was someone else's.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from responder.draft_input import DraftInput, DraftPost
from responder.drafts import Draft, DraftWriter
from responder.register import Register
from responder.settings import ResponderSettings

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _draft(lang: str, *texts: str, register: Register | None = None) -> Draft:
    """A complaint conversation of ``texts``, newest first, a day apart."""
    posts = tuple(
        DraftPost(text, ("complaint",), created_at=NOW - timedelta(days=k))
        for k, text in enumerate(texts)
    )
    item = DraftInput(
        label="complaint",
        posts=posts,
        lang=lang,
        brand="kopi-senja",
        name="Rudi Hartono",
        brand_terms=("Kopi Senja",),
        register=register,
    )
    return DraftWriter(ResponderSettings()).write_one(item)


def _quotes(draft: Draft) -> list[str]:
    return [line.strip('"') for line in draft.body.splitlines() if line.startswith('"')]


# two problems of the author's own: the newest leads, the earlier one is named too

LOGIN_ID = "Aplikasi Kopi Senja tidak bisa dibuka sejak kemarin, kode OTP tidak pernah masuk."
CHARGE_ID = "Saldo GoPay saya terpotong dua kali untuk satu pesanan, mohon segera dikembalikan."
LOGIN_EN = "can't log in to the Kopi Senja app since yesterday, the OTP never shows up 😩"
CHARGE_EN = "ugh got charged twice for one latte at Kopi Senja, need a refund pls"


def test_the_newest_problem_leads_and_the_earlier_one_is_named_formal_id() -> None:
    draft = _draft("id", LOGIN_ID, CHARGE_ID, register="formal")

    assert draft.subject == "Permohonan maaf kami atas kendala pada aplikasi kami", draft.subject
    assert _quotes(draft) == [LOGIN_ID], draft.body  # not the double charge as if it were it
    assert "Kami juga mencatat kendala pembayaran yang Bapak alami" in draft.body, draft.body
    assert "lebih dari sekali" not in draft.body, draft.body


def test_the_newest_problem_leads_and_the_earlier_one_is_named_casual_en() -> None:
    draft = _draft("en", LOGIN_EN, CHARGE_EN, register="casual")

    assert "we're really sorry about the trouble with the app" in draft.body, draft.body
    assert _quotes(draft) == [LOGIN_EN.removesuffix(" 😩")] or _quotes(draft) == [LOGIN_EN]
    assert "also noted the problem with your payment" in draft.body, draft.body
    assert "more than once" not in draft.body, draft.body


def test_the_same_problem_twice_is_still_told_us_more_than_once() -> None:
    draft = _draft(
        "id",
        "Refund saya belum masuk juga sampai hari ini.",
        CHARGE_ID,
        register="formal",
    )

    assert "lebih dari sekali" in draft.body, draft.body
    assert "juga mencatat" not in draft.body, draft.body


# a report of other people's trouble beside the author's own

REPORT_LOGIN = (
    "Banyak pelanggan mengeluh aplikasi Kopi Senja tidak bisa login sejak Senin; "
    "kode OTP tidak terkirim."
)
OWN_CHARGE = "Saya dikenai tagihan dua kali untuk satu pesanan dan belum ada pengembalian dana."


def test_the_authors_own_problem_leads_over_a_newer_report_of_others() -> None:
    draft = _draft("id", REPORT_LOGIN, OWN_CHARGE, register="formal")

    assert "mohon maaf atas kendala pembayaran yang Bapak alami" in draft.body, draft.body
    assert _quotes(draft) == [OWN_CHARGE], draft.body
    assert "Terima kasih juga atas laporan kendala di aplikasi kami" in draft.body, draft.body
    assert "lebih dari sekali" not in draft.body, draft.body


def test_someone_elses_illness_is_not_the_authors_casual_id() -> None:
    draft = _draft(
        "id",
        "Pesanan aku salah, pesen kopi susu yang dateng americano 😤",
        "Beberapa pelanggan melapor sakit perut setelah minum es kopi di gerai Kopi Senja Depok.",
        register="casual",
    )

    assert "maaf banget soal pesanan yang salah" in draft.body, draft.body
    assert "merasa lebih baik" not in draft.body, draft.body  # the author was not ill
    assert "kondisi yang Kakak alami" not in draft.body, draft.body
    assert "Makasih juga sudah kabari kami soal laporan soal orang yang sakit" in draft.body


def test_someone_elses_illness_is_not_the_authors_formal_en() -> None:
    draft = _draft(
        "en",
        "I ordered a flat white and was given an iced latte instead, which is not what I ordered.",
        "Several customers reported stomach aches after eating at the Kopi Senja Depok branch.",
        register="formal",
    )

    assert "apologies for the mix-up with your order" in draft.body, draft.body
    assert "feeling better" not in draft.body, draft.body
    assert "telling us about the reports of people feeling unwell" in draft.body, draft.body
