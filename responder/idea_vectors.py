"""Idea texts as unit vectors, so an idea meets its group through one matrix product.

Two parts, each unit length, weighted so that the cosine of two ideas is a blend of both:

- *lexical*: the content-word character n-grams of :func:`responder.idea_text.features`
  (Indonesian words folded onto English ones), hashed into ``LEXICAL_DIM`` signed buckets;
- *meaning* (when the embedded classifier is loaded): the sentence vector of the
  multilingual-e5-small it was trained from (or, for older heads, its own encoder's
  states after a middle layer), centred and projected by a small head trained
  contrastively on English, Indonesian and code-mixed paraphrases of ideas
  (:class:`IdeaHead`, a file beside the model, with its card). The raw sentence vectors
  barely separate ideas (every cosine is 0.8–0.95); the head is what makes
  "buka lebih pagi" meet "open earlier" and keeps "free refill" from "bigger cup".

A *space* names the recipe; centroids are only compared within one space.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from common.errors import ClassifierError
from responder.idea_text import features, lexicon_id
from responder.idea_title import idea_sentences, without_terms

LEXICAL_DIM = 512
#: The lexical space alone, with the board's placement (:func:`place`): the best mean
#: pairwise F1 over the grouping set's ``tune`` part and the four quarters of ``train``
#: among thresholds that keep the demo board right (as ``benchmarks/train_idea_head.py``).
LEXICAL_THRESHOLD = 0.20

Vectors = npt.NDArray[np.float32]
#: Texts → sentence vectors ``[len(texts), hidden]`` (the classifier's encoder).
Encoder = Callable[[Sequence[str]], Vectors]


def _bucket(feature: str) -> tuple[int, float]:
    digest = int.from_bytes(hashlib.blake2b(feature.encode(), digest_size=8).digest(), "little")
    return digest % LEXICAL_DIM, (1.0 if (digest >> 40) & 1 else -1.0)


def lexical(texts: Sequence[str], ignore: frozenset[str] = frozenset()) -> Vectors:
    """Hashed, unit-length n-gram vectors ``[len(texts), LEXICAL_DIM]`` (zero if no content)."""
    out = np.zeros((len(texts), LEXICAL_DIM), np.float32)
    for row, text in enumerate(texts):
        for feature in features(text, ignore):
            col, sign = _bucket(feature)
            out[row, col] += sign
    return normalise(out)


def normalise(matrix: Vectors) -> Vectors:
    """Rows scaled to unit length (zero rows stay zero)."""
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    result: Vectors = (matrix / np.maximum(norms, 1e-12)).astype(np.float32)
    return result


@dataclass(frozen=True, eq=False)
class IdeaHead:
    """A trained projection of the encoder's pooled vectors for comparing ideas.

    ``vector = normalise(normalise(pooled - mean) @ proj)`` on the encoder's states
    mean-pooled after ``layer`` (a middle layer: the last one is tuned for
    praise/complaint/idea and carries little of *what* is asked), or with ``base`` on the
    sentence embedding of the untuned multilingual-e5-small the classifier was trained
    from (it keeps what a post is about, across languages); ``weight`` is the meaning
    part's share of the blended cosine and ``threshold`` the joining cosine (see the
    head's card for how they were chosen).
    """

    name: str
    layer: int
    mean: Vectors  # [hidden]
    proj: Vectors  # [hidden, dim]
    weight: float
    threshold: float
    #: Read the untuned base encoder's sentence vectors instead (``layer`` unused).
    base: bool = False

    @classmethod
    def load(cls, path: Path) -> IdeaHead:
        """Read a head file (``.npz`` with ``name``, ``layer``, ``mean``, ``proj``,
        ``weight``, ``threshold``, optionally ``base``)."""
        try:
            with np.load(path) as npz:
                return cls(
                    name=str(npz["name"]),
                    layer=int(npz["layer"]),
                    mean=npz["mean"].astype(np.float32),
                    proj=npz["proj"].astype(np.float32),
                    weight=float(npz["weight"]),
                    threshold=float(npz["threshold"]),
                    base=bool(npz["base"]) if "base" in npz.files else False,
                )
        except (OSError, KeyError, ValueError) as exc:
            raise ClassifierError(
                f"cannot read the idea head {path}: {exc}; reinstall the model folder"
            ) from exc

    def save(self, path: Path) -> None:
        """Write the head file :meth:`load` reads."""
        np.savez(path, name=np.array(self.name), layer=np.array(self.layer), mean=self.mean,
                 proj=self.proj, weight=np.array(self.weight),
                 threshold=np.array(self.threshold), base=np.array(self.base))  # fmt: skip

    def project(self, pooled: Vectors) -> Vectors:
        """Unit meaning vectors ``[n, dim]`` (zero for a zero pooled row, i.e. no text)."""
        if pooled.ndim != 2 or pooled.shape[1] != self.mean.shape[0]:  # no text at all
            return np.zeros((len(pooled), self.proj.shape[1]), np.float32)
        present = np.linalg.norm(pooled, axis=1, keepdims=True) > 0
        centred = normalise(normalise(pooled) - self.mean) * present
        return normalise((centred @ self.proj).astype(np.float32))


@dataclass(frozen=True)
class IdeaVectorizer:
    """Turns idea texts into vectors of one named space."""

    ignore: frozenset[str] = frozenset()
    encoder: Encoder | None = None
    head: IdeaHead | None = None
    #: Brand names, terms and handles, left out of what the encoder reads (as ``ignore``
    #: leaves their words out of the lexical part): the brand is in most posts about it,
    #: so the encoder would read it as a topic that unrelated ideas share.
    terms: tuple[str, ...] = ()

    @property
    def _meaning(self) -> bool:
        return self.encoder is not None and self.head is not None

    @property
    def space(self) -> str:
        """The recipe's name; stored with every centroid."""
        # "-p": blended with the proposal (see vectors); older centroids are recomputed
        lexical_space = f"lex{LEXICAL_DIM}-{lexicon_id()}-p"
        if self._meaning and self.head is not None:
            # "-b": the encoder reads posts without the brand's terms; older centroids
            # (brand included) are recomputed
            return f"{lexical_space}+{self.head.name}-b"
        return lexical_space

    @property
    def threshold(self) -> float:
        """The joining cosine measured for this space (the settings may override it)."""
        return self.head.threshold if self._meaning and self.head else LEXICAL_THRESHOLD

    def vectors(self, texts: Sequence[str]) -> Vectors:
        """Unit vectors ``[len(texts), dim]`` in this space. A post that says something
        else before its idea ("The app crashed twice. Please add an English version") is
        the mean of the whole post and its proposal (:func:`idea_sentences`): grouped by
        the idea, not by the rest, yet with the context that often names the idea's
        subject ("Medan needs you. Open near USU!")."""
        whole = self._vectors(texts)
        focus = [idea_sentences(t) for t in texts]
        rows = [i for i, (t, f) in enumerate(zip(texts, focus, strict=True)) if f != t]
        if rows:
            part = self._vectors([focus[i] for i in rows])
            whole[rows] = normalise(FOCUS_WEIGHT * part + (1.0 - FOCUS_WEIGHT) * whole[rows])
        return whole

    def _vectors(self, texts: Sequence[str]) -> Vectors:
        lex = lexical(texts, self.ignore)
        if self.encoder is None or self.head is None or not len(texts):
            return lex
        plain = [without_terms(t, self.terms) for t in texts]
        meaning = self.head.project(np.asarray(self.encoder(plain), np.float32))
        w = self.head.weight
        blended = np.hstack([np.sqrt(w) * meaning, np.sqrt(1.0 - w) * lex])
        return normalise(blended.astype(np.float32))


