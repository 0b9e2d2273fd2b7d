"""A fake Mastodon instance: statuses with Idempotency-Key, account lookup, own statuses.

Direct statuses are delivered to the accounts their text mentions (as Mastodon does);
any status that is not ``direct`` is kept in ``public_posts`` — a test fails on it.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from typing import Any

from flask import Response, jsonify, request

from tests.fakes.server import FakeService, Received

_MENTION = re.compile(r"(?<![\w/@])@(\w+(?:[\w.-]*\w)?)(?:@([\w.-]+\w))?")
_TOKEN = re.compile(r"(?P<url>https?://\S+)|" + _MENTION.pattern)
ME = {"id": "1", "username": "kopisenja", "acct": "kopisenja", "display_name": "Kopi Senja"}


class FakeMastodon(FakeService):
    """Counts direct statuses per mentioned ``acct`` (local accounts by bare name)."""

    def __init__(
        self,
        accounts: dict[str, str] | None = None,
        *,
        domain: str = "mastodon.test",
        suspended: set[str] | None = None,
    ) -> None:
        super().__init__("fake-mastodon")
        self.domain = domain
        self.accounts = dict(accounts or {})  # acct ("name" local, "name@host" remote) -> id
        self.suspended = set(suspended or ())
        self.force_visibility: str | None = None  # e.g. "public": ignore what the client asked
        self.statuses: list[dict[str, Any]] = []
        self.public_posts: list[dict[str, Any]] = []
        self.deleted: list[str] = []
        self._keys: dict[str, dict[str, Any]] = {}
        app = self.app
        app.post("/api/v1/statuses")(self._post)
        app.delete("/api/v1/statuses/<sid>")(self._delete)
        app.get("/api/v1/accounts/lookup")(self._lookup)
        app.get("/api/v1/accounts/search")(self._search)
        app.get("/api/v1/accounts/verify_credentials")(lambda: jsonify(ME))
        app.get("/api/v1/accounts/<aid>/statuses")(self._own)

    def local(self, acct: str) -> str:
        """``acct`` as this instance writes it: bare name for its own accounts."""
        name, _, host = acct.lower().lstrip("@").partition("@")
        return name if host in ("", self.domain, "127.0.0.1") else f"{name}@{host}"

    def _account(self, acct: str) -> dict[str, Any] | None:
        key = self.local(acct)
        if key not in self.accounts:
            return None
        name = key.partition("@")[0]
        return {
            "id": self.accounts[key],
            "username": name,
            "acct": key,
            "display_name": name,
            "url": f"https://{self.domain}/@{name}",
            "suspended": key in self.suspended,
        }

    def _post(self) -> Response:
        if not request.headers.get("Authorization", "").startswith("Bearer "):
            return _error(401, "The access token is invalid")
        form = request.form if request.form else (request.get_json(silent=True) or {})
        key = request.headers.get("Idempotency-Key")
        if key and key in self._keys:
            return jsonify(self._keys[key])  # Mastodon returns the first status again
        text = str(form.get("status", ""))
        visibility = self.force_visibility or str(form.get("visibility") or "public")
        mentions = [m for m in (self._account(_acct(x)) for x in _MENTION.finditer(text)) if m]

        def store() -> dict[str, Any]:
            status = self._status(text, visibility, mentions)
            self.statuses.append(status)
            if visibility == "direct":
                for account in mentions:
                    self.record(account["acct"], text, status["id"])
            else:
                self.public_posts.append(status)
            if key:
                self._keys[key] = status
            return status

        return self.deliver_with_faults(store, lambda status: jsonify(status))

    def _status(self, text: str, visibility: str, mentions: list[dict[str, Any]]) -> dict[str, Any]:
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        return {
            "id": self.next_id(),
            "created_at": now,
            "visibility": visibility,
            "content": self._html(text),
            "mentions": [{k: m[k] for k in ("id", "username", "acct", "url")} for m in mentions],
            "account": ME,
            "uri": f"https://{self.domain}/statuses/x",
            "url": None,
            "in_reply_to_id": None,
            "spoiler_text": "",
            "sensitive": False,
            "media_attachments": [],
        }

    def _html(self, text: str) -> str:
        """The status as Mastodon renders it: paragraphs, <br />, h-card mentions, and
        links split into invisible and visible spans."""

        def token(match: re.Match[str]) -> str:
            if match.group("url"):
                scheme, _, rest = match.group("url").partition("://")
                return (
                    f'<a href="{html.escape(match.group("url"))}" rel="nofollow noopener">'
                    f'<span class="invisible">{scheme}://</span><span class="">'
                    f'{html.escape(rest)}</span><span class="invisible"></span></a>'
                )
            mention = _MENTION.match(match.group(0))
            account = self._account(_acct(mention)) if mention else None
            if account is None:
                return html.escape(match.group(0))
            return (
                f'<span class="h-card" translate="no"><a href="{account["url"]}" '
                f'class="u-url mention">@<span>{account["username"]}</span></a></span>'
            )

        def inline(line: str) -> str:
            out, at = [], 0
            for match in _TOKEN.finditer(line):
                out += [html.escape(line[at : match.start()]), token(match)]
                at = match.end()
            return "".join([*out, html.escape(line[at:])])

        paragraphs = re.split(r"\n\s*\n", text.strip())
        return "".join(
            "<p>" + "<br />".join(inline(x) for x in p.split("\n")) + "</p>" for p in paragraphs
        )

    def _delete(self, sid: str) -> Response:
        self.deleted.append(sid)
        for status in self.statuses:
            if status["id"] == sid:
                return jsonify(status)
        return _error(404, "Record not found")

    def _lookup(self) -> Response:
        account = self._account(request.args.get("acct", ""))
        return jsonify(account) if account else _error(404, "Record not found")

    def _search(self) -> Response:
        account = self._account(request.args.get("q", ""))
        return jsonify([account] if account else [])

    def _own(self, aid: str) -> Response:
        return jsonify(list(reversed([s for s in self.statuses if s["id"] not in self.deleted])))


def _acct(match: re.Match[str]) -> str:
    return f"{match.group(1)}@{match.group(2)}" if match.group(2) else match.group(1)


def _error(status: int, message: str) -> Response:
    response = jsonify({"error": message})
    response.status_code = status
    return response


__all__ = ["FakeMastodon", "Received"]
