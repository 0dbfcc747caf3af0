"""The `kinecheck` command: a thin typer shell over the library API.

Command modules import only typer at the top; everything heavy is imported inside the
command that needs it, so `kinecheck --help` starts fast.
"""

from __future__ import annotations

import gc
import sys
from typing import Any

import typer
import typer.main
from typer.core import TyperCommand, TyperGroup

from kinecheck.cli import authoring as _authoring
from kinecheck.cli import definitions as _definitions
from kinecheck.cli import schema as _schema
from kinecheck.cli import scoring as _scoring
from kinecheck.cli import take as _take
from kinecheck.cli.common import CLINIC_SUMMARY, Command
from kinecheck.definitions.defaults import default_questionnaire


class LazyRoot(TyperGroup):
    """The root command, which loads `kinecheck clinic` only when that is what runs.

    The clinic's fifteen commands cost `kinecheck --help` about 10 ms to import and build
    (benchmarks/bench_startup.py: 9.0x `python -c pass`, against a budget of 8x), so the
    root lists `clinic` with its summary and builds it on first use (click's lazy group).
    """

    LAZY = {"clinic": ("kinecheck.cli.clinic", CLINIC_SUMMARY)}

    def list_commands(self, ctx: Any) -> list[str]:
        """The eager commands, then the lazy ones."""
        eager = super().list_commands(ctx)
        return [*eager, *(name for name in self.LAZY if name not in eager)]

    def get_command(self, ctx: Any, name: str) -> Any:
        """A command; a lazy one is imported and built the first time it is asked for."""
        if name in self.LAZY and name not in self.commands:
            import importlib

            module = importlib.import_module(self.LAZY[name][0])
            command = typer.main.get_command(module.app)
            command.name = name
            self.commands[name] = command
        return super().get_command(ctx, name)

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        """List every command; the lazy ones by their summary, without loading them."""
        stubs = {
            name: TyperCommand(name=name, help=summary)
            for name, (_, summary) in self.LAZY.items()
            if name not in self.commands
        }
        self.commands.update(stubs)
        try:
            super().format_commands(ctx, formatter)
        finally:
            for name in stubs:
                del self.commands[name]


_DEFAULT = default_questionnaire()  # the help names the bundled questionnaire, read from data
app = typer.Typer(
    name="kinecheck",
    cls=LazyRoot,
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


# Python's cycle collector runs after every 700 new container objects (its default). A
# command's start-up makes hundreds of thousands that live until it exits (typer's commands,
# pydantic's validators, the definitions), so the collector walks that same growing heap over
# and over, and once more when the interpreter exits: together about a sixth of a first
# `kinecheck assess` (benchmarks/bench_startup.py). The command line collects in steps of
# this many objects instead, and freezes what is left when the command ends, so that the
# exit has nothing to walk. Garbage cycles are still collected, in larger steps.
GC_STEP = 20_000


def main() -> None:
    """Console-script entry point (and `python -m kinecheck`)."""
    for stream in (sys.stdout, sys.stderr):
        # A terminal or file that cannot show a character gets a '?', never a traceback.
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="replace")
    _, *older = gc.get_threshold()
    gc.set_threshold(GC_STEP, *older)
    try:
        app(prog_name="kinecheck")
    finally:
        gc.freeze()  # what the command made lives until exit: the exit need not walk it
