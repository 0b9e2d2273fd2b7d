"""``mastodon_dm``: a Mastodon direct status (seen only by the accounts it mentions).

One delivering call per attempt: ``status_post(text, visibility="direct",
idempotency_key=…)`` whose text mentions the recipient and nobody else (other ``@name``
in the draft are defused). The account's default visibility is never relied on and
``status_reply`` never used. The returned status is checked: anything but ``direct``
mentioning exactly the recipient is deleted at once and reported as a failure.

Mastodon keeps idempotency keys for an hour, so within that window an unknown outcome
is settled by posting again with the same key (the server returns the first status if
it exists); later, the brand's own recent statuses are searched.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from mastodon import Mastodon
from mastodon.errors import (
    MastodonAPIError,
    MastodonError,
    MastodonNetworkError,
    MastodonNotFoundError,
    MastodonRatelimitError,
    MastodonServerError,
    MastodonUnauthorizedError,
)

from common.credentials import resolve
from common.errors import ChannelError, DeliveryFailed, Unreachable
from responder.base import MessageForm, PrivateMessage, Reach, Recipient, SendReceipt
from responder.channels.base import READ_BACK_SKEW, BaseChannel, ChannelDeps, comparable
from responder.channels.failures import (
    DEFAULT_RETRY_AFTER,
    account_refused,
    rate_limited,
    refused,
    server_error,
    transport_failure,
    unreadable_answer,
)
from responder.channels.options import MastodonDmOptions

#: Mastodon's mention syntax: @name or @name@domain, not inside a word, URL or address.
_MENTION = re.compile(r"(?<![\w/@])@(\w+(?:[\w.-]*\w)?)(?:@([\w.-]+\w))?", re.UNICODE)
_URL = re.compile(r"https?://\S+")
_NOT_JSON: Final = "Could not parse response as JSON"  # Mastodon.py, on a 2xx body
_TAG = re.compile(r"<[^>]+>")
_BREAK = re.compile(r"<br\s*/?>|</p>", re.IGNORECASE)
_URL_WEIGHT: Final = 23  # Mastodon counts every link as 23 characters
_WORD_JOINER: Final = "\u2060"  # invisible; breaks "@name" so it mentions no one
#: One account: ``name`` or ``name@domain`` (no space, no second @, no path).
_ACCT: Final = re.compile(r"\w+(?:[\w.-]*\w)?(?:@[\w.-]+\w)?", re.UNICODE)


class MastodonDmChannel(BaseChannel[MastodonDmOptions]):
    """Sends one direct status per attempt, verified to be direct and to the recipient only."""

    key = "mastodon_dm"
    platform = "mastodon"
    noun = "Mastodon direct message"

    @property
    def form(self) -> MessageForm:
        """One status, no subject; the instance's limit includes the leading @mention."""
        return MessageForm(subject=False, max_chars=self.options.max_chars, mentions=True)

    def __init__(
        self, options: MastodonDmOptions, api: Mastodon, *, deps: ChannelDeps | None = None
    ) -> None:
        super().__init__(options, deps=deps)
        self._api = api

    def address(self, recipient: Recipient) -> str | None:
        """The account's ``name@domain`` (``user_id`` is a URI, so the handle is needed);
        None when the handle is no account name: "rina @eve@evil.example" would mention,
        and so send the direct message to, a second account."""
        if recipient.platform != self.platform or not recipient.handle:
            return None
        acct = recipient.handle.strip().lstrip("@")
        return acct if _ACCT.fullmatch(acct) else None

    def _probe(self, recipient: Recipient) -> Reach:
        """``account_lookup`` (then a resolving search for remote accounts)."""
        acct = self._acct(recipient)
        what = f"{self.key}: looking up @{acct}"
        try:
            account = self._lookup(acct)
        except Exception as exc:
            raise self._failure(exc, what) from None
        if account is None:
            return Reach.no(f"{self.key}: Mastodon account @{acct} not found")
        if account.get("suspended"):
            return Reach.no(f"{self.key}: Mastodon account @{acct} is suspended")
        moved = account.get("moved")
        if moved:
            target = moved.get("acct") if isinstance(moved, Mapping) else moved
            return Reach.no(f"{self.key}: @{acct} moved to @{target}; update the person's handle")
        return Reach.yes()

    def send(self, message: PrivateMessage) -> SendReceipt:
        """One direct ``status_post`` with the follow-up's Idempotency-Key."""
        acct = self._acct(message.recipient)
        return self._post(message, acct, f"{self.key}: {self._who(message.recipient)}")

    def read_back(self, message: PrivateMessage, attempted_at: datetime) -> SendReceipt | None:
        """Within the key's hour, post again with the same key; later, search our statuses."""
        acct = self._acct(message.recipient)
        what = f"{self.key}: reading back the {self._who(message.recipient)}"
        age = self._now() - attempted_at
        if age < timedelta(seconds=self.options.idempotency_window_s):
            self._settled(what, attempted_at)  # a first request still in flight is not deduped
            try:
                receipt = self._post(message, acct, what)
            except (DeliveryFailed, Unreachable):
                raise
            except ChannelError as exc:
                raise self._cannot_tell_now(what, exc) from None
            detail = f"{receipt.detail} (settled by posting again with the same Idempotency-Key)"
            return SendReceipt(receipt.channel, receipt.external_id, True, detail)
        try:
            found = self._search_own(message, acct, attempted_at)
        except Exception as exc:
            raise self._cannot_tell_now(what, self._failure(exc, what)) from None
        if found is not None:
            return self._receipt(found, f"Mastodon status {found} (found by read-back)")
        self._settled(what, attempted_at)
        return None

    def close(self) -> None:
        """Close the HTTP session."""
        self._api.session.close()

    def _acct(self, recipient: Recipient) -> str:
        acct = self.address(recipient)
        if acct is None:
            raise Unreachable(self._no_address(recipient))
        return acct

    def _lookup(self, acct: str) -> Mapping[str, Any] | None:
        try:
            return dict(self._api.account_lookup(acct))
        except MastodonNotFoundError:
            pass
        for account in self._api.account_search(acct, limit=5, resolve=True):
            if _same_account(str(account.get("acct", "")), acct):
                return dict(account)
        return None

    def _text(self, acct: str, body: str) -> str:
        defused = _MENTION.sub(lambda m: "@" + _WORD_JOINER + m.group(0)[1:], body.strip())
        text = f"@{acct} {defused}"
        self._check_size(_length(text), self.options.max_chars, "direct message")
        return text

    def _post(self, message: PrivateMessage, acct: str, what: str) -> SendReceipt:
        text = self._text(acct, message.body)
        lang = message.lang if message.lang and len(message.lang) == 2 else None
        try:
            status = self._api.status_post(
                text,
                visibility="direct",
                idempotency_key=message.idempotency_key,
                language=lang,
            )
        except Exception as exc:
            raise self._failure(exc, what, delivering=True) from None
        if not isinstance(status, Mapping) or not status.get("id"):
            raise unreadable_answer(what, None)  # not a status: nothing to verify
        return self._verified(status, acct, what)

    def _verified(self, status: Mapping[str, Any], acct: str, what: str) -> SendReceipt:
        """The receipt, or the status deleted and a failure when it is not what we asked."""
        status_id = str(status.get("id") or "")
        visibility = status.get("visibility")
        mentioned = {str(m.get("acct", "")).lower() for m in status.get("mentions") or []}
        if visibility == "direct" and len(mentioned) == 1 and _same_account(min(mentioned), acct):
            return self._receipt(status_id, f"Mastodon direct status {status_id} to @{acct}")
        deleted = self._delete(status_id)
        if visibility == "direct" and not mentioned:
            raise Unreachable(
                f"{what}: Mastodon could not resolve @{acct}, so nobody would see it; "
                f"{deleted}; the next channel is tried"
            )
        raise DeliveryFailed(
            f"{what}: Mastodon created status {status_id} as {visibility!r} mentioning "
            f"{sorted(mentioned) or 'nobody'} instead of a direct message to @{acct}; "
            f"{deleted}; report this to the instance admin before retrying"
        )

    def _delete(self, status_id: str) -> str:
        try:
            self._api.status_delete(status_id)
        except MastodonError:
            return f"deleting it failed: delete status {status_id} by hand now"
        return "it was deleted at once"

    def _search_own(self, message: PrivateMessage, acct: str, attempted_at: datetime) -> str | None:
        me = self._api.account_verify_credentials()
        since = attempted_at - READ_BACK_SKEW
        statuses = self._api.account_statuses(me["id"], since_id=since, limit=40)
        wanted = comparable(_without_mentions(message.body))
        for status in statuses:
            mentioned = [str(m.get("acct", "")) for m in status.get("mentions") or []]
            text = _plain(str(status.get("content") or ""))
            if (
                status.get("visibility") == "direct"
                and any(_same_account(m, acct) for m in mentioned)
                and comparable(_without_mentions(text)) == wanted
            ):
                return str(status["id"])
        return None

    def _failure(self, exc: Exception, what: str, *, delivering: bool = False) -> ChannelError:
        """Map Mastodon.py errors; only the status post itself can have an unknown outcome."""
        if isinstance(exc, ChannelError):
            return exc
        if isinstance(exc, MastodonRatelimitError):
            reset = getattr(self._api, "ratelimit_reset", None)
            now = self._now()
            retry_at = (
                datetime.fromtimestamp(float(reset), UTC)
                if isinstance(reset, int | float)
                else now + DEFAULT_RETRY_AFTER
            )
            return rate_limited(what, max(retry_at, now))
        if isinstance(exc, MastodonNetworkError):
            return transport_failure(exc, what, delivering=delivering)
        if isinstance(exc, MastodonServerError):
            return server_error(what, _status(exc), delivering=delivering)
        if isinstance(exc, MastodonUnauthorizedError):
            return account_refused(
                what, 401, _error(exc), "check the Mastodon access token (write scope)"
            )
        if isinstance(exc, MastodonAPIError) and str(exc.args[0]).startswith(_NOT_JSON):
            return unreadable_answer(what, None, delivering=delivering)
        if isinstance(exc, MastodonAPIError) and delivering and _status(exc) == 404:
            # the statuses endpoint itself is missing: the instance URL is wrong, not the message
            hint = "check api_base_url: it should be the instance's address, e.g. https://mastodon.social"
            return account_refused(what, 404, _error(exc), hint)
        if isinstance(exc, MastodonAPIError) and _status(exc) == 403:
            hint = "the token lacks a scope or the account is disabled; check it on the instance"
            return account_refused(what, 403, _error(exc), hint)
        if isinstance(exc, MastodonAPIError):
            return refused(what, _status(exc), _error(exc), "Mastodon refused it; see the error")
        raise exc


