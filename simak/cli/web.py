"""`simak web` (alias `simak serve`): the console over HTTP, served by uvicorn."""

from __future__ import annotations

import logging
import secrets
import socket

import typer

from common.errors import UsageError
from simak.app import App
from simak.cli.common import handle_errors, state, warn
from simak.cli.logs import LineLog

SECRET_ENV = "SIMAK_WEB_SECRET"


@handle_errors
def web(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="Port to listen on."),
    https: bool = typer.Option(
        False, "--https-cookies", help="Mark cookies Secure (behind a TLS reverse proxy)."
    ),
) -> None:
    """Serve the web console (queue, people, ideas, dashboard) until interrupted.

    With `--log-format json` every line on stderr, uvicorn's included, is a JSON log line.
    """
    import uvicorn
    from uvicorn.config import LOGGING_CONFIG

    from simak.web.server import build

    cli = state(ctx)
    app = cli.app()
    log = _json_log(app) if cli.log_format == "json" else None
    secret = app.env.get(SECRET_ENV) or ""
    if not secret:
        secret = secrets.token_urlsafe(32)
        notice = f"${SECRET_ENV} is not set: sessions end when this server stops"
        if log is not None:
            log(notice, "warning")
        else:
            warn(notice)
    app.db.upgrade()
    _check_address(host, port)
    uvicorn.run(
        build(app, secret, secure_cookies=https),
        host=host,
        port=port,
        proxy_headers=True,
        forwarded_allow_ips="127.0.0.1",
        log_level="info",
        # uvicorn's own text formatters, or none: the JSON lines _json_log set up
        log_config=LOGGING_CONFIG if log is None else None,
    )


def _check_address(host: str, port: int) -> None:
    """Bind once before uvicorn does: a port in use or an address not on this machine is one
    line and exit 2, as for `worker --metrics-port` (uvicorn would log it and exit 3, which
    is Simak's code for a bug)."""
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        with socket.create_server((host, port), family=family):
            pass
    except OSError as exc:
        raise UsageError(
            f"cannot serve the console on {host}:{port}: {_reason(exc)}; "
            "choose another --port (or --host)"
        ) from None


def _reason(exc: OSError) -> str:
    """ "Address already in use", without the "(while attempting to bind …)" Python adds."""
    return (exc.strerror or str(exc)).split(" (while attempting")[0]


def _json_log(app: App) -> LineLog:
    """JSON log lines for the server: uvicorn's startup, error and access lines and the
    model's first-use notice, each one object (``{"ts", "level", "logger", "msg"}``)."""
    log = LineLog("json", app.redact)
    app.progress = log
    log.capture("uvicorn", logging.INFO)  # uvicorn.error and uvicorn.access propagate to it
    return log
