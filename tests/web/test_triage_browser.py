"""A morning's triage in headless Chromium, on a console of its own (this module's): what
the rows and pages say about an item, two tabs correcting the same labels, a phone-width
screen, and what a mistyped address shows."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from simak.usecases import followups, reports
from storage.corrections import corrections
from tests.web.conftest import Console, login


def _item(console: Console, text: str) -> reports.QueueItem:
    return next(i for i in reports.queue(console.app, limit=None) if text in i.text)


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
