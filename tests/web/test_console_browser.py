"""The acceptance walk in a real headless Chromium: keyboard triage to 'sent' with the
provider's id, label correction, bulk approval, two staff on one item, hostile text, the
ideas board's merge and undo, a person's page, the dashboard chart, buttons that follow
the status, an expired session that keeps the typed draft, long posts in short rows."""

from __future__ import annotations

import time
from typing import Any

from playwright.sync_api import expect

from simak.usecases import followups, idea_board, reports, users
from simak.web import views
from simak.web.sessions import COOKIE, MAX_AGE, Session, Signer
from storage.corrections import corrections
from tests.web.conftest import HOSTILE, LONG, PASSWORD, Console, login, shot


def _rows(console: Console) -> list[Any]:
    return reports.queue(console.app, limit=50)


def _cursor_at(page: Any, index: int) -> None:
    """Reload the queue page shown with the j/k cursor on row ``index`` (0: the first)."""
    page.evaluate(
        """index => { const place = new URLSearchParams(location.search); place.delete("msg");
           const name = [...place].filter(p => p[1]).map(p => p.join("=")).sort().join("&");
           sessionStorage.setItem("simak-queue-index", JSON.stringify({page: name, index})); }""",
        index,
    )
    page.reload()


def _open_item(console: Console, text: str) -> int:
    return next(i.id for i in reports.queue(console.app, limit=None) if text in i.text)


def test_keyboard_triage_edit_approve_send_shows_sent_with_provider_id(
    console: Console, browser: Any
) -> None:
    page = login(browser, console.base, "sri")
    expect(page).to_have_url(f"{console.base}/queue")
    shot(page, "queue")
    rows = page.locator("#queue tr.item")
    expect(rows.nth(0)).to_have_class("item current")
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("k")
    expect(rows.nth(1)).to_have_class("item current")
    fid = int(rows.nth(1).get_attribute("data-id") or 0)
    page.keyboard.press("e")
    page.wait_for_url(f"**/followups/{fid}?edit=1")
    page.wait_for_load_state()
    assert page.evaluate("() => document.activeElement.id") == "draft"
    page.keyboard.press("Control+a")
    page.keyboard.type("Mohon maaf atas pesanannya, kami bantu cek sekarang. — Dina")
    page.keyboard.press("Control+Enter")  # save and approve
    expect(page.locator("#state")).to_have_text("approved")
    shot(page, "followup-approved")
    page.keyboard.press("s")  # send through the configured (test) channel
    expect(page.locator("#state")).to_have_text("sent")
    expect(page.locator("#deliveries .delivery-status").last).to_have_text("sent")
    provider_id = page.locator("#deliveries .provider-id").last.inner_text()
    assert provider_id.startswith("prov-")
    shot(page, "followup-sent")
    sent = console.channel.sent[-1]
    assert "kami bantu cek sekarang" in sent.body
    assert followups.show(console.app, fid).item.external_id == provider_id
    # 'a' on the queue approves the current row and stays on the queue
    page.goto(f"{console.base}/queue")
    target = int(page.locator("#queue tr.item.current").get_attribute("data-id") or 0)
    page.keyboard.press("a")
    expect(page.locator("#flash")).to_contain_text(f"follow-up {target}: approved")
    assert followups.show(console.app, target).item.status == "approved"


def test_correcting_a_label_is_stored(console: Console, browser: Any) -> None:
    page = login(browser, console.base, "sam")
    fid = _open_item(console, "oat milk to the menu")
    page.goto(f"{console.base}/followups/{fid}")
    page.check("#correct input[name=label_complaint]")
    page.uncheck("#correct input[name=label_idea]")
    page.click("#correct button[type=submit]")
    expect(page.locator("#flash")).to_contain_text("complaint")
    item = followups.show(console.app, fid).item
    with console.app.db.read() as session:
        stored = [c for c in corrections(session) if c.mention_id == item.mention_id]
    assert [(c.labels, c.corrected_by) for c in stored] == [(("complaint",), "sam")]


