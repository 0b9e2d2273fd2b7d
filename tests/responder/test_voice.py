"""A complaint that reports other people's trouble gets a report's draft, not a
personal apology for what happened to its author."""

from __future__ import annotations

from dataclasses import replace

import pytest

from responder.draft_input import DraftInput, DraftPost
from responder.drafts import DraftWriter
from responder.register import Register
from responder.settings import ResponderSettings
from responder.voice import affected, plain_question, secondhand

from .conftest import FakeScorer

NEWS_ID = (
    "Setelah beberapa pelanggan melapor sakit perut, petugas mengambil sampel es batu dan "
    "susu dari gerai Kopi Senja Tebet. Hasil uji laboratorium diumumkan pekan depan."
)
NEWS_EN = (
    "Several customers reported stomach aches after visiting the Kopi Senja Tebet branch; "
    "health inspectors took samples of the ice on Friday."
)
OWN_ID = "Saya dan adik sakit perut semalaman setelah minum es kopi susu dari Kopi Senja Tebet."


@pytest.mark.parametrize(
    "text",
    [
        NEWS_ID,
        NEWS_EN,
        "Banyak pengguna di media sosial mengeluh Kopi Senja app gak bisa login sejak Kamis",
        "According to residents, the queue at the new branch blocks the street every morning",
        "Warganet ramai dikeluhkan soal antrian di gerai baru",
    ],
)
def test_reports_of_other_people_are_secondhand(text: str) -> None:
    assert secondhand(text)


@pytest.mark.parametrize(
    "text",
    [
        OWN_ID,
        "Pretty sure I got food poisoning from the chicken sandwich yesterday",
        "My friends and I got sick, and several customers said the same",  # own voice wins
        "dinkes udah cek belum sih, gw sakit perut",
        "App nya error terus",  # no one else named: the author's own trouble
        "We waited 40 minutes, and many customers left",
    ],
)
def test_the_authors_own_trouble_is_not_secondhand(text: str) -> None:
    assert not secondhand(text)


@pytest.fixture
def writer() -> DraftWriter:
    return DraftWriter(ResponderSettings(), FakeScorer())


def _item(lang: str, *texts: str, name: str | None = None) -> DraftInput:
    posts = tuple(DraftPost(t, ("complaint",)) for t in texts)
    return DraftInput(
        label="complaint", posts=posts, lang=lang, brand="kopi-senja", name=name,
        brand_terms=("Kopi Senja",), branches=("Tebet",),
    )  # fmt: skip


@pytest.mark.parametrize("register", ["casual", "formal"])
def test_an_indonesian_news_report_is_thanked_not_pitied(
    writer: DraftWriter, register: Register
) -> None:
    item = replace(_item("id", NEWS_ID, name="Redaksi Kabar Kuliner"), register=register)
    draft = writer.write_one(item)

    body = draft.body
    assert draft.register == register
    about = "mengenai" if register == "formal" else "soal"  # "soal" is not formal
    assert f"laporan {about} orang yang sakit" in body
    assert "merasa lebih baik" not in body  # the journalist is not the one who was sick
    assert "yang Kakak alami" not in body and "waktu kejadian" not in body
    assert "kontak kami" in body or "menghubungi kami" in body  # ask them to pass it on
    assert "maaf" not in draft.subject.lower()
    for message in draft.messages:
        assert "maaf" not in message.lower(), message


def test_an_english_report_gets_the_english_report_draft(writer: DraftWriter) -> None:
    draft = writer.write_one(_item("en", NEWS_EN, name="Food Desk"))

    assert "reports of people feeling unwell" in draft.body
    assert "hope you're feeling better" not in draft.body
    assert "when it happened" not in draft.body
    assert "sorry" not in draft.subject.lower()


def test_a_formal_report_stays_formal(writer: DraftWriter) -> None:
    text = (
        "Sejumlah pelanggan melaporkan kendala pembayaran di aplikasi Kopi Senja. "
        "Menurut keterangan, saldo terpotong dua kali."
    )
    draft = writer.write_one(replace(_item("id", text), register="formal"))

    assert "Terima kasih telah menyampaikan laporan kendala pembayaran" in draft.body
    assert "nomor pesanan" not in draft.body  # nothing to ask about "your" order


