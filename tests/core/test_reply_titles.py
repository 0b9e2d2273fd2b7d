"""A comment's title is its thread's ("Re: …"): context for staff, never the commenter's
words, so neither the classifier nor the draft's details read it."""

from __future__ import annotations

from common.records import own_title, reply_title
from simak.usecases.classify import text_for


def test_a_reply_is_titled_re_its_thread_once() -> None:
    assert reply_title("Kopi Senja is down again") == "Re: Kopi Senja is down again"
    assert reply_title("Re: Kopi Senja is down again") == "Re: Kopi Senja is down again"
    assert reply_title("RE[2]: ask") == "RE[2]: ask"
    assert reply_title("") is None and reply_title(None) is None


def test_only_an_own_title_is_classified_with_the_text() -> None:
    """Before: a comment "works fine for me" under "Kopi Senja is down again" was
    classified as "Kopi Senja is down again. works fine for me"."""
    assert text_for("Re: Kopi Senja is down again", "works fine for me") == "works fine for me"
    assert text_for("re: thread", "ok") == "ok"
    assert text_for("Kopi Senja ruined my morning", "the oat latte was cold") == (
        "Kopi Senja ruined my morning. the oat latte was cold"
    )
    assert own_title("Kopi Senja: a review") == "Kopi Senja: a review"  # a colon is no reply
    assert own_title("Recap: Kopi Senja") == "Recap: Kopi Senja"
