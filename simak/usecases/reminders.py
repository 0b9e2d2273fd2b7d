"""Loyal customers remembered: a personal check-in for regulars nobody contacted lately.

Each reminder is an ordinary follow-up (approval, private delivery, exactly once); at most
one per person per ``quiet_days`` (a database constraint), never to "do not contact"
people, with a gift only when the configured pool still has a code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy.orm import Session

from common.records import FollowUpPlan, Label, Recipient
from responder.draft_input import DraftInput, DraftPost
from responder.routing import Router
from simak.app import App
from simak.wiring import build_router
from storage import care


@dataclass(frozen=True, slots=True)
class Drafted:
    """One reminder put in the queue."""

    person_id: int
    name: str | None
    followup_id: int
    channel: str
    gift: str | None


@dataclass(slots=True)
class ReminderReport:
    """What `simak reminders` found and did."""

    drafted: list[Drafted] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)  # person, why


def candidates(app: App, brand: str | None = None) -> list[care.Loyal]:
    """Regulars (enough praise lately, of ``brand`` when given) whom nobody contacted for
    ``quiet_days``."""
    cfg = app.settings.responder.reminders
    now = app.clock()
    with app.db.read() as session:
        return care.loyal_people(
            session,
            now - timedelta(days=cfg.window_days),
            cfg.min_positive,
            now - timedelta(days=cfg.quiet_days),
            brand,
        )


def draft_reminders(app: App, *, dry_run: bool = False) -> ReminderReport:
    """Draft one check-in per regular (skipping "do not contact" and anyone reminded this
    period); each waits for approval like any follow-up."""
    report = ReminderReport()
    router = build_router(app)
    period = int(app.clock().timestamp() // 86400) // app.settings.responder.reminders.quiet_days
    for person in candidates(app):
        if person.do_not_contact:
            report.skipped.append((person.person_id, "do not contact"))
            continue
        if dry_run:
            report.skipped.append((person.person_id, "dry run: would draft a reminder"))
            continue
        with app.db.session() as session:
            done = _draft_one(app, session, router, person, period)
        if done is None:
            report.skipped.append((person.person_id, "already reminded this period"))
        else:
            report.drafted.append(done)
    return report


def _draft_one(
    app: App, session: Session, router: Router, person: care.Loyal, period: int
) -> Drafted | None:
    reminder = care.claim_reminder(session, person.person_id, period, app.clock())
    if reminder is None:
        return None
    cfg = app.settings.responder.reminders
    now = app.clock()
    posts = care.praised_posts(session, person.person_id, now - timedelta(days=cfg.window_days))
    brand = posts[0].brand if posts else app.settings.brands[0].name
    recipient, channel, why = reach(session, router, person.person_id)
    gift = care.take_voucher(session, cfg.gift_pool, now) if cfg.gift_pool else None
    draft = router.drafts.write_one(
        DraftInput(
            label="praise",
            posts=tuple(DraftPost(p.text, ("praise",), mention_id=p.mention_id) for p in posts),
            lang=posts[0].lang if posts else app.settings.responder.default_language,
            brand=app.settings.brand(brand).label,
            name=person.name,
            handle=recipient.handle,
            platform=recipient.platform,
            template="reminder",
            extra={"gift": gift},
        )
    )
    plan = FollowUpPlan(
        mention_id=0,
        label="praise",
        priority=15,
        due_at=now + timedelta(days=3),
        channel=channel,
        lang=draft.lang,
        subject=draft.subject,
        draft=router.in_form(channel, recipient, draft),
        note=f"a check-in with a regular ({person.positive} kind posts lately)"
        + (f"; gift code {gift}" if gift else ""),
        channel_note=why,
    )
    key = f"simak-rem-{person.person_id}-{period}"
    fid = care.create_standalone(
        session,
        kind="reminder",
        plan=plan,
        person_id=person.person_id,
        brand=brand,
        recipient=recipient,
        key=key,
        now=now,
    )
    if fid is None:
        return None
    care.link_reminder(session, reminder, fid)
    if gift:
        care.give_voucher(session, gift, fid)
    return Drafted(person.person_id, person.name, fid, channel, gift)


def reach(
    session: Session, router: Router, person_id: int, label: Label = "praise"
) -> tuple[Recipient, str, str | None]:
    """The person's handle a private channel of ``label``'s rule reaches (else the first,
    via staff)."""
    options = care.person_recipients(session, person_id)
    preference = router.rules.rule_for(label).channels
    choices = [(r, *router.channel_choice(preference, r)) for r in options]
    for recipient, channel, why in choices:
        if channel != "manual":
            return recipient, channel, why
    return choices[0]


def add_vouchers(app: App, pool: str, codes: list[str]) -> tuple[int, int, int]:
    """Add gift codes to a pool; returns (added now, already known so skipped, unused in
    the pool). A code is known once, whichever pool holds it."""
    distinct = {c.strip() for c in codes if c.strip()}
    with app.db.session() as session:
        added = care.add_vouchers(session, pool, codes, app.clock())
        return added, len(distinct) - added, care.vouchers_left(session, pool)
