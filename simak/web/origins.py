"""Where a request came from and where to send the person back: the page a POST was made
from, plain local paths only (never //elsewhere), the same-origin check, and what to say
when a POST finds its session signed out or its form older than the sign-in."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from starlette.requests import Request

#: Form fields a person types (shown back when a POST finds its session gone).
TYPED = ("subject", "draft", "text", "reason")
SIGNED_OUT = (
    "you are signed out (12 hours passed, or you signed out), so nothing was done or saved; "
    "sign in to go back to the page"
)
STALE_SIGN_IN = "this sign-in page was open too long, so nothing was done: sign in again"
STALE_FORM = (
    "this page was opened before you last signed in, so nothing was done or saved; "
    "go back to the page and try again"
)
_PAGE = re.compile(r"/(?:followups|people|ideas)/\d+")
_LOCAL = re.compile(r"/[a-z0-9/_-]*")


def page_of(request: Request) -> str:
    """The page a POST was made from: where to go back after signing in again."""
    path = request.url.path
    if found := _PAGE.match(path):
        return found.group(0)
    return {"queue": "/queue", "ideas": "/ideas", "admin": "/admin/users"}.get(
        path.split("/")[1], "/"
    )


def local_path(value: str | None) -> str | None:
    """``value`` if it is a plain path on this site (never //elsewhere), else None."""
    text = value or ""
    return text if _LOCAL.fullmatch(text) and not text.startswith("//") else None


def same_origin(request: Request) -> bool:
    """Whether the browser says the request came from one of this site's pages."""
    if request.headers.get("sec-fetch-site") == "same-origin":
        return True
    origin = request.headers.get("origin")
    return bool(origin) and urlsplit(origin).netloc == request.headers.get("host")
