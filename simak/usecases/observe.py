"""Health and metrics for `/healthz` and `/metrics` (the console and the worker): the
numbers come from the database at scrape time, so every process reports the same totals
and a restarted worker loses nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from common.errors import SimakError
from simak.app import App
from simak.usecases.backoff import next_try
from simak.usecases.poll import one_line
from storage.metrics import Snapshot, SourceGauge, ping, snapshot
from storage.sources import LastRun


@dataclass(frozen=True, slots=True)
class Health:
    """Whether this process can do its work (the database answers)."""

    ok: bool
    detail: str


def health(app: App) -> Health:
    """The database answers one query."""
    try:
        with app.db.read() as session:
            ping(session)
    except SimakError as exc:
        return Health(False, app.redact(one_line(exc)))
    except Exception as exc:  # a probe reports, it never raises
        return Health(False, app.redact(f"{type(exc).__name__}: {one_line(exc)}"))
    return Health(True, "database ok")


def _esc(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")


def _number(value: float) -> str:
    """A sample value in full: ``{:g}`` would print a Unix timestamp as 1.79645e+09 (to
    the nearest day), which breaks "last poll more than an hour ago" alerts."""
    return str(int(value)) if value.is_integer() else repr(value)


def _family(
    name: str, help_: str, samples: list[tuple[str, float]], kind: str = "gauge"
) -> list[str]:
    lines = [f"# HELP {name} {help_}", f"# TYPE {name} {kind}"]
    lines += [f"{name}{labels} {_number(value)}" for labels, value in samples]
    return lines


def _by(key: str, counts: dict[str, int]) -> list[tuple[str, float]]:
    return [(f'{{{key}="{_esc(k)}"}}', float(v)) for k, v in sorted(counts.items())]


def _per_source(snap: Snapshot, value: Callable[[SourceGauge], float]) -> list[tuple[str, float]]:
    return [(f'{{source="{_esc(s.name)}"}}', value(s)) for s in snap.sources]


def _stamp(at: datetime | None) -> float:
    return at.timestamp() if at else 0.0


def render(snap: Snapshot, now: datetime) -> str:
    """The Prometheus text exposition format (version 0.0.4)."""
    oldest = snap.oldest_open_complaint
    waiting = sum(snap.followups.get(s, 0) for s in ("open", "approved", "snoozed"))
    families = [
        ("simak_mentions", "Mentions stored, by status (new = not yet classified).",
         _by("status", snap.mentions)),
        ("simak_classifications", "Mentions by current label.",
         _by("label", snap.classifications)),
        ("simak_deliveries", "Delivery attempts by outcome.", _by("status", snap.deliveries)),
        ("simak_followups", "Follow-ups by status.", _by("status", snap.followups)),
        ("simak_queue_depth", "Follow-ups waiting for staff or for sending.",
         [("", float(waiting))]),
        ("simak_oldest_open_complaint_age_seconds",
         "Age of the oldest complaint not yet answered (0 when none).",
         [("", max((now - oldest).total_seconds(), 0.0) if oldest else 0.0)]),
        ("simak_source_consecutive_failures", "Failed polls in a row, per source.",
         _per_source(snap, lambda s: float(s.consecutive_failures))),
        ("simak_source_failing", "1 while a source's polls fail (its last poll failed), else 0.",
         _per_source(snap, lambda s: 1.0 if s.consecutive_failures else 0.0)),
        ("simak_source_failing_since_timestamp_seconds",
         "When the current streak of failed polls began, per source (0: not failing).",
         _per_source(snap, lambda s: _stamp(s.failing_since))),
        ("simak_source_next_try_timestamp_seconds",
         "When a worker tries a failing source next: it waits longer after each failure in "
         "a row (0: not failing).",
         _per_source(snap, lambda s: _stamp(s.next_try_at))),
        ("simak_source_last_poll_timestamp_seconds", "When each source was last polled.",
         _per_source(snap, lambda s: s.last_run_at.timestamp() if s.last_run_at else 0.0)),
        ("simak_source_stored_last_poll", "Mentions stored by each source's last poll.",
         _per_source(snap, lambda s: float(s.stored_last_run))),
        ("simak_source_last_success_timestamp_seconds",
         "When each source last polled without failing (0: never).",
         _per_source(snap, lambda s: s.last_success_at.timestamp() if s.last_success_at else 0.0)),
    ]  # fmt: skip
    lines = [line for name, help_, samples in families for line in _family(name, help_, samples)]
    polls = [
        (f'{{source="{_esc(s.name)}",outcome="{outcome}"}}', float(n))
        for s in snap.sources
        for outcome, n in sorted((s.polls or {}).items())
    ]
    lines += _family(
        "simak_source_polls_total", "Polls so far, per source and outcome.", polls, "counter"
    )
    return "\n".join(lines) + "\n"


def metrics_text(app: App) -> str:
    """`/metrics`: per-source series only for the sources the config polls now (a source
    renamed, removed or disabled would otherwise report its last poll forever, and a
    "last poll more than an hour ago" alert would never stop)."""
    with app.db.read() as session:
        snap = snapshot(session)
    every = app.settings.workers.poll_every_s
    polled = {s.name: timedelta(seconds=s.poll_every_s or every) for s in app.source_configs()}
    sources = [_with_next_try(s, polled[s.name]) for s in snap.sources if s.name in polled]
    return render(replace(snap, sources=sources), app.clock())


def _with_next_try(source: SourceGauge, every: timedelta) -> SourceGauge:
    """A failing source with when a worker tries it next (as `simak sources` says)."""
    if not source.consecutive_failures:
        return source
    last = LastRun(source.last_run_at, source.consecutive_failures, source.last_error_at)
    return replace(source, next_try_at=next_try(last, every))


def scrape(app: App) -> Health:
    """`/metrics` for a probe that never raises: ``(True, text)``, or ``(False, one line)``
    when the database cannot be read (the scrape should then fail as the target down)."""
    try:
        return Health(True, metrics_text(app))
    except SimakError as exc:
        return Health(False, app.redact(one_line(exc)))
    except Exception as exc:  # a probe reports, it never raises
        return Health(False, app.redact(f"{type(exc).__name__}: {one_line(exc)}"))
