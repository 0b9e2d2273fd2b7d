"""The machinery every HTTP fake shares: a threaded local server, a log of received
messages, and faults to inject into the next requests."""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Self

from flask import Flask, Response, jsonify, request
from werkzeug.serving import BaseWSGIServer, make_server

#: How long a "hung" request waits before answering (clients time out well before).
HANG_S = 10.0


@dataclass(frozen=True)
class Received:
    """One private message a fake accepted."""

    recipient: str
    text: str
    id: str
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass
class Fault:
    """What to do to one request instead of answering normally."""

    status: int | None = None
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delivered: bool = False  # with status: store the message first (a 5xx after processing)
    hang: bool = False  # store the message, then answer only after HANG_S
    drop: bool = False  # store the message, then close the connection with no answer


class FakeService:
    """Base of the HTTP fakes: ``with Fake() as fake: fake.url``; counts per recipient."""

    def __init__(self, name: str) -> None:
        self.app = Flask(name)
        # A dropped connection is raised to werkzeug, which then closes quietly.
        self.app.config["PROPAGATE_EXCEPTIONS"] = True
        self.received: list[Received] = []
        self.requests: list[str] = []  # "METHOD /path" of every request, in order
        self._faults: deque[Fault] = deque()
        self._lock = threading.Lock()
        self._release = threading.Event()
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self._ids = 1000
        self.app.before_request(self._log_request)

    # lifecycle

    def __enter__(self) -> Self:
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self._server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._release.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT`` of the running fake."""
        assert self._server is not None, "use the fake as a context manager"
        return f"http://127.0.0.1:{self._server.server_port}"

    # what arrived

    def count(self, recipient: str | None = None) -> int:
        """Messages accepted, for one recipient or in all."""
        with self._lock:
            return sum(1 for r in self.received if recipient is None or r.recipient == recipient)

    def texts(self, recipient: str) -> list[str]:
        """Texts accepted for ``recipient``, oldest first."""
        with self._lock:
            return [r.text for r in self.received if r.recipient == recipient]

    def per_recipient(self) -> dict[str, int]:
        """Recipient → number of messages accepted."""
        out: dict[str, int] = {}
        with self._lock:
            for r in self.received:
                out[r.recipient] = out.get(r.recipient, 0) + 1
        return out

    # faults

    def fail_next(
        self,
        status: int,
        *,
        body: Any = None,
        headers: dict[str, str] | None = None,
        delivered: bool = False,
        times: int = 1,
    ) -> None:
        """Answer the next ``times`` delivering requests with ``status``."""
        fault = Fault(status=status, body=body, headers=headers or {}, delivered=delivered)
        self._push(fault, times)

    def hang_next(self, times: int = 1) -> None:
        """Store the next message(s), then keep the client waiting past its timeout."""
        self._push(Fault(hang=True), times)

    def drop_next(self, times: int = 1) -> None:
        """Store the next message(s), then close the connection without an answer."""
        self._push(Fault(drop=True), times)

    def _push(self, fault: Fault, times: int) -> None:
        with self._lock:
            self._faults.extend([fault] * times)

    # helpers for subclasses

    def next_id(self) -> str:
        with self._lock:
            self._ids += 1
            return str(self._ids)

    def deliver_with_faults(self, store: Any, answer: Any) -> Response:
        """Run one delivering request: faults first, else ``store()`` then ``answer(stored)``."""
        with self._lock:
            fault = self._faults.popleft() if self._faults else None
        if fault is not None and fault.status is not None and not fault.delivered:
            return self._fault_response(fault)
        stored = store()
        if fault is None:
            return answer(stored)
        if fault.status is not None:
            return self._fault_response(fault)
        if fault.hang:
            self._release.wait(HANG_S)
            return answer(stored)
        _drop_connection()
        raise ConnectionAbortedError("fake: connection dropped on purpose")

    def _fault_response(self, fault: Fault) -> Response:
        body = fault.body if fault.body is not None else {"error": f"fault {fault.status}"}
        response = jsonify(body) if not isinstance(body, str | bytes) else Response(body)
        response.status_code = fault.status or 500
        for key, value in fault.headers.items():
            response.headers[key] = value
        return response

    def record(self, recipient: str, text: str, msg_id: str, **meta: Any) -> Received:
        item = Received(recipient, text, msg_id, meta)
        with self._lock:
            self.received.append(item)
        return item

    def _log_request(self) -> None:
        with self._lock:
            self.requests.append(f"{request.method} {request.path}")


def _drop_connection() -> None:
    """Close the client's socket so it gets no HTTP answer at all."""
    sock = request.environ.get("werkzeug.socket")
    if isinstance(sock, socket.socket):
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        sock.close()


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port
