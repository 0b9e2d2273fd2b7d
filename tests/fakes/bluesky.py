"""A fake Bluesky PDS with the chat service behind its proxy header.

Chat calls must carry ``atproto-proxy: <chat did>#bsky_chat`` (as the real PDS needs to
route them); without it they fail, which proves the channel uses the chat proxy.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

from flask import Response, jsonify, request

from tests.fakes.server import FakeService, Received

CHAT_DID = "did:web:api.bsky.chat"
BRAND_DID = "did:plc:brand"


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


#: An unsigned JWT that atproto reads (it only looks at ``exp``), valid until 2100.
JWT = ".".join(
    [
        _b64({"alg": "HS256", "typ": "JWT"}),
        _b64({"scope": "com.atproto.appPass", "sub": BRAND_DID, "iat": 1, "exp": 4102444800}),
        "sig",
    ]
)


class FakeBluesky(FakeService):
    """Counts chat messages per recipient DID; ``closed`` DIDs have ``can_chat`` false."""

    def __init__(
        self,
        handles: dict[str, str] | None = None,
        *,
        closed: set[str] | None = None,
        handle: str = "kopisenja.bsky.social",
        password: str = "app-pass",
        chat_did: str = CHAT_DID,
    ) -> None:
        super().__init__("fake-bluesky")
        self.handles = dict(handles or {})  # handle -> did
        self.closed = set(closed or ())
        self.handle, self.password, self.chat_did = handle, password, chat_did
        self.sessions = 0
        self._convos: dict[str, str] = {}  # convo id -> the other member's DID
        app = self.app
        app.post("/xrpc/com.atproto.server.createSession")(self._session)
        app.get("/xrpc/com.atproto.identity.resolveHandle")(self._resolve)
        app.get("/xrpc/chat.bsky.convo.getConvoAvailability")(self._availability)
        app.get("/xrpc/chat.bsky.convo.getConvoForMembers")(self._convo_for)
        app.post("/xrpc/chat.bsky.convo.sendMessage")(self._send)
        app.get("/xrpc/chat.bsky.convo.getMessages")(self._messages)

    def _session(self) -> Response:
        body = request.get_json(silent=True) or {}
        if body.get("identifier") != self.handle or body.get("password") != self.password:
            return _error(401, "AuthenticationRequired", "Invalid identifier or password")
        self.sessions += 1
        return jsonify(
            {"accessJwt": JWT, "refreshJwt": JWT, "handle": self.handle, "did": BRAND_DID}
        )

    def _resolve(self) -> Response:
        did = self.handles.get(request.args.get("handle", ""))
        if did is None:
            return _error(400, "InvalidRequest", "Unable to resolve handle")
        return jsonify({"did": did})

    def _chat_denied(self) -> Response | None:
        if request.headers.get("atproto-proxy") != f"{self.chat_did}#bsky_chat":
            return _error(400, "InvalidRequest", "chat calls need the atproto-proxy header")
        if request.headers.get("Authorization") != f"Bearer {JWT}":
            return _error(401, "AuthenticationRequired", "login first")
        return None

    def _convo(self, did: str) -> dict[str, Any]:
        members = [
            {"did": BRAND_DID, "handle": self.handle},
            {
                "did": did,
                "handle": next((h for h, d in self.handles.items() if d == did), "x.test"),
            },
        ]
        convo_id = f"convo-{did.rsplit(':', 1)[-1]}"
        self._convos[convo_id] = did
        return {
            "id": convo_id,
            "members": members,
            "muted": False,
            "rev": "1",
            "unreadCount": 0,
            "status": "accepted",
            "lockStatus": "unlocked",
        }

    def _availability(self) -> Response:
        denied = self._chat_denied()
        if denied is not None:
            return denied
        did = request.args.get("members", "")
        if did in self.closed:
            return jsonify({"canChat": False})
        return jsonify({"canChat": True, "convo": self._convo(did)})

    def _convo_for(self) -> Response:
        denied = self._chat_denied()
        return denied or jsonify({"convo": self._convo(request.args.get("members", ""))})

    def _send(self) -> Response:
        denied = self._chat_denied()
        if denied is not None:
            return denied
        body = request.get_json(silent=True) or {}
        convo_id = str(body.get("convoId", ""))
        did = self._convos.get(convo_id, "")
        if not did or did in self.closed:
            return _error(400, "InvalidConvo", "recipient has disabled incoming messages")
        text = str((body.get("message") or {}).get("text", ""))

        def store() -> Received:
            sent_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
            return self.record(did, text, f"msg{self.next_id()}", sent_at=sent_at)

        return self.deliver_with_faults(store, lambda item: jsonify(_view(item)))

    def _messages(self) -> Response:
        denied = self._chat_denied()
        if denied is not None:
            return denied
        convo_id = request.args.get("convoId", "")
        did = self._convos.get(convo_id)
        mine = [r for r in self.received if r.recipient == did]
        return jsonify({"messages": [_view(r) for r in reversed(mine)]})


def _view(item: Received) -> dict[str, Any]:
    return {
        "$type": "chat.bsky.convo.defs#messageView",
        "id": item.id,
        "rev": item.id,
        "sender": {"did": BRAND_DID},
        "sentAt": item.meta["sent_at"],
        "text": item.text,
    }


def _error(status: int, error: str, message: str) -> Response:
    response = jsonify({"error": error, "message": message})
    response.status_code = status
    return response
