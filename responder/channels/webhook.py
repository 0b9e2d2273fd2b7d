"""``webhook``: the follow-up as signed JSON to a helpdesk or chat tool.

The body has a Slack-compatible ``text`` (so a Slack or Mattermost incoming webhook shows
it as is) and the structured follow-up under ``data``. It is signed per Standard Webhooks
1.0: ``webhook-id`` (the same on every attempt, so receivers can drop duplicates),
``webhook-timestamp`` (Unix seconds) and ``webhook-signature: v1,<base64 HMAC-SHA256>`` of
``id.timestamp.body`` with the secret's decoded bytes as the key. Redirects are not
followed: a signed message goes only where it was configured to go.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

import httpx

from common.credentials import resolve, resolve_optional
from common.errors import ChannelError, ConfigError, OutcomeUnknown, RetryLater
from responder.base import PrivateMessage, Recipient, SendReceipt
from responder.channels.base import BaseChannel, ChannelDeps
from responder.channels.failures import (
    account_refused,
    rate_limited,
    refused,
    retry_at_from,
    server_error,
    transport_failure,
)
from responder.channels.options import WebhookOptions, check_http_url

SECRET_PREFIX: Final = "whsec_"
PAYLOAD_TYPE: Final = "simak.followup"
TEAM_PAYLOAD_TYPE: Final = "simak.team"  # the digest and spike alerts, to the team itself
_SAFE_ID: Final = re.compile(r"^[A-Za-z0-9_.:-]{1,200}$")
_USER_AGENT: Final = "simak-webhook/0.1"


def webhook_id(idempotency_key: str) -> str:
    """The ``webhook-id`` of a follow-up: its key when header-safe, else a digest of it."""
    if _SAFE_ID.match(idempotency_key):
        return idempotency_key
    return "msg_" + hashlib.sha256(idempotency_key.encode("utf-8")).hexdigest()[:32]


def secret_key(secret: str) -> bytes:
    """The HMAC key of a Standard Webhooks secret (``whsec_`` + base64)."""
    encoded = secret.removeprefix(SECRET_PREFIX)
    try:
        key = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if not key:
        raise ConfigError(
            "channel 'webhook': the secret must be 'whsec_' followed by base64 (at least "
            'one byte); generate one with: python -c "import base64,os;'
            "print('whsec_'+base64.b64encode(os.urandom(24)).decode())\""
        )
    return key


def signature(key: bytes, msg_id: str, timestamp: int, body: bytes) -> str:
    """``v1,<base64 HMAC-SHA256(key, id.timestamp.body)>``."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(key, signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


