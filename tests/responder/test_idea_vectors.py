"""Idea vectors and the centroid index the board groups with, and the grouping figures on
the held-aside part of the labelled grouping set (the threshold was tuned on the rest)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pytest

from common.errors import ClassifierError
from responder.idea_text import ignore_set
from responder.idea_vectors import (
    HEAD_FILE,
    LEXICAL_DIM,
    LEXICAL_THRESHOLD,
    CentroidIndex,
    IdeaHead,
    IdeaVectorizer,
    Vectors,
    central,
    clusters,
    for_model,
    grouping_scores,
    place,
    place_all,
)

SET = Path(__file__).resolve().parents[1] / "fixtures" / "ideas" / "grouping_set.jsonl"
DEMO = SET.with_name("demo_board.jsonl")
THRESHOLD = LEXICAL_THRESHOLD


def cos(a: str, b: str) -> float:
    v = IdeaVectorizer(ignore=ignore_set(["Kopi Senja", "kopisenja"])).vectors([a, b])
    return float(v[0] @ v[1])


def test_same_idea_across_languages_meets_the_threshold() -> None:
    assert cos("It would be great if Kopi Senja opened earlier, like 6am",
               "@kopisenja kalau bisa buka lebih pagi dong") >= THRESHOLD  # fmt: skip
    assert cos("please add oat milk", "tolong sediain oat milk dong") >= THRESHOLD
    assert cos("please add oat milk", "please add dark mode to the app") < THRESHOLD


def test_vectors_are_unit_length_and_deterministic() -> None:
    texts = ["tolong tambahin QRIS", "please accept QRIS", ""]
    first, again = IdeaVectorizer().vectors(texts), IdeaVectorizer().vectors(texts)
    assert first.shape == (3, LEXICAL_DIM) and np.array_equal(first, again)
    assert np.allclose(np.linalg.norm(first[:2], axis=1), 1.0) and not first[2].any()


def test_centroid_index_grows_past_its_capacity_and_keeps_sums() -> None:
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(40, 8)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    index = CentroidIndex([], np.zeros((0, 8), np.float32), 8)
    for i, v in enumerate(vectors):
        index.add(index.append(100 + i), v)
    assert index.ids == [100 + i for i in range(40)]
    assert index.nearest(vectors[33]) == (33, index.nearest(vectors[33])[1])
    total = index.add(33, vectors[0])
    assert np.allclose(total, vectors[33] + vectors[0])
    pos, mean = index.nearest(vectors[33])  # the mean over both members, not the centroid's
    assert pos == 33 and np.isclose(mean, (1 + vectors[0] @ vectors[33]) / 2)
    assert index.nearest(vectors[[33, 33]].sum(axis=0), 2)[1] == pytest.approx(mean)


def _unit(rng: np.random.Generator, n: int, dim: int = 16) -> Vectors:
    v = rng.normal(size=(n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def _three_ideas(rng: np.random.Generator) -> tuple[Vectors, list[int]]:
    """Three well-separated ideas, five noisy phrasings each, interleaved."""
    centres, truth = _unit(rng, 3), [i % 3 for i in range(15)]
    v = centres[truth] + 0.25 * _unit(rng, 15)
    return (v / np.linalg.norm(v, axis=1, keepdims=True)).astype(np.float32), truth


def test_clusters_find_the_ideas_whatever_the_order() -> None:
    vectors, truth = _three_ideas(np.random.default_rng(1))
    found = clusters(vectors, 0.6)
    assert sorted(sorted(truth[r] for r in rows) for rows in found) == [[0] * 5, [1] * 5, [2] * 5]
    assert [rows[0] for rows in found] == [0, 1, 2]  # in order of their first row
    order = np.random.default_rng(2).permutation(15)
    again = clusters(vectors[order], 0.6)
    assert sorted(sorted(int(order[r]) for r in rows) for rows in again) == sorted(
        sorted(rows) for rows in found
    )
    assert [len(rows) for rows in clusters(vectors, 1.01)] == [1] * 15  # nothing that close
    assert clusters(vectors[:0], 0.6) == []


def test_clusters_work_a_chunk_at_a_time() -> None:
    vectors, _ = _three_ideas(np.random.default_rng(3))
    chunked = clusters(vectors, 0.6, chunk=4)
    assert all(max(rows) // 4 == min(rows) // 4 for rows in chunked)  # never across chunks
    assert sum(len(rows) for rows in chunked) == 15


def test_place_joins_existing_groups_and_founds_new_ones_from_their_central_post() -> None:
    rng = np.random.default_rng(4)
    vectors, truth = _three_ideas(rng)
    existing = vectors[[0, 3]].sum(axis=0, keepdims=True)  # a stored group of idea 0
    index = CentroidIndex([70], existing, vectors.shape[1], [2])
    founded: list[int] = []
    placed: dict[int, int] = {}

    def found(row: int) -> int:
        founded.append(row)
        return 100 + len(founded)

    def join(row: int, group_id: int) -> bool:
        placed[row] = group_id
        return row != 8  # one idea was grouped meanwhile: it must not count

    changes = place(index, vectors[6:], 0.6, found, join)
    assert {placed[r] for r in placed if truth[6 + r] == 0} == {70}
    assert len(founded) == 2 and len({placed[r] for r in placed}) == 3
    for row in founded:
        rows = [r for r in range(9) if truth[6 + r] == truth[6 + row]]
        assert row == central(vectors[6:], rows)
    assert sum(added for _, added in changes.values()) == 8
    for group_id, (total, _) in changes.items():
        members = [r for r in placed if placed[r] == group_id and r != 8]
        start = existing[0] if group_id == 70 else 0
        assert np.allclose(total, start + vectors[6:][members].sum(axis=0), atol=1e-5)


def test_an_idea_closest_to_a_closed_group_founds_its_own_not_the_next_best() -> None:
    # "tolong sediain susu oat juga di cabang Kemang" after oat milk was marked done: it
    # joined "Branch in Medan" (0.30 on average, over the threshold) since the done group
    # (0.48) was left out of the index; it must start a group (then be suggested)
    unit = np.eye(4, dtype=np.float32)
    post = (0.8 * unit[0] + 0.6 * unit[1])[None, :]  # 0.8 to the done idea, 0.6 to the other
    index = CentroidIndex([1, 2], unit[:2], 4, [1, 1])
    placed: dict[int, int] = {}

    def join(row: int, group_id: int) -> bool:
        placed[row] = group_id
        return True

    place(index, post, 0.3, lambda row: 9, join, closed={1})
    assert placed == {0: 9}
    fresh = CentroidIndex([1, 2], unit[:2], 4, [1, 1])
    place(fresh, post, 0.3, lambda row: 9, join)  # open: it joins the closest group
    assert placed == {0: 1}


def test_lexical_grouping_on_the_held_aside_sets() -> None:
    rows = [json.loads(line) for line in SET.read_text("utf-8").splitlines()]
    for split, least in (("held", 0.68), ("held-new", 0.75)):
        held = [r for r in rows if r["split"] == split]
        groups = place_all(IdeaVectorizer().vectors([r["text"] for r in held]), THRESHOLD)
        f1, _ = grouping_scores(groups, [r["idea"] for r in held])
        # measured with the lexical space alone and the board's placement (ideas clustered
        # among themselves first, average linkage): held 0.710, held-new 0.796 (one idea at
        # a time against centroids, the earlier placement: 0.704 / 0.459)
        assert f1 >= least, (split, f1)
    assert grouping_scores([0, 0, 1, 1], ["a", "a", "b", "b"]) == (1.0, 1.0)


def test_grouping_set_keeps_held_ideas_apart_from_training_ideas() -> None:
    rows = [json.loads(line) for line in SET.read_text("utf-8").splitlines()]
    by_split: dict[str, set[str]] = {}
    for r in rows:
        by_split.setdefault(r["split"], set()).add(r["idea"])
        assert r["lang"] in {"en", "id", "mixed"} and r["text"].strip()
    assert set(by_split) == {"train", "tune", "held", "held-new"}
    assert len(rows) >= 500 and len(by_split["train"]) >= 50
    for held in ("held", "held-new"):
        assert not by_split[held] & (by_split["train"] | by_split["tune"])


def _toy_head(weight: float = 0.5) -> IdeaHead:
    rng = np.random.default_rng(1)
    proj = rng.normal(size=(6, 4)).astype(np.float32)
    return IdeaHead("toy-head", 3, np.zeros(6, np.float32), proj, weight, 0.42)


def _toy_encoder(calls: list[tuple[int, ...]]) -> Callable[..., Vectors]:
    """A deterministic stand-in for the classifier's embed(texts, layer=…)."""

    def embed(texts: Sequence[str], layer: int | None = None) -> Vectors:
        calls.append((len(texts), layer or 0))
        out = np.zeros((len(texts), 6), np.float32)
        for i, text in enumerate(texts):
            out[i, len(text) % 6] = 1.0 if text else 0.0
            out[i, (len(text) + 1) % 6] = 0.5 if text else 0.0
        return out

    return embed


