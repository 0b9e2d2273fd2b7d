"""Typed records that cross stage boundaries.

A listener produces :class:`Mention`; the classifier produces :class:`Classification`;
the responder produces :class:`FollowUpPlan` and sends :class:`PrivateMessage` to a
:class:`Recipient`; storage keeps all of them. They live here so that no stage has to
import another to speak to it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Final, Literal

Label = Literal["praise", "complaint", "idea"]
LABELS: Final[tuple[Label, ...]] = ("praise", "complaint", "idea")


@dataclass(frozen=True, slots=True)
class Author:
    """Who wrote a mention, with enough identity to reach them privately later."""

    platform: str
    user_id: str | None = None  # stable platform id when the platform has one
    handle: str | None = None  # @name, u/name, or an email address for files/email
    display_name: str | None = None
    profile_url: str | None = None
    email: str | None = None
    lang: str | None = None

    @property
    def key(self) -> str:
        """The identity used to link mentions of one author on one platform."""
        ident = self.user_id or (self.handle or "").lower() or (self.email or "").lower()
        return f"{self.platform}:{ident}" if ident else ""


@dataclass(frozen=True, slots=True)
class Mention:
    """One public post that mentions a brand."""

    platform: str  # "reddit", "x", "rss", "file", "mastodon", "bluesky", "hackernews"
    external_id: str  # unique within the platform
    source: str  # name of the configured source that found it
    brand: str  # name of the configured brand it matched
    text: str
    author: Author
    created_at: datetime  # timezone-aware, UTC
    url: str | None = None
    title: str | None = None
    lang_hint: str | None = None  # language the platform reported, if any
    raw_json: str = "{}"  # the original payload, JSON text, for audit and re-processing


#: How a reply's title starts: its thread's title, someone else's words ("Re: …").
REPLY_PREFIX = "Re: "
_REPLY_TITLE = re.compile(r"(?i)^\s*re(?:\[\d+\])?\s*:")


def reply_title(thread_title: str | None) -> str | None:
    """The title a reply (a comment) is stored with: its thread's, marked "Re: " (context
    for staff, never read as the commenter's own words)."""
    if not thread_title or not thread_title.strip():
        return None
    return thread_title if _REPLY_TITLE.match(thread_title) else REPLY_PREFIX + thread_title


def own_title(title: str | None) -> str | None:
    """``title`` when it is the author's own words (a post's or an entry's headline); None
    for a reply's "Re: …" thread title, which is context only."""
    if not title or not title.strip() or _REPLY_TITLE.match(title):
        return None
    return title


@dataclass(frozen=True, slots=True)
class Classification:
    """What one text expresses toward the brand.

    ``labels`` is a subset of :data:`LABELS` in that order; empty means "other".
    ``scores`` holds a calibrated probability for every label in :data:`LABELS`.
    ``lang`` is an ISO 639-1 code ("id", "en", ...) or "und" when unknown.
    ``model`` identifies the backend and version that produced it.
    """

    labels: tuple[Label, ...]
    scores: Mapping[str, float]
    lang: str
    model: str
    severity: str | None = None  # "critical" | "high" | "normal"; None: not assessed
    severity_reason: str | None = None  # why critical, e.g. "possible food poisoning"
    severity_score: float | None = None  # confidence it is critical, 0..1 (1: a rule named it)

    @property
    def is_other(self) -> bool:
        """True when no label fired."""
        return not self.labels


@dataclass(frozen=True, slots=True)
class Recipient:
    """How one person can be reached privately."""

    name: str | None
    platform: str
    handle: str | None = None
    user_id: str | None = None
    email: str | None = None


@dataclass(frozen=True, slots=True)
class FollowUpPlan:
    """A private follow-up to put in the staff queue."""

    mention_id: int
    label: str  # the label that decided the route: complaint > idea > praise
    priority: int  # higher = more urgent
    due_at: datetime
    channel: str  # e.g. "manual", "reddit_pm", "x_dm", "email"
    lang: str  # language of the draft
    subject: str
    draft: str
    note: str | None = None  # something staff should know (e.g. "says it is solved")
    channel_note: str | None = None  # why preferred channels were passed over
    severity: str = "normal"  # the most severe post's: "critical" | "high" | "normal"
    severity_reason: str | None = None  # shown to staff, e.g. "critical: possible food poisoning"
    severity_score: float = 0.0  # confidence it is critical (orders within the critical tier)


MessageKind = Literal["reply", "thanks", "reminder", "announcement", "team"]
"""Why a message is sent: ``reply`` answers the person's own complaint or question
(transactional); ``thanks``, ``reminder`` and ``announcement`` ("your idea shipped") are
messages the person did not ask for, so e-mail carries one-click unsubscribe on them;
``team`` is Simak's own digest or alert to the business's team (no customer involved)."""


@dataclass(frozen=True, slots=True)
class PrivateMessage:
    """One private message to one person, with a key that makes re-sending a no-op.

    ``idempotency_key`` is unique per follow-up and the same on every attempt: channels
    derive the provider's idempotency key, the e-mail Message-ID and the webhook id from it.
    ``unsubscribe`` holds ``https:`` and/or ``mailto:`` URIs for the List-Unsubscribe header
    of e-mail that is not a ``reply``. ``label``, ``lang`` and ``link`` (the person's public
    post) describe the follow-up for channels that forward it whole (webhook).
    """

    idempotency_key: str
    recipient: Recipient
    subject: str
    body: str
    kind: MessageKind = "reply"
    lang: str | None = None
    label: str | None = None
    link: str | None = None
    unsubscribe: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SendReceipt:
    """What a channel reports after a send."""

    channel: str
    external_id: str | None  # the provider's message id: X dm_event_id, Mastodon status id,
    # Bluesky message id, e-mail Message-ID, webhook-id; None for a task for staff
    delivered: bool  # False when the channel only created a task for staff
    detail: str = ""
