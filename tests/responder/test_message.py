"""The short form of a draft: one private message within a platform's length limit."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from responder.drafts import MESSAGE_LIMITS, Draft
from responder.message import fit_message

BODY = (
    "Hi Budi,\n\n"
    "Thank you for telling us, and we're really sorry about the problem with your payment. "
    "We're sorry you had to write to us more than once, too.\n\n"
    "We read what you wrote:\n\n"
    '"saldo GoPay saya kepotong dua kali buat 1 pesanan (order KS-88213), Rp58.000 x2."\n\n'
    "We have the details you already gave us (order KS-88213 and Rp58.000). "
    "Could you send us a screenshot of the charge at https://kopi.example/help?\n\n"
    "Warm regards,\nDina from Kopi Senja"
)


def test_a_message_that_fits_is_kept_whole() -> None:
    assert fit_message("Hi Budi,\n\nThanks!\n\nDina", 100) == "Hi Budi,\n\nThanks!\n\nDina"


def test_the_quote_goes_first_then_sentences_from_the_end() -> None:
    fitted = fit_message(BODY, 300)

    assert len(fitted) <= 300
    assert fitted.startswith("Hi Budi,\n\nThank you for telling us")
    assert fitted.endswith("Warm regards, Dina from Kopi Senja")
    assert "We read what you wrote" not in fitted and "saldo" not in fitted


def test_links_staff_wrote_survive_when_they_fit() -> None:
    fitted = fit_message(BODY, 480)

    assert "https://kopi.example/help?" in fitted
    assert len(fitted) <= 480


def test_a_tiny_limit_drops_the_signature_then_the_greeting() -> None:
    first = "Thank you for telling us, and we're really sorry about the problem with your payment."

    assert fit_message(BODY, 100) == f"Hi Budi,\n\n{first}"
    assert fit_message(BODY, 90) == first


def test_a_limit_below_one_sentence_cuts_at_a_word_with_an_ellipsis() -> None:
    fitted = fit_message(BODY, 40)

    assert fitted == "Thank you for telling us, and we're…"


def test_nonsense_limits_are_refused() -> None:
    with pytest.raises(ValueError, match="at least 2"):
        fit_message(BODY, 1)


@given(st.text(alphabet="ab .,!?\n😀", max_size=400), st.integers(min_value=2, max_value=500))
def test_never_over_the_limit(text: str, limit: int) -> None:
    assert len(fit_message(text, limit)) <= limit


def test_draft_message_picks_the_fullest_form_that_fits() -> None:
    full = "Hi Budi, sorry about the payment. We have order KS-88213. We'll check. — Dina"
    short = "Hi Budi, sorry about the payment. We'll check. — Dina"
    draft = Draft("s", BODY, "en", "complaint.en.casual.j2", "casual", (full, short))

    assert draft.message(MESSAGE_LIMITS["mastodon_dm"] - len("@budi@mastodon.social ")) == full
    assert draft.message(len(short)) == short
    assert draft.message(40) == "Hi Budi, sorry about the payment."


def test_draft_without_a_message_form_fits_its_body() -> None:
    draft = Draft("s", BODY, "en", "complaint.en.j2")

    assert draft.message(300) == fit_message(BODY, 300)
