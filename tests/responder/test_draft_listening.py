"""Drafts that listen, on the demo: Budi's double charge, formal complaints, people
without names, mixed posts, a long review, a repeat idea-giver, and the short DM form."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest

from responder.draft_input import DraftHistory, DraftInput, DraftPost
from responder.drafts import MESSAGE_LIMITS, Draft, DraftWriter
from responder.picking import tidy_quote
from responder.register import detect_register
from responder.sentences import split_sentences
from responder.settings import Label, ResponderSettings

from .conftest import FakeScorer, MakeItem

DEMO = Path(__file__).resolve().parents[2] / "examples" / "mentions.jsonl"
PRODUCTS = ["kopi susu", "kopi susu gula aren", "pandan latte", "iced latte", "croissant"]
#: Words of a promise the business never configured (refunds, gifts, vouchers, money).
PROMISES = re.compile(
    r"refund|voucher|gratis|free|gift|hadiah|diskon|discount|kompensasi|compensat|ganti rugi"
    r"|uang kembali|money back|on us",
    re.IGNORECASE,
)
ORDER_NUMBER_ASKS = ("nomor pesanan", "order number")


@pytest.fixture(scope="module")
def demo() -> dict[str, dict[str, str]]:
    lines = DEMO.read_text(encoding="utf-8").splitlines()
    return {row["id"]: row for row in map(json.loads, lines)}


@pytest.fixture
def writer(scorer: FakeScorer) -> DraftWriter:
    settings = ResponderSettings.model_validate(
        {"business": {"name": "Kopi Senja", "signer": "Dina", "products": PRODUCTS}}
    )
    return DraftWriter(settings, scorer)


def conversation(
    demo: dict[str, dict[str, str]], label: Label, *posts: tuple[str, tuple[str, ...]], **kw: object
) -> DraftInput:
    """A conversation of demo posts (newest first) by the author of the first one."""
    first = demo[posts[0][0]]
    fields: dict[str, object] = {
        "label": label,
        "posts": tuple(DraftPost(demo[i]["text"], labels) for i, labels in posts),
        "lang": first.get("lang", "id"),
        "brand": "kopi-senja",
        "name": first.get("author_name"),
        "handle": first["author"],
        "platform": first["platform"],
        "brand_terms": ("Kopi Senja", "kopisenja", "#kopisenja"),
    }
    fields.update(kw)
    return DraftInput(**fields)  # type: ignore[arg-type]


def own_words(draft: Draft) -> str:
    """The draft without the person's quoted words: what the business itself says."""
    return re.sub(r'"[^"\n]*"', "", draft.body)


def quotes(draft: Draft) -> list[str]:
    return re.findall(r'^"(.+)"$', draft.body, flags=re.MULTILINE)


def assert_whole_sentences(draft: Draft, *texts: str) -> None:
    """Every quote is made of whole sentences of ``texts`` (edge @tags aside), uncut."""
    sentences = {tidy_quote(s) for t in texts for s in split_sentences(t)}
    for quote in quotes(draft):
        assert not quote.endswith("…"), quote
        for part in split_sentences(quote):
            assert tidy_quote(part) in sentences, part


def test_one_complaint_beside_a_praise_is_not_written_more_than_once(
    writer: DraftWriter, demo: dict[str, dict[str, str]]
) -> None:
    """Rina praised, then complained once: no apology for making her write twice."""
    item = conversation(demo, "complaint", ("ks-018", ("complaint",)), ("ks-004", ("praise",)))
    item = replace(item, name="Rina Marlina", handle="rina_ngopi")

    draft = writer.write_one(item)

    assert "lebih dari sekali" not in draft.body and "more than once" not in draft.body


