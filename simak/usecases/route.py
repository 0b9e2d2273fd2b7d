"""Route classified mentions: follow-ups and ideas, in the caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from common.records import Classification
from responder.base import RouteInput
from responder.routing import Router
from responder.text import clean, trim
from simak.config import Settings
from storage.followups import (
    NewFollowUp,
    create_followup,
    create_followups,
    followup_of_mention,
    replan,
    status_of,
)
from storage.followups import move as move_followup
from storage.ideas import capture_idea
from storage.mentions import set_status, set_statuses
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
        """Route each (mention, verdict); returns (follow-ups, filtered, ideas).

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
                new.append(NewFollowUp(plan, facts.person_id, facts.recipient))
            if "idea" in result.labels:
                ideas.append(facts)
        set_statuses(session, filtered, "filtered")
        create_followups(session, new, now)
        set_statuses(session, [n.plan.mention_id for n in new], "routed")
        for facts in ideas:
            self._capture_idea(session, facts, now)
        return len(new), len(filtered), len(ideas)

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
        """Apply corrected labels to the mention's follow-up; say what changed."""
        facts = mention_facts(session, mention_id)
        followup_id = followup_of_mention(session, mention_id)
        if "idea" in result.labels:
            self._capture_idea(session, facts, now)
        plan = self.router.plan(self._input(facts, result), now)
        if followup_id is None:
            if plan is None:
                return "no follow-up needed"
            create_followup(session, plan, facts.person_id, facts.recipient, now)
            set_status(session, mention_id, "routed")
            return f"queued a {plan.label} follow-up"
        if plan is None:
            if status_of(session, followup_id) in ("open", "approved", "snoozed", "failed"):
                move_followup(
                    session, followup_id, "dismissed", actor, now, note="corrected to other"
                )
                return f"dismissed follow-up {followup_id}"
            return "follow-up already closed"
        if status_of(session, followup_id) not in ("open", "approved", "snoozed", "failed"):
            return f"follow-up {followup_id} is already {status_of(session, followup_id)}"
        return replan(session, followup_id, plan, actor, now)

    def _capture_idea(self, session: Session, facts: MentionFacts, now: datetime) -> None:
        capture_idea(
            session,
            mention_id=facts.id,
            person_id=facts.person_id,
            brand=facts.brand,
            title=trim(clean(facts.text), 90),
            now=now,
        )
