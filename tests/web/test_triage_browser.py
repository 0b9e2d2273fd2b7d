"""A morning's triage in headless Chromium, on a console of its own (this module's): what
the rows and pages say about an item, two tabs correcting the same labels, a phone-width
screen, and what a mistyped address shows."""

from __future__ import annotations

import contextlib
import re
from typing import Any

from playwright.sync_api import expect

from simak.usecases import followups, reports
from storage.corrections import corrections
from tests.web.conftest import LONG, PASSWORD, Console, login


def _item(console: Console, text: str) -> reports.QueueItem:
    """The follow-up whose post says ``text``, open (reopened if a test before acted on it)."""
    rows = reports.queue(console.app, everything=True, limit=None)
    item = next(i for i in rows if text in i.text)
    if item.status != "open":
        followups.reopen(console.app, item.id, "test", item.version)
        item = followups.show(console.app, item.id).item
    return item


def test_a_label_correction_from_a_stale_tab_is_refused_not_overwritten(
    console: Console, browser: Any
) -> None:
    """Before: the label form carried no version, so a tab opened before a colleague's
    correction (or edit, or approval) silently replaced it with its own ticks."""
    item = _item(console, "oat milk, would be nice")
    first = login(browser, console.base, "sri")
    second = login(browser, console.base, "sam")
    for page in (first, second):
        page.goto(f"{console.base}/followups/{item.id}")
    first.check("#correct input[name=label_complaint]")
    first.uncheck("#correct input[name=label_idea]")
    first.click("#correct button[type=submit]")
    expect(first.locator("#flash")).to_contain_text("labels of post")
    second.check("#correct input[name=label_praise]")
    second.click("#correct button[type=submit]")
    expect(second.locator("#flash")).to_contain_text("changed since you opened it")
    expect(second.locator("#stale")).to_be_visible()
    with console.app.db.read() as session:
        stored = [c for c in corrections(session) if c.mention_id == item.mention_id]
    assert [(c.labels, c.corrected_by) for c in stored] == [(("complaint",), "sri")]
    # the page it comes back to is current: correcting from it works
    second.uncheck("#correct input[name=label_complaint]")
    second.check("#correct input[name=label_praise]")
    second.click("#correct button[type=submit]")
    expect(second.locator("#flash")).to_contain_text("labels of post")
    assert followups.show(console.app, item.id).item.label == "praise"


def test_the_queue_and_the_item_say_why_it_is_on_top_and_when_it_is_due(
    console: Console, browser: Any
) -> None:
    """Before: the CLI's queue said "critical: possible food poisoning" and "in 59m"; the
    console showed only "prio 100", so staff could not see why a row came first."""
    from storage.models import FollowUp

    item = _item(console, "pesanan nomor 2 ")
    with console.app.db.session() as session:
        row = session.get(FollowUp, item.id)
        assert row is not None
        row.severity, row.severity_reason = "critical", "critical: possible food poisoning"
        row.severity_score = 1.0
    page = login(browser, console.base, "sri")
    first = page.locator("#queue tr.item").first
    expect(first).to_have_attribute("data-id", str(item.id))  # critical comes first
    expect(first.locator(".severity-critical")).to_have_text("critical: possible food poisoning")
    expect(first.locator(".due")).to_have_text(re.compile(r"^(in \d+[dhms]|\d+[dhms] overdue)$"))
    page.goto(f"{console.base}/followups/{item.id}")
    expect(page.locator("#severity")).to_have_text("critical: possible food poisoning")


def test_a_correction_after_an_edit_shows_the_suggestion_it_attached(
    console: Console, browser: Any
) -> None:
    """Before: the flash said "a new suggestion is attached" (and the note "see the
    suggestion"), but the page showed neither the note nor the suggestion."""
    item = _item(console, "pesanan nomor 1 ")
    page = login(browser, console.base, "sri")
    page.goto(f"{console.base}/followups/{item.id}")
    page.fill("#draft", "Halo Kak, kami cek pesanan Kakak sekarang.")
    page.click("#edit button[value=save]")
    expect(page.locator("#flash")).to_contain_text("draft updated")
    page.uncheck("#correct input[name=label_complaint]")
    page.check("#correct input[name=label_praise]")
    page.click("#correct button[type=submit]")
    expect(page.locator("#flash")).to_contain_text("a new suggestion is attached")
    expect(page.locator("#status-note")).to_contain_text("see the suggestion")
    suggested = followups.show(console.app, item.id).item.suggested_draft
    assert suggested
    expect(page.locator("#suggestion .post-text")).to_have_text(suggested)
    expect(page.locator("#draft")).to_have_value("Halo Kak, kami cek pesanan Kakak sekarang.")


