"""The feed fetcher's HTTP transport: pinned addresses and an overall deadline.

httpx's timeouts are per operation: a server that sends one byte a second never
trips a 20 s read timeout, in its headers or its body. :class:`GuardedTransport`
runs httpcore's connection pool on a network backend that

- connects to the address :class:`~listeners.netguard.Pins` checked for the host
  (DNS is asked once; TLS still verifies and sends SNI for the host name), and
- gives every connect, read and write only the time left before the fetch's
  :class:`Deadline`, raising :class:`DeadlineExceeded` once it has passed.
"""

from __future__ import annotations

import math
import ssl
import time
import typing
from collections.abc import Callable, Iterable, Iterator

import httpcore
import httpx

from listeners.netguard import Pins

Monotonic = Callable[[], float]
_CORE_ERRORS = (
    httpcore.TimeoutException,
    httpcore.NetworkError,
    httpcore.ProtocolError,
    httpcore.UnsupportedProtocol,
)


class DeadlineExceeded(Exception):
    """The fetch ran past its overall deadline."""


class Deadline:
    """An overall time limit, restarted for each fetch (``math.inf`` before the first)."""

    def __init__(self, monotonic: Monotonic = time.monotonic) -> None:
        self._monotonic = monotonic
        self._ends = math.inf
        self.seconds = math.inf

    def start(self, seconds: float) -> None:
        """Allow ``seconds`` from now."""
        self.seconds = seconds
        self._ends = self._monotonic() + seconds

    def remaining(self) -> float:
        """Seconds left (may be negative)."""
        return self._ends - self._monotonic()

    def check(self) -> None:
        """Raise :class:`DeadlineExceeded` once the deadline has passed."""
        if self.remaining() <= 0:
            raise DeadlineExceeded(f"took longer than {self.seconds:g} s")

    def clip(self, timeout: float | None) -> float:
        """``timeout`` shortened to the time left; raises once none is left."""
        self.check()
        left = self.remaining()
        return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    """A network stream whose every operation ends by the deadline."""

    def __init__(self, inner: httpcore.NetworkStream, deadline: Deadline) -> None:
        self._inner = inner
        self._deadline = deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        try:
            return self._inner.read(max_bytes, self._deadline.clip(timeout))
        except httpcore.ReadTimeout:
            self._deadline.check()
            raise

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        try:
            self._inner.write(buffer, self._deadline.clip(timeout))
        except httpcore.WriteTimeout:
            self._deadline.check()
            raise

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        inner = self._inner.start_tls(ssl_context, server_hostname, self._deadline.clip(timeout))
        return _DeadlineStream(inner, self._deadline)

    def get_extra_info(self, info: str) -> typing.Any:
        return self._inner.get_extra_info(info)


class GuardedBackend(httpcore.NetworkBackend):
    """Connects to pinned, checked addresses only, under the deadline."""

    def __init__(
        self, pins: Pins, deadline: Deadline, inner: httpcore.NetworkBackend | None = None
    ) -> None:
        self._pins = pins
        self._deadline = deadline
        self._inner = inner or httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        failure: Exception | None = None
        for address in self._pins.addresses(host):
            try:
                stream = self._inner.connect_tcp(
                    address,
                    port,
                    timeout=self._deadline.clip(timeout),
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc  # try the host's next address
                continue
            return _DeadlineStream(stream, self._deadline)
        self._deadline.check()
        raise failure or httpcore.ConnectError(f"no address to connect to for {host}")

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("unix sockets are not used for feeds")

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def _mapped(exc: Exception) -> Exception:
    """httpcore's exception as the httpx exception of the same name."""
    kind = getattr(httpx, type(exc).__name__, None)
    if isinstance(kind, type) and issubclass(kind, httpx.TransportError):
        return kind(str(exc))
    return httpx.TransportError(str(exc))


class _Body(httpx.SyncByteStream):
    def __init__(self, stream: Iterable[bytes], closer: Callable[[], None]) -> None:
        self._stream = stream
        self._closer = closer

    def __iter__(self) -> Iterator[bytes]:
        try:
            yield from self._stream
        except _CORE_ERRORS as exc:
            raise _mapped(exc) from exc

    def close(self) -> None:
        self._closer()


class GuardedTransport(httpx.BaseTransport):
    """An httpx transport over :class:`GuardedBackend` (HTTP/1.1, verified TLS)."""

    def __init__(
        self,
        pins: Pins,
        deadline: Deadline,
        network: httpcore.NetworkBackend | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self._pool = httpcore.ConnectionPool(
            ssl_context=ssl_context or ssl.create_default_context(),
            max_connections=4,
            max_keepalive_connections=2,
            network_backend=GuardedBackend(pins, deadline, network),
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if not isinstance(request.stream, httpx.SyncByteStream):
            raise TypeError("GuardedTransport sends synchronous requests only")
        core = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=request.url.raw_scheme,
                host=request.url.raw_host,
                port=request.url.port,
                target=request.url.raw_path,
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        try:
            response = self._pool.handle_request(core)
        except _CORE_ERRORS as exc:
            raise _mapped(exc) from exc
        stream = typing.cast(Iterable[bytes], response.stream)
        closer = getattr(response.stream, "close", lambda: None)
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_Body(stream, closer),
            extensions=response.extensions,
        )

    def close(self) -> None:
        self._pool.close()
