"""Drafts: templates, languages, registers, names and the template folder."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import pytest

from common.errors import ConfigError
from responder.drafts import DraftWriter
from responder.settings import ResponderSettings

from .conftest import MakeItem


@pytest.fixture
def writer() -> DraftWriter:
    return DraftWriter(ResponderSettings())


def test_indonesian_complaint_is_personal_and_polite(
    writer: DraftWriter, make_item: MakeItem
) -> None:
    item = make_item(text="app nya lemot bgt, tolong fix dong", labels=("complaint",))

    draft = writer.write("complaint", item)

    assert draft.lang == "id"
    assert draft.template == "complaint.id.casual.j2"
    assert draft.register == "casual"
    assert "Kak Rina" in draft.subject
    assert draft.body.startswith("Halo Kak Rina,\n")
    assert '"app nya lemot bgt, tolong fix dong"' in draft.body
    assert "kendala di aplikasinya" in draft.body  # the problem, named
    assert draft.body.endswith("Salam hangat,\nTim Kopi Senja")


def test_english_praise_thanks_by_first_name(writer: DraftWriter, make_item: MakeItem) -> None:
    item = make_item(lang="en", text="Best iced latte I've had all year!")

    draft = writer.write("praise", item)

    assert draft.subject == "Thank you, Rina!"
    assert draft.body.startswith("Hi Rina,\n")
    assert '"Best iced latte I\'ve had all year!"' in draft.body
    assert draft.body.endswith("Warm regards,\nThe Kopi Senja team")


@pytest.mark.parametrize(("detected", "expected"), [("ms", "id"), ("jv", "id"), ("en-US", "en")])
def test_detected_language_picks_the_draft_language(
    writer: DraftWriter, make_item: MakeItem, detected: str, expected: str
) -> None:
    assert writer.write("idea", make_item(lang=detected)).lang == expected


@pytest.mark.parametrize("detected", ["und", "fr", ""])
def test_unknown_language_uses_the_default(make_item: MakeItem, detected: str) -> None:
    writer = DraftWriter(ResponderSettings(default_language="en"))

    draft = writer.write("idea", make_item(lang=detected))

    assert draft.lang == "en"
    assert draft.body.startswith("Hi Rina,")


@pytest.mark.parametrize(
    ("name", "handle"),
    [
        (None, "@kopilover"),
        ("🌸✨", "u/senja_fan"),
        (None, "rina@example.com"),
        (None, None),
        ("  ", "@budi@mastodon.social"),
        ("u8", "u8"),
        ("budi_santoso", "budi_santoso"),
    ],
)
def test_no_name_gets_a_natural_greeting_never_a_handle(
    writer: DraftWriter, make_item: MakeItem, name: str | None, handle: str | None
) -> None:
    texts = {"id": "Kopinya enak banget!", "en": "Love the latte!"}
    drafts = [
        writer.write(label, make_item(name=name, handle=handle, lang=lang, text=texts[lang]))
        for label in ("praise", "complaint", "idea")
        for lang in ("id", "en")
    ]

    assert {d.body.splitlines()[0] for d in drafts} == {"Halo Kak,", "Hi there,"}
    for draft in drafts:
        everything = " ".join((draft.subject, draft.body, *draft.messages))
        assert "None" not in everything
        for part in (handle or "").replace("@", " ").replace("/", " ").split():
            assert len(part) < 3 or part not in everything


def test_formal_greetings(writer: DraftWriter, make_item: MakeItem) -> None:
    formal_id = make_item(
        text="Saya sangat kecewa dengan pelayanan kemarin.", labels=("complaint",)
    )
    formal_en = make_item(text="Dear team, I am writing to inform you.", lang="en")

    assert writer.write("complaint", formal_id).body.startswith("Halo Ibu Rina,\n")
    assert writer.write("praise", formal_en).body.startswith("Dear Rina,\n")
    nameless = writer.write("complaint", make_item(text=formal_id.text, name=None, handle="u8"))
    assert nameless.body.startswith("Halo Bapak/Ibu,\n")


def test_odd_unicode_is_quoted_safely(writer: DraftWriter, make_item: MakeItem) -> None:
    family = "👨\u200d👩\u200d👧"
    text = f"Pelayanan {family} terbaik 🇮🇩 makasih\u202e kak!!\x07"

    draft = writer.write("praise", make_item(text=text, name="Ayu\u0301 🌸"))

    assert f'"Pelayanan {family} terbaik 🇮🇩 makasih kak!!"' in draft.body
    assert "Halo Kak Ayú," in draft.body
    assert "\u202e" not in draft.body
    assert "\x07" not in draft.body


def test_a_long_sentence_is_never_cut_inside_a_clause(make_item: MakeItem) -> None:
    clause = "pesanan saya datang terlambat dan kopinya sudah dingin waktu sampai"
    writer = DraftWriter(ResponderSettings(quote_max_chars=80))

    with_clauses = writer.write(
        "complaint", make_item(text=f"{clause}, {clause}, {clause} https://t.co/x")
    )
    without = writer.write("complaint", make_item(text=" ".join([clause] * 3)))

    assert f'"{clause}…"' in with_clauses.body
    assert "https" not in with_clauses.body
    assert '"' not in without.body  # no clause boundary fits: no quote rather than a cut


def test_business_identity_signs_the_draft(make_item: MakeItem) -> None:
    settings = ResponderSettings.model_validate(
        {
            "business": {
                "name": "Kopi Senja Jaksel",
                "signer": "Dina",
                "sign_off": {"id": "Peluk hangat,"},
            }
        }
    )
    writer = DraftWriter(settings)

    id_draft = writer.write("praise", make_item())
    en_draft = writer.write("praise", make_item(lang="en"))

    assert id_draft.body.endswith("Peluk hangat,\nDina dari Kopi Senja Jaksel")
    assert en_draft.body.endswith("Warm regards,\nDina from Kopi Senja Jaksel")


def test_every_builtin_template_renders(writer: DraftWriter) -> None:
    writer.check()


def test_missing_template_names_the_file_and_the_fix(make_item: MakeItem) -> None:
    settings = ResponderSettings.model_validate({"rules": {"idea": {"template": "wishlist"}}})

    with pytest.raises(
        ConfigError, match=r"'wishlist\.id\.casual\.j2' not found.*'wishlist\.id\.j2'.*rules\.idea"
    ):
        DraftWriter(settings).write("idea", make_item(labels=("idea",)))


def test_check_reports_a_missing_template_at_startup() -> None:
    settings = ResponderSettings.model_validate({"rules": {"praise": {"template": "thanks"}}})

    with pytest.raises(ConfigError, match=r"thanks\.id\.(formal|casual)\.j2"):
        DraftWriter(settings).check()


def test_template_dir_overrides_one_file(tmp_path: Path, make_item: MakeItem) -> None:
    (tmp_path / "praise.id.j2").write_text(
        "{% block subject %}Terima kasih, {{ name }}{% endblock %}"
        "{% block body %}Hai {{ name }} — {{ quote }}{% endblock %}",
        encoding="utf-8",
    )
    writer = DraftWriter(ResponderSettings(template_dir=tmp_path))

    praise = writer.write("praise", make_item(text="enak"))
    idea = writer.write("idea", make_item())

    assert (praise.subject, praise.body) == ("Terima kasih, Rina", "Hai Rina — enak")
    assert praise.template == "praise.id.j2"  # the folder's file beats the built-in registers
    assert idea.template == "idea.id.casual.j2"
    assert idea.body.startswith("Halo Kak Rina,")


def test_template_dir_overrides_one_register(tmp_path: Path, make_item: MakeItem) -> None:
    (tmp_path / "complaint.id.formal.j2").write_text(
        "{% block subject %}{{ p.topic(topic) }}{% endblock %}"
        "{% block body %}{{ p.greeting() }} {{ register }}{% endblock %}",
        encoding="utf-8",
    )
    writer = DraftWriter(ResponderSettings(template_dir=tmp_path))

    formal = writer.write(
        "complaint", make_item(text="Saya sangat kecewa, pesanan salah.", labels=("complaint",))
    )
    casual = writer.write("complaint", make_item(text="gw kecewa bgt, pesanan salah"))

    assert (formal.template, formal.subject) == (
        "complaint.id.formal.j2",
        "kesalahan pada pesanan Ibu",
    )
    assert formal.body == "Halo Ibu Rina, formal"
    assert formal.messages == ()  # no message block: the body is fitted when a DM is needed
    assert casual.template == "complaint.id.casual.j2"


def test_missing_template_dir_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"template_dir .*not a folder"):
        DraftWriter(ResponderSettings(template_dir=tmp_path / "nope"))


@pytest.mark.parametrize(
    ("source", "needle"),
    [
        ("{% block subject %}Hi{% endblock %}{% block body %}{{ nmae }}{% endblock %}", "nmae"),
        ("{% block subject %}Hi{% endblock %}", "block body"),
        (
            "{% block subject %}{{ quote.__class__ }}{% endblock %}{% block body %}{% endblock %}",
            "__class__",
        ),
        ("{% block subject %}{% if %}{% endblock %}", "line 1"),
    ],
)
def test_broken_template_is_a_config_error(
    tmp_path: Path, make_item: MakeItem, source: str, needle: str
) -> None:
    (tmp_path / "praise.id.j2").write_text(source, encoding="utf-8")
    writer = DraftWriter(ResponderSettings(template_dir=tmp_path))

    with pytest.raises(ConfigError, match=r"praise\.id\.j2") as caught:
        writer.write("praise", make_item())

    assert needle in str(caught.value)


@pytest.mark.parametrize("label", ["complaint", "idea", "praise"])
@pytest.mark.parametrize("lang", ["id", "en"])
def test_post_with_only_a_link_gets_no_empty_quote(
    writer: DraftWriter,
    make_item: MakeItem,
    label: Literal["complaint", "idea", "praise"],
    lang: str,
) -> None:
    draft = writer.write(label, make_item(text="https://t.co/abc123", lang=lang))

    assert '""' not in draft.body
    assert "https" not in draft.body
    assert "\n\n\n" not in draft.body


def test_signer_that_already_names_the_business_is_not_repeated(make_item: MakeItem) -> None:
    settings = ResponderSettings.model_validate(
        {"business": {"name": "Kopi Senja", "signer": "Tim Kopi Senja"}}
    )

    draft = DraftWriter(settings).write("praise", make_item())

    assert draft.body.endswith("Salam hangat,\nTim Kopi Senja")


@pytest.mark.parametrize("template", ["shipped", "declined"])
@pytest.mark.parametrize(("lang", "expected"), [("en", "oat milk"), ("id", "oat milk")])
def test_idea_notices_render_in_both_languages(
    writer: DraftWriter, template: str, lang: str, expected: str
) -> None:
    from responder.draft_input import DraftInput, DraftPost

    for note in ("our supplier cannot deliver it yet", None):
        draft = writer.write_one(
            DraftInput(
                label="idea",
                posts=(DraftPost("tolong tambahin oat milk dong", ("idea",), mention_id=1),),
                lang=lang,
                brand="Kopi Senja",
                name="Sari",
                handle="sari",
                platform="instagram",
                template=template,
                extra={"what": "oat milk", "note": note},
            )
        )
        assert draft.lang == lang and "Sari" in draft.body and "{" not in draft.body
        assert (note or expected)[1:] in draft.body  # a note may start its own sentence
        if template == "declined":
            assert ("won't be doing" if lang == "en" else "belum bisa") in draft.body


def test_a_quote_never_repeats_a_phone_number_or_email(
    writer: DraftWriter, make_item: MakeItem
) -> None:
    text = (
        "Min, nomor saya 0812-3456-7890 atau rina@example.com, tolong hubungi saya soal "
        "voucher yang gak bisa dipake"
    )
    draft = writer.write("complaint", make_item(text=text, labels=("complaint",)))

    assert "nomor saya […] atau […], tolong hubungi saya" in draft.body
    for words in (draft.subject, draft.body, *draft.messages):
        assert "3456" not in words and "rina@example.com" not in words, words


@pytest.mark.parametrize(
    ("lang", "text", "topic"),
    [
        ("en", "Found a long hair in my sausage roll this morning. Gross.", "what you found"),
        ("en", "There was a piece of blue plastic baked into my sourdough loaf.", "what you found"),
        ("en", "Still no reply about the plastic in my sourdough.", "what you found"),
        ("id", "Ada kecoa di roti yang saya beli kemarin, jijik banget", "benda asing"),
    ],
)
def test_something_found_in_the_food_is_not_wished_a_recovery(
    writer: DraftWriter, make_item: MakeItem, lang: str, text: str, topic: str
) -> None:
    """A hair or plastic in a pastry is its own topic: sorry for what they found and a
    photo asked for, never "we hope you're feeling better" (nobody said they were ill)."""
    draft = writer.write("complaint", make_item(text=text, lang=lang, labels=("complaint",)))

    assert topic in draft.body
    assert "feeling better" not in draft.body and "merasa lebih baik" not in draft.body
    assert "a photo" in draft.body or lang == "id"


def test_something_found_that_made_them_ill_is_still_a_health_complaint(
    writer: DraftWriter, make_item: MakeItem
) -> None:
    text = "Found glass in my pie and I was sick all night, I went to hospital."
    draft = writer.write("complaint", make_item(text=text, lang="en", labels=("complaint",)))

    assert "feeling better" in draft.body


@pytest.mark.parametrize("lang", ["en", "id"])
@pytest.mark.parametrize("template", ["shipped", "declined"])
def test_idea_notices_end_each_sentence_once(writer: DraftWriter, lang: str, template: str) -> None:
    """A quote that ends with a full stop is not followed by another ('loaf.".'), an
    owner's note without one gets one, and a declined notice never reads "we won't be
    doing Offer oat milk" (the board's title as if it were a noun)."""
    from responder.draft_input import DraftInput, DraftPost

    for text, note in (
        ("Please add a gluten free loaf.", "our supplier cannot deliver it yet"),
        ("Please add a gluten free loaf", "From Saturday it is on the shelf."),
    ):
        draft = writer.write_one(
            DraftInput(
                label="idea",
                posts=(DraftPost(text, ("idea",), mention_id=1),),
                lang=lang,
                brand="Crumb & Co",
                name="Olivia",
                handle="olivia",
                platform="x",
                template=template,
                extra={"what": "Offer gluten free loaf", "note": note},
            )
        )
        for words in (draft.body, *draft.messages):
            assert '."' not in words and ".." not in words, words
            assert note.rstrip(".")[1:] + "." in words, words  # may start its own sentence
        assert "doing Offer" not in draft.body


