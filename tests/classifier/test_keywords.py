"""Tests for the transparent keyword backend (``classifier.keywords``)."""

from __future__ import annotations

import pydantic
import pytest

from classifier.base import LABELS, Classification, Classifier
from classifier.keywords import (
    MODEL_ID,
    KeywordClassifier,
    KeywordsOptions,
    is_negated,
    phrase_pattern,
    squash,
)


@pytest.fixture(scope="module")
def clf() -> KeywordClassifier:
    return KeywordClassifier()


def labels(clf: KeywordClassifier, text: str) -> set[str]:
    return set(clf.classify([text])[0].labels)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # praise, both languages and slang
        ("the barista was sooo friendly, mantap!", {"praise"}),
        ("kopinya enak bangettt, baristanya ramah", {"praise"}),
        ("kereeen, makasih banyak kak", {"praise"}),
        ("Best latte in town, love it", {"praise"}),
        ("@kopisenja 😍", {"praise"}),
        # complaints, including urgent ones
        ("app nya lemot bgt, tolong fix dong", {"complaint"}),
        ("saldo kepotong dua kali tapi pesanan gak masuk!! tolong refund", {"complaint"}),
        ("abis minum es kopi susu langsung sakit perut dan diare", {"complaint"}),
        ("I was charged twice for one order", {"complaint"}),
        ("udah 3 hari gak bisa login ke app", {"complaint"}),
        ("kecewa, pesanan salah lagi", {"complaint"}),
        # ideas
        ("semoga ada oat milk ya min", {"idea"}),
        ("sebaiknya harga diturunkan", {"idea"}),
        ("kalau bisa buka lebih pagi dong, jam 6 gitu", {"idea"}),
        ("please add dark mode to the app", {"idea"}),
        ("it would be nice to have a less sweet option", {"idea"}),
        ("Kopi Senja please open a branch in Medan!", {"idea"}),
        ("tolong tambahin menu kopi tanpa gula", {"idea"}),
        # several labels at once
        ("Great app but crashes on start, please add a widget", {"praise", "complaint", "idea"}),
        ("kopinya enak tapi app nya lemot, semoga ada dark mode", {"praise", "complaint", "idea"}),
    ],
)
def test_bilingual_labels(clf: KeywordClassifier, text: str, expected: set[str]) -> None:
    assert labels(clf, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "please fix the login error",
        "tolong diperbaiki loginnya kak, udah 3 hari gak bisa masuk",
        "kalau bisa tolong diperbaiki ya, aplikasinya error terus",
        "app crashes every time I open it, please fix",
    ],
)
def test_fix_request_is_complaint_only(clf: KeywordClassifier, text: str) -> None:
    assert labels(clf, text) == {"complaint"}


@pytest.mark.parametrize(
    "text",
    [
        "gak ada dark mode di app nya, mata sakit",
        "belum bisa bayar pakai QRIS, tolong tambahin dong",
        "there's no oat milk option at all",
    ],
)
def test_named_missing_feature_is_complaint_and_idea(clf: KeywordClassifier, text: str) -> None:
    assert labels(clf, text) == {"complaint", "idea"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("kopinya tidak enak", {"complaint"}),
        ("gak enak kopinya", {"complaint"}),
        ("not good at all", {"complaint"}),
        ("pelayanannya kurang ramah", {"complaint"}),
        ("baristanya gak terlalu ramah", {"complaint"}),
        ("gak kecewa sama sekali", {"praise"}),
        ("not bad actually", {"praise"}),
        ("ga nyesel, enak", {"praise"}),
    ],
)
def test_negation(clf: KeywordClassifier, text: str, expected: set[str]) -> None:
    assert labels(clf, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "jam berapa buka kak?",
        "Does the Kemang branch have wifi?",
        "bisa bayar pake QRIS gak?",
        "senja di pantai hari ini indah banget",
        "tips: pesan lewat app biar dapet poin, kalau bisa pakai voucher juga",
        "makasih kak",
        "",
        "🤷",
    ],
)
def test_questions_tips_and_chatter_are_other(clf: KeywordClassifier, text: str) -> None:
    assert labels(clf, text) == set()


