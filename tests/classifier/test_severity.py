"""The severity model: unambiguous critical posts in both languages, idiom traps, the shipped
head on the real encoder (no second encoding), and the rules fallback."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from classifier.embedded import EmbeddedClassifier, EmbeddedOptions
from classifier.keywords import KeywordClassifier, KeywordsOptions
from classifier.severity.combine import SeverityModel, combine
from classifier.severity.head import load_head
from classifier.severity.levels import Assessment
from classifier.severity.rules import _REPEAT, _STRETCH, assess_by_rules, fold
from classifier.severity.wrap import SeverityClassifier, severity_model_for

CRITICAL = [
    ("Got food poisoning after your chicken wrap, vomiting all night", "food_poisoning"),
    ("abis makan nasi goreng di sini gw muntah-muntah semalaman", "food_poisoning"),
    ("There was a piece of glass in my soup", "foreign_object"),
    ("ada kecoa di dalam kuah bakso saya", "foreign_object"),
    ("My son had an allergic reaction to the cookie and broke out in hives", "allergy"),
    ("I was charged twice for the same order", "money_lost"),
    ("saldo saya kepotong dua kali untuk satu pesanan", "money_lost"),
    ("Akun saya dibobol, ada transaksi yang bukan saya lakukan", "fraud"),
    ("Your app showed me another customer's name, address and phone number", "data_leak"),
    ("Saya akan menempuh jalur hukum kalau tidak diselesaikan", "legal_threat"),
    ("kalau ga ada respon hari ini gw viralin", "going_public"),
    ("Ada larva di minuman saya!!", "foreign_object"),
    ("There was a larva in my iced tea", "foreign_object"),
    ("my kid cut his finger on a broken cup at your store", "injury"),
    ("jari saya teriris tepi gelas yang retak", "injury"),
    ("the delivery guy gave my address to someone else", "data_leak"),
]

IDIOMS = [
    "this sambal is deadly good",
    "bosen setengah mati nunggu pesanan",
    "the queue killed me today, 30 minutes for a donut",
    "pedesnya bikin mati tapi nasinya dingin",
    "harganya bikin jantungan",
    "the dessert was to die for but the table was dirty",
]

ORDINARY = [
    "The app is really slow today",
    "Nunggu kopi 40 menit, lama banget",
    "sometimes it pushes me to almost cut my hands again",  # not harm done by the business
]


@pytest.mark.parametrize(("text", "reason"), CRITICAL)
def test_rules_name_the_harm(text: str, reason: str) -> None:
    got = assess_by_rules(text)
    assert (got.level, got.reason) == ("critical", reason)
    assert got.text.startswith("critical: ")


@pytest.mark.parametrize("text", IDIOMS + ORDINARY)
def test_rules_ignore_idioms_and_ordinary_complaints(text: str) -> None:
    assert assess_by_rules(text).level != "critical"


def test_combine_takes_the_more_severe_and_the_rules_reason() -> None:
    head = Assessment("critical", "injury", "head", 0.9)
    rules = Assessment("critical", "food_poisoning", "rules", ruled=True)
    assert combine(head, rules).reason == "food_poisoning"
    assert combine(Assessment("high", score=0.1), Assessment("normal")).level == "high"
    alone = Assessment("critical", "injury", "head", 0.99, fallback="high")
    lone = combine(alone, Assessment("normal"))  # no rule names a harm: not critical
    assert lone.level == "high" and lone.reason is None and lone.score == 0.99
    unsure = Assessment("critical", "injury", "head", 0.5, fallback="high")
    sure_rule = combine(unsure, Assessment("critical", "injury", "rules", ruled=True))
    assert sure_rule.level == "critical" and sure_rule.ruled


@pytest.fixture(scope="module")
def encoder(tmp_path_factory: pytest.TempPathFactory) -> EmbeddedClassifier:
    return EmbeddedClassifier(EmbeddedOptions(), tmp_path_factory.mktemp("sev-cache"))


@pytest.fixture(scope="module")
def classifier(encoder: EmbeddedClassifier) -> SeverityClassifier:
    model = severity_model_for(encoder)
    assert model.head is not None  # the shipped head matches the shipped encoder
    return SeverityClassifier(encoder, model)


ISSUE_EXAMPLES = [
    "abis minum es kopinya langsung mules sampe pagi",
    "ada serpihan plastik di nasi gw",
    "my daughter's lips swelled up after the muffin",
]


@pytest.mark.parametrize("text", ISSUE_EXAMPLES + [t for t, _ in CRITICAL])
def test_head_and_rules_call_critical(classifier: SeverityClassifier, text: str) -> None:
    (result,) = classifier.classify([text])
    assert result.severity == "critical", text
    assert result.severity_reason
    assert "complaint" in result.labels  # a report of harm is a complaint


@pytest.mark.parametrize("text", IDIOMS + ORDINARY)
def test_head_and_rules_are_not_fooled(classifier: SeverityClassifier, text: str) -> None:
    (result,) = classifier.classify([text])
    assert result.severity != "critical", (text, result)


def test_head_alone_separates_harm_from_idioms(encoder: EmbeddedClassifier) -> None:
    head = load_head()
    _, harm = encoder.classify_with_vectors(ISSUE_EXAMPLES)
    _, idioms = encoder.classify_with_vectors(IDIOMS[:2])
    assert head.level_probabilities(harm)[:, 0].min() > head.level_probabilities(idioms)[:, 0].max()


def test_one_encoder_pass_gives_labels_and_vectors(encoder: EmbeddedClassifier) -> None:
    texts = ["kopinya enak", "", "I was charged twice"]
    results, vectors = encoder.classify_with_vectors(texts)
    assert [r.labels for r in results] == [r.labels for r in encoder.classify(texts)]
    unit = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    assert np.allclose(unit, encoder.embed(texts), atol=1e-5)
    assert not vectors[1].any()


def test_head_reads_complaints_only(classifier: SeverityClassifier) -> None:
    praise, question = classifier.classify(
        [
            "Jujur kopinya enak banget, baristanya ramah",
            "Does Kopi Senja have a branch near Sudirman?",
        ]
    )
    assert praise.severity != "critical" and question.severity != "critical"
    assert "complaint" not in praise.labels and "complaint" not in question.labels


def test_backends_without_vectors_use_the_rules() -> None:
    keywords = KeywordClassifier(KeywordsOptions())
    model = severity_model_for(keywords)
    assert model.head is None
    wrapped = SeverityClassifier(keywords, model)
    critical, idiom = wrapped.classify(["saya kena double charge, tolong refund", IDIOMS[0]])
    assert (critical.severity, critical.severity_reason) == (
        "critical",
        "money lost (double or wrongful charge)",
    )
    assert idiom.severity == "normal"
    assert wrapped.model_id == keywords.model_id


def test_missing_head_file_is_a_clear_error(tmp_path: Path) -> None:
    from common.errors import ClassifierError

    with pytest.raises(ClassifierError, match="severity head"):
        load_head(tmp_path)
    assert SeverityModel(None).assess(["ok"])[0].level == "normal"


@given(st.text(alphabet="aAmuntah2 é\u0301ﬁ’K", max_size=40))
def test_fold_skips_the_mark_pass_only_where_there_are_no_marks(text: str) -> None:
    """ASCII after NFKD has no combining marks: skipping the pass changes nothing."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    expected = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    expected = _REPEAT.sub(r"\1 \1", _STRETCH.sub(r"\1\1", expected)).replace("’", "'")
    assert fold(text) == expected
