"""What a draft template sees: the person's own words, details, register and history.

``build_context`` turns one :class:`DraftInput` (with the batch's sentence scores)
into the variables documented in :mod:`responder.drafts`. It decides what to quote,
what to confirm and what to ask; the templates decide only how to say it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from common.records import own_title
from responder.address import honorific
from responder.details import DetailLists, Details, extract_details, products_in
from responder.draft_input import DraftInput
from responder.picking import Passage, ScoreBook, pick_passage
from responder.register import detect_register
from responder.settings import ResponderSettings
from responder.text import is_organisation, person_name
from responder.timeline import timeline
from responder.topics import (
    FEEDBACK_TOPICS,
    MONEY_TOPICS,
    THANKED_TOPICS,
    detect_topic,
    missing_details,
    names_topic,
    rewards_named,
)
from responder.voice import Affected, affected, plain_question, said_again, secondhand

MAX_QUOTES = 3  # ideas: one quote per idea post, at most this many


@dataclass(frozen=True, slots=True)
class Known:
    """One detail to confirm back: its kind ("order", "amount", "date", "time", "branch")."""

    kind: str
    value: str


def post_texts(item: DraftInput) -> list[str]:
    """Each post's text (its title when the text is empty), newest first."""
    return [post.text if post.text.strip() else (post.title or "") for post in item.posts]


def _carrying(item: DraftInput, label: str) -> list[int]:
    """Indexes of the posts that carry ``label`` (every post when none is labelled: a
    bare route, where any post may carry it)."""
    indexes = [k for k, post in enumerate(item.posts) if label in post.labels]
    return indexes or list(range(len(item.posts)))


def _passages(
    item: DraftInput, book: ScoreBook, label: str, limit: int, topic: str | None = None
) -> list[Passage]:
    """Each carrying post's passage; with a ``topic``, one that names it when one of the
    near-best sentences does (the stomach ache, not "Mohon perhatiannya…")."""
    texts = post_texts(item)
    prefer = None if topic is None else lambda sentence: names_topic(sentence, topic)
    found = []
    for k in _carrying(item, label):
        scores = item.posts[k].scores
        whole = float(scores.get(label, 1.0))
        shun = scores if label == "praise" else None  # never thank with a complaint's words
        passage = pick_passage(book, texts[k], k, label, limit, whole, prefer, shun)
        if passage is not None:
            found.append(passage)
    return found


def _best(passages: Sequence[Passage]) -> Passage | None:
    """The passage carrying its label most; the newest post wins a tie."""
    return max(passages, key=lambda p: (p.score, -p.post), default=None)


def _main_quotes(label: str, passages: Sequence[Passage]) -> list[str]:
    if label != "idea":
        best = _best(passages)
        return [best.quote] if best is not None and best.quote else []
    ordered = sorted(passages, key=lambda p: -p.post)  # oldest first, as they were written
    quotes = list(dict.fromkeys(p.quote for p in ordered if p.quote))
    return quotes[-MAX_QUOTES:]


def _overlaps(quote: str, others: Sequence[str]) -> bool:
    return any(quote in other or other in quote for other in others)


def _known(details: Details, topic: str | None) -> list[Known]:
    """The details to confirm back; an amount only for a problem with money (the sum
    charged twice), never the price of what broke ("padahal harganya 150rb")."""
    amounts = details.amounts if topic in MONEY_TOPICS else ()
    return [
        *(Known("order", v) for v in details.order_ids),
        *(Known("amount", v) for v in amounts),
        *(Known("date", v) for v in details.dates),
        *(Known("time", v) for v in details.times),
        *(Known("branch", v) for v in details.branches),
    ]


def _is_update(item: DraftInput) -> bool:
    """The newest post praises (or thanks) after an earlier post complained."""
    newest = item.posts[0].labels
    earlier = (post.labels for post in item.posts[1:])
    return (
        "praise" in newest and "complaint" not in newest and any("complaint" in e for e in earlier)
    )


def _own(texts: Sequence[str], indexes: Sequence[int]) -> list[int]:
    """The ``indexes`` whose posts speak for their author, not reports of other people's
    trouble (a blog's "Banyak pengguna mengeluh…"); all of them when every one reports."""
    return [k for k in indexes if not secondhand(texts[k])] or list(indexes)


def _lead(passages: Sequence[Passage], texts: Sequence[str]) -> Passage | None:
    """The complaint the draft answers: the newest post's that speaks for its author. A
    conversation can raise different problems (a double charge, then a login outage);
    the draft answers the latest of the person's own, not whichever scored higher."""
    own = set(_own(texts, [p.post for p in passages]))
    return min((p for p in passages if p.post in own), key=lambda p: p.post, default=None)


