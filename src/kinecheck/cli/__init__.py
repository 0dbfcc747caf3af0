"""The `kinecheck` command: a thin typer shell over the library API.

Command modules import only typer at the top; everything heavy is imported inside the
command that needs it, so `kinecheck --help` starts fast.
"""

from __future__ import annotations

import sys

import typer

from kinecheck.cli import authoring as _authoring
from kinecheck.cli import clinic as _clinic
from kinecheck.cli import definitions as _definitions
from kinecheck.cli import schema as _schema
from kinecheck.cli import scoring as _scoring
from kinecheck.cli import take as _take
from kinecheck.cli.common import Command
from kinecheck.definitions.defaults import default_questionnaire

_DEFAULT = default_questionnaire()  # the help names the bundled questionnaire, read from data
app = typer.Typer(
    name="kinecheck",
    help=(
        "Self-assessment questionnaires scored by declarative rules.\n\n"
        f"Start with `kinecheck take` for the {_DEFAULT} questionnaire: one question at a "
        "time, then a report of what your answers suggest and when to see a professional. "
        "`kinecheck list` shows every questionnaire you can take.\n\n"
        "Not medical advice: it does not replace an assessment by a professional."
    ),
    epilog=(
        "Examples:\n\n"
        f"  kinecheck take                 (the {_DEFAULT} questionnaire)\n\n"
        "  kinecheck take --plain         (plain lines, for screen readers)\n\n"
        f"  kinecheck assess {_DEFAULT} --answers answers.yaml --format json\n\n"
        "  kinecheck validate questionnaires/ rules/\n\n"
        "Run `kinecheck COMMAND --help` for the options of one command."
    ),
    no_args_is_help=False,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
    # Plain help: typer's rich help imports rich, markdown-it and pygments (~80 ms), which
    # would put `kinecheck --help` well past 10x `python -c pass` (see benchmarks/).
    rich_markup_mode=None,
)

app.command("take", cls=Command)(_take.take)
app.command("assess", cls=Command)(_scoring.assess)
app.command("validate", cls=Command)(_definitions.validate)
app.command("list", cls=Command)(_definitions.list_questionnaires)
app.command("exercises", cls=Command)(_definitions.exercises)
app.command("check", cls=Command)(_authoring.check)
app.command("why", cls=Command)(_authoring.why)
app.add_typer(_schema.app, name="schema")
app.add_typer(_clinic.app, name="clinic")


@app.callback(invoke_without_command=True)
def _root(
    ctx: typer.Context,
    version: bool = typer.Option(False, "--version", help="Show the version and exit."),
) -> None:
    if version:
        from kinecheck import __version__

        typer.echo(f"kinecheck {__version__}")
        raise typer.Exit()
    if ctx.invoked_subcommand is None:
        typer.echo(ctx.get_help())


def main() -> None:
    """Console-script entry point (and `python -m kinecheck`)."""
    for stream in (sys.stdout, sys.stderr):
        # A terminal or file that cannot show a character gets a '?', never a traceback.
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="replace")
    app(prog_name="kinecheck")