def test_head_file_round_trip_and_board_vectorizer_use_its_layer(tmp_path: Path) -> None:
    head = _toy_head()
    head.save(tmp_path / HEAD_FILE)
    calls: list[tuple[int, ...]] = []
    vz = for_model(frozenset(), _toy_encoder(calls), tmp_path)
    assert vz.head is not None and vz.head.layer == 3 and vz.threshold == 0.42
    assert (
        np.array_equal(vz.head.proj, head.proj)
        and vz.space == f"{IdeaVectorizer().space}+toy-head-b"
    )
    vectors = vz.vectors(["please add oat milk", "tolong sediain oat milk", ""])
    assert calls == [(3, 3)]
    assert vectors.shape == (3, 4 + LEXICAL_DIM)
    assert np.allclose(np.linalg.norm(vectors[:2], axis=1), 1.0) and not vectors[2].any()
    # without a head file, or without an encoder, the board stays lexical
    for lexical in (for_model(frozenset(), _toy_encoder([]), tmp_path / "none"),
                    for_model(frozenset(), None, tmp_path)):  # fmt: skip
        assert lexical.space == IdeaVectorizer().space and lexical.threshold == LEXICAL_THRESHOLD


def test_a_model_without_a_head_borrows_a_shared_head_only_on_the_base_encoder(
    tmp_path: Path,
) -> None:
    own, shared = tmp_path / "old-model", tmp_path / "default-model"
    own.mkdir()
    shared.mkdir()
    calls: list[tuple[int, ...]] = []
    _toy_head().save(shared / HEAD_FILE)  # read from the default model's own layer 3
    assert for_model(frozenset(), _toy_encoder(calls), own, shared).head is None
    base = IdeaHead("base-head", 0, _toy_head().mean, _toy_head().proj, 0.5, 0.3, base=True)
    base.save(shared / HEAD_FILE)
    used: list[bool] = []

    def embed(texts: Sequence[str], layer: int | None = None, *, base: bool = False) -> Vectors:
        used.append(base)
        return np.ones((len(texts), 6), np.float32)

    vz = for_model(frozenset(), embed, own, shared)
    assert vz.head is not None and vz.head.name == "base-head" and vz.threshold == 0.3
    vz.vectors(["please add oat milk"])
    assert used == [True]
    _toy_head().save(own / HEAD_FILE)  # a model's own head wins
    assert (head := for_model(frozenset(), embed, own, shared).head) and head.name == "toy-head"


