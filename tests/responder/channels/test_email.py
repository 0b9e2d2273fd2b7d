"""email: real smtplib against a local aiosmtpd server (plain, STARTTLS, implicit TLS)."""

from __future__ import annotations

import socket

import pytest
from pydantic import ValidationError

from common.errors import AccountRefused, DeliveryFailed, OutcomeUnknown, RetryLater, Unreachable
from common.records import Recipient
from responder.channels.email import EmailChannel, message_id
from responder.channels.options import EmailOptions
from tests.fakes.fixtures import FAKE_ENV, email_options
from tests.fakes.server import free_port
from tests.fakes.smtp import SmtpSink
from tests.responder.channels.conftest import Build, Clock, message

RINA = Recipient("Rina Wulandari", "x", handle="rinaw", email="rina@example.com")


def channel_for(build: Build, sink: SmtpSink, **extra: object) -> EmailChannel:
    channel = build("email", email_options(sink, **extra))
    assert isinstance(channel, EmailChannel)
    return channel


def test_sends_one_plain_text_mail_with_a_stable_message_id(
    build: Build, smtp_sink: SmtpSink
) -> None:
    channel = channel_for(build, smtp_sink)

    receipt = channel.send(
        message(RINA, "Halo Kak Rina,\nmaaf ya, pesanan Kakak telat. Rp50.000 kembali.")
    )

    assert smtp_sink.count("rina@example.com") == 1
    mail = smtp_sink.mails[0]
    assert mail.message_id == receipt.external_id == message_id("simak-fu-42", "kopisenja.example")
    assert mail.mail_from == "halo@kopisenja.example"
    assert mail.message["Subject"] == "Soal pesanan Kakak"
    assert mail.message["To"] == "Rina Wulandari <rina@example.com>"
    assert mail.message["Content-Language"] == "id"
    assert mail.message.get_content_type() == "text/plain"
    assert "Rp50.000 kembali." in mail.message.get_content()
    assert "List-Unsubscribe" not in mail.message  # a reply to their complaint
    assert smtp_sink.logins == [("bot", True)]


def test_every_attempt_carries_the_same_message_id(build: Build, smtp_sink: SmtpSink) -> None:
    channel = channel_for(build, smtp_sink)
    other = message(RINA, idempotency_key="simak-fu-43")

    channel.send(message(RINA))
    channel.send(message(RINA))
    channel.send(other)

    ids = smtp_sink.per_message_id()
    assert sorted(ids.values()) == [1, 2]  # same follow-up twice → same id; another differs
    assert smtp_sink.logins == [("bot", True)]  # one connection for all three


def test_thanks_carry_one_click_unsubscribe(build: Build, smtp_sink: SmtpSink) -> None:
    channel = channel_for(build, smtp_sink)

    channel.send(message(RINA, kind="thanks", unsubscribe=("https://kopisenja.example/u/t0k",)))
    channel.send(message(RINA, kind="announcement", idempotency_key="k2"))

    first, second = (m.message for m in smtp_sink.mails)
    # (Python folds the long header onto a continuation line; unfolded it is the same)
    assert first["List-Unsubscribe"].strip() == (
        "<https://kopisenja.example/u/t0k>, <mailto:unsubscribe@kopisenja.example>"
    )
    assert first["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert second["List-Unsubscribe"].strip() == "<mailto:unsubscribe@kopisenja.example>"
    assert "List-Unsubscribe-Post" not in second  # one-click needs an https URI


def test_promotional_mail_without_any_unsubscribe_is_refused(
    build: Build, smtp_sink: SmtpSink
) -> None:
    channel = channel_for(build, smtp_sink, unsubscribe_mailto=None)

    with pytest.raises(DeliveryFailed, match="unsubscribe"):
        channel.send(message(RINA, kind="reminder"))
    with pytest.raises(DeliveryFailed, match=r"^email: an announcement e-mail .*followup retry"):
        channel.send(message(RINA, kind="announcement", idempotency_key="k2"))
    assert smtp_sink.count() == 0


SMTP = {"host": "localhost", "security": "none", "sender": "Crumb & Co <hi@crumb.example>"}


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("unsubscribe@crumbandco.example", "mailto:unsubscribe@crumbandco.example"),
        ("mailto:unsubscribe@crumbandco.example", "mailto:unsubscribe@crumbandco.example"),
    ],
)
def test_unsubscribe_mailto_takes_a_plain_address(given: str, stored: str) -> None:
    options = EmailOptions.model_validate({**SMTP, "unsubscribe_mailto": given})
    assert options.unsubscribe_mailto == stored


def test_an_unsubscribe_mailto_that_is_no_address_says_how_to_write_it() -> None:
    with pytest.raises(ValidationError, match=r"write mailto:unsubscribe@your-domain"):
        EmailOptions.model_validate({**SMTP, "unsubscribe_mailto": "unsubscribe"})


def test_non_ascii_and_dot_lines_survive(build: Build, smtp_sink: SmtpSink) -> None:
    channel = channel_for(build, smtp_sink)
    body = "Terima kasih 🙏 Kak Zoë!\n.\n.dimulai dengan titik\nSalam hangat,"

    channel.send(message(RINA, body, subject="Makasih — Kopi Senja ☕"))

    mail = smtp_sink.mails[0].message
    assert mail.get_content().replace("\r\n", "\n").rstrip("\n") == body  # wire has CRLF
    assert mail["Subject"] == "Makasih — Kopi Senja ☕"


