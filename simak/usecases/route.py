"""Route classified mentions into conversations: one open follow-up per person and brand,
with one draft that answers every post; ideas are captured for the board. Everything runs
in the caller's transaction."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from common.records import Classification
from responder.base import RouteInput
from responder.draft_input import DraftHistory
from responder.routing import Conversation, Router
from responder.text import clean, trim
from simak.config import Settings
from storage.contactable import blocked, try_contact_lock
from storage.conversations import (
    conversation_of,
    join,
    label_history,
    lock_open,
    open_conversation,
    open_conversations,
)
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
from storage.mentions import set_statuses
from storage.queue import get_item
from storage.recipients import MentionFacts, mention_facts, mention_facts_many

#: "Your third suggestion this month": how far back a person's earlier posts count.
HISTORY_DAYS = 30

Post = tuple[MentionFacts, Classification]


@dataclass
class BatchRouter:
    """Creates and extends conversations, and captures ideas, in the caller's transaction."""

    settings: Settings
    router: Router
    on_approved: Callable[[Session, int], None] | None = None  # e.g. defer its delivery job

    def __call__(
        self,
        session: Session,
        ids: Sequence[int],
        results: Sequence[Classification],
        now: datetime,
    ) -> tuple[int, int, int]:
        """Route each (mention, verdict); returns (posts routed, filtered, ideas).

        A person's posts join their open conversation with the brand, else start one;
        the batch's drafts are written together.
        """
        all_facts = mention_facts_many(session, ids)
        filtered: list[int] = []
        groups: dict[tuple[object, str], list[Post]] = {}
        ideas: list[MentionFacts] = []
        for mention_id, result in zip(ids, results, strict=True):
            facts = all_facts[mention_id]
            if not self._language_wanted(facts.brand, result.lang):
                filtered.append(mention_id)
                continue
            if self.router.skeleton(Conversation((self._input(facts, result),)), now):
                who: object = facts.person_id if facts.person_id is not None else f"m{mention_id}"
                groups.setdefault((who, facts.brand), []).append((facts, result))
            if "idea" in result.labels:
                ideas.append(facts)
        set_statuses(session, filtered, "filtered")
        routed = self._route_groups(session, list(groups.values()), now)
        set_statuses(session, routed, "routed")
        for facts in ideas:
            self._capture_idea(session, facts, now)
        return len(routed), len(filtered), len(ideas)

    def _route_groups(self, session: Session, groups: list[list[Post]], now: datetime) -> list[int]:
        """Join open conversations, start the others (drafted together); the routed ids."""
        fresh: list[list[Post]] = []
        touched: set[int] = set()
        # One global order for the locks two overlapping batches may share (the open
        # conversations by id, new ones by person): they wait, never deadlock.
        groups = sorted(groups, key=lambda g: (g[0][0].person_id or 0, g[0][0].brand, g[0][0].id))
        people = [(g[0][0].person_id, g[0][0].brand) for g in groups]
        found = open_conversations(session, [(p, b) for p, b in people if p is not None])
        open_ids = lock_open(session, found)  # those closed or moved meanwhile start anew
        for group, (person_id, brand) in zip(groups, people, strict=True):
            fid = open_ids.get((person_id, brand)) if person_id is not None else None
            if fid is None:
                fresh.append(sorted(group, key=lambda p: (p[0].created_at, p[0].id)))
            else:
                touched |= self._join(session, fid, group, now)
        histories = self._histories(session, [g[-1][0].person_id for g in fresh], now)
        plans = self.router.plan_many(
            [self._conversation(session, g, now, histories) for g in fresh], now
        )
        new = [
            NewFollowUp(
                plan, g[0][0].person_id, g[0][0].brand, g[0][0].recipient, g[-1][0].created_at
            )
            for g, plan in zip(fresh, plans, strict=True)
            if plan is not None
        ]
        created = create_followups(session, new, now)
        for item, group in zip(
            new, [g for g, p in zip(fresh, plans, strict=True) if p], strict=True
        ):
            fid = created.get(item.plan.mention_id)
            if fid is None and item.person_id is not None:  # another run started one first
                fid = open_conversation(session, item.person_id, item.brand)
            if fid is None:
                continue
            if created.get(item.plan.mention_id) == fid:
                self._auto_approve(session, fid, item.plan.label, now)
                if len(group) > 1:
                    self._join(session, fid, group[1:], now)
            else:
                touched |= self._join(session, fid, group, now)
        self.replan_conversations(
            session, sorted(touched), "simak", now, "new post from the same person"
        )
        return [p[0].id for g in groups for p in g]

    def _join(self, session: Session, fid: int, posts: list[Post], now: datetime) -> set[int]:
        joined = {fid for facts, _ in posts if join(session, fid, facts.id, facts.created_at, now)}
        return joined

    def _histories(
        self, session: Session, person_ids: Sequence[int | None], now: datetime
    ) -> dict[int, dict[int, tuple[str, ...]]]:
        """person id → {mention id: labels} of their posts in the history window (one query
        per 500 people)."""
        ids = sorted({p for p in person_ids if p is not None})
        since = now - timedelta(days=HISTORY_DAYS)
        out: dict[int, dict[int, tuple[str, ...]]] = {}
        for start in range(0, len(ids), 500):
            out.update(label_history(session, ids[start : start + 500], since))
        return out

    def _conversation(
        self,
        session: Session,
        posts: Sequence[Post],
        now: datetime,
        histories: dict[int, dict[int, tuple[str, ...]]] | None = None,
    ) -> Conversation:
        """The conversation of ``posts`` with the person's label history (from
        ``histories`` when the caller fetched it for a whole batch)."""
        facts = posts[-1][0]
        exclude = {f.id for f, _ in posts}
        history = DraftHistory(window_days=HISTORY_DAYS)
        if facts.person_id is not None:
            if histories is None:
                histories = self._histories(session, [facts.person_id], now)
            earlier = histories.get(facts.person_id, {})
            counts: dict[str, int] = {}
            for mention_id, labels in earlier.items():
                if mention_id not in exclude:
                    for label in labels:
                        counts[label] = counts.get(label, 0) + 1
            history = DraftHistory(counts, HISTORY_DAYS)
        brand = self.settings.brand(facts.brand)
        return Conversation(tuple(self._input(f, c) for f, c in posts), history, tuple(brand.terms))

    def conversations(
        self, session: Session, followup_ids: Sequence[int], now: datetime
    ) -> dict[int, Conversation]:
        """The conversation of each follow-up that still has posts, as routing sees it now
        (to draft it again, e.g. for another channel)."""
        posts = {fid: p for fid in followup_ids if (p := conversation_posts(session, fid))}
        histories = self._histories(session, [p[-1][0].person_id for p in posts.values()], now)
        return {fid: self._conversation(session, p, now, histories) for fid, p in posts.items()}

    def replan_conversation(
        self, session: Session, followup_id: int, actor: str, now: datetime, reason: str
    ) -> str:
        """Re-plan a conversation from all its posts (labels, priority, one new draft)."""
        return self.replan_conversations(session, [followup_id], actor, now, reason)[0]

    def replan_conversations(
        self, session: Session, followup_ids: Sequence[int], actor: str, now: datetime, reason: str
    ) -> list[str]:
        """Re-plan conversations from all their posts, drafting them in one batch; what
        happened to each, in order (sent or closed ones are left alone)."""
        outcomes: dict[int, str] = {}
        todo: list[tuple[int, list[Post]]] = []
        for fid in followup_ids:
            status = status_of(session, fid)
            if status not in EDITABLE:
                back = f"; `simak followup reopen {fid}` brings it back"
                outcomes[fid] = f"follow-up {fid} is already {status}" + (
                    back if status == "dismissed" else ""
                )
            else:
                todo.append((fid, conversation_posts(session, fid)))
        with_posts = [(fid, posts) for fid, posts in todo if posts]
        histories = self._histories(session, [p[-1][0].person_id for _, p in with_posts], now)
        plans = self.router.plan_many(
            [self._conversation(session, posts, now, histories) for _, posts in with_posts], now
        )
        plan_of = {fid: plan for (fid, _), plan in zip(with_posts, plans, strict=True)}
        for fid, _ in todo:
            plan = plan_of.get(fid)
            if plan is None:
                move_followup(session, fid, "dismissed", actor, now, note=reason)
                outcomes[fid] = f"dismissed follow-up {fid} ({reason})"
                continue
            outcomes[fid] = replan(session, fid, plan, actor, now, reason)
            self._auto_approve(session, fid, plan.label, now)
        return [outcomes[fid] for fid in followup_ids]

    def _auto_approve(self, session: Session, followup_id: int, label: str, now: datetime) -> None:
        """Approve by rule where the config opts in for this label (never staff's own text,
        nor anything to someone who must not be contacted: staff decide on those)."""
        if not self.settings.responder.rules.rule_for(label).auto_approve:  # type: ignore[arg-type]
            return
        item = get_item(session, followup_id)
        if item.status != "open" or item.draft_by is not None:
            return
        # this batch holds row locks already, so it only tries the contact lock: while a
        # "do not contact" mark or a merge is in flight the follow-up stays open for staff
        if not try_contact_lock(session):
            return
        if blocked(session, item.person_id):  # approving would be refused: leave it open
            return
        move_followup(session, followup_id, "approved", f"rule auto_approve.{label}", now)
        if self.on_approved is not None:
            self.on_approved(session, followup_id)

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
            severity=result.severity,
            severity_reason=result.severity_reason,
            severity_score=result.severity_score,
        )

    def reroute(
        self,
        session: Session,
        mention_id: int,
        result: Classification,
        actor: str,
        now: datetime,
        *,
        by: str | None = None,
    ) -> str:
        """Apply corrected labels to the mention's conversation; say what changed. ``by``
        names the model when the labels come from re-classifying (`simak reclassify`)."""
        facts = mention_facts(session, mention_id)
        if "idea" in result.labels:
            self._capture_idea(session, facts, now)
        followup_id = conversation_of(session, mention_id) or followup_of_mention(
            session, mention_id
        )
        if followup_id is not None:
            _reopen_if_corrected_away(session, followup_id, actor, now)
            how = f"re-classified by {by}" if by else "corrected"
            return self.replan_conversation(
                session, followup_id, actor, now, f"{_CORRECTED_NOTE} {mention_id} {how}"
            )
        if not self.router.skeleton(Conversation((self._input(facts, result),)), now):
            return "no follow-up needed"
        set_statuses(session, self._route_groups(session, [[(facts, result)]], now), "routed")
        return self._routed_to(session, mention_id)

    @staticmethod
    def _routed_to(session: Session, mention_id: int) -> str:
        """Where a corrected mention went: a new follow-up, or its person's open one."""
        joined = conversation_of(session, mention_id)
        own = followup_of_mention(session, mention_id)
        if joined is not None and joined != own:
            return f"added to follow-up {joined}, the person's open conversation"
        if own is not None or joined is not None:
            return f"queued follow-up {own or joined}"
        return f"queued a follow-up for mention {mention_id}"

    def _capture_idea(self, session: Session, facts: MentionFacts, now: datetime) -> None:
        capture_idea(
            session,
            mention_id=facts.id,
            person_id=facts.person_id,
            brand=facts.brand,
            title=trim(clean(facts.text), 90),
            now=now,
        )


_CORRECTED_NOTE = "labels of mention"
_CORRECTED_AWAY = re.compile(rf"^{_CORRECTED_NOTE} \d+ (corrected|re-classified by .+)$")


def _reopen_if_corrected_away(
    session: Session, followup_id: int, actor: str, now: datetime
) -> None:
    """A follow-up that a correction or a re-classification dismissed (its post re-labelled
    to no label) comes back when either gives the post a label again (its re-plan then
    decides); one a person dismissed stays dismissed. A compare-and-set from ``dismissed``."""
    if status_of(session, followup_id) != "dismissed":
        return
    if _CORRECTED_AWAY.match(get_item(session, followup_id).status_note or ""):
        move_followup(
            session, followup_id, "open", actor, now, note="labels corrected again",
            only_from=("dismissed",),
        )  # fmt: skip
