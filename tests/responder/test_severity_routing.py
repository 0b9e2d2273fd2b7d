"""Severity in routing: critical first, its reason shown, the shortest SLA, a conversation
as severe as its most severe post."""

from __future__ import annotations

from datetime import datetime, timedelta

from responder.routing import Conversation, Router
from responder.settings import ResponderSettings

from .conftest import MakeItem

COMPLAINT = {"labels": ("complaint",), "scores": {"praise": 0.0, "complaint": 0.7, "idea": 0.0}}


def test_critical_complaint_carries_reason_bump_and_shortest_sla(
    router: Router, make_item: MakeItem, now: datetime
) -> None:
    ordinary = router.plan(make_item(text="kopinya encer", **COMPLAINT), now)
    critical = router.plan(
        make_item(
            text="abis minum es kopinya langsung mules sampe pagi",
            severity="critical",
            severity_reason="possible food poisoning",
            **COMPLAINT,
        ),
        now,
    )
    assert ordinary is not None and critical is not None
    assert ordinary.severity == "normal" and ordinary.severity_reason is None
    assert critical.severity == "critical"
    assert critical.severity_reason == "critical: possible food poisoning"
    bump = ResponderSettings().severity.critical_bump
    assert critical.priority == min(ordinary.priority + bump, 100)
    assert critical.due_at == now + timedelta(hours=1)  # sla_from: seen
    assert ordinary.due_at == now + timedelta(hours=4)


def test_critical_sla_is_configurable(make_item: MakeItem, now: datetime) -> None:
    from responder.channels.manual import ManualChannel

    settings = ResponderSettings.model_validate({"severity": {"critical_sla_hours": 0.25}})
    plan = Router(settings, [ManualChannel()]).plan(
        make_item(severity="critical", severity_reason="legal threat", **COMPLAINT), now
    )
    assert plan is not None and plan.due_at == now + timedelta(minutes=15)


def test_severity_applies_to_complaints_only(
    router: Router, make_item: MakeItem, now: datetime
) -> None:
    plan = router.plan(make_item(severity="critical", severity_reason="injury"), now)  # praise
    assert plan is not None and plan.label == "praise" and plan.severity == "normal"


def test_conversation_takes_its_most_severe_post(
    router: Router, make_item: MakeItem, now: datetime
) -> None:
    posts = (
        make_item(mention_id=1, text="antriannya lama", severity="normal", **COMPLAINT),
        make_item(
            mention_id=2,
            text="saldo kepotong dua kali",
            severity="critical",
            severity_reason="money lost (double or wrongful charge)",
            **COMPLAINT,
        ),
        make_item(mention_id=3, text="refund belum masuk", severity="high", **COMPLAINT),
    )
    (plan,) = router.plan_many([Conversation(posts)], now)
    assert plan is not None
    assert plan.severity == "critical"
    assert plan.severity_reason == "critical: money lost (double or wrongful charge)"
    high = router.plan_many([Conversation((posts[0], posts[2]))], now)[0]
    assert high is not None and high.severity == "high" and high.severity_reason == "high"


def test_plan_keeps_the_surest_critical_score(
    router: Router, make_item: MakeItem, now: datetime
) -> None:
    posts = (
        make_item(mention_id=1, severity="critical", severity_score=0.6, **COMPLAINT),
        make_item(mention_id=2, severity="critical", severity_score=1.0, **COMPLAINT),
    )
    (plan,) = router.plan_many([Conversation(posts)], now)
    assert plan is not None and plan.severity_score == 1.0