def test_sarcasm_is_not_praise(clf: KeywordClassifier) -> None:
    assert labels(clf, "Great, crashed again 🙄") == {"complaint"}
    assert labels(clf, "mantap, pesanan ilang lagi. makasih loh") == {"complaint"}
    assert "sarcasm: praise dropped" in clf.explain("Great, crashed again 🙄")


def test_odd_input_is_handled(clf: KeywordClassifier) -> None:
    assert labels(clf, "ma\u200bntap \u200bkopinya") == {"praise"}
    assert labels(clf, "enak \ud800 banget") == {"praise"}
    long_text = "kopinya enak, tapi app nya lemot. " * 400
    assert labels(clf, long_text) == {"praise", "complaint"}


def test_result_shape_follows_the_contract(clf: KeywordClassifier) -> None:
    texts = ["kopinya enak", "app nya lemot bgt", "jam berapa buka?"]
    results = clf.classify(texts)
    assert isinstance(clf, Classifier)
    assert clf.model_id == MODEL_ID == "keywords@1"
    assert len(results) == len(texts)
    for result in results:
        assert isinstance(result, Classification)
        assert set(result.scores) == set(LABELS)
        assert all(0.0 <= p <= 1.0 for p in result.scores.values())
        assert result.labels == tuple(lab for lab in LABELS if result.scores[lab] >= 0.5)
        assert result.model == MODEL_ID
    assert [r.lang for r in results] == ["id", "id", "id"]
    assert results[2].is_other
    assert clf.classify([]) == []


def test_scores_grow_with_evidence(clf: KeywordClassifier) -> None:
    one = clf.scores("kopinya enak")["praise"]
    two = clf.scores("kopinya enak, baristanya ramah")["praise"]
    assert 0.5 <= one < two < 1.0
    assert squash(0.0) == 0.0
    assert squash(100.0) == 0.99


def test_explain_names_the_rules(clf: KeywordClassifier) -> None:
    fired = clf.explain("app nya lemot bgt, tolong fix dong")
    assert "complaint:id:lemot" in fired
    assert "complaint:fix:tolong fix" in fired
    assert clf.explain("jam berapa buka?") == []
    assert "negated praise:id:enak -> complaint" in clf.explain("kopinya tidak enak")
    assert "tip to other customers: not an idea" in clf.explain("tips: kalau bisa pesan lewat app")


def test_extra_terms_from_options() -> None:
    options = KeywordsOptions.model_validate(
        {"praise": {"id": ["senja vibes"]}, "complaint": {"en": ["soggy"]}}
    )
    clf = KeywordClassifier(options)
    assert labels(clf, "senja vibes bgt sore ini") == {"praise"}
    assert labels(clf, "the croissant was soggy") == {"complaint"}
    assert labels(clf, "the croissant was not soggy") == {"praise"}


def test_threshold_option() -> None:
    strict = KeywordClassifier(KeywordsOptions(threshold=0.9))
    assert labels(strict, "kopinya enak") == set()


@pytest.mark.parametrize(
    "bad",
    [{"unknown": 1}, {"praise": {"fr": ["bon"]}}, {"threshold": 2}, {"idea": ["x"]}],
)
def test_options_reject_bad_config(bad: dict[str, object]) -> None:
    with pytest.raises(pydantic.ValidationError):
        KeywordsOptions.model_validate(bad)


def test_phrase_pattern_matches_stretched_letters_and_clitics() -> None:
    pattern = phrase_pattern("keren")
    assert pattern.search("kereeen bgt")
    assert pattern.search("kerennya")
    assert not pattern.search("kekerenan")
    assert phrase_pattern("can't login").search("cant login")


def test_is_negated_looks_only_within_the_clause() -> None:
    text = "ga nyesel, enak"
    assert not is_negated(text, text.index("enak"))
    text = "gak terlalu enak"
    assert is_negated(text, text.index("enak"))
