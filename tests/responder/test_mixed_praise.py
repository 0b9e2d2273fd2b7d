"""A thank-you never quotes a sentence that complains back to its writer."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from responder.draft_input import DraftInput, DraftPost
from responder.drafts import Draft, DraftWriter
from responder.mixed_praise import carries_complaint, praise_head
from responder.register import Register
from responder.settings import ResponderSettings

from .conftest import FakeScorer


def praise_draft(
    writer: DraftWriter, text: str, lang: str, scores: Mapping[str, float] | None = None
) -> Draft:
    post = DraftPost(text, ("praise",), scores=dict(scores or {"praise": 0.94}))
    item = DraftInput(label="praise", posts=(post,), lang=lang, brand="Kopi Senja", name="Budi")
    return writer.write_one(item)


@pytest.fixture
def writer() -> DraftWriter:
    return DraftWriter(ResponderSettings())


@pytest.mark.parametrize(
    ("text", "lang", "scores"),
    [
        # the complaint scored below its threshold
        (
            "montirnya ngerokok di bengkel… ga profesional",
            "id",
            {"praise": 0.94, "complaint": 0.85},
        ),
        ("spion motor saya baret", "id", {"praise": 0.9, "complaint": 0.3}),
        ("bagus ya… kaos kaki asing nyempil 🙃", "id", {"praise": 0.9, "complaint": 0.2}),
        ("great, another cold latte 🙄", "en", {"praise": 0.9, "complaint": 0.3}),
        # the scorer itself finds more complaint than praise in the one sentence
        ("Jalur map nya terbalik !!", "id", {"praise": 0.6, "complaint": 0.79}),
    ],
)
def test_praise_that_complains_is_thanked_without_quoting_it(
    writer: DraftWriter, text: str, lang: str, scores: Mapping[str, float]
) -> None:
    draft = praise_draft(writer, text, lang, scores)
    body = draft.body
    assert '"' not in body, body  # nothing quoted
    assert "senang banget baca" not in body and "made our day" not in body
    assert "kurang berkenan" in body or "wasn't quite right" in body
    assert all("senang banget" not in m and "made our day" not in m for m in draft.messages)


def test_mixed_sentence_quotes_only_its_praise(writer: DraftWriter) -> None:
    draft = praise_draft(writer, "Love the coffee but the barista was so rude", "en")
    assert '"Love the coffee…"' in draft.body
    assert "rude" not in draft.body
    assert "wasn't quite right" in draft.body


def test_other_sentence_is_quoted_when_one_complains() -> None:
    scorer = FakeScorer()
    writer = DraftWriter(ResponderSettings(), scorer)
    text = "Servisnya cepat dan mantap. Tapi montirnya ngerokok di bengkel, ga profesional."
    draft = praise_draft(writer, text, "id")
    assert '"Servisnya cepat dan mantap."' in draft.body
    assert "ngerokok" not in draft.body


@pytest.mark.parametrize(
    ("text", "lang", "quote"),
    [
        ("The flat white was amazing! The barista was lovely.", "en", None),
        ("pokoknya mantap.. tidak mengecewakan, aku suka", "id", None),
        ("I've never had an issue with it crashing.", "en", None),
        ("Paket sampai tanpa lecet, seller ramah", "id", None),
    ],
)
def test_clean_praise_is_thanked_as_before(
    writer: DraftWriter, text: str, lang: str, quote: str | None
) -> None:
    body = praise_draft(writer, text, lang, {"praise": 0.97, "complaint": 0.03}).body
    assert f'"{quote or text}"' in body
    assert "made our day" in body or "senang banget baca ini" in body
    assert "kurang berkenan" not in body and "wasn't quite right" not in body


def test_cues() -> None:
    assert carries_complaint("kurang bersih kamarnya")
    assert carries_complaint("It keeps crashing")
    assert not carries_complaint("ga pernah kecewa belanja di sini")
    assert not carries_complaint("salah satu kopi terbaik")
    assert not carries_complaint("Kualitas oke, tapi keren parah")
    assert praise_head("Game bagus tapi sering bug", 160) == "Game bagus…"
    assert praise_head("bagus ya, kaos kaki asing nyempil 🙃", 160) is None
    assert praise_head("montirnya ngerokok di bengkel, ga profesional", 160) is None


@pytest.mark.parametrize("register", ["formal", "casual"])
@pytest.mark.parametrize(
    ("lang", "text", "warm"),
    [
        ("en", "great, another cold latte 🙄", ("made our day", "kind words")),
        ("id", "bagus ya… kaos kaki asing nyempil 🙃", ("senang banget", "apresiasi")),
    ],
)
def test_every_register_thanks_a_sour_post_plainly(
    writer: DraftWriter, lang: str, text: str, warm: tuple[str, ...], register: Register
) -> None:
    post = DraftPost(text, ("praise",), scores={"praise": 0.9, "complaint": 0.2})
    item = DraftInput(
        label="praise", posts=(post,), lang=lang, brand="Kopi Senja", register=register
    )
    draft = writer.write_one(item)
    for text_ in (draft.body, *draft.messages):
        assert not any(w in text_ for w in warm), text_
        assert '"' not in text_
