"""The staff queue as typed rows: what to answer first, with the context to act on it."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, literal, or_, select, tuple_
from sqlalchemy.orm import Session

from common.errors import NotFound
from storage.contactable import blocked, do_not_contact_group
from storage.followups import ACTIVE_STATUSES
from storage.models import (
    ClassificationRow,
    ConversationPost,
    Delivery,
    FollowUp,
    MentionRow,
    Person,
)


@dataclass(frozen=True, slots=True)
class QueuePost:
    """One post of the person's conversation."""

    mention_id: int
    platform: str
    created_at: datetime
    text: str
    url: str | None
    labels: tuple[str, ...]
    scores: dict[str, float] = field(default_factory=dict)  # by label; empty if unclassified


@dataclass(frozen=True, slots=True)
class QueueItem:
    """One follow-up with the context a person needs to act on it."""

    id: int
    version: int
    mention_id: int | None  # None for a reminder or an announcement (no post answered)
    status: str
    label: str
    labels: tuple[str, ...]
    priority: int
    due_at: datetime
    snoozed_until: datetime | None
    channel: str
    channel_note: str | None
    status_note: str | None
    lang: str
    subject: str
    draft: str
    draft_by: str | None
    suggested_draft: str | None
    approved_by: str | None
    recipient: dict[str, Any]
    platform: str
    brand: str
    author: str
    person_id: int | None
    text: str
    url: str | None
    created_at: datetime
    attempts: int
    external_id: str | None
    kind: str = "conversation"
    mention_ids: tuple[int, ...] = ()  # every post of the conversation, newest first
    posts: tuple[QueuePost, ...] = ()
    severity: str = "normal"  # the most severe post's: "critical" | "high" | "normal"
    severity_reason: str | None = None  # "critical: possible food poisoning"
    severity_score: float = 0.0  # confidence it is critical (sure ones first in the tier)
    scores: dict[str, float] = field(default_factory=dict)  # the lead post's, by label
    check_me: tuple[str, ...] = ()  # labels the model is unsure of (set by the use case)
    #: why this person must not be contacted ("do not contact: asked by phone"); None: they may
    do_not_contact: str | None = None

    @property
    def lead(self) -> QueuePost | None:
        """The post that gives the follow-up its label: the newest one carrying it (a praise
        followed the same day by a complaint is answered as a complaint, so the row shows
        the complaint); else the newest post; None without posts."""
        labelled = (p for p in self.posts if self.label in p.labels)
        return next(labelled, self.posts[0] if self.posts else None)


#: Within a severity tier, harm a rule named (score 1) comes first, then head calls this sure.
SURE = 0.8


def _visible(now: datetime) -> ColumnElement[bool]:
    """Active follow-ups; a snoozed one only once its snooze has run out."""
    return and_(
        FollowUp.status.in_(ACTIVE_STATUSES),
        or_(
            FollowUp.status != "snoozed",
            FollowUp.snoozed_until.is_(None),
            FollowUp.snoozed_until <= now,
        ),
    )


def _key() -> tuple[Any, ...]:
    """The queue's order as one ascending key: severity first, then reach and customer
    value, then age against the SLA; the id last, so every row has its own place (a page
    starts right after the key of the row that ended the page before)."""
    return (
        case((FollowUp.severity == "critical", 0), (FollowUp.severity == "high", 1), else_=2),
        # within a tier: harm a rule named, then the head's sure calls, then hunches
        case((FollowUp.severity_score >= 1.0, 0), (FollowUp.severity_score >= SURE, 1), else_=2),
        case((FollowUp.label == "complaint", 0), else_=1),
        -FollowUp.priority,
        FollowUp.due_at,
        FollowUp.id,
    )


def _rows(
    session: Session,
    condition: ColumnElement[bool],
    limit: int | None,
    *,
    backwards: bool = False,
    skip: int = 0,
) -> list[QueueItem]:
    key = _key()
    order = [k.desc() for k in key] if backwards else list(key)
    # Pick the page on the follow-ups alone, then join the context to those rows only.
    page = select(FollowUp.id).where(condition).order_by(*order)
    if limit is not None:
        page = page.limit(limit)
    if skip:
        page = page.offset(skip)
    ids = page.subquery()
    stmt = (
        select(FollowUp, MentionRow, Person.display_name, ClassificationRow)
        .join(ids, ids.c.id == FollowUp.id)
        .outerjoin(MentionRow, MentionRow.id == FollowUp.mention_id)
        .outerjoin(Person, Person.id == FollowUp.person_id)
        .outerjoin(
            ClassificationRow,
            (ClassificationRow.mention_id == MentionRow.id) & ClassificationRow.is_current,
        )
        .order_by(*key)
    )
    items = [_item(f, m, name, c) for f, m, name, c in session.execute(stmt).all()]
    posts = _posts(session, [i.id for i in items])
    barred = _barred(session, {i.person_id for i in items if i.person_id is not None})
    return [
        replace(_with_posts(i, posts.get(i.id, [])), do_not_contact=barred.get(i.person_id))
        for i in items
    ]


