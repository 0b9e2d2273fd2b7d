"""The daily digest: what happened for one brand, and "sent once per brand and day".

The day is claimed by inserting (brand, day) under a unique constraint before anything is
sent, so cron firing twice or two workers get one digest; a claim is released only when the
send provably did not happen (so a later run may try again).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Select, delete, func, select, update
from sqlalchemy.orm import Session

from storage import idea_groups
from storage.contactable import do_not_contact_group
from storage.dialect import insert
from storage.models import (
    ClassificationRow,
    ConversationPost,
    Digest,
    FollowUp,
    Idea,
    IdeaGroup,
    MentionRow,
    Person,
    SourceState,
)

LABELS = ("complaint", "praise", "idea", "other")
LISTED = 10  # follow-ups listed per section (the digest says how many there are in all)
_WHO_CHARS = 60  # a name longer than this is cut: a line of the digest names, it is no roll


def one_line(text: str, limit: int) -> str:
    """Customer text as one line of the digest: no line breaks or other control and format
    characters (a name with "\r\nBcc: …" or a bidi override forged or flipped the lines
    after it), at most ``limit`` characters."""
    kept = "".join(ch if ch.isprintable() or ch in "\u200c\u200d" else " " for ch in text)
    flat = " ".join(kept.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


@dataclass(frozen=True, slots=True)
class Item:
    """One line of the digest that names a follow-up."""

    followup_id: int
    who: str
    text: str
    detail: str = ""  # why it is listed: a severity reason, a delivery's status note
    due: datetime | None = None  # when a complaint is due, in the business's time zone
    do_not_contact: bool = False  # the person asked not to be contacted: staff must not reach out
    late: bool = False  # its due time has passed (a critical complaint too: it says so)


@dataclass(slots=True)
class DigestFacts:
    """Everything a digest for one brand and day says."""

    brand: str
    day: date
    today: dict[str, int] = field(default_factory=dict)  # posts per label, the last 24 hours
    week_average: dict[str, float] = field(default_factory=dict)
    critical: list[Item] = field(default_factory=list)  # open critical complaints, any age
    urgent: list[Item] = field(default_factory=list)
    overdue: list[Item] = field(default_factory=list)
    problems: list[Item] = field(default_factory=list)  # deliveries failed or unknown
    ideas: list[tuple[str, int, int]] = field(default_factory=list)  # title, new, total people
    failing_sources: list[tuple[str, str]] = field(default_factory=list)
    # per section (critical, urgent, overdue, problems): how many in all; its list holds LISTED
    totals: dict[str, int] = field(default_factory=dict)

    @property
    def anything_new(self) -> bool:
        """False on a quiet day: no posts, nothing urgent, overdue or failed, no failing
        source (a day when every source fails brings no posts, and is no quiet day)."""
        return bool(
            sum(self.today.values())
            or self.critical
            or self.urgent
            or self.overdue
            or self.problems
            or self.failing_sources
        )


def claim(session: Session, brand: str, day: date, holder: str, now: datetime) -> int | None:
    """Take today's digest of ``brand``; None when it was taken (sent, or being sent)."""
    return session.execute(
        insert(session, Digest)
        .values(brand=brand, day=day.isoformat(), status="sending", holder=holder, created_at=now)
        .on_conflict_do_nothing(index_elements=["brand", "day"])
        .returning(Digest.id)
    ).scalar_one_or_none()


def taken(session: Session, brand: str, day: date) -> tuple[str, datetime] | None:
    """How ``brand``'s digest for ``day`` was taken: its status (``sending``: a run is
    sending it, or stopped mid-send) and when it was claimed; None when it is free."""
    row = session.execute(
        select(Digest.status, Digest.created_at).where(
            Digest.brand == brand, Digest.day == day.isoformat()
        )
    ).first()
    return None if row is None else (str(row.status), row.created_at)


def last_sent_at(session: Session, brand: str, before: date) -> datetime | None:
    """When ``brand``'s latest digest before ``day`` was claimed (None: never)."""
    return session.scalar(
        select(func.max(Digest.created_at)).where(
            Digest.brand == brand, Digest.status == "sent", Digest.day < before.isoformat()
        )
    )


