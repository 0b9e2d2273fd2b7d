"""Drafts of private follow-ups, rendered from Jinja2 templates per label and language.

A template ``<name>.<lang>.j2`` defines two blocks, ``subject`` and ``body``. It
sees these variables (all always defined; optional ones may be None):

    name      the person's first name or handle, or None
    quote     the person's own words, cleaned and trimmed
    business  the business display name (or the mention's brand)
    signer    the staff name signing the draft, or None
    sign_off  the configured closing for this language, or None
    brand, platform, url, label, lang

Templates run in Jinja's immutable sandbox with StrictUndefined, so a template
from a user's folder cannot reach Python internals and a typo fails loudly.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

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
from responder.base import Recipient, RouteInput
from responder.settings import LABEL_PRECEDENCE, Label, ResponderSettings
from responder.text import greeting_name, quote

BUILTIN_TEMPLATES = Path(__file__).parent / "templates"
_BLOCKS = ("subject", "body")
_BLANK_LINES_RE = re.compile(r"\n{3,}")


@dataclass(frozen=True, slots=True)
class Draft:
    """A rendered draft: what staff approve, edit and send privately."""

    subject: str
    body: str
    lang: str  # the language the draft is written in
    template: str  # the file it came from, e.g. "complaint.id.j2"


class DraftWriter:
    """Renders drafts for routed mentions; build once per run and reuse."""

    def __init__(self, settings: ResponderSettings) -> None:
        """Set up the sandboxed environment; raise ConfigError if ``template_dir`` is missing."""
        self._settings = settings
        self.search_path = _search_path(settings.template_dir)
        self._env = ImmutableSandboxedEnvironment(
            loader=ChoiceLoader([FileSystemLoader(d) for d in self.search_path]),
            undefined=StrictUndefined,
            autoescape=False,  # plain-text messages, not HTML
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self._available = frozenset(self._env.list_templates(extensions=["j2"]))

    def resolve_language(self, template: str, lang: str) -> str:
        """The draft language for a mention detected as ``lang``.

        Aliases apply first ("ms" → "id"); a language without a template for
        ``template`` falls back to the default language.
        """
        base = lang.strip().lower().split("-")[0].split("_")[0]
        base = self._settings.language_aliases.get(base, base)
        if f"{template}.{base}.j2" in self._available:
            return base
        return self._settings.default_language

    def write(self, label: Label, item: RouteInput) -> Draft:
        """Render the draft for ``item`` with the template of ``label``'s rule."""
        template_name = self._settings.rules.rule_for(label).template
        lang = self.resolve_language(template_name, item.lang)
        filename = f"{template_name}.{lang}.j2"
        template = self._load(filename, label)
        business = self._settings.business
        variables = {
            "name": greeting_name(item.recipient.name, item.recipient.handle),
            "quote": quote(item.text, self._settings.quote_max_chars),
            "business": business.name or item.brand,
            "signer": business.signer,
            "sign_off": business.sign_off.get(lang),
            "brand": item.brand,
            "platform": item.platform,
            "url": item.url,
            "label": label,
            "lang": lang,
        }
        subject, body = _render_blocks(template, filename, variables)
        return Draft(subject=subject, body=body, lang=lang, template=filename)

    def check(self) -> None:
        """Render every enabled rule's templates once with sample data.

        Call at startup so a broken template is a config error (exit 2), not a
        failure in the middle of a poll.
        """
        rules = self._settings.rules
        for label in LABEL_PRECEDENCE:
            rule = rules.rule_for(label)
            if not rule.enabled:
                continue
            prefix = f"{rule.template}."
            langs = {self._settings.default_language} | {
                name[len(prefix) : -len(".j2")]
                for name in self._available
                if name.startswith(prefix)
            }
            for lang in sorted(langs):
                self.write(label, _sample(lang))

    def _load(self, filename: str, label: str) -> Template:
        try:
            return self._env.get_template(filename)
        except TemplateNotFound as exc:
            folders = ", ".join(str(p) for p in self.search_path)
            raise ConfigError(
                f"draft template {filename!r} not found (searched {folders}); create it "
                f"in responder.template_dir, or set responder.rules.{label}.template "
                f"or responder.default_language to a template that exists"
            ) from exc
        except TemplateSyntaxError as exc:
            raise ConfigError(
                f"draft template {filename!r} line {exc.lineno}: {exc.message}; fix the template"
            ) from exc


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
) -> tuple[str, str]:
    missing = [b for b in _BLOCKS if b not in template.blocks]
    if missing:
        raise ConfigError(
            f"draft template {filename!r} has no {{% block {missing[0]} %}}; "
            "every draft template needs a 'subject' and a 'body' block"
        )
    try:
        context = template.new_context(dict(variables))
        subject, body = ("".join(template.blocks[b](context)) for b in _BLOCKS)
    except UndefinedError as exc:
        raise ConfigError(
            f"draft template {filename!r}: {exc.message}; available variables: "
            f"{', '.join(sorted(variables))}"
        ) from exc
    except TemplateError as exc:  # sandbox violations and includes that fail to load
        reason = str(exc).rstrip(".")
        raise ConfigError(f"draft template {filename!r}: {reason}; fix the template") from exc
    return " ".join(subject.split()), _tidy_body(body)


def _tidy_body(body: str) -> str:
    """Drop trailing spaces and runs of blank lines that template logic leaves behind."""
    lines = "\n".join(line.rstrip() for line in body.strip().splitlines())
    return _BLANK_LINES_RE.sub("\n\n", lines)


def _sample(lang: str) -> RouteInput:
    return RouteInput(
        mention_id=0,
        platform="file",
        text="Sample text for a template check.",
        url=None,
        brand="Sample",
        labels=(),
        scores={},
        lang=lang,
        recipient=Recipient(name="Sample", platform="file"),
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