def _topic(item: DraftInput, texts: Sequence[str], passage: Passage | None) -> str | None:
    """What the complaint is about: from the clause that carries it, else its quote, else
    its post, else the author's own posts that complain (every post when none is
    labelled). An illness the author's own posts name anywhere wins: "saya diare…
    kayaknya opornya basi" is no complaint about taste; a news item about other people's
    illness is not the author's."""
    own = _own(texts, _carrying(item, "complaint"))
    posts_topic = detect_topic([texts[k] for k in own])  # the posts' topic, detected once
    if posts_topic == "health":
        return "health"
    own_texts = tuple(texts[k] for k in own)
    candidates = (passage.focus, passage.quote or "", texts[passage.post]) if passage else ()
    for group in dict.fromkeys((text,) for text in candidates):
        topic = detect_topic(group) if group != own_texts else posts_topic
        if topic is not None:
            return topic
    return posts_topic


def _naming(passages: list[Passage], texts: Sequence[str], topic: str) -> list[Passage]:
    """The passages of posts that name ``topic`` (all when none does): a draft about a
    login problem never quotes the person's earlier double charge back as if it were it."""
    return [p for p in passages if names_topic(texts[p.post], topic)] or passages


def _another_problem(text: str, topic: str | None) -> str | None:
    """The problem a post raises when it is not ``topic`` and does not name it either."""
    found = detect_topic([text])
    if found is None or found == topic or (topic is not None and names_topic(text, topic)):
        return None
    return found


def _other_topics(
    texts: Sequence[str], complaining: Sequence[int], topic: str | None
) -> tuple[list[str], list[str]]:
    """Problems other complaining posts raise besides ``topic``: the author's own, and
    those their reports of other people's trouble name (each once, newest first)."""
    own = set(_own(texts, complaining))
    found: dict[str, bool] = {}
    for k in complaining:
        other = _another_problem(texts[k], topic)
        if other is not None and other not in found:
            found[other] = k in own
    return [t for t, mine in found.items() if mine], [t for t, mine in found.items() if not mine]


def _told(
    item: DraftInput, texts: Sequence[str], complaining: Sequence[int], topic: str | None
) -> int:
    """How many posts of this conversation told us what the follow-up answers; for a
    complaint, the author's own posts about ``topic`` (or naming nothing: "still no
    answer"), so a double charge and, later, a login problem are no "told us again"."""
    if item.label != "complaint":
        return max(1, sum(item.label in post.labels for post in item.posts))
    return sum(_another_problem(texts[k], topic) is None for k in _own(texts, complaining))


def _only_asks(
    texts: Sequence[str], complaining: Sequence[int], topic: str | None, passage: Passage | None
) -> bool:
    """The "complaint" only asks something: no problem topic (or only whether a way to pay
    is accepted: "Bisa bayar pake GoPay?"), every complaining post is a plain question, and
    so is the passage that carries the complaint (the model's mistake, answered as a
    question, not apologised for). A complaint beside an idea phrased as a question
    ("Prices went up too much. Maybe a loyalty discount?") is no question."""
    asks = passage is None or plain_question(passage.quote or passage.focus)
    return (
        bool(complaining)
        and topic in (None, "payment_method")
        and asks
        and all(plain_question(texts[k]) for k in complaining)
    )


def _affected(texts: Sequence[str]) -> Affected | None:
    """Who a health complaint is about when it is not the author ("my son")."""
    return next((a for a in map(affected, texts) if a is not None), None)


def _picked(
    item: DraftInput, book: ScoreBook, texts: Sequence[str], limit: int
) -> tuple[str | None, list[Passage], dict[str, Passage | None]]:
    """The complaint's topic, the passages of the follow-up's label and the best passage
    of each other label; a complaint's passages name its topic when a near-best sentence
    does (the stomach ache, not "Mohon perhatiannya terhadap kebersihan.")."""
    labels = item.labels_present()
    main = _passages(item, book, item.label, limit)
    other: dict[str, Passage | None] = {
        lab: _best(_passages(item, book, lab, limit)) for lab in labels[1:]
    }
    if "complaint" not in labels:
        return None, main, other
    complaints = main if item.label == "complaint" else _passages(item, book, "complaint", limit)
    topic = _topic(item, texts, _lead(complaints, texts))
    if topic is not None:
        named = _naming(_passages(item, book, "complaint", limit, topic), texts, topic)
        if item.label == "complaint":
            return topic, named, other
        return topic, main, {**other, "complaint": _best(named)}
    return topic, main, other


def _lists(item: DraftInput, settings: ResponderSettings) -> DetailLists:
    business = settings.business
    terms = [*item.brand_terms, item.brand, *((business.name,) if business.name else ())]
    terms += [t.replace(" ", "") for t in terms if " " in t]  # "Kopi Senja" → "kopisenja"
    return DetailLists(
        branches=(*item.branches, *business.branches),
        products=(*item.products, *business.products),
        brand_terms=tuple(dict.fromkeys(t for t in terms if t)),
    )


