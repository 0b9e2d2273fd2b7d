"""Charts as inline SVG, drawn on the server (no script, no network, no inline style)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Bar:
    """One bar: its label, value and geometry."""

    label: str
    value: int
    x: int
    y: int
    width: int
    height: int


@dataclass(frozen=True, slots=True)
class BarChart:
    """A bar chart ready for the template (which also renders it as a table)."""

    title: str
    width: int
    height: int
    bars: list[Bar]


def bar_chart(
    title: str,
    values: dict[str, int],
    *,
    width: int = 480,
    height: int = 200,
    in_order: bool = False,
) -> BarChart:
    """Bars for ``values`` scaled to the largest, largest first (``in_order``: as given,
    for days)."""
    items = list(values.items())
    if not in_order:
        items.sort(key=lambda kv: (-kv[1], kv[0]))
    top = max((v for _, v in items), default=0) or 1
    plot = height - 40
    slot = width // max(len(items), 1)
    bars = []
    for i, (label, value) in enumerate(items):
        h = round(plot * value / top)
        bars.append(Bar(label, value, i * slot + 8, 20 + plot - h, max(slot - 16, 4), h))
    return BarChart(title, width, height, bars)