def test_one_post_in_the_authors_own_voice_keeps_the_personal_draft(
    writer: DraftWriter,
) -> None:
    draft = writer.write_one(_item("id", NEWS_ID, OWN_ID, name="Putri Ananda"))

    assert "merasa lebih baik" in draft.body
    assert "laporan soal" not in draft.body


@pytest.mark.parametrize(
    "text",
    [
        "Mau nanya, Kopi Senja nerima pesanan buat acara kantor 50 cup gak ya?",
        "Is there parking near the Tebet branch?",
        "Do you deliver to Bekasi?",
    ],
)
def test_a_plain_question_is_recognised(text: str) -> None:
    assert plain_question(text)


@pytest.mark.parametrize(
    "text",
    [
        "Kenapa pesanan saya belum datang?",
        "Where is my order??? 😡",
        "Why can't I log in?",
        "App nya error terus",  # no question at all
    ],
)
def test_a_question_that_names_trouble_is_no_plain_question(text: str) -> None:
    assert not plain_question(text)


def test_a_question_called_a_complaint_gets_an_answer_not_an_apology(
    writer: DraftWriter,
) -> None:
    text = (
        "Mau nanya, Kopi Senja nerima pesanan buat acara kantor 50 cup gak ya? Kontaknya ke mana?"
    )
    draft = writer.write_one(_item("id", text, name="Laras Ayu"))

    assert "Makasih sudah tanya" in draft.body and "Kami jawab secepatnya" in draft.body
    for words in (draft.subject, draft.body, *draft.messages):
        assert "maaf" not in words.lower(), words
    assert "infokan" not in draft.body  # nothing asked of a person who asked us


def test_a_question_about_a_problem_is_still_a_complaint(writer: DraftWriter) -> None:
    draft = writer.write_one(_item("en", "Why was I charged twice for one order?", name="Tom"))

    assert "sorry" in draft.body.lower() and "question" not in draft.subject.lower()


@pytest.mark.parametrize(
    ("text", "en", "id_"),
    [
        ("My son had an allergic reaction after drinking your hazelnut latte", "son", "putra"),
        ("anak saya diare setelah minum es kopi susu", "child", "anak"),
        ("Our kids got stomach aches after the cake", "children", "anak-anak"),
        ("Ibu saya mual setelah minum kopi dari Kopi Senja", "mother", "ibu"),
    ],
)
def test_someone_elses_illness_names_who_fell_ill(text: str, en: str, id_: str) -> None:
    found = affected(text)

    assert found is not None and (found.en, found.id) == (en, id_)


@pytest.mark.parametrize(
    "text",
    [
        "I got food poisoning after your iced latte",
        "My friend recommended Kopi Senja but I got food poisoning",  # the author fell ill
        "My son and I both got sick after lunch there",  # the author too
        "My son loves your croissants",  # nobody fell ill
    ],
)
def test_the_authors_own_illness_names_no_one_else(text: str) -> None:
    assert affected(text) is None


def test_a_sick_child_is_wished_well_not_the_parent(writer: DraftWriter) -> None:
    text = "My son had an allergic reaction after drinking your hazelnut latte. I'm furious."
    english = writer.write_one(_item("en", text, name="Yoga"))
    formal = writer.write_one(
        replace(
            _item("id", "Anak saya diare setelah minum es kopi.", name="Rudi"), register="formal"
        )
    )

    assert "We hope your son is feeling better." in english.body
    assert "hope you're feeling better" not in english.body
    assert "Semoga putra" not in formal.body  # "anak" as written, not guessed as a son
    assert "Semoga anak Bapak sudah merasa lebih baik." in formal.body
    assert "kondisi yang dialami anak Bapak" in formal.subject


def test_a_kok_question_is_a_complaint_not_a_question(writer: DraftWriter) -> None:
    assert not plain_question("Kopi Senja kok rasanya beda ya sekarang? Dulu lebih strong.")


def test_an_idea_asked_beside_a_complaint_makes_it_no_question(writer: DraftWriter) -> None:
    text = "The new cups feel wrong in the hand. Could you bring back the old ones?"
    draft = writer.write_one(_item("en", text, name="Nadia"))

    assert "question" not in draft.subject.lower() and "question" not in draft.body.lower()
    assert "sorry" in draft.body.lower()