def test_bulk_approve_five_with_the_keyboard(console: Console, browser: Any) -> None:
    page = login(browser, console.base, "sri")
    rows = page.locator("#queue tr.item")
    open_rows = [
        i for i in range(rows.count()) if rows.nth(i).get_attribute("data-status") == "open"
    ]
    chosen = open_rows[:5]
    assert len(chosen) == 5
    _cursor_at(page, 0)
    current = 0
    for index in chosen:
        for _ in range(index - current):
            page.keyboard.press("j")
        current = index
        page.keyboard.press("x")
    expect(page.locator("#selected-count")).to_have_text("5")
    ids = [int(rows.nth(i).get_attribute("data-id") or 0) for i in chosen]
    page.once("dialog", lambda dialog: dialog.accept())
    page.keyboard.press("A")
    expect(page.locator("#flash")).to_contain_text("approved 5 of 5")
    shot(page, "queue-bulk")
    assert {followups.show(console.app, i).item.status for i in ids} == {"approved"}


def test_two_sessions_the_stale_one_is_refused_and_nothing_unseen_is_sent(
    console: Console, browser: Any
) -> None:
    fid = _open_item(console, "pesanan nomor 11")
    first, second = login(browser, console.base, "sri"), login(browser, console.base, "sam")
    second_tab = second.context.new_page()  # the same person, a second tab left open
    for page in (first, second):
        page.goto(f"{console.base}/followups/{fid}")
    first.fill("#draft", "Versi Sri: kami sudah proses refund Anda.")
    first.click("#save-approve")
    expect(first.locator("#state")).to_have_text("approved")
    second_tab.goto(f"{console.base}/followups/{fid}")  # approved: it offers "Send now"
    sent_before = len(console.channel.sent)
    second.fill("#draft", "Versi Sam: hubungi kami lewat DM.")
    second.click("#save-approve")
    expect(second.locator("#stale")).to_contain_text("Changed since you opened it")
    expect(second.locator("#flash")).to_contain_text("changed since you opened it")
    expect(second.locator("#seen-draft")).to_have_text("Versi Sam: hubungi kami lewat DM.")
    # post/redirect/get: the address is the item's page, so a reload posts nothing again
    assert second.url.startswith(f"{console.base}/followups/{fid}?")
    version = followups.show(console.app, fid).item.version
    second.reload()
    expect(second.locator("#stale")).to_be_visible()
    assert followups.show(console.app, fid).item.version == version
    shot(second, "followup-stale")
    # a send from the tab still showing an older approved draft is refused as well
    first.fill("#draft", "Versi Sri 2: refund Anda sudah kami proses.")
    first.click("#save-approve")
    expect(first.locator("#state")).to_have_text("approved")
    second_tab.locator("form.act-send button").click()
    expect(second_tab.locator("#flash")).to_contain_text("changed since you opened it")
    item = followups.show(console.app, fid).item
    assert item.status == "approved" and item.draft.startswith("Versi Sri 2")
    assert len(console.channel.sent) == sent_before  # nothing went out


def test_hostile_text_renders_inert_and_literal(console: Console, browser: Any) -> None:
    page = login(browser, console.base, "sri")
    fid = _open_item(console, "{{7*7}}")
    person = followups.show(console.app, fid).item.person_id
    for path in (f"/followups/{fid}", "/queue?status=open", f"/people/{person}"):
        page.goto(f"{console.base}{path}")
        assert page.evaluate("window.__xss") is None  # no script ran, no onerror fired
        assert page.locator("img").count() == 0
        assert page.locator("a[href^='javascript']").count() == 0
        body = page.locator("body").inner_text()
        assert "<script>window.__xss = 1</script>" in body and "{{7*7}}" in body
        assert "49 saya kecewa" not in body and "{{7*7}} saya kecewa" in body
        assert page.locator("b", has_text="Evil").count() == 0  # the name stays text too
        bidi = "() => getComputedStyle(document.querySelector('.post-text, td.text')).unicodeBidi"
        assert page.evaluate(bidi) == "isolate"  # a right-to-left override stays in its post
    assert HOSTILE.split(" saya")[0] in page.locator("body").inner_text()
    shot(page, "hostile")