def test_budi_gets_his_order_confirmed_and_is_not_asked_for_it(
    writer: DraftWriter, scorer: FakeScorer, demo: dict[str, dict[str, str]]
) -> None:
    item = conversation(demo, "complaint", ("ks-009", ("complaint",)), ("ks-008", ("complaint",)))

    draft = writer.write_one(item)

    assert (draft.lang, draft.register) == ("id", "casual")
    assert "KS-88213" in draft.subject and "KS-88213" in draft.body
    assert "Rp58.000" in draft.body
    assert "KS-88213" in draft.message(MESSAGE_LIMITS["mastodon_dm"] - len("@budi_santoso "))
    for text in (draft.subject, draft.body, *draft.messages):
        assert not any(ask in text.casefold() for ask in ORDER_NUMBER_ASKS)
    assert "tangkapan layar tagihannya" in draft.body  # only what is missing is asked
    assert "lebih dari sekali" in draft.body  # both posts are answered, not only the first
    assert "kendala pembayarannya" in draft.body
    assert not PROMISES.search(own_words(draft))
    assert_whole_sentences(draft, demo["ks-009"]["text"], demo["ks-008"]["text"])
    assert len(scorer.calls) == 1


def test_without_the_order_number_budi_would_be_asked_for_it(
    writer: DraftWriter, demo: dict[str, dict[str, str]]
) -> None:
    draft = writer.write_one(conversation(demo, "complaint", ("ks-009", ("complaint",))))

    assert "nomor pesanannya" in draft.body
    assert "KS-88213" not in draft.body


FORMAL_COMPLAINTS = [
    "Saya sangat kecewa dengan pelayanan di Kopi Senja Tebet kemarin. Pesanan saya tidak "
    "datang selama 45 menit dan kasir tidak memberikan penjelasan apa pun.",
    "Setelah minum es kopi susu dari Kopi Senja Tebet, saya dan adik langsung sakit perut dan "
    "diare semalaman. Tolong dicek kebersihan es batunya, ini serius.",
    "Saldo saya kepotong dua kali untuk satu pesanan di Kopi Senja app, dan sampai tulisan ini "
    "dibuat refund belum masuk. Kecewa, padahal sudah langganan dua tahun.",
]
CASUAL_WORDS = re.compile(
    r"\b(beresin|banget|bgt|nggak|gak|udah|aja|kak|kakak|makasih|dong|yuk|sih|nih|kok)\b",
    re.IGNORECASE,
)


@pytest.mark.parametrize("text", FORMAL_COMPLAINTS)
def test_a_formal_indonesian_complaint_gets_a_formal_indonesian_draft(
    writer: DraftWriter, text: str
) -> None:
    item = DraftInput(
        label="complaint",
        posts=(DraftPost(text, ("complaint",)),),
        lang="id",
        brand="kopi-senja",
        name="Putri Ananda",
    )

    draft = writer.write_one(item)

    assert (draft.template, draft.register) == ("complaint.id.formal.j2", "formal")
    assert draft.body.startswith("Halo Ibu Putri,\n")
    assert "Hormat kami," in draft.body
    for words in (own_words(draft), draft.subject, *draft.messages):
        assert not CASUAL_WORDS.search(words), words
        assert detect_register([words]) == "formal"


def test_putris_health_complaint_is_handled_with_care(writer: DraftWriter) -> None:
    item = DraftInput(
        label="complaint",
        posts=(DraftPost(FORMAL_COMPLAINTS[1], ("complaint",)),),
        lang="id",
        brand="kopi-senja",
        brand_terms=("Kopi Senja",),
    )

    draft = writer.write_one(item)

    assert "Semoga Bapak/Ibu sudah merasa lebih baik." in draft.body
    assert "(cabang Tebet)" in draft.body  # the branch she named is confirmed
    assert "waktu kejadian" in draft.body and "cabang yang" not in draft.body


@pytest.mark.parametrize(
    ("name", "handle", "lang", "greeting"),
    [
        ("✨", "emoji.queen", "id", "Halo Kak,"),
        (None, "u8", "en", "Hi there,"),
        ("u8", "u8", "en", "Hi there,"),
        ("kopilover99", "kopilover99", "id", "Halo Kak,"),
    ],
)
def test_a_person_without_a_name_is_greeted_without_a_handle(
    writer: DraftWriter, name: str | None, handle: str, lang: str, greeting: str
) -> None:
    text = {
        "id": "@kopisenja 😍😍🔥 mantap",
        "en": "The new app is great, ordering took 20 seconds",
    }
    item = DraftInput(
        label="praise",
        posts=(DraftPost(text[lang], ("praise",)),),
        lang=lang,
        brand="kopi-senja",
        name=name,
        handle=handle,
    )

    draft = writer.write_one(item)

    assert draft.body.splitlines()[0] == greeting
    for text_ in (draft.subject, draft.body, *draft.messages):
        assert handle not in text_
        assert not text_.startswith(("Hi u8", "Halo Kak kopilover"))


