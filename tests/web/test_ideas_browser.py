"""The owner's ideas board in a real headless Chromium: filters, an idea's own page (posts,
who asked by language / channel / regulars, posts per week), rename, split, and closing
the loop — the owner sees how many messages will be drafted before confirming, and
nothing is sent without approval. A module of its own: it drafts follow-ups."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from simak.usecases import idea_board, reports
from simak.usecases.alerts import COOL_DOWN
from storage import alerts
from tests.web.conftest import PASSWORD, Console, login


def _oat_milk(console: Console) -> idea_board.GroupView:
    return next(g for g in idea_board.board(console.app) if "oat milk" in g.title.lower())


def test_the_board_filters_and_a_bad_filter_says_so(console: Console, browser: Any) -> None:
    page = login(browser, console.base, "olga")
    page.select_option("#filters select[name=status]", "done")
    page.click("#filters button[type=submit]")
    expect(page.locator("#no-ideas")).to_have_text("No ideas match these filters.")
    page.goto(f"{console.base}/ideas?brand=kopi-senja&since=30")
    expect(page.locator("#ideas tr.group")).to_have_count(len(idea_board.board(console.app)))
    page.goto(f"{console.base}/ideas?brand=kopi-typo")
    expect(page.locator("#flash")).to_contain_text("unknown brand 'kopi-typo'")
    expect(page.locator("#ideas tr.group").first).to_be_visible()


def test_done_shows_the_drafts_to_come_and_sends_nothing(console: Console, browser: Any) -> None:
    group = _oat_milk(console)
    page = login(browser, console.base, "olga")
    page.click(f"#ideas tr.group[data-key='{group.id}'] a")
    expect(page.locator("#posts li")).to_have_count(group.posts)
    expect(page.locator("#by-channel")).to_contain_text("x")
    expect(page.locator("#weekly tbody tr")).to_have_count(8)
    page.select_option("#status select[name=status]", "done")
    page.fill("#status input[name=note]", "Oat milk from Monday")
    page.click("#status button[type=submit]")
    expect(page.locator("#draft-count")).to_have_text(str(group.people))
    page.click("#cancel")  # nothing changed yet
    assert idea_board.show(console.app, group.id).status == "new"
    page.select_option("#status select[name=status]", "done")
    page.click("#status button[type=submit]")
    page.click("#confirm button[type=submit]")
    expect(page.locator("#flash")).to_contain_text(f"{group.people} message(s) drafted")
    expect(page.locator("#idea-status")).to_have_text("done")
    notices = [i for i in reports.queue(console.app, limit=None) if i.kind == "announcement"]
    assert len(notices) == group.people and {i.status for i in notices} == {"open"}
    assert console.channel.sent == []  # nothing goes out before approval
    page.click("#notify button[type=submit]")  # telling again drafts no one twice
    expect(page.locator("#draft-count")).to_have_text("0")
    expect(page.locator("#skipped")).to_contain_text("has a notice already")


def test_split_and_rename_keep_odd_titles_literal(console: Console, browser: Any) -> None:
    group = _oat_milk(console)
    page = login(browser, console.base, "olga")
    page.goto(f"{console.base}/ideas/{group.id}")
    page.locator("#posts input[name=posts]").first.check()
    page.fill("#split input[name=title]", "Oat milk (first asker)")
    page.click("#split button[type=submit]")
    expect(page.locator("#flash")).to_contain_text(f"split 1 post(s) off idea {group.id}")
    expect(page.locator("#idea-title")).to_have_text("Oat milk (first asker)")
    expect(page.locator("#posts li")).to_have_count(1)
    odd = (
        "<script>window.__xss=1</script> \u202eخيار حليب الشوفان " + "panjang " * 15
    )  # the field takes 200
    page.fill("#rename input[name=title]", odd)
    page.click("#rename button[type=submit]")
    expect(page.locator("#idea-title")).to_have_text(" ".join(odd.split()))
    assert page.evaluate("window.__xss") is None
    page.goto(f"{console.base}/ideas")
    expect(page.locator("#ideas")).to_contain_text("<script>window.__xss=1</script>")
    assert page.evaluate("window.__xss") is None


def test_the_dashboard_shows_labels_per_day_and_spike_alerts(
    console: Console, browser: Any
) -> None:
    """Before: totals only; the brief's "volume per label per day, spikes" were missing."""
    now = console.app.clock()
    with console.app.db.session() as session:
        figures = (14, 1.5, 1e-6)
        alerts.claim(session, "kopi-senja", "complaint", now.date(), figures, "t", now, COOL_DOWN)
    page = login(browser, console.base, "sri")  # staff see the dashboard too
    page.goto(f"{console.base}/dashboard")
    expect(page.locator("#spikes tr.spike")).to_have_count(1)
    expect(page.locator("#spikes")).to_contain_text(now.date().isoformat())
    for label in ("complaint", "praise", "idea"):
        expect(page.locator(f"#{label}-per-day svg rect.bar")).to_have_count(14)
    per_day = reports.daily_labels(console.app)["complaint"]
    shown = page.locator("#complaint-per-day table tbody tr td:nth-child(2)").all_inner_texts()
    assert [int(n) for n in shown] == list(per_day.values())


def test_a_notice_says_what_it_is_where_a_post_would_be(console: Console, browser: Any) -> None:
    """Before: a "you asked, it shipped" notice has no post of the person's to answer, so
    its queue row's "what they said" was blank and its page showed an empty "1." under
    Conversation; the CLI's queue says "[idea 3 (…) is done: tell the person who asked]"."""
    group = next(g for g in idea_board.board(console.app) if "Bandung" in g.title)
    idea_board.set_status(console.app, group.id, "declined", "olga", "Belum dulu", tell=True)
    notice = next(
        i
        for i in reports.queue(console.app, limit=None)
        if i.kind == "announcement" and f"idea {group.id} " in (i.status_note or "")
    )
    page = login(browser, console.base, "sri")
    page.goto(f"{console.base}/queue?label={notice.label}")
    expect(page.locator(f"#row-{notice.id} td.text")).to_contain_text(
        "no post of theirs: " + (notice.status_note or "")
    )
    page.goto(f"{console.base}/followups/{notice.id}")
    expect(page.locator("ol.posts li")).to_have_count(1)
    expect(page.locator("#no-post")).to_contain_text("Nothing of theirs to answer")


def test_on_a_phone_the_board_is_read_across_the_screen(console: Console, browser: Any) -> None:
    """Before, at 375 px: the board's eight columns were squeezed into the screen, the
    quotes' column 60 px wide, a word a line: a few ideas made a page 20 times the height
    it has on a desktop. Now each idea is a card, its quotes across the screen."""
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
    page = context.new_page()
    page.goto(f"{console.base}/login")
    page.fill("input[name=username]", "olga")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("#ideas tr.group").first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    for cell in ("td:last-child", "td:nth-child(2)"):  # what they said; the idea's title
        box = page.locator(f"#ideas tr.group {cell}").first.bounding_box()
        assert box is not None and box["width"] > 250, (cell, box)
    context.close()
