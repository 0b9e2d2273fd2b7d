"""`simak web` (alias `simak serve`): the console over HTTP, served by uvicorn."""

from __future__ import annotations

import secrets

import typer

from simak.cli.common import handle_errors, state, warn

SECRET_ENV = "SIMAK_WEB_SECRET"


@handle_errors
def web(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", help="Port to listen on."),
    https: bool = typer.Option(
        False, "--https-cookies", help="Mark cookies Secure (behind a TLS reverse proxy)."
    ),
) -> None:
    """Serve the web console (queue, people, ideas, dashboard) until interrupted."""
    import uvicorn

    from simak.web.server import build

    app = state(ctx).app()
    secret = app.env.get(SECRET_ENV) or ""
    if not secret:
        secret = secrets.token_urlsafe(32)
        warn(f"${SECRET_ENV} is not set: sessions end when this server stops")
    app.db.upgrade()
    uvicorn.run(
        build(app, secret, secure_cookies=https),
        host=host,
        port=port,
        proxy_headers=True,
        forwarded_allow_ips="127.0.0.1",
        log_level="info",
    )
