"""The overview pages: the ideas board and an idea's page (owners), the dashboard, the
audit log (owners). Like :mod:`simak.web.views`: read a form, call one use case, render
or redirect."""

from __future__ import annotations

from dataclasses import asdict

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from common.errors import SimakError, UsageError
from simak.usecases import alerts, idea_board, reports
from simak.usecases.idea_breakdown import breakdown
from simak.usecases.ideas import maybe_same
from simak.web.charts import bar_chart
from simak.web.handling import _back, _int, _json, call, number_in
from simak.web.views import PAGE_SIZE, Pages

AUDIT_PAGE = 200  # entries on the audit page (the newest; filters narrow it)


class OverviewPages(Pages):
    """The overview handlers (who may reach each: see the routes in ``server``)."""

    # --- ideas ------------------------------------------------------------------------------

    async def ideas(self, request: Request) -> Response:
        """The board, filtered by brand, status and days since someone last asked (an
        unknown filter is said and the whole board shown, as on the queue)."""
        query = request.query_params
        brand, status = query.get("brand") or None, query.get("status") or None
        since, msg = _int(query.get("since")), query.get("msg")
        try:
            if query.get("since") and (since is None or since < 1):
                raise UsageError(f"since {query.get('since')!r} days? give a whole number")
            board = await call(
                idea_board.board, self.app, brand=brand, status=status,
                since_days=since, limit=PAGE_SIZE,
            )  # fmt: skip
        except SimakError as exc:
            msg, brand, status, since = f"{exc}: showing every idea", None, None, None
            board = await call(idea_board.board, self.app, limit=PAGE_SIZE)
        return self.c.render(
            request, "ideas.html", board=board, msg=msg, brands=self.app.settings.names(),
            statuses=idea_board.IDEA_STATUSES, brand=brand or "", status=status or "",
            since=since or "",
        )  # fmt: skip

    async def ideas_merge(self, request: Request) -> Response:
        form = await self.c.form(request)
        try:
            kept, gone = _group_id(form.get("kept", "")), _group_id(form.get("merged", ""))
            done = await call(idea_board.merge, self.app, kept, gone, self._actor(request))
        except SimakError as exc:
            return _back("/ideas", str(exc), problem=True)
        people = "1 person" if done.group.people == 1 else f"{done.group.people} people"
        said = "; ".join((f"merged idea {gone} into {kept}: {people} now", *done.advice))
        return _back("/ideas", said)

    async def ideas_undo(self, request: Request) -> Response:
        gone = int(request.path_params["mid"])
        try:
            kept, back = await call(idea_board.unmerge, self.app, gone, self._actor(request))
        except SimakError as exc:
            return _back("/ideas", str(exc), problem=True)
        return _back("/ideas", f"merge undone: idea {back.id} stands alone again beside {kept.id}")

    async def idea(self, request: Request) -> Response:
        """One idea: its posts (to split off), who asked by language, channel and
        regulars/new, posts per week, maybe-the-same ideas, and the owner's actions."""
        gid = int(request.path_params["gid"])
        group = await call(idea_board.show, self.app, gid)
        if group.id != gid:  # merged into another: that one's page
            return RedirectResponse(f"/ideas/{group.id}", 303)
        facts = await call(breakdown, self.app, group)
        near = await call(maybe_same, self.app, group.id)
        return self.c.render(
            request, "idea.html", g=group, facts=facts, near=near,
            statuses=idea_board.IDEA_STATUSES, msg=request.query_params.get("msg"),
        )  # fmt: skip

    async def idea_act(self, request: Request) -> Response:
        gid = int(request.path_params["gid"])
        action = str(request.path_params["action"])
        form = await self.c.form(request)
        if action == "split":
            posts = [p for p in (await request.form()).getlist("posts") if str(p).isdigit()]
            form["posts"] = " ".join(str(p) for p in posts)
        try:
            if action in ("status", "notify") and not form.get("confirm"):
                confirm = await self._idea_confirm(request, gid, action, form)
                if confirm is not None:
                    return confirm
            target, msg = await call(self._idea_do, action, gid, form, self._actor(request))
        except SimakError as exc:
            return _back(f"/ideas/{gid}", str(exc), problem=True)
        return _back(target, msg)

    async def _idea_confirm(
        self, request: Request, gid: int, action: str, form: dict[str, str]
    ) -> Response | None:
        """Before anything is drafted: how many messages it would draft, to whom, and
        whom it skips, with a button that confirms (None: this change drafts nothing)."""
        status = form.get("status", "") if action == "status" else ""
        if action == "status" and not (status in idea_board.TEMPLATES and form.get("tell")):
            return None  # a status that tells no one
        group = await call(idea_board.show, self.app, gid)
        told_as = status or group.status
        report = await call(idea_board.audience, self.app, gid, told_as)
        return self.c.render(
            request, "idea_confirm.html", g=group, action=action, form=form,
            status=told_as, report=report,
        )  # fmt: skip

    def _idea_do(self, action: str, gid: int, form: dict[str, str], who: str) -> tuple[str, str]:
        app, page = self.app, f"/ideas/{gid}"
        if action == "rename":
            group = idea_board.rename(app, gid, form.get("title", ""), who)
            return page, f"idea {group.id} is now titled {group.title!r}"
        if action == "split":
            ids = [int(p) for p in form.get("posts", "").split()]
            if not ids:
                raise UsageError("tick the posts to split off, then Split")
            group = idea_board.split(app, gid, ids, form.get("title", ""), who)
            return f"/ideas/{group.id}", f"split {len(ids)} post(s) off idea {gid} into {group.id}"
        if action == "status":
            status = form.get("status", "")
            tell = bool(form.get("tell")) if status in idea_board.TEMPLATES else None
            note = form.get("note", "")  # the page's field holds the note: emptied, cleared
            report = idea_board.set_status(app, gid, status, who, note, tell=tell)
            return page, f"idea {gid} is {status}" + _told(report)
        if action == "notify":
            return page, f"idea {gid}" + _told(idea_board.notify(app, gid))
        raise UsageError(f"unknown action {action!r}")

    # --- dashboard and audit -------------------------------------------------------------

    async def dashboard(self, request: Request) -> Response:
        stats = await call(reports.stats, self.app)
        sources = await call(reports.sources, self.app)
        per_day = await call(reports.daily_labels, self.app)
        spikes = await call(alerts.recent_alerts, self.app)
        days = {
            label: bar_chart(
                f"{label.capitalize()} per day (last 14 days)",
                {day.strftime("%m-%d"): n for day, n in counts.items()},
                width=560,
                in_order=True,
            )
            for label, counts in per_day.items()
        }
        return self.c.render(
            request,
            "dashboard.html",
            stats=stats,
            sources=sources,
            labels_chart=bar_chart("Mentions per label", stats.labels),
            followups_chart=bar_chart(
                "Follow-ups per status", {k: v for k, v in stats.followups.items() if v}
            ),
            days=days,
            spikes=spikes,
        )

    async def audit(self, request: Request) -> Response:
        """Who changed what (``simak audit``): newest first, filtered by the form's fields.
        A filter it cannot use (days that are no number, an unknown kind) is said and every
        entry shown, as on the queue and the board; as JSON it is a 400 saying why."""
        q = request.query_params
        wanted = {k: (q.get(k) or "").strip() or None for k in ("entity", "id", "actor", "since")}
        msg = q.get("msg")
        try:
            rows = await call(self._audit_rows, wanted)
        except SimakError as exc:
            if q.get("format") == "json":
                return JSONResponse({"error": str(exc)}, 400)
            msg, wanted = f"{exc}: showing every entry", dict.fromkeys(wanted)
            rows = await call(self._audit_rows, wanted)
        if q.get("format") == "json":
            return JSONResponse([_json(asdict(r)) for r in rows])
        filters = {**wanted, "since": wanted["since"] or ""}
        return self.c.render(
            request, "audit.html", rows=rows, filters=filters, page=AUDIT_PAGE,
            entities=reports.AUDIT_ENTITIES, msg=msg,
        )  # fmt: skip

    def _audit_rows(self, wanted: dict[str, str | None]) -> list[reports.AuditEntry]:
        return reports.audit_log(
            self.app, since_days=_days(wanted["since"]), entity=wanted["entity"],
            entity_id=wanted["id"], actor=wanted["actor"], limit=AUDIT_PAGE,
        )  # fmt: skip


def _days(value: str | None) -> float | None:
    """The audit page's "last N days" (empty: all): a usage error when not a number >= 0."""
    if not value:
        return None
    return number_in(value, 0, 36600, f"the last {value!r} days? give a number of days, e.g. 7")


def _told(report: idea_board.NoticeReport) -> str:
    """What closing the loop did, for the flash line."""
    if not report.drafted and not report.skipped and not report.waiting_declined:
        return ""
    text = f": {len(report.drafted)} message(s) drafted, waiting for approval in the queue"
    text += f"; {len(report.skipped)} skipped" if report.skipped else ""
    waiting = ", ".join(f"#{fid} ({who})" for _, who, fid in report.waiting_declined)
    return text + (f'; dismiss the "not for now" still waiting: {waiting}' if waiting else "")


def _group_id(value: str) -> int:
    """An idea group id from a form field (a usage error, not a crash, when it is not one)."""
    try:
        return int(value)
    except ValueError:
        raise UsageError(f"{value!r} is not an idea id; pick one from the board") from None
