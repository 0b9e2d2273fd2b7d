"""`/healthz` and `/metrics`: on the console (Starlette routes) and, for `simak worker
--metrics-port`, on a small HTTP server in a background thread. Both call the same use
cases; neither needs a sign-in (counts only, never personal data)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from simak.app import App
from simak.usecases.observe import health, scrape

PROMETHEUS = "text/plain; version=0.0.4; charset=utf-8"


def _health_body(app: App) -> tuple[int, str]:
    result = health(app)
    return (200 if result.ok else 503), json.dumps({"ok": result.ok, "detail": result.detail})


def _metrics_body(app: App) -> tuple[int, str, str]:
    """The metrics, or 503 with one line when they cannot be read: a scrape then fails as
    the target being down, which it is, not as a bad request."""
    result = scrape(app)
    if result.ok:
        return 200, result.detail, PROMETHEUS
    return 503, f"metrics unavailable: {result.detail}\n", "text/plain; charset=utf-8"


def routes(app: App) -> list[Route]:
    """The two probe routes for the console."""

    async def healthz(request: Request) -> Response:
        code, body = await run_in_threadpool(_health_body, app)
        return Response(body, code, media_type="application/json")

    async def metrics(request: Request) -> Response:
        code, body, kind = await run_in_threadpool(_metrics_body, app)
        return PlainTextResponse(body, code, media_type=kind)

    return [Route("/healthz", healthz), Route("/metrics", metrics)]


def serve_in_background(app: App, host: str, port: int) -> ThreadingHTTPServer:
    """Start the probe server on a daemon thread; returns it (``shutdown()`` stops it)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = urlsplit(self.path).path  # a scrape config's params= add a query
            if path == "/healthz":
                code, body, kind = *_health_body(app), "application/json"
            elif path == "/metrics":
                code, body, kind = _metrics_body(app)
            else:
                code, body, kind = 404, "not found: use /healthz or /metrics\n", "text/plain"
            data = body.encode("utf-8")
            self.send_response(code)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:  # scrapes are not news
            return

    server = ThreadingHTTPServer((host, port), Handler)
    threading.Thread(target=server.serve_forever, name="simak-probe", daemon=True).start()
    return server