HEAD_FILE = "idea_head.npz"
#: The proposal's share in a post with other sentences before it (chosen on the grouping
#: set's `tune` part and the demo board: 0.5 beat 0.7 and 1.0 there, with and without a
#: complaint or praise sentence put before each idea; `eval_idea_grouping.py --mixed`).
FOCUS_WEIGHT = 0.5


def for_model(
    ignore: frozenset[str],
    embed: Callable[..., Vectors] | None,
    folder: Path | None,
    shared: Path | None = None,
    terms: Sequence[str] = (),
) -> IdeaVectorizer:
    """The board's vectorizer: lexical, plus meaning when the classifier's encoder
    (``embed(texts, layer=…)``, ``embed(texts, base=True)``) is loaded and its model
    ``folder`` ships an idea head (``idea_head.npz``), else ``shared`` does (another model's
    folder) with a head on the untuned base encoder, which suits every model; a head read
    from another model's own layers would not. ``terms`` (the brand's name, terms and
    handles) are left out of what the encoder reads."""
    found = [f / HEAD_FILE for f in (folder, shared) if f is not None and (f / HEAD_FILE).is_file()]
    if embed is None or not found:
        return IdeaVectorizer(ignore=ignore)
    head = IdeaHead.load(found[0])
    if folder is None or (found[0].parent != folder and not head.base):
        return IdeaVectorizer(ignore=ignore)

    def encoder(texts: Sequence[str]) -> Vectors:
        if head.base:
            return embed(texts, base=True)
        return embed(texts, layer=head.layer)

    return IdeaVectorizer(ignore=ignore, encoder=encoder, head=head, terms=tuple(terms))


