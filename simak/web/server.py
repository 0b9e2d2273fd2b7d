"""The console's ASGI app: routes, sign-in, roles, CSRF and security headers.

Every handler calls a use case from ``simak.usecases`` (in a worker thread) and renders a
template; no business logic lives here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from html import escape as html_escape
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.convertors import IntegerConvertor, register_url_convertor
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from common.errors import NotFound, SimakError
from simak.app import App
from simak.usecases import followups
from simak.usecases import users as user_uc
from simak.web import filters, origins, probe, views
from simak.web.favicon import favicon
from simak.web.overview import OverviewPages
from simak.web.sessions import COOKIE, MAX_AGE, Session, Signer
from simak.web.user_pages import UserPages

HERE = Path(__file__).parent
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
ROLE_RANK = {"staff": 0, "owner": 1, "admin": 2}
ROLE_REFUSAL = {
    "owner": "owners and admins only; ask an admin if you need this page",
    "admin": "admins only; ask an admin if you need this page",
}
Handler = Callable[[Request], Awaitable[Response]]
#: What a page that is not there says (404: no such page; 405: a button's address).
NO_PAGE = {
    404: "there is no page at {path}; check the address, or go on to your start page",
    405: "{path} is a button's address, not a page, so nothing was done; "
    "go to the item's page and press the button there",
}
CRASHED = (
    "the console hit an error it did not expect (it is in the server's log for your admin); "
    "open the item again to see where it stands before you act on it again"
)
ON = {"back": "/", "back_label": "Go to your start page"}


class IdConvertor(IntegerConvertor):
    """A row id in a path: up to 18 digits, so a longer one is an unknown page (404), not a
    number the database cannot take (a 500 before)."""

    regex = "[0-9]{1,18}"


register_url_convertor("id", IdConvertor())


class Console:
    """One console: the App it serves, its signer and its templates."""

    def __init__(self, app: App, secret: str, *, secure_cookies: bool = False) -> None:
        self.app = app
        self.signer = Signer(secret)
        self.secure = secure_cookies
        self.env = Environment(
            loader=FileSystemLoader(HERE / "templates"),
            autoescape=select_autoescape(default=True, default_for_string=True),
        )
        self.env.filters["safe_url"] = filters.safe_url
        self.env.filters["when"] = filters.when_filter(app)
        self.env.filters["due"] = filters.due_filter(app)  # "in 3h" / "2h overdue"
        self.env.filters["counted"] = filters.counted  # "1 complaint", "2 complaints"
        self.env.filters["hinted"] = filters.hinted  # CLI hints -> the console's pages
        self.env.globals["actions"] = followups.actions  # which buttons a status shows

    # --- sessions -------------------------------------------------------------------

    def session_of(self, request: Request) -> Session:
        return self.signer.load(request.cookies.get(COOKIE)) or self.signer.new(None)

    def render(self, request: Request, name: str, code: int = 200, **context: Any) -> HTMLResponse:
        session = request.state.session
        context.setdefault("problem", request.query_params.get("problem") == "1")
        html = self.env.get_template(name).render(
            csrf=self.signer.csrf(session), user=getattr(request.state, "user", None), **context
        )
        response = HTMLResponse(html, status_code=code)
        self.set_cookie(response, session)
        return response

    def set_cookie(self, response: Response, session: Session) -> None:
        response.set_cookie(
            COOKIE,
            self.signer.dump(session),
            max_age=MAX_AGE,
            httponly=True,
            samesite="lax",
            secure=self.secure,
        )

    async def form(self, request: Request) -> dict[str, str]:
        data = await request.form()
        return {k: str(v) for k, v in data.items()}

    async def user_of(self, session: Session) -> user_uc.UserRecord | None:
        """The user the session signs in (None: signed out, revoked, disabled, expired)."""
        if session.uid is None:
            return None
        return await run_in_threadpool(
            user_uc.session_user, self.app, session.uid, session.sid, session.epoch
        )

    async def signed_out(self, request: Request) -> Response:
        """Not (or no longer) signed in. A GET goes to sign-in; a POST gets the sign-in page
        saying why, with the words it carried to copy (nothing was saved) and a way back to
        the page it came from. Only a same-origin POST has its words shown back."""
        request.state.session = self.signer.new(None)
        if request.method != "POST":
            return RedirectResponse("/login", 303)
        typed: dict[str, str] = {}
        if origins.same_origin(request):
            form = await self.form(request)
            typed = {k: form[k] for k in origins.TYPED if form.get(k, "").strip()}
        context = {"error": origins.SIGNED_OUT, "typed": typed, "next": origins.page_of(request)}
        return self.render(request, "login.html", 401, **context)

    async def stale_form(self, request: Request, user: user_uc.UserRecord | None) -> Response:
        """A POST whose form came from another session (a sign-in page left open past 12
        hours, or a tab from before signing in again): nothing is done. Signed out, it gets
        the sign-in page again; signed in, a page saying so, with the words it carried (a
        same-origin POST only) and a link back to the page."""
        typed: dict[str, str] = {}
        if origins.same_origin(request):
            form = await self.form(request)
            typed = {k: form[k] for k in origins.TYPED if form.get(k, "").strip()}
        if user is None:
            request.state.session = self.signer.new(None)
            return self.render(request, "login.html", 403, error=origins.STALE_SIGN_IN)
        context = {"message": origins.STALE_FORM, "typed": typed, "back": origins.page_of(request)}
        return self.render(request, "error.html", 403, **context)

    def guard(self, role: str, handler: Handler) -> Handler:
        """Signed in with at least ``role``; POSTs carry the session's CSRF token."""

        async def guarded(request: Request) -> Response:
            session = self.session_of(request)
            request.state.session = session
            user = None if role == "anon" else await self.user_of(session)
            if role != "anon" and user is None:
                return await self.signed_out(request)
            request.state.user = user
            if request.method == "POST":
                token = request.headers.get("x-csrf-token") or (await self.form(request)).get(
                    "csrf_token"
                )
                if not self.signer.csrf_ok(session, token):
                    return await self.stale_form(request, user)
            if user is not None and ROLE_RANK[user.role] < ROLE_RANK[role]:
                message = ROLE_REFUSAL.get(role, "admins only")
                return self.render(request, "error.html", 403, message=message)
            return await handler(request)

        return guarded


