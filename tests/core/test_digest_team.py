"""What the team receives from the digest and spike alerts (in-process, SQLite): a webhook
gets each message once, and due times are in the business's time zone."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from simak.app import App
from simak.config import load_settings
from simak.usecases.digest import run_digest
from simak.usecases.poll import poll
from tests.core.races import demo_project
from tests.fakes.fixtures import *  # noqa: F403
from tests.fakes.fixtures import FAKE_ENV, webhook_options
from tests.fakes.webhook import WebhookReceiver

NOW = datetime(2026, 11, 23, 3, 30, tzinfo=UTC)  # 10:30 in Jakarta (WIB, UTC+7)


def _app(tmp_path: Path, receiver: WebhookReceiver, **digest: Any) -> App:
    config = demo_project(tmp_path / "p", f"sqlite:///{tmp_path / 'simak.db'}")
    data = yaml.safe_load(config.read_text("utf-8"))
    data["responder"]["channels"] = {"webhook": webhook_options(receiver)}
    data["timezone"] = "Asia/Jakarta"
    data["digest"] = {"channel": "webhook", "lang": "en", **digest}
    config.write_text(yaml.safe_dump(data), "utf-8")
    receiver.clock = NOW.timestamp  # its signature check compares with "now"
    return App(load_settings(config, FAKE_ENV), config, FAKE_ENV, clock=lambda: NOW)


def test_a_webhook_digest_goes_once_whatever_addresses_to_lists(
    tmp_path: Path, webhook_receiver: WebhookReceiver
) -> None:
    # `to` left over from an e-mail set-up used to post the same digest once per address
    app = _app(tmp_path, webhook_receiver, to=["a@kopisenja.example", "b@kopisenja.example"])
    assert not poll(app).failed
    [result] = run_digest(app)
    assert result.outcome == "sent", result
    assert len(webhook_receiver.deliveries) == 1 and webhook_receiver.attempts == 1


def test_digest_due_times_are_in_the_business_time_zone(
    tmp_path: Path, webhook_receiver: WebhookReceiver
) -> None:
    app = _app(tmp_path, webhook_receiver)
    assert not poll(app).failed
    [result] = run_digest(app)
    assert result.outcome == "sent", result
    [payload] = webhook_receiver.deliveries.values()
    dues = re.findall(r"due (\d\d \w{3} \d\d:\d\d)(?: (\w+))?\)", payload["text"])
    assert dues, payload["text"]
    # a critical complaint polled at 10:30 WIB is due within hours, later the same day there
    assert all(zone == "WIB" and when.startswith("23 Nov") for when, zone in dues), dues
    assert all(when[-5:] > "10:30" for when, _ in dues), dues


def test_a_digest_a_stopped_run_claimed_is_not_sent_again_nor_called_sent(
    tmp_path: Path, webhook_receiver: WebhookReceiver
) -> None:
    """Before: a run killed after claiming the day's digest left later runs saying "today's
    digest went out already", though nobody knows whether it did."""
    from storage import digests

    app = _app(tmp_path, webhook_receiver)
    assert not poll(app).failed
    with app.db.session() as session:  # a run took the day, then was killed mid-send
        digests.claim(session, "kopi-senja", NOW.astimezone(app.settings.zone).date(), "x", NOW)

    [result] = run_digest(app)

    assert result.outcome == "claimed" and not webhook_receiver.deliveries
    assert "claimed at 10:30 WIB" in result.detail and "not sent twice" in result.detail
    assert "went out already" not in result.detail


def test_an_indonesian_digest_words_due_times_in_indonesian() -> None:
    from zoneinfo import ZoneInfo

    from simak.usecases.digest import _when

    at = datetime(2026, 12, 5, 11, 30, tzinfo=ZoneInfo("Asia/Jakarta"))
    assert _when(at, "id") == "05 Des 11:30 WIB" and _when(at, "en") == "05 Dec 11:30 WIB"
    template = (Path("simak/templates/digest.id.j2")).read_text("utf-8")
    words = re.sub(r"{{.*?}}|{%.*?%}", "", template)  # what the template itself says
    assert '"batas" }} {{ i.due|when }}' in template and not re.search(r"\bdue\b", words)
    assert '"due"' not in template and "late since" not in template


