"""The console's HTTP contract without a browser: redirects, CSRF, roles, rate limits,
JSON rows (httpx against the real server)."""

from __future__ import annotations

import re

import httpx

from simak.usecases import reports
from tests.web.conftest import PASSWORD, Console


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
    assert sixth.status_code == 401 and "too many failed sign-ins" in sixth.text
    assert "simak_session" not in sixth.headers.get("set-cookie", "") or "uid" not in sixth.text


def test_queue_json_has_the_rows_the_page_shows_and_headers_are_strict(
    console: Console,
) -> None:
    client = _signed_in(console, "sam")
    rows = client.get("/queue", params={"format": "json"}).json()
    page = client.get("/queue")
    assert rows and len(rows) <= 50
    assert [int(i) for i in re.findall(r'<tr class="item" id="row-(\d+)"', page.text)] == [
        r["id"] for r in rows
    ]
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "httponly" in page.headers.get("set-cookie", "").lower()
    assert "samesite=lax" in page.headers.get("set-cookie", "").lower()
