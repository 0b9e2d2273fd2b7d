"""When each thing in a conversation was said, counted back from its newest post.

A follow-up stays open while the person keeps posting, so one draft may answer praise
from last week and a complaint from today. The draft's wording follows that timeline:
what was said within a day of the newest post counts as said together (``"now"``);
older things are acknowledged as earlier (``"days"``, ``"week"``) or, for praise, left
out (``"old"``). The times are the posts' own ``created_at``, never a clock, so the same
conversation always gets the same draft; a post without a time counts as ``"now"``
(today's wording, as before times were read).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Final, Literal

from responder.draft_input import DraftInput
from responder.settings import LABEL_PRECEDENCE

When = Literal["now", "days", "week", "old"]

#: Posts less than this apart were said together ("same day"): every pair of posts of
#: one calendar day in any time zone is, so a same-day mixed draft keeps its wording.
TOGETHER: Final = timedelta(days=1)
WEEK: Final = timedelta(days=7)  # from here on "last week"; before it "the other day"
OLD: Final = timedelta(days=14)  # from here on too long ago to thank for again


def said_when(item: DraftInput, label: str) -> When | None:
    """When ``label`` was last said, relative to the conversation's newest post; None
    when no post carries it."""
    carrying = [post.created_at for post in item.posts if label in post.labels]
    if not carrying:
        return None
    known = [t for t in carrying if t is not None]
    if len(known) < len(carrying):
        return "now"  # an undated post may be the newest
    newest = max(p.created_at for p in item.posts if p.created_at is not None)
    return _bucket(newest - max(known))


def timeline(item: DraftInput) -> dict[str, When | None]:
    """:func:`said_when` of every label (None for those no post carries)."""
    return {label: said_when(item, label) for label in LABEL_PRECEDENCE}


def _bucket(gap: timedelta) -> When:
    if gap < TOGETHER:
        return "now"
    if gap < WEEK:
        return "days"
    return "week" if gap < OLD else "old"