def finish(session: Session, digest_id: int, status: str, detail: str, now: datetime) -> None:
    """Record how it ended: sent, or empty (a quiet day, nothing sent)."""
    session.execute(
        update(Digest)
        .where(Digest.id == digest_id)
        .values(status=status, detail=detail, sent_at=now)
    )


def release(session: Session, digest_id: int) -> None:
    """Give the day back: the send provably did not happen."""
    session.execute(delete(Digest).where(Digest.id == digest_id, Digest.status == "sending"))


def collect(session: Session, brand: str, day: date, zone: ZoneInfo, now: datetime) -> DigestFacts:
    """The facts of ``brand``'s digest for ``day`` (in the business's time zone): what came
    in over the 24 hours before ``now`` (a digest sent at 08:00 covers the whole of
    yesterday's afternoon and evening, not eight hours of night), against the 7 days before."""
    facts = DigestFacts(brand, day)
    start = now - _WINDOW
    _counts(session, facts, brand, now)
    _followups(session, facts, brand, start, now, zone)
    _ideas(session, facts, brand, start)
    facts.failing_sources = [
        (s.name, s.last_error or "")
        for s in session.scalars(select(SourceState).where(SourceState.consecutive_failures > 0))
    ]
    return facts


_WINDOW = timedelta(hours=24)


def _counts(session: Session, facts: DigestFacts, brand: str, now: datetime) -> None:
    """Posts per label over the last 24 hours, and the daily average of the 7 days (seven
    24-hour windows) before them."""
    rows = session.execute(
        select(MentionRow.created_at, ClassificationRow.labels)
        .join(
            ClassificationRow,
            (ClassificationRow.mention_id == MentionRow.id) & ClassificationRow.is_current,
        )
        .where(MentionRow.brand == brand, MentionRow.created_at >= now - 8 * _WINDOW)
    ).all()
    per_window: dict[int, dict[str, int]] = {}
    for created, labels in rows:
        ago = max(0, int((now - created) / _WINDOW))  # 0: the last 24 hours (or later)
        bucket = per_window.setdefault(ago, dict.fromkeys(LABELS, 0))
        for label in labels or ["other"]:
            bucket[label] += 1
    facts.today = per_window.get(0, dict.fromkeys(LABELS, 0))
    earlier = [per_window.get(w, {}) for w in range(1, 8)]
    facts.week_average = {lab: sum(d.get(lab, 0) for d in earlier) / 7 for lab in LABELS}


def _detail(f: FollowUp, kind: str) -> str:
    """Why the follow-up is listed (the template words its due time, in its language)."""
    if kind == "status":
        return f.status_note or f.status
    return f.severity_reason or "critical" if kind == "severity" else ""


def _followups(
    session: Session, facts: DigestFacts, brand: str, start: datetime, now: datetime, zone: ZoneInfo
) -> None:
    base = (
        select(
            FollowUp,
            MentionRow.text,
            # a blog or news post has an author but no person: name it as the queue does
            func.coalesce(Person.display_name, MentionRow.author_name, MentionRow.author_handle),
        )
        .outerjoin(MentionRow, MentionRow.id == FollowUp.mention_id)
        .outerjoin(Person, Person.id == FollowUp.person_id)
        .where(FollowUp.brand == brand)
    )
    active = FollowUp.status.in_(("open", "approved", "snoozed"))
    complaint = (FollowUp.label == "complaint") & active
    critical = base.where(complaint, FollowUp.severity == "critical")
    fresh = base.where(
        complaint,
        FollowUp.severity != "critical",
        FollowUp.created_at >= start,
        FollowUp.priority >= 80,
    )
    late = base.where(complaint, FollowUp.severity != "critical", FollowUp.due_at < now)
    stuck = base.where(FollowUp.status.in_(("failed", "unknown")))

    def items(key: str, query: Select[FollowUp, str, str | None], detail: str) -> list[Item]:
        order = (FollowUp.priority.desc(), FollowUp.due_at, FollowUp.id)
        rows = session.execute(query.order_by(*order).limit(LISTED)).all()
        total = session.scalar(select(func.count()).select_from(query.subquery()))
        facts.totals[key] = total or 0
        said = _complaints_said(session, [f for f, _, _ in rows])
        barred = _barred(session, {f.person_id for f, _, _ in rows if f.person_id is not None})
        return [
            Item(
                f.id,
                one_line(name or "", _WHO_CHARS) or "?",
                one_line(said.get(f.id) or text or f.subject, 140),
                _detail(f, detail),
                None if detail == "status" else f.due_at.astimezone(zone),
                f.person_id in barred,
                detail != "status" and f.due_at < now,
            )
            for f, text, name in rows
        ]

    facts.critical = items("critical", critical, "severity")
    facts.urgent = items("urgent", fresh, "due")
    facts.overdue = items("overdue", late, "due")
    facts.problems = items("problems", stuck, "status")


