"""The `simak` command line."""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperGroup

from simak.cli.alerts import alerts
from simak.cli.audit import audit
from simak.cli.brands import brands_app
from simak.cli.classify import classify
from simak.cli.common import CliState, fail
from simak.cli.corrections import corrections
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
from simak.cli.reclassify import reclassify
from simak.cli.reminders import reminders, vouchers_app
from simak.cli.send import send
from simak.cli.stats import sources, stats
from simak.cli.train import train
from simak.cli.users import users_app
from simak.cli.web import web
from simak.cli.worker import run, worker, workers_app

# click's UsageError, wherever this typer keeps click (newer ones vendor it as typer._click)
_USAGE_ERROR: type[Exception] = next(
    c for c in typer.BadParameter.__mro__ if c.__name__ == "UsageError"
)


class _OneLineUsageErrors(TyperGroup):
    """An unknown option, a missing or malformed argument: one line on stderr (a JSON log
    line with --log-format json) and exit 2, as every other error, not a framed box."""

    def make_context(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().make_context(*args, **kwargs)
        except _USAGE_ERROR as exc:
            raise _one_line(exc) from None

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except _USAGE_ERROR as exc:  # parsing a subcommand's options and arguments
            raise _one_line(exc) from None


def _one_line(exc: Exception) -> Exception:
    if type(exc).__name__ == "NoArgsIsHelpError":
        return exc  # `simak followup` alone: its help, as asked
    ctx: Any = getattr(exc, "ctx", None)
    obj = ctx.find_root().obj if ctx is not None else None
    fmt = obj.log_format if isinstance(obj, CliState) else "text"
    where = ctx.command_path if ctx is not None else "simak"
    message = str(getattr(exc, "format_message", exc.__str__)()).rstrip(".")
    return fail(f"{message}; see `{where} --help`", int(getattr(exc, "exit_code", 2)), fmt)


app = typer.Typer(
    cls=_OneLineUsageErrors,
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


def _print_version(value: bool) -> None:
    """``--version``: the installed Simak and the default model, then exit 0."""
    if value:
        from simak.usecases.about import describe

        typer.echo(describe())
        raise typer.Exit(0)


@app.callback()
def _global(
    ctx: typer.Context,
    show_version: bool = typer.Option(
        False,
        "--version",
        callback=_print_version,
        is_eager=True,
        help="Print the Simak version and its default model, then exit.",
    ),
    config: str | None = typer.Option(
        None, "--config", "-c", help="Config file (default: $SIMAK_CONFIG or ./config.yaml)."
    ),
    log_format: str = typer.Option(
        "text",
        "--log-format",
        callback=_check_format,
        help=(
            "Log lines on stderr of `simak worker`, `run`, `poll` and `serve` (uvicorn's too), "
            "and any command's error line: text, or json (one object per line)."
        ),
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
app.command()(corrections)
app.command()(reclassify)
app.command("eval")(eval_)
app.command()(train)
app.command()(web)
app.command("serve")(web)
app.add_typer(followup_app, name="followup")
app.add_typer(ideas_app, name="ideas")
app.add_typer(people_app, name="people")
app.add_typer(brands_app, name="brands")
app.add_typer(vouchers_app, name="vouchers")
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(workers_app, name="workers")


def main() -> None:
    """Console-script entry point."""
    app()