def test_starttls_with_a_private_ca(build: Build, smtp_sink_starttls: SmtpSink) -> None:
    channel = channel_for(build, smtp_sink_starttls)

    channel.send(message(RINA))

    assert smtp_sink_starttls.count("rina@example.com") == 1


def test_implicit_tls(build: Build) -> None:
    with SmtpSink(security="tls", auth=("bot", "pw")) as sink:
        channel = channel_for(build, sink)
        channel.send(message(RINA))
        assert sink.count("rina@example.com") == 1


def test_untrusted_certificate_is_a_failure(build: Build, smtp_sink_starttls: SmtpSink) -> None:
    channel = channel_for(build, smtp_sink_starttls, ca_file=None)

    with pytest.raises(AccountRefused, match="ca_file"):
        channel.send(message(RINA))


def test_wrong_password_is_a_failure(build: Build, smtp_sink: SmtpSink) -> None:
    options = email_options(smtp_sink)
    channel = build("email", options, {**FAKE_ENV, "SMTP_PASSWORD": "wrong"})

    with pytest.raises(AccountRefused, match="refused the login"):
        channel.send(message(RINA))
    assert smtp_sink.count() == 0


def test_connection_dropped_after_data_is_unknown_and_never_resent(
    build: Build, smtp_sink: SmtpSink, clock: Clock
) -> None:
    channel = channel_for(build, smtp_sink)
    smtp_sink.drop_after_data()

    with pytest.raises(OutcomeUnknown, match="after the message was sent"):
        channel.send(message(RINA))
    with pytest.raises(OutcomeUnknown) as back:
        channel.read_back(message(RINA), clock())

    assert smtp_sink.count("rina@example.com") == 1  # it did arrive; only a person can know
    assert back.value.retry_at is None
    assert message_id("simak-fu-42", "kopisenja.example") in str(back.value)


def test_no_answer_after_data_is_unknown(build: Build, smtp_sink: SmtpSink) -> None:
    channel = channel_for(build, smtp_sink, timeout_s=0.3)
    smtp_sink.hang_after_data()

    with pytest.raises(OutcomeUnknown):
        channel.send(message(RINA))
    assert smtp_sink.count() == 1


def test_refusals(build: Build, smtp_sink: SmtpSink) -> None:
    channel = channel_for(build, smtp_sink)
    smtp_sink.reject_rcpt("gone@example.com")
    smtp_sink.reject_rcpt("full@example.com", "452 4.2.2 Mailbox full")
    smtp_sink.defer_next_data()

    with pytest.raises(RetryLater, match="451"):
        channel.send(message(RINA))
    with pytest.raises(Unreachable, match="550"):
        channel.send(message(Recipient(None, "file", email="gone@example.com")))
    with pytest.raises(RetryLater, match="452"):
        channel.send(message(Recipient(None, "file", email="full@example.com")))
    channel.send(message(RINA))  # the channel recovers after each refusal

    assert smtp_sink.count() == 1


def test_connection_refused_is_retry_later(build: Build) -> None:
    channel = build(
        "email",
        {"host": "127.0.0.1", "port": free_port(), "security": "none", "sender": "a@b.example"},
    )

    with pytest.raises(RetryLater, match="could not open"):
        channel.send(message(RINA))


def test_a_connection_the_server_closed_is_reopened(build: Build, smtp_sink: SmtpSink) -> None:
    channel = channel_for(build, smtp_sink)
    channel.send(message(RINA))
    assert isinstance(channel, EmailChannel)
    # the connection dies while idle (as when the server times it out)
    channel._smtp.sock.shutdown(socket.SHUT_RDWR)  # type: ignore[union-attr]

    channel.send(message(RINA, idempotency_key="k2"))

    assert smtp_sink.count() == 2
    assert len(smtp_sink.logins) == 2


def test_check_needs_an_address(build: Build, smtp_sink: SmtpSink) -> None:
    channel = channel_for(build, smtp_sink)

    assert channel.check(RINA).ok
    assert channel.check(Recipient(None, "x", handle="rinaw")).reason == (
        "email: no e-mail address known for this person"
    )
    assert not channel.check(Recipient(None, "x", email="not an address")).ok
    assert channel.limits.per_minute is None  # no limit unless set
    with pytest.raises(Unreachable):
        channel.send(message(Recipient(None, "x", handle="rinaw")))


def test_platform_names_and_tags_make_valid_headers(build: Build, smtp_sink: SmtpSink) -> None:
    """A display name with a newline, comma, quotes or emoji is one quoted name, never a
    second address or a crash; a language that is no tag is left out."""
    channel = channel_for(build, smtp_sink)
    odd = Recipient('Rina 🌸 "Kak",\nW.\x00', "bluesky", email="rina@example.com")

    channel.send(message(odd, lang="id\nBcc: x@y.example", subject="Maaf ☕\r\nBcc: x@y"))

    mail = smtp_sink.mails[0]
    (to,) = mail.message["To"].addresses
    assert (to.display_name, to.addr_spec) == ('Rina 🌸 "Kak", W.', "rina@example.com")
    assert mail.message["Subject"] == "Maaf ☕ Bcc: x@y"
    assert "Content-Language" not in mail.message and "Bcc" not in mail.message
    assert mail.rcpt_tos == ("rina@example.com",)


def test_an_address_with_a_utf8_local_part_goes_by_smtputf8(
    build: Build, smtp_sink: SmtpSink
) -> None:
    channel = channel_for(build, smtp_sink)

    channel.send(message(Recipient("Rína", "x", email="rína@contoh.example")))

    assert smtp_sink.count("rína@contoh.example") == 1
