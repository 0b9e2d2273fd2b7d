"""The daily digest: one per brand and day (a database constraint), in the team's language,
through the email or webhook channel; a quiet day sends nothing unless configured."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path

from jinja2 import FileSystemLoader, StrictUndefined
from jinja2.sandbox import ImmutableSandboxedEnvironment

from classifier.severity.levels import REASON_TEXT
from common.errors import ConfigError
from simak.app import App
from simak.usecases.alerts import LABEL_NAMES
from simak.usecases.alerts import day_month as _day_month
from simak.usecases.reminders import candidates
from simak.usecases.team import send_to_team
from storage import alerts, digests
from storage.alerts import AlertRow
from storage.digests import DigestFacts, Item

_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


@dataclass(frozen=True, slots=True)
class DigestResult:
    """What happened to one brand's digest today."""

    brand: str
    day: str
    outcome: (
        str  # sent, already_sent, claimed (being sent, or stopped mid-send), quiet, failed, unknown
    )
    detail: str


def run_digest(app: App, brand: str | None = None) -> list[DigestResult]:
    """Send today's digest for every brand (or ``brand``); a second run the same day (or an
    overlapping one) says it was already sent and sends nothing."""
    cfg = app.settings.digest
    if cfg is None:
        raise ConfigError("no digest configured; add `digest: {to: [...], channel: email}`")
    channel = app.channel_set.get(cfg.channel)
    if channel is None:
        raise ConfigError(f"digest.channel {cfg.channel}: {app.channel_set.reason(cfg.channel)}")
    return [_one(app, name) for name in app.settings.brands_named(brand)]


@dataclass(frozen=True, slots=True)
class DigestPreview:
    """What today's digest of one brand says, not sent (``simak digest --dry-run``)."""

    brand: str
    day: str
    subject: str
    body: str
    quiet: bool  # nothing new: a run would send nothing (unless send_when_quiet)
    sent_already: bool  # today's digest went out (or is going out) already


def preview_digest(
    app: App, brand: str | None = None, lang: str | None = None
) -> list[DigestPreview]:
    """Today's digest per brand (or ``brand``) as a run would write it, in ``lang`` (default:
    the configured one, else English); nothing is claimed or sent, no channel is needed."""
    names = app.settings.brands_named(brand)
    lang = lang or (app.settings.digest.lang if app.settings.digest else "en")
    now = app.clock()
    day = now.astimezone(app.settings.zone).date()
    out = []
    for name in names:
        with app.db.read() as session:
            facts = digests.collect(session, name, day, app.settings.zone, now)
            since = digests.last_sent_at(session, name, day) or now - timedelta(days=1)
            spikes = alerts.recent(session, since, name)
            taken = digests.taken(session, name, day) is not None
        _own_sources(app, name, facts)
        subject, body = _render(app, facts, lang, spikes)
        quiet = not facts.anything_new and not spikes
        out.append(DigestPreview(name, day.isoformat(), subject, body, quiet, taken))
    return out


def _own_sources(app: App, brand: str, facts: DigestFacts) -> None:
    """Keep only the failing sources of ``brand`` (or of every brand) in ``facts``."""
    ours = {s.name for s in app.source_configs() if s.brand in (None, brand)}
    facts.failing_sources = [(n, e) for n, e in facts.failing_sources if n in ours]


def _one(app: App, brand: str) -> DigestResult:
    cfg = app.settings.digest
    assert cfg is not None
    now = app.clock()
    day = now.astimezone(app.settings.zone).date()
    with app.db.session() as session:
        claimed = digests.claim(session, brand, day, app.holder, now)
        facts = digests.collect(session, brand, day, app.settings.zone, now)
        since = digests.last_sent_at(session, brand, day) or now - timedelta(days=1)
        spikes = alerts.recent(session, since, brand)
    _own_sources(app, brand, facts)
    if claimed is None:
        return _taken(app, brand, day)
    if not facts.anything_new and not spikes and not cfg.send_when_quiet:
        with app.db.session() as session:  # nothing sent: a later run may still send today's
            digests.release(session, claimed)
        return DigestResult(brand, day.isoformat(), "quiet", "nothing new today; nothing sent")
    subject, body = _render(app, facts, cfg.lang, spikes)
    outcome, detail = _send(app, brand, day.isoformat(), subject, body)
    with app.db.session() as session:
        if outcome in ("sent", "unknown"):
            digests.finish(session, claimed, "sent", detail, app.clock())
        else:
            digests.release(session, claimed)  # provably not sent: a later run may try again
    return DigestResult(brand, day.isoformat(), outcome, detail)


def _when(at: datetime | None, lang: str) -> str:
    """A due time as the team reads it: "23 Nov 11:30 WIB" ("5 Des" in Indonesian)."""
    if at is None:
        return "?"
    return f"{_day_month(at, lang)} {at:%H:%M %Z}"


