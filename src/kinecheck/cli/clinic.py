"""`kinecheck clinic`: client records, intake sessions, reports, history and the audit log.

The commands live in modules by job (clinic_clients, clinic_intake, clinic_sessions,
clinic_history, clinic_audit); this one only gathers them under `kinecheck clinic`. Like
every command module, they import typer only: the database code loads inside the command
that runs.
"""

from __future__ import annotations

import typer

from kinecheck.cli import (
    clinic_audit,
    clinic_clients,
    clinic_history,
    clinic_intake,
    clinic_sessions,
)
from kinecheck.cli.common import CLINIC_SUMMARY, Command

app = typer.Typer(
    help=(
        f"{CLINIC_SUMMARY}\n\n"
        "Records are kept in an owner-only SQLite file in your data folder, or in a shared "
        "PostgreSQL database (--db or KINECHECK_DB). Every change and every read of a client's "
        "record is written to an append-only audit log."
    ),
    epilog=(
        "A first day:\n\n"
        "  kinecheck clinic client add 'Ana Silva' --born 1980-04-02\n\n"
        "  kinecheck clinic intake 1                  (the quiz, saved answer by answer)\n\n"
        "  kinecheck clinic sessions 1\n\n"
        "  kinecheck clinic report 1 --format html --output ana.html\n\n"
        "See docs/clinic.md for re-assessment, exports, erasure and sharing a database."
    ),
    no_args_is_help=True,
    add_completion=False,  # as the root: built on its own when it runs (cli.LazyRoot)
    context_settings={"help_option_names": ["-h", "--help"]},
    rich_markup_mode=None,
)
client_app = typer.Typer(
    help="Add, find, show, edit, archive, export or erase a client's record.",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    rich_markup_mode=None,
)
audit_app = typer.Typer(
    help="The audit log: who changed or read which record, and when; check it is intact.",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    rich_markup_mode=None,
)

for name, function in clinic_clients.COMMANDS.items():
    client_app.command(name, cls=Command)(function)
for name, function in clinic_audit.COMMANDS.items():
    audit_app.command(name, cls=Command)(function)
app.add_typer(client_app, name="client")
for module in (clinic_intake, clinic_sessions, clinic_history):
    for name, function in module.COMMANDS.items():
        app.command(name, cls=Command)(function)
app.add_typer(audit_app, name="audit")
