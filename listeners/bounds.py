"""Validators that keep every size, count and time option of a source in a sane range.

Used as ``Annotated[float, within(1, 300, "seconds")]`` in an options model: a value
outside the range (``.inf``, ``.nan``, ``1e29``) is refused with a message that says
what is allowed, and blank strings in lists of terms or queries are refused too.
"""

from __future__ import annotations

import math
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator

KIB = 1024
MIB = 1024 * KIB


def _show(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def within(low: float, high: float, unit: str) -> BeforeValidator:
    """A validator refusing numbers outside ``[low, high]`` (and non-finite ones).

    It runs before pydantic's own parsing, so ``.inf`` or ``1e29`` for an integer option
    get the same message with the allowed range; anything not a number is left to
    pydantic (``"ten"`` is "not a valid integer").
    """

    def check(value: object) -> object:
        number: float | None = None
        if isinstance(value, int | float) and not isinstance(value, bool):
            number = value
        elif isinstance(value, str):
            try:
                number = float(value)
            except ValueError:
                number = None
        if number is not None and not (math.isfinite(number) and low <= number <= high):
            raise ValueError(f"must be between {_show(low)} and {_show(high)} {unit}")
        return value

    return BeforeValidator(check)


def _non_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty or blank")
    if len(value) > 500:
        raise ValueError("must be at most 500 characters")
    return value


NonBlank = Annotated[str, AfterValidator(_non_blank)]
"""A term, query, tag or URL: not empty, not just spaces, at most 500 characters."""

Seconds = Annotated[float, within(0.1, 600, "seconds")]
"""A per-request timeout."""
