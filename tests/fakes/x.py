"""A fake X API v2 for DMs: send, read DM events back, look users up.

tweepy hard-codes ``https://api.twitter.com``; the ``x_dm`` channel's ``api_base_url``
option rewrites it to this fake's URL.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Response, jsonify, request

from tests.fakes.server import FakeService, Received

ME = "9000"  # the brand account's user id


class FakeX(FakeService):
    """Counts DMs per participant id; ``closed`` ids answer 403, ``missing`` 404."""

    def __init__(
        self,
        users: dict[str, str] | None = None,
        *,
        closed: set[str] | None = None,
        missing: set[str] | None = None,
    ) -> None:
        super().__init__("fake-x")
        self.users = dict(users or {})  # username -> id
        self.closed = set(closed or ())
        self.missing = set(missing or ())
        self.auth_headers: list[str] = []
        app = self.app
        app.post("/2/dm_conversations/with/<pid>/messages")(self._send)
        app.get("/2/dm_conversations/with/<pid>/dm_events")(self._events)
        app.get("/2/users/by/username/<username>")(self._user)

    def _authorized(self) -> Response | None:
        auth = request.headers.get("Authorization", "")
        self.auth_headers.append(auth.split(" ", 1)[0])
        if not auth.startswith(("OAuth ", "Bearer ")):
            return _problem(401, "Unauthorized", "Unauthorized")
        return None

    def _send(self, pid: str) -> Response:
        denied = self._authorized()
        if denied is not None:
            return denied
        if pid in self.missing:
            return _problem(404, "Not Found Error", f"Could not find user with id: [{pid}].")
        if pid in self.closed:
            return _problem(403, "Forbidden", "You cannot send messages to this user.")
        text = str((request.get_json(silent=True) or {}).get("text", ""))

        def store() -> Received:
            now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
            return self.record(pid, text, self.next_id(), created_at=now)

        def answer(item: Received) -> Response:
            data = {"dm_conversation_id": f"{ME}-{pid}", "dm_event_id": item.id}
            response = jsonify({"data": data})
            response.status_code = 201
            return response

        return self.deliver_with_faults(store, answer)

    def _events(self, pid: str) -> Response:
        denied = self._authorized()
        if denied is not None:
            return denied
        mine = [r for r in self.received if r.recipient == pid]
        data: list[dict[str, Any]] = [
            {
                "id": r.id,
                "event_type": "MessageCreate",
                "text": r.text,
                "sender_id": ME,
                "created_at": r.meta["created_at"],
            }
            for r in reversed(mine)
        ]
        return jsonify({"data": data, "meta": {"result_count": len(data)}})

    def _user(self, username: str) -> Response:
        denied = self._authorized()
        if denied is not None:
            return denied
        uid = self.users.get(username.lower())
        if uid is None:
            return jsonify(
                {
                    "errors": [
                        {
                            "value": username,
                            "detail": f"Could not find user with username: [{username}].",
                            "title": "Not Found Error",
                            "type": "https://api.twitter.com/2/problems/resource-not-found",
                        }
                    ]
                }
            )
        return jsonify({"data": {"id": uid, "name": username, "username": username}})


def _problem(status: int, title: str, detail: str) -> Response:
    response = jsonify({"title": title, "detail": detail, "type": "about:blank", "status": status})
    response.status_code = status
    return response
