"""The admins' users page: who may sign in, and per user disable / enable, role and password
reset. Like :mod:`simak.web.views`: read a form, call one use case, render or redirect."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from common.errors import SimakError, UsageError
from simak.usecases import user_admin
from simak.usecases import users as user_uc
from simak.web.handling import _back, call
from simak.web.views import Pages

HOME = "/admin/users"
#: What acting on your own account does, said before it is done.
ON_YOURSELF = {
    "disable": "disabling it signs you out, and you cannot sign in again until another "
    "admin enables you",
    "role": "a new role signs you out at once (sign in again to use it)",
    "password": "a new password signs you out of every session, this one too",
}
CONFIRM_SELF = (
    'that is your own account: {what}. Nothing was done; tick "yes, my own account" and '
    "press the button again if you mean it"
)


class UserPages(Pages):
    """The /admin/users handlers (admins only: see the routes in ``server``)."""

    async def users(self, request: Request) -> Response:
        return await self._page(request, request.query_params.get("msg"))

    async def _page(
        self, request: Request, msg: str | None, generated: tuple[str, str] | None = None
    ) -> Response:
        rows = await call(user_uc.users, self.app)
        return self.c.render(
            request, "users.html", users=rows, msg=msg, roles=("staff", "owner", "admin"),
            warnings=ON_YOURSELF, generated=generated,
        )  # fmt: skip

    async def users_add(self, request: Request) -> Response:
        form = await self.c.form(request)
        name, role = form.get("name", ""), form.get("role", "staff")
        try:  # a refusal (a taken name, a short password) comes back to the form saying why
            await call(
                user_uc.add, self.app, name, role, form.get("password", ""), self._actor(request)
            )
        except SimakError as exc:
            return _back(HOME, str(exc), problem=True)
        return _back(HOME, f"user {name} added")

    async def user_act(self, request: Request) -> Response:
        """Disable, enable, role or password for the user named in the form. A refusal
        (the last admin, an unknown name, a short password) comes back saying what to do;
        acting on yourself needs the "yes, my own account" box ticked."""
        action = str(request.path_params["action"])
        form = await self.c.form(request)
        name, actor = form.get("name", ""), self._actor(request)
        if action not in ("disable", "enable", "role", "password"):
            raise UsageError(f"{action!r} is no action on a user; use the buttons on {HOME}")
        if name == actor and action in ON_YOURSELF and form.get("confirm") != "1":
            return _back(HOME, CONFIRM_SELF.format(what=ON_YOURSELF[action]), problem=True)
        try:
            said, generated, ended = await self._change(action, name, form, actor)
        except SimakError as exc:
            return _back(HOME, str(exc), problem=True)
        if ended and name == actor:  # this session ended with the others
            return self._signed_out(request, said, generated)
        if generated is not None:  # shown once, on this page only (never in a URL)
            return await self._page(request, said, (name, generated))
        return _back(HOME, said)

    async def _change(
        self, action: str, name: str, form: dict[str, str], actor: str
    ) -> tuple[str, str | None, bool]:
        """(what to say, a generated password, whether their sessions ended)."""
        if action == "password":
            return await self._password(name, form, actor)
        if action == "role":
            role = form.get("role", "")
            done = await call(user_admin.set_role, self.app, name, role, actor)
            said = f"{name} is now {role}; their open sessions ended, so they sign in again"
            if not done.changed:
                said = f"{name} is {role} already; nothing changed"
            return said, None, done.sessions_ended
        if action == "disable":
            done = await call(user_admin.disable, self.app, name, actor)
            said = f"{name} disabled: they cannot sign in, and their open sessions ended"
        else:
            done = await call(user_admin.enable, self.app, name, actor)
            said = f"{name} enabled: they can sign in again with their password"
        if not done.changed:
            said = f"{name} was {action}d already; nothing changed"
        return said, None, done.sessions_ended

    async def _password(
        self, name: str, form: dict[str, str], actor: str
    ) -> tuple[str, str | None, bool]:
        password: str | None = None
        if form.get("generate") != "1":
            password = form.get("password", "")
            if password != form.get("again", ""):
                raise UsageError("the two passwords differ; type the same one in both boxes")
        done = await call(user_admin.reset_password, self.app, name, password, actor)
        if done.generated is None:
            return f"new password set for {name}; their open sessions ended", None, True
        said = (
            f"new password for {name} (shown only this once: give it to them in person; "
            "Simak keeps only a hash of it); their open sessions ended"
        )
        return said, done.generated, True

    def _signed_out(self, request: Request, said: str, generated: str | None) -> Response:
        """The admin acted on their own account and so signed themself out: the sign-in
        page saying so (with a password they had generated for themselves)."""
        request.state.session = self.c.signer.new(None)
        request.state.user = None
        if generated is not None:
            said = f"{said}. Your new password: {generated}"
        return self.c.render(request, "login.html", error=f"{said}. Sign in again")