def _taken(app: App, brand: str, day: date) -> DigestResult:
    """Why this run sends nothing: sent already, or claimed by a run that is sending it or
    stopped mid-send (its outcome unknown: never sent twice, so a person checks)."""
    with app.db.read() as session:
        status, at = digests.taken(session, brand, day) or ("sent", app.clock())
    when = f"{at.astimezone(app.settings.zone):%H:%M %Z}"
    if status == "sending":
        detail = (
            f"today's digest was claimed at {when} by a run that is sending it now or stopped "
            "mid-send; it is not sent twice: if nobody received it, check the channel's log"
        )
        return DigestResult(brand, day.isoformat(), "claimed", detail)
    return DigestResult(brand, day.isoformat(), "already_sent", "today's digest went out already")


def _spike_lines(spikes: list[AlertRow], lang: str) -> list[str]:
    """Spikes since the last digest, as the team reads them ("praise: 14 on 04 Dec, usually
    about 3.2 a day"); one sent at once says so."""
    lines = []
    for a in reversed(spikes):  # oldest first
        day = _day_month(date.fromisoformat(a.day), lang)
        usual = f"{a.expected:.1f}".replace(".", "," if lang == "id" else ".")
        name = LABEL_NAMES[lang].get(a.label, a.label)
        if lang == "id":
            line = f"{name}: {a.observed} pada {day}, biasanya sekitar {usual} sehari"
            line += " (sudah dikirim saat itu)" if a.status == "sent" else ""
        else:
            line = f"{name}: {a.observed} on {day}, usually about {usual} a day"
            line += " (sent at the time)" if a.status == "sent" else ""
        lines.append(line)
    return lines


#: The critical reasons as an Indonesian team reads them (keyed by what staff read in English).
_REASONS_ID = {
    REASON_TEXT[key]: words
    for key, words in {
        "food_poisoning": "dugaan keracunan makanan",
        "foreign_object": "ada benda asing di produk",
        "allergy": "reaksi alergi atau iritasi kulit",
        "injury": "cedera atau bahaya keselamatan",
        "health": "melaporkan gangguan kesehatan",
        "fraud": "dugaan penipuan (uang terambil)",
        "money_lost": "uang hilang (tertagih dua kali atau salah tagih)",
        "data_leak": "data pribadi bocor",
        "legal_threat": "ancaman tuntutan hukum",
        "going_public": "ancaman memviralkan",
    }.items()
} | {"harm reported": "ada laporan bahaya atau kerugian"}


def _reason(item: Item, lang: str) -> Item:
    """A critical complaint's line says why in the digest's language, without the
    "critical:" its section's title already says ("dugaan keracunan makanan", not
    "critical: possible food poisoning" in an Indonesian digest)."""
    why = item.detail.removeprefix("critical").removeprefix(":").strip()
    return replace(item, detail=_REASONS_ID.get(why, why) if lang == "id" else why)


def _render(
    app: App, facts: DigestFacts, lang: str, spikes: list[AlertRow] | None = None
) -> tuple[str, str]:
    env = ImmutableSandboxedEnvironment(
        loader=FileSystemLoader(_TEMPLATES),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
    env.filters["when"] = lambda at: _when(at, lang)
    label = app.settings.brand(facts.brand).label
    body = env.get_template(f"digest.{lang}.j2").render(
        brand=label,
        day=facts.day.isoformat(),
        today=facts.today,
        week=facts.week_average,
        critical=[_reason(i, lang) for i in facts.critical],
        urgent=facts.urgent,
        overdue=facts.overdue,
        ideas=facts.ideas,
        problems=facts.problems,
        sources=facts.failing_sources,
        totals=facts.totals,
        loyal=sum(not p.do_not_contact for p in candidates(app, facts.brand)),
        spikes=_spike_lines(spikes or [], lang),
        console=app.settings.digest.console_url if app.settings.digest else None,
    )
    return _subject(facts, label, lang), body.strip() + "\n"


_HEADLINE = {
    "en": ("Daily digest", "critical", "past SLA", "deliveries to check", "complaints in 24 h"),
    "id": ("Ringkasan harian", "kritis", "lewat SLA", "pengiriman perlu dicek", "keluhan 24 jam"),
}


def _subject(facts: DigestFacts, label: str, lang: str) -> str:
    """What the team reads in the inbox: the day (in its language) and what needs a person
    ("Daily digest — Kopi Senja — 05 Dec 2026: 1 critical, 14 past SLA, 3 complaints in 24 h")."""
    title, *words = _HEADLINE[lang]
    figures = (
        facts.totals.get("critical", 0),
        facts.totals.get("overdue", 0),
        facts.totals.get("problems", 0),
        facts.today.get("complaint", 0),
    )
    said = ", ".join(f"{n} {_one_of(w, n, lang)}" for n, w in zip(figures, words, strict=True) if n)
    day = f"{_day_month(facts.day, lang)} {facts.day.year}"
    return f"{title} — {label} — {day}" + (f": {said}" if said else "")


def _one_of(words: str, n: int, lang: str) -> str:
    """English words for one ("1 delivery to check", "1 complaint in 24 h"); Indonesian
    nouns do not change."""
    if n != 1 or lang != "en":
        return words
    return words.replace("deliveries", "delivery").replace("complaints", "complaint")


def _send(app: App, brand: str, day: str, subject: str, body: str) -> tuple[str, str]:
    return send_to_team(app, f"simak-digest-{brand}-{day}", subject, body, "digest")