def test_ideas_merge_and_undo(console: Console, browser: Any) -> None:
    page = login(browser, console.base, "olga")
    expect(page).to_have_url(f"{console.base}/ideas")
    groups = page.locator("#ideas tr.group")
    before = groups.count()
    assert before >= 2
    keys = [groups.nth(i).get_attribute("data-key") for i in range(2)]
    page.select_option("#kept", keys[0])
    page.select_option("#merged", keys[1])
    page.click("#merge button[type=submit]")
    expect(page.locator("#flash")).to_contain_text("merged")
    expect(groups).to_have_count(before - 1)
    shot(page, "ideas-merged")
    page.locator("#merges button.undo").first.click()
    expect(page.locator("#flash")).to_contain_text("undone")
    expect(groups).to_have_count(before)
    assert {str(g.id) for g in idea_board.board(console.app)} >= set(keys)
    assert not any(g.merged for g in idea_board.board(console.app))
    shot(page, "ideas")


def test_person_page_and_dashboard_chart(console: Console, browser: Any) -> None:
    page = login(browser, console.base, "sri")
    fid = _open_item(console, "pesanan nomor 3 ")
    page.goto(f"{console.base}/followups/{fid}")
    page.click("#person-link")
    expect(page.locator("#person-name")).to_have_text("Customer 3")
    expect(page.locator("#handles")).to_contain_text("cust3")
    expect(page.locator("#followups")).to_contain_text(f"#{fid}")
    page.fill("input[name=reason]", "asked us to stop")
    page.click("text=Do not contact")
    expect(page.locator("#dnc")).to_contain_text("asked us to stop")
    shot(page, "person")
    page.goto(f"{console.base}/dashboard")
    bars = page.locator("#labels-chart svg rect.bar")
    assert bars.count() >= 2
    assert page.locator("#labels-chart svg").bounding_box()["height"] > 100
    expect(page.locator("#labels-chart table")).to_contain_text("complaint")
    shot(page, "dashboard")


def test_approve_with_an_unsaved_edit_approves_the_words_on_screen(
    console: Console, browser: Any
) -> None:
    page = login(browser, console.base, "sam")
    for n, how in (("5", "button"), ("6", "key")):
        fid = _open_item(console, f"pesanan nomor {n} ")
        if followups.show(console.app, fid).item.status != "open":  # approved in bulk before
            followups.reopen(console.app, fid, "test")
        page.goto(f"{console.base}/followups/{fid}")
        page.fill("#draft", f"Teks baru {n}: kami cek pesanan Kakak sekarang.")
        if how == "button":
            page.click("form.act-approve button")
        else:
            page.keyboard.press("Escape")
            page.keyboard.press("a")
        expect(page.locator("#state")).to_have_text("approved")
        item = followups.show(console.app, fid).item  # before: the old draft, edit dropped
        assert item.draft == f"Teks baru {n}: kami cek pesanan Kakak sekarang."
    fid = _open_item(console, "pesanan nomor 4 ")
    before = followups.show(console.app, fid).item
    page.goto(f"{console.base}/followups/{fid}")
    page.fill("#draft", "not saved")
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.click("form.act-dismiss button")  # asks first; dismissing the question keeps it
    expect(page.locator("#draft")).to_have_value("not saved")
    assert followups.show(console.app, fid).item.version == before.version


def test_a_on_the_queue_goes_on_to_the_next_row(console: Console, browser: Any) -> None:
    page = login(browser, console.base, "sam")
    page.goto(f"{console.base}/queue")
    rows = page.locator("#queue tr.item")
    statuses = [rows.nth(i).get_attribute("data-status") for i in range(rows.count())]
    start = statuses.index("open")
    _cursor_at(page, start)
    first = page.locator("#queue tr.item.current").get_attribute("data-id")
    page.keyboard.press("a")
    expect(page.locator("#flash")).to_contain_text(f"follow-up {first}: approved")
    # the approved row stays in the queue; the cursor is on the row after it
    expect(page.locator(f"#row-{first}")).to_have_attribute("data-status", "approved")
    expect(rows.nth(start + 1)).to_have_class("item current")
    page.keyboard.press("k")
    page.keyboard.press("a")  # on an approved row: nothing to approve, go on
    expect(rows.nth(start + 1)).to_have_class("item current")