def test_a_brands_digest_lists_only_its_own_failing_sources(
    tmp_path: Path, webhook_receiver: WebhookReceiver
) -> None:
    """Before: every failing source of every brand (and of sources since removed from the
    config) was in each brand's digest, and a day when the sources failed and so nothing
    came in was "quiet": no digest, nobody told."""
    from storage.sources import RunOutcome, record_run

    app = _app(tmp_path, webhook_receiver)
    data = yaml.safe_load(app.config_path.read_text("utf-8"))
    data["brands"].append({"name": "toko-b", "terms": ["Toko B"]})
    feed = {"urls": ["https://toko-b.example/feed"]}
    data["sources"].append(
        {"name": "toko-b-feed", "type": "feeds", "brand": "toko-b", "options": feed}
    )
    app.config_path.write_text(yaml.safe_dump(data), "utf-8")
    app = App(
        load_settings(app.config_path, FAKE_ENV), app.config_path, FAKE_ENV, clock=lambda: NOW
    )
    with app.db.session() as session:
        for name in ("demo-blogs", "toko-b-feed", "old-feed-removed-from-config"):
            record_run(session, name, "rss", RunOutcome(0, 0, 1, 0, f"{name} is down"), NOW)

    [result] = run_digest(app, "kopi-senja")

    [payload] = webhook_receiver.deliveries.values()
    assert result.outcome == "sent" and "demo-blogs is down" in payload["text"]
    assert "toko-b-feed" not in payload["text"] and "old-feed" not in payload["text"]


def _posts(root: Path, posts: list[tuple[str, str, str, str]]) -> None:
    """Replace the demo export with ``(id, author, created_at, text)`` posts."""
    import json

    lines = [
        json.dumps({"id": i, "platform": "review", "author": who, "author_name": who.title(),
                    "created_at": at, "text": text})
        for i, who, at, text in posts
    ]  # fmt: skip
    (root / "examples" / "mentions.jsonl").write_text("\n".join(lines) + "\n", "utf-8")


def test_a_digest_says_how_many_wait_past_their_sla_not_only_the_first_ten(
    tmp_path: Path, webhook_receiver: WebhookReceiver
) -> None:
    """Before: 14 complaints past their SLA read as a list of 10 with no total, so the
    owner believed ten were waiting."""
    app = _app(tmp_path, webhook_receiver, lang="en")
    text = "Kopi Senja pesanan saya telat dan kopinya dingin, kecewa banget ({})"
    _posts(
        app.config_path.parent,
        [(f"c{n}", f"u{n}", "2026-11-20T09:00:00+07:00", text.format(n)) for n in range(14)],
    )
    early = App(app.settings, app.config_path, FAKE_ENV, clock=lambda: NOW.replace(day=20))
    assert not poll(early, only="demo-export").failed

    [result] = run_digest(app)

    [payload] = webhook_receiver.deliveries.values()
    assert result.outcome == "sent", result
    assert "Complaints waiting past their SLA: 14" in payload["text"], payload["text"]
    listed = re.findall(r"^  #\d+ ", payload["text"], re.MULTILINE)
    assert len(listed) == 10 and "… and 4 more: `simak queue`" in payload["text"]
    # the subject says what needs a person, not only which day it is
    assert payload["data"]["subject"] == "Daily digest — Kopi Senja — 23 Nov 2026: 14 past SLA"
    assert payload["data"]["lang"] == "en"  # the team's language, for the receiver


def test_an_indonesian_digest_subject_names_the_day_and_the_work_in_indonesian() -> None:
    from datetime import date

    from simak.usecases.digest import _subject
    from storage.digests import DigestFacts

    facts = DigestFacts("kopi-senja", date(2026, 12, 5), today={"complaint": 3})
    facts.totals = {"critical": 1, "overdue": 0, "problems": 2}
    assert _subject(facts, "Kopi Senja", "id") == (
        "Ringkasan harian — Kopi Senja — 05 Des 2026: 1 kritis, 2 pengiriman perlu dicek, "
        "3 keluhan 24 jam"
    )
    assert (
        _subject(DigestFacts("b", date(2026, 12, 5)), "B", "en") == "Daily digest — B — 05 Dec 2026"
    )
    one = DigestFacts("b", date(2026, 12, 5), today={"complaint": 1})
    one.totals = {"problems": 1}
    assert _subject(one, "B", "en") == (
        "Daily digest — B — 05 Dec 2026: 1 delivery to check, 1 complaint in 24 h"
    )


