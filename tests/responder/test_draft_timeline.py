"""Drafts follow the conversation's timeline: a complaint today leads over praise from last
week, praise days after a complaint is glad it is better, an idea days after a complaint
is no reason to thank for the complaint as news; posts of one day read as said together."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from responder.draft_input import DraftInput, DraftPost
from responder.drafts import Draft, DraftWriter
from responder.register import Register
from responder.settings import Label, ResponderSettings
from responder.timeline import said_when

from .conftest import FakeScorer

#: When the newest post was written; the drafts never look at a clock.
NEWEST = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)
RUDE = ("My order was wrong and the barista was rude.", ("complaint",))
LATTE = ("Love the iced latte here, best in town!", ("praise",))
CRASH = ("The app crashed and I got a payment error.", ("complaint",))
THANKS = ("Thanks, great team, love it!", ("praise",))
WAITED = ("My order was wrong and I waited an hour.", ("complaint",))
OAT = ("Please add oat milk, would be great.", ("idea",))
SALAH = ("Pesanan saya salah, kecewa banget.", ("complaint",))
KOPI = ("Kopi susunya enak banget, favorit!", ("praise",))
ERROR = ("Aplikasinya error terus, gak bisa bayar.", ("complaint",))
MAKASIH = ("Makasih min, udah lancar lagi, enak kopinya!", ("praise",))
TELAT = ("Pengirimannya telat sejam, kecewa.", ("complaint",))
USUL = ("Semoga ada menu oat milk ya.", ("idea",))
Said = tuple[str, tuple[str, ...]]


@pytest.fixture
def writer(scorer: FakeScorer) -> DraftWriter:
    settings = ResponderSettings.model_validate(
        {"business": {"name": "Kopi Senja", "signer": "Dina", "products": ["iced latte"]}}
    )
    return DraftWriter(settings, scorer)


def conversation(
    lang: str, register: Register, *posts: tuple[Said, float | None], label: Label = "complaint"
) -> DraftInput:
    """Posts newest first, each with how many hours before the newest it was written
    (None: no time known)."""
    return DraftInput(
        label=label,
        posts=tuple(
            DraftPost(text, labels, created_at=None if h is None else NEWEST - timedelta(hours=h))
            for (text, labels), h in posts
        ),
        lang=lang,
        brand="Kopi Senja",
        name="Rina Wulandari",
        register=register,
    )


def opening(draft: Draft) -> str:
    """The paragraph after the greeting: what the draft leads with."""
    return draft.body.split("\n\n")[1]


DAYS, WEEK, OLD = 3 * 24, 9 * 24, 20 * 24


# --- praise earlier, complaint today: the complaint leads -------------------------------


@pytest.mark.parametrize(
    ("register", "lead", "earlier"),
    [
        (
            "casual",
            "Thank you for telling us, and we're really sorry about how you were treated.",
            "You were so kind about the iced latte last week — thank you, that meant a lot to us.",
        ),
        (
            "formal",
            "Thank you for letting us know, and please accept our sincere apologies for how "
            "you were treated.",
            "You were kind enough to praise the iced latte last week; thank you, that meant a "
            "great deal to us.",
        ),
    ],
    ids=["casual", "formal"],
)
def test_an_english_complaint_today_leads_over_praise_from_last_week(
    writer: DraftWriter, register: Register, lead: str, earlier: str
) -> None:
    draft = writer.write_one(conversation("en", register, (RUDE, 0), (LATTE, WEEK)))

    assert opening(draft) == lead
    assert earlier in draft.body
    assert "kind words" not in draft.body and "glad you love" not in draft.body
    assert "iced latte" not in draft.messages[0]  # the short DM keeps to the complaint


@pytest.mark.parametrize(
    ("register", "lead", "earlier"),
    [
        (
            "casual",
            "Makasih sudah kabari kami, dan maaf banget soal pesanan yang salah.",
            "Kakak sempat memuji kami beberapa hari lalu — makasih ya, itu berarti banget buat "
            "kami.",
        ),
        (
            "formal",
            "Terima kasih telah menyampaikan hal ini kepada kami, dan kami mohon maaf atas "
            "kesalahan pada pesanan Ibu.",
            "Ibu sempat menyampaikan apresiasi untuk kami beberapa hari yang lalu; terima kasih, "
            "hal itu sangat berarti bagi kami.",
        ),
    ],
    ids=["casual", "formal"],
)
def test_an_indonesian_complaint_today_leads_over_praise_from_days_ago(
    writer: DraftWriter, register: Register, lead: str, earlier: str
) -> None:
    draft = writer.write_one(conversation("id", register, (SALAH, 0), (KOPI, DAYS)))

    assert opening(draft) == lead
    assert earlier in draft.body
    assert "pujiannya —" not in draft.body and "atas apresiasi" not in draft.body
    assert "memuji" not in draft.messages[0] and "apresiasi" not in draft.messages[0]


@pytest.mark.parametrize(
    ("lang", "register", "posts", "praise_words"),
    [
        ("en", "casual", (RUDE, LATTE), ("kind words", "kind about", "iced latte", "glad")),
        ("en", "formal", (RUDE, LATTE), ("kind words", "kind enough", "iced latte", "glad")),
        ("id", "casual", (SALAH, KOPI), ("memuji", "pujian", "senang")),
        ("id", "formal", (SALAH, KOPI), ("apresiasi", "senang")),
    ],
    ids=["en-casual", "en-formal", "id-casual", "id-formal"],
)
def test_praise_from_weeks_ago_is_left_out_of_todays_complaint(
    writer: DraftWriter,
    lang: str,
    register: Register,
    posts: tuple[Said, Said],
    praise_words: tuple[str, ...],
) -> None:
    complaint, praise = posts
    draft = writer.write_one(conversation(lang, register, (complaint, 0), (praise, OLD)))

    alone = writer.write_one(conversation(lang, register, (complaint, 0)))
    assert (draft.subject, draft.body, draft.messages) == (
        alone.subject,
        alone.body,
        alone.messages,
    )
    for word in praise_words:
        assert word not in draft.body.casefold()


# --- said the same day (or in one post): today's wording, unchanged ---------------------


@pytest.mark.parametrize(
    ("lang", "register", "posts", "together"),
    [
        (
            "en",
            "casual",
            (RUDE, LATTE),
            "We're so glad you love the iced latte — and we're really sorry about how you "
            "were treated.",
        ),
        (
            "id",
            "casual",
            (SALAH, KOPI),
            "Makasih banyak atas pujiannya — dan maaf banget soal pesanan yang salah.",
        ),
        (
            "id",
            "formal",
            (SALAH, KOPI),
            "Terima kasih atas apresiasi Ibu, dan kami mohon maaf atas kesalahan pada pesanan Ibu.",
        ),
    ],
    ids=["en-casual", "id-casual", "id-formal"],
)
def test_praise_and_a_complaint_of_the_same_day_read_as_said_together(
    writer: DraftWriter,
    lang: str,
    register: Register,
    posts: tuple[Said, Said],
    together: str,
) -> None:
    complaint, praise = posts
    undated = writer.write_one(conversation(lang, register, (complaint, None), (praise, None)))
    same_day = writer.write_one(conversation(lang, register, (complaint, 0), (praise, 23)))
    text, labels = complaint
    one_post = conversation(lang, register, ((f"{praise[0]} {text}", (*labels, "praise")), 0))

    assert opening(undated) == together
    assert (same_day.subject, same_day.body, same_day.messages) == (
        undated.subject,
        undated.body,
        undated.messages,
    )
    assert writer.write_one(one_post).body.split("\n\n")[1] == together


# --- complaint earlier, praise today: glad it is better, no apology as if new -----------


@pytest.mark.parametrize(
    ("lang", "register", "posts", "glad", "message"),
    [
        (
            "en",
            "casual",
            (THANKS, CRASH),
            "Thank you for the kind words — we're so glad things are better now. Sorry again "
            "about the trouble with the app the other day.",
            "Hi Rina, thank you for the kind words — we're so glad things are better now!",
        ),
        (
            "en",
            "formal",
            (THANKS, CRASH),
            "Thank you for your kind words; we are glad to hear that things are better now, "
            "and we apologise once more for the trouble with the app a few days ago.",
            "Dear Rina, thank you for your kind words; we are glad to hear that things are "
            "better now.",
        ),
        (
            "id",
            "casual",
            (MAKASIH, ERROR),
            "Makasih pujiannya, Kak — senang banget dengarnya sekarang sudah lebih baik. Sekali "
            "lagi maaf ya soal kendala di aplikasinya beberapa hari lalu.",
            "Halo Kak Rina, makasih pujiannya — senang banget dengarnya sekarang sudah lebih baik!",
        ),
        (
            "id",
            "formal",
            (MAKASIH, ERROR),
            "Terima kasih atas apresiasi Ibu; kami senang mendengar semuanya kini sudah lebih "
            "baik. Sekali lagi kami mohon maaf atas kendala pada aplikasi kami beberapa hari "
            "yang lalu.",
            "Halo Ibu Rina, terima kasih atas apresiasi Ibu; kami senang mendengar semuanya kini "
            "sudah lebih baik.",
        ),
    ],
    ids=["en-casual", "en-formal", "id-casual", "id-formal"],
)
def test_praise_days_after_a_complaint_is_glad_it_is_better_now(
    writer: DraftWriter,
    lang: str,
    register: Register,
    posts: tuple[Said, Said],
    glad: str,
    message: str,
) -> None:
    praise, complaint = posts
    draft = writer.write_one(conversation(lang, register, (praise, 0), (complaint, DAYS)))

    assert opening(draft) == glad
    assert complaint[0] not in draft.body  # the old complaint is not quoted back as news
    assert draft.messages[0].startswith(message)
    same_day = writer.write_one(conversation(lang, register, (praise, 0), (complaint, 2)))
    assert complaint[0] in same_day.body  # an update of the same day: as before
    assert "kind words — we're so glad" not in same_day.body
    assert "sekarang sudah lebih baik" not in same_day.body


# --- an idea days after a complaint: the complaint still leads, said as earlier ---------


@pytest.mark.parametrize(
    ("lang", "register", "posts", "lead", "idea"),
    [
        (
            "en",
            "casual",
            (OAT, WAITED),
            "We're really sorry about the wait, which you told us about the other day.",
            'Thank you for your suggestion as well ("Please add oat milk, would be great.")',
        ),
        (
            "en",
            "formal",
            (OAT, WAITED),
            "Please accept our sincere apologies for the wait, which you brought to our "
            "attention last week.",
            'Thank you also for your suggestion ("Please add oat milk, would be great.")',
        ),
        (
            "id",
            "casual",
            (USUL, TELAT),
            "Maaf banget soal pengirimannya, seperti yang Kakak ceritakan beberapa hari lalu.",
            'Makasih juga untuk sarannya ("Semoga ada menu oat milk ya.")',
        ),
        (
            "id",
            "formal",
            (USUL, TELAT),
            "Kami mohon maaf atas kendala pada pengiriman pesanan Ibu, sebagaimana yang Ibu "
            "sampaikan pekan lalu.",
            'Terima kasih juga atas sarannya ("Semoga ada menu oat milk ya.")',
        ),
    ],
    ids=["en-casual", "en-formal", "id-casual", "id-formal"],
)
def test_an_idea_days_after_a_complaint_keeps_the_complaint_first_as_earlier(
    writer: DraftWriter,
    lang: str,
    register: Register,
    posts: tuple[Said, Said],
    lead: str,
    idea: str,
) -> None:
    suggestion, complaint = posts
    hours = DAYS if register == "casual" else WEEK
    draft = writer.write_one(conversation(lang, register, (suggestion, 0), (complaint, hours)))

    assert opening(draft) == lead
    assert idea in draft.body
    for news in ("Thank you for telling us", "Thank you for letting us know", "sudah kabari"):
        assert news not in draft.body  # no thanks for the complaint as if it were news
    assert "Terima kasih telah menyampaikan hal ini" not in draft.body


# --- no clock: the same conversation gets the same draft whenever it is written ---------


def test_the_draft_depends_on_the_posts_times_only(writer: DraftWriter) -> None:
    item = conversation("en", "casual", (RUDE, 0), (LATTE, WEEK))
    later = replace(
        item,
        posts=tuple(
            replace(p, created_at=p.created_at + timedelta(days=400))
            for p in item.posts
            if p.created_at is not None
        ),
    )

    first, again, shifted = (writer.write_one(i) for i in (item, item, later))

    assert first == again == shifted


@pytest.mark.parametrize(
    ("hours", "when"),
    [
        (0, "now"),
        (23.9, "now"),
        (24, "days"),
        (6 * 24 + 23, "days"),
        (7 * 24, "week"),
        (13 * 24 + 23, "week"),
        (14 * 24, "old"),
        (None, "now"),
    ],
)
def test_when_praise_was_said_counts_back_from_the_newest_post(
    hours: float | None, when: str
) -> None:
    item = conversation("en", "casual", (RUDE, 0), (LATTE, hours))

    assert said_when(item, "praise") == when
    assert said_when(item, "complaint") == "now"
    assert said_when(item, "idea") is None