def test_the_follow_up_page_flags_posts_the_model_is_unsure_of(
    console: Console, browser: Any
) -> None:
    from storage.models import ClassificationRow

    item = next(i for i in reports.queue(console.app, limit=None) if i.author == "Rudi")
    assert item.lead is not None
    with console.app.db.session() as session:
        row = (
            session.query(ClassificationRow)
            .filter_by(mention_id=item.lead.mention_id, is_current=True)
            .one()
        )
        row.idea = 0.55
    page = login(browser, console.base, "sam")
    page.goto(f"{console.base}/followups/{item.id}")
    badge = page.locator("ol.posts li.lead .check-me")
    expect(badge).to_contain_text("idea")
    assert "0.55" in (badge.get_attribute("title") or "")
    shot(page, "followup-check-me")


def _shown_actions(page: Any, scope: str) -> set[str]:
    forms = f"{scope} form[class*=act-]"
    classes = page.eval_on_selector_all(forms, "fs => fs.map(f => f.className)")
    return {c.split("act-")[1] for c in classes}


def test_only_the_actions_the_status_allows_are_offered(console: Console, browser: Any) -> None:
    rows = _rows(console)
    gone = next(
        i.id
        for i in rows
        if i.status == "open"
        and i.author.startswith("Customer ")
        and "nomor 0 " not in i.text  # the expired-session test's
    )
    followups.dismiss(console.app, gone, "test", "spam")
    ready = next(i.id for i in rows if i.status == "approved")
    page = login(browser, console.base, "sam")
    page.goto(f"{console.base}/queue?status=dismissed")
    row = page.locator(f"#row-{gone}")
    expect(row).to_have_attribute("data-status", "dismissed")
    assert _shown_actions(page, f"#row-{gone}") == set()  # before: "Approve" and "Send"
    assert row.locator("input[name=selected]").count() == 0  # nothing to approve in bulk
    page.goto(f"{console.base}/queue")
    assert _shown_actions(page, f"#row-{ready}") == {"send"}
    for fid, status in ((gone, "dismissed"), (ready, "approved")):
        page.goto(f"{console.base}/followups/{fid}")
        offered = set(followups.actions(status)) - {"edit"}
        assert _shown_actions(page, ".actions") == offered
        assert (page.locator("#edit").count() == 1) == ("edit" in followups.actions(status))
    assert _shown_actions(page, ".actions") >= {"send", "dismiss"}
    page.goto(f"{console.base}/followups/{gone}")
    assert _shown_actions(page, ".actions") == {"reopen"}
    expect(page.locator("#draft-text")).not_to_be_empty()
    page.keyboard.press("a")  # no approve button: the key does nothing (and no error)
    page.click("form.act-reopen button")
    expect(page.locator("#state")).to_have_text("open")


def _expire(page: Any, console: Console, name: str) -> None:
    """Replace the browser's session cookie with one for ``name`` issued 13 hours ago."""
    uid = next(u.id for u in users.users(console.app) if u.name == name)
    old = Session("expired-sid", uid, int(time.time()) - MAX_AGE - 3600)
    cookie = {"name": COOKIE, "value": Signer("test-secret").dump(old), "url": console.base}
    page.context.add_cookies([cookie])


def test_an_expired_session_keeps_the_typed_draft(console: Console, browser: Any) -> None:
    fid = _open_item(console, "pesanan nomor 0 ")
    before = followups.show(console.app, fid).item
    page = login(browser, console.base, "sri")
    page.goto(f"{console.base}/followups/{fid}")
    typed = "Mohon maaf Kak, kami cek pesanan dan refund Kakak hari ini juga.\n" * 20
    page.fill("#draft", typed)
    _expire(page, console, "sri")
    page.click("#edit button[value=save]")
    # before: a bare 403 "missing or wrong CSRF token" and the words gone
    expect(page.locator("#error")).to_contain_text("you are signed out")
    expect(page.locator("#typed textarea.typed-draft")).to_have_value(typed)
    shot(page, "signed-out-typed")
    page.fill("input[name=username]", "sri")
    page.fill("input[name=password]", PASSWORD)
    page.click("#login button[type=submit]")
    page.wait_for_url(f"{console.base}/followups/{fid}")
    expect(page.locator("#draft")).to_have_value(typed)
    expect(page.locator("#unsaved-back")).to_be_visible()
    assert followups.show(console.app, fid).item.version == before.version  # nothing saved
    page.click("#edit button[value=save]")
    expect(page.locator("#flash")).to_contain_text("draft updated")
    expect(page.locator("#unsaved")).to_be_hidden()
    assert followups.show(console.app, fid).item.draft == typed.replace("\n", "\r\n")


