"""What the caller passes to write a draft: one person's posts in one conversation.

Everything here is public: what the person wrote, the display name the platform
shows, and counts of their earlier public posts. Nothing private (an email
address, another account of theirs) is ever given to the templates.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from responder.register import Register
from responder.settings import LABEL_PRECEDENCE, Label


@dataclass(frozen=True, slots=True)
class DraftPost:
    """One post of the person, as classified."""

    text: str
    labels: tuple[str, ...] = ()  # the post's own labels ("complaint", "idea", "praise")
    scores: Mapping[str, float] = field(default_factory=dict)  # the post's label probabilities
    title: str | None = None  # a blog post's or review's title, when there is one
    mention_id: int | None = None
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class DraftHistory:
    """How often this person wrote before, so a regular is recognised.

    ``earlier`` counts the person's posts per label within the last ``window_days``
    days, NOT counting the posts being answered now.
    """

    earlier: Mapping[str, int] = field(default_factory=dict)
    window_days: int = 30

    def count(self, label: str) -> int:
        """Earlier posts with ``label`` in the window."""
        return max(0, int(self.earlier.get(label, 0)))


@dataclass(frozen=True, slots=True)
class DraftInput:
    """One person's conversation to answer with one private follow-up.

    ``posts`` are newest first; the draft answers all of them. ``label`` is the label
    that decided the route (complaint > idea > praise over all posts). ``name`` is the
    display name the platform shows (never an email address); ``handle`` is only used
    to recognise a display name that is just the handle again. ``register`` overrides
    the detected register (a staff correction). ``branches``, ``products`` and
    ``brand_terms`` are the brand's own lists; the business-wide ones from settings
    are added to them.
    """

    label: Label
    posts: tuple[DraftPost, ...]
    lang: str
    brand: str
    name: str | None = None
    handle: str | None = None
    platform: str = ""
    url: str | None = None
    register: Register | None = None
    history: DraftHistory = field(default_factory=DraftHistory)
    brand_terms: tuple[str, ...] = ()
    branches: tuple[str, ...] = ()
    products: tuple[str, ...] = ()
    template: str | None = None  # e.g. "reminder", "shipped"; default: the label's rule
    extra: Mapping[str, object] = field(default_factory=dict)  # e.g. gift, idea, note

    def __post_init__(self) -> None:
        """Reject a conversation without posts: there is nothing to answer."""
        if not self.posts:
            raise ValueError("a DraftInput needs at least one post to answer")

    def labels_present(self) -> tuple[Label, ...]:
        """Every label of any post, ``label`` first, then in precedence order."""
        found = {lab for post in self.posts for lab in post.labels}
        return (
            self.label,
            *(lab for lab in LABEL_PRECEDENCE if lab in found and lab != self.label),
        )
