"""Responder settings: the ``responder:`` section of ``config.yaml``.

Every field has a default, so an empty ``responder: {}`` section gives a working
responder: complaints first (4 h SLA), then ideas (48 h), then praise (72 h), all
through the ``manual`` channel until real private channels exist.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from responder.channels.options import ChannelsSettings

Label = Literal["complaint", "idea", "praise"]

#: Labels in the order that decides a route: a complaint is never left waiting
#: because the same post also praised something or proposed an idea.
LABEL_PRECEDENCE: Final[tuple[Label, ...]] = ("complaint", "idea", "praise")

#: Channel keys a routing rule may name; each is configured under ``responder.channels``.
KNOWN_CHANNELS: Final = frozenset(
    {"reddit_pm", "x_dm", "mastodon_dm", "bluesky_chat", "email", "webhook", "manual"}
)

DEFAULT_CHANNELS: Final = ("reddit_pm", "x_dm", "mastodon_dm", "bluesky_chat", "email", "manual")

#: Phrases that make a complaint urgent: money at stake, fraud, legal or public
#: escalation, explicit urgency, or a problem that has lasted days. Matched as
#: regular expressions against lower-cased, accent-free text.
DEFAULT_URGENT_PATTERNS: Final = (
    r"\brefund\w*",
    r"\b(uang|dana|duit|saldo)\s+(saya|aku|gue|gw|ku)?\s*(hilang|raib|belum\s+(kembali|balik)"
    r"|ga\s+balik|gak\s+balik|nggak\s+balik|kepotong|terpotong)",
    r"\b(balikin|kembalikan)\s+(uang|dana|duit)",
    r"\b(penipu|penipuan|nipu|ditipu|tipu|scam\w*|fraud\w*)\b",
    r"\b(charged|debited)\s+twice\b|\bdouble\s+charge",
    r"\b(urgent\w*|asap|emergency|darurat|gawat)\b",
    r"\b(tolong|mohon|harap)\s+(segera|cepat)",
    r"\b(sudah|udah|udh|dah|sdh)\s+\d+\s+(hari|minggu|bulan)",
    r"\bberhari[\s-]hari\b|\bberminggu[\s-]minggu\b",
    r"\b(for|over)\s+\d+\s+(days|weeks)\b",
    r"\b(lapor\w*|melapor\w*)\s+(ke\s+)?(polisi|ylki|bpsk|ojk)",
    r"\b(somasi|lawyer|legal\s+action|chargeback|sue\s+you)\b",
    r"\b(viralkan|bakal\s+viral|spill\s+di)\b",
)


MAX_SLA_HOURS = 24 * 366
"""The longest SLA: a year (a longer one overflowed the due-time arithmetic)."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LabelRule(_Section):
    """How mentions with one label are followed up."""

    enabled: bool = Field(True, description="False: this label never creates a follow-up.")
    priority: int = Field(50, ge=0, le=100, description="Base priority, 0–100; higher = sooner.")
    sla_hours: float = Field(
        48.0, gt=0, le=MAX_SLA_HOURS, description="Hours until the follow-up is due."
    )
    channels: tuple[str, ...] = Field(
        DEFAULT_CHANNELS,
        min_length=1,
        description="Private channels to try in order; the first that can reach the person "
        "wins, and 'manual' (a task for staff) is the last resort.",
    )
    template: str = Field(
        "idea",
        pattern=r"^[a-z0-9_]+$",
        description="Template base name: drafts come from '<template>.<lang>.j2'.",
    )
    auto_approve: bool = Field(
        False,
        description="Approve this label's drafts without a person (e.g. praise thank-yous); "
        "recorded as 'rule auto_approve.<label>'. Off by default; a draft staff edited is "
        "never auto-approved.",
    )

    @field_validator("channels")
    @classmethod
    def _known_channels(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = sorted(set(value) - KNOWN_CHANNELS)
        if unknown:
            raise ValueError(
                f"unknown channel(s) {', '.join(unknown)}; "
                f"use one of: {', '.join(sorted(KNOWN_CHANNELS))}"
            )
        return value


class ComplaintRule(LabelRule):
    """Complaints: answered first, within hours."""

    priority: int = Field(70, ge=0, le=100, description="Base priority, 0–100; higher = sooner.")
    sla_hours: float = Field(
        4.0, gt=0, le=MAX_SLA_HOURS, description="Hours until the follow-up is due."
    )
    template: str = Field("complaint", pattern=r"^[a-z0-9_]+$", description="Template base name.")


class IdeaRule(LabelRule):
    """Product ideas: thanked and captured within two days."""

    priority: int = Field(40, ge=0, le=100, description="Base priority, 0–100; higher = sooner.")
    sla_hours: float = Field(
        48.0, gt=0, le=MAX_SLA_HOURS, description="Hours until the follow-up is due."
    )
    template: str = Field("idea", pattern=r"^[a-z0-9_]+$", description="Template base name.")


class PraiseRule(LabelRule):
    """Praise: a personal thank-you within three days."""

    priority: int = Field(20, ge=0, le=100, description="Base priority, 0–100; higher = sooner.")
    sla_hours: float = Field(
        72.0, gt=0, le=MAX_SLA_HOURS, description="Hours until the follow-up is due."
    )
    template: str = Field("praise", pattern=r"^[a-z0-9_]+$", description="Template base name.")


class RoutingRules(_Section):
    """One rule per label. A mention with several labels follows complaint > idea > praise."""

    complaint: ComplaintRule = Field(default_factory=ComplaintRule)
    idea: IdeaRule = Field(default_factory=IdeaRule)
    praise: PraiseRule = Field(default_factory=PraiseRule)

    def rule_for(self, label: Label) -> LabelRule:
        """The rule for ``label``."""
        rule: LabelRule = getattr(self, label)
        return rule


class UrgencySettings(_Section):
    """Cues that raise a follow-up's priority and shorten its SLA."""

    labels: tuple[Label, ...] = Field(
        ("complaint",), description="Labels whose priority urgency cues can raise."
    )
    patterns: tuple[str, ...] = Field(
        DEFAULT_URGENT_PATTERNS,
        description="Regular expressions matched against lower-cased, accent-free text.",
    )
    pattern_bump: int = Field(20, ge=0, le=100, description="Added when any pattern matches.")
    score_threshold: float = Field(
        0.9, ge=0, le=1, description="A classifier score for the label at least this high ..."
    )
    score_bump: int = Field(10, ge=0, le=100, description="... adds this to the priority.")
    sla_factor: float = Field(
        0.5, gt=0, le=1, description="SLA multiplier when a pattern matched (0.5 = twice as soon)."
    )

    @field_validator("patterns")
    @classmethod
    def _compilable(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for pattern in value:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"invalid regular expression {pattern!r}: {exc}") from exc
        return value


class SeveritySettings(_Section):
    """Complaints that harmed someone, lost them money, exposed their data or threaten the
    business come first in the queue and get the shortest SLA."""

    critical_sla_hours: float = Field(
        1.0,
        gt=0,
        le=MAX_SLA_HOURS,
        description="Hours until a critical complaint is due (the shortest SLA).",
    )
    high_sla_hours: float = Field(
        2.0, gt=0, le=MAX_SLA_HOURS, description="Hours until a high complaint is due."
    )
    critical_bump: int = Field(50, ge=0, le=100, description="Priority added when critical.")
    high_bump: int = Field(20, ge=0, le=100, description="Priority added when high.")


class LoyaltySettings(_Section):
    """Loyal customers must not feel forgotten: they move up the queue."""

    min_mentions: int = Field(
        5,
        ge=2,
        le=100_000,
        description="Mentions (this one included) that make a person a regular.",
    )
    bump: int = Field(10, ge=0, le=100, description="Priority added for a regular.")


class BusinessIdentity(_Section):
    """Who the drafts are signed by."""

    name: str | None = Field(
        None, min_length=1, description="Business display name; default: the mention's brand."
    )
    signer: str | None = Field(
        None, min_length=1, description="Staff first name signing drafts, e.g. 'Dina'."
    )
    sign_off: dict[str, str] = Field(
        default_factory=dict,
        description="Closing line per language, e.g. {id: 'Salam hangat,', en: 'Warmly,'}; "
        "languages not listed use the template's own closing.",
    )
    branches: tuple[str, ...] = Field(
        (),
        description="Branch / outlet names, e.g. [Kemang, Tebet, Senopati]: a draft confirms "
        "the branch a person named instead of asking. Empty: '<brand> <Place>' is recognised.",
    )
    products: tuple[str, ...] = Field(
        (),
        description="Product names, e.g. [kopi susu, pandan latte]: drafts can say 'glad you "
        "love the pandan latte'. Empty: no product is named in drafts.",
    )
    offers: dict[Label, dict[str, str]] = Field(
        default_factory=dict,
        description="What the business offers per label and language, e.g. {complaint: {en: "
        "'Your next drink is on us.'}}. Drafts never promise anything (refunds, gifts, "
        "vouchers) that is not written here.",
    )


class IdeaBoardSettings(_Section):
    """How near-duplicate ideas are grouped on the owner's board."""

    similarity_threshold: float | None = Field(
        None,
        gt=0,
        le=1,
        description="Minimum mean cosine (0–1) between new ideas and a group's posts to join "
        "it; default: the one measured for the vector space in use (lexical only: 0.20; with "
        "the embedded classifier's idea head: the head's own, see its card).",
    )
    regular_weight: float = Field(
        2.0,
        ge=1,
        le=10,
        description="On the board's order, a regular (reminders' test: min_positive praising "
        "posts within window_days) counts as this many people.",
    )
    half_life_days: float = Field(
        30.0,
        gt=0,
        le=3650,
        description="The board's order is people × recency: a group last asked for this many "
        "days ago counts half as much as one asked for today.",
    )
    ignore_terms: tuple[str, ...] = Field(
        (),
        description="Words that say nothing about what is asked, left out when comparing "
        "ideas (brand names and handles are left out already).",
    )


class ReminderSettings(_Section):
    """Loyal customers must not feel forgotten: who gets a personal check-in, and when."""

    min_positive: int = Field(
        3, ge=1, le=1000, description="Praising posts within window_days that make a regular."
    )
    window_days: int = Field(90, ge=1, le=3650, description="How far back praise counts.")
    quiet_days: int = Field(
        30,
        ge=1,
        le=3650,
        description="Only people nobody contacted for this many days; and at most one "
        "reminder per person per this many days.",
    )
    gift_pool: str | None = Field(
        None,
        min_length=1,
        description="Voucher pool a small gift is taken from (`simak vouchers add`); each "
        "code goes to one person once, and no gift is promised when the pool is empty.",
    )


class ResponderSettings(_Section):
    """The whole ``responder:`` section."""

    rules: RoutingRules = Field(default_factory=RoutingRules)
    urgency: UrgencySettings = Field(default_factory=UrgencySettings)
    severity: SeveritySettings = Field(default_factory=SeveritySettings)
    loyalty: LoyaltySettings = Field(default_factory=LoyaltySettings)
    business: BusinessIdentity = Field(default_factory=BusinessIdentity)
    default_language: str = Field(
        "id", pattern=r"^[a-z]{2,3}$", description="Draft language when the author's is unknown."
    )
    language_aliases: dict[str, str] = Field(
        default_factory=lambda: {"ms": "id", "jv": "id", "su": "id"},
        description="Detected language → draft language; Indonesian slang is often "
        "detected as Malay, Javanese or Sundanese.",
    )
    template_dir: Path | None = Field(
        None,
        description="Folder searched before the built-in templates (override any file): "
        "'<template>.<lang>.<formal|casual>.j2', or '<template>.<lang>.j2' for both registers.",
    )
    default_register: Literal["formal", "casual"] = Field(
        "casual",
        description="Register of a draft when a person's words show neither formal cues "
        "('saya', 'Bapak/Ibu', 'Dear') nor casual ones ('aku', 'gw', 'dong', 'lol').",
    )
    quote_max_chars: int = Field(
        160,
        ge=20,
        le=1000,
        description="Longest quote of the person's words in a draft. Quotes are whole "
        "sentences; only one sentence longer than this is shortened, to its leading whole "
        "clauses and '…', and without a clause that fits there is no quote.",
    )
    sla_from: Literal["seen", "posted"] = Field(
        "seen",
        description="Start the SLA clock when Simak routes the mention ('seen') or when it "
        "was posted ('posted'; back-filled mentions are then overdue at once).",
    )
    ideas: IdeaBoardSettings = Field(default_factory=IdeaBoardSettings)
    reminders: ReminderSettings = Field(default_factory=ReminderSettings)
    resolution_drop: int = Field(
        40,
        ge=0,
        le=100,
        description="Priority taken off a complaint conversation when the customer's newest "
        "post says it is solved (it stays open until staff close it).",
    )
    send_lease_s: float = Field(
        60.0,
        ge=5,
        le=3600,
        description="Seconds a sender owns a delivery attempt; an attempt still in flight "
        "after that (its sender died) is read back where the platform allows, else marked "
        "unknown for a person to settle — never resent blindly.",
    )
    channels: ChannelsSettings = Field(
        default_factory=ChannelsSettings,
        description="Options of each private channel (responder.channels.<key>); a channel "
        "not configured here is skipped by the rules that name it, except 'manual'.",
    )
