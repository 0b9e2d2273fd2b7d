"""Signed session cookies and CSRF tokens (HMAC-SHA256 with the console's secret).

A session is ``{"sid": random, "uid": user id or None, "g": the user's session epoch}``; its
CSRF token is an HMAC of the sid, so a token is only good for the session it was issued to.
Signing in issues a new sid; signing out revokes the sid in the database (``users.logout``),
so a copied cookie dies too. Disabling a user, changing their role or resetting their
password moves their epoch on, which ends every session issued before.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime

COOKIE = "simak_session"
MAX_AGE = 12 * 3600


@dataclass(frozen=True, slots=True)
class Session:
    """What the cookie carries."""

    sid: str
    uid: int | None
    issued: int
    epoch: int = 0

    @property
    def expires_at(self) -> datetime:
        """When the cookie stops working by itself."""
        return datetime.fromtimestamp(self.issued + MAX_AGE, UTC)


class Signer:
    """Signs and checks session cookies and CSRF tokens with one secret."""

    def __init__(self, secret: str) -> None:
        self._key = hashlib.sha256(secret.encode()).digest()

    def _mac(self, purpose: str, data: str) -> str:
        return hmac.new(self._key, f"{purpose}:{data}".encode(), hashlib.sha256).hexdigest()

    def new(self, uid: int | None, epoch: int = 0) -> Session:
        """A fresh session (new sid) for the user ``uid`` at their session ``epoch``."""
        return Session(secrets.token_urlsafe(18), uid, int(time.time()), epoch)

    def dump(self, session: Session) -> str:
        """The cookie value."""
        body = json.dumps(
            {"sid": session.sid, "uid": session.uid, "t": session.issued, "g": session.epoch}
        )
        payload = base64.urlsafe_b64encode(body.encode()).decode()
        return f"{payload}.{self._mac('session', payload)}"

    def load(self, value: str | None) -> Session | None:
        """The session in a cookie value, or None if absent, forged or expired."""
        if not value or "." not in value:
            return None
        payload, mac = value.rsplit(".", 1)
        if not hmac.compare_digest(mac, self._mac("session", payload)):
            return None
        try:
            data = json.loads(base64.urlsafe_b64decode(payload.encode()))
            session = Session(str(data["sid"]), data["uid"], int(data["t"]), int(data.get("g", 0)))
        except (ValueError, KeyError, TypeError):
            return None
        if session.issued + MAX_AGE < time.time():
            return None
        return session

    def csrf(self, session: Session) -> str:
        """The CSRF token for ``session``."""
        return self._mac("csrf", session.sid)

    def csrf_ok(self, session: Session, token: str | None) -> bool:
        """Whether ``token`` belongs to ``session``."""
        return bool(token) and hmac.compare_digest(str(token), self.csrf(session))