def build(app: App, secret: str, *, secure_cookies: bool = False) -> Starlette:
    """The ASGI application for ``app``."""
    c = Console(app, secret, secure_cookies=secure_cookies)
    pages = views.Pages(c)
    overview = OverviewPages(c)
    admin = UserPages(c)
    routes = [
        Route("/", c.guard("staff", pages.home)),
        Route("/login", c.guard("anon", pages.login_form), methods=["GET"]),
        Route("/login", c.guard("anon", pages.login), methods=["POST"]),
        Route("/logout", c.guard("staff", pages.logout), methods=["POST"]),
        Route("/queue", c.guard("staff", pages.queue)),
        Route("/queue/bulk-approve", c.guard("staff", pages.bulk_approve), methods=["POST"]),
        Route("/followups/{fid:id}", c.guard("staff", pages.followup)),
        Route("/followups/{fid:id}/{action}", c.guard("staff", pages.act), methods=["POST"]),
        Route("/people", c.guard("staff", pages.people_find)),
        Route("/people/{pid:id}", c.guard("staff", pages.person)),
        Route("/people/{pid:id}/{action}", c.guard("staff", pages.person_act), methods=["POST"]),
        Route("/ideas", c.guard("owner", overview.ideas)),
        Route("/ideas/merge", c.guard("owner", overview.ideas_merge), methods=["POST"]),
        Route("/ideas/undo/{mid:id}", c.guard("owner", overview.ideas_undo), methods=["POST"]),
        Route("/ideas/{gid:id}", c.guard("owner", overview.idea)),
        Route("/ideas/{gid:id}/{action}", c.guard("owner", overview.idea_act), methods=["POST"]),
        Route("/dashboard", c.guard("staff", overview.dashboard)),
        Route("/audit", c.guard("owner", overview.audit)),
        Route("/admin/users", c.guard("admin", admin.users)),
        Route("/admin/users", c.guard("admin", admin.users_add), methods=["POST"]),
        Route("/admin/users/{action}", c.guard("admin", admin.user_act), methods=["POST"]),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
        Route("/favicon.ico", _favicon, methods=["GET"]),
        *probe.routes(app),
    ]

    async def refused(request: Request, exc: Exception) -> Response:
        # A use case said no (unknown id, bad input): one line, never a traceback; on a
        # console page (nav and a way back) once the request has its session.
        code = 404 if isinstance(exc, NotFound) else 400
        said = app.redact(str(exc))  # the one line, with any secret hidden as everywhere
        if getattr(request.state, "session", None) is None:
            return HTMLResponse(html_escape(said), code)
        heading = "Not found" if code == 404 else "Not done"
        back = origins.page_of(request) if request.method == "POST" else None
        return c.render(request, "error.html", code, message=said, heading=heading, back=back)

    async def no_page(request: Request, exc: Exception) -> Response:
        # A mistyped or half-copied address, or a button's address opened as a page: a
        # console page saying so with a way on, not a bare "Not Found" text.
        code = int(getattr(exc, "status_code", 404))
        said = NO_PAGE.get(code, "{path}: {detail}").format(
            path=request.url.path, detail=getattr(exc, "detail", "")
        )
        request.state.session = c.session_of(request)
        heading = "Not found" if code == 404 else "Not done"
        return c.render(request, "error.html", code, message=said, heading=heading, **ON)

    async def crashed(request: Request, exc: Exception) -> Response:
        # Anything unexpected: the traceback goes to the server's log (Starlette re-raises
        # it after this answer), the person gets one line and a way on, never a trace.
        page = c.env.get_template("error.html").render(
            csrf="", user=None, message=CRASHED, heading="Something went wrong", **ON
        )
        return HTMLResponse(page, 500)

    return Starlette(
        routes=routes,
        middleware=[Middleware(BaseHTTPMiddleware, dispatch=_headers)],
        exception_handlers={SimakError: refused, HTTPException: no_page, Exception: crashed},
    )


async def _favicon(request: Request) -> Response:
    """The browser's tab icon (no sign-in needed: the sign-in page asks for it too)."""
    return Response(favicon(), media_type="image/x-icon")


async def _headers(request: Request, call_next: Handler) -> Response:
    response = await call_next(request)
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Frame-Options"] = "DENY"
    if request.url.path == "/favicon.ico":
        response.headers["Cache-Control"] = "public, max-age=86400"
    elif not request.url.path.startswith("/static/"):
        # Pages carry customers' words: none is kept by the browser, so Back after signing
        # out (or after approving) asks the server again instead of showing an old copy.
        response.headers["Cache-Control"] = "no-store"
    return response