def test_a_mixed_post_acknowledges_both_sides(
    writer: DraftWriter, demo: dict[str, dict[str, str]]
) -> None:
    omar = conversation(demo, "complaint", ("ks-048", ("complaint", "praise")), lang="en")

    draft = writer.write_one(omar)

    assert "We're so glad you love the kopi susu — and we're really sorry about the wait." in (
        draft.body
    )
    assert "(Kemang branch)" in draft.body
    assert "kopi susu" in draft.messages[0] and "the wait" in draft.messages[0]


def test_a_mixed_indonesian_post_acknowledges_both_sides(
    writer: DraftWriter, demo: dict[str, dict[str, str]]
) -> None:
    intan = conversation(demo, "complaint", ("ks-027", ("complaint", "praise")))

    draft = writer.write_one(intan)

    assert (
        "Makasih banyak atas pujiannya — dan maaf banget soal pelayanan yang kurang menyenangkan."
        in draft.body
    )
    assert quotes(draft) == ["Kasirnya jutek banget tadi, ditanya soal promo malah dicuekin."]


def test_a_complaint_with_an_idea_thanks_for_the_idea_too(
    writer: DraftWriter, demo: dict[str, dict[str, str]]
) -> None:
    sarah = conversation(demo, "complaint", ("ks-047", ("complaint", "praise", "idea")), lang="en")

    draft = writer.write_one(sarah)

    assert (
        "glad you love the iced latte — and we're really sorry about the trouble with the app"
        in (draft.body)
    )
    assert '("Would be nice to have an English version of the app too.")' in draft.body
    assert "which phone and app version you use" in draft.body


LONG_REVIEW = (
    "I've been coming to Kopi Senja Kemang for three years and it's my favourite place to work. "
    "The baristas know my order by heart and the pandan latte is the best in Jakarta. "
    "Last Saturday my oat latte was made with dairy milk even though I asked twice, and I was "
    "sick all afternoon. "
    "I still like the place, but please be careful with allergies."
)


def test_a_long_review_is_answered_about_the_sentence_that_complains(writer: DraftWriter) -> None:
    item = DraftInput(
        label="complaint",
        posts=(DraftPost(LONG_REVIEW, ("complaint", "praise"), title="Still my favourite"),),
        lang="en",
        brand="kopi-senja",
        name="Hannah Becker",
        brand_terms=("Kopi Senja",),
    )

    draft = writer.write_one(item)

    assert quotes(draft) == [
        "Last Saturday my oat latte was made with dairy milk even though I asked twice, and I "
        "was sick all afternoon."
    ]
    assert "I've been coming" not in draft.body
    assert "We're so glad you love the pandan latte" in draft.body
    assert "We hope you're feeling better." in draft.body
    assert "(Saturday and Kemang branch)" in draft.body  # what she said is confirmed …
    assert "That's everything we need." in draft.body  # … and nothing asked again
    assert draft.body.count("look into it") == 1  # said once, not twice in a row
    assert_whole_sentences(draft, LONG_REVIEW)


def test_a_repeat_idea_giver_is_recognised_and_all_ideas_answered(
    writer: DraftWriter, demo: dict[str, dict[str, str]]
) -> None:
    hendra = conversation(
        demo,
        "idea",
        ("ks-044", ("idea",)),
        ("ks-039", ("idea",)),
        history=DraftHistory(earlier={"idea": 1, "praise": 4}),
    )

    draft = writer.write_one(hendra)

    assert draft.subject == "Makasih lagi idenya, Kak Hendra!"
    assert "Ini sudah ide ketiga dari Kakak bulan ini" in draft.body
    assert quotes(draft) == [demo["ks-039"]["text"], demo["ks-044"]["text"]]  # oldest first
    assert "ide ketiga" in draft.messages[0]
    assert not PROMISES.search(own_words(draft))


