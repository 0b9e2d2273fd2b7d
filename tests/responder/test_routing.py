"""Routing: which label decides, how urgent, which private channel."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest

from common.errors import ConfigError
from responder.base import Channel, MessageForm, PrivateMessage, Recipient, SendReceipt
from responder.channels.base import ChannelDeps
from responder.channels.email import build as build_email
from responder.channels.manual import ManualChannel
from responder.channels.options import EmailOptions
from responder.routing import Router
from responder.settings import ResponderSettings

from .conftest import MakeItem


@dataclass
class FakeDM:
    """A private channel that can reach only people with a handle on its platform."""

    name: str
    platform: str

    def can_reach(self, recipient: Recipient) -> bool:
        return recipient.platform == self.platform and recipient.handle is not None

    def unreachable(self, recipient: Recipient) -> str:
        return f"{self.name}: no {self.platform} handle known"

    def send(self, message: PrivateMessage) -> SendReceipt:
        return SendReceipt(channel=self.name, external_id="m1", delivered=True)

    @property
    def form(self) -> MessageForm:
        return MessageForm(subject=False, max_chars=1000)


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        (("praise", "complaint", "idea"), "complaint"),
        (("praise", "idea"), "idea"),
        (("idea", "complaint"), "complaint"),
        (("praise",), "praise"),
    ],
)
def test_complaint_beats_idea_beats_praise(
    router: Router, make_item: MakeItem, now: datetime, labels: tuple[str, ...], expected: str
) -> None:
    plan = router.plan(make_item(labels=labels), now)

    assert plan is not None
    assert plan.label == expected


def test_other_gets_no_follow_up(router: Router, make_item: MakeItem, now: datetime) -> None:
    assert router.plan(make_item(labels=()), now) is None


def test_disabled_label_passes_to_the_next(make_item: MakeItem, now: datetime) -> None:
    settings = ResponderSettings.model_validate({"rules": {"complaint": {"enabled": False}}})
    router = Router(settings, [ManualChannel()])

    plan = router.plan(make_item(labels=("complaint", "praise")), now)
    only_complaint = router.plan(make_item(labels=("complaint",)), now)

    assert plan is not None
    assert plan.label == "praise"
    assert only_complaint is None


def test_plain_complaint_gets_base_priority_and_sla(
    router: Router, make_item: MakeItem, now: datetime
) -> None:
    item = make_item(
        text="Kopinya agak pahit hari ini", labels=("complaint",), scores={"complaint": 0.7}
    )

    plan = router.plan(item, now)

    assert plan is not None
    assert (plan.priority, plan.due_at) == (70, now + timedelta(hours=4))
    assert plan.mention_id == item.mention_id


@pytest.mark.parametrize(
    "text",
    [
        "Mana refund saya?? sudah seminggu",
        "ini penipuan, barang ga dikirim",
        "app nya error, sudah 3 hari ga bisa login",
        "udah 5 hari pesanan belum sampai",
        "TOLONGGG SEGERA dibalas",
        "Urgent: charged twice for one order",
        "my order has been stuck for 4 days",
        "saldo saya hilang setelah top up",
    ],
)
def test_urgency_cues_raise_priority_and_shorten_sla(
    router: Router, make_item: MakeItem, now: datetime, text: str
) -> None:
    plan = router.plan(make_item(text=text, labels=("complaint",), scores={"complaint": 0.7}), now)

    assert plan is not None
    assert plan.priority == 90
    assert plan.due_at == now + timedelta(hours=2)


def test_urgency_words_in_praise_do_not_raise_it(
    router: Router, make_item: MakeItem, now: datetime
) -> None:
    plan = router.plan(make_item(text="Refund diproses cepat, mantap!", labels=("praise",)), now)

    assert plan is not None
    assert plan.priority == 20


def test_confident_complaint_ranks_above_a_doubtful_one(
    router: Router, make_item: MakeItem, now: datetime
) -> None:
    sure = router.plan(make_item(labels=("complaint",), scores={"complaint": 0.97}), now)
    unsure = router.plan(make_item(labels=("complaint",), scores={"complaint": 0.55}), now)

    assert sure is not None
    assert unsure is not None
    assert sure.priority > unsure.priority


def test_loyal_customer_is_raised(router: Router, make_item: MakeItem, now: datetime) -> None:
    regular = router.plan(make_item(person_mentions=8), now)
    newcomer = router.plan(make_item(person_mentions=1), now)

    assert regular is not None
    assert newcomer is not None
    assert regular.priority == newcomer.priority + 10


def test_priority_is_capped(router: Router, make_item: MakeItem, now: datetime) -> None:
    item = make_item(
        text="penipuan! refund sekarang",
        labels=("complaint",),
        scores={"complaint": 0.99},
        person_mentions=20,
    )

    plan = router.plan(item, now)

    assert plan is not None
    assert plan.priority == 100


def test_first_channel_that_can_reach_wins(make_item: MakeItem, now: datetime) -> None:
    channels: list[Channel] = [FakeDM("reddit_pm", "reddit"), FakeDM("x_dm", "x"), ManualChannel()]
    router = Router(ResponderSettings(), channels)

    on_x = router.plan(make_item(platform="x"), now)
    on_reddit = router.plan(make_item(platform="reddit", handle="u/rina"), now)

    assert on_x is not None
    assert on_reddit is not None
    assert (on_x.channel, on_reddit.channel) == ("x_dm", "reddit_pm")


def test_unreachable_person_falls_back_to_manual(make_item: MakeItem, now: datetime) -> None:
    router = Router(ResponderSettings(), [FakeDM("x_dm", "x"), ManualChannel()])

    plan = router.plan(make_item(platform="x", handle=None), now)

    assert plan is not None
    assert plan.channel == "manual"


def test_channel_not_in_the_preference_list_is_never_used(
    make_item: MakeItem, now: datetime
) -> None:
    settings = ResponderSettings.model_validate({"rules": {"praise": {"channels": ["email"]}}})
    router = Router(settings, [FakeDM("x_dm", "x"), ManualChannel()])

    plan = router.plan(make_item(platform="x"), now)

    assert plan is not None
    assert plan.channel == "manual"


def test_router_refuses_to_run_without_manual() -> None:
    with pytest.raises(ConfigError, match="ManualChannel"):
        Router(ResponderSettings(), [FakeDM("x_dm", "x")])


def test_sla_can_count_from_posting(make_item: MakeItem, now: datetime) -> None:
    settings = ResponderSettings.model_validate({"sla_from": "posted"})
    item = make_item(labels=("idea",))

    plan = Router(settings, [ManualChannel()]).plan(item, now)

    assert plan is not None
    assert plan.due_at == item.created_at + timedelta(hours=48)


def test_plan_carries_the_draft_in_the_authors_language(
    router: Router, make_item: MakeItem, now: datetime
) -> None:
    plan = router.plan(make_item(lang="en", text="Best flat white in town"), now)

    assert plan is not None
    assert plan.lang == "en"
    assert plan.subject == "Thank you, Rina!"
    assert "Best flat white in town" in plan.draft


def test_explain_says_why_an_item_is_urgent(router: Router, make_item: MakeItem) -> None:
    item = make_item(
        text="Refund belum masuk",
        labels=("complaint",),
        scores={"complaint": 0.95},
        person_mentions=6,
    )

    why = router.explain(item)

    assert why is not None
    assert why.priority == 100
    assert why.urgent
    assert why.reasons == (
        "urgent: 'refund'",
        "strong complaint: score 0.95",
        "regular: 6 mentions",
    )
    assert router.explain(make_item(labels=())) is None


def test_the_channel_note_names_only_channels_that_concern_the_person() -> None:
    unavailable = {"reddit_pm": "not configured (add responder.channels.reddit_pm)"}
    router = Router(
        ResponderSettings(), [FakeDM("x_dm", "x"), ManualChannel()], unavailable=unavailable
    )
    order = ("reddit_pm", "x_dm", "email", "manual")
    reviewer = Recipient(name="Maya", platform="instagram", handle="maya")
    redditor = Recipient(name=None, platform="reddit", handle="u_budi")
    emailer = Recipient(name="Rina", platform="review", email="rina@example.com")

    assert router.channel_choice(order, reviewer) == ("manual", None)
    channel, note = router.channel_choice(order, redditor)
    assert channel == "manual" and note is not None
    assert note == "reddit_pm: not configured (add responder.channels.reddit_pm)"
    assert "x_dm" not in note
    channel, note = router.channel_choice(order, emailer)
    assert channel == "manual" and note == "email: not configured"


def test_the_channel_note_says_why_a_known_address_is_not_used() -> None:
    """A header-injection address was 'cannot address this person (no handle, user id or
    email known)' while people show listed the address: the channel now says what is wrong."""
    email = build_email(
        EmailOptions(host="127.0.0.1", sender="Kopi <halo@kopisenja.example>"), {}, ChannelDeps()
    )
    router = Router(ResponderSettings(), [email, FakeDM("x_dm", "x"), ManualChannel()])
    evil = Recipient(
        name="Mail", platform="x", handle=None, email="m@example.com\r\nBcc: e@example.com"
    )

    channel, note = router.channel_choice(("email", "x_dm", "manual"), evil)

    assert channel == "manual"
    assert note == (
        "email: 'm@example.com\\r\\nBcc: e@example.com' is not a usable e-mail address; "
        "x_dm: no x handle known"
    )
