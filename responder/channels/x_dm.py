"""``x_dm``: an X direct message through tweepy's API v2 client, user context only.

One delivering call per attempt: ``Client.create_direct_message(participant_id=…, text=…)``.
X has no "can I DM this user?" endpoint, so a 403 on send is the pre-flight: it means the
person does not accept DMs from the brand (or blocked it) and the next channel is tried.
An unknown outcome is settled by reading the conversation's DM events back.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

import tweepy

from common.credentials import resolve
from common.errors import ChannelError, OutcomeUnknown, Unreachable
from responder.base import MessageForm, PrivateMessage, Reach, Recipient, SendReceipt
from responder.channels.base import (
    BaseChannel,
    ChannelDeps,
    TimeoutAdapter,
    comparable,
    sent_since,
)
from responder.channels.failures import (
    account_refused,
    is_transport_error,
    rate_limited,
    refused,
    retry_at_from,
    server_error,
    transport_failure,
)
from responder.channels.options import XDmOptions

#: tweepy 4.x hard-codes this host; other hosts are reached by rewriting it.
TWEEPY_HOST: Final = "https://api.twitter.com"
MAX_DM_CHARS: Final = 10_000
#: 403 problem types that mean "our app or token may not send DMs", not "this person".
#: What an X user id and an X username look like. Anything else (a file import's author_id
#: "../../../2/tweets?") never goes into an API path: tweepy puts the id in the DM URL as
#: it is, and the dot segments would turn the DM into a public tweet.
_USER_ID: Final = re.compile(r"[0-9]{1,20}")
_USERNAME: Final = re.compile(r"[A-Za-z0-9_]{1,15}")
_SETUP_PROBLEMS: Final = ("client-forbidden", "unsupported-authentication", "client-not-enrolled")


class XDmChannel(BaseChannel[XDmOptions]):
    """Sends one X DM per attempt; reads the conversation back to settle unknowns."""

    key = "x_dm"
    platform = "x"
    noun = "X DM"

    @property
    def form(self) -> MessageForm:
        """One DM, no subject, up to 10,000 characters."""
        return MessageForm(subject=False, max_chars=MAX_DM_CHARS)

    def __init__(
        self,
        options: XDmOptions,
        client: tweepy.Client,
        *,
        user_auth: bool,
        deps: ChannelDeps | None = None,
    ) -> None:
        """``user_auth``: True for OAuth 1.0a user tokens, False for an OAuth 2.0 user token."""
        super().__init__(options, deps=deps)
        self._client = client
        self._user_auth = user_auth

    def address(self, recipient: Recipient) -> str | None:
        """The numeric user id, else the @handle; None when neither is one X could have."""
        if recipient.platform != self.platform:
            return None
        if recipient.user_id and _USER_ID.fullmatch(recipient.user_id):
            return recipient.user_id
        handle = (recipient.handle or "").strip().lstrip("@")
        return handle if _USERNAME.fullmatch(handle) else None

    def _no_address(self, recipient: Recipient) -> str:
        given = recipient.user_id or recipient.handle
        if recipient.platform == self.platform and given:
            return (
                f"{self.key}: {given!r} is no X account (an id is digits, a handle letters, "
                "digits and _); fix the person's X handle or id, or use another channel"
            )
        return super()._no_address(recipient)

    def _probe(self, recipient: Recipient) -> Reach:
        """X has no DM pre-check; an unknown id is looked up so a missing account shows."""
        if _known_id(recipient):
            return Reach.yes()
        try:
            self._participant(recipient)
        except Unreachable as exc:
            return Reach.no(str(exc))
        return Reach.yes()

    def send(self, message: PrivateMessage) -> SendReceipt:
        """One ``create_direct_message``; the receipt holds X's ``dm_event_id``."""
        text = self._fit(message.body.strip(), MAX_DM_CHARS)
        participant = self._participant(message.recipient)
        what = f"{self.key}: {self._who(message.recipient)}"
        try:
            answer = self._client.create_direct_message(
                participant_id=participant, text=text, user_auth=self._user_auth
            )
        except Exception as exc:
            raise self._failure(exc, what, delivering=True) from None
        data = answer.get("data") if isinstance(answer, dict) else None
        event_id = str(data.get("dm_event_id") or "") if isinstance(data, dict) else ""
        if not event_id:
            raise OutcomeUnknown(
                f"{what}: X accepted the request but named no dm_event_id; read it back"
            )
        conversation = data.get("dm_conversation_id") if isinstance(data, dict) else None
        return self._receipt(event_id, f"X DM {event_id} (conversation {conversation})")

    def read_back(self, message: PrivateMessage, attempted_at: datetime) -> SendReceipt | None:
        """Look for our text among the DM events with this person since the attempt (X
        returns text with ``&``, ``<`` and ``>`` as HTML entities)."""
        what = f"{self.key}: reading back the {self._who(message.recipient)}"
        try:
            participant = self._participant(message.recipient)
            answer = self._client.get_direct_message_events(
                participant_id=participant,
                dm_event_fields=["id", "text", "created_at", "sender_id", "event_type"],
                event_types=["MessageCreate"],
                max_results=100,
                user_auth=self._user_auth,
            )
        except Exception as exc:
            raise self._cannot_tell_now(what, self._failure(exc, what)) from None
        wanted = comparable(message.body)
        for event in (answer.get("data") if isinstance(answer, dict) else None) or []:
            if (
                isinstance(event, dict)
                and str(event.get("sender_id") or "") != participant
                and sent_since(event.get("created_at"), attempted_at)
                and comparable(html.unescape(str(event.get("text") or ""))) == wanted
            ):
                return self._receipt(str(event["id"]), f"X DM {event['id']} (found by read-back)")
        self._settled(what, attempted_at)
        return None

    def close(self) -> None:
        """Close the HTTP session."""
        self._client.session.close()

    def _participant(self, recipient: Recipient) -> str:
        """The numeric X user id: from the record, else looked up by @handle."""
        handle = self.address(recipient)
        if handle is None:
            raise Unreachable(self._no_address(recipient))
        if _known_id(recipient):
            return handle
        what = f"{self.key}: looking up @{handle}"
        try:
            answer = self._client.get_user(username=handle, user_auth=self._user_auth)
        except Exception as exc:
            raise self._failure(exc, what) from None
        data = answer.get("data") if isinstance(answer, dict) else None
        if not isinstance(data, dict) or not data.get("id"):
            errors = answer.get("errors") if isinstance(answer, dict) else None
            detail = _detail(errors[0]) if isinstance(errors, list) and errors else "no such user"
            raise Unreachable(f"{self.key}: X account @{handle} not found ({detail})")
        return str(data["id"])

    def _failure(self, exc: Exception, what: str, *, delivering: bool = False) -> ChannelError:
        """The outcome of a failed tweepy call (only the DM itself can be unknown)."""
        if isinstance(exc, ChannelError):
            return exc
        if isinstance(exc, tweepy.HTTPException):
            return self._http_failure(exc, what, delivering)
        if isinstance(exc, ValueError) and delivering:  # a 2xx whose body is not JSON
            return OutcomeUnknown(f"{what}: X answered with an unreadable body; read it back")
        if is_transport_error(exc) or isinstance(exc, ValueError):
            return transport_failure(exc, what, delivering=delivering)
        raise exc

    def _http_failure(self, exc: tweepy.HTTPException, what: str, delivering: bool) -> ChannelError:
        status = int(getattr(exc.response, "status_code", 0) or 0)
        body = _json(exc.response)
        detail = _detail(body)
        if isinstance(exc, tweepy.TooManyRequests):
            return rate_limited(what, retry_at_from(exc.response.headers, self._now()))
        if status >= 500:
            return server_error(what, status, delivering=delivering)
        if status == 403 and not any(p in str(body.get("type", "")) for p in _SETUP_PROBLEMS):
            return Unreachable(
                f"{what}: X refused ({detail or 'cannot send to this user'}); the person does "
                "not accept DMs from this account, so the next channel is tried"
            )
        if status == 404:
            return Unreachable(f"{what}: X account not found ({detail or 404})")
        if status in (401, 403):
            return account_refused(
                what,
                status,
                detail,
                "check the X tokens: user context (OAuth 1.0a or OAuth 2.0 with dm.write)",
            )
        return refused(what, status, detail, "the request itself is wrong; see the detail")


