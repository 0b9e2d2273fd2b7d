"""A local SMTP server (aiosmtpd) that counts what arrived, with TLS, AUTH and faults.

``SmtpSink(security="starttls" | "tls" | "none", auth=("user", "pw"))`` runs in a thread
on 127.0.0.1; with TLS it makes a throw-away self-signed certificate (``ca_file`` is what
the ``email`` channel must trust). Faults: ``drop_after_data()`` keeps the message and
closes the connection instead of answering (the client cannot know it arrived),
``hang_after_data()`` keeps it and answers too late, ``reject_rcpt(addr, reply)`` and
``defer_next_data(reply)`` answer with an SMTP error.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import logging
import shutil
import ssl
import tempfile
import threading
from collections import Counter, deque
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Literal, Self

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.fakes.server import HANG_S, free_port

Security = Literal["none", "starttls", "tls"]


@dataclass(frozen=True)
class Mail:
    """One message the sink accepted (or kept before a fault)."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    message: EmailMessage

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])


class _Handler:
    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    async def handle_RCPT(
        self, server: Any, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        reply = self.sink.rejected.get(address.lower())
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        sink = self.sink
        with sink.lock:
            fault = sink.faults.popleft() if sink.faults else None
        if fault is not None and fault.startswith(("4", "5")):
            return fault
        raw = envelope.original_content or b""
        parsed = message_from_bytes(raw, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        mail = Mail(str(envelope.mail_from), tuple(envelope.rcpt_tos), parsed)
        with sink.lock:
            sink.mails.append(mail)
        if fault == "drop":
            server.transport.abort()
            return "250 OK"
        if fault == "hang":
            await asyncio.sleep(HANG_S)
        return "250 2.0.0 OK queued"


class SmtpSink:
    """``with SmtpSink() as smtp:`` … ``smtp.count("rina@example.com")``."""

    def __init__(self, *, security: Security = "none", auth: tuple[str, str] | None = None) -> None:
        self.security = security
        self.auth = auth
        self.mails: list[Mail] = []
        self.rejected: dict[str, str] = {}
        self.faults: deque[str] = deque()
        self.logins: list[tuple[str, bool]] = []
        self.lock = threading.Lock()
        self.host = "127.0.0.1"
        self.port = free_port()
        self._dir: Path | None = None
        self._controller: Controller | None = None

    @property
    def ca_file(self) -> Path | None:
        """The self-signed certificate to trust (TLS modes only)."""
        return None if self._dir is None else self._dir / "cert.pem"

    def __enter__(self) -> Self:
        logging.getLogger("mail.log").setLevel(logging.ERROR)  # aiosmtpd's chatter
        # aiosmtpd offers AUTH after STARTTLS only; on implicit TLS the link is already
        # encrypted, so it must not insist (it cannot see that it is).
        kwargs: dict[str, Any] = {"auth_require_tls": self.security == "starttls"}
        if self.auth is not None:
            kwargs["authenticator"] = self._authenticate
        if self.security != "none":
            context = self._tls_context()
            if self.security == "tls":
                kwargs["ssl_context"] = context
            else:
                kwargs.update(tls_context=context, require_starttls=True)
        self._controller = Controller(_Handler(self), hostname=self.host, port=self.port, **kwargs)
        self._controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._controller is not None:
            self._controller.stop()
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)

    # what arrived

    def count(self, rcpt: str | None = None) -> int:
        """Messages accepted, for one recipient address or in all."""
        with self.lock:
            return sum(1 for m in self.mails if rcpt is None or rcpt.lower() in _lower(m))

    def per_message_id(self) -> Counter[str]:
        """Message-ID → how many times it arrived (more than 1 is a double delivery)."""
        with self.lock:
            return Counter(m.message_id for m in self.mails)

    # faults

    def drop_after_data(self, times: int = 1) -> None:
        """Keep the next message(s), then close the connection with no reply."""
        self._push("drop", times)

    def hang_after_data(self, times: int = 1) -> None:
        """Keep the next message(s), then reply only after the client gave up."""
        self._push("hang", times)

    def defer_next_data(self, reply: str = "451 4.3.0 Try again later", times: int = 1) -> None:
        """Refuse the next message(s) after DATA with ``reply`` (not kept)."""
        self._push(reply, times)

    def reject_rcpt(self, address: str, reply: str = "550 5.1.1 No such user") -> None:
        """Refuse ``address`` at RCPT TO."""
        self.rejected[address.lower()] = reply

    def _push(self, fault: str, times: int) -> None:
        with self.lock:
            self.faults.extend([fault] * times)

    def _authenticate(
        self, server: Any, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        login = (getattr(data, "login", b"") or b"").decode()
        password = (getattr(data, "password", b"") or b"").decode()
        ok = self.auth is not None and (login, password) == self.auth
        self.logins.append((login, ok))
        return AuthResult(success=ok, handled=False)

    def _tls_context(self) -> ssl.SSLContext:
        self._dir = Path(tempfile.mkdtemp(prefix="smtpsink-"))
        cert, key = _self_signed()
        (self._dir / "cert.pem").write_bytes(cert)
        (self._dir / "key.pem").write_bytes(key)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self._dir / "cert.pem", self._dir / "key.pem")
        return context


def _lower(mail: Mail) -> set[str]:
    return {r.lower() for r in mail.rcpt_tos}


def _self_signed() -> tuple[bytes, bytes]:
    """A certificate for 127.0.0.1 and localhost, valid for a day."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return cert.public_bytes(serialization.Encoding.PEM), key_pem