def test_on_a_phone_nothing_is_wider_than_the_screen(console: Console, browser: Any) -> None:
    """Before, at 375 px: the queue table was 700 px wide (what they said: three letters a
    line), and the draft editor (80 columns) ran off the screen, so staff scrolled sideways
    to read what they were about to approve."""
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
    page = context.new_page()
    page.goto(f"{console.base}/login")
    page.fill("input[name=username]", "sri")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("#queue tr.item").first).to_be_visible()
    item = _item(console, LONG[:40])  # a 5,000-character post
    for path in ("/queue", f"/followups/{item.id}", "/dashboard", "/people?q=Evil"):
        page.goto(f"{console.base}{path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"{path} is {width} px wide on a 375 px screen"
    page.goto(f"{console.base}/followups/{item.id}")
    box = page.locator("#draft").bounding_box()
    assert box is not None and box["x"] + box["width"] <= 375
    page.goto(f"{console.base}/queue")
    text = page.locator(f"#row-{item.id} td.text").bounding_box()
    assert text is not None and text["width"] > 250  # read across the card, not in a strip
    context.close()


def test_snoozing_an_approved_item_says_its_approval_is_withdrawn(
    console: Console, browser: Any
) -> None:
    """Before: "snoozed for 24 h" and nothing more, though the snooze drops the approval
    (nothing goes out of a snooze by itself): staff thought it would be sent after."""
    item = _item(console, "pesanan nomor 3 ")
    page = login(browser, console.base, "sri")
    page.goto(f"{console.base}/followups/{item.id}")
    page.click("form.act-approve button")
    expect(page.locator("#state")).to_have_text("approved")
    page.click("form.act-snooze button")
    expect(page.locator("#flash")).to_contain_text("approval is withdrawn")
    assert followups.show(console.app, item.id).item.status == "snoozed"
    page.goto(f"{console.base}/followups/{_item(console, 'pesanan nomor 4 ').id}")
    page.click("form.act-snooze button")  # an open one: nothing withdrawn, nothing said
    # the default: back tomorrow morning, the business's time (not 24 h after the click)
    expect(page.locator("#flash")).to_have_text(
        re.compile(r"snoozed until \w{3} \d\d \w{3} 09:00 WIB$")
    )
    third = _item(console, "pesanan nomor 5 ")
    page.goto(f"{console.base}/followups/{third.id}")
    page.select_option("#snooze-until", "next-week")
    page.click("form.act-snooze button")
    expect(page.locator("#flash")).to_have_text(
        re.compile(r"snoozed until Mon \d\d \w{3} 09:00 WIB$")
    )


def test_back_to_the_queue_from_an_item_keeps_the_filter_and_the_place(
    console: Console, browser: Any
) -> None:
    """Before: "q" (the only way back but the nav) went to /queue: a staff member working
    through the complaints lost the filter, and the cursor its row, after every item."""
    page = login(browser, console.base, "sri")
    page.goto(f"{console.base}/queue?label=complaint")
    page.keyboard.press("j")
    page.keyboard.press("j")
    current = page.locator("#queue tr.item.current").get_attribute("data-id")
    page.keyboard.press("o")
    expect(page.locator("#followup")).to_have_attribute("data-id", current or "")
    expect(page.locator("#to-queue")).to_have_attribute("href", "/queue?label=complaint")
    page.keyboard.press("q")
    expect(page.locator("#queue tr.item.current")).to_have_attribute("data-id", current or "")
    assert page.url.endswith("/queue?label=complaint")
    page.locator("#queue tr.item.current a.open").click()
    page.click("form.act-approve button")  # act on the item, then the link back
    expect(page.locator("#state")).to_have_text("approved")
    page.click("#to-queue")
    expect(page.locator("select[name=label]")).to_have_value("complaint")


def test_enter_on_a_focused_link_or_button_in_the_queue_is_that_link_or_button(
    console: Console, browser: Any
) -> None:
    """Before: the queue's Enter ("open the current row") took every Enter, so a keyboard
    user who tabbed to a link (Dashboard, a person, Next) or to a row's Approve button
    got the current row's page instead."""
    page = login(browser, console.base, "sri")
    page.goto(f"{console.base}/queue")
    page.focus("nav a[href='/dashboard']")
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{console.base}/dashboard")
    page.goto(f"{console.base}/queue")
    rows = page.locator("#queue tr.item[data-status=open]")
    second = rows.nth(1)
    fid = second.get_attribute("data-id")
    assert fid != page.locator("#queue tr.item.current").get_attribute("data-id")
    second.locator("form.act-approve button").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#flash")).to_have_text(f"follow-up {fid}: approved")
    page.keyboard.press("Enter")  # nothing focused: Enter opens the current row as before
    expect(page.locator("#followup")).to_be_visible()


def test_j_and_k_still_move_after_ticking_a_box_with_the_mouse(
    console: Console, browser: Any
) -> None:
    """Before: a ticked checkbox kept the focus and counted as typing, so j/k/x/A did
    nothing until staff clicked somewhere else."""
    page = login(browser, console.base, "sri")
    page.goto(f"{console.base}/queue")
    rows = page.locator("#queue tr.item")
    boxed = [
        i for i in range(1, rows.count()) if rows.nth(i).locator("input[name=selected]").count()
    ]
    target = boxed[0]  # a row after the first that can be approved (it has a box)
    rows.nth(target).locator("input[name=selected]").click()
    expect(page.locator("#selected-count")).to_have_text("1")
    first = rows.nth(0).get_attribute("data-id")
    expect(page.locator("#queue tr.item.current")).to_have_attribute("data-id", first or "")
    for _ in range(target):
        page.keyboard.press("j")
    expect(page.locator("#queue tr.item.current")).to_have_attribute(
        "data-id", rows.nth(target).get_attribute("data-id") or ""
    )
    page.keyboard.press("x")  # the keys act on the current row again
    expect(page.locator("#selected-count")).to_have_text("0")


def test_a_refused_edit_shows_the_typed_subject_as_well_as_the_text(
    console: Console, browser: Any
) -> None:
    """Before: a stale tab's save showed the draft typed but dropped the subject typed,
    without a word; after signing in again the editor got the text back but not the
    subject."""
    item = _item(console, "pesanan nomor 5 ")
    first = login(browser, console.base, "sri")
    second = login(browser, console.base, "sam")
    for page in (first, second):
        page.goto(f"{console.base}/followups/{item.id}")
    expect(second.locator("#edit input[name=subject]")).to_be_visible()
    first.fill("#draft", "Versi Sri.")
    first.click("#edit button[value=save]")
    expect(first.locator("#flash")).to_contain_text("draft updated")
    second.fill("#edit input[name=subject]", "Pesanan nomor 5: refund diproses")
    second.fill("#draft", "Versi Sam.")
    second.click("#edit button[value=save]")
    expect(second.locator("#stale")).to_be_visible()
    expect(second.locator("#seen-subject")).to_have_text("Pesanan nomor 5: refund diproses")
    expect(second.locator("#seen-draft")).to_have_text("Versi Sam.")
    # the session gone mid-edit: after signing in again the subject is back too
    second.reload()
    second.fill("#edit input[name=subject]", "Subjek baru")
    second.context.clear_cookies()
    second.click("#edit button[value=save]")
    expect(second.locator("#error")).to_contain_text("signed out")
    second.fill("input[name=username]", "sam")
    second.fill("input[name=password]", PASSWORD)
    second.click("#login button[type=submit]")
    expect(second.locator("#edit input[name=subject]")).to_have_value("Subjek baru")
    expect(second.locator("#unsaved-back")).to_be_visible()


def test_the_item_page_shows_do_not_contact_and_the_notes_on_the_person(
    console: Console, browser: Any
) -> None:
    """Before: the item page linked the person and nothing more, so staff edited and
    approved a reply to someone marked "do not contact" (the send then failed) and never
    saw a colleague's note on them."""
    from simak.usecases import people

    item = _item(console, "pesanan nomor 6 ")
    assert item.person_id is not None
    people.note(console.app, item.person_id, "Pelanggan lama; refund sudah diproses 2x", "ada")
    page = login(browser, console.base, "sri")
    page.goto(f"{console.base}/followups/{item.id}")
    expect(page.locator("#person-notes")).to_contain_text("refund sudah diproses 2x")
    expect(page.locator("#person-facts")).to_contain_text("(0 praise, 1 complaint, 0 ideas)")
    expect(page.locator("#dnc")).to_have_count(0)
    people.do_not_contact(console.app, item.person_id, "ada", "minta tidak dihubungi")
    page.reload()
    expect(page.locator("#dnc")).to_contain_text("Do not contact: minta tidak dihubungi")
    # nothing on the page offers to message them: no Approve, Send or "Save and approve"
    expect(page.locator("form.act-approve, form.act-send, #save-approve")).to_have_count(0)
    expect(page.locator("#keys")).not_to_contain_text("approve")
    page.goto(f"{console.base}/queue")
    row = page.locator(f"#row-{item.id}")
    expect(row.locator(".dnc")).to_have_attribute("title", "do not contact: minta tidak dihubungi")
    expect(row.locator("form.act-approve, input[type=checkbox]")).to_have_count(0)


def test_a_send_that_does_not_go_says_why(console: Console, browser: Any) -> None:
    """Before: "follow-up 9: failed via manual" and nothing more (the CLI adds the reason:
    here, the person is marked "do not contact")."""
    from simak.usecases import people

    item = _item(console, "pesanan nomor 9 ")
    assert item.person_id is not None
    followups.approve(console.app, item.id, "test")
    page = login(browser, console.base, "sri")
    page.goto(f"{console.base}/followups/{item.id}")
    # a colleague marks the person while this page is open (a fresh page has no Send)
    people.do_not_contact(console.app, item.person_id, "ada", "minta tidak dihubungi")
    page.click("form.act-send button")
    expect(page.locator("#flash")).to_contain_text(f"follow-up {item.id}: failed via")
    expect(page.locator("#flash")).to_contain_text("do not contact: minta tidak dihubungi")


def test_a_refusal_names_the_reopen_button_not_the_cli(console: Console, browser: Any) -> None:
    """Before: approving an item a colleague had just dismissed said "reopen it first:
    `simak followup reopen 10`", a command staff in the console do not have."""
    item = _item(console, "pesanan nomor 10 ")
    page = login(browser, console.base, "sri")
    page.goto(f"{console.base}/followups/{item.id}")
    followups.dismiss(console.app, item.id, "sam", "spam")
    page.click("form.act-approve button")
    hint = page.locator("#flash a.hint")
    expect(hint).to_have_text(f"Reopen on follow-up {item.id}'s page")
    expect(hint).to_have_attribute("href", f"/followups/{item.id}")
    expect(page.locator("#flash")).not_to_contain_text("`simak")


def test_leaving_an_item_with_an_edited_draft_asks_first(console: Console, browser: Any) -> None:
    """Before: only the item's action buttons guarded an unsaved edit; "Back to the queue",
    q, the person's link or a label correction left the page and dropped the words typed
    without a word. Now the browser asks first (and not when the draft is saved)."""
    item = _item(console, "semoga buka cabang di Bandung")
    page = login(browser, console.base, "sri")
    page.goto(f"{console.base}/followups/{item.id}")
    page.click("#draft")
    page.keyboard.press("Control+End")
    page.keyboard.type(" Kami kabari ya.")
    asked: list[str] = []

    def stay(dialog: Any) -> None:
        asked.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", stay)
    for leave in ("#to-queue", "q", "#correct button[type=submit]"):
        if leave == "q":
            page.keyboard.press("Escape")
            page.keyboard.press("q")
        else:
            page.click(leave, no_wait_after=True)
        page.wait_for_timeout(300)
        assert page.url.endswith(f"/followups/{item.id}"), leave  # still here, still typed
    page.remove_listener("dialog", stay)
    assert asked == ["beforeunload"] * 3
    expect(page.locator("#draft")).to_have_value(re.compile("Kami kabari ya.$"))
    page.click("#edit button[value=save]")  # saving is no leaving: no question
    expect(page.locator("#flash")).to_contain_text("draft updated")
    assert followups.show(console.app, item.id).item.draft.endswith("Kami kabari ya.")
    page.click("#to-queue")
    page.wait_for_url(re.compile(r"/queue"))


def test_a_slow_send_clicked_twice_posts_once(console: Console, browser: Any) -> None:
    """Before: a Send waiting on the mail server, clicked again, posted twice; the first
    went out, and the page the staff member landed on was the second one's refusal:
    "being sent by another run right now … (changed since you opened it?)", "Nothing was
    done". Now the second click does nothing; the page says it was sent."""
    item = _item(console, "pesanan nomor 11 ")
    followups.approve(console.app, item.id, "test")
    page = login(browser, console.base, "sri")
    page.goto(f"{console.base}/followups/{item.id}")
    held: list[Any] = []

    def hold(route: Any) -> None:  # the mail server is slow: the answer waits
        held.append(route)

    page.route(re.compile(r"/followups/\d+/send$"), hold)
    box = page.locator("form.act-send button").bounding_box()
    assert box is not None
    for _ in range(2):  # a double click, as people do: the mouse, not waiting for the page
        page.mouse.click(box["x"] + 5, box["y"] + 5)
        page.wait_for_timeout(250)
    posts = len(held)
    page.unroute(re.compile(r"/followups/\d+/send$"))
    for route in held:
        with contextlib.suppress(Exception):  # one the browser gave up on for a second one
            route.continue_()
    expect(page.locator("#flash")).to_contain_text(f"follow-up {item.id}: sent")
    assert posts == 1
    expect(page.locator("#stale")).to_have_count(0)