def _json(response: Any) -> dict[str, Any]:
    try:
        body = response.json()
    except Exception:
        return {}
    return body if isinstance(body, dict) else {}


def _detail(body: Any) -> str:
    if isinstance(body, dict):
        for key in ("detail", "title", "message"):
            if body.get(key):
                return " ".join(str(body[key]).split())[:200]
        errors = body.get("errors")
        if isinstance(errors, list) and errors:
            return _detail(errors[0])
    return ""


def build(options: XDmOptions, env: Mapping[str, str], deps: ChannelDeps) -> XDmChannel:
    """An X DM channel with its secrets resolved from ``env`` (CredentialMissing if unset)."""
    secret = _secrets(options, env)
    if options.user_access_token is not None:
        client = tweepy.Client(bearer_token=secret["user_access_token"], return_type=dict)
        user_auth = False
    else:
        client = tweepy.Client(return_type=dict, **secret)
        user_auth = True
    client.wait_on_rate_limit = False  # never sleep inside a send: the outbox schedules
    base = options.api_base_url
    rewrite = None if base == TWEEPY_HOST else (TWEEPY_HOST, base)
    client.session = TimeoutAdapter.mount(deps.session(), options.timeout_s, rewrite)
    return XDmChannel(options, client, user_auth=user_auth, deps=deps)


def _secrets(options: XDmOptions, env: Mapping[str, str]) -> dict[str, str]:
    names: tuple[str, ...] = ("consumer_key", "consumer_secret", "access_token")
    names += ("access_token_secret",)
    if options.user_access_token is not None:
        names = ("user_access_token",)
    out = {}
    for name in names:
        ref = getattr(options, name)
        out[name] = resolve("x_dm", ref, env, kind="channel")
    return out


def _known_id(recipient: Recipient) -> bool:
    """Whether the record holds a well-formed X user id (no lookup by handle needed)."""
    return bool(recipient.user_id and _USER_ID.fullmatch(recipient.user_id))
