"""Tests for the offline language detector (``classifier.lang``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from classifier.lang import (
    UNDETERMINED,
    LanguageDetector,
    clean_text,
    default_detector,
    detect_language,
    is_indonesian_marker,
    words,
)


@pytest.mark.parametrize(
    "text",
    [
        "app nya lemot bgt, tolong fix dong",
        "gw kesel bgt sama cs nya",
        "Saya sangat kecewa dengan layanan pelanggan",
        "kopinya enak",
        "mantap",
        "semoga ada oat milk ya min",
        "tolong fix login please",
        "ma\u200bntap bgt kopinya",
        "thanks ya kak, kopinya enak",
    ],
)
def test_indonesian_including_slang_and_code_mixing(text: str) -> None:
    assert detect_language(text) == "id"


@pytest.mark.parametrize(
    "text",
    [
        "the barista was sooo friendly, mantap!",
        "please add dark mode to the app",
        "I love kopi senja",
        "Best latte in town, thank you",
        "great coffee",
    ],
)
def test_english_including_indonesian_loanwords(text: str) -> None:
    assert detect_language(text) == "en"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Dank je wel, heerlijke koffie", "nl"),
        ("Wir lieben den Kaffee hier, er ist wirklich gut und frisch", "de"),
        ("El café es muy bueno y el servicio también", "es"),
        ("コーヒーがおいしい", "ja"),
    ],
)
def test_other_languages_come_from_the_model(text: str, expected: str) -> None:
    assert detect_language(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "ok",
        "😍😍😍",
        "\u200b@kopisenja 😍",
        "https://kopisenja.id #kopisenja @kopisenja",
        "12345 !!!",
        "\u200b\u200c\u200d\ufeff",
    ],
)
def test_empty_emoji_only_and_too_short_texts_are_undetermined(text: str) -> None:
    assert detect_language(text) == UNDETERMINED


def test_lone_surrogates_do_not_crash() -> None:
    assert detect_language("kopinya \ud800enak banget") == "id"
    assert detect_language("\udfff") == UNDETERMINED


def test_long_text_is_handled_and_deterministic() -> None:
    text = "kopinya enak banget, baristanya ramah dan tempatnya nyaman. " * 200
    assert len(text) > 10_000
    assert detect_language(text) == "id"
    assert detect_language("x" * 10_000) == UNDETERMINED
    assert LanguageDetector().detect(text) == detect_language(text)


def test_detector_loads_its_model_lazily() -> None:
    detector = LanguageDetector()
    assert detector._identifier is None
    assert detector.detect("") == UNDETERMINED  # too short: the model is not needed
    assert detector._identifier is None
    detector.detect("the coffee was great")
    assert detector._identifier is not None


def test_default_detector_is_shared() -> None:
    assert default_detector() is default_detector()


def test_clean_text_drops_invisible_characters_handles_and_urls() -> None:
    cleaned = clean_text("ma\u200bntap @kopisenja #ngopi https://x.com/a?b=1 \ud800!")
    assert "mantap" in cleaned
    assert "kopisenja" not in cleaned
    assert "ngopi" not in cleaned
    assert "x.com" not in cleaned
    cleaned.encode("utf-8")  # no lone surrogate left


def test_words_squeeze_stretched_letters() -> None:
    assert words("Bangettt kereeen, sooo good") == ["banget", "keren", "so", "good"]


def test_nya_suffix_marks_indonesian() -> None:
    assert is_indonesian_marker("kopinya")
    assert is_indonesian_marker("bgt")
    assert is_indonesian_marker("nya")  # written apart: "coffee nya top"
    assert not is_indonesian_marker("coffee")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Crumb & Co baklava was amazing! شكرا جزيلا",
            "en",
        ),
        ("Best ramen in Jakarta, 本当に美味しい!", "en"),
        ("the bibimbap was so good, 감사합니다", "en"),
        ("Thank you Crumb & Co ❤\ufe0f 감사합니다 ❤\ufe0f", "en"),
        ("Amazing biryani at Spice Route, நன்றி", "en"),
        (
            "Crumb & Co baklava enak banget! شكرا جزيلا",
            "id",
        ),
        ("Terima kasih Crumb & Co! شكرا", "id"),
        (
            "نحن نحب الحلويات هنا Crumb",
            "ar",
        ),
    ],
)
def test_a_short_phrase_in_another_script_does_not_outvote_the_post(
    text: str, expected: str
) -> None:
    assert detect_language(text) == expected


@pytest.mark.parametrize("text", ["yum", "danke", "Keerreenn!!", "hahahaha 😂", "Overwhelmed"])
def test_one_word_without_a_marker_is_too_short_to_tell(text: str) -> None:
    assert detect_language(text) == UNDETERMINED


@pytest.mark.parametrize(
    "text", ["barista nya ramah, coffee nya top", "Tambahin bhs indo nya", "Sip pokok nya"]
)
def test_nya_written_apart_marks_indonesian(text: str) -> None:
    assert detect_language(text) == "id"


@pytest.mark.parametrize(
    "text",
    [
        "literally gue gak bisa relate sama pelayanannya, which is kecewa banget",
        "honestly the latte was too sweet for me sih, next time less sugar dong",
        "the cashier was so rude to me, gue kaget banget",
        "which is bad banget sih",
        "please add oat milk option dong, I'm lactose intolerant",
        "Gue kecewa, the coffee was cold",
        "the latte was 50k, mahal dong",
    ],
)
def test_jaksel_code_mixing_is_indonesian_even_when_english_words_outnumber(text: str) -> None:
    assert detect_language(text) == "id"


@pytest.mark.parametrize(
    "text",
    [
        "Loved the kopi at Kopi Senja in Jakarta",
        "Stopped by Rumah Kita in Yogyakarta for gudeg, absolutely loved it",
        "Kita Coffee in Bandung is the best",
        "the staff at Kopi Dari Hati were lovely",
        "Best beans from Kenya, loved it",
        "I paid 50000 dong for a coffee in Hanoi",
        "Terima kasih to the team at Kopi Senja for the warm welcome",
        "I mean, it is what it is lah",
    ],
)
def test_indonesian_names_and_loanwords_keep_an_english_post_english(text: str) -> None:
    assert detect_language(text) == "en"


def test_held_out_code_mixed_and_english_posts() -> None:
    """tests/data/lang_codemixed.txt: written for Simak, not taken from the datasets."""
    path = Path(__file__).parents[1] / "data" / "lang_codemixed.txt"
    lines = path.read_text(encoding="utf-8").splitlines()
    rows = [line.split(" | ", 1) for line in lines if line and not line.startswith("#")]
    for want, floor in (("id", 0.9), ("en", 0.98)):
        texts = [text for lang, text in rows if lang == want]
        right = sum(1 for text in texts if detect_language(text) == want)
        assert len(texts) >= 60
        assert right / len(texts) >= floor, (want, right, len(texts))
