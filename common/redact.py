"""Keeping secrets out of every message, log line, stored field and JSON output."""

from __future__ import annotations

import re
from collections.abc import Iterable

_MIN_SECRET = 4  # shorter values would redact ordinary words
_URL_PASSWORD = re.compile(r"(?<=://)([^:/@\s]*):[^@\s]*@")


class Redactor:
    """Replaces every known secret value (and any password inside a URL) with ``***``."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        values = {s for s in secrets if s and len(s) >= _MIN_SECRET}
        # Longest first, so a secret containing another is replaced whole.
        self._secrets = sorted(values, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        """``text`` with secrets hidden."""
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, "***")
        return _URL_PASSWORD.sub(r"\1:***@", text)

    def optional(self, text: str | None) -> str | None:
        """Like calling it, but ``None`` stays ``None``."""
        return None if text is None else self(text)
