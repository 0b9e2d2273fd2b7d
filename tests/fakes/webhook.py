"""A local webhook receiver that verifies Standard Webhooks signatures and drops duplicates.

It is written from the specification, not from the channel's code: the signed content is
``webhook-id.webhook-timestamp.raw body``, the key the base64-decoded secret after
``whsec_``, the header a space-separated list of ``v1,<base64>`` signatures compared in
constant time, and timestamps more than ``tolerance_s`` away are refused.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from typing import Any

from flask import Response, jsonify, request

from tests.fakes.server import FakeService, Received


def new_secret(seed: bytes = b"simak-test-secret-0123456") -> str:
    """A Standard Webhooks secret: ``whsec_`` + base64 of the key bytes."""
    return "whsec_" + base64.b64encode(seed).decode()


class WebhookReceiver(FakeService):
    """``deliveries`` holds each webhook-id once; ``attempts`` counts every valid POST."""

    def __init__(
        self,
        secret: str | None,
        *,
        tolerance_s: float = 300,
        clock: Callable[[], float] = time.time,
        answer: str = "ok",
    ) -> None:
        super().__init__("fake-webhook")
        self._key = base64.b64decode(secret.removeprefix("whsec_")) if secret else None
        self.tolerance_s = tolerance_s
        self.clock = clock
        self.answer = answer  # Slack answers a plain "ok"
        self.deliveries: dict[str, dict[str, Any]] = {}
        self.attempts = 0
        self.duplicates = 0
        self.rejected: list[str] = []  # why each refused request was refused
        self.app.post("/<path:path>")(self._hook)

    def _hook(self, path: str) -> Response:
        raw = request.get_data()
        why = self._verify(raw)
        if why:
            self.rejected.append(why)
            response = jsonify({"error": why})
            response.status_code = 401
            return response
        msg_id = request.headers["webhook-id"]
        self.attempts += 1
        if msg_id in self.deliveries:
            self.duplicates += 1
            return Response(self.answer, content_type="text/plain")
        payload = json.loads(raw)

        def store() -> Received:
            self.deliveries[msg_id] = payload
            who = (payload.get("data") or {}).get("recipient") or {}
            return self.record(str(who.get("handle") or who.get("email")), payload["text"], msg_id)

        return self.deliver_with_faults(
            store, lambda _: Response(self.answer, content_type="text/plain")
        )

    def _verify(self, raw: bytes) -> str:
        headers = request.headers
        msg_id = headers.get("webhook-id")
        stamp = headers.get("webhook-timestamp", "")
        if not msg_id or not stamp.isdigit():
            return "missing webhook-id or webhook-timestamp"
        if abs(self.clock() - int(stamp)) > self.tolerance_s:
            return "timestamp too far from now"
        if self._key is None:
            return ""
        signed = f"{msg_id}.{stamp}.".encode() + raw
        expected = base64.b64encode(hmac.new(self._key, signed, hashlib.sha256).digest())
        for sig in headers.get("webhook-signature", "").split():
            version, _, value = sig.partition(",")
            if version == "v1" and hmac.compare_digest(value.encode(), expected):
                return ""
        return "no valid v1 signature"