def test_blended_cosine_is_the_weighted_mean_of_both_parts() -> None:
    head = _toy_head(weight=0.3)
    texts = ["bike wash please", "cuci sepeda dong"]
    vz = IdeaVectorizer(encoder=_toy_encoder([]), head=head)
    blended = vz.vectors(texts)
    meaning = head.project(_toy_encoder([])(texts))
    lex = IdeaVectorizer().vectors(texts)
    expected = 0.3 * float(meaning[0] @ meaning[1]) + 0.7 * float(lex[0] @ lex[1])
    assert abs(float(blended[0] @ blended[1]) - expected) < 1e-5


def test_texts_with_nothing_to_encode_get_zero_meaning() -> None:
    def nothing(texts: Sequence[str], layer: int | None = None) -> Vectors:
        return np.zeros((len(texts), 0), np.float32)  # what embed gives for empty texts

    vz = IdeaVectorizer(encoder=nothing, head=_toy_head())
    vectors = vz.vectors(["", "   "])
    assert vectors.shape == (2, 4 + LEXICAL_DIM) and not vectors.any()


def test_a_damaged_head_file_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / HEAD_FILE).write_bytes(b"not a head")
    with pytest.raises(ClassifierError, match="idea head"):
        for_model(frozenset(), _toy_encoder([]), tmp_path)


