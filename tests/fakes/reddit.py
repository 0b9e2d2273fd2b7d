"""A fake Reddit for PMs: the password-grant token, ``/api/compose/`` and user about."""

from __future__ import annotations

from flask import Response, jsonify, request

from tests.fakes.server import FakeService, Received

RATELIMIT_TEXT = "Looks like you've been doing that a lot. Take a break for 7 minutes."


class FakeReddit(FakeService):
    """Counts PMs per username; ``missing``, ``closed`` and ``suspended`` users refuse."""

    def __init__(
        self,
        *,
        username: str = "kopisenja",
        password: str = "pw",
        missing: set[str] | None = None,
        closed: set[str] | None = None,
        suspended: set[str] | None = None,
    ) -> None:
        super().__init__("fake-reddit")
        self.username, self.password = username, password
        self.missing = set(missing or ())
        self.closed = set(closed or ())
        self.suspended = set(suspended or ())
        self.ratelimited = False  # True: compose answers Reddit's RATELIMIT error
        self.tokens = 0
        app = self.app
        app.post("/api/v1/access_token")(self._token)
        app.post("/api/compose/")(self._compose)
        app.get("/user/<name>/about/")(self._about)

    def _token(self) -> Response:
        form = request.form
        if form.get("username") != self.username or form.get("password") != self.password:
            return jsonify({"error": "invalid_grant"})
        self.tokens += 1
        return jsonify(
            {"access_token": "t", "token_type": "bearer", "expires_in": 86400, "scope": "*"}
        )

    def _compose(self) -> Response:
        to, subject, text = (request.form.get(k, "") for k in ("to", "subject", "text"))
        if to in self.missing or to in self.suspended:
            return _errors("USER_DOESNT_EXIST", "that user doesn't exist")
        if to in self.closed:
            return _errors("NOT_WHITELISTED_BY_USER_MESSAGE", "can't send a message to that user")
        if self.ratelimited:
            return _errors("RATELIMIT", RATELIMIT_TEXT)

        def store() -> Received:
            return self.record(to, text, self.next_id(), subject=subject)

        return self.deliver_with_faults(store, lambda _: jsonify({"json": {"errors": []}}))

    def _about(self, name: str) -> Response:
        if name in self.missing:
            response = jsonify({"message": "Not Found", "error": 404})
            response.status_code = 404
            return response
        if name in self.suspended:
            return jsonify({"kind": "t2", "data": {"name": name, "is_suspended": True}})
        data = {"name": name, "id": "abc1", "accept_pms": name not in self.closed}
        return jsonify({"kind": "t2", "data": data})


def _errors(kind: str, message: str) -> Response:
    return jsonify({"json": {"errors": [[kind, message, "to"]]}})