def test_a_very_long_post_keeps_its_queue_row_short(console: Console, browser: Any) -> None:
    fid = _open_item(console, LONG[:60])
    assert len(followups.show(console.app, fid).item.text) >= 5000
    page = login(browser, console.base, "sam")
    page.goto(f"{console.base}/queue?status=open")
    box = page.locator(f"#row-{fid}").bounding_box()
    assert box is not None and box["height"] < 200, box  # before: about 3,500 px
    shot(page, "queue-long-post")
    page.click(f"#row-{fid} a.open")
    post = page.locator("ol.posts .post-text").first
    expect(post).to_have_text(LONG)  # the item's page shows all of it
    assert (post.bounding_box() or {"height": 0})["height"] > 400


def test_back_after_signing_out_shows_no_customer_page(console: Console, browser: Any) -> None:
    """Before: the browser kept the follow-up's page, and Back showed the customer's words
    to whoever sat down next."""
    page = login(browser, console.base, "sri")
    fid = _open_item(console, "pesanan nomor 5 ")
    page.goto(f"{console.base}/followups/{fid}")
    expect(page.locator("#state")).to_be_visible()
    page.click("nav form button[type=submit]")
    expect(page).to_have_url(f"{console.base}/login")
    page.go_back()
    expect(page).to_have_url(f"{console.base}/login")  # asked again: signed out
    assert "pesanan nomor 5 " not in page.content()


def test_an_unbroken_title_does_not_widen_the_owner_pages(console: Console, browser: Any) -> None:
    """Before: a 150-character title without spaces made /ideas about 2,600 px wide, its
    page 4,600 px and the audit log 2,400 px (only posts and drafts wrapped)."""
    group = idea_board.board(console.app)[0]
    idea_board.rename(console.app, group.id, "Oat" + "W" * 150, "olga")
    try:
        page = login(browser, console.base, "olga")
        for path in (
            "/ideas",
            f"/ideas/{group.id}",
            "/audit",
            f"/ideas/{group.id}?msg=" + "Q" * 300,
        ):
            page.goto(f"{console.base}{path}")
            width = page.evaluate("() => document.documentElement.scrollWidth")
            assert width <= page.viewport_size["width"], (path, width)
    finally:
        idea_board.rename(console.app, group.id, group.title, "olga")


def test_x_on_a_row_that_cannot_be_approved_is_no_script_error(
    console: Console, browser: Any
) -> None:
    """Before: "Cannot read properties of null (reading 'checked')" on a row without a box."""
    fid = _open_item(console, "pesanan nomor 6 ")
    item = followups.show(console.app, fid).item
    if item.status != "approved":  # an earlier walk may have approved it already
        followups.approve(console.app, fid, "sam", item.version)
    page = login(browser, console.base, "sam")
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{console.base}/queue?status=approved")
    expect(page.locator(f"#row-{fid}")).to_be_visible()
    page.keyboard.press("x")
    expect(page.locator("#selected-count")).to_have_text("0")
    assert errors == []


def test_the_follow_up_page_shows_its_keys_and_d_asks_first(console: Console, browser: Any) -> None:
    """Before: the keys were shown nowhere on the page and `d` dismissed at once."""
    fid = _open_item(console, "pesanan nomor 9 gak")
    page = login(browser, console.base, "sri")
    page.goto(f"{console.base}/followups/{fid}")
    expect(page.locator("#keys")).to_contain_text("d dismiss (asks first)")
    expect(page.locator("#keys")).to_contain_text("q back to the queue")
    page.keyboard.press("?")
    expect(page.locator("#help")).to_be_visible()
    asked: list[str] = []

    def answer(accept: bool) -> Any:
        def handle(dialog: Any) -> None:
            asked.append(dialog.message)
            dialog.accept() if accept else dialog.dismiss()

        return handle

    page.once("dialog", answer(False))
    page.keyboard.press("d")
    assert asked and f"Dismiss follow-up {fid}?" in asked[0]
    expect(page.locator("#state")).to_have_text("open")
    assert followups.show(console.app, fid).item.status == "open"
    page.once("dialog", answer(True))
    page.keyboard.press("d")
    expect(page.locator("#state")).to_have_text("dismissed")
    expect(page.locator("#flash")).to_contain_text("Reopen (below) brings it back")
    page.click("form.act-reopen button")
    expect(page.locator("#state")).to_have_text("open")


