"""The console's HTTP contract without a browser: redirects, CSRF, roles, rate limits,
JSON rows (httpx against the real server)."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from common.records import Author, Mention
from simak.usecases import followups, idea_board, people, reports, users
from simak.web import filters, views
from storage.mentions import save_mentions
from tests.web.conftest import LONG, PASSWORD, Console


def _token(client: httpx.Client, path: str = "/login") -> str:
    page = client.get(path)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match, page.text[:500]
    return match.group(1)


def _signed_in(console: Console, name: str) -> httpx.Client:
    client = httpx.Client(base_url=console.base)
    token = _token(client)
    done = client.post("/login", data={"username": name, "password": PASSWORD, "csrf_token": token})
    assert done.status_code == 303, done.text
    return client


def test_logged_out_requests_go_to_login(console: Console) -> None:
    with httpx.Client(base_url=console.base) as client:
        for path in ("/queue", "/ideas", "/dashboard", "/admin/users", "/followups/1"):
            response = client.get(path)
            assert response.status_code == 303 and response.headers["location"] == "/login"


def test_a_post_without_a_valid_csrf_token_is_refused(console: Console) -> None:
    client = _signed_in(console, "sri")
    fid = reports.queue(console.app)[0].id
    before = reports.queue(console.app, everything=True, limit=None)
    for headers, data in (({}, {}), ({"X-CSRF-Token": "forged"}, {"csrf_token": "forged"})):
        response = client.post(f"/followups/{fid}/approve", data=data, headers=headers)
        assert response.status_code == 403
    assert reports.queue(console.app, everything=True, limit=None) == before
    # and without a session the login form's token from another session does not work
    other = httpx.Client(base_url=console.base)
    refused = other.post(
        "/login", data={"username": "sri", "password": PASSWORD, "csrf_token": _token(client)}
    )
    assert refused.status_code == 403


def test_a_sign_in_page_left_open_too_long_gives_the_form_again(console: Console) -> None:
    """Before: a bare 403 "missing or wrong CSRF token" text page; now the sign-in page
    again, with a fresh token that works."""
    with httpx.Client(base_url=console.base) as client:
        stale = _token(client)
        client.cookies.clear()  # the anonymous session cookie expired overnight
        again = client.post(
            "/login", data={"username": "sri", "password": PASSWORD, "csrf_token": stale}
        )
        assert again.status_code == 403
        assert "open too long, so nothing was done: sign in again" in again.text
        fresh = re.search(r'name="csrf_token" value="([^"]+)"', again.text)
        assert fresh and 'name="password"' in again.text
        done = client.post(
            "/login", data={"username": "sri", "password": PASSWORD, "csrf_token": fresh.group(1)}
        )
        assert done.status_code == 303 and done.headers["location"] == "/queue"


def test_a_tab_from_before_signing_in_again_keeps_the_typed_words(console: Console) -> None:
    """A draft posted from a tab opened in an earlier session (the staff member signed in
    again in another tab): nothing is saved, and the words come back to copy."""
    client = _signed_in(console, "sri")
    fid = reports.queue(console.app)[0].id
    old_token = _token(client, f"/followups/{fid}")
    again = _token(client)  # a new sign-in in another tab: a new session, a new token
    assert (
        client.post(
            "/login", data={"username": "sri", "password": PASSWORD, "csrf_token": again}
        ).status_code
        == 303
    )
    before = reports.queue(console.app, everything=True, limit=None)
    words = {"csrf_token": old_token, "version": "1", "draft": "Kata-kata <b>saya</b> panjang"}
    response = client.post(
        f"/followups/{fid}/edit", data=words, headers={"Sec-Fetch-Site": "same-origin"}
    )
    assert response.status_code == 403
    assert "opened before you last signed in, so nothing was done or saved" in response.text
    assert "Kata-kata &lt;b&gt;saya&lt;/b&gt; panjang" in response.text  # escaped, not markup
    assert f'href="/followups/{fid}"' in response.text
    assert reports.queue(console.app, everything=True, limit=None) == before


def test_staff_cannot_reach_admin_pages(console: Console) -> None:
    staff = _signed_in(console, "sri")
    assert staff.get("/admin/users").status_code == 403
    token = _token(staff, "/queue")
    add = staff.post(
        "/admin/users",
        data={"name": "mallory", "role": "admin", "password": "x" * 12, "csrf_token": token},
    )
    assert add.status_code == 403
    admin = _signed_in(console, "ada")
    page = admin.get("/admin/users")
    assert page.status_code == 200 and "mallory" not in page.text and "sri" in page.text


def test_the_sixth_wrong_password_in_a_minute_is_refused_even_when_right(
    console: Console,
) -> None:
    from simak.usecases import users

    users.add(console.app, "locked", "staff", PASSWORD, "test")
    client = httpx.Client(base_url=console.base)
    token = _token(client)
    for _ in range(5):
        bad = client.post(
            "/login", data={"username": "locked", "password": "wrong!!!", "csrf_token": token}
        )
        assert bad.status_code == 401 and "wrong user name or password" in bad.text
    sixth = client.post(
        "/login", data={"username": "locked", "password": PASSWORD, "csrf_token": token}
    )
    # Before: a 401 like a wrong password. Now 429 with when to come back, in both languages
    assert sixth.status_code == 429 and sixth.headers["retry-after"] == "900"
    assert "too many failed sign-ins; wait 15 minutes and try again" in sixth.text
    assert "tunggu 15 menit lalu coba lagi" in sixth.text
    assert "simak_session" not in sixth.headers.get("set-cookie", "") or "uid" not in sixth.text


def test_queue_json_has_the_rows_the_page_shows_and_headers_are_strict(
    console: Console,
) -> None:
    client = _signed_in(console, "sam")
    rows = client.get("/queue", params={"format": "json"}).json()["rows"]
    page = client.get("/queue")
    assert rows and len(rows) <= 50
    assert [int(i) for i in re.findall(r'<tr class="item" id="row-(\d+)"', page.text)] == [
        r["id"] for r in rows
    ]
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "httponly" in page.headers.get("set-cookie", "").lower()
    assert "samesite=lax" in page.headers.get("set-cookie", "").lower()


def test_a_label_filter_is_the_queue_of_that_label_and_a_bad_filter_says_so(
    console: Console,
) -> None:
    client = _signed_in(console, "sam")
    everything = client.get("/queue", params={"format": "json"}).json()["rows"]
    for label in ("complaint", "praise", "idea"):
        rows = client.get("/queue", params={"format": "json", "label": label}).json()["rows"]
        assert [r["id"] for r in rows] == [r["id"] for r in everything if r["label"] == label]
    bogus = client.get("/queue", params={"status": "opne"})
    assert (
        bogus.status_code == 200 and "unknown status &#39;opne&#39;; use one of open" in bogus.text
    )
    shown = [int(i) for i in re.findall(r'<tr class="item" id="row-(\d+)"', bogus.text)]
    assert shown == [r["id"] for r in everything]


def test_owner_pages_tell_staff_who_may_see_them(console: Console) -> None:
    staff = _signed_in(console, "sri")
    page = staff.get("/ideas")
    assert page.status_code == 403 and "owners and admins only" in page.text
    assert "admins only" in staff.get("/admin/users").text


def test_owners_read_the_audit_log_staff_do_not(console: Console) -> None:
    owner = _signed_in(console, "olga")
    group = idea_board.board(console.app)[0].id
    idea_board.rename(console.app, group, "<script>alert(1)</script> Oat milk", "olga")
    page = owner.get("/audit", params={"actor": "olga"})
    assert page.status_code == 200
    rows = re.findall(r"<tr><td>.*?</td><td[^>]*>(.*?)</td><td>(.*?)</td>", page.text)
    assert rows[:2] == [("olga", "rename idea group"), ("olga", "login")]
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Oat milk" in page.text  # inert
    assert "<script>alert(1)" not in page.text
    on_group = owner.get(
        "/audit", params={"entity": "idea_group", "id": str(group), "format": "json"}
    ).json()
    assert on_group[0]["action"] == "rename_idea_group"
    assert {r["entity_id"] for r in on_group} == {str(group)}
    assert owner.get("/audit", params={"actor": "nobody"}).text.count('id="empty"') == 1
    # a filter it cannot use is said and every entry shown, as on the queue (was a 400 page)
    bad = owner.get("/audit", params={"since": "last week", "actor": "olga"})
    assert bad.status_code == 200 and 'id="flash"' in bad.text and 'id="audit"' in bad.text
    assert "give a number of days, e.g. 7: showing every entry" in bad.text
    assert 'name="since" size="4" value=""' in bad.text  # the filters are cleared
    assert bad.text.count("<tr><td>") > page.text.count("<tr><td>")  # not only olga's
    as_json = owner.get("/audit", params={"since": "last week", "format": "json"})
    assert as_json.status_code == 400
    assert as_json.json() == {"error": "the last 'last week' days? give a number of days, e.g. 7"}
    assert 'href="/audit"' in owner.get("/ideas").text  # in the owner's menu
    staff = _signed_in(console, "sri")
    refused = staff.get("/audit")
    assert refused.status_code == 403 and "owners and admins only" in refused.text
    assert 'href="/audit"' not in staff.get("/queue").text


def _open_fid(console: Console, text: str) -> int:
    return next(i.id for i in reports.queue(console.app, limit=None) if text in i.text)


def test_an_action_without_a_version_or_with_junk_hours_is_refused_not_done(
    console: Console,
) -> None:
    client = _signed_in(console, "sam")
    fid = _open_fid(console, "pesanan nomor 7 ")
    token = _token(client, f"/followups/{fid}")
    version = str(followups.show(console.app, fid).item.version)
    for data in ({}, {"version": "abc"}):  # no compare-and-set without the version seen
        done = client.post(f"/followups/{fid}/approve", data={"csrf_token": token, **data})
        assert done.status_code == 303 and "no%20version" in done.headers["location"]
    for hours in ("abc", "inf", "nan", "-5", "0", "1e9"):  # a 500 or a backwards snooze before
        done = client.post(
            f"/followups/{fid}/snooze",
            data={"csrf_token": token, "version": version, "hours": hours},
        )
        assert done.status_code == 303 and "0.01%20to%208784" in done.headers["location"]
    assert followups.show(console.app, fid).item.status == "open"


def test_a_refusal_that_is_not_a_stale_version_is_not_called_one(console: Console) -> None:
    client = _signed_in(console, "sam")
    fid = _open_fid(console, "pesanan nomor 8 ")
    token = _token(client, f"/followups/{fid}")
    version = str(followups.show(console.app, fid).item.version)
    sent = client.post(f"/followups/{fid}/send", data={"csrf_token": token, "version": version})
    assert sent.status_code == 303 and sent.headers["location"].startswith(f"/followups/{fid}?")
    sent = client.get(sent.headers["location"])
    assert "only approved follow-ups are sent" in sent.text
    assert 'id="stale"' not in sent.text and "changed since you opened it" not in sent.text
    empty = client.post(
        f"/followups/{fid}/edit",
        data={"csrf_token": token, "version": version, "draft": " "},
        follow_redirects=True,
    )
    assert "the new draft is empty" in empty.text
    assert 'id="stale"' not in empty.text


def test_labels_are_corrected_on_the_post_shown_and_only_within_the_follow_up(
    console: Console,
) -> None:
    client = _signed_in(console, "sam")
    item = next(i for i in reports.queue(console.app, limit=None) if i.author == "Rudi")
    assert len(item.posts) == 2 and item.lead is not None
    assert item.lead.mention_id != item.mention_id  # the complaint came second
    page = client.get(f"/followups/{item.id}")
    lead_form = r'id="correct">\s*<input[^>]*>\s*<input[^>]*name="mention_id" value="(\d+)"'
    shown = re.search(lead_form, page.text)
    assert shown and int(shown.group(1)) == item.lead.mention_id  # the post whose labels show
    other = _open_fid(console, "pesanan nomor 9 ")
    foreign = followups.show(console.app, other).item.mention_id
    token = _token(client, f"/followups/{item.id}")
    done = client.post(
        f"/followups/{item.id}/correct",
        data={"csrf_token": token, "mention_id": str(foreign), "label_praise": "1"},
    )
    assert done.status_code == 303 and "is%20not%20in%20follow-up" in done.headers["location"]
    assert followups.show(console.app, other).item.status == "open"


def test_approving_from_a_filtered_queue_comes_back_to_it(console: Console) -> None:
    client = _signed_in(console, "sam")
    fid = _open_fid(console, "pesanan nomor 10 ")
    token = _token(client, "/queue?status=open&label=complaint")
    version = str(followups.show(console.app, fid).item.version)
    data = {"csrf_token": token, "version": version, "next": "queue", "status": "open"}
    done = client.post(f"/followups/{fid}/approve", data=data | {"label": "complaint"})
    assert done.headers["location"].startswith("/queue?status=open&label=complaint&msg=")


def test_signing_out_revokes_the_session_even_for_a_copied_cookie(console: Console) -> None:
    client = _signed_in(console, "sri")
    other = _signed_in(console, "sri")  # the same person on another computer
    copied = client.cookies["simak_session"]
    token = _token(client, "/queue")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 303
    thief = httpx.Client(base_url=console.base, cookies={"simak_session": copied})
    page = thief.get("/queue")  # before: the queue, for up to 12 hours
    assert page.status_code == 303 and page.headers["location"] == "/login"
    fid = _open_fid(console, "pesanan nomor 7 ")
    version = str(followups.show(console.app, fid).item.version)
    act = thief.post(f"/followups/{fid}/approve", data={"csrf_token": token, "version": version})
    assert act.status_code == 401 and "you are signed out" in act.text
    assert followups.show(console.app, fid).item.status == "open"
    assert other.get("/queue").status_code == 200  # only the session signed out ends


def test_a_post_after_the_session_ended_shows_the_sign_in_page_with_the_words(
    console: Console,
) -> None:
    fid = _open_fid(console, "pesanan nomor 7 ")
    words = {"csrf_token": "stale", "version": "1", "draft": "Kata-kata <b>saya</b> panjang"}
    with httpx.Client(base_url=console.base) as client:
        own = client.post(f"/followups/{fid}/edit", data=words, headers={"Origin": console.base})
        assert own.status_code == 401 and "you are signed out" in own.text
        assert "Kata-kata &lt;b&gt;saya&lt;/b&gt; panjang" in own.text
        assert f'name="next" value="/followups/{fid}"' in own.text
        token = re.search(r'name="csrf_token" value="([^"]+)"', own.text)
        assert token
        back = client.post(
            "/login",
            data={
                "username": "sri",
                "password": PASSWORD,
                "csrf_token": token.group(1),
                "next": f"/followups/{fid}",
            },
        )
        assert back.status_code == 303 and back.headers["location"] == f"/followups/{fid}"
    with httpx.Client(base_url=console.base) as client:  # another site's form: no echo
        foreign = client.post(
            f"/followups/{fid}/edit", data=words, headers={"Origin": "https://evil.example"}
        )
        assert foreign.status_code == 401 and "Kata-kata" not in foreign.text
        login = {"username": "sri", "password": PASSWORD}
        for bad in ("//evil.example/x", "https://evil.example", "/queue\\..\\x"):
            fresh = _token(client)  # each sign-in starts a new session
            away = client.post("/login", data=login | {"next": bad, "csrf_token": fresh})
            assert away.status_code == 303 and away.headers["location"] == "/queue"


def test_staff_cannot_see_or_change_an_idea_and_owners_cannot_add_users(console: Console) -> None:
    gid = idea_board.board(console.app)[0].id
    staff = _signed_in(console, "sri")
    token = _token(staff, "/queue")
    assert staff.get(f"/ideas/{gid}").status_code == 403
    for action, data in (("status", {"status": "declined"}), ("rename", {"title": "mine"})):
        done = staff.post(f"/ideas/{gid}/{action}", data={**data, "csrf_token": token})
        assert done.status_code == 403
    assert idea_board.show(console.app, gid).status == "new"
    owner = _signed_in(console, "olga")
    token = _token(owner, "/ideas")
    add = owner.post(
        "/admin/users",
        data={"name": "eve", "role": "admin", "password": "x" * 12, "csrf_token": token},
    )
    assert add.status_code == 403 and "eve" not in {u.name for u in users.users(console.app)}


def test_a_merge_the_board_refuses_comes_back_to_the_board_saying_why(console: Console) -> None:
    """Before: merging an idea into itself (or a typo'd id) gave a bare text page with no
    way back; now the board again, with the reason on it."""
    gid = idea_board.board(console.app)[0].id
    owner = _signed_in(console, "olga")
    token = _token(owner, "/ideas")
    for kept, merged in ((gid, gid), (gid, "x"), (gid, 999999)):
        done = owner.post(
            "/ideas/merge", data={"kept": kept, "merged": merged, "csrf_token": token}
        )
        assert done.status_code == 303 and done.headers["location"].startswith("/ideas?msg=")
        board = owner.get(done.headers["location"])
        assert board.status_code == 200 and 'id="flash"' in board.text
    undo = owner.post("/ideas/undo/999999", data={"csrf_token": token})
    assert undo.status_code == 303 and undo.headers["location"].startswith("/ideas?msg=")


def test_a_merge_into_a_done_idea_or_of_a_planned_one_says_so_with_links(
    console: Console,
) -> None:
    """Before: "merged idea 3 into 1: 5 people now", whatever status the merged idea had
    (planned, dropped in silence) and whoever in it the done idea never told."""
    a, b = (g.id for g in idea_board.board(console.app)[:2])
    idea_board.set_status(console.app, b, "planned", "olga")
    idea_board.set_status(console.app, a, "done", "olga", tell=False)
    owner = _signed_in(console, "olga")
    token = _token(owner, "/ideas")
    done = owner.post("/ideas/merge", data={"kept": a, "merged": b, "csrf_token": token})
    flash = owner.get(done.headers["location"]).text
    assert f"idea {b} was planned; the merged idea {a} stays done" in flash
    assert f"idea {a} is done: " in flash and "not told" in flash
    assert f'<a href="/ideas/{a}" class="hint">Notify on idea {a}&#39;s page</a>' in flash
    assert f'<a href="/ideas/{a}" class="hint">Status on idea {a}&#39;s page</a>' in flash
    assert "simak ideas" not in flash
    idea_board.unmerge(console.app, b, "olga")  # the console is shared by the module's tests
    idea_board.set_status(console.app, a, "new", "olga")
    idea_board.set_status(console.app, b, "new", "olga")


def test_a_closed_idea_suggested_as_the_same_shows_its_status_and_what_to_do(
    console: Console, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Grouping never adds posts to a done idea; the page says why it is only suggested."""
    from simak.usecases.ideas import Suggestion

    first, second = (g.id for g in idea_board.board(console.app)[:2])
    near = [Suggestion(second, "Open earlier", 0.91, "done")]
    monkeypatch.setattr("simak.web.overview.maybe_same", lambda app, gid: near)
    owner = _signed_in(console, "olga")

    page = owner.get(f"/ideas/{first}")

    assert page.status_code == 200
    assert '<span class="status">done</span>' in page.text
    assert "never join a closed idea" in page.text and "Notify" in page.text


def test_an_id_too_big_for_the_database_is_not_found_not_a_crash(console: Console) -> None:
    """Before: a 500 (OverflowError: Python int too large to convert to SQLite INTEGER)."""
    owner = _signed_in(console, "olga")
    huge = "9" * 25
    for path in (f"/followups/{huge}", f"/people/{huge}", f"/ideas/{huge}"):
        assert owner.get(path).status_code == 404, path
    token = _token(owner, "/queue")
    posted = owner.post(f"/followups/{huge}/approve", data={"csrf_token": token, "version": "1"})
    assert posted.status_code == 404


def test_a_number_too_big_in_a_form_or_filter_is_said_not_a_crash(console: Console) -> None:
    """Before: a 500 on SQLite (OverflowError) for an audit id or a version too big, and on
    PostgreSQL "cannot use database ...: integer out of range; check the database URL"."""
    owner = _signed_in(console, "olga")
    huge = "9" * 25
    audit = owner.get("/audit", params={"id": huge})
    assert audit.status_code == 200 and "the database cannot take a value given" in audit.text
    fid = _open_fid(console, "nomor 3")
    before = followups.show(console.app, fid).item.version
    token = _token(owner, "/queue")
    acted = owner.post(f"/followups/{fid}/approve", data={"csrf_token": token, "version": huge})
    assert acted.status_code == 303 and acted.headers["location"].startswith(f"/followups/{fid}")
    page = owner.get(acted.headers["location"])
    assert "up to 2,147,483,647" in page.text and "URL" not in page.text
    assert followups.show(console.app, fid).item.version == before  # nothing done


def test_an_unknown_id_gets_a_console_page_with_the_way_back(console: Console) -> None:
    """Before: a bare line of text with no navigation; now the console's page, still 404."""
    page = _signed_in(console, "sri").get("/followups/99999")
    assert page.status_code == 404
    assert "follow-up 99999 does not exist" in page.text and 'href="/queue"' in page.text


def test_pages_are_never_stored_by_the_browser_but_static_files_may_be(console: Console) -> None:
    """Before: no Cache-Control, so Back after signing out showed a customer's page."""
    client = _signed_in(console, "sri")
    for path in ("/queue", "/dashboard", "/login"):
        assert client.get(path).headers.get("cache-control") == "no-store", path
    assert "no-store" not in client.get("/static/console.css").headers.get("cache-control", "")


def test_a_refused_note_or_user_comes_back_to_its_page_saying_why(console: Console) -> None:
    """Before: a bare 400 text page (a note of spaces passes the browser's `required`)."""
    admin = _signed_in(console, "ada")
    pid = next(i.person_id for i in reports.queue(console.app) if i.person_id)
    token = _token(admin, f"/people/{pid}")
    note = admin.post(f"/people/{pid}/note", data={"csrf_token": token, "text": "   "})
    assert note.status_code == 303 and note.headers["location"].startswith(f"/people/{pid}?msg=")
    again = admin.post(
        "/admin/users",
        data={"csrf_token": token, "name": "sri", "role": "staff", "password": PASSWORD},
    )
    assert again.status_code == 303 and again.headers["location"].startswith("/admin/users?msg=")
    assert "sri" in admin.get(again.headers["location"]).text


def test_approve_selected_with_nothing_ticked_says_to_tick_rows(console: Console) -> None:
    """Before: "approved 0 of 0"."""
    client = _signed_in(console, "sam")
    token = _token(client, "/queue")
    done = client.post("/queue/bulk-approve", data={"csrf_token": token}, follow_redirects=True)
    assert "nothing selected: tick the rows to approve" in done.text


def _ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<tr class="item" id="row-(\d+)"', html)]


def test_the_queue_pages_through_every_row_keeping_its_filter(
    console: Console, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before: at most 50 rows, no count, no paging. Now "showing 1–4 of
    N" and Next/Previous links that keep the filter, as links in the JSON too."""
    monkeypatch.setattr(views, "PAGE_SIZE", 4)
    client = _signed_in(console, "sam")
    wanted = [i.id for i in reports.queue(console.app, limit=None, label="complaint")]
    assert len(wanted) > 8
    url: str | None = "/queue?label=complaint&format=json"
    seen, pages = [], []
    while url:
        body = client.get(url).json()
        assert body["total"] == len(wanted) and "label=complaint" in (body["next"] or url)
        assert [r["id"] for r in body["rows"]] == wanted[body["start"] - 1 : body["end"]]
        seen += [r["id"] for r in body["rows"]]
        pages.append(body)
        url = body["next"]
    assert seen == wanted and pages[0]["previous"] is None and pages[-1]["next"] is None
    back = client.get(pages[2]["previous"]).json()
    assert back["start"] == 5 and back["rows"] == pages[1]["rows"]
    first = client.get("/queue", params={"label": "complaint"})
    total = f"{len(wanted):,}"
    assert f"showing 1–4 of {total}" in first.text and _ids(first.text) == wanted[:4]
    link = re.search(r'<a href="([^"]+)" rel="next"', first.text)
    assert link and "label=complaint" in link.group(1) and "format" not in link.group(1)
    second = client.get(link.group(1).replace("&amp;", "&"))
    assert _ids(second.text) == wanted[4:8] and f"showing 5–8 of {total}" in second.text
    assert 'rel="prev"' in second.text


def test_a_page_number_in_the_url_is_that_page_and_one_past_the_end_says_so(
    console: Console, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before: `?page=3` was ignored (page 1 shown). Now page 3 of 4 rows; a page past the
    end says which is the last and shows it (a 404 in the JSON); junk is a 400 / the queue."""
    monkeypatch.setattr(views, "PAGE_SIZE", 4)
    client = _signed_in(console, "sam")
    wanted = [i.id for i in reports.queue(console.app, limit=None, label="complaint")]
    last = -(-len(wanted) // 4)
    third = client.get("/queue", params={"label": "complaint", "page": "3", "format": "json"})
    body = third.json()
    assert third.status_code == 200 and [r["id"] for r in body["rows"]] == wanted[8:12]
    assert body["start"] == 9 and "label=complaint" in body["previous"]
    html = client.get("/queue", params={"label": "complaint", "page": "3"}).text
    assert _ids(html) == wanted[8:12] and f"showing 9–{min(12, len(wanted))} of" in html
    assert '<input type="hidden" name="page" value="3">' in html  # acting comes back here
    past = client.get("/queue", params={"label": "complaint", "page": "99"})
    said = f"there is no page 99 of this queue: {len(wanted)} follow-ups make {last} pages of 4"
    assert past.status_code == 200 and f"{said}; showing page {last}, the last" in past.text
    assert _ids(past.text) == wanted[(last - 1) * 4 :]
    gone = client.get("/queue", params={"label": "complaint", "page": "99", "format": "json"})
    assert gone.status_code == 404 and gone.json()["error"] == said
    huge = client.get("/queue", params={"page": "9" * 18, "format": "json"})
    assert huge.status_code == 404
    for junk in ("0", "-1", "two", "³"):
        bad = client.get("/queue", params={"page": junk, "format": "json"})
        assert bad.status_code == 400 and "is no page of the queue" in bad.json()["error"]
    bad_html = client.get("/queue", params={"page": "two"})
    assert bad_html.status_code == 200 and "showing the whole queue" in bad_html.text


def test_acting_on_a_later_page_comes_back_to_that_page(
    console: Console, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(views, "PAGE_SIZE", 4)
    client = _signed_in(console, "sam")
    after = client.get("/queue", params={"format": "json", "label": "complaint"}).json()["next"]
    page = client.get(after.replace("&format=json", ""))
    cursor = after.split("after=")[1].split("&")[0]
    assert f'<input type="hidden" name="after" value="{cursor}">' in page.text
    row = re.search(
        r'id="row-(\d+)" data-id="\d+" data-version="(\d+)" data-status="open"', page.text
    )
    assert row
    done = client.post(
        f"/followups/{row.group(1)}/approve",
        data={"csrf_token": _token(client, "/queue"), "version": row.group(2), "next": "queue",
              "label": "complaint", "after": cursor},
        follow_redirects=False,
    )  # fmt: skip
    assert done.status_code == 303
    assert done.headers["location"].startswith(f"/queue?label=complaint&after={cursor}&msg=")


def test_a_bad_filter_in_the_json_is_a_400_naming_the_allowed_values(console: Console) -> None:
    """Before: `/queue?format=json&status=bogus` gave every row, silently."""
    client = _signed_in(console, "sam")
    for params, said in (
        ({"status": "bogus"}, "unknown status 'bogus'; use one of open, approved, sending"),
        ({"label": "ide"}, "unknown label 'ide'; use one of praise, complaint, idea"),
        ({"after": "abc"}, "after='abc' is no page of the queue; use its Next/Previous links"),
    ):
        response = client.get("/queue", params={"format": "json", **params})
        assert response.status_code == 400, params
        error = response.json()["error"]
        assert error.startswith(said) and "\n" not in error


def test_an_empty_filtered_queue_says_so_and_offers_to_clear_it(console: Console) -> None:
    """Before: "Nothing waiting. Tidak ada antrean." as if the queue were empty."""
    client = _signed_in(console, "sam")
    page = client.get("/queue", params={"status": "handed_to_staff", "label": "idea"})
    assert "Nothing matches this filter (status handed_to_staff, label idea)" in page.text
    assert '<a href="/queue" id="clear-filter">Clear the filter</a>' in page.text
    assert "Nothing waiting" not in page.text


def test_flash_lines_point_to_the_console_not_the_cli(console: Console) -> None:
    """Before: "look at it again (`simak followup show 5`)"; now a link to its page."""
    client = _signed_in(console, "sam")
    fid = _open_fid(console, "pesanan nomor 7 gak")
    item = followups.show(console.app, fid).item
    token = _token(client, f"/followups/{fid}")
    stale = client.post(
        f"/followups/{fid}/edit",
        data={"csrf_token": token, "version": str(item.version + 5), "draft": "x"},
        follow_redirects=True,
    )
    assert f'(<a href="/followups/{fid}" class="hint">open follow-up {fid}</a>)' in stale.text
    approved = followups.approve(console.app, fid, "sam", item.version)
    edited = client.post(
        f"/followups/{fid}/edit",
        data={"csrf_token": token, "version": str(approved.version), "draft": "Halo lagi"},
        follow_redirects=True,
    )
    assert f"Approve on follow-up {fid}&#39;s page</a>" in edited.text
    missing = client.get("/followups/999999")
    assert '<a href="/queue" class="hint">see the queue</a>' in missing.text
    for page in (stale, edited, missing):
        assert "`simak" not in page.text


def test_the_favicon_is_served_to_anyone(console: Console) -> None:
    """Before: /favicon.ico was a 404 on every page load."""
    with httpx.Client(base_url=console.base) as client:
        icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.headers["content-type"] == "image/x-icon"
    assert icon.content[:6] == b"\x00\x00\x01\x00\x01\x00"  # an ICO with one image
    assert icon.content[6:8] == b"\x10\x10"  # of 16 x 16


def test_people_are_found_by_handle_or_name_and_linked_to_their_page(console: Console) -> None:
    """An erasure request or a call names a handle: staff find the person without the CLI;
    a person id that does not exist links to the search."""
    staff = _signed_in(console, "sri")
    found = staff.get("/people", params={"q": "@SARAH_K"})
    hostile = staff.get("/people", params={"q": "Evil"})
    nobody = staff.get("/people", params={"q": "%"})
    missing = staff.get("/people/99999")

    assert found.status_code == 200 and "x:@sarah_k" in found.text
    person = re.search(r'href="/people/(\d+)"', found.text)
    assert person and "Sarah" in staff.get(f"/people/{person.group(1)}").text
    assert "&lt;b&gt;Evil&lt;/b&gt;" in hostile.text and "<b>Evil</b>" not in hostile.text
    assert "No one matches" in nobody.text
    assert missing.status_code == 404 and 'href="/people"' in missing.text
    assert 'href="/people">People</a>' in staff.get("/queue").text


def test_people_search_ignores_case_beyond_ascii(console: Console) -> None:
    """Before: on SQLite (the default) "josé" did not find "JOSÉ", nor "женя" "ЖЕНЯ";
    a % typed in the search box is still taken literally."""
    posts = [
        Mention(
            platform="x",
            external_id=f"case-{handle}",
            source="export",
            brand="kopi-senja",
            text="Kopi Senja enak",
            author=Author("x", handle=handle, display_name=name),
            created_at=datetime(2026, 11, 22, tzinfo=UTC),
        )
        for handle, name in (
            ("jose_cf", "JOSÉ ÇAĞRI"),
            ("zhenya_cf", "ЖЕНЯ"),
            ("p50", "Diskon 50%"),
        )
    ]
    with console.app.db.session() as session:
        save_mentions(session, posts, datetime.now(UTC))
    staff = _signed_in(console, "sri")
    jose = staff.get("/people", params={"q": "josé çağri"})
    zhenya = staff.get("/people", params={"q": "женя"})
    percent = staff.get("/people", params={"q": "50%"})
    assert jose.status_code == 200 and "x:@jose_cf" in jose.text
    assert "x:@zhenya_cf" in zhenya.text
    assert "x:@p50" in percent.text and "x:@jose_cf" not in percent.text


def test_people_search_ignores_accents(console: Console) -> None:
    """Before: "jose ramirez" typed without accents (a phone keyboard) found no "JOSÉ
    Ramírez", nor "muller" "Müller"; an accented query still finds the accented name."""
    posts = [
        Mention(
            platform="x",
            external_id=f"accent-{handle}",
            source="export",
            brand="kopi-senja",
            text="Kopi Senja enak",
            author=Author("x", handle=handle, display_name=name),
            created_at=datetime(2026, 11, 22, tzinfo=UTC),
        )
        for handle, name in (("jose_ac", "JOSÉ Ramírez"), ("hans_ac", "Hans Müller"))
    ]
    with console.app.db.session() as session:
        save_mentions(session, posts, datetime.now(UTC))
    staff = _signed_in(console, "sri")
    plain = staff.get("/people", params={"q": "jose ramirez"})
    accented = staff.get("/people", params={"q": "José Ramírez"})
    muller = staff.get("/people", params={"q": "MULLER"})
    assert plain.status_code == 200 and "x:@jose_ac" in plain.text
    assert "x:@jose_ac" in accented.text and "x:@hans_ac" not in accented.text
    assert "x:@hans_ac" in muller.text


def test_a_since_past_any_date_is_said_not_a_500(console: Console) -> None:
    """Before: /ideas?since=999999999 was a 500 (OverflowError) and the connection dropped."""
    owner = _signed_in(console, "olga")
    for days in ("999999999", "99999999999999999999"):
        page = owner.get("/ideas", params={"since": days})
        assert page.status_code == 200, page.text[:300]
        assert 'id="flash"' not in page.text and f'value="{days}"' in page.text


def test_a_queue_row_carries_the_start_of_a_long_post_not_all_of_it(console: Console) -> None:
    """Rows show four lines, but every row carried its whole post: one 1 MB post in a
    file export made every queue page 1 MB. The row has the start; the item's page all."""
    staff = _signed_in(console, "sri")
    page = staff.get("/queue").text
    assert LONG[:200] in page and LONG[:700] not in page
    fid = _open_fid(console, LONG[:60])
    assert html.escape(LONG, quote=False) in staff.get(f"/followups/{fid}").text


def test_console_times_name_their_zone_like_the_cli(console: Console) -> None:
    """README: every time Simak shows, the console included, names its zone. Before: the
    console's "due 2026-12-06 08:01" left the reader to guess WIB or UTC; a stored time
    without a zone was read as the server's local time."""
    client = _signed_in(console, "sri")
    fid = reports.queue(console.app)[0].id
    page = client.get(f"/followups/{fid}").text
    assert re.search(r"due \d{4}-\d\d-\d\d \d\d:\d\d WIB", page), page[:2000]
    when = filters.when_filter(console.app)
    assert when(datetime(2026, 11, 22, 1, 0)) == "2026-11-22 08:00 WIB"  # naive = UTC
    assert when(datetime(2026, 11, 22, 1, 0, tzinfo=UTC)) == "2026-11-22 08:00 WIB"
    assert when(None) == "-"


def test_the_severity_is_shown_in_the_queue_and_on_the_item(console: Console) -> None:
    """The CLI queue says why a complaint comes first ("critical: possible food poisoning",
    "high"); the console showed neither the severity nor its reason, on the queue or the
    item's page, so staff could not see why a row was on top."""
    client = _signed_in(console, "sri")
    severe = [i for i in reports.queue(console.app) if i.severity in ("critical", "high")]
    assert severe  # "pesanan ... gak datang dan refund belum masuk": high
    item = severe[0]
    why = html.escape(item.severity_reason or item.severity)
    page = client.get("/queue").text
    row = re.search(rf'<tr class="item" id="row-{item.id}".*?</tr>', page, re.S)
    assert row and f'class="severity severity-{item.severity}">{why}<' in row.group(0)
    assert f">{why}<" in client.get(f"/followups/{item.id}").text


def test_a_mistyped_address_or_a_crash_is_a_console_page_with_a_way_on(
    console: Console, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before: a bare "Not Found" / "Method Not Allowed" / "Internal Server Error" text with
    no way back; now one line on a console page with a link to the start page, and never a
    traceback."""
    client = _signed_in(console, "sri")
    missing = client.get("/followups/abc")
    assert missing.status_code == 404 and "text/html" in missing.headers["content-type"]
    assert "there is no page at /followups/abc" in missing.text
    assert 'id="back" href="/"' in missing.text
    button = client.get("/followups/1/approve")
    assert button.status_code == 405 and "a button&#39;s address, not a page" in button.text

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(views.followups, "show", boom)
    crashed = client.get("/followups/1")
    assert crashed.status_code == 500
    assert "did not expect" in crashed.text and 'id="back" href="/"' in crashed.text
    assert "secret internals" not in crashed.text and "Traceback" not in crashed.text


def test_any_post_of_a_conversation_can_be_relabelled_not_only_the_lead(
    console: Console,
) -> None:
    """Rudi's follow-up answers his complaint (the lead); his earlier post has its own
    form, and a correction there changes that post's labels only."""
    client = _signed_in(console, "sam")
    item = next(i for i in reports.queue(console.app, limit=None) if i.author == "Rudi")
    assert item.lead is not None
    other = next(p for p in item.posts if p.mention_id != item.lead.mention_id)
    page = client.get(f"/followups/{item.id}")
    forms = re.findall(r'class="correct-post" data-mention="(\d+)"', page.text)
    assert forms == [str(other.mention_id)]  # one per post that is not the lead
    wanted = tuple(sorted({*other.labels, "idea"}))
    token = _token(client, f"/followups/{item.id}")
    data = {"csrf_token": token, "mention_id": str(other.mention_id)}
    data |= {f"label_{label}": "1" for label in wanted}
    data["version"] = str(item.version)
    done = client.post(f"/followups/{item.id}/correct", data=data)
    assert done.status_code == 303, done.text
    assert f"labels%20of%20post%20{other.mention_id}" in done.headers["location"]
    after = followups.show(console.app, item.id).item
    labels = {p.mention_id: tuple(sorted(p.labels)) for p in after.posts}
    assert labels[other.mention_id] == wanted
    assert labels[item.lead.mention_id] == tuple(sorted(item.lead.labels))


def test_do_not_contact_without_a_reason_marks_the_person(console: Console) -> None:
    """Before: the person page's "Do not contact" with its optional "why" left blank passed
    no reason, which the use case reads as "lift the mark": the page said "marked: do not
    contact" and the person stayed contactable (a "why" of spaces was stored as the why)."""
    staff = _signed_in(console, "sam")
    pid = next(i.person_id for i in reports.queue(console.app) if i.person_id)
    token = _token(staff, f"/people/{pid}")
    try:
        for blank in ("", "  "):
            form = {"csrf_token": token, "reason": blank}
            done = staff.post(f"/people/{pid}/do-not-contact", data=form)
            assert done.status_code == 303 and "marked" in done.headers["location"]
            marked = people.show(console.app, pid).do_not_contact
            assert marked and marked.startswith("asked not to be contacted"), marked
            page = staff.get(done.headers["location"]).text
            assert 'id="dnc"' in page and "Do not contact: asked not to be contacted" in page
            people.do_not_contact(console.app, pid, "test", None)
    finally:
        people.do_not_contact(console.app, pid, "test", None)


def test_the_person_page_lifts_do_not_contact_as_the_item_page_says(console: Console) -> None:
    """Before: an item's page said "lift the mark on their page", but the person's page
    had no way to: only the CLI (`people do-not-contact ID --undo`) could."""
    staff = _signed_in(console, "sam")
    pid = next(i.person_id for i in reports.queue(console.app) if i.person_id)
    people.do_not_contact(console.app, pid, "ada", "minta tidak dihubungi")
    try:
        page = staff.get(f"/people/{pid}").text
        assert f'action="/people/{pid}/may-contact"' in page
        done = staff.post(
            f"/people/{pid}/may-contact", data={"csrf_token": _token(staff, f"/people/{pid}")}
        )
        assert done.status_code == 303 and "lifted" in done.headers["location"]
        assert people.show(console.app, pid).do_not_contact is None
        assert 'id="dnc"' not in staff.get(done.headers["location"]).text
    finally:
        people.do_not_contact(console.app, pid, "test", None)


def test_a_follow_up_handed_to_staff_can_be_marked_done_in_the_console(
    console: Console,
) -> None:
    """Before: a follow-up the manual channel handed to staff offered only Dismiss (left
    unanswered) and Reopen; "sent it by hand" was `simak followup done ID` only, so the
    task stayed on top of the queue's "needs a person" for good."""
    from responder.channels.manual import ManualChannel
    from simak.app import App
    from simak.usecases.send import send_one

    app = console.app
    by_hand = App(app.settings, app.config_path, app.env, channels=[ManualChannel()])
    fid = next(i.id for i in reports.queue(app) if "pesanan nomor 11 " in i.text)
    followups.approve(app, fid, "test")
    assert send_one(by_hand, fid, "test").outcome == "handed_to_staff"
    staff = _signed_in(console, "sam")
    page = staff.get(f"/followups/{fid}").text
    assert f'action="/followups/{fid}/done"' in page and "I sent it by hand" in page
    version = followups.show(app, fid).item.version
    form = {"csrf_token": _token(staff, f"/followups/{fid}"), "version": str(version)}
    done = staff.post(f"/followups/{fid}/done", data=form)
    assert done.status_code == 303 and "sent%20by%20hand" in done.headers["location"]
    assert followups.show(app, fid).item.status == "done"
    assert fid not in [i.id for i in reports.queue(app, limit=None)]


def test_an_unknown_outcome_is_settled_in_the_console_not_reopened_and_resent(
    console: Console,
) -> None:
    """Before: a send with no answer (the mail server dropped the line after the message
    left) said "it may have been delivered … resolve it by hand", and its page offered only
    Dismiss and Reopen: Reopen, Approve, Send sent it again without anyone checking. Now it
    offers "It arrived" / "It did not arrive: send it again" (at the page's version), not
    Reopen."""
    from common.errors import OutcomeUnknown
    from common.records import PrivateMessage
    from responder.channels.manual import ManualChannel
    from simak.app import App
    from simak.usecases.send import send_one

    class NoAnswer(ManualChannel):
        def send(self, message: PrivateMessage) -> Any:
            raise OutcomeUnknown("the line dropped after the message left")

        def read_back(self, message: PrivateMessage, attempted_at: datetime) -> Any:
            raise OutcomeUnknown("no read-back on this channel; a person checks")

    app = console.app
    lost = App(app.settings, app.config_path, app.env, channels=[NoAnswer()])
    staff = _signed_in(console, "sam")
    fids = [i.id for i in reports.queue(app) if i.status == "open" and i.author == "Tom"]
    fids += [i.id for i in reports.queue(app) if i.status == "open" and i.author == "Sarah"]
    for fid, arrived, then in ((fids[0], "no", "approved"), (fids[1], "yes", "sent")):
        followups.approve(app, fid, "test")
        assert send_one(lost, fid, "test").outcome == "unknown"
        page = staff.get(f"/followups/{fid}").text
        assert f'action="/followups/{fid}/resolve"' in page and "It did not arrive" in page
        assert f'action="/followups/{fid}/reopen"' not in page
        token = _token(staff, f"/followups/{fid}")
        version = followups.show(app, fid).item.version
        stale = {"csrf_token": token, "version": str(version - 1), "delivered": arrived}
        assert "stale=" in staff.post(f"/followups/{fid}/resolve", data=stale).headers["location"]
        assert followups.show(app, fid).item.status == "unknown"
        form = {**stale, "version": str(version)}
        done = staff.post(f"/followups/{fid}/resolve", data=form)
        assert done.status_code == 303 and "stale=" not in done.headers["location"]
        assert followups.show(app, fid).item.status == then


def test_a_refusal_or_a_send_that_did_not_go_is_a_warning_not_green(console: Console) -> None:
    """Before: every line an action left was shown in the green of work done, also "the new
    draft is empty", "nothing selected" and "unknown via email … it may have been
    delivered": staff read a refusal or an undelivered message as done."""
    staff = _signed_in(console, "sam")
    fid = next(i.id for i in reports.queue(console.app) if "pesanan nomor 10 " in i.text)
    item = followups.show(console.app, fid).item
    token = _token(staff, f"/followups/{fid}")
    empty = {"csrf_token": token, "version": str(item.version), "draft": "  "}
    refused = staff.post(f"/followups/{fid}/edit", data=empty)
    none = staff.post("/queue/bulk-approve", data={"csrf_token": token})
    for done in (refused, none):
        page = staff.get(done.headers["location"]).text
        assert 'id="flash" class="flash stale"' in page, done.headers["location"]
    note = staff.post(f"/people/{item.person_id}/note", data={"csrf_token": token, "text": "ok"})
    assert 'id="flash" class="flash"' in staff.get(note.headers["location"]).text  # done: green
    gone = next(i for i in reports.queue(console.app) if "pesanan nomor 3 " in i.text)
    assert gone.person_id is not None
    version = followups.approve(console.app, gone.id, "test").version
    people.do_not_contact(console.app, gone.person_id, "ada", "minta tidak dihubungi")
    try:
        form = {"csrf_token": token, "version": str(version)}
        failed = staff.post(f"/followups/{gone.id}/send", data=form)
        assert "failed" in failed.headers["location"]
        assert 'id="flash" class="flash stale"' in staff.get(failed.headers["location"]).text
    finally:
        people.do_not_contact(console.app, gone.person_id, "test", None)