def test_an_english_digest_counts_one_as_one() -> None:
    """Before: "1 complaints", "1 ideas", "1 people in all"."""
    from jinja2 import Environment, FileSystemLoader

    env = Environment(loader=FileSystemLoader("simak/templates"), trim_blocks=True)
    env.filters["when"] = str
    counts = {"complaint": 1, "praise": 2, "idea": 1, "other": 0}
    body = env.get_template("digest.en.j2").render(
        brand="B", day="2026-12-05", today=counts, week=counts, critical=[], urgent=[],
        overdue=[], ideas=[("Oat milk", 1, 1)], problems=[], sources=[], totals={}, loyal=0,
        spikes=[],
    )  # fmt: skip
    assert "Posted in the last 24 hours: 1 complaint, 2 praise, 1 idea, 0 other" in body
    assert "Oat milk — 1 new, 1 person in all" in body


def test_a_brands_digest_counts_only_its_own_loyal_customers(
    tmp_path: Path, webhook_receiver: WebhookReceiver
) -> None:
    """Before: every brand's digest counted the regulars of all brands (Toko B's owner was
    asked to thank Kopi Senja's fans)."""
    app = _app(tmp_path, webhook_receiver, lang="en", send_when_quiet=True)
    data = yaml.safe_load(app.config_path.read_text("utf-8"))
    data["brands"].append({"name": "toko-b", "terms": ["Toko B"]})
    app.config_path.write_text(yaml.safe_dump(data), "utf-8")
    praise = "Kopi Senja enak banget, mantap ({})"
    _posts(
        app.config_path.parent,
        [(f"p{n}", "rina", f"2026-11-{10 + n}T09:00:00+07:00", praise.format(n)) for n in range(3)],
    )
    app = App(
        load_settings(app.config_path, FAKE_ENV), app.config_path, FAKE_ENV, clock=lambda: NOW
    )
    assert not poll(app, only="demo-export").failed

    results = run_digest(app)

    assert [r.outcome for r in results] == ["sent", "sent"], results
    texts = {p["text"].splitlines()[0]: p["text"] for p in webhook_receiver.deliveries.values()}
    [kopi] = [t for head, t in texts.items() if "Kopi Senja" in head]
    [toko] = [t for head, t in texts.items() if "toko-b" in head.lower()]
    assert "Loyal customers to thank: 1" in kopi, kopi
    assert "Loyal customers" not in toko, toko


def test_a_morning_digest_counts_the_last_24_hours_not_the_night_so_far(
    tmp_path: Path, webhook_receiver: WebhookReceiver
) -> None:
    """Before: a digest at 10:30 counted only posts since midnight, so yesterday
    afternoon's posts were in no digest at all and a morning read as a quiet day."""
    app = _app(tmp_path, webhook_receiver, lang="en")
    praise = "Kopi Senja enak banget, mantap ({})"
    _posts(
        app.config_path.parent,
        [
            ("y1", "rina", "2026-11-22T15:00:00+07:00", praise.format(1)),  # yesterday 15:00
            ("y2", "budi", "2026-11-22T21:00:00+07:00", praise.format(2)),  # yesterday 21:00
            ("old", "sari", "2026-11-21T09:00:00+07:00", praise.format(3)),  # two days ago
        ],
    )
    assert not poll(app, only="demo-export").failed

    [result] = run_digest(app)

    assert result.outcome == "sent", result
    [payload] = webhook_receiver.deliveries.values()
    assert "Posted in the last 24 hours: 0 complaints, 2 praise" in payload["text"], payload["text"]
    assert "(the 7 days before averaged 0.0 complaints, 0.1 praise" in payload["text"]


def test_a_critical_complaint_past_its_sla_is_listed_once(
    tmp_path: Path, webhook_receiver: WebhookReceiver
) -> None:
    """Before: an overdue critical complaint was listed under critical and again under
    past SLA, and counted in both totals."""
    from datetime import timedelta

    app = _app(tmp_path, webhook_receiver)
    assert not poll(app).failed
    later = NOW + timedelta(days=2)  # every complaint is past its SLA now
    webhook_receiver.clock = later.timestamp
    app = App(
        load_settings(app.config_path, FAKE_ENV), app.config_path, FAKE_ENV, clock=lambda: later
    )

    [result] = run_digest(app)

    assert result.outcome == "sent", result
    [payload] = webhook_receiver.deliveries.values()
    sections = payload["text"].split("\n\n")
    critical = next(s for s in sections if s.startswith("Critical complaints"))
    late = next(s for s in sections if s.startswith("Complaints waiting past their SLA"))
    ids = [set(re.findall(r"#(\d+) ", s)) for s in (critical, late)]
    assert ids[0] and ids[1] and not ids[0] & ids[1], payload["text"]