def test_the_favicon_loads_and_no_page_asks_for_a_missing_file(
    console: Console, browser: Any
) -> None:
    missing: list[str] = []
    context = browser.new_context()
    context.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    page = context.new_page()
    page.goto(f"{console.base}/login")
    width = page.evaluate(
        """() => new Promise(done => { const i = new Image();
             i.onload = () => done(i.naturalWidth); i.onerror = () => done(-1);
             i.src = "/favicon.ico"; })"""
    )
    assert width == 16  # a real icon the browser can draw
    page.fill("input[name=username]", "sri")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert missing == []


def test_next_keeps_the_filter_and_approving_stays_on_the_page(
    console: Console, browser: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(views, "PAGE_SIZE", 3)
    for item in reports.queue(console.app, limit=None, label="complaint"):  # all to approve
        if item.status == "approved":
            followups.reopen(console.app, item.id, "test", item.version)
    wanted = [i.id for i in reports.queue(console.app, limit=None, label="complaint")]
    assert len(wanted) > 6
    page = login(browser, console.base, "sam")
    page.goto(f"{console.base}/queue?label=complaint")
    expect(page.locator("#pager-top .place")).to_have_text(f"showing 1–3 of {len(wanted)}")
    page.click("#pager-top a.next")
    expect(page.locator("#pager-top .place")).to_have_text(f"showing 4–6 of {len(wanted)}")
    shown = page.eval_on_selector_all("#queue tr.item", "rs => rs.map(r => +r.dataset.id)")
    assert shown == wanted[3:6] and "label=complaint" in page.url
    second_page = page.url
    page.click("#pager-top a.prev")
    expect(page.locator("#pager-top .place")).to_have_text(f"showing 1–3 of {len(wanted)}")
    page.goto(second_page)
    row = page.locator("#queue tr.item[data-status=open]").first
    fid = int(row.get_attribute("data-id") or 0)
    row.locator("form.act-approve button").click()
    expect(page.locator("#flash")).to_contain_text(f"follow-up {fid}: approved")
    assert page.url.startswith(second_page + "&msg=")  # still page 2 of the complaints


def test_the_cursor_starts_on_the_first_row_of_another_page(
    console: Console, browser: Any, monkeypatch: Any
) -> None:
    """Before: j j on page 1, then Next, put the cursor on the third row of page 2 (the
    index was one for every page); now a page starts on its first row and a page you come
    back to after acting on it keeps its place."""
    monkeypatch.setattr(views, "PAGE_SIZE", 3)
    page = login(browser, console.base, "sam")
    page.goto(f"{console.base}/queue?label=complaint")
    rows = page.locator("#queue tr.item")
    page.keyboard.press("j")
    page.keyboard.press("j")
    expect(rows.nth(2)).to_have_class("item current")
    page.click("#pager-top a.next")
    expect(page.locator("#pager-top .place")).to_contain_text("showing 4–6")
    expect(rows.nth(0)).to_have_class("item current")
    page.keyboard.press("j")
    page.goto(page.url + "&msg=done")  # back on the same page after an action
    expect(rows.nth(1)).to_have_class("item current")
    page.click("#pager-top a.prev")
    expect(page.locator("#pager-top .place")).to_contain_text("showing 1–3")
    expect(rows.nth(0)).to_have_class("item current")
    page.goto(f"{console.base}/queue?label=complaint&page=2")  # a page typed by its number
    expect(page.locator("#pager-top .place")).to_contain_text("showing 4–6")
    expect(rows.nth(0)).to_have_class("item current")