class CentroidIndex:
    """A board's groups as member-vector sums and sizes in one growable matrix: placing an
    idea costs one matrix-vector product over the groups, never a pass over stored ideas.

    Groups are compared by the *mean* cosine between their members and the newcomers
    (``sum · total / (size · count)``, the same average linkage as :func:`clusters`): the
    cosine of normalised centroids would favour large, diffuse groups, which then absorb
    anything near any of their members."""

    def __init__(
        self, ids: Sequence[int], sums: Vectors, dim: int, sizes: Sequence[int] | None = None
    ) -> None:
        self.ids: list[int] = list(ids)
        self._sums = np.zeros((max(16, 2 * len(self.ids)), dim), np.float32)
        self._sizes = np.zeros(len(self._sums), np.float32)
        if self.ids:
            self._sums[: len(self.ids)] = sums
            self._sizes[: len(self.ids)] = sizes if sizes is not None else 1

    def nearest(self, total: Vectors, count: int = 1) -> tuple[int, float]:
        """Position and mean member cosine of the group closest to ``count`` newcomers whose
        unit vectors sum to ``total`` (-1 when the board is empty)."""
        n = len(self.ids)
        if n == 0:
            return -1, 0.0
        sims = (self._sums[:n] @ total) / (np.maximum(self._sizes[:n], 1.0) * max(count, 1))
        best = int(np.argmax(sims))
        return best, float(sims[best])

    def add(self, position: int, vector: Vectors) -> Vectors:
        """Add a member's vector to a group; returns the group's new sum."""
        self._sums[position] += vector
        self._sizes[position] += 1
        total: Vectors = self._sums[position].copy()
        return total

    def append(self, group_id: int) -> int:
        """A new, empty group (:meth:`add` its members); returns its position."""
        n = len(self.ids)
        if n == len(self._sums):
            self._sums = np.vstack([self._sums, np.zeros_like(self._sums)])
            self._sizes = np.concatenate([self._sizes, np.zeros_like(self._sizes)])
        self.ids.append(group_id)
        return n


#: Ideas clustered together at most this many at a time (bounds the cost of a batch).
CHUNK = 256


def clusters(vectors: Vectors, threshold: float, chunk: int = CHUNK) -> list[list[int]]:
    """Rows of ``vectors`` clustered among themselves, ``chunk`` rows at a time, by average
    linkage: the two clusters whose members' mean pairwise cosine is highest merge while
    it is at least ``threshold`` (a mean over all pairs, so a cluster cannot grow by a
    chain of near neighbours). The result does not depend on the rows' order within a
    chunk; clusters come in order of their first row."""
    out: list[list[int]] = []
    for start in range(0, len(vectors), chunk):
        labels = _agglomerate(vectors[start : start + chunk], threshold)
        firsts: dict[int, list[int]] = {}
        for row, label in enumerate(labels):
            firsts.setdefault(int(label), []).append(start + row)
        out.extend(firsts.values())
    return out


