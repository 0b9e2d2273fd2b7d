"""A running console for browser tests: one temp project and one uvicorn server per module,
one headless Chromium per session (Debian's, installed by scripts/ensure-chromium)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from responder.base import PrivateMessage, SendReceipt
from responder.channels.manual import ManualChannel
from simak.app import App
from simak.cli import app as cli
from simak.config import load_settings
from simak.usecases import users

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "reports" / "screenshots"
PASSWORD = "correct horse battery"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
HOSTILE = (
    '<script>window.__xss = 1</script> "><img src=x onerror="window.__xss = 2"> '
    "{{7*7}} saya kecewa sama Kopi Senja, pesanan gak datang"
)
#: A 5,000-character complaint (a queue row must stay a few lines tall all the same).
LONG = ("Kopi Senja kecewa, pesanan panjang gak datang dan refund belum masuk. " * 80)[:5000]
CONFIG = """
brands:
  - name: kopi-senja
    display_name: Kopi Senja
    terms: [Kopi Senja, kopisenja]
    handles: {x: kopisenja}
sources:
  - name: export
    type: files
    options: {path: mentions.jsonl}
classifier:
  backend: keywords
responder:
  business: {name: Kopi Senja, signer: Dina}
storage:
  url: DBURL
"""


def _mentions() -> list[dict[str, Any]]:
    rows = [
        (
            f"c{n}",
            f"cust{n}",
            f"Customer {n}",
            f"Kopi Senja kecewa banget, pesanan nomor {n} gak datang dan refund belum masuk",
        )
        for n in range(12)
    ]
    rows += [
        ("i1", "sarah_k", "Sarah", "Kopi Senja please add oat milk, would be nice"),
        ("i2", "tom", "Tom", "Kopi Senja please add oat milk to the menu"),
        ("i3", "ani", "Ani", "Kopi Senja semoga buka cabang di Bandung ya"),
        ("h1", "evil", '"><b>Evil</b>', HOSTILE),
        ("l1", "panjang", "Panjang", LONG),
    ]
    convo = [  # one person: praise first, a complaint an hour later (one conversation)
        ("r1", "rudi", "Rudi", "Kopi Senja enak banget, mantap", "2026-11-22T07:00:00+07:00"),
        ("r2", "rudi", "Rudi", "Kopi Senja tapi pesanan kedua gak datang, kecewa", None),
    ]
    return [
        {
            "id": ext,
            "platform": "x",
            "author": handle,
            "author_name": name,
            "text": text,
            "lang": "id",
            "created_at": at or "2026-11-22T08:00:00+07:00",
            "url": "javascript:window.__xss=3" if ext == "h1" else f"https://x.example/{ext}",
        }
        for ext, handle, name, text, at in [(*r, None) for r in rows] + convo
    ]


class Delivering(ManualChannel):
    """The test channel: delivers at once and answers with a provider id."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[PrivateMessage] = []

    def send(self, message: PrivateMessage) -> SendReceipt:
        self.sent.append(message)
        return SendReceipt(
            channel=self.name, external_id=f"prov-{len(self.sent)}", delivered=True, detail="ok"
        )

    def read_back(self, message: PrivateMessage, attempted_at: datetime) -> SendReceipt | None:
        return None


@dataclass
class Console:
    base: str
    app: App
    channel: Delivering


def _free_socket() -> socket.socket:
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    """A project with 18 mentions polled, four users, and the console serving it."""
    import uvicorn

    from simak.web.server import build

    root = tmp_path_factory.mktemp("console")
    config = root / "config.yaml"
    config.write_text(CONFIG.replace("DBURL", f"sqlite:///{root / 'simak.db'}"), "utf-8")
    (root / "mentions.jsonl").write_text(
        "".join(json.dumps(m) + "\n" for m in _mentions()), "utf-8"
    )
    result = CliRunner().invoke(cli, ["--config", str(config), "poll"])
    assert result.exit_code == 0, result.output
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIMAK_")}
    channel = Delivering()
    app = App(load_settings(config, env), config, env, channels=[channel])
    for name, role in (("ada", "admin"), ("sri", "staff"), ("sam", "staff"), ("olga", "owner")):
        users.add(app, name, role, PASSWORD, "test")
    sock = _free_socket()
    server = uvicorn.Server(
        uvicorn.Config(build(app, "test-secret"), log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "the console did not start"
    yield Console(f"http://127.0.0.1:{sock.getsockname()[1]}", app, channel)
    server.should_exit = True
    thread.join(10)
    sock.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Chromium through Playwright (skipped, saying why, if it cannot be had)."""
    done = subprocess.run(
        [str(ROOT / "scripts" / "ensure-chromium")], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        pytest.skip(f"no Chromium for browser tests: {done.stderr.strip()}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=done.stdout.strip(), headless=True, args=ARGS)
        yield chromium
        chromium.close()


def login(browser: Any, base: str, name: str) -> Any:
    """A new browser context signed in as ``name``; returns its page."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{base}/login")
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return page


def shot(page: Any, name: str) -> None:
    """A full-page screenshot as a test artifact (reports/screenshots)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