def _barred(session: Session, person_ids: set[int]) -> dict[int | None, str]:
    """Why each of ``person_ids`` must not be contacted, for those who must not (one query
    for the page; the reason is read only for the few it finds)."""
    if not person_ids:
        return {}
    found = session.scalars(
        select(Person.id).where(Person.id.in_(person_ids), Person.id.in_(do_not_contact_group()))
    ).all()
    return {pid: why for pid in found if (why := blocked(session, pid)) is not None}


def _with_posts(item: QueueItem, posts: list[QueuePost]) -> QueueItem:
    """The item with its conversation; what it shows (text, link, labels, scores) becomes the
    lead post's (see ``lead``), so a row shows the post it answers, not the first of the
    conversation. ``mention_id`` stays the post the follow-up was opened for."""
    item = replace(item, posts=tuple(posts), mention_ids=tuple(p.mention_id for p in posts))
    lead = item.lead
    if lead is None:
        return item
    item = replace(item, text=lead.text, url=lead.url)
    return replace(item, labels=lead.labels, scores=lead.scores) if lead.scores else item


def _posts(session: Session, followup_ids: list[int]) -> dict[int, list[QueuePost]]:
    """The posts of each conversation, newest first (one query for a whole page)."""
    out: dict[int, list[QueuePost]] = {}
    if not followup_ids:
        return out
    rows = session.execute(
        select(ConversationPost.followup_id, MentionRow, ClassificationRow)
        .join(MentionRow, MentionRow.id == ConversationPost.mention_id)
        .outerjoin(
            ClassificationRow,
            (ClassificationRow.mention_id == MentionRow.id) & ClassificationRow.is_current,
        )
        .where(ConversationPost.followup_id.in_(followup_ids))
        .order_by(MentionRow.created_at.desc(), MentionRow.id.desc())
    ).all()
    for fid, m, c in rows:
        labels = tuple(c.labels or ()) if c is not None else ()
        post = QueuePost(m.id, m.platform, m.created_at, m.text, m.url, labels, _scores(c))
        out.setdefault(fid, []).append(post)
    return out


def _scores(c: ClassificationRow | None) -> dict[str, float]:
    return {"praise": c.praise, "complaint": c.complaint, "idea": c.idea} if c else {}


def _item(
    f: FollowUp, m: MentionRow | None, name: str | None, c: ClassificationRow | None
) -> QueueItem:
    labels = c.labels if c is not None else None
    scores = _scores(c)
    recipient = dict(f.recipient or {})
    author = name or (m.author_name or m.author_handle if m else None) or recipient.get("name")
    return QueueItem(
        id=f.id,
        version=f.version,
        mention_id=m.id if m else None,
        status=f.status,
        label=f.label,
        labels=tuple(labels or ()),
        priority=f.priority,
        due_at=f.due_at,
        snoozed_until=f.snoozed_until,
        channel=f.channel,
        channel_note=f.channel_note,
        status_note=f.status_note,
        lang=f.lang,
        subject=f.subject,
        draft=f.draft,
        draft_by=f.draft_by,
        suggested_draft=f.suggested_draft,
        approved_by=f.approved_by,
        recipient=recipient,
        platform=m.platform if m else str(recipient.get("platform") or ""),
        brand=m.brand if m else f.brand,
        author=author or "?",
        person_id=f.person_id,
        text=m.text if m else "",
        url=m.url if m else None,
        created_at=m.created_at if m else f.created_at,
        attempts=f.attempts,
        external_id=f.external_message_id,
        kind=f.kind,
        severity=f.severity,
        severity_reason=f.severity_reason,
        severity_score=f.severity_score,
        scores=scores,
    )


def queue_items(
    session: Session,
    now: datetime,
    *,
    statuses: tuple[str, ...] | None = None,
    everything: bool = False,
    limit: int | None = 500,
    label: str | None = None,
) -> list[QueueItem]:
    """The queue in order: critical, then high severity; complaints first; then priority
    (reach, customer value, urgency); then due time.

    By default the active follow-ups (snoozed ones only once due again); ``statuses``
    picks others; ``everything`` shows every follow-up, whatever its status; ``label`` keeps
    one label's.
    """
    return _rows(session, _condition(now, statuses, everything, label), limit)


