"""Keeping secrets out of every message, log line, stored field and JSON output."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable
from urllib.parse import quote, quote_plus, urlsplit

_MIN_SECRET = 4  # shorter values would redact ordinary words
_MIN_URL_TAIL = 16  # "/hook" alone is no secret; "/services/T0/B0/XyZ..." is
_URL_PASSWORD = re.compile(r"(?<=://)([^:/@\s]*):[^@\s]*@")
# A credential written into a URL's query (a private feed's ?token=, ?access_token=) or
# echoed in an Authorization header: hidden even when the config did not name it.
_QUERY_SECRET = re.compile(
    r"(?i)([?&;](?:access_token|refresh_token|id_token|token|api_?key|client_secret"
    r"|secret|password)=)[^&#;:,()\s\"'<>]+"
)
_AUTH_HEADER = re.compile(
    r"(?i)(authorization['\"]?\s*[:=]\s*['\"]?(?:bearer\s+|basic\s+|token\s+)?)[^\s'\",;}]+"
)
_BEARER = re.compile(r"(?<![A-Za-z])(Bearer\s+)[A-Za-z0-9._~+/=-]{20,}")


class Redactor:
    """Replaces every known secret value (and any password, token-like query value or
    bearer token inside a URL or header) with ``***``."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets: list[str] = []
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str | None) -> None:
        """Also hide ``secret`` (one resolved later, e.g. a token a listener fetched);
        values too short to be a secret are ignored."""
        if not secret or len(secret) < _MIN_SECRET:
            return
        # as written, inside a URL, inside a JSON string, and base64 (a Basic auth header)
        values = {secret, quote(secret, safe=""), quote_plus(secret), json.dumps(secret)[1:-1]}
        values.add(base64.b64encode(secret.encode()).decode().rstrip("="))
        values |= _url_tail(secret)
        # Longest first, so a secret containing another is replaced whole.
        found = set(self._secrets) | {v for v in values if len(v) >= _MIN_SECRET}
        self._secrets = sorted(found, key=len, reverse=True)

    def leaks(self, text: str) -> bool:
        """True when ``text`` contains a known secret value."""
        return any(secret in text for secret in self._secrets)

    def __call__(self, text: str) -> str:
        """``text`` with secrets hidden."""
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, "***")
        text = _AUTH_HEADER.sub(r"\1***", _BEARER.sub(r"\1***", text))
        text = _QUERY_SECRET.sub(r"\1***", text)
        return _URL_PASSWORD.sub(r"\1:***@", text)

    def optional(self, text: str | None) -> str | None:
        """Like calling it, but ``None`` stays ``None``."""
        return None if text is None else self(text)


def _url_tail(secret: str) -> set[str]:
    """A secret URL's path and query (a server echoes its path, not the whole URL)."""
    parts = urlsplit(secret)
    tail = parts.path + (f"?{parts.query}" if parts.query else "")
    return {tail} if parts.scheme and parts.netloc and len(tail) >= _MIN_URL_TAIL else set()