def test_a_third_suggestion_this_month_in_english(
    writer: DraftWriter, demo: dict[str, dict[str, str]]
) -> None:
    sarah = conversation(
        demo, "idea", ("ks-040", ("idea", "praise")), lang="en", history=DraftHistory({"idea": 2})
    )

    draft = writer.write_one(sarah)

    assert "That's your third suggestion this month" in draft.body
    assert quotes(draft) == ["Love Kopi Senja, but please add oat milk!"]


def test_a_loyal_customer_is_thanked_again(
    writer: DraftWriter, demo: dict[str, dict[str, str]]
) -> None:
    rina = conversation(
        demo, "praise", ("ks-007", ("praise",)), history=DraftHistory({"praise": 5}, window_days=7)
    )

    draft = writer.write_one(rina)

    assert draft.subject == "Makasih lagi, Kak Rina!"
    assert "Ini sudah keenam kalinya minggu ini" in draft.body
    assert quotes(draft)[0].startswith("makasih banyak udah kasih kue ulang tahun")  # no @handle


def test_a_newer_post_saying_it_is_fixed_gets_thanks_not_questions(
    writer: DraftWriter, demo: dict[str, dict[str, str]]
) -> None:
    dimas = conversation(
        demo,
        "complaint",
        ("ks-015", ("praise",)),
        ("ks-014", ("complaint",)),
        ("ks-013", ("complaint",)),
    )

    draft = writer.write_one(dimas)

    assert draft.subject == "Makasih kabarnya, Kak Dimas"
    assert "maaf sekali lagi soal kendala di aplikasinya" in draft.body
    assert "Boleh dibantu" not in draft.body


def test_promises_come_only_from_the_configuration(
    scorer: FakeScorer, demo: dict[str, dict[str, str]]
) -> None:
    offer = "Sebagai permintaan maaf, minuman Kakak berikutnya kami traktir."
    settings = ResponderSettings.model_validate(
        {"business": {"name": "Kopi Senja", "offers": {"complaint": {"id": offer}}}}
    )
    writer = DraftWriter(settings, scorer)
    budi = conversation(demo, "complaint", ("ks-008", ("complaint",)))
    rina = conversation(demo, "praise", ("ks-001", ("praise",)))

    assert offer in writer.write_one(budi).body
    assert offer in writer.write_one(budi).messages[0]
    assert offer not in writer.write_one(rina).body  # offered for complaints only
    assert offer not in writer.write_one(replace(budi, lang="en")).body  # only in Indonesian


def test_nothing_private_reaches_the_draft(writer: DraftWriter, make_item: MakeItem) -> None:
    item = make_item(
        text="Pesanan telat 1 jam, kecewa.",
        labels=("complaint",),
        email="rina.private@example.com",
        handle="@rina_secret_handle",
    )

    draft = writer.write("complaint", item)

    for text in (draft.subject, draft.body, *draft.messages):
        assert "rina.private" not in text and "example.com" not in text
        assert "rina_secret_handle" not in text


def test_the_batch_is_scored_in_one_call(
    writer: DraftWriter, scorer: FakeScorer, demo: dict[str, dict[str, str]]
) -> None:
    items = [
        conversation(demo, "complaint", ("ks-009", ("complaint",)), ("ks-008", ("complaint",))),
        conversation(demo, "complaint", ("ks-013", ("complaint",))),
        conversation(demo, "idea", ("ks-042", ("idea",))),  # one sentence: nothing to score
    ]

    drafts = writer.write_all(items)

    assert len(drafts) == 3
    assert len(scorer.calls) == 1
    sent = scorer.calls[0]
    assert len(sent) == len(set(sent))
    assert "Poin aku ketahan semua 😡 @kopisenja" in sent
    assert not any("dark mode" in text for text in sent)