def _condition(
    now: datetime, statuses: tuple[str, ...] | None, everything: bool, label: str | None
) -> ColumnElement[bool]:
    if everything:
        condition: ColumnElement[bool] = FollowUp.id.is_not(None)
    elif statuses:
        condition = FollowUp.status.in_(statuses)
    else:
        condition = _visible(now)
    if label is not None:  # in SQL, so a page of one label is one query, however long the queue
        condition = and_(condition, FollowUp.label == label)
    return condition


@dataclass(frozen=True, slots=True)
class QueuePage:
    """One page of the queue and where it stands in the whole (keyset paging: a page is
    named by the follow-up it comes after or before, never by an offset)."""

    items: list[QueueItem]
    total: int  # follow-ups the filter matches now
    start: int  # the first row's place in the queue (1-based; 0 on an empty page)
    after: int | None  # the next page: the rows after this follow-up (None: none follow)
    before: int | None  # the page before: the rows before this follow-up (None: first page)


def queue_page(
    session: Session,
    now: datetime,
    *,
    statuses: tuple[str, ...] | None = None,
    label: str | None = None,
    limit: int = 50,
    after: int | None = None,
    before: int | None = None,
    skip: int = 0,
) -> QueuePage:
    """The page of the queue after follow-up ``after`` (or before follow-up ``before``; with
    neither, the page that starts after the first ``skip`` rows: a page asked for by its
    number), filtered as :func:`queue_items`. A cursor whose follow-up is gone, or fewer
    than a page before ``before``, gives the first page; nothing after ``after`` (its rows
    were all dealt with), or ``skip`` past the end, an empty page."""
    condition = _condition(now, statuses, False, label)
    key = tuple_(*_key())
    items: list[QueueItem] | None = None
    cursor = after is not None or before is not None  # a cursor wins over a page number
    if before is not None and (mark := _key_of(session, before)) is not None:
        items = _rows(session, and_(condition, key < mark), limit, backwards=True)
        items = items if len(items) == limit else None
    elif after is not None and (mark := _key_of(session, after)) is not None:
        items = _rows(session, and_(condition, key > mark), limit)
    if items is None:
        items = _rows(session, condition, limit, skip=0 if cursor else skip)
    paged = items and (cursor or skip > 0)  # else the first page
    total, start = _place(session, condition, items[0].id if paged else None)
    start = start or (1 if items else 0)
    last = start + len(items) - 1
    return QueuePage(
        items=items,
        total=total,
        start=start,
        after=items[-1].id if items and last < total else None,
        before=items[0].id if start > 1 else None,
    )


def _key_of(session: Session, followup_id: int) -> Any:
    """The sort key of one follow-up, as a tuple to compare with (None: no such row)."""
    row = session.execute(select(*_key()).where(FollowUp.id == followup_id)).one_or_none()
    return (
        None
        if row is None
        else tuple_(*(literal(v, k.type) for v, k in zip(row, _key(), strict=True)))
    )


def _place(
    session: Session, condition: ColumnElement[bool], first_id: int | None
) -> tuple[int, int]:
    """How many follow-ups match and the place of ``first_id`` among them (0 without one):
    one pass over the matching rows, like the page's own sort (just a count without)."""
    mark = _key_of(session, first_id) if first_id is not None else None
    if mark is None:
        return session.scalar(select(func.count()).select_from(FollowUp).where(condition)) or 0, 0
    ahead = func.coalesce(func.sum(case((tuple_(*_key()) < mark, 1), else_=0)), 0)
    total, before = session.execute(
        select(func.count(), ahead).select_from(FollowUp).where(condition)
    ).one()
    return int(total), int(before) + 1


def get_item(session: Session, followup_id: int) -> QueueItem:
    """One follow-up with its context (NotFound for an unknown id)."""
    items = _rows(session, FollowUp.id == followup_id, 1)
    if not items:
        raise NotFound(f"follow-up {followup_id} does not exist; list them with `simak queue`")
    return items[0]


@dataclass(frozen=True, slots=True)
class DeliveryView:
    """One delivery attempt as staff see it."""

    attempt: int
    channel: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    external_id: str | None
    detail: str | None


def deliveries_of(session: Session, followup_id: int) -> list[DeliveryView]:
    """Every delivery attempt of a follow-up, oldest first."""
    rows = session.scalars(
        select(Delivery).where(Delivery.followup_id == followup_id).order_by(Delivery.attempt)
    )
    return [
        DeliveryView(
            d.attempt, d.channel, d.status, d.started_at, d.finished_at, d.external_id, d.detail
        )
        for d in rows
    ]
