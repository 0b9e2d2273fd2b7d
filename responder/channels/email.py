"""``email``: a plain-text e-mail through SMTP (smtplib, STARTTLS or implicit TLS).

Each follow-up has one ``Message-ID``, derived from its idempotency key, so every attempt
carries the same id. One SMTP transaction per attempt, driven step by step so the outcome
is exact: a failure up to the server's ``354`` after ``DATA`` means nothing was sent
(``RetryLater``), and losing the connection after the message body left means the outcome
is unknown — SMTP offers no way to ask, so a person settles it (with the Message-ID to
search the relay's log for). Thank-yous, reminders and announcements carry RFC 8058
one-click unsubscribe headers; replies to the person's own complaint do not.

The connection is kept open between sends (a bench of 1,000 messages pays one handshake);
a connection the server closed while idle is reopened once before ``MAIL FROM``.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import smtplib
import socket
import ssl
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP, SMTPUTF8
from email.utils import format_datetime, parseaddr
from typing import Final

from common.credentials import resolve_optional
from common.errors import (
    AccountRefused,
    ChannelError,
    DeliveryFailed,
    OutcomeUnknown,
    RetryLater,
    Unreachable,
)
from responder.base import PrivateMessage, Recipient, SendReceipt
from responder.channels.base import BaseChannel, ChannelDeps
from responder.channels.options import EmailOptions

_ADDRESS: Final = re.compile(r"^[^@\s<>(),;:\"\[\]]+@[^@\s<>(),;:\"\[\]]+\.[^@\s<>(),;:\"\[\]]+$")
_DOT_LINE: Final = re.compile(rb"(?m)^\.")
_LANG: Final = re.compile(r"^[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8})*$")  # a BCP 47 tag


def message_id(idempotency_key: str, domain: str) -> str:
    """The follow-up's Message-ID: the same on every attempt, unique per follow-up."""
    digest = hashlib.sha256(idempotency_key.encode("utf-8")).hexdigest()[:32]
    return f"<simak.{digest}@{domain}>"