def _same_account(mentioned: str, acct: str) -> bool:
    """Does a status's mention ``acct`` (``name`` when local to the instance) name ``acct``?"""
    mentioned, acct = mentioned.lower().lstrip("@"), acct.lower().lstrip("@")
    return mentioned == acct or ("@" not in mentioned and acct.partition("@")[0] == mentioned)


def _length(text: str) -> int:
    """Characters as Mastodon counts them: links weigh 23, mentions only their name."""
    text = _URL.sub("x" * _URL_WEIGHT, text)
    return len(_MENTION.sub(lambda m: "@" + m.group(1), text))


def _plain(content: str) -> str:
    """A status's text from its HTML. Inline tags go without a trace: Mastodon writes a
    mention as ``@<span>name</span>`` and a link as several spans."""
    return html.unescape(_TAG.sub("", _BREAK.sub(" ", content)))


def _without_mentions(text: str) -> str:
    return _MENTION.sub(" ", text.replace(_WORD_JOINER, ""))


def _status(exc: MastodonError) -> int:
    args = exc.args
    return int(args[1]) if len(args) > 1 and isinstance(args[1], int) else 0


def _error(exc: MastodonError) -> str:
    args = exc.args
    return " ".join(str(args[3]).split())[:200] if len(args) > 3 and args[3] else ""


def build(
    options: MastodonDmOptions, env: Mapping[str, str], deps: ChannelDeps
) -> MastodonDmChannel:
    """A Mastodon direct-message channel (CredentialMissing when the token is unset)."""
    token = resolve("mastodon_dm", options.access_token, env, kind="channel")
    api = Mastodon(
        access_token=token,
        api_base_url=options.api_base_url,
        ratelimit_method="throw",  # never sleep inside a send: the outbox schedules
        request_timeout=options.timeout_s,
        mastodon_version=options.mastodon_version,
        version_check_mode="none",
        session=deps.session(),
    )
    return MastodonDmChannel(options, api, deps=deps)
