"""The admins' /admin/users page over HTTP and in a browser: disable, enable, role and
password reset, each taking effect at once; the last admin kept, with what to do; acting on
yourself asks first."""

from __future__ import annotations

import html
import re
from typing import Any

import httpx

from simak.usecases import user_admin, users
from tests.web.conftest import PASSWORD, Console, login, shot


def _token(client: httpx.Client, path: str = "/login") -> str:
    page = client.get(path)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match, page.text[:500]
    return match.group(1)


def _signed_in(console: Console, name: str, password: str = PASSWORD) -> httpx.Client:
    client = httpx.Client(base_url=console.base)
    token = _token(client)
    done = client.post("/login", data={"username": name, "password": password, "csrf_token": token})
    assert done.status_code == 303, done.text
    return client


def _new(console: Console, name: str, role: str = "staff") -> None:
    users.add(console.app, name, role, PASSWORD, "test")


def _act(client: httpx.Client, action: str, name: str, **fields: str) -> httpx.Response:
    token = _token(client, "/admin/users")
    data = {"csrf_token": token, "name": name, **fields}
    return client.post(f"/admin/users/{action}", data=data)


def _flash(client: httpx.Client, answer: httpx.Response) -> str:
    assert answer.status_code == 303, answer.text[:300]
    assert answer.headers["location"].startswith("/admin/users?msg=")
    page = client.get(answer.headers["location"]).text
    match = re.search(r'<p id="flash"[^>]*>(.*?)</p>', page, re.S)
    assert match, page[:500]
    return html.unescape(re.sub(r"<[^>]+>", "", match.group(1)))


def _still_in(client: httpx.Client) -> bool:
    answer = client.get("/people")
    return answer.status_code == 200 and "/login" not in str(answer.url)


def _row(page: str, name: str) -> str:
    match = re.search(rf'<tr id="user-\d+" [^>]*data-name="{name}">(.*?)</tr>', page, re.S)
    assert match, page[:800]
    return match.group(1)


def test_the_page_lists_role_status_and_last_sign_in_with_actions(console: Console) -> None:
    _new(console, "page-never")
    admin = _signed_in(console, "ada")
    page = admin.get("/admin/users").text
    ada = _row(page, "ada")
    assert "admin" in ada and "enabled" in ada and "never" not in ada and "(you)" in ada
    assert "This is your own account" in ada and 'name="confirm"' in ada
    never = _row(page, "page-never")
    assert "never" in never and "(you)" not in never and 'name="confirm"' not in never
    for action in ("disable", "role", "password"):
        assert f'action="/admin/users/{action}"' in never
    assert never.count('name="csrf_token"') == 3


def test_disabling_signs_them_out_at_once_and_enabling_lets_them_back(console: Console) -> None:
    _new(console, "tono")
    tono, admin = _signed_in(console, "tono"), _signed_in(console, "ada")
    assert _still_in(tono)
    said = _flash(admin, _act(admin, "disable", "tono"))
    assert said == "tono disabled: they cannot sign in, and their open sessions ended"
    assert not _still_in(tono)
    assert "disabled" in _row(admin.get("/admin/users").text, "tono")
    said = _flash(admin, _act(admin, "enable", "tono"))
    assert said == "tono enabled: they can sign in again with their password"
    assert not _still_in(tono)  # the old session stays ended
    assert _still_in(_signed_in(console, "tono"))


def test_a_role_change_ends_their_sessions_and_the_new_role_works(console: Console) -> None:
    _new(console, "rina")
    rina, admin = _signed_in(console, "rina"), _signed_in(console, "ada")
    assert rina.get("/ideas").status_code == 403
    said = _flash(admin, _act(admin, "role", "rina", role="owner"))
    assert said == "rina is now owner; their open sessions ended, so they sign in again"
    assert not _still_in(rina)
    assert _signed_in(console, "rina").get("/ideas").status_code == 200
    assert "owner already; nothing changed" in _flash(
        admin, _act(admin, "role", "rina", role="owner")
    )
    assert "unknown role 'root'" in _flash(admin, _act(admin, "role", "rina", role="root"))


def test_a_password_reset_typed_or_generated_is_shown_once_never_in_a_url(
    console: Console,
) -> None:
    _new(console, "wati")
    wati, admin = _signed_in(console, "wati"), _signed_in(console, "ada")
    differ = _act(admin, "password", "wati", password="new-pass-one", again="new-pass-two")
    assert "the two passwords differ" in _flash(admin, differ)
    assert _still_in(wati)
    typed = _act(admin, "password", "wati", password="new-pass-one", again="new-pass-one")
    assert "new-pass-one" not in typed.headers["location"]
    assert _flash(admin, typed) == "new password set for wati; their open sessions ended"
    assert not _still_in(wati)
    assert _still_in(_signed_in(console, "wati", "new-pass-one"))
    made = _act(admin, "password", "wati", generate="1")
    assert made.status_code == 200 and made.headers["cache-control"] == "no-store"
    found = re.search(r'<code class="password">([^<]+)</code>', made.text)
    assert found and "Shown only this once" in made.text
    assert _still_in(_signed_in(console, "wati", found.group(1)))
    assert found.group(1) not in admin.get("/admin/users").text  # once only
    trail = admin.get("/audit?entity=user&id=wati").text
    assert trail.count("user password") == 2, trail[-2000:]
    assert found.group(1) not in trail and "new-pass-one" not in trail