class EmailChannel(BaseChannel[EmailOptions]):
    """Sends one e-mail per attempt over a kept-open, authenticated SMTP connection."""

    key = "email"
    noun = "e-mail"

    def __init__(
        self,
        options: EmailOptions,
        *,
        username: str | None = None,
        password: str | None = None,
        deps: ChannelDeps | None = None,
    ) -> None:
        super().__init__(options, deps=deps)
        self._username = username
        self._password = password
        self._smtp: smtplib.SMTP | None = None
        self._lock = threading.Lock()
        _, self._sender = parseaddr(options.sender)
        self._domain = options.message_id_domain or self._sender.rpartition("@")[2]
        self._ehlo_name = options.local_hostname

    def address(self, recipient: Recipient) -> str | None:
        """The person's e-mail address, when a well-formed one is known."""
        email = (recipient.email or "").strip()
        return email if _ADDRESS.match(email) else None

    def _no_address(self, recipient: Recipient) -> str:
        if recipient.email:
            return f"email: {recipient.email!r} is not a usable e-mail address"
        return "email: no e-mail address known for this person"

    def compose(self, message: PrivateMessage) -> EmailMessage:
        """The e-mail for ``message`` (also for previews); DeliveryFailed if it cannot be."""
        to = self._target(message)
        mail = EmailMessage(policy=SMTP if to.isascii() else SMTPUTF8)
        mail["From"] = self.options.sender
        local, _, domain = to.rpartition("@")  # addr_spec= refuses a UTF-8 local part
        mail["To"] = Address(_one_line(message.recipient.name or ""), local, domain)
        mail["Subject"] = _one_line(message.subject) or "Follow-up"
        mail["Date"] = format_datetime(self._now())
        mail["Message-ID"] = message_id(message.idempotency_key, self._domain)
        if self.options.reply_to:
            mail["Reply-To"] = self.options.reply_to
        if message.kind not in ("reply", "team"):
            self._unsubscribe_headers(mail, message)
        body = message.body.strip() + "\n"
        plain = body.isascii() and all(len(line) <= 78 for line in body.splitlines())
        mail.set_content(body, charset="utf-8", cte="7bit" if plain else "quoted-printable")
        # after set_content, which clears Content-* headers
        if message.lang and _LANG.match(message.lang):
            mail["Content-Language"] = message.lang
        return mail

    def send(self, message: PrivateMessage) -> SendReceipt:
        """One SMTP transaction; the receipt holds the Message-ID the server accepted."""
        mail = self.compose(message)
        to = self._target(message)
        what = f"email: e-mail {mail['Message-ID']} to {to}"
        with self._lock:
            try:
                reply = self._transaction(mail, to, what)
            except BaseException:
                self._drop()
                raise
        return self._receipt(str(mail["Message-ID"]), f"accepted by {self.options.host}: {reply}")

    def read_back(self, message: PrivateMessage, attempted_at: datetime) -> SendReceipt | None:
        """SMTP cannot say whether it arrived: a person checks the relay's log."""
        mid = message_id(message.idempotency_key, self._domain)
        raise OutcomeUnknown(
            f"email: SMTP offers no way to ask whether {mid} arrived; search the log of "
            f"{self.options.host} (or the mailbox) for that Message-ID and resolve it by hand"
        )

    def close(self) -> None:
        """QUIT and close the kept-open connection."""
        with self._lock:
            if self._smtp is not None:
                with contextlib.suppress(OSError):  # smtplib's errors are OSErrors
                    self._smtp.quit()
                self._drop()

    # the transaction, step by step

    def _transaction(self, mail: EmailMessage, to: str, what: str) -> str:
        options = ["SMTPUTF8", "BODY=8BITMIME"] if not to.isascii() else []
        smtp = self._mail_from(options, what)
        if options and not smtp.has_extn("smtputf8"):
            raise DeliveryFailed(f"{what}: the server cannot take non-ASCII addresses (SMTPUTF8)")
        code, text = _step(lambda: smtp.rcpt(to), what)
        if code not in (250, 251):
            raise _refusal(code, text, what, recipient=True)
        code, text = _step(lambda: smtp.docmd("data"), what)
        if code != 354:
            raise _refusal(code, text, what)
        payload = _DOT_LINE.sub(b"..", mail.as_bytes())
        if not payload.endswith(b"\r\n"):
            payload += b"\r\n"
        try:  # from here on the message may have arrived
            smtp.send(payload + b".\r\n")
            code, reply = smtp.getreply()
        except (smtplib.SMTPException, OSError) as exc:
            raise OutcomeUnknown(
                f"{what}: the connection was lost after the message was sent "
                f"({type(exc).__name__}); it may have been delivered, so it is not resent: "
                f"search the log of {self.options.host} for the Message-ID and resolve it"
            ) from None
        if code != 250:
            raise _refusal(code, reply, what)
        return f"{code} {_text(reply)}".strip()

    def _mail_from(self, options: list[str], what: str) -> smtplib.SMTP:
        """MAIL FROM on the kept connection, reopening it once if the server closed it."""
        reused = self._smtp is not None
        smtp = self._open(what)
        try:
            code, text = smtp.mail(self._sender, options)
        except OSError:  # smtplib's errors are OSErrors too
            if not reused:
                raise RetryLater(f"{what} was not sent (connection lost); tried again") from None
            code, text = 421, b"idle connection closed"
        if code == 421 and reused:
            self._drop()
            smtp = self._open(what)
            code, text = _step(lambda: smtp.mail(self._sender, options), what)
        if code != 250:
            raise _refusal(code, text, what)
        return smtp

    def _open(self, what: str) -> smtplib.SMTP:
        if self._smtp is not None:
            return self._smtp
        try:
            self._smtp = self._connect()
        except smtplib.SMTPAuthenticationError as exc:
            raise AccountRefused(
                f"{what} was not sent: the SMTP server refused the login ({exc.smtp_code}); "
                "check username and password"
            ) from None
        except smtplib.SMTPNotSupportedError as exc:
            raise AccountRefused(
                f"{what} was not sent: {_text(exc.args[0] if exc.args else '')} — the server "
                "lacks STARTTLS or AUTH; check host, port and security"
            ) from None
        except ssl.SSLCertVerificationError as exc:
            raise AccountRefused(
                f"{what} was not sent: the TLS certificate of {self.options.host} could not "
                f"be verified ({exc.verify_message}); set ca_file for a private relay"
            ) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise RetryLater(
                f"{what} was not sent (could not open the SMTP session: {type(exc).__name__}); "
                "tried again later"
            ) from None
        return self._smtp

    def _connect(self) -> smtplib.SMTP:
        o = self.options
        if self._ehlo_name is None:
            self._ehlo_name = socket.getfqdn()
        context = ssl.create_default_context(cafile=str(o.ca_file) if o.ca_file else None)
        smtp: smtplib.SMTP
        if o.security == "tls":
            smtp = smtplib.SMTP_SSL(
                o.host, o.effective_port, self._ehlo_name, timeout=o.timeout_s, context=context
            )
        else:
            smtp = smtplib.SMTP(o.host, o.effective_port, self._ehlo_name, timeout=o.timeout_s)
        try:
            smtp.ehlo()
            if o.security == "starttls":
                smtp.starttls(context=context)
                smtp.ehlo()
            if self._username is not None and self._password is not None:
                smtp.login(self._username, self._password)
        except BaseException:
            smtp.close()
            raise
        return smtp

    def _drop(self) -> None:
        if self._smtp is not None:
            self._smtp.close()
        self._smtp = None

    def refusal(self, kind: str, unsubscribe: Sequence[str] = ()) -> str | None:
        """Why a message of ``kind`` would be refused before it is sent (a dry run asks
        too): anything but a reply needs an unsubscribe link; None when it would go."""
        if kind in ("reply", "team") or self._unsubscribe_uris(unsubscribe):
            return None
        return (
            f"email: {'an' if kind[:1] in 'aeiou' else 'a'} {kind} e-mail needs an "
            "unsubscribe link (RFC 8058); set responder.channels.email.unsubscribe_mailto "
            "(e.g. mailto:unsubscribe@your-domain), then `simak followup retry ID`"
        )

    def _unsubscribe_uris(self, given: Sequence[str]) -> list[str]:
        uris = [u for u in given if u.startswith(("https://", "mailto:"))]
        if self.options.unsubscribe_mailto and self.options.unsubscribe_mailto not in uris:
            uris.append(self.options.unsubscribe_mailto)
        return uris

    def _unsubscribe_headers(self, mail: EmailMessage, message: PrivateMessage) -> None:
        refused = self.refusal(message.kind, message.unsubscribe)
        if refused is not None:
            raise DeliveryFailed(refused)
        uris = self._unsubscribe_uris(message.unsubscribe)
        mail["List-Unsubscribe"] = ", ".join(f"<{u}>" for u in uris)
        if any(u.startswith("https://") for u in uris):
            mail["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"


def _one_line(text: str) -> str:
    """A header value from platform text: one line, no control characters."""
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())


def _step(command: Callable[[], tuple[int, bytes]], what: str) -> tuple[int, bytes]:
    """One command before the message left: a lost connection means not sent."""
    try:
        return command()
    except (smtplib.SMTPException, OSError) as exc:
        raise RetryLater(
            f"{what} was not sent (connection lost before the message: {type(exc).__name__}); "
            "tried again later"
        ) from None


def _refusal(code: int, text: bytes | str, what: str, *, recipient: bool = False) -> ChannelError:
    detail = f"{code} {_text(text)}".strip()
    if 400 <= code < 500:
        return RetryLater(f"{what} was deferred by the server ({detail}); tried again later")
    if recipient:
        return Unreachable(f"{what}: the server refused the address ({detail})")
    return DeliveryFailed(f"{what} was refused ({detail}); see the server's reason")


def _text(value: bytes | str) -> str:
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
    return " ".join(text.split())[:200]


def build(options: EmailOptions, env: Mapping[str, str], deps: ChannelDeps) -> EmailChannel:
    """An e-mail channel (CredentialMissing when a referenced secret is unset)."""
    username = resolve_optional("email", options.username, env, kind="channel")
    password = resolve_optional("email", options.password, env, kind="channel")
    return EmailChannel(options, username=username, password=password, deps=deps)