def test_every_demo_post_drafts_cleanly(
    writer: DraftWriter, scorer: FakeScorer, demo: dict[str, dict[str, str]]
) -> None:
    items = []
    for row in demo.values():
        scores = scorer.score(row["text"])
        labels = tuple(lab for lab in ("complaint", "idea", "praise") if scores[lab] > 0.5)
        if labels:
            items.append(conversation(demo, labels[0], (row["id"], labels)))  # type: ignore[arg-type]

    drafts = writer.write_all(items)

    assert len(drafts) > 30
    for item, draft in zip(items, drafts, strict=True):
        everything = " ".join((draft.subject, draft.body, *draft.messages))
        assert "None" not in everything and "  " not in draft.body
        assert item.handle is None or item.handle not in everything
        assert "\n\n\n" not in draft.body
        assert_whole_sentences(draft, item.posts[0].text)
        for limit in (MESSAGE_LIMITS["mastodon_dm"] - 30, 1000, 160):
            assert len(draft.message(limit)) <= limit


def test_a_batch_scored_first_is_drafted_one_by_one_without_more_calls(
    writer: DraftWriter, scorer: FakeScorer, demo: dict[str, dict[str, str]]
) -> None:
    items = [
        conversation(demo, "complaint", ("ks-013", ("complaint",))),
        conversation(demo, "complaint", ("ks-019", ("complaint",))),
    ]

    book = writer.score(items)
    drafts = [writer.write_one(item, book) for item in items]

    assert len(scorer.calls) == 1
    assert drafts == writer.write_all(items)


def test_feedback_on_prices_is_passed_on_without_questions(
    writer: DraftWriter, demo: dict[str, dict[str, str]]
) -> None:
    fajar = conversation(demo, "complaint", ("ks-020", ("complaint", "idea")))

    draft = writer.write_one(fajar)

    assert "Makasih banyak atas masukannya soal harga kami." in draft.body  # thanks, no apology
    assert "maaf" not in draft.body.casefold() and "maaf" not in draft.subject.casefold()
    assert "Makasih juga untuk sarannya — sudah kami teruskan ke tim." in draft.body
    assert "38rb" not in own_words(draft)  # nothing to confirm: it is feedback, not a case
    assert "Boleh dibantu" not in draft.body and "Kami cek sekarang" not in draft.body


def test_a_brand_written_as_one_word_still_names_the_branch(
    writer: DraftWriter, demo: dict[str, dict[str, str]]
) -> None:
    arif = conversation(demo, "complaint", ("ks-022", ("complaint",)), brand_terms=())

    draft = writer.write_one(arif)  # "kopisenja Kemang", and only "Kopi Senja" is configured

    assert "(cabang Kemang)" in draft.body
    assert "cabang yang Kakak datangi" not in draft.body


def test_formal_feedback_on_prices_says_it_was_passed_on(writer: DraftWriter) -> None:
    text = "Rasa kopinya konsisten enak, tetapi harganya kemahalan untuk mahasiswa: 38 ribu."
    item = DraftInput(
        label="complaint",
        posts=(DraftPost(text, ("complaint",)),),
        lang="id",
        brand="kopi-senja",
        name="Anisa Hartono",
        register="formal",
    )

    draft = writer.write_one(item)

    assert "Terima kasih atas masukan Ibu mengenai harga kami." in draft.body
    assert "Masukan tersebut telah kami teruskan kepada tim terkait." in draft.body
    assert "maaf" not in draft.body.casefold() and "maaf" not in draft.subject.casefold()
    assert "mohon informasikan" not in draft.body and "38 ribu)" not in draft.body


def test_a_complaint_confirms_only_details_of_the_posts_that_complain(
    writer: DraftWriter, demo: dict[str, dict[str, str]]
) -> None:
    """Kevin praised Kopi Senja Senopati, then complained about the app: the complaint's
    draft must not confirm "Senopati branch" back as a detail of the app trouble."""
    kevin = conversation(
        demo,
        "complaint",
        ("ks-028", ("complaint",)),
        ("ks-050", ("praise",)),
        lang="en",
        branches=("Senopati", "Kemang", "Tebet"),
    )

    draft = writer.write_one(kevin)

    for text in (draft.subject, draft.body, *draft.messages):
        assert "Senopati" not in text, text
    assert "Thank you for the kind words" in draft.body  # the praise is still acknowledged
    praise = writer.write_one(replace(kevin, label="praise", posts=kevin.posts[1:]))
    assert "Senopati" in praise.body  # a praise draft still names the branch it praised
