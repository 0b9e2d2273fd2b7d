"""The owner's ideas board: near-duplicate ideas grouped, across English and Indonesian.

Grouping is average-linkage clustering on :func:`responder.idea_text.similarity`,
stopped at a threshold. It is deterministic: items are processed in id order and
ties are broken by position, so the same ideas always give the same groups.

A group's key comes from the content words of its founding (lowest-id) member,
so it stays the same as later ideas join the group.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from responder.idea_text import features, idea_key, ignore_set, jaccard
from responder.text import clean, strip_urls, trim

DEFAULT_THRESHOLD = 0.22
DEFAULT_TITLE_CHARS = 80

FloatMatrix = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class IdeaText:
    """One idea mention to place on the board."""

    id: int  # the mention id
    text: str


@dataclass(frozen=True, slots=True)
class IdeaGroup:
    """Ideas that ask for the same thing."""

    key: str  # stable, e.g. "idea-3f2a9c01b7de"
    title: str  # the most representative idea, trimmed for a board row
    representative: str  # that idea in full; new ideas are compared with it
    member_ids: tuple[int, ...]  # ascending mention ids

    @property
    def count(self) -> int:
        """How many mentions asked for this."""
        return len(self.member_ids)


def group_ideas(
    items: Sequence[IdeaText],
    *,
    threshold: float = DEFAULT_THRESHOLD,
    title_chars: int = DEFAULT_TITLE_CHARS,
    ignore: Iterable[str] = (),
) -> list[IdeaGroup]:
    """Group near-duplicate ideas; most-asked groups first, then oldest first.

    ``ignore``: brand names and handles (and any other words) that say nothing
    about what is asked. Raises ValueError when two items share an id.
    """
    ignored = ignore_set(ignore)
    ordered = sorted(items, key=lambda item: item.id)
    ids = [item.id for item in ordered]
    if len(set(ids)) != len(ids):
        raise ValueError("group_ideas: every IdeaText needs a distinct id")
    sims = similarity_matrix([features(item.text, ignored) for item in ordered])
    clusters: list[list[int]] = []
    for component in _components(sims, threshold):
        clusters.extend(_average_linkage(sims, component, threshold))
    groups = [_make_group(ordered, sims, m, title_chars, ignored) for m in clusters]
    groups.sort(key=lambda group: (-group.count, group.member_ids[0]))
    return _unique_keys(groups)


def assign_group(
    text: str,
    existing_groups: Sequence[IdeaGroup],
    *,
    threshold: float = DEFAULT_THRESHOLD,
    ignore: Iterable[str] = (),
) -> str:
    """Key of the existing group most like ``text``, or a new key if none is alike enough.

    Pass the same ``threshold`` and ``ignore`` as to :func:`group_ideas`.
    """
    ignored = ignore_set(ignore)
    probe = features(text, ignored)
    best_key, best_sim = "", -1.0
    for group in sorted(existing_groups, key=lambda g: g.key):
        sim = jaccard(probe, features(group.representative, ignored))
        if sim > best_sim:
            best_key, best_sim = group.key, sim
    return best_key if best_sim >= threshold else idea_key(text, ignored)


def similarity_matrix(feature_sets: Sequence[frozenset[str]]) -> FloatMatrix:
    """Pairwise Jaccard similarities, exact, with 1.0 on the diagonal of non-empty sets.

    Only n-grams shared by two or more texts become matrix columns: the others
    cannot add to an intersection, and leaving them out keeps the matrix small.
    """
    counts: dict[str, int] = {}
    for feats in feature_sets:
        for gram in feats:
            counts[gram] = counts.get(gram, 0) + 1
    shared = {gram: col for col, gram in enumerate(sorted(g for g, c in counts.items() if c > 1))}
    hits = np.zeros((len(feature_sets), len(shared)), dtype=np.float64)
    for row, feats in enumerate(feature_sets):
        hits[row, [shared[g] for g in feats if g in shared]] = 1.0
    inter = hits @ hits.T
    sizes = np.array([len(f) for f in feature_sets], dtype=np.float64)
    union = sizes[:, None] + sizes[None, :] - inter
    return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)


def _components(sims: FloatMatrix, threshold: float) -> list[list[int]]:
    """Connected components of the graph "similarity >= threshold".

    Average linkage can only merge clusters that have at least one such pair, so
    clustering each component on its own gives the same result, much faster.
    """
    seen: set[int] = set()
    components: list[list[int]] = []
    for start in range(sims.shape[0]):
        if start in seen:
            continue
        stack, members = [start], []
        seen.add(start)
        while stack:
            node = stack.pop()
            members.append(node)
            for nxt in np.flatnonzero(sims[node] >= threshold).tolist():
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)
        components.append(sorted(members))
    return components


def _average_linkage(sims: FloatMatrix, members: list[int], threshold: float) -> list[list[int]]:
    """Merge the most similar pair of clusters until no pair averages ``threshold``."""
    clusters = [[m] for m in members]
    link = sims[np.ix_(members, members)].copy()
    np.fill_diagonal(link, -np.inf)
    for _ in range(len(members) - 1):
        i, j = divmod(int(np.argmax(link)), link.shape[0])  # first max: i < j
        if link[i, j] < threshold:
            break
        n_i, n_j = len(clusters[i]), len(clusters[j])
        merged = (n_i * link[i] + n_j * link[j]) / (n_i + n_j)  # Lance–Williams, average
        link[i, :], link[:, i] = merged, merged
        link[j, :], link[:, j] = -np.inf, -np.inf
        link[i, i] = -np.inf
        clusters[i].extend(clusters[j])
        clusters[j] = []
    return [sorted(c) for c in clusters if c]


def _make_group(
    ordered: Sequence[IdeaText],
    sims: FloatMatrix,
    members: list[int],
    title_chars: int,
    ignored: frozenset[str],
) -> IdeaGroup:
    """The medoid (highest mean similarity, lowest id on ties) titles the group."""
    block = sims[np.ix_(members, members)]
    medoid = members[int(np.argmax(block.sum(axis=1)))]
    text = ordered[medoid].text
    return IdeaGroup(
        key=idea_key(ordered[members[0]].text, ignored),
        title=trim(clean(strip_urls(text)), title_chars),
        representative=text,
        member_ids=tuple(ordered[m].id for m in members),
    )


def _unique_keys(groups: list[IdeaGroup]) -> list[IdeaGroup]:
    """Suffix repeated keys ("-2", "-3") in founder order, so a key names one group."""
    seen: dict[str, int] = {}
    key_of: dict[int, str] = {}
    for group in sorted(groups, key=lambda g: g.member_ids[0]):
        seen[group.key] = seen.get(group.key, 0) + 1
        n = seen[group.key]
        key_of[group.member_ids[0]] = group.key if n == 1 else f"{group.key}-{n}"
    return [replace(group, key=key_of[group.member_ids[0]]) for group in groups]