def _agglomerate(vectors: Vectors, threshold: float) -> npt.NDArray[np.int64]:
    n = len(vectors)
    sums = vectors.astype(np.float32).copy()
    counts, alive, label = np.ones(n, np.float32), np.ones(n, bool), np.arange(n)
    sims = sums @ sums.T  # unit rows: mean pairwise cosine = sum·sum / (count·count)
    np.fill_diagonal(sims, -np.inf)
    while n > 1:
        a, b = sorted(divmod(int(np.argmax(sims)), n))
        if sims[a, b] < threshold:
            break
        sums[a] += sums[b]
        counts[a] += counts[b]
        alive[b], label[label == b] = False, a
        sims[b, :] = sims[:, b] = -np.inf
        row = (sums @ sums[a]) / (counts * counts[a])
        row[~alive] = row[a] = -np.inf
        sims[a, :] = sims[:, a] = row
    return label


def central(vectors: Vectors, rows: Sequence[int]) -> int:
    """The row closest to the centroid of ``rows`` (its text titles a new group)."""
    members = vectors[list(rows)]
    centre = normalise(members.sum(axis=0, keepdims=True))[0]
    return int(rows[int(np.argmax(members @ centre))])


#: ``found(row)``: start a group for a cluster whose most central idea is ``row``; its id.
Found = Callable[[int], int]
#: ``join(row, group_id)``: put idea ``row`` into the group; whether it was placed.
Join = Callable[[int, int], bool]


def place(
    index: CentroidIndex,
    vectors: Vectors,
    threshold: float,
    found: Found,
    join: Join,
    closed: Collection[int] = frozenset(),
) -> dict[int, tuple[Vectors, int]]:
    """Place new ideas on a board (the board's one grouping step; see :func:`clusters`).

    The new ideas are clustered among themselves first, so their order does not decide
    which of them found groups; each cluster then joins the group whose members are
    closest to its own on average (:meth:`CentroidIndex.nearest`), at or above
    ``threshold``, else founds one. A cluster closest to a ``closed`` group (done,
    declined: never joined automatically) founds one too, rather than joining the next
    best match, an idea it is less like. Returns the groups that
    grew: id → (new centroid sum, ideas added)."""
    changes: dict[int, tuple[Vectors, int]] = {}
    for rows in clusters(vectors, threshold):
        total = vectors[rows].sum(axis=0)
        pos, sim = index.nearest(total, len(rows))
        if pos < 0 or sim < threshold or index.ids[pos] in closed:
            pos = index.append(found(central(vectors, rows)))
        group_id = index.ids[pos]
        for row in rows:
            if join(row, group_id):
                total_now = index.add(pos, vectors[row])
                changes[group_id] = (total_now, changes.get(group_id, (total_now, 0))[1] + 1)
    return changes


def place_all(vectors: Vectors, threshold: float) -> list[int]:
    """Group ``vectors`` on an empty board with :func:`place` (group numbers from 0)."""
    index = CentroidIndex([], np.zeros((0, vectors.shape[1]), np.float32), vectors.shape[1])
    groups = [-1] * len(vectors)

    def join(row: int, group_id: int) -> bool:
        groups[row] = group_id
        return True

    place(index, vectors, threshold, lambda row: len(index.ids), join)
    return groups


def grouping_scores(groups: Sequence[int], ideas: Sequence[str]) -> tuple[float, float]:
    """Pairwise same-group F1 and the all-posts-of-an-idea-in-one-group rate."""
    g, y = np.array(groups), np.array(ideas)
    iu = np.triu_indices(len(y), 1)
    truth, pred = (y[:, None] == y[None, :])[iu], (g[:, None] == g[None, :])[iu]
    tp = float((truth & pred).sum())
    precision, recall = tp / max(pred.sum(), 1), tp / max(truth.sum(), 1)
    f1 = 2 * precision * recall / max(precision + recall, 1e-9)
    together = float(np.mean([len(set(g[y == i])) == 1 for i in sorted(set(ideas))]))
    return f1, together