def test_a_digest_names_the_author_of_a_post_that_has_no_person(
    tmp_path: Path, webhook_receiver: WebhookReceiver
) -> None:
    """A news site's post in the demo feed (no handle, so no person) is a critical
    complaint. Before: the digest listed it as "#3 ?: …" while the queue showed its
    author; now the author's name, as in the queue."""
    app = _app(tmp_path, webhook_receiver)
    assert not poll(app).failed
    [result] = run_digest(app)
    assert result.outcome == "sent", result
    [payload] = webhook_receiver.deliveries.values()
    assert not re.search(r"^  #\d+ \?:", payload["text"], re.MULTILINE), payload["text"]
    assert re.search(r"^  #\d+ Redaksi Kabar Kuliner: ", payload["text"], re.MULTILINE)


def test_a_digest_says_do_not_contact_beside_the_complaint_of_someone_who_asked(
    tmp_path: Path, webhook_receiver: WebhookReceiver
) -> None:
    """Before: Budi Santoso, marked "do not contact", was listed among the critical
    complaints like anyone else, so the owner reading the digest on a phone asked staff to
    call him; the queue said it, the digest did not. Now the line says it, in both languages."""
    from sqlalchemy import select

    from simak.usecases.digest import preview_digest
    from simak.usecases.people import do_not_contact
    from storage.models import Person

    app = _app(tmp_path, webhook_receiver)
    assert not poll(app).failed
    with app.db.read() as session:
        budi = session.scalar(select(Person.id).where(Person.display_name == "Budi Santoso"))
    assert budi is not None
    do_not_contact(app, budi, "dina", "asked on the phone")

    for lang, words in (("en", "(DO NOT CONTACT; money lost"), ("id", "(JANGAN DIHUBUNGI; uang")):
        [preview] = preview_digest(app, lang=lang)
        [line] = [ln for ln in preview.body.splitlines() if "Budi Santoso" in ln]
        assert line.startswith("  #") and words in line, preview.body
        others = [ln for ln in preview.body.splitlines() if ln.startswith("  #") and ln != line]
        assert others and not any("DO NOT" in ln or "JANGAN" in ln for ln in others)


def test_an_indonesian_digest_says_why_a_complaint_is_critical_in_indonesian(
    tmp_path: Path, webhook_receiver: WebhookReceiver
) -> None:
    """Before: an Indonesian digest read "(critical: money lost (double or wrongful charge);
    batas …)" under "Keluhan kritis", and averaged "2.3 keluhan" (the spike lines beside it
    wrote "2,3"). Now the reason is in Indonesian and without the "critical:" the section's
    title says, in English too, and Indonesian decimals have a comma."""
    from simak.usecases.digest import preview_digest

    app = _app(tmp_path, webhook_receiver)
    assert not poll(app).failed

    [id_] = preview_digest(app, lang="id")
    [en] = preview_digest(app, lang="en")

    [budi] = [ln for ln in id_.body.splitlines() if "Budi Santoso" in ln]
    assert "(uang hilang (tertagih dua kali atau salah tagih); batas 23 Nov" in budi, budi
    critical = id_.body.split("Keluhan kritis")[1].split("\n\n")[0]
    assert "(critical" not in critical and "possible food poisoning" not in critical, critical
    assert "dugaan keracunan makanan; batas" in critical, critical
    assert re.search(r"rata-rata 7 hari sebelumnya: \d+,\d keluhan, \d+,\d pujian", id_.body)
    [budi] = [ln for ln in en.body.splitlines() if "Budi Santoso" in ln]
    assert "(money lost (double or wrongful charge); due 23 Nov" in budi, budi


