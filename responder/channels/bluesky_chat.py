"""``bluesky_chat``: a Bluesky chat message through the PDS's chat proxy (atproto).

Per attempt: ``getConvoAvailability`` (is ``can_chat`` still true?), the conversation
(from that answer, else ``getConvoForMembers``), then ONE delivering ``sendMessage``.
An unknown outcome is settled by reading the conversation back (``getMessages``).
Bluesky rations logins (createSession: 30 per 5 minutes), so one channel logs in once.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

import httpx
from atproto import Client, models
from atproto_client.exceptions import (
    AtProtocolError,
    BadRequestError,
    NetworkError,
    RateLimitExceededError,
    RequestErrorBase,
    UnauthorizedError,
)
from atproto_client.request import Request

from common.credentials import resolve
from common.errors import ChannelError, OutcomeUnknown, RetryLater, Unreachable
from responder.base import MessageForm, PrivateMessage, Reach, Recipient, SendReceipt
from responder.channels.base import BaseChannel, ChannelDeps, comparable, sent_since
from responder.channels.failures import (
    account_refused,
    rate_limited,
    refused,
    retry_at_from,
    server_error,
    transport_failure,
)
from responder.channels.options import BlueskyChatOptions

_CHAT_SERVICE: Final = "bsky_chat"
#: Words in a 400 from the chat service that mean "this person cannot get it from us".
_UNREACHABLE = re.compile(
    r"block|disabled|deactivat|suspend|taken ?down|not found|cannot|can't|not allowed", re.I
)


class BlueskyChatChannel(BaseChannel[BlueskyChatOptions]):
    """Sends one chat message per attempt after re-checking ``can_chat``."""

    key = "bluesky_chat"
    platform = "bluesky"
    noun = "Bluesky chat message"

    @property
    def form(self) -> MessageForm:
        """One chat message, no subject, up to 1,000 characters."""
        return MessageForm(subject=False, max_chars=self.options.max_chars)

    def __init__(
        self,
        options: BlueskyChatOptions,
        client: Client,
        password: str,
        *,
        deps: ChannelDeps | None = None,
    ) -> None:
        super().__init__(options, deps=deps)
        self._client = client
        self._password = password
        self._chat: Client | None = None
        self._did = ""
        client.on_session_change(self._remember_did)

    def _probe(self, recipient: Recipient) -> Reach:
        """``getConvoAvailability``: ``can_chat`` false means unreachable."""
        what = f"{self.key}: checking {self._who(recipient)}"
        try:
            did = self._resolve(recipient, what)
            available = self._availability(did, what)
        except Unreachable as exc:
            return Reach.no(str(exc))
        if not available.can_chat:
            return Reach.no(_closed(self.key))
        return Reach.yes()

    def send(self, message: PrivateMessage) -> SendReceipt:
        """Re-check availability, find the conversation, then one ``sendMessage``."""
        text = self._fit(message.body.strip(), self.options.max_chars)
        what = f"{self.key}: {self._who(message.recipient)}"
        did = self._resolve(message.recipient, what)
        convo_id = self._open_convo(did, what)
        data = models.ChatBskyConvoSendMessage.Data(
            convo_id=convo_id, message=models.ChatBskyConvoDefs.MessageInput(text=text)
        )
        try:
            sent = self._chat_client(what).chat.bsky.convo.send_message(data)
        except Exception as exc:
            raise self._failure(exc, what, delivering=True) from None
        return self._receipt(sent.id, f"Bluesky chat message {sent.id} in conversation {convo_id}")

    def read_back(self, message: PrivateMessage, attempted_at: datetime) -> SendReceipt | None:
        """Look for our text among the conversation's messages since the attempt."""
        what = f"{self.key}: reading back the {self._who(message.recipient)}"
        try:
            did = self._resolve(message.recipient, what)
            convo = self._availability(did, what).convo  # never creates a conversation
            messages = [] if convo is None else self._messages(convo.id)
        except ChannelError as exc:
            raise self._cannot_tell_now(what, exc) from None
        except Exception as exc:
            raise self._cannot_tell_now(what, self._failure(exc, what)) from None
        wanted = comparable(message.body)
        for item in messages:
            if (
                isinstance(item, models.ChatBskyConvoDefs.MessageView)
                and item.sender.did == self._did
                and sent_since(item.sent_at, attempted_at)
                and comparable(item.text) == wanted
            ):
                return self._receipt(
                    item.id, f"Bluesky chat message {item.id} (found by read-back)"
                )
        self._settled(what, attempted_at)
        return None

    def _messages(self, convo_id: str) -> list[Any]:
        page = self._chat_client("reading messages").chat.bsky.convo.get_messages(
            models.ChatBskyConvoGetMessages.Params(convo_id=convo_id, limit=100)
        )
        return list(page.messages)

    def close(self) -> None:
        """Close both HTTP clients."""
        if self._chat is not None:
            self._chat.request.close()
        self._client.request.close()

    def _chat_client(self, what: str) -> Client:
        """The chat-proxied client, logging in on first use."""
        if self._chat is None:
            try:
                self._client.login(self.options.handle, self._password, fetch_bsky_profile=False)
            except Exception as exc:
                raise self._failure(exc, f"{self.key}: logging in", delivering=False) from None
            self._chat = self._client.with_proxy(_CHAT_SERVICE, self.options.chat_service_did)
        return self._chat

    def _remember_did(self, _event: object, session: Any) -> None:
        self._did = str(getattr(session, "did", "") or "")

    def _resolve(self, recipient: Recipient, what: str) -> str:
        """The recipient's DID: stored, else resolved from the handle."""
        if recipient.platform != self.platform:
            raise Unreachable(self._no_address(recipient))
        if recipient.user_id and recipient.user_id.startswith("did:"):
            return recipient.user_id
        handle = (recipient.handle or "").lstrip("@")
        if not handle:
            raise Unreachable(self._no_address(recipient))
        self._chat_client(what)  # logs in
        try:
            return str(self._client.resolve_handle(handle).did)
        except BadRequestError:
            raise Unreachable(f"{self.key}: Bluesky handle @{handle} not found") from None
        except Exception as exc:
            raise self._failure(exc, what) from None

    def _availability(
        self, did: str, what: str
    ) -> models.ChatBskyConvoGetConvoAvailability.Response:
        try:
            return self._chat_client(what).chat.bsky.convo.get_convo_availability(
                models.ChatBskyConvoGetConvoAvailability.Params(members=[did])
            )
        except ChannelError:
            raise
        except Exception as exc:
            raise self._failure(exc, what, delivering=False) from None

    def _open_convo(self, did: str, what: str) -> str:
        """The 1-1 conversation to send into; Unreachable when chat is closed or locked."""
        available = self._availability(did, what)
        if not available.can_chat:
            raise Unreachable(_closed(self.key))
        convo = available.convo
        if convo is None:
            try:
                convo = (
                    self._chat_client(what)
                    .chat.bsky.convo.get_convo_for_members(
                        models.ChatBskyConvoGetConvoForMembers.Params(members=[did])
                    )
                    .convo
                )
            except Exception as exc:
                raise self._failure(exc, what, delivering=False) from None
        lock = _lock_status(convo)
        if lock not in (None, "unlocked"):
            raise Unreachable(f"{self.key}: the conversation is {lock}")
        return str(convo.id)

    def _failure(self, exc: Exception, what: str, *, delivering: bool = False) -> ChannelError:
        """Map atproto errors; only a failed ``sendMessage`` can have an unknown outcome."""
        if isinstance(exc, ChannelError):
            return exc
        response = exc.response if isinstance(exc, RequestErrorBase) else None
        if isinstance(exc, RateLimitExceededError) and response is not None:
            return rate_limited(what, retry_at_from(response.headers, self._now()))
        if isinstance(exc, NetworkError) and response is None:
            return transport_failure(exc.__cause__ or exc, what, delivering=delivering)
        if isinstance(exc, UnauthorizedError):
            return account_refused(
                what,
                _code(response),
                _detail(response),
                "check the handle and app password (it must allow direct messages)",
            )
        if isinstance(exc, BadRequestError):
            detail = _detail(response)
            if _UNREACHABLE.search(detail):
                return Unreachable(f"{what}: Bluesky refused ({detail})")
            return refused(what, 400, detail, "Bluesky refused the request; see the detail")
        if isinstance(exc, RequestErrorBase) and response is not None:
            status = _code(response)
            if status >= 500 or status in (408, 409):
                return server_error(what, status, delivering=delivering)
            return refused(what, status, _detail(response), "Bluesky refused the request")
        if isinstance(exc, AtProtocolError | httpx.HTTPError):
            if delivering:
                return OutcomeUnknown(
                    f"{what}: unreadable answer from Bluesky ({type(exc).__name__})"
                )
            return RetryLater(f"{what} was not sent ({type(exc).__name__}); tried again later")
        raise exc


