"""The ``transformers`` backend with tiny models built offline in the test."""

from __future__ import annotations

from pathlib import Path

import pytest

from classifier.base import Classifier
from common.errors import ClassifierError, ConfigError

pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

SENTENCES = [
    "great app love it",
    "app crashes all the time",
    "please add dark mode",
    "aplikasi bagus mantap",
    "tolong tambahkan fitur",
    "lemot banget gak bisa login",
] * 20


def _tiny_model(
    folder: Path,
    id2label: dict[int, str],
    problem_type: str | None,
    *,
    positions: int = 512,
    tokenizer: bool = True,
) -> Path:
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.train_from_iterator(
        SENTENCES,
        trainers.WordPieceTrainer(
            vocab_size=200, special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
        ),
    )
    fast = transformers.PreTrainedTokenizerFast(
        tokenizer_object=tok,
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        mask_token="[MASK]",
    )
    config = transformers.BertConfig(
        vocab_size=fast.vocab_size,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        id2label=id2label,
        label2id={v: k for k, v in id2label.items()},
        problem_type=problem_type,
        max_position_embeddings=positions,
    )
    transformers.BertForSequenceClassification(config).save_pretrained(folder)
    if tokenizer:
        fast.save_pretrained(folder)
    return folder


def test_multilabel_model(tmp_path: Path) -> None:
    from classifier.hf import HFClassifier, HFOptions

    path = _tiny_model(
        tmp_path, {0: "praise", 1: "complaint", 2: "idea"}, "multi_label_classification"
    )
    clf = HFClassifier(HFOptions(model=str(path)))
    assert isinstance(clf, Classifier)
    results = clf.classify(["great app love it", "", "great app love it", "x" * 5000])
    assert len(results) == 4 and results[0] == results[2]
    assert results[1].labels == () and results[1].lang == "und"
    assert set(results[0].scores) == {"praise", "complaint", "idea"}
    assert results[0].model.startswith("transformers/")


def test_label_map_for_sentiment_model(tmp_path: Path) -> None:
    from classifier.hf import HFClassifier, HFOptions

    path = _tiny_model(tmp_path, {0: "negative", 1: "neutral", 2: "positive"}, None)
    with pytest.raises(ConfigError, match="label_map"):  # a config error: exit 2
        HFClassifier(HFOptions(model=str(path)))
    clf = HFClassifier(
        HFOptions(model=str(path), label_map={"positive": "praise", "negative": "complaint"})
    )
    (result,) = clf.classify(["aplikasi bagus mantap"])
    assert result.scores["praise"] + result.scores["complaint"] <= 1.0  # softmax shares
    assert result.scores["idea"] == 0.0


def test_zero_shot_nli(tmp_path: Path) -> None:
    from classifier.hf import HFClassifier, HFOptions

    path = _tiny_model(tmp_path, {0: "entailment", 1: "neutral", 2: "contradiction"}, None)
    clf = HFClassifier(HFOptions(model=str(path), mode="zero-shot"))
    results = clf.classify(["please add dark mode", "tolong tambahkan fitur"])
    assert all(0.0 <= p <= 1.0 for r in results for p in r.scores.values())


def test_missing_model_is_a_clear_error(tmp_path: Path) -> None:
    from classifier.hf import HFClassifier, HFOptions

    with pytest.raises(ClassifierError, match="not a folder"):
        HFClassifier(HFOptions(model=str(tmp_path / "nothing")))
    with pytest.raises(ClassifierError, match=r"no config\.json there"):  # was: 'sentencepiece'
        HFClassifier(HFOptions(model=str(tmp_path)))


def test_a_hub_id_not_on_this_machine_is_not_downloaded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Was: "We couldn't connect to 'https://huggingface.co'", as if it had tried."""
    from classifier.hf import HFClassifier, HFOptions

    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))  # an empty local cache
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ClassifierError, match="Simak downloads nothing"):
        HFClassifier(HFOptions(model="no-such-org/no-such-model"))


def test_a_model_without_labels_of_ours_names_label_map_and_its_labels(tmp_path: Path) -> None:
    """A config error (exit 2), with the model's labels and where to map them."""
    from classifier.hf import HFClassifier, HFOptions

    path = _tiny_model(tmp_path, {0: "LABEL_0", 1: "LABEL_1"}, None)
    with pytest.raises(ConfigError, match=r"classifier\.options\.label_map.*LABEL_0"):
        HFClassifier(HFOptions(model=str(path)))


def test_a_label_map_name_the_model_lacks_is_refused(tmp_path: Path) -> None:
    """Was: 'Positive' silently matched nothing, so praise scored 0 on every post."""
    from classifier.hf import HFClassifier, HFOptions

    path = _tiny_model(tmp_path, {0: "negative", 1: "neutral", 2: "positive"}, None)
    options = HFOptions(model=str(path), label_map={"Positive": "praise"})
    with pytest.raises(ConfigError, match=r"\['Positive'\].*'positive'"):
        HFClassifier(options)


def test_a_folder_without_tokenizer_files_is_refused(tmp_path: Path) -> None:
    """Was: transformers built an empty tokenizer, every word read as [UNK], and every
    post got the same scores, silently."""
    from classifier.hf import HFClassifier, HFOptions

    path = _tiny_model(tmp_path, {0: "praise", 1: "complaint", 2: "idea"}, None, tokenizer=False)
    with pytest.raises(ClassifierError, match="tokenizer has no vocabulary"):
        HFClassifier(HFOptions(model=str(path)))


def test_long_posts_are_cut_to_what_the_model_reads(tmp_path: Path) -> None:
    """Was: a post longer than the model's positions (default max_tokens 256 > 64 here)
    stopped the run with a RuntimeError (exit 3)."""
    from classifier.hf import HFClassifier, HFOptions

    path = _tiny_model(tmp_path, {0: "praise", 1: "complaint", 2: "idea"}, None, positions=64)
    clf = HFClassifier(HFOptions(model=str(path)))
    (result,) = clf.classify([" ".join(["great app love it"] * 100)])
    assert set(result.scores) == {"praise", "complaint", "idea"}
    with pytest.raises(ConfigError, match="reads at most 64 tokens"):
        HFClassifier(HFOptions(model=str(path), max_tokens=1000))


def test_activation_can_be_set_for_a_model_that_does_not_say(tmp_path: Path) -> None:
    """A multi-label model saved without problem_type gets sigmoids when asked."""
    from classifier.hf import HFClassifier, HFOptions

    path = _tiny_model(tmp_path, {0: "praise", 1: "complaint", 2: "idea"}, None)
    texts = ["great app love it", "tolong tambahkan fitur"]
    softmax = HFClassifier(HFOptions(model=str(path))).classify(texts)
    sigmoid = HFClassifier(HFOptions(model=str(path), activation="sigmoid")).classify(texts)
    assert all(abs(sum(r.scores.values()) - 1.0) < 0.01 for r in softmax)
    assert all(0.0 < p < 1.0 for r in sigmoid for p in r.scores.values())
    assert any(abs(sum(r.scores.values()) - 1.0) > 0.01 for r in sigmoid)


def test_a_failed_download_does_not_suggest_what_is_already_set() -> None:
    """Was: with local_files_only: false and no network, "…set local_files_only: false"."""
    from classifier.hf import HFOptions, _load_error

    options = HFOptions(model="no-such-org/no-such-model", local_files_only=False)
    message = str(_load_error(options, OSError("We couldn't connect to 'https://huggingface.co'")))
    assert "cannot download" in message and "HF_HUB_OFFLINE" in message
    assert "local_files_only: false" not in message