def test_a_critical_complaint_past_its_due_time_says_it_is_late(
    tmp_path: Path, webhook_receiver: WebhookReceiver
) -> None:
    """Before: two days on, a food-poisoning complaint nobody answered still read "due 23 Nov
    11:30 WIB" under "Critical complaints" (it is listed there, not under past SLA), so the
    most urgent thing in the mail did not say it was late. Now "late since" / "lewat batas
    sejak" wherever the due time has passed; one not yet due still says "due"."""
    from datetime import timedelta

    from simak.usecases.digest import preview_digest

    app = _app(tmp_path, webhook_receiver)
    assert not poll(app).failed
    [fresh] = preview_digest(app, lang="en")
    later = NOW + timedelta(days=2)
    app = App(
        load_settings(app.config_path, FAKE_ENV), app.config_path, FAKE_ENV, clock=lambda: later
    )
    [en] = preview_digest(app, lang="en")
    [id_] = preview_digest(app, lang="id")

    def critical(body: str, title: str) -> list[str]:
        return [ln for ln in body.split(title)[1].split("\n\n")[0].splitlines() if "  #" in ln]

    assert all("; due 23 Nov" in ln for ln in critical(fresh.body, "Critical complaints"))
    assert all("; late since 23 Nov" in ln for ln in critical(en.body, "Critical complaints"))
    assert all("; lewat batas sejak 23 Nov" in ln for ln in critical(id_.body, "Keluhan kritis"))
    assert critical(en.body, "Critical complaints"), en.body


def _shape(value: Any) -> Any:
    """The keys of a JSON value, all the way down (what a receiver relies on)."""
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in value.items()}
    return type(value).__name__ if value is not None else None


def test_the_team_webhook_payload_is_the_one_the_readme_documents(
    tmp_path: Path, webhook_receiver: WebhookReceiver
) -> None:
    """Before: the README described the follow-up webhook but not what the digest and
    alerts post (type simak.team), so a receiver had to guess its fields. Now it shows the
    body, and this keeps the two the same shape."""
    import json

    readme = Path("README.md").read_text("utf-8")
    block = readme.split('```json\n{"type": "simak.team"', 1)[1].split("```", 1)[0]
    documented = json.loads('{"type": "simak.team"' + block)
    app = _app(tmp_path, webhook_receiver)
    assert not poll(app).failed
    [result] = run_digest(app)
    assert result.outcome == "sent", result
    [payload] = webhook_receiver.deliveries.values()
    assert _shape(payload) == _shape(documented)
    assert payload["data"]["id"] == documented["data"]["id"].replace("2026-12-06", "2026-11-23")
    assert payload["text"].startswith(f"*{payload['data']['subject']}*\n\n")


def test_with_console_url_the_digest_links_each_follow_up_and_the_queue(
    tmp_path: Path, webhook_receiver: WebhookReceiver
) -> None:
    """Before: "#15 Budi Santoso: …" and "See the queue now: simak queue" — an owner
    reading on a phone had a number and a command, nothing to tap. With digest.console_url
    each listed follow-up links to its page and a spike alert to the queue."""
    from datetime import date

    from responder.spikes import Spike
    from simak.usecases.alerts import _message
    from simak.usecases.digest import preview_digest

    app = _app(tmp_path, webhook_receiver, console_url="https://simak.kopisenja.example/")
    assert not poll(app).failed
    [preview] = preview_digest(app)
    listed = [ln for ln in preview.body.splitlines() if re.match(r"  #\d+ ", ln)]
    assert listed, preview.body
    for line in listed:
        fid = re.match(r"  #(\d+) ", line)
        assert fid and line.endswith(f") https://simak.kopisenja.example/followups/{fid[1]}")
    _, alert = _message(
        app, "kopi-senja", "complaint", Spike(date(2026, 11, 23), 14, 1.5, 1e-6, 28)
    )
    assert alert.endswith(": https://simak.kopisenja.example/queue\n"), alert


def test_a_console_url_that_is_no_http_address_is_one_clear_line(
    tmp_path: Path, webhook_receiver: WebhookReceiver
) -> None:
    import pytest

    from common.errors import ConfigError

    app = _app(tmp_path, webhook_receiver)
    data = yaml.safe_load(app.config_path.read_text("utf-8"))
    data["digest"]["console_url"] = "simak.kopisenja.example"
    app.config_path.write_text(yaml.safe_dump(data), "utf-8")
    with pytest.raises(ConfigError, match=r"console_url must be the console's http\(s\) address"):
        load_settings(app.config_path, FAKE_ENV)