def _what_they_said(
    item: DraftInput, book: ScoreBook, settings: ResponderSettings
) -> dict[str, object]:
    """Quotes, topic, details, asks and liked products: the variables about the posts."""
    limit = settings.quote_max_chars
    texts = post_texts(item)
    labels = item.labels_present()
    topic, main, other = _picked(item, book, texts, limit)
    quotes = _main_quotes(item.label, main)
    also = {
        lab: p.quote if p is not None and p.quote and not _overlaps(p.quote, quotes) else None
        for lab, p in other.items()
    }
    lists = _lists(item, settings)
    # only what the posts with the follow-up's label say: a branch named in earlier
    # praise is no detail of a complaint about the app
    complaining = _carrying(item, "complaint") if "complaint" in labels else []
    reports = {k for k in complaining if secondhand(texts[k])}  # other people's trouble
    own = [k for k in _carrying(item, item.label) if k not in reports]
    own = own or _carrying(item, item.label)
    titles = [own_title(item.posts[k].title) or "" for k in own]  # not a reply's thread
    details = extract_details([*(texts[k] for k in own), *titles], lists)
    focus = {item.label: _best(main), **other}
    praise = focus.get("praise")
    update = _is_update(item)
    when = timeline(item)
    # praise days after a complaint: glad it is better, no quoting the old complaint back
    late_update = update and item.label == "complaint" and when["complaint"] != "now"
    # only reports of other people's trouble (a news item, a blog): nothing to ask
    # their author about "your" incident
    report = bool(reports) and len(reports) == len(complaining) and not update
    question = (
        _only_asks(texts, complaining, topic, focus.get("complaint")) and not update and not report
    )
    asking = "complaint" in labels and not update and not report and not question
    feedback = topic in FEEDBACK_TOPICS
    more, reported_more = _other_topics(texts, complaining, topic)
    repeated = asking and any(said_again(texts[k]) for k in own)
    return {
        "labels": list(labels),
        "mixed": len(labels) > 1,
        "quote": quotes[-1] if quotes and not late_update else None,
        "quotes": quotes,
        "complaint_quote": also.get("complaint"),
        "idea_quote": also.get("idea"),
        "praise_quote": also.get("praise"),
        "topic": topic,
        "details": details,
        "known": [] if feedback or report or question else _known(details, topic),
        "feedback": feedback,
        "thanked": topic in THANKED_TOPICS,  # feedback on prices: thanks, no apology
        # "Udah 3x gue komplain": they told us before; sorry they had to, no "thanks for
        # letting us know" as if it were news
        "repeated": repeated,
        "asks": list(missing_details(topic, details)) if asking else [],
        "liked": list(products_in(praise.focus, lists)) if praise is not None else [],
        "update": update,
        "when": when,
        # praise whose post also complains: quote only what praises, and offer to help
        "unhappy": item.label == "praise" and any(p.troubled for p in main),
        "secondhand": report,
        "question": question,
        # a health complaint about someone else ("my son"): whom to wish well
        "affected": _affected([texts[k] for k in own]) if topic == "health" else None,
        # what a rewards problem is about ("voucher"), so no one is told about points
        # they never mentioned
        "rewards": list(rewards_named(texts[k] for k in _own(texts, complaining))),
        # other problems the posts raise besides ``topic``: acknowledged, never merged
        "other_topics": [] if update or report or question else more,
        "reported_topics": [] if update or report or question else reported_more,
        # not the first time they told us (two different problems are not "again")
        "again": _told(item, texts, complaining, topic) > 1 or repeated,
    }


def _register(item: DraftInput, settings: ResponderSettings) -> str:
    """Formal for a newsroom, business, office or group (a "Redaksi", a "PT", a "Tim"):
    no one writes "Halo Kak" to an editorial desk; else the register the posts are in."""
    if is_organisation(item.name, item.handle):
        return "formal"
    return detect_register(post_texts(item), settings.default_register)


def build_context(
    item: DraftInput, book: ScoreBook, settings: ResponderSettings, lang: str
) -> dict[str, object]:
    """The template variables for ``item`` rendered in ``lang``."""
    said = _what_they_said(item, book, settings)
    business = settings.business
    this_time = max(1, sum(item.label in post.labels for post in item.posts))
    return {
        **said,
        "name": person_name(item.name, item.handle),
        "honorific": honorific(item.name, item.handle),
        "register": item.register or _register(item, settings),
        "label": item.label,
        "posts": len(item.posts),
        "label_posts": this_time,  # posts in this conversation that carry its label
        "nth": item.history.count(item.label) + this_time,
        "earlier": item.history.count(item.label),
        "window_days": item.history.window_days,
        "offer": business.offers.get(item.label, {}).get(lang),
        "business": business.name or item.brand,
        "signer": business.signer,
        "sign_off": business.sign_off.get(lang),
        "brand": item.brand,
        "platform": item.platform,
        "url": item.url,
        "lang": lang,
    }
