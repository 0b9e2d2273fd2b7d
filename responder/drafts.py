"""Drafts of private follow-ups that use what the person said, from Jinja2 templates.

A template is ``<name>.<lang>.<register>.j2`` (register ``formal`` or ``casual``), or
``<name>.<lang>.j2`` for both registers; a file in ``template_dir`` beats a built-in
one of either name. It defines the blocks ``subject`` and ``body`` (the email form)
and, optionally, ``message``: one short paragraph for a DM or chat, rendered twice
(``full`` true, then false) so the longest that fits a platform's limit is sent.

Templates see these variables (optional ones may be None or empty):

    name          the person's first name, or None (a handle is never a name)
    register      "formal" or "casual": how the person wrote
    honorific     formal Indonesian address: "Ibu" or "Bapak" when the display name
                  plainly says which (a title, or a clearly gendered given name; see
                  responder.address), else "Bapak/Ibu"; casual drafts say "Kak"
    label         the label that decided the route; labels: every label of the posts
    mixed         True when the posts carry more than one label
    quote         the person's own whole sentence(s) that carry ``label``, or None
    quotes        all such quotes (ideas: one per idea post), oldest first
    complaint_quote, idea_quote, praise_quote
                  a quote for another label, when it is not part of ``quote``
    topic         what a complaint is about: health, foreign_object, payment,
                  payment_method, order,
                  delivery, repair, damaged, app, rewards, lost, staff, wait, quality,
                  facility, price, availability, hours, or None
    details       Details: order_ids, amounts, dates, times, branches, products
    rewards       what the complaining posts name of rewards: "points", "voucher",
                  "promo" (p.topic("rewards") names only those)
    known         details to confirm back: items with .kind ("order", "amount",
                  "date", "time", "branch") and .value, as the person wrote them;
                  an amount only for a problem with money (payment, rewards)
    asks          what is still needed to fix a complaint: order, when, branch,
                  device, what, proof_payment, proof_error, photo
    liked         configured products named in the praise
    posts         how many posts the draft answers
    update        the newest post praises after an earlier complaint
    when          when each label was last said, counted back from the newest post
                  (responder.timeline): when.praise, when.complaint, when.idea are
                  "now" (within a day: said together), "days" (1–6 days before),
                  "week" (7–13 days), "old" (14 days or more), or None (not said);
                  p.ago(key) says it ("the other day", "minggu lalu"). A complaint
                  leads over earlier praise, which is thanked for as earlier and left
                  out when "old"; praise days after a complaint is no "update" to quote
                  the complaint back to (``quote`` is None)
    unhappy       a praise follow-up whose posts also complain (a complaint scored below
                  its threshold, sarcasm: "bagus ya… kaos kaki asing nyempil 🙃"): the
                  quote, if any, is only words that praise; thank without "made our
                  day" when there is none, and offer to help (responder.mixed_praise)
    secondhand    every complaining post reports other people's trouble and never
                  speaks for its author (a news item, a blog): thank and investigate,
                  ask nothing about "your" incident (responder.voice)
    question      the complaint only asks something and names no trouble: thank for
                  the question and promise an answer, no apology (responder.voice)
    thanked       feedback on a decision (the topic is price): thank for it and say it
                  was passed on, never apologise for prices
    repeated      the complaint says they told the business before ("Udah 3x gue
                  komplain", "the third time I'm complaining"; responder.voice)
    again         repeated, or several posts of this conversation carry ``label`` (for a
                  complaint: several of the author's own posts about ``topic``, or naming
                  none): say sorry they had to contact us more than once, not "thanks
                  for telling us"; two different problems are not "again"
    other_topics  problems the author's own other complaining posts raise besides
                  ``topic`` ("payment" beside a newer "app"); ``topic`` is the newest
                  of the author's own complaints; p.also() names them
    reported_topics
                  problems that reports of other people's trouble in the posts name
                  besides ``topic`` ("Banyak pengguna mengeluh… gak bisa login"); p.also()
                  thanks for them
    affected      a health complaint about someone else ("my son", "anak saya"): .en
                  ("son"), .id ("putra") and .plural, to wish them well; else None
    nth           this person's posts with ``label`` in the history window, these
                  included ("your third suggestion this month"); earlier: before these
    window_days   the history window
    offer         the configured offer for this label and language, or None
    business, signer, sign_off, brand, platform, url, lang, full
    p             the macros of ``_phrases.<lang>.j2`` (greeting, topic, ask_sentence…)

Templates run in Jinja's immutable sandbox with StrictUndefined, so a template
from a user's folder cannot reach Python internals and a typo fails loudly.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Final

from jinja2 import (
    ChoiceLoader,
    FileSystemLoader,
    StrictUndefined,
    Template,
    TemplateError,
    TemplateNotFound,
    TemplateSyntaxError,
    UndefinedError,
)
from jinja2.sandbox import ImmutableSandboxedEnvironment

from common.errors import ConfigError
from responder.base import RouteInput
from responder.draft_context import build_context, post_texts
from responder.draft_input import DraftHistory, DraftInput, DraftPost
from responder.message import fit_message
from responder.picking import ScoreBook, SentenceScorer, units_to_score
from responder.register import REGISTERS, Register
from responder.settings import LABEL_PRECEDENCE, Label, ResponderSettings

BUILTIN_TEMPLATES = Path(__file__).parent / "templates"
_BLOCKS = ("subject", "body")
_BLANK_LINES_RE = re.compile(r"\n{3,}")
_SPACES_RE = re.compile(r"[ \t]{2,}")

#: Message length limits of the private chat channels (characters). X allows 10,000
#: but a DM should read like one; a Mastodon direct post counts the @mention too,
#: so the caller passes the limit minus the mention.
MESSAGE_LIMITS: Final[Mapping[str, int]] = {
    "x_dm": 1000,
    "mastodon_dm": 500,
    "bluesky_chat": 1000,
}


@dataclass(frozen=True, slots=True)
class Draft:
    """A rendered draft: what staff approve, edit and send privately."""

    subject: str
    body: str
    lang: str  # the language the draft is written in
    template: str  # the file it came from, e.g. "complaint.id.casual.j2"
    register: Register = "casual"
    messages: tuple[str, ...] = ()  # the short form, fullest first

    def message(self, max_chars: int) -> str:
        """One short message, no subject, for a DM or chat of at most ``max_chars``."""
        for text in self.messages:
            if len(text) <= max_chars:
                return text
        return fit_message(self.messages[-1] if self.messages else self.body, max_chars)


class DraftWriter:
    """Renders drafts for conversations; build once per run and reuse.

    ``scorer`` gives per-label probabilities for sentences (the classifier's); it is
    called once per :meth:`write_all` with every sentence the batch needs scored.
    Without it, cue words pick the sentences to quote.
    """

    def __init__(self, settings: ResponderSettings, scorer: SentenceScorer | None = None) -> None:
        """Set up the sandboxed environment; raise ConfigError if ``template_dir`` is missing."""
        self._settings = settings
        self._scorer = scorer
        self.search_path = _search_path(settings.template_dir)
        self._env = ImmutableSandboxedEnvironment(
            loader=ChoiceLoader([FileSystemLoader(d) for d in self.search_path]),
            undefined=StrictUndefined,
            autoescape=False,  # plain-text messages, not HTML
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self._by_dir = [frozenset(FileSystemLoader(d).list_templates()) for d in self.search_path]
        self._available = frozenset().union(*self._by_dir)

    def resolve_language(self, template: str, lang: str) -> str:
        """The draft language for a mention detected as ``lang``.

        Aliases apply first ("ms" → "id"); a language without a template for
        ``template`` falls back to the default language.
        """
        base = lang.strip().lower().split("-")[0].split("_")[0]
        base = self._settings.language_aliases.get(base, base)
        names = {f"{template}.{base}.j2", *(f"{template}.{base}.{r}.j2" for r in REGISTERS)}
        return base if names & self._available else self._settings.default_language

    def template_file(self, template: str, lang: str, register: Register) -> str:
        """The file that renders ``template`` in ``lang`` and ``register``; the template
        folder wins over the built-ins, and within one folder the register's own file
        wins over the file for both registers."""
        for names in self._by_dir:
            for name in (f"{template}.{lang}.{register}.j2", f"{template}.{lang}.j2"):
                if name in names:
                    return name
        return f"{template}.{lang}.{register}.j2"

    def score(self, items: Sequence[DraftInput]) -> ScoreBook:
        """Score every sentence ``items`` need in one scorer call (none without a scorer)."""
        units: list[str] = []
        split: dict[str, list[str]] = {}
        for item in items:
            units += units_to_score(post_texts(item), len(item.labels_present()) > 1, split)
        return ScoreBook(self._scorer, units, split)

    def write_all(self, items: Sequence[DraftInput]) -> list[Draft]:
        """Drafts for ``items``, in order, scoring all their sentences in one scorer call."""
        book = self.score(items)
        return [self._render(item, book) for item in items]

    def write_one(self, item: DraftInput, book: ScoreBook | None = None) -> Draft:
        """The draft for one conversation, with sentence scores from :meth:`score` over its
        whole batch (scored on its own when ``book`` is None)."""
        return self._render(item, book if book is not None else self.score([item]))

    def write(self, label: Label, item: RouteInput, book: ScoreBook | None = None) -> Draft:
        """The draft for one routed mention (a conversation of one post)."""
        return self.write_one(from_route(label, item), book)

    def check(self) -> None:
        """Render every enabled rule's templates in every language and register with
        sample conversations (plain, mixed with details and history, nameless).

        Call at startup so a broken template is a config error (exit 2), not a
        failure in the middle of a poll.
        """
        rules = self._settings.rules
        book = ScoreBook(None, ())
        for label in LABEL_PRECEDENCE:
            rule = rules.rule_for(label)
            if not rule.enabled:
                continue
            prefix = f"{rule.template}."
            langs = {self._settings.default_language} | {
                name[len(prefix) :].split(".")[0]
                for name in self._available
                if name.startswith(prefix)
            }
            for lang in sorted(langs):
                for register in REGISTERS:
                    for sample in _samples(label, lang, register):
                        self._render(sample, book)

    def _render(self, item: DraftInput, book: ScoreBook) -> Draft:
        template_name = item.template or self._settings.rules.rule_for(item.label).template
        lang = self.resolve_language(template_name, item.lang)
        variables = {**build_context(item, book, self._settings, lang), **item.extra}
        register: Register = "formal" if variables["register"] == "formal" else "casual"
        filename = self.template_file(template_name, lang, register)
        template = self._load(filename, item.label)
        variables = {**variables, "p": self._phrases(lang, variables)}
        subject, body, messages = _render_blocks(template, filename, variables)
        return Draft(subject, body, lang, filename, register, messages)

    def _phrases(self, lang: str, variables: Mapping[str, object]) -> object:
        """``_phrases.<lang>.j2`` as a module of macros that see the draft's variables."""
        filename = f"_phrases.{lang}.j2"
        if filename not in self._available:
            return self._env.undefined(name="p", hint=f"there is no {filename} in the templates")
        try:
            return self._load(filename, "phrases").make_module(dict(variables))
        except TemplateError as exc:
            raise ConfigError(f"draft template {filename!r}: {exc}; fix the template") from exc

    def _load(self, filename: str, label: str) -> Template:
        try:
            return self._env.get_template(filename)
        except TemplateNotFound as exc:
            folders = ", ".join(str(p) for p in self.search_path)
            generic = re.sub(r"\.(formal|casual)\.j2$", ".j2", filename)
            raise ConfigError(
                f"draft template {filename!r} not found (searched {folders}); create it "
                f"or {generic!r} in responder.template_dir, or set responder.rules.{label}"
                ".template or responder.default_language to a template that exists"
            ) from exc
        except TemplateSyntaxError as exc:
            raise ConfigError(
                f"draft template {exc.name or filename!r} line {exc.lineno}: {exc.message}; "
                "fix the template"
            ) from exc


def from_route(label: Label, item: RouteInput) -> DraftInput:
    """A one-post conversation from a routed mention."""
    post = DraftPost(
        text=item.text,
        labels=item.labels,
        scores=item.scores,
        mention_id=item.mention_id,
        created_at=item.created_at,
    )
    return DraftInput(
        label=label,
        posts=(post,),
        lang=item.lang,
        brand=item.brand,
        name=item.recipient.name,
        handle=item.recipient.handle,
        platform=item.platform,
        url=item.url,
    )


def _search_path(override: Path | None) -> tuple[Path, ...]:
    """Folders searched for templates, override first."""
    if override is None:
        return (BUILTIN_TEMPLATES,)
    if not override.is_dir():
        raise ConfigError(
            f"responder.template_dir {str(override)!r} is not a folder; "
            "create it or remove the setting to use the built-in templates"
        )
    return (override, BUILTIN_TEMPLATES)


def _render_blocks(
    template: Template, filename: str, variables: Mapping[str, object]
) -> tuple[str, str, tuple[str, ...]]:
    missing = [b for b in _BLOCKS if b not in template.blocks]
    if missing:
        raise ConfigError(
            f"draft template {filename!r} has no {{% block {missing[0]} %}}; "
            "every draft template needs a 'subject' and a 'body' block"
        )
    try:
        subject = _block(template, "subject", {**variables, "full": True})
        body = _block(template, "body", {**variables, "full": True})
        messages: list[str] = []
        if "message" in template.blocks:
            for full in (True, False):
                text = " ".join(_block(template, "message", {**variables, "full": full}).split())
                if text and text not in messages:
                    messages.append(text)
    except UndefinedError as exc:
        raise ConfigError(
            f"draft template {filename!r}: {exc.message}; available variables: "
            f"{', '.join(sorted(variables))}"
        ) from exc
    except TemplateError as exc:  # sandbox violations and includes that fail to load
        reason = str(exc).rstrip(".")
        raise ConfigError(f"draft template {filename!r}: {reason}; fix the template") from exc
    return " ".join(subject.split()), _tidy_body(body), tuple(messages)


def _block(template: Template, name: str, variables: Mapping[str, object]) -> str:
    context = template.new_context(dict(variables))
    return "".join(template.blocks[name](context))


def _tidy_body(body: str) -> str:
    """Drop doubled and trailing spaces and runs of blank lines that template logic leaves."""
    lines = "\n".join(_SPACES_RE.sub(" ", line).rstrip() for line in body.strip().splitlines())
    return _BLANK_LINES_RE.sub("\n\n", lines)


def _samples(label: Label, lang: str, register: Register) -> list[DraftInput]:
    """Conversations that take every branch of a template, for :meth:`DraftWriter.check`."""
    at = datetime(2026, 1, 1, tzinfo=UTC)
    plain = DraftInput(
        label=label,
        posts=(DraftPost("Sample text for a template check.", (label,), created_at=at),),
        lang=lang,
        brand="Sample",
        name="Sample",
        register=register,
    )
    others = [lab for lab in LABEL_PRECEDENCE if lab != label]
    rich = replace(
        plain,
        name=None,
        posts=(
            DraftPost("Thanks, it works again now. Great team!", ("praise",), created_at=at),
            DraftPost(
                "Order KS-12345 for Rp 45.000 on 2 Jan at Sample Kemang was wrong. "
                "Please add oat milk.",
                (label, *others),
                created_at=at,
            ),
        ),
        history=DraftHistory(earlier={label: 2}),
    )
    praised, labelled = rich.posts
    later = replace(praised, created_at=at + timedelta(days=3))  # praise days after
    alone = (label, *(lab for lab in others if lab != "praise"))
    lead = replace(labelled, labels=alone, created_at=at + timedelta(days=9))  # a week after
    return [
        plain,
        rich,
        replace(rich, posts=rich.posts[1:]),
        replace(rich, posts=(later, labelled)),
        replace(rich, posts=(replace(later, labels=("idea",)), labelled)),  # an idea days after
        replace(rich, posts=(lead, praised)),
    ]