@pytest.mark.parametrize("note", ["Mulai Senin ada gudeg jamur.", "mulai Senin ada gudeg jamur"])
def test_an_indonesian_shipped_notice_gives_the_note_its_own_sentence(
    writer: DraftWriter, note: str
) -> None:
    """Before: 'Kami dengar — Mulai Senin ada gudeg jamur.' (a capital mid-sentence)."""
    from responder.draft_input import DraftInput, DraftPost

    draft = writer.write_one(
        DraftInput(
            label="idea",
            posts=(DraftPost("tolong tambah menu vegetarian dong", ("idea",), mention_id=1),),
            lang="id",
            brand="Warung Bu Sri",
            name="Maya",
            handle="maya",
            platform="x",
            template="shipped",
            extra={"what": "Menu vegetarian", "note": note},
        )
    )

    assert "— Mulai" not in draft.body and "— mulai" not in draft.body
    assert '"tolong tambah menu vegetarian dong". Usulan itu sudah kami wujudkan. ' in draft.body
    assert "wujudkan. Mulai Senin ada gudeg jamur.\n" in draft.body, draft.body
    message = '"tolong tambah menu vegetarian dong". Mulai Senin ada gudeg jamur. Makasih ya!'
    assert any(message in words for words in draft.messages), draft.messages


