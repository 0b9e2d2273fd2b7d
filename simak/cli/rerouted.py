"""The line `simak poll` and `simak send` print when unapproved follow-ups moved to the
channel routing picks now (a channel set up since they were routed)."""

from __future__ import annotations

from typing import Any

from simak.usecases.reroute import Rerouted


def counted_noun(n: int) -> str:
    return "follow-up" if n == 1 else "follow-ups"


def rerouted_line(report: Rerouted, *, dry_run: bool = False) -> str | None:
    """'moved 3 unapproved follow-ups to the channel routing picks now: 2 to email, 1 to
    x_dm' (None when none moved and none was skipped)."""
    if not report.count and not report.skipped:
        return None
    n = report.count
    where = ", ".join(f"{count} to {channel}" for channel, count in sorted(report.moved.items()))
    verb = "would move" if dry_run else "moved"
    line = f"{verb} {n} unapproved {counted_noun(n)} to the channel routing picks now"
    line += f": {where}" if where else ""
    if dry_run:
        line += " (the next `simak poll` or `simak send` moves them)"
    if report.skipped:
        line += f"; {report.skipped} changed meanwhile, left for the next run"
    return line


def rerouted_json(report: Rerouted) -> dict[str, Any]:
    """The ``rerouted`` field of `--json`: ``{"moved": {"email": 2}, "followups": [..],
    "skipped": 0}``."""
    return {"moved": dict(report.moved), "followups": list(report.followups),
            "skipped": report.skipped}  # fmt: skip