def _lock_status(convo: Any) -> str | None:
    """``lockStatus`` of a convo view (newer lexicons; older SDK models keep it as extra)."""
    value = getattr(convo, "lock_status", None)
    if value is None:
        value = (getattr(convo, "model_extra", None) or {}).get("lockStatus")
    return None if value is None else str(value)


def _closed(key: str) -> str:
    return (
        f"{key}: Bluesky says can_chat is false (the person accepts chats only from "
        "people they follow, or from no one)"
    )


def _code(response: Any) -> int:
    return int(getattr(response, "status_code", 0) or 0)


def _detail(response: Any) -> str:
    content = getattr(response, "content", None)
    error = getattr(content, "error", None) or ""
    message = getattr(content, "message", None) or ""
    text = f"{error}: {message}" if error and message else str(error or message)
    return " ".join(text.split())[:200]


def build(
    options: BlueskyChatOptions, env: Mapping[str, str], deps: ChannelDeps
) -> BlueskyChatChannel:
    """A Bluesky chat channel (CredentialMissing when the app password is unset)."""
    password = resolve("bluesky_chat", options.app_password, env, kind="channel")
    kwargs: dict[str, Any] = {"timeout": options.timeout_s}
    if deps.httpx_transport is not None:
        kwargs["transport"] = deps.httpx_transport
    client = Client(base_url=options.service_url, request=Request(**kwargs))
    return BlueskyChatChannel(options, client, password, deps=deps)