def _barred(session: Session, person_ids: set[int]) -> set[int]:
    """Which of ``person_ids`` must not be contacted (marked, or one human with someone
    marked): the digest says so beside their complaint, as the queue does."""
    if not person_ids:
        return set()
    barred = Person.id.in_(do_not_contact_group())
    return set(session.scalars(select(Person.id).where(Person.id.in_(person_ids), barred)))


def _complaints_said(session: Session, followups: list[FollowUp]) -> dict[int, str]:
    """Per conversation, the complaint that puts it in the digest — the one whose severity
    and reason the follow-up carries, else the most severe; of equals the first, which
    raised it (and usually holds its details: an order number) — not simply the
    conversation's first post, which may be a praise the complaint joined later."""
    wanted = {f.id: (f.severity, f.severity_reason) for f in followups}
    rows = session.execute(
        select(
            ConversationPost.followup_id,
            MentionRow.text,
            MentionRow.created_at,
            ClassificationRow.labels,
            ClassificationRow.severity,
            ClassificationRow.severity_reason,
            ClassificationRow.severity_score,
        )
        .join(MentionRow, MentionRow.id == ConversationPost.mention_id)
        .join(
            ClassificationRow,
            (ClassificationRow.mention_id == MentionRow.id) & ClassificationRow.is_current,
        )
        .where(ConversationPost.followup_id.in_(wanted))
    ).all()
    best: dict[int, tuple[tuple[bool, bool, float, float], str]] = {}
    for fid, text, created, labels, severity, reason, score in rows:
        if "complaint" not in (labels or ()):
            continue
        severity_of, reason_of = wanted[fid]
        named = bool(reason and reason_of and reason_of.endswith(reason))  # "critical: why"
        key = (named, severity == severity_of, score or 0.0, -created.timestamp())
        if fid not in best or key > best[fid][0]:
            best[fid] = (key, text)
    return {fid: text for fid, (_, text) in best.items()}


def _ideas(session: Session, facts: DigestFacts, brand: str, start: datetime) -> None:
    """Groups of the board (merged groups folded into the one they joined, under its title)
    that gained posts since ``start``: title, new posts, people who asked in all."""
    up = idea_groups.parents(session, brand)
    titles = dict(
        session.execute(select(IdeaGroup.id, IdeaGroup.title).where(IdeaGroup.brand == brand)).all()
    )
    new: dict[int, int] = {}
    people: dict[int, set[object]] = {}
    rows = session.execute(
        select(Idea.group_id, Idea.person_id, Idea.id, Idea.created_at >= start).where(
            Idea.brand == brand, Idea.group_id.is_not(None)
        )
    )
    for group_id, person_id, idea_id, fresh in rows:
        root = idea_groups.root_in(up, group_id or 0)
        new[root] = new.get(root, 0) + bool(fresh)
        people.setdefault(root, set()).add(person_id or f"idea:{idea_id}")
    grown = [(titles[r], n, len(people[r])) for r, n in new.items() if n]
    facts.ideas = sorted(grown, key=lambda r: (-r[1], -r[2]))[:10]
