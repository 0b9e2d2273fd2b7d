"""The responder.channels config contract, and building channels from it."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
import yaml
from pydantic import ValidationError

from common.errors import ConfigError
from common.records import Recipient
from responder.base import Channel, RateLimits
from responder.channels.base import ChannelDeps
from responder.channels.options import ChannelsSettings
from responder.channels.registry import CHANNEL_KEYS, build_channel, build_channels
from responder.settings import ResponderSettings
from tests.fakes.bluesky import FakeBluesky
from tests.fakes.fixtures import FAKE_ENV, channels_section
from tests.fakes.mastodon import FakeMastodon
from tests.fakes.reddit import FakeReddit
from tests.fakes.smtp import SmtpSink
from tests.fakes.webhook import WebhookReceiver
from tests.fakes.x import FakeX

CONTRACT = """
responder:
  channels:
    email:
      host: smtp.example.com
      port: 587
      security: starttls          # starttls | tls | none (none only for a loopback host)
      username: ${SMTP_USER}      # optional
      password: ${SMTP_PASSWORD}  # optional
      sender: "Kopi Senja <halo@kopisenja.example>"
    webhook:
      url: https://helpdesk.example/hooks/simak
      secret: ${SIMAK_WEBHOOK_SECRET}
  rules:
    complaint: {channels: [x_dm, email, webhook, manual]}
"""


def test_the_documented_config_parses_and_builds() -> None:
    settings = ResponderSettings.model_validate(yaml.safe_load(CONTRACT)["responder"])

    built = build_channels(settings.channels, FAKE_ENV)

    assert settings.rules.complaint.channels == ("x_dm", "email", "webhook", "manual")
    assert set(built.available) == {"email", "webhook", "manual"}
    assert built.reason("x_dm") == "not configured (add responder.channels.x_dm)"
    email = settings.channels.email
    assert email is not None and email.effective_port == 587 and email.security == "starttls"
    assert built.available["email"].limits == RateLimits(None, None)  # no limit unless set


def test_a_missing_secret_makes_one_channel_unavailable_not_a_crash() -> None:
    settings = ResponderSettings.model_validate(yaml.safe_load(CONTRACT)["responder"])
    env = {k: v for k, v in FAKE_ENV.items() if k != "SMTP_PASSWORD"}

    built = build_channels(settings.channels, env)

    assert "email" not in built.available and "webhook" in built.available
    reason = built.reason("email")
    assert reason == (
        "channel 'email': environment variable SMTP_PASSWORD is not set; "
        "export SMTP_PASSWORD=... and re-run"
    )


@pytest.mark.parametrize(
    ("section", "needle"),
    [
        (
            {"email": {"host": "smtp.example.com", "security": "none", "sender": "a@b.c"}},
            "loopback",
        ),
        ({"email": {"host": "smtp.example.com", "sender": "nobody"}}, "e-mail address"),
        ({"email": {"host": "h", "sender": "a@b.c", "password": "hunter2"}}, "${MY_SECRET}"),
        ({"email": {"host": "h", "sender": "a@b.c", "username": "${U}"}}, "both username"),
        ({"email": {"host": "h", "sender": "a@b.c", "port": 70000}}, "port"),
        ({"email": {"host": "h", "sender": "a@b.c", "sendr": "x"}}, "sendr"),
        ({"webhook": {"url": "http://helpdesk.example/h"}}, "https"),
        ({"webhook": {"url": "https://h.example", "secret": "whsec_abc"}}, "${MY_SECRET}"),
        ({"x_dm": {"consumer_key": "${A}"}}, "user-context"),
        ({"x_dm": {"user_access_token": "${T}", "consumer_key": "${A}"}}, "either"),
        ({"x_dm": {"user_access_token": "${T}", "messages_per_minute": 0}}, "messages_per_minute"),
        ({"mastodon_dm": {"access_token": "${T}"}}, "api_base_url"),
        ({"bluesky_chat": {"handle": "a.b", "app_password": "${P}", "max_chars": 5000}}, "1000"),
        ({"telegram": {}}, "telegram"),
    ],
)
def test_mistakes_are_refused_naming_the_key(section: dict[str, object], needle: str) -> None:
    with pytest.raises(ValidationError) as caught:
        ChannelsSettings.model_validate(section)
    assert needle in str(caught.value)


def test_loopback_allows_plain_smtp_and_http() -> None:
    settings = ChannelsSettings.model_validate(
        {
            "email": {"host": "127.0.0.1", "security": "none", "sender": "a@b.example"},
            "webhook": {"url": "http://localhost:8080/h"},
        }
    )
    assert settings.email is not None and settings.email.effective_port == 25


def test_x_defaults_follow_published_limits() -> None:
    settings = ChannelsSettings.model_validate({"x_dm": {"user_access_token": "${T}"}})
    assert settings.x_dm is not None
    assert (settings.x_dm.messages_per_minute, settings.x_dm.messages_per_day) == (13, 1000)


def test_build_channel_from_a_mapping_names_the_bad_key() -> None:
    with pytest.raises(ConfigError, match=r"responder\.channels\.email\.port"):
        build_channel("email", {"host": "h", "sender": "a@b.c", "port": "x"}, {})
    with pytest.raises(ConfigError, match="unknown channel 'sms'"):
        build_channel("sms", {}, {})
    with pytest.raises(ConfigError, match="not configured"):
        build_channel("x_dm", None, {})
    assert build_channel("manual", None, {}).name == "manual"


def test_every_channel_is_a_channel_and_reaches_only_its_people(
    fake_x: FakeX,
    fake_reddit: FakeReddit,
    fake_mastodon: FakeMastodon,
    fake_bluesky: FakeBluesky,
    smtp_sink: SmtpSink,
    webhook_receiver: WebhookReceiver,
) -> None:
    section = channels_section(
        x=fake_x,
        reddit=fake_reddit,
        mastodon=fake_mastodon,
        bluesky=fake_bluesky,
        smtp=smtp_sink,
        webhook=webhook_receiver,
    )
    built = build_channels(ChannelsSettings.model_validate(section), FAKE_ENV, deps=ChannelDeps())

    assert set(built.available) == set(CHANNEL_KEYS) and not built.unavailable
    on_x = Recipient("Rina", "x", handle="rinaw", user_id="2244994945")
    reach = {key: channel.can_reach(on_x) for key, channel in built.available.items()}
    assert reach == {
        "reddit_pm": False,
        "x_dm": True,
        "mastodon_dm": False,
        "bluesky_chat": False,
        "email": False,
        "webhook": True,
        "manual": True,
    }
    for key, channel in built.available.items():
        assert isinstance(channel, Channel), key
        assert channel.name == key
    forms = {key: (c.form.subject, c.form.max_chars) for key, c in built.available.items()}
    assert forms == {
        "reddit_pm": (True, 10_000),
        "x_dm": (False, 10_000),
        "mastodon_dm": (False, 500),
        "bluesky_chat": (False, 1000),
        "email": (True, None),
        "webhook": (True, None),
        "manual": (True, None),
    }
    built.close()


def test_building_email_imports_no_platform_library() -> None:
    code = textwrap.dedent(
        """
        import sys
        from responder.channels.registry import build_channel
        build_channel("email", {"host": "127.0.0.1", "security": "none", "sender": "a@b.c"}, {})
        print(sorted(m for m in ("praw", "tweepy", "mastodon", "atproto") if m in sys.modules))
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
