"""The `simak` command line."""

from __future__ import annotations

import typer

from simak.cli.alerts import alerts
from simak.cli.audit import audit
from simak.cli.classify import classify
from simak.cli.common import CliState
from simak.cli.db import db_app
from simak.cli.digest import digest
from simak.cli.evaluate import eval_
from simak.cli.followup import correct, followup_app
from simak.cli.ideas import ideas_app
from simak.cli.logs import FORMATS
from simak.cli.mentions import mentions
from simak.cli.people import people_app
from simak.cli.poll import poll
from simak.cli.privacy import forget, purge
from simak.cli.queue import queue
from simak.cli.reminders import reminders, vouchers_app
from simak.cli.send import send
from simak.cli.stats import sources, stats
from simak.cli.train import train
from simak.cli.users import users_app
from simak.cli.web import web
from simak.cli.worker import run, worker, workers_app

app = typer.Typer(
    rich_markup_mode="markdown",
    name="simak",
    help="Simak: listen to what customers say, classify it, follow up privately.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _check_format(value: str) -> str:
    if value not in FORMATS:
        raise typer.BadParameter(f"{value!r}: use one of {', '.join(FORMATS)}")
    return value


@app.callback()
def _global(
    ctx: typer.Context,
    config: str | None = typer.Option(
        None, "--config", "-c", help="Config file (default: $SIMAK_CONFIG or ./config.yaml)."
    ),
    log_format: str = typer.Option(
        "text",
        "--log-format",
        callback=_check_format,
        help="Log lines of `simak worker`/`simak run`: text, or json (one object per line).",
    ),
) -> None:
    ctx.obj = CliState(config=config, log_format=log_format)


app.command()(poll)
app.command()(classify)
app.command()(queue)
app.command()(mentions)
app.command()(send)
app.command()(reminders)
app.command()(forget)
app.command()(digest)
app.command()(alerts)
app.command()(purge)
app.command()(audit)
app.command()(worker)
app.command()(run)
app.command()(stats)
app.command()(sources)
app.command()(correct)
app.command("eval")(eval_)
app.command()(train)
app.command()(web)
app.command("serve")(web)
app.add_typer(followup_app, name="followup")
app.add_typer(ideas_app, name="ideas")
app.add_typer(people_app, name="people")
app.add_typer(vouchers_app, name="vouchers")
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(workers_app, name="workers")


def main() -> None:
    """Console-script entry point."""
    app()