@pytest.fixture(scope="module")
def board_space(tmp_path_factory: pytest.TempPathFactory) -> IdeaVectorizer:
    """The vectorizer production builds with the shipped embedded model and idea head."""
    from classifier.embedded import EmbeddedClassifier, EmbeddedOptions

    encoder = EmbeddedClassifier(EmbeddedOptions(), tmp_path_factory.mktemp("simak-cache"))
    return for_model(ignore_set(["Kopi Senja", "kopisenja"]), encoder.embed, encoder.model_dir)


def test_the_shipped_head_joins_languages_and_keeps_different_ideas_apart(
    board_space: IdeaVectorizer,
) -> None:
    assert board_space.head is not None and board_space.head.base  # the untuned e5's vectors
    th = board_space.threshold

    def sim(a: str, b: str) -> float:
        v = board_space.vectors([a, b])
        return float(v[0] @ v[1])

    assert sim("It would be great if Kopi Senja opened earlier, like 6am",
               "@kopisenja kalau bisa buka lebih pagi dong") >= th  # fmt: skip
    assert sim("Could you offer a less sweet option?", "gula 50% dong kak") >= th
    assert sim("pickup and delivery for bike service", "antar jemput sepeda dong om") >= th
    assert sim("Free refills on coffee please", "Bigger cup size please") < th
    assert sim("please add oat milk", "please add dark mode to the app") < th


def test_the_shipped_head_on_the_held_aside_ideas(board_space: IdeaVectorizer) -> None:
    rows = [json.loads(line) for line in SET.read_text("utf-8").splitlines()]
    parts = {"held": ["held"], "held-new": ["held-new"], "both": ["held", "held-new"]}
    floors = {"held": (0.78, 0.5), "held-new": (0.85, 0.6), "both": (0.82, 0.55)}
    for name, splits in parts.items():
        held = [r for r in rows if r["split"] in splits]
        vectors = board_space.vectors([r["text"] for r in held])
        f1, together = grouping_scores(
            place_all(vectors, board_space.threshold), [r["idea"] for r in held]
        )
        # measured (head e5base-idea3, average linkage, posts blended with their proposal):
        # held F1 0.816 (6 of 10 ideas whole), held-new 0.912 (8 of 12), both as one board
        # of 22 ideas 0.867 (14); whole posts only: 0.816 / 0.887 / 0.854 (14);
        # e5base-idea2 (342 training ideas): 0.742 (4) / 0.915 (8) / 0.823 (12)
        least_f1, least_together = floors[name]
        assert f1 >= least_f1 and together >= least_together, (name, f1, together)


def test_the_demo_board_comes_out_right(board_space: IdeaVectorizer) -> None:
    """The bundled demo's 21 ideas (real-length posts of one café, where "the app" and
    "Kopi Senja" are shared by unrelated ideas); the head's threshold was chosen to keep
    it at 0.85 or better."""
    rows = [json.loads(line) for line in DEMO.read_text("utf-8").splitlines()]
    terms = ("Kopi Senja", "kopi-senja", "kopisenja")
    brand = IdeaVectorizer(ignore_set(terms), board_space.encoder, board_space.head, terms)
    groups = place_all(brand.vectors([r["text"] for r in rows]), brand.threshold)
    f1, _ = grouping_scores(groups, [r["idea"] for r in rows])
    assert f1 >= 0.9  # 0.929 measured; 0.867 when whole posts were compared
    by_idea: dict[str, set[int]] = {}
    for row, group in zip(rows, groups, strict=True):
        by_idea.setdefault(row["idea"], set()).add(group)
    assert len(by_idea["open-earlier"]) == 1 and len(by_idea["qris"]) == 1
    assert by_idea["dark-mode"].isdisjoint(by_idea["open-earlier"])
    # "…best iced latte, but the app crashed twice… Would be nice to have an English
    # version of the app too" joined the less-sweet idea "in the app" (the whole post)
    assert by_idea["english-app"].isdisjoint(by_idea["less-sweet"])


