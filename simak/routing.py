"""Glue between stored mentions and the responder: route a classified batch."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from classifier.base import Classification
from responder.base import Recipient, RouteInput
from responder.ideas import IdeaGroup, assign_group
from responder.routing import Router
from responder.text import clean, trim
from simak.config import Settings
from storage.followups import (
    create_followup,
    followup_of_mention,
    get_item,
    replan,
    transition,
)
from storage.ideas import add_idea, stored_ideas
from storage.mentions import set_status
from storage.models import Handle, MentionRow, Person


def _recipient(session: Session, mention: MentionRow) -> tuple[Recipient, int]:
    person = mention.person
    handle = None
    if person is not None:
        handle = session.scalar(
            select(Handle).where(Handle.person_id == person.id, Handle.platform == mention.platform)
        )
    recipient = Recipient(
        name=(person.display_name if person else None) or mention.author_name,
        platform=mention.platform,
        handle=handle.handle if handle else mention.author_handle,
        user_id=handle.user_id if handle else None,
        email=(person.email if person else None) or (handle.email if handle else None),
    )
    count = 1
    if person is not None:
        count = int(
            session.scalar(
                select(func.count())
                .select_from(MentionRow)
                .where(MentionRow.person_id == person.id)
            )
            or 1
        )
    return recipient, count


@dataclass
class BatchRouter:
    """Creates follow-ups and ideas for classified mentions, in the caller's transaction."""

    settings: Settings
    router: Router

    def __call__(
        self, session: Session, ids: Sequence[int], results: Sequence[Classification], now: datetime
    ) -> tuple[int, int, int]:
        routed = filtered = ideas = 0
        for mention_id, result in zip(ids, results, strict=True):
            mention = session.get(MentionRow, mention_id)
            if mention is None:
                continue
            if not self._language_wanted(mention.brand, result.lang):
                set_status(session, mention_id, "filtered")
                filtered += 1
                continue
            if self._route_one(session, mention, result, now):
                routed += 1
            if "idea" in result.labels:
                self._capture_idea(session, mention, now)
                ideas += 1
        return routed, filtered, ideas

    def _idea_noise(self, brand_name: str) -> list[str]:
        # Brand words say nothing about *what* is asked; leave them out of similarity.
        brand = self.settings.brand(brand_name)
        return [
            brand.label,
            brand.name,
            *brand.terms,
            *brand.handles.values(),
            *self.settings.responder.ideas.ignore_terms,
        ]

    def _language_wanted(self, brand: str, lang: str) -> bool:
        wanted = self.settings.brand(brand).languages
        return not wanted or lang == "und" or lang in wanted

    def _input(self, session: Session, mention: MentionRow, result: Classification) -> RouteInput:
        recipient, count = _recipient(session, mention)
        return RouteInput(
            mention_id=mention.id,
            platform=mention.platform,
            text=mention.text,
            url=mention.url,
            brand=self.settings.brand(mention.brand).label,
            labels=tuple(result.labels),
            scores=dict(result.scores),
            lang=result.lang,
            recipient=recipient,
            created_at=mention.created_at,
            person_mentions=count,
        )

    def _route_one(
        self, session: Session, mention: MentionRow, result: Classification, now: datetime
    ) -> bool:
        plan = self.router.plan(self._input(session, mention, result), now)
        if plan is None:
            return False
        create_followup(session, plan, mention.person_id, now)
        set_status(session, mention.id, "routed")
        return True

    def reroute(
        self, session: Session, mention_id: int, result: Classification, actor: str, now: datetime
    ) -> str:
        """Apply corrected labels to the mention's follow-up; say what changed."""
        mention = session.get(MentionRow, mention_id)
        if mention is None:
            return "mention not found"
        followup_id = followup_of_mention(session, mention_id)
        if "idea" in result.labels:
            self._capture_idea(session, mention, now)
        plan = self.router.plan(self._input(session, mention, result), now)
        if followup_id is None:
            if plan is None:
                return "no follow-up needed"
            create_followup(session, plan, mention.person_id, now)
            set_status(session, mention_id, "routed")
            return f"queued a {plan.label} follow-up"
        if plan is None:
            item = get_item(session, followup_id)
            if item.status in ("open", "approved", "snoozed"):
                transition(session, followup_id, "dismissed", actor, now, "corrected to other")
                return f"dismissed follow-up {followup_id}"
            return "follow-up already closed"
        replan(session, followup_id, plan, actor, now)
        return f"follow-up {followup_id} now routed as {plan.label}"

    def _capture_idea(self, session: Session, mention: MentionRow, now: datetime) -> None:
        groups: dict[str, IdeaGroup] = {}
        for idea in stored_ideas(session, mention.brand):
            if idea.group_key not in groups:  # the first idea of a group represents it
                groups[idea.group_key] = IdeaGroup(
                    idea.group_key, idea.text, idea.text, (idea.mention_id,)
                )
        ideas = self.settings.responder.ideas
        key = assign_group(
            mention.text,
            list(groups.values()),
            threshold=ideas.similarity_threshold,
            ignore=self._idea_noise(mention.brand),
        )
        add_idea(
            session,
            mention_id=mention.id,
            person_id=mention.person_id,
            brand=mention.brand,
            group_key=key,
            title=trim(clean(mention.text), 90),
            now=now,
        )


def person_of(session: Session, person_id: int) -> Person | None:
    """A person by id."""
    return session.get(Person, person_id)
