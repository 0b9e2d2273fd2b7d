"""The responder section of config.yaml: defaults that work, and loud mistakes."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from responder.settings import ResponderSettings


def test_empty_section_orders_complaint_idea_praise() -> None:
    rules = ResponderSettings.model_validate({}).rules

    assert rules.complaint.priority > rules.idea.priority > rules.praise.priority
    assert rules.complaint.sla_hours < rules.idea.sla_hours < rules.praise.sla_hours
    assert (rules.complaint.sla_hours, rules.idea.sla_hours, rules.praise.sla_hours) == (4, 48, 72)
    assert rules.complaint.channels[-1] == "manual"


def test_partial_rule_keeps_that_labels_other_defaults() -> None:
    settings = ResponderSettings.model_validate({"rules": {"complaint": {"sla_hours": 2}}})

    assert settings.rules.complaint.sla_hours == 2
    assert settings.rules.complaint.priority == 70
    assert settings.rules.complaint.template == "complaint"
    assert settings.rules.praise.template == "praise"


@pytest.mark.parametrize(
    ("section", "needle"),
    [
        ({"rulez": {}}, "rulez"),
        ({"rules": {"complaint": {"sla": 4}}}, "sla"),
        ({"rules": {"idea": {"channels": ["telegram", "manual"]}}}, "telegram"),
        ({"rules": {"praise": {"priority": 101}}}, "priority"),
        ({"urgency": {"patterns": ["(unclosed"]}}, "(unclosed"),
        ({"default_language": "Indonesian"}, "default_language"),
        ({"rules": {"idea": {"template": "../etc/passwd"}}}, "template"),
        ({"business": {"offers": {"refund": {"en": "Money back!"}}}}, "offers"),
        ({"default_register": "slang"}, "default_register"),
    ],
)
def test_mistakes_are_rejected_naming_the_key(section: dict[str, object], needle: str) -> None:
    with pytest.raises(ValidationError) as caught:
        ResponderSettings.model_validate(section)

    assert needle in str(caught.value)


def test_unknown_channel_error_lists_the_valid_ones() -> None:
    with pytest.raises(ValidationError, match=r"use one of: .*manual"):
        ResponderSettings.model_validate({"rules": {"idea": {"channels": ["sms"]}}})


def test_draft_settings_are_optional_and_additive() -> None:
    settings = ResponderSettings.model_validate(
        {
            "default_register": "formal",
            "business": {
                "branches": ["Kemang", "Tebet"],
                "products": ["kopi susu", "pandan latte"],
                "offers": {"complaint": {"id": "Minuman berikutnya kami traktir."}},
            },
        }
    )

    assert ResponderSettings().business.offers == {}  # nothing is promised by default
    assert settings.default_register == "formal"
    assert settings.business.branches == ("Kemang", "Tebet")
    assert settings.business.offers["complaint"]["id"].startswith("Minuman")
