"""What every `kinecheck clinic` command shares: --db, --clinician, --format, the open store."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import typer

from kinecheck.cli.common import TextOrJson

if TYPE_CHECKING:
    from kinecheck.clinic.store import Store

DB_OPTION = typer.Option(
    None,
    "--db",
    metavar="URL",
    help="The clinic database: sqlite:///PATH or postgresql+psycopg://USER@HOST/NAME. Default: "
    "KINECHECK_DB, else an owner-only SQLite file in your data folder. Never put a password "
    "here (others can read command lines): use ~/.pgpass, a service file or the environment.",
    show_default=False,
)
CLINICIAN_OPTION = typer.Option(
    None,
    "--clinician",
    metavar="NAME",
    help="Who is working, as sessions, notes and the audit log name them. Default: your user "
    "name (SQLite) or database role (PostgreSQL).",
    show_default=False,
)


ListFormat = TextOrJson  # text for people, json for scripts (one home: cli.common)


FORMAT_OPTION = typer.Option(
    ListFormat.text, "--format", "-f", help="text for people, json for scripts."
)


@contextlib.contextmanager
def opened(db: str | None, clinician: str | None = None) -> Iterator[Store]:
    """The clinic database, open for one command (closed after it)."""
    from kinecheck.clinic.store import open_store

    store = open_store(db, clinician)
    try:
        yield store
    finally:
        store.close()


def print_json(data: Any) -> None:
    """One JSON document on standard output (UTF-8, indented, keys in the order given)."""
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))