class WebhookChannel(BaseChannel[WebhookOptions]):
    """POSTs one signed JSON follow-up per attempt."""

    key = "webhook"
    noun = "webhook"

    def __init__(
        self,
        options: WebhookOptions,
        *,
        url: str,
        key: bytes | None,
        client: httpx.Client,
        deps: ChannelDeps | None = None,
    ) -> None:
        super().__init__(options, deps=deps)
        self._url = url
        self._key = key
        self._client = client

    def address(self, recipient: Recipient) -> str | None:
        """Any person: the receiver (a helpdesk, a team chat) takes it from there."""
        return "webhook"

    def payload(self, message: PrivateMessage) -> dict[str, Any]:
        """The JSON body: Slack-compatible ``text`` plus the follow-up under ``data``."""
        r = message.recipient
        return {
            "type": TEAM_PAYLOAD_TYPE if message.kind == "team" else PAYLOAD_TYPE,
            "timestamp": self._now().isoformat(),
            "text": _slack_text(message),
            "data": {
                "id": webhook_id(message.idempotency_key),
                "idempotency_key": message.idempotency_key,
                "kind": message.kind,
                "label": message.label,
                "lang": message.lang,
                "subject": message.subject,
                "body": message.body,
                "link": message.link,
                "recipient": {
                    "name": r.name,
                    "platform": r.platform,
                    "handle": r.handle,
                    "user_id": r.user_id,
                    "email": r.email,
                },
            },
        }

    def send(self, message: PrivateMessage) -> SendReceipt:
        """One signed POST; the receipt holds the ``webhook-id``."""
        msg_id = webhook_id(message.idempotency_key)
        what = f"webhook: follow-up {msg_id}"
        body = json.dumps(self.payload(message), ensure_ascii=False, separators=(",", ":"))
        content = body.encode("utf-8")
        timestamp = int(self._now().timestamp())
        headers = {
            "content-type": "application/json",
            "user-agent": _USER_AGENT,
            "webhook-id": msg_id,
            "webhook-timestamp": str(timestamp),
        }
        if self._key is not None:
            headers["webhook-signature"] = signature(self._key, msg_id, timestamp, content)
        try:
            response = self._client.post(self._url, content=content, headers=headers)
        except httpx.TransportError as exc:
            raise transport_failure(exc, what) from None
        if 200 <= response.status_code < 300:
            return self._receipt(msg_id, f"webhook {msg_id} accepted (HTTP {response.status_code})")
        raise self._http_failure(response, what)

    def read_back(self, message: PrivateMessage, attempted_at: datetime) -> SendReceipt | None:
        """A receiver that drops duplicates by webhook-id is simply sent it again."""
        msg_id = webhook_id(message.idempotency_key)
        what = f"webhook: redelivering {msg_id}"
        if not self.options.idempotent_receiver:
            raise OutcomeUnknown(
                f"webhook: the receiver cannot be asked whether {msg_id} arrived; check it "
                "there and resolve by hand (or set idempotent_receiver: true if it drops "
                "duplicates by webhook-id)"
            )
        self._settled(what, attempted_at)
        try:
            receipt = self.send(message)
        except OutcomeUnknown as exc:
            raise self._cannot_tell_now(what, exc) from None
        return SendReceipt(
            receipt.channel, receipt.external_id, True, receipt.detail + " (redelivered)"
        )

    def close(self) -> None:
        """Close the HTTP client."""
        self._client.close()

    def _http_failure(self, response: httpx.Response, what: str) -> ChannelError:
        status = response.status_code
        detail = " ".join(response.text.split())[:120] if response.text else ""
        if status == 429:
            return rate_limited(what, retry_at_from(response.headers, self._now()))
        if status >= 500:
            return server_error(what, status)
        if status == 408:
            return RetryLater(f"{what} timed out at the receiver before it was read; tried again")
        if status in (401, 403):
            return account_refused(
                what,
                status,
                detail,
                "the receiver rejected the signature: check that it uses the same secret",
            )
        if status in (404, 410) or 300 <= status < 400:
            return account_refused(what, status, "", "check responder.channels.webhook.url")
        return refused(what, status, detail, "the receiver refused the payload")


def _slack_text(message: PrivateMessage) -> str:
    if message.kind == "team":  # Simak writing to the team: no person to follow up
        return f"*{_esc(message.subject)}*\n\n{_esc(message.body)}"
    r = message.recipient
    who = r.name or r.handle or r.email or "someone"
    where = " · ".join(x for x in (r.platform, r.handle, r.email, message.link) if x)
    what = " ".join(x for x in (message.label, message.kind) if x)
    lines = [
        f"*{_esc(message.subject)}*",
        f"Private {what} follow-up for {_esc(who)} ({_esc(where)})",
    ]
    return "\n".join(lines) + "\n\n" + _esc(message.body)


def _esc(text: str) -> str:
    """Slack mrkdwn escaping (&, <, >)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def build(options: WebhookOptions, env: Mapping[str, str], deps: ChannelDeps) -> WebhookChannel:
    """A webhook channel (CredentialMissing when a referenced secret is unset)."""
    url = options.url
    if url.startswith("${"):
        try:
            url = check_http_url(resolve("webhook", url, env, kind="channel"), "its url")
        except ValueError as exc:
            raise ConfigError(f"channel 'webhook': {exc}") from None
    secret = resolve_optional("webhook", options.secret, env, kind="channel")
    client = httpx.Client(
        timeout=options.timeout_s, transport=deps.httpx_transport, follow_redirects=False
    )
    return WebhookChannel(
        options,
        url=url,
        key=None if secret is None else secret_key(secret),
        client=client,
        deps=deps,
    )
