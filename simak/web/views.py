"""Page handlers for the staff pages (sign-in, the queue and its paging, one follow-up,
people): read a form, call one use case, render a template or redirect. Template filters
are :mod:`simak.web.filters`; where a request came from, :mod:`simak.web.origins`; what
every handler shares, :mod:`simak.web.handling`."""

from __future__ import annotations

import re
from dataclasses import asdict
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from common.errors import ConflictError, NotFound, SimakError, UsageError
from common.records import LABELS
from simak.usecases import followups, people, reports, snooze_times
from simak.usecases import users as user_uc
from simak.usecases.correct import correct
from simak.usecases.send import send_one
from simak.web.handling import _back, _int, _json, call, number_in
from simak.web.origins import local_path

if TYPE_CHECKING:
    from simak.web.server import Console

PAGE_SIZE = 50
#: What a queue page keeps across actions and page links: its filters and its page.
QUEUE_KEEP = ("status", "label", "after", "before", "page")
STALE = "changed since you opened it"
NOTHING_SELECTED = "nothing selected: tick the rows to approve (or press x on each), then approve"
#: The lock-out line in Indonesian, after the English one.
LOCKED_ID = "Terlalu banyak percobaan masuk yang gagal; tunggu {minutes} menit lalu coba lagi."


def _queue_url(form: dict[str, str]) -> str:
    """The queue with the filters and the page the form was posted from, so acting on
    page 3 of a filtered queue comes back to page 3 of the same filtered queue."""
    query = urlencode({k: form[k] for k in QUEUE_KEEP if form.get(k)})
    return f"/queue?{query}" if query else "/queue"


def _cursor(name: str, value: str | None) -> int | None:
    """A page link's follow-up id (``after=123``): a usage error when it is not one."""
    if value is None:
        return None
    if not value.isdigit() or len(value) > 18:
        raise UsageError(f"{name}={value!r} is no page of the queue; use its Next/Previous links")
    return int(value)


def _page_number(value: str | None) -> int | None:
    """A page number typed in the URL (``page=3``): a usage error when it is not one."""
    if value is None:
        return None
    if not re.fullmatch(r"[0-9]{1,18}", value) or int(value) < 1:
        raise UsageError(
            f"page={value!r} is no page of the queue; give a page number from 1, "
            "or use its Next/Previous links"
        )
    return int(value)


def _place(page: reports.QueuePage) -> dict[str, int]:
    """Where the page stands: its first and last row's place and how many rows match."""
    end = page.start + len(page.items) - 1 if page.items else 0
    return {"start": page.start, "end": end, "total": page.total}


def _page_links(
    page: reports.QueuePage, filters: dict[str, str], as_json: bool
) -> dict[str, str | None]:
    """The next and previous pages' URLs (None: there is none), keeping the filters."""
    extra = {"format": "json"} if as_json else {}

    def url(cursor: dict[str, int]) -> str:
        return "/queue?" + urlencode({**filters, **cursor, **extra})

    return {
        "next": url({"after": page.after}) if page.after is not None else None,
        "previous": url({"before": page.before}) if page.before is not None else None,
    }


