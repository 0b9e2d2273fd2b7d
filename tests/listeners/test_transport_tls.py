"""The pinned transport speaks TLS to the checked address under the host's own name:
SNI and certificate checks use the name, the TCP connection uses the pinned IP."""

from __future__ import annotations

import socket
import ssl
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from listeners.netguard import Pins
from listeners.transport import Deadline, GuardedTransport
from tests.listeners.hostile import RSS

HOST = "feeds.test"


def self_signed(tmp_path: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(HOST)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def test_tls_to_the_pinned_address_uses_the_host_name(tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path)
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ctx.load_cert_chain(cert, key)
    names: list[str | None] = []

    def sni(_sock: ssl.SSLObject, name: str | None, _ctx: ssl.SSLContext) -> None:
        names.append(name)

    server_ctx.sni_callback = sni  # type: ignore[assignment]
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    requests: list[bytes] = []

    def serve() -> None:
        conn, _ = listener.accept()
        with server_ctx.wrap_socket(conn, server_side=True) as tls:
            requests.append(tls.recv(65536))
            head = f"HTTP/1.1 200 OK\r\nContent-Length: {len(RSS)}\r\nConnection: close\r\n\r\n"
            tls.sendall(head.encode() + RSS)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    asked: list[str] = []

    def resolve(host: str) -> list[str]:
        asked.append(host)
        return ["127.0.0.1"]

    pins = Pins(resolve, allow_private=True)
    client_ctx = ssl.create_default_context(cafile=str(cert))
    transport = GuardedTransport(pins, Deadline(), ssl_context=client_ctx)
    with httpx.Client(transport=transport, trust_env=False) as client:
        response = client.get(f"https://{HOST}:{port}/ok")
    thread.join(timeout=5)
    listener.close()
    assert response.content == RSS
    assert names == [HOST]  # SNI carried the name, not the pinned address
    assert f"host: {HOST}:{port}".encode() in requests[0].lower()
    assert asked == [HOST]


def test_a_certificate_for_another_name_is_refused(tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path)
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ctx.load_cert_chain(cert, key)
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve() -> None:
        conn, _ = listener.accept()
        try:
            server_ctx.wrap_socket(conn, server_side=True).close()
        except (ssl.SSLError, OSError):
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    pins = Pins(lambda host: ["127.0.0.1"], allow_private=True)
    transport = GuardedTransport(
        pins, Deadline(), ssl_context=ssl.create_default_context(cafile=str(cert))
    )
    with (
        httpx.Client(transport=transport, trust_env=False) as client,
        pytest.raises(httpx.ConnectError),
    ):
        client.get(f"https://other.test:{port}/ok")
    thread.join(timeout=5)
    listener.close()
