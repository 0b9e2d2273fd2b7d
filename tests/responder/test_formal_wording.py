"""A formal Indonesian draft keeps to formal words.

"soal" ("laporan soal orang yang sakit") is everyday speech; a draft written to
"Bapak/Ibu" says "mengenai". The casual register keeps "soal".
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from responder.draft_input import DraftInput, DraftPost
from responder.drafts import Draft, DraftWriter
from responder.register import Register
from responder.settings import ResponderSettings

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
_SOAL = re.compile(r"(?<!\w)soal(?!\w)", re.IGNORECASE)

#: Reports of other people's trouble (a news desk, a community group), one per topic the
#: drafts name as "laporan … <topic>".
REPORTS = (
    "Beberapa warga melapor mengalami diare setelah makan di gerai Kopi Mentari Bekasi.",
    "Banyak pelanggan mengeluh menemukan serpihan plastik di roti Kopi Mentari.",
    "Sejumlah pembeli mengeluh tumbler Kopi Mentari yang mereka terima pecah dan bocor.",
    "Banyak pelanggan mengeluh kasir Kopi Mentari di Cibubur jutek dan kasar.",
)


def _draft(register: Register, *texts: str) -> Draft:
    posts = tuple(
        DraftPost(text, ("complaint",), created_at=NOW - timedelta(days=k))
        for k, text in enumerate(texts)
    )
    item = DraftInput(
        label="complaint",
        posts=posts,
        lang="id",
        brand="kopi-mentari",
        name="Redaksi Warta Timur",
        brand_terms=("Kopi Mentari",),
        register=register,
    )
    return DraftWriter(ResponderSettings()).write_one(item)


@pytest.mark.parametrize("text", REPORTS)
def test_a_formal_report_is_acknowledged_without_soal(text: str) -> None:
    draft = _draft("formal", text)

    assert draft.subject.startswith("Perihal laporan"), draft.subject
    assert "laporan mengenai" in draft.subject, draft.subject
    assert not _SOAL.search(draft.subject + draft.body), draft.body


def test_a_formal_draft_names_an_earlier_report_without_soal() -> None:
    own = "Saya dikenai tagihan dua kali untuk satu pesanan dan belum ada pengembalian dana."
    draft = _draft("formal", own, REPORTS[0])

    assert "Terima kasih juga atas laporan mengenai orang yang sakit" in draft.body, draft.body
    assert not _SOAL.search(draft.body), draft.body


def test_a_casual_report_keeps_soal() -> None:
    draft = _draft("casual", REPORTS[3])

    assert "laporan soal pelayanan kami" in draft.body, draft.body