class Pages:
    """Handlers bound to one console."""

    def __init__(self, console: Console) -> None:
        self.c = console
        self.app = console.app

    def _actor(self, request: Request) -> str:
        return str(request.state.user.name)

    # --- sign-in ----------------------------------------------------------------------

    async def home(self, request: Request) -> Response:
        role = request.state.user.role
        return RedirectResponse("/ideas" if role == "owner" else "/queue", 303)

    async def login_form(self, request: Request) -> Response:
        return self.c.render(request, "login.html", error=None)

    async def login(self, request: Request) -> Response:
        form = await self.c.form(request)
        name, password = form.get("username", ""), form.get("password", "")
        address = request.client.host if request.client else "unknown"
        try:
            user = await call(user_uc.login, self.app, name, password, address)
        except user_uc.LoginLocked as exc:  # 429 and when to come back, for people and tools
            back = local_path(form.get("next"))
            said = f"{exc}. {LOCKED_ID.format(minutes=exc.retry_after // 60)}"
            page = self.c.render(request, "login.html", 429, error=said, next=back)
            page.headers["Retry-After"] = str(exc.retry_after)
            return page
        except user_uc.LoginRefused as exc:
            back = local_path(form.get("next"))
            return self.c.render(request, "login.html", 401, error=str(exc), next=back)
        session = self.c.signer.new(user.id, user.epoch)  # a new sid: no session fixation
        home = "/ideas" if user.role == "owner" else "/queue"
        response = RedirectResponse(local_path(form.get("next")) or home, 303)
        self.c.set_cookie(response, session)
        return response

    async def logout(self, request: Request) -> Response:
        session = request.state.session
        await call(user_uc.logout, self.app, request.state.user, session.sid, session.expires_at)
        response = RedirectResponse("/login", 303)
        self.c.set_cookie(response, self.c.signer.new(None))
        return response

    # --- the queue --------------------------------------------------------------------

    async def queue(self, request: Request) -> Response:
        """A page of the queue (50 rows) with its place in the whole and links to the pages
        before and after it that keep the filters; ``?page=N`` (typed or bookmarked) is the
        N-th page of 50. An unknown filter or page link is said and the first page of the
        whole queue shown, a page number past the end said and the last page shown; as JSON
        they are a 400 (404 past the end) saying why."""
        query = request.query_params
        wanted = {k: query.get(k) or None for k in QUEUE_KEEP}
        as_json = query.get("format") == "json"
        msg = query.get("msg")
        try:
            page = await call(self._queue_page, wanted)
        except reports.NoSuchPage as exc:
            if as_json:
                return JSONResponse({"error": str(exc)}, 404)
            msg, wanted["page"] = f"{exc}; showing page {exc.last}, the last", str(exc.last)
            page = await call(self._queue_page, wanted)
        except UsageError as exc:
            if as_json:
                return JSONResponse({"error": str(exc)}, 400)
            msg, wanted = f"{exc}: showing the whole queue", dict.fromkeys(QUEUE_KEEP)
            page = await call(self._queue_page, wanted)
        filters = {k: v for k in ("status", "label") if (v := wanted[k])}
        links = _page_links(page, filters, as_json)
        if as_json:
            rows = [_json(asdict(i)) for i in page.items]
            return JSONResponse({"rows": rows, **_place(page), **links})
        return self.c.render(
            request, "queue.html", items=page.items, page=page, place=_place(page), links=links,
            status=wanted["status"] or "", label=wanted["label"] or "", labels=LABELS,
            statuses=reports.FOLLOWUP_STATUSES, msg=msg,
            keep={k: v for k, v in wanted.items() if v}, page_size=PAGE_SIZE,
            first_page=_queue_url(filters),
        )  # fmt: skip

    def _queue_page(self, wanted: dict[str, str | None]) -> reports.QueuePage:
        """The page ``wanted`` names: by its number (``page``, which wins over the links'
        ``after`` / ``before``, so a bookmarked ``?page=3`` is page 3), else by a cursor."""
        number = _page_number(wanted["page"])
        keys = ("after", "before") if number is None else ()
        cursors = {k: _cursor(k, wanted[k]) for k in keys}
        return reports.queue_page_of(
            self.app, status=wanted["status"], label=wanted["label"], limit=PAGE_SIZE,
            number=number, **cursors,
        )  # fmt: skip

    async def bulk_approve(self, request: Request) -> Response:
        form = await request.form()
        versions: dict[int, int] = {}
        for raw in form.getlist("selected"):
            fid, _, version = str(raw).partition(":")
            if fid.isdigit() and version.isdigit():
                versions[int(fid)] = int(version)
        if not versions:
            back = _queue_url({k: str(v) for k, v in form.items()})
            return _back(back, NOTHING_SELECTED, problem=True)
        result = await call(
            followups.approve_many, self.app, list(versions), self._actor(request), versions
        )
        refused = "; ".join(f"#{fid}: {why}" for fid, why in result.refused)
        msg = f"approved {len(result.done)} of {len(versions)}" + (
            f"; refused {refused}" if refused else ""
        )
        return _back(_queue_url({k: str(v) for k, v in form.items()}), msg, problem=bool(refused))

    # --- one follow-up ------------------------------------------------------------------

    async def followup(self, request: Request) -> Response:
        fid = int(request.path_params["fid"])
        view = await call(followups.show, self.app, fid)
        seen = _int(request.query_params.get("stale"))  # the version a refused action saw
        return self.c.render(
            request,
            "followup.html",
            view=view,
            person=await self._person_of(view.item.person_id),
            item=view.item,
            lead=view.item.lead,
            labels=LABELS,
            msg=request.query_params.get("msg"),
            stale=seen is not None and seen != view.item.version,
            seen_version=seen,
            snooze_choices=snooze_times.CHOICES,
        )

    async def _person_of(self, person_id: int | None) -> people.PersonView | None:
        """The person a follow-up answers, for its page: do not contact, notes, history
        (None: no person, or forgotten since)."""
        if person_id is None:
            return None
        try:
            view: people.PersonView = await call(people.show, self.app, person_id)
        except NotFound:
            return None
        return view

    async def refused(self, fid: int, exc: ConflictError, version: int | None) -> Response:
        """Back to the follow-up's page (303: a reload asks again, never posts again) with
        why: "changed since you opened it" (and the version acted on) when its version moved
        on, else the plain reason. The page gives the words typed back (console.js)."""
        view = await call(followups.show, self.app, fid)
        stale = version is not None and version != view.item.version
        text = str(exc)
        if stale and STALE not in text:
            text = f"{text} ({STALE}?)"
        target = f"/followups/{fid}?stale={version}" if stale else f"/followups/{fid}"
        return _back(target, text, problem=True)

    async def act(self, request: Request) -> Response:
        fid = int(request.path_params["fid"])
        action = str(request.path_params["action"])
        form = await self.c.form(request)
        version = _int(form.get("version"))
        who = self._actor(request)
        try:
            if version is None and action != "correct":
                raise UsageError("the form carried no version; reload the page and act again")
            if action == "send":  # not sent (failed, unknown, handed to staff): a warning
                msg, problem = await call(self._send, fid, version, who)
            else:
                msg, problem = await call(self._do, action, fid, form, version, who), False
        except ConflictError as exc:
            return await self.refused(fid, exc, version)
        except SimakError as exc:
            return _back(f"/followups/{fid}", str(exc), problem=True)
        target = _queue_url(form) if form.get("next") == "queue" else f"/followups/{fid}"
        return _back(target, msg, problem=problem)

    def _send(self, fid: int, version: int | None, who: str) -> tuple[str, bool]:
        """Send now: the line the CLI says, and whether it did not go out (a warning)."""
        done = send_one(self.app, fid, who, version)
        said = f"follow-up {fid}: {done.outcome} via {done.channel}" + (
            f" (provider id {done.external_id})" if done.external_id else ""
        )  # why it did not go (or what staff do next), as the CLI says it
        if done.outcome == "handed_to_staff":  # the page's Done button closes the task
            said += " — send it yourself, then press Done below"
        if done.detail and done.outcome != "sent":
            said = f"{said} — {done.detail}"
        return said, done.outcome != "sent"

    def _do(
        self, action: str, fid: int, form: dict[str, str], version: int | None, who: str
    ) -> str:
        app = self.app
        if action == "approve":
            return followups.approve(app, fid, who, version).message
        if action == "edit":
            changed = followups.edit(
                app, fid, form.get("draft", ""), form.get("subject"), who, version
            )
            if form.get("then") == "approve":
                return followups.approve(app, fid, who, changed.version).message
            return changed.message
        if action == "snooze":
            if form.get("until"):
                return followups.snooze_until(app, fid, form["until"], who, version).message
            hours = _hours(form.get("hours"))
            return followups.snooze_for(app, fid, hours, who, version).message
        if action == "dismiss":
            gone = followups.dismiss(app, fid, who, form.get("reason") or None, version)
            return f"{gone.message}; Reopen (below) brings it back to the queue"
        if action == "retry":
            return followups.retry(app, fid, who, version).message
        if action == "reopen":
            return followups.reopen(app, fid, who, version).message
        if action == "resolve":  # an unknown outcome: staff checked whether it arrived
            arrived = {"yes": True, "no": False}.get(form.get("delivered", ""))
            if arrived is None:
                raise UsageError("say whether it arrived: press one of the two buttons")
            return followups.resolve_unknown(app, fid, arrived, who, version=version).message
        if action == "done":  # a task handed to staff, sent by hand
            return f"{followups.done(app, fid, who, version).message} (sent by hand)"
        if action == "correct":
            mention = _int(form.get("mention_id"))
            if mention is None:
                raise UsageError("this follow-up answers no post; nothing to relabel")
            item = followups.show(app, fid).item
            if mention not in (*item.mention_ids, item.mention_id):
                raise UsageError(f"post {mention} is not in follow-up {fid}; reload the page")
            chosen = tuple(lbl for lbl in LABELS if form.get(f"label_{lbl}"))
            seen = None if version is None else (fid, version)
            done_c = correct(app, mention, chosen, who, seen=seen)
            return f"labels of post {mention}: {', '.join(chosen) or 'other'} ({done_c.outcome})"
        raise UsageError(f"unknown action {action!r}")

    # --- people ---------------------------------------------------------------------------

    async def people_find(self, request: Request) -> Response:
        q = request.query_params.get("q", "").strip()[:200]
        found = await call(people.find, self.app, q) if q else []
        named = await call(people.find_authors, self.app, q) if q else []
        authors = [(a, people.forget_command(a)) for a in named]
        return self.c.render(request, "people.html", q=q, found=found, authors=authors)

    async def person(self, request: Request) -> Response:
        view = await call(people.show, self.app, int(request.path_params["pid"]))
        return self.c.render(
            request, "person.html", person=view, msg=request.query_params.get("msg")
        )

    async def person_act(self, request: Request) -> Response:
        pid = int(request.path_params["pid"])
        action = str(request.path_params["action"])
        form = await self.c.form(request)
        who = self._actor(request)
        try:  # a refusal (a blank note) comes back to the person's page saying why
            if action == "note":
                await call(people.note, self.app, pid, form.get("text", ""), who)
                msg = "note added"
            elif action == "do-not-contact":
                # a blank "why" still marks them (the default reason); None would lift it
                reason = form.get("reason", "").strip()
                await call(people.do_not_contact, self.app, pid, who, reason)
                msg = "marked: do not contact"
            elif action == "may-contact":  # lift the mark (the follow-up page points here)
                await call(people.do_not_contact, self.app, pid, who, None)
                msg = "mark lifted: they may be contacted again"
            else:
                raise UsageError(f"unknown action {action!r}")
        except NotFound:
            raise
        except SimakError as exc:
            return _back(f"/people/{pid}", str(exc), problem=True)
        return _back(f"/people/{pid}", msg)


def _hours(value: str | None) -> float:
    """Snooze hours from a form field (24 when left out): a usage error, not a crash, when it
    is not a number of hours from 0.01 to a year (the CLI's bounds)."""
    if not value:
        return 24.0
    return number_in(
        value, 0.01, 24 * 366, f"snooze for {value!r} hours? give a number from 0.01 to 8784"
    )
