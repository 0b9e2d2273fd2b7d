"""What every benchmark section shares: the run context, medians, machine facts, real
texts, and running ``simak`` as a separate process (as a user or cron would)."""

from __future__ import annotations

import csv
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATASETS = ROOT.parent / "shared" / "datasets"
PG_ENV = "SIMAK_TEST_PG_URL"


@dataclass
class Context:
    """What a section's ``run(ctx)`` gets: scale, scratch space, the database servers."""

    tmp: Path  # a scratch folder of this run, removed afterwards
    quick: bool = False  # a smoke run: tiny sizes, one repeat
    size: int | None = None  # overrides a section's main size (e.g. mentions to poll)
    repeats: int = 3
    pg_url: str | None = None  # admin URL of a throwaway PostgreSQL server, if any
    log: Callable[[str], None] = field(default=lambda msg: print(msg, file=sys.stderr))

    def scaled(self, full: int, quick: int) -> int:
        """The section's size: --size, else the quick or the full default."""
        return self.size if self.size is not None else (quick if self.quick else full)


def median_report(runs: list[float], digits: int = 1) -> dict[str, Any]:
    """``{"median": …, "runs": […]}`` of measured values."""
    return {
        "median": round(statistics.median(runs), digits),
        "runs": [round(r, digits) for r in runs],
    }


def machine() -> dict[str, Any]:
    """Facts that make a figure comparable: CPU, cores usable, memory, Python, load."""
    info: dict[str, Any] = {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpus_usable": len(os.sched_getaffinity(0)),
        "cpus_total": os.cpu_count(),
        "load_avg_at_start": [round(x, 2) for x in os.getloadavg()],
    }
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        mem = Path("/proc/meminfo").read_text().split("\n", 1)[0].split()[1]
        info["memory_gb"] = round(int(mem) / 1024 / 1024, 1)
    except OSError:
        pass
    return info


def _csv(path: Path, col: str, delimiter: str = ",") -> Iterator[str]:
    csv.field_size_limit(10**8)
    if not path.exists():
        return
    with path.open(encoding="utf-8", errors="replace", newline="") as f:
        for row in csv.DictReader(f, delimiter=delimiter):
            text = (row.get(col) or "").strip()
            if text:
                yield text


def _smsa(path: Path) -> Iterator[str]:
    if not path.exists():
        return
    with path.open(encoding="utf-8", errors="replace") as f:
        for line in f:
            text = line.rsplit("\t", 1)[0].strip()
            if text:
                yield text


def _annotated(path: Path) -> Iterator[tuple[str, str]]:
    if not path.exists():
        return
    with path.open(encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            yield row["lang"], row["text"]


def real_texts() -> list[tuple[str, str]]:
    """(lang, text) of real public posts in English and Indonesian, from tweets (a few
    words) to app and restaurant reviews of several paragraphs; interleaved by source."""
    d = DATASETS
    sources: list[list[tuple[str, str]]] = [
        list(_annotated(d / "simak_annotated" / "train.jsonl")),
        [("en", t) for t in _csv(d / "complaints_twitter_en" / "train.csv", "text")],
        [("en", t) for t in _csv(d / "maalej2016_appreviews_en" / "train.csv", "review")],
        [("id", t) for t in _smsa(d / "indonlu_smsa" / "train_preprocess.tsv")],
        [
            ("id", t)
            for t in _csv(d / "prdect_id_product_reviews_id" / "train.csv", "Customer Review")
        ],
    ]
    sources = [s for s in sources if s]
    if not sources:  # a clone without ../shared: the real posts of the v2 training pool
        sources = [list(_annotated(ROOT / "classifier" / "data" / "v2" / "pool.jsonl"))]
    out: list[tuple[str, str]] = []
    for i in range(max(len(s) for s in sources)):
        out.extend(s[i] for s in sources if i < len(s))
    return out


def words(texts: list[str]) -> dict[str, float]:
    """Word counts of texts: mean, median, 95th percentile, max."""
    n = sorted(len(t.split()) for t in texts)
    return {
        "mean": round(sum(n) / len(n), 1),
        "median": float(n[len(n) // 2]),
        "p95": float(n[int(len(n) * 0.95)]),
        "max": float(n[-1]),
    }


def simak_env(cache: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a `simak` child: no ambient config or database, a given cache."""
    env = {k: v for k, v in os.environ.items() if k not in ("SIMAK_DATABASE_URL", "SIMAK_CONFIG")}
    env["SIMAK_CACHE_DIR"] = str(cache)
    env.update(extra or {})
    return env


def run_simak(
    config: Path, *args: str, env: dict[str, str], timeout: float = 7200
) -> tuple[float, str]:
    """Run ``python -m simak --config CONFIG ARGS`` to the end: (wall seconds, stdout).
    A non-zero exit fails the benchmark (a fast wrong answer is not a figure)."""
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "simak", "--config", str(config), *args],
        cwd=config.parent, env=env, capture_output=True, text=True, timeout=timeout, check=False,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(
            f"simak {' '.join(args)} exited {proc.returncode}: {proc.stderr[-2000:]}"
        )
    return seconds, proc.stdout


def children_cpu_s() -> float:
    """CPU seconds (user + system, all threads) of the child processes that have ended."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def child_json(module: str, *args: str, env: dict[str, str] | None = None) -> Any:
    """Run ``python -m MODULE ARGS`` from the repository root; its last stdout line is JSON."""
    proc = subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if proc.returncode != 0:
        raise RuntimeError(f"{module} exited {proc.returncode}: {proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


BRAND = {"name": "kopi-senja", "display_name": "Kopi Senja", "terms": ["Kopi Senja", "kopisenja"]}


def write_config(root: Path, db_url: str, **sections: Any) -> Path:
    """A project's ``config.yaml`` (one brand, the given sections) under ``root``."""
    import yaml

    root.mkdir(parents=True, exist_ok=True)
    responder = {"business": {"name": "Kopi Senja", "signer": "Dina"}}
    responder.update(sections.pop("responder", {}))
    config = {"brands": [BRAND], "sources": [], "responder": responder, "storage": {"url": db_url}}
    config.update(sections)
    path = root / "config.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), "utf-8")
    return path


def write_texts(path: Path, texts: list[str]) -> Path:
    """JSONL with ``id`` and ``text`` (the input of ``simak classify``)."""
    with path.open("w", encoding="utf-8") as f:
        for i, text in enumerate(texts):
            f.write(json.dumps({"id": i, "text": text}, ensure_ascii=False) + "\n")
    return path


def fresh_pg_database(admin_url: str, name: str) -> str:
    """Create database ``name`` on the throwaway server; its URL (psycopg driver)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)
