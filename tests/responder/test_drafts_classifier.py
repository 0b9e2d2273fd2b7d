"""Drafts with the real embedded classifier as the sentence scorer (slow: loads the model)."""

from __future__ import annotations

import json
import random
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from classifier.base import LABELS, Classifier
from classifier.embedded import EmbeddedClassifier, EmbeddedOptions
from responder.draft_input import DraftInput, DraftPost
from responder.drafts import DraftWriter
from responder.picking import ScoreBook, SentenceScorer, pick_passage, tidy_quote
from responder.sentences import split_sentences
from responder.settings import ResponderSettings

from .test_draft_listening import DEMO, LONG_REVIEW, PRODUCTS, quotes

DATASETS = Path(__file__).resolve().parents[2].parent / "shared" / "datasets"

pytestmark = pytest.mark.slow


class ClassifierScorer:
    """The caller's adapter, for any classifier backend: its scores for each sentence."""

    def __init__(self, model: Classifier) -> None:
        self._model = model
        self.calls = 0

    def __call__(self, texts: Sequence[str]) -> list[Mapping[str, float]]:
        self.calls += 1
        return [result.scores for result in self._model.classify(texts)]


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> EmbeddedClassifier:
    return EmbeddedClassifier(EmbeddedOptions(), tmp_path_factory.mktemp("simak-cache"))


@pytest.fixture
def scorer(model: EmbeddedClassifier) -> ClassifierScorer:
    return ClassifierScorer(model)


@pytest.fixture
def writer(scorer: ClassifierScorer) -> DraftWriter:
    settings = ResponderSettings.model_validate(
        {"business": {"name": "Kopi Senja", "signer": "Dina", "products": PRODUCTS}}
    )
    return DraftWriter(settings, scorer)


def post(demo_id: str, labels: tuple[str, ...]) -> DraftPost:
    for line in DEMO.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if row["id"] == demo_id:
            return DraftPost(row["text"], labels)
    raise KeyError(demo_id)


def test_the_classifier_picks_what_to_quote_in_one_batch(
    writer: DraftWriter, scorer: ClassifierScorer
) -> None:
    budi = DraftInput(
        label="complaint",
        posts=(post("ks-009", ("complaint",)), post("ks-008", ("complaint",))),
        lang="id",
        brand="kopi-senja",
        name="Budi Santoso",
        brand_terms=("Kopi Senja",),
    )
    review = DraftInput(
        label="complaint",
        posts=(DraftPost(LONG_REVIEW, ("complaint", "praise")),),
        lang="en",
        brand="kopi-senja",
        name="Hannah Becker",
        brand_terms=("Kopi Senja",),
    )
    omar = DraftInput(
        label="complaint",
        posts=(post("ks-048", ("complaint", "praise")),),
        lang="en",
        brand="kopi-senja",
        name="Omar Fadli",
        brand_terms=("Kopi Senja",),
    )

    budi_draft, review_draft, omar_draft = writer.write_all([budi, review, omar])

    assert scorer.calls == 1
    assert "KS-88213" in budi_draft.body and "nomor pesanan" not in budi_draft.body
    sentences = {tidy_quote(s) for p in budi.posts for s in split_sentences(p.text)}
    parts = [part for q in quotes(budi_draft) for part in split_sentences(q)]
    assert parts and all(tidy_quote(part) in sentences for part in parts)
    review_sentences = split_sentences(LONG_REVIEW)
    assert len(quotes(review_draft)) == 1
    assert quotes(review_draft)[0] in review_sentences[2:]  # what complains, not the opening
    assert "glad you love the kopi susu — and we're really sorry about the wait" in omar_draft.body


def picking_accuracy(
    model: EmbeddedClassifier, part: str, scorer: SentenceScorer | None = None
) -> tuple[float, int]:
    """How often the carrying sentence wins in synthetic two-sentence posts.

    Each single-sentence post of ``simak_annotated`` (the ``part`` split) whose only label
    is L is joined with a random single-sentence post of the same language without L, in
    random order; the picker must choose the first for L. Sentences are scored by
    ``scorer`` (default: the model's labelling pass, ``classify``).
    """
    from classifier.datasets import load_simak_annotated, split_simak

    _train, dev, test = split_simak(load_simak_annotated(DATASETS))
    examples = {"dev": dev, "test": test}[part]
    single = [e for e in examples if len(split_sentences(e.text)) == 1 and len(e.text) >= 15]
    rng = random.Random(7)
    pairs = []
    for label in LABELS:
        for lang in ("en", "id"):
            others = [e for e in single if label not in e.labels and e.lang == lang]
            for carrier in (e for e in single if e.labels == (label,) and e.lang == lang):
                pairs.append((label, carrier.text, rng.choice(others).text, rng.random() < 0.5))
    posts = []
    for label, carrier, other, carrier_first in pairs:
        carrier, other = (t if t.rstrip()[-1:] in ".!?…" else f"{t}." for t in (carrier, other))
        text = f"{carrier} {other}" if carrier_first else f"{other} {carrier}"
        if len(split_sentences(text)) == 2:
            posts.append((label, carrier, text))
    scorer = scorer or ClassifierScorer(model)
    book = ScoreBook(scorer, [s for _, _, t in posts for s in split_sentences(t)])
    right = 0
    for label, carrier, text in posts:
        passage = pick_passage(book, text, 0, label, 1000)
        right += passage is not None and passage.focus in carrier
    return right / len(posts), len(posts)


@pytest.mark.skipif(not DATASETS.is_dir(), reason="needs ../shared/datasets")
def test_the_carrying_sentence_is_picked_on_held_aside_posts(model: EmbeddedClassifier) -> None:
    accuracy, n = picking_accuracy(model, "dev")

    assert n > 200
    assert accuracy >= 0.9  # measured 0.977 (n=218); the test part, only reported: 0.975 (n=199)


@pytest.mark.skipif(not DATASETS.is_dir(), reason="needs ../shared/datasets")
def test_the_cheaper_sentence_pass_picks_as_well_as_the_labelling_pass(
    model: EmbeddedClassifier,
) -> None:
    """`simak poll` scores the sentences to quote with ``score_sentences`` (int8 GEMMs,
    ``sentence_quantization: token8``, ~2x faster than the labelling pass): it must pick
    the carrying sentence as often as the labelling pass's own scores do."""
    assert model._options.sentence_quantization == "token8"  # the default that poll uses
    labelling, n = picking_accuracy(model, "dev")
    sentence_pass, _ = picking_accuracy(model, "dev", model.score_sentences)

    assert n > 200
    assert sentence_pass >= labelling - 0.01  # measured 0.977 both (test part: 0.970 / 0.975)


if __name__ == "__main__":  # python -m tests.responder.test_drafts_classifier dev|test
    import sys
    import tempfile

    with tempfile.TemporaryDirectory() as cache:
        found = picking_accuracy(EmbeddedClassifier(EmbeddedOptions(), Path(cache)), sys.argv[1])
    print(f"{sys.argv[1]}: carrying sentence picked {found[0]:.3f} of n={found[1]}")