@pytest.mark.parametrize("template", ["shipped", "declined"])
def test_an_indonesian_idea_notice_to_a_formal_writer_stays_formal(
    writer: DraftWriter, template: str
) -> None:
    """Before: 'Halo Bapak/Ibu Hendro,' then 'Kakak pernah mengusulkan … Makasih banyak …
    yang bikin kami terus berbenah' (one template for both registers, written casual)."""
    from responder.draft_input import DraftInput, DraftPost

    text = "Dengan hormat, saya mohon agar Kopi Senja dapat menyediakan pilihan susu oat."
    for note in ("mulai Senin susu oat tersedia di semua cabang", None):
        draft = writer.write_one(
            DraftInput(
                label="idea", posts=(DraftPost(text, ("idea",), mention_id=1),), lang="id",
                brand="Kopi Senja", name="Hendro", handle="hendro", platform="review",
                template=template, extra={"what": "Susu oat", "note": note},
            )
        )  # fmt: skip
        assert draft.register == "formal" and draft.template == f"{template}.id.formal.j2"
        for words in (draft.subject, draft.body, *draft.messages):
            assert "Bapak/Ibu" in words, words
            for casual in ("Kak", "makasih", "bikin", "kasih masukan", " ya."):
                assert casual.casefold() not in words.casefold(), (casual, words)
