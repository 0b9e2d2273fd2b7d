"""The ``transformers`` backend with tiny models built offline in the test."""

from __future__ import annotations

from pathlib import Path

import pytest

from classifier.base import Classifier
from common.errors import ClassifierError

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


def _tiny_model(folder: Path, id2label: dict[int, str], problem_type: str | None) -> Path:
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
    )
    transformers.BertForSequenceClassification(config).save_pretrained(folder)
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
    with pytest.raises(ClassifierError, match="label_map"):
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
