"""Simak's v2 data in the repository, and the proxy-data fixes that came with it."""

from __future__ import annotations

from pathlib import Path

from classifier.data_v2 import load_pool, load_test, split_pool
from classifier.datasets import (
    MaskedExample,
    load_id_appreview,
    mine_indonesian_ideas,
    normalise_key,
)


def test_pool_is_fully_annotated_in_both_languages() -> None:
    pool = load_pool()
    assert len(pool) >= 3000
    assert {e.lang for e in pool} == {"en", "id"}
    assert all(None not in e.targets and e.source.startswith("v2:") for e in pool)
    assert sum(not e.labels for e in pool) > 500  # other-looking posts are there


def test_split_is_stable_when_the_pool_grows() -> None:
    pool = load_pool()
    _, dev_all = split_pool(pool)
    _, dev_old = split_pool(pool[:2801])
    old = {normalise_key(e.text) for e in pool[:2801]}
    assert {normalise_key(e.text) for e in dev_all if normalise_key(e.text) in old} == {
        normalise_key(e.text) for e in dev_old
    }
    assert 0.1 < len(dev_all) / len(pool) < 0.2


def test_the_test_set_is_apart_from_the_pool() -> None:
    test = load_test()
    posts = [e for e in test if e.source.startswith("v2test:")]
    general = [e for e in test if e.source.startswith("v2general:")]
    assert len(posts) >= 1000 and len(general) >= 200
    assert sum(bool(e.labels) for e in general) <= 4  # nearly all are other
    pool = {normalise_key(e.text) for e in load_pool()}
    assert not [e.text for e in test if normalise_key(e.text) in pool]


def test_a_review_s_other_polarity_is_masked_not_negative(tmp_path: Path) -> None:
    folder = tmp_path / "indo_appreview_sentiment_emotion_id"
    folder.mkdir()
    (folder / "train.tsv").write_text(
        "text\tsentiment\nbagus banget\tpositive\njelek\tnegative\nbiasa\tneutral\n",
        encoding="utf-8",
    )
    pos, neg, neutral = load_id_appreview(tmp_path)
    assert pos.targets == (1, None, None)  # a positive review may still complain
    assert neg.targets == (None, 1, None)  # a negative one may still praise
    assert neutral.targets == (0, 0, None)


def test_star_promises_are_not_mined_as_ideas() -> None:
    texts = [
        "kalau bisa tambah fitur mode gelap",
        "kalau bisa ditambah lagi, nanti tambah bintang",
        "tolong tambahkan fitur, kalau bagus saya kasih 5 bintang",
    ]
    mined = mine_indonesian_ideas([MaskedExample(t, "id", "x", (1, 0, None)) for t in texts])
    assert [e.targets[2] for e in mined] == [1, None, None]