def test_the_encoder_reads_posts_without_the_brand_and_handles(tmp_path: Path) -> None:
    _toy_head().save(tmp_path / HEAD_FILE)
    read: list[str] = []

    def embed(texts: Sequence[str], layer: int | None = None) -> Vectors:
        read.extend(texts)
        return _toy_encoder([])(texts, layer)

    terms = ("Warung Dahlia", "warungdahlia", "#warungdahlia")
    vz = for_model(ignore_set(terms), embed, tmp_path, terms=terms)
    vz.vectors(["Warung Dahlia, tolong sediain es teh tawar @warungdahlia #warungdahlia"])
    assert read == ["tolong sediain es teh tawar"]


BAKERY = ("Roti Bulan Purnama", "rotibulanpurnama")  # a made-up brand


def test_naming_the_brand_changes_nothing_in_an_idea(board_space: IdeaVectorizer) -> None:
    """The brand is in most posts whatever they ask, so the encoder must not read it
    (the lexical part already ignores its words): else it is a topic that unrelated ideas
    share, and one joins the other's group."""
    vz = IdeaVectorizer(ignore_set(BAKERY), board_space.encoder, board_space.head, BAKERY)
    v = vz.vectors(["Roti Bulan Purnama, please open a branch in Bandung!",
                    "please open a branch in Bandung!",
                    "@rotibulanpurnama tolong sediain roti gandum tanpa gluten dong",
                    "tolong sediain roti gandum tanpa gluten dong"])  # fmt: skip
    assert float(v[0] @ v[1]) > 0.999 and float(v[2] @ v[3]) > 0.999


def test_two_ideas_that_name_the_brand_are_not_one_group(board_space: IdeaVectorizer) -> None:
    """Arriving one at a time, as posts do: a branch in Bandung and Sunday delivery, both
    naming the bakery, met at cosine 0.35 when the encoder read the brand (threshold 0.29)."""
    vz = IdeaVectorizer(ignore_set(BAKERY), board_space.encoder, board_space.head, BAKERY)
    posts = ["Roti Bulan Purnama, please open a branch in Bandung!",
             "Roti Bulan Purnama, could you deliver on Sundays too?",
             "I love Roti Bulan Purnama but please sell gluten-free bread.",
             "@rotibulanpurnama tolong sediain roti gandum tanpa gluten dong"]  # fmt: skip
    vectors = vz.vectors(posts)
    index = CentroidIndex([], np.zeros((0, vectors.shape[1]), np.float32), vectors.shape[1])
    groups: list[int] = []

    def join(_: int, group_id: int) -> bool:
        groups.append(group_id)
        return True

    for row in range(len(posts)):
        place(index, vectors[row : row + 1], vz.threshold, lambda _: len(index.ids), join)
    assert groups[0] != groups[1] and groups[2] == groups[3] and groups[0] != groups[2]


def test_a_post_that_says_something_else_first_is_grouped_by_its_idea() -> None:
    vz = IdeaVectorizer(ignore=ignore_set(["Kopi Senja", "kopisenja"]))
    idea = "Would be nice to have an English version of the app too."
    crash = "The Kopi Senja app crashed twice while I was ordering, so annoying."
    v = vz.vectors([f"{crash} {idea}", idea, f"{crash} Please add oat milk."])
    # the idea alone is near the post that complains first, the other idea is not
    assert float(v[0] @ v[1]) >= THRESHOLD > float(v[0] @ v[2])
    # a post that is only its idea is vectorised as before (no second pass)
    only = vz.vectors([idea])[0]
    assert np.allclose(only, vz.vectors([idea, "oat milk pls"])[0])
