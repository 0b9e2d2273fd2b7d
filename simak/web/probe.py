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
from simak.usecases.observe import health, metrics_text

PROMETHEUS = "text/plain; version=0.0.4; charset=utf-8"


def _health_body(app: App) -> tuple[int, str]:
    result = health(app)
    return (200 if result.ok else 503), json.dumps({"ok": result.ok, "detail": result.detail})


def routes(app: App) -> list[Route]:
    """The two probe routes for the console."""

    async def healthz(request: Request) -> Response:
        code, body = await run_in_threadpool(_health_body, app)
        return Response(body, code, media_type="application/json")

    async def metrics(request: Request) -> Response:
        body = await run_in_threadpool(metrics_text, app)
        return PlainTextResponse(body, media_type=PROMETHEUS)

    return [Route("/healthz", healthz), Route("/metrics", metrics)]


def serve_in_background(app: App, host: str, port: int) -> ThreadingHTTPServer:
    """Start the probe server on a daemon thread; returns it (``shutdown()`` stops it)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = urlsplit(self.path).path  # a scrape config's params= add a query
            if path == "/healthz":
                code, body, kind = *_health_body(app), "application/json"
            elif path == "/metrics":
                code, body, kind = 200, metrics_text(app), PROMETHEUS
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