def test_the_last_admin_is_kept_and_the_refusal_says_what_to_do(console: Console) -> None:
    admin = _signed_in(console, "ada")
    ask = _flash(admin, _act(admin, "disable", "ada"))
    assert ask.startswith("that is your own account: disabling it signs you out")
    refused = _act(admin, "disable", "ada", confirm="1")
    said = _flash(admin, refused)
    assert "ada is the only enabled admin left" in said and "Make another admin first" in said
    page = admin.get(refused.headers["location"]).text
    assert '<a href="/admin/users" class="hint">' in page  # the CLI hint, as the page's own
    demoted = _flash(admin, _act(admin, "role", "ada", role="owner", confirm="1"))
    assert "ada is the only enabled admin left" in demoted
    assert _still_in(admin) and "admin" in _row(admin.get("/admin/users").text, "ada")
    assert "no user named 'nobody'" in _flash(admin, _act(admin, "disable", "nobody"))


def test_an_admin_acting_on_themself_is_asked_first_then_signed_out(console: Console) -> None:
    _new(console, "budi", "admin")
    budi = _signed_in(console, "budi")
    ask = _act(budi, "password", "budi", password="budi-new-pass", again="budi-new-pass")
    assert "that is your own account" in _flash(budi, ask) and _still_in(budi)
    done = _act(
        budi, "password", "budi", password="budi-new-pass", again="budi-new-pass", confirm="1"
    )
    assert done.status_code == 200 and 'id="login"' in done.text
    assert "new password set for budi" in html.unescape(done.text)
    assert not _still_in(budi)
    assert _still_in(_signed_in(console, "budi", "budi-new-pass"))
    user_admin.disable(console.app, "budi", "test")  # ada is the only admin again


def test_only_admins_with_the_pages_token_change_users(console: Console) -> None:
    _new(console, "joko")
    staff, admin = _signed_in(console, "sri"), _signed_in(console, "ada")
    token = _token(staff, "/queue")
    refused = staff.post("/admin/users/disable", data={"csrf_token": token, "name": "joko"})
    assert refused.status_code == 403 and "admins only" in refused.text
    forged = admin.post("/admin/users/disable", data={"csrf_token": "x", "name": "joko"})
    assert forged.status_code == 403
    bogus = _act(admin, "delete", "joko")
    assert bogus.status_code == 400 and "is no action on a user" in bogus.text
    assert "enabled" in _row(admin.get("/admin/users").text, "joko")


def test_an_admin_disables_someone_in_the_browser(console: Console, browser: Any) -> None:
    _new(console, "eka")
    eka = login(browser, console.base, "eka")
    assert "/login" not in eka.url
    page = login(browser, console.base, "ada")
    page.goto(f"{console.base}/admin/users")
    row = page.locator('tr[data-name="eka"]')
    row.locator("form.act-disable button").click()
    page.wait_for_load_state()
    assert page.locator("#flash").inner_text() == (
        "eka disabled: they cannot sign in, and their open sessions ended"
    )
    assert page.locator('tr[data-name="eka"] td.status').inner_text() == "disabled"
    eka.goto(f"{console.base}/people")
    assert eka.url.endswith("/login")
    page.locator('tr[data-name="eka"] form.act-enable button').click()
    page.wait_for_load_state()
    page.locator('tr[data-name="eka"] form.act-password button[name=generate]').click()
    page.wait_for_load_state()
    shown = page.locator("#new-password code.password").inner_text()
    assert re.fullmatch(r"[a-z2-9]{4}(-[a-z2-9]{4}){3}", shown)
    shot(page, "users-generated-password")
    page.reload()  # no "resubmit the form?": the page is asked for again, nothing changes
    page.wait_for_load_state()
    assert page.locator("#new-password").count() == 0
    assert page.url == f"{console.base}/admin/users"
    again = browser.new_context().new_page()
    again.goto(f"{console.base}/login")
    again.fill("input[name=username]", "eka")
    again.fill("input[name=password]", shown)  # the password shown is still the one that works
    again.click("button[type=submit]")
    again.wait_for_load_state()
    assert "/login" not in again.url
    again.context.close()
    page.locator('tr[data-name="ada"] form.act-disable button').click()
    page.wait_for_load_state()
    assert "that is your own account" in page.locator("#flash").inner_text()
    page.locator('tr[data-name="ada"] form.act-disable input[name=confirm]').check()
    page.locator('tr[data-name="ada"] form.act-disable button').click()
    page.wait_for_load_state()
    flash = page.locator("#flash").inner_text()
    assert "Make another admin first" in flash, flash
    assert "/admin/users" in page.url
    eka.context.close()
    page.context.close()
