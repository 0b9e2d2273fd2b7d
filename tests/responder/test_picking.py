"""Picking the sentences that carry a label, and quoting them whole."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from hypothesis import given
from hypothesis import strategies as st

from common.errors import ClassifierError
from responder.picking import CachedScorer, ScoreBook, pick_passage, tidy_quote, units_to_score
from responder.sentences import split_sentences

from .conftest import FakeScorer

LONG_REVIEW = (
    "I've been coming to Kopi Senja Kemang for three years and it's my favourite place to work. "
    "The baristas know my order by heart and the pandan latte is the best in Jakarta. "
    "Last Saturday my oat latte was made with dairy milk even though I asked twice, and I was "
    "sick all afternoon. "
    "I still like the place."
)


def test_a_long_reviews_complaint_sentence_is_quoted_not_its_opening(scorer: FakeScorer) -> None:
    book = ScoreBook(scorer, split_sentences(LONG_REVIEW))

    complaint = pick_passage(book, LONG_REVIEW, 0, "complaint", 160)
    praise = pick_passage(book, LONG_REVIEW, 0, "praise", 160)

    assert complaint is not None and praise is not None
    assert complaint.quote == (
        "Last Saturday my oat latte was made with dairy milk even though I asked twice, "
        "and I was sick all afternoon."
    )
    assert praise.quote in split_sentences(LONG_REVIEW)[:2]


def test_a_neighbour_that_carries_the_same_label_joins_the_quote(scorer: FakeScorer) -> None:
    text = "Nice place. Pesanan telat 1 jam. Kopinya juga salah, kecewa. See you."
    book = ScoreBook(scorer, split_sentences(text))

    passage = pick_passage(book, text, 0, "complaint", 160)

    assert passage is not None
    assert passage.quote == "Pesanan telat 1 jam. Kopinya juga salah, kecewa."


def test_a_sentence_too_long_gives_way_to_another_that_carries_it(scorer: FakeScorer) -> None:
    long_one = "The cashier was rude to me, " + "and " * 30 + "it went on."
    text = f"{long_one} Then the order was wrong."
    book = ScoreBook(scorer, split_sentences(text))

    passage = pick_passage(book, text, 0, "complaint", 60)

    assert passage is not None and passage.quote == "Then the order was wrong."


def test_one_sentence_too_long_is_cut_at_a_clause_with_an_ellipsis(scorer: FakeScorer) -> None:
    text = "The cashier was rude to me, then the queue got longer and longer " + "x " * 40
    book = ScoreBook(scorer, [])

    passage = pick_passage(book, text, 0, "complaint", 60)

    assert passage is not None and passage.quote == "The cashier was rude to me…"


def test_no_clause_to_cut_at_means_no_quote(scorer: FakeScorer) -> None:
    passage = pick_passage(ScoreBook(scorer, []), "word " * 50, 0, "complaint", 60)

    assert passage is not None and passage.quote is None


@pytest.mark.parametrize(
    ("sentence", "quoted"),
    [
        ("@kopisenja saldo saya kepotong", "saldo saya kepotong"),
        ("Poin aku ketahan semua 😡 @kopisenja", "Poin aku ketahan semua 😡"),
        ("Sayang banget padahal enak @kopisenja #kopi", "Sayang banget padahal enak"),
        ("Kecewa banget sama @kopisenja 😤", "Kecewa banget sama @kopisenja 😤"),
        ("Kecewa sama @kopisenja", "Kecewa sama @kopisenja"),  # "sama" needs its object
    ],
)
def test_tags_that_only_address_the_brand_are_dropped(sentence: str, quoted: str) -> None:
    assert tidy_quote(sentence) == quoted


def test_only_posts_with_several_sentences_are_scored() -> None:
    units = units_to_score(["One sentence only", "First one. Second one."], mixed=False)

    assert units == ["First one.", "Second one."]


def test_mixed_posts_have_their_clauses_scored() -> None:
    units = units_to_score(["kopinya enak banget but the queue was crazy"], mixed=True)

    assert units == ["kopinya enak banget", "but the queue was crazy"]


def test_the_scorer_is_called_once_with_unique_texts(scorer: FakeScorer) -> None:
    book = ScoreBook(scorer, ["A.", "B.", "A.", ""])

    assert scorer.calls == [["A.", "B."]]
    assert book.score("A.", "complaint") < 0.1


def test_no_texts_means_no_call(scorer: FakeScorer) -> None:
    ScoreBook(scorer, [])

    assert scorer.calls == []


def test_a_scorer_that_returns_the_wrong_count_is_an_error() -> None:
    with pytest.raises(ClassifierError, match=r"returned 1 results for 2 sentences"):
        ScoreBook(lambda texts: [{"complaint": 1.0}], ["A.", "B."])


_SENTENCE = st.builds(
    lambda words, end: " ".join(words) + end,
    st.lists(
        st.sampled_from(["kopi", "enak", "rude", "telat", "wrong", "the", "dan", "💛"]),
        min_size=1,
        max_size=25,
    ),
    st.sampled_from([".", "!", "?", ", lah.", ""]),
)


@given(st.lists(_SENTENCE, min_size=1, max_size=6), st.integers(min_value=20, max_value=200))
def test_quotes_are_whole_sentences_or_end_at_a_clause(sentences: list[str], limit: int) -> None:
    text = " ".join(sentences)
    parts = split_sentences(text)
    book = ScoreBook(FakeScorer(), parts)

    passage = pick_passage(book, text, 0, "complaint", limit)

    if passage is None or passage.quote is None:
        return
    quote = passage.quote
    assert len(quote) <= limit
    tidied = [tidy_quote(p) for p in parts]
    runs = [" ".join(parts[i:j]) for i in range(len(parts)) for j in range(i + 1, len(parts) + 1)]
    whole = quote in tidied or any(quote == tidy_quote(run) for run in runs)
    if not whole:
        assert quote.endswith("…")
        head = quote.removesuffix("…")
        source = next(p for p in tidied if p.startswith(head))
        assert source[len(head)] in ",;:—–-" or source[len(head) :].lstrip()[:1].isalpha()


def test_the_cached_scorer_scores_each_sentence_once_and_keeps_the_order() -> None:
    calls: list[list[str]] = []

    def scorer(texts: Sequence[str]) -> list[dict[str, float]]:
        calls.append(list(texts))
        return [{"complaint": len(t) / 100} for t in texts]

    cached = CachedScorer(scorer, max_entries=3)
    first = cached(["aa", "b", "aa"])
    second = cached(["b", "cccc", "aa"])
    assert calls == [["aa", "b"], ["cccc"]]
    assert [s["complaint"] for s in first] == [0.02, 0.01, 0.02]
    assert [s["complaint"] for s in second] == [0.01, 0.04, 0.02]
    cached(["dd", "e"])  # over max_entries: it forgets the oldest ("aa", "b"), still exact
    assert calls[-1] == ["dd", "e"]
    assert [s["complaint"] for s in cached(["cccc"])] == [0.04]  # the newest are kept
    assert calls[-1] == ["dd", "e"]
    assert [s["complaint"] for s in cached(["aa", "dd"])] == [0.02, 0.02]
    assert calls[-1] == ["aa"]


def test_a_cached_scorer_that_gets_too_few_results_says_so() -> None:
    cached = CachedScorer(lambda texts: [{"praise": 1.0}])
    with pytest.raises(ClassifierError, match="returned 1 results for 2 sentences"):
        cached(["one", "two"])
