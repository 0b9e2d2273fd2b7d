"""Decide which texts mention a brand: include/exclude terms, whole words,
case- and accent-insensitive."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from common.text import fold as fold


def _term_pattern(terms: Sequence[str]) -> re.Pattern[str] | None:
    folded = sorted({fold(t).strip() for t in terms if t.strip()}, key=len, reverse=True)
    if not folded:
        return None
    # Whole words: a term must not be glued to letters/digits on either side.
    # "@" and "#" prefixes in a term are matched literally.
    alternatives = "|".join(re.escape(t).replace(r"\ ", r"\s+") for t in folded)
    return re.compile(rf"(?<![\w]){'(?:' + alternatives + ')'}(?![\w])")


@dataclass(frozen=True, slots=True)
class BrandSpec:
    """A brand as the listeners need it."""

    name: str
    terms: tuple[str, ...]
    exclude: tuple[str, ...] = ()
    handles: dict[str, str] = field(default_factory=dict)  # platform -> account handle
    languages: tuple[str, ...] = ()  # empty = any language


class BrandMatcher:
    """Match texts against the include/exclude terms of one or more brands."""

    def __init__(self, brands: Sequence[BrandSpec]) -> None:
        self._brands = [
            (
                b,
                _term_pattern(b.terms + tuple(f"@{h}" for h in b.handles.values())),
                _term_pattern(b.exclude),
            )
            for b in brands
        ]

    @property
    def brands(self) -> list[BrandSpec]:
        """The configured brands, in config order."""
        return [b for b, _, _ in self._brands]

    def match(self, *texts: str | None) -> str | None:
        """Return the name of the first brand mentioned in ``texts``, or None.

        A text that contains an exclude term of a brand never matches that brand.
        """
        folded = fold(" \n ".join(t for t in texts if t))
        for brand, include, exclude in self._brands:
            if include is None or not include.search(folded):
                continue
            if exclude is not None and exclude.search(folded):
                continue
            return brand.name
        return None
