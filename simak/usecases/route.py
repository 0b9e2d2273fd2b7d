"""Route classified mentions: follow-ups and ideas, in the caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from common.records import Classification, FollowUpPlan
from responder.base import RouteInput
from responder.routing import Router, plan_conversation
from responder.text import clean, trim
from simak.config import Settings
from storage.conversations import conversation_of, join, open_conversation
from storage.conversations import posts as conversation_posts
from storage.followups import (
    EDITABLE,
    NewFollowUp,
    create_followups,
    followup_of_mention,
    replan,
    status_of,
)
from storage.followups import move as move_followup
from storage.ideas import capture_idea
from storage.mentions import set_status, set_statuses
from storage.queue import get_item
from storage.recipients import MentionFacts, mention_facts, mention_facts_many


@dataclass
class BatchRouter:
    """Creates follow-ups and ideas for classified mentions, in the caller's transaction."""

    settings: Settings
    router: Router

    def __call__(
        self,
        session: Session,
        ids: Sequence[int],
        results: Sequence[Classification],
        now: datetime,
    ) -> tuple[int, int, int]:
        """Route each (mention, verdict); returns (posts routed, filtered, ideas).

        A person's post joins their open conversation with the brand, else starts one.
        Plans are made in Python, then stored in a few statements per batch.
        """
        all_facts = mention_facts_many(session, ids)
        filtered: list[int] = []
        new: list[NewFollowUp] = []
        ideas: list[MentionFacts] = []
        for mention_id, result in zip(ids, results, strict=True):
            facts = all_facts[mention_id]
            if not self._language_wanted(facts.brand, result.lang):
                filtered.append(mention_id)
                continue
            plan = self.router.plan(self._input(facts, result), now)
            if plan is not None:
                new.append(self._new(plan, facts))
            if "idea" in result.labels:
                ideas.append(facts)
        set_statuses(session, filtered, "filtered")
        self._store(session, new, now)
        set_statuses(session, [n.plan.mention_id for n in new], "routed")
        for facts in ideas:
            self._capture_idea(session, facts, now)
        return len(new), len(filtered), len(ideas)

    def _new(self, plan: FollowUpPlan, facts: MentionFacts) -> NewFollowUp:
        return NewFollowUp(plan, facts.person_id, facts.brand, facts.recipient, facts.created_at)

    def _store(self, session: Session, new: Sequence[NewFollowUp], now: datetime) -> None:
        """Create conversations; posts refused because their author already has one join it."""
        created = create_followups(session, new, now)
        for item in new:
            fid = created.get(item.plan.mention_id)
            if fid is not None:
                self._auto_approve(session, fid, item.plan.label, now)
        touched: set[int] = set()
        for item in new:
            if item.plan.mention_id in created or item.person_id is None:
                continue
            fid = open_conversation(session, item.person_id, item.brand)
            if fid is None:  # it closed meanwhile: start a new one after all
                create_followups(session, [item], now)
            elif join(session, fid, item.plan.mention_id, item.posted_at, now):
                touched.add(fid)
        for fid in sorted(touched):
            self.replan_conversation(session, fid, "simak", now, "new post from the same person")

    def replan_conversation(
        self, session: Session, followup_id: int, actor: str, now: datetime, reason: str
    ) -> str:
        """Re-plan a conversation from all its posts (labels, priority, draft)."""
        items = [self._input(f, c) for f, c in conversation_posts(session, followup_id)]
        plan = plan_conversation(self.router, items, now) if items else None
        status = status_of(session, followup_id)
        if status not in EDITABLE:
            return f"follow-up {followup_id} is already {status}"
        if plan is None:
            move_followup(session, followup_id, "dismissed", actor, now, note=reason)
            return f"dismissed follow-up {followup_id} ({reason})"
        outcome = replan(session, followup_id, plan, actor, now, reason)
        self._auto_approve(session, followup_id, plan.label, now)
        return outcome

    def _auto_approve(self, session: Session, followup_id: int, label: str, now: datetime) -> None:
        """Approve by rule where the config opts in for this label (never staff's own text)."""
        if not self.settings.responder.rules.rule_for(label).auto_approve:  # type: ignore[arg-type]
            return
        item = get_item(session, followup_id)
        if item.status == "open" and item.draft_by is None:
            move_followup(session, followup_id, "approved", f"rule auto_approve.{label}", now)

    def _language_wanted(self, brand: str, lang: str) -> bool:
        wanted = self.settings.brand(brand).languages
        return not wanted or lang == "und" or lang in wanted

    def _input(self, facts: MentionFacts, result: Classification) -> RouteInput:
        return RouteInput(
            mention_id=facts.id,
            platform=facts.platform,
            text=facts.text,
            url=facts.url,
            brand=self.settings.brand(facts.brand).label,
            labels=tuple(result.labels),
            scores=dict(result.scores),
            lang=result.lang,
            recipient=facts.recipient,
            created_at=facts.created_at,
            person_mentions=facts.person_mentions,
        )

    def reroute(
        self, session: Session, mention_id: int, result: Classification, actor: str, now: datetime
    ) -> str:
        """Apply corrected labels to the mention's conversation; say what changed."""
        facts = mention_facts(session, mention_id)
        if "idea" in result.labels:
            self._capture_idea(session, facts, now)
        followup_id = conversation_of(session, mention_id) or followup_of_mention(
            session, mention_id
        )
        if followup_id is not None:
            return self.replan_conversation(
                session, followup_id, actor, now, f"labels of mention {mention_id} corrected"
            )
        plan = self.router.plan(self._input(facts, result), now)
        if plan is None:
            return "no follow-up needed"
        self._store(session, [self._new(plan, facts)], now)
        set_status(session, mention_id, "routed")
        return f"queued a {plan.label} follow-up"

    def _capture_idea(self, session: Session, facts: MentionFacts, now: datetime) -> None:
        capture_idea(
            session,
            mention_id=facts.id,
            person_id=facts.person_id,
            brand=facts.brand,
            title=trim(clean(facts.text), 90),
            now=now,
        )
