"""`kinecheck clinic client ...`: add, list, show, edit, archive, export and erase a client.

A thin shell over `kinecheck.clinic.clients`, `export` and `erase`: options are parsed and
checked here, the work and its audit entry happen in one transaction there. What a person
typed is checked before the database is opened, so a typo never creates a database.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from kinecheck.cli.clinic_common import (
    CLINICIAN_OPTION,
    DB_OPTION,
    FORMAT_OPTION,
    ListFormat,
    opened,
    print_json,
)
from kinecheck.cli.clinic_display import NONE, local_date, local_time, print_table, safe
from kinecheck.cli.common import err, fail, friendly_errors

if TYPE_CHECKING:
    from kinecheck.clinic.clients import ClientView
    from kinecheck.clinic.erase import ErasedSummary

CLIENT_ID = typer.Argument(..., metavar="ID", help="The client's number (see `client list`).")
EMAIL_HELP = "E-mail address, such as ana@example.org."
PHONE_HELP = "Phone number: digits, spaces and + - ( ) . / only."


class ExportFormat(StrEnum):
    """An export is one JSON document (a format for people may follow)."""

    json = "json"


@friendly_errors
def add(
    name: str = typer.Argument(..., metavar="NAME", help="The client's name, as on a report."),
    born: str | None = typer.Option(
        None, "--born", metavar="DATE", help="Date of birth, YYYY-MM-DD."
    ),
    email: str | None = typer.Option(None, "--email", metavar="ADDRESS", help=EMAIL_HELP),
    phone: str | None = typer.Option(None, "--phone", metavar="NUMBER", help=PHONE_HELP),
    db: str | None = DB_OPTION,
    clinician: str | None = CLINICIAN_OPTION,
    output: ListFormat = FORMAT_OPTION,
) -> None:
    """Add a client; prints the number that other commands take.

    Example: kinecheck clinic client add 'Ana Silva' --born 1980-04-02 --email ana@example.org
    """
    from kinecheck.clinic import clients

    new = clients.new_client(name, born, email, phone)
    with opened(db, clinician) as store, store.transaction() as session:
        view = clients.add(session, store.actor, new)
    if output == ListFormat.json:
        print_json(clients.as_json(view))
        return
    typer.echo(f"Added client {view.client.id}: {safe(view.client.name)}")


@friendly_errors
def list_clients(
    search: str | None = typer.Option(
        None,
        "--search",
        "-s",
        metavar="TEXT",
        help="Only clients with a word of the name or e-mail starting with each word given: "
        "'ana sil' finds Ana Silva; case and accents do not matter.",
    ),
    archived: bool = typer.Option(False, "--archived", help="Include archived clients."),
    db: str | None = DB_OPTION,
    clinician: str | None = CLINICIAN_OPTION,
    output: ListFormat = FORMAT_OPTION,
) -> None:
    """List clients, or find them by name or e-mail.

    Sorted by name, with how many sessions each has had and the date of the last.

    Example: kinecheck clinic client list --search ana
    """
    from kinecheck.clinic import clients

    with opened(db, clinician) as store, store.transaction() as session:
        found = clients.find(session, store.actor, search, archived=archived)
    if output == ListFormat.json:
        print_json([clients.as_json(view) for view in found])
        return
    if not found:
        typer.echo(
            "No client matches that search."
            if search
            else "No clients yet; add one with `kinecheck clinic client add NAME`."
        )
        return
    headers = ["ID", "NAME", "BORN", "SESSIONS", "LAST SESSION"]
    rows: list[list[object]] = [
        [v.client.id, v.client.name, local_date(v.client.born), v.sessions, _last(v)] for v in found
    ]
    if archived:
        headers.append("")
        for row, view in zip(rows, found, strict=True):
            row.append("archived" if view.client.archived else "")
    print_table(headers, rows)


@friendly_errors
def show(
    client_id: int = CLIENT_ID,
    db: str | None = DB_OPTION,
    clinician: str | None = CLINICIAN_OPTION,
    output: ListFormat = FORMAT_OPTION,
) -> None:
    """Show a client's details; the read is written to the audit log.

    With how many sessions they have had and the date of the last (`kinecheck clinic
    sessions ID` lists them).

    Example: kinecheck clinic client show 7
    """
    from kinecheck.clinic import clients

    with opened(db, clinician) as store, store.transaction() as session:
        view = clients.show(session, store.actor, client_id)
    if output == ListFormat.json:
        print_json(clients.as_json(view))
        return
    client = view.client
    typer.echo(f"Client {client.id}: {safe(client.name)}")
    for label, value in (
        ("born", local_date(client.born)),
        ("e-mail", safe(client.email)),
        ("phone", safe(client.phone)),
        ("added", local_time(client.created_at)),
        ("sessions", f"{view.sessions}" + (f" (last {_last(view)})" if view.sessions else "")),
        ("archived", "yes (hidden from `client list`)" if client.archived else "no"),
    ):
        typer.echo(f"  {label:<10}{value}")


@friendly_errors
def edit(
    client_id: int = CLIENT_ID,
    name: str | None = typer.Option(None, "--name", metavar="NAME", help="The new name."),
    born: str | None = typer.Option(
        None, "--born", metavar="DATE", help="Date of birth, YYYY-MM-DD ('' clears it)."
    ),
    email: str | None = typer.Option(
        None, "--email", metavar="ADDRESS", help=f"{EMAIL_HELP} '' clears it."
    ),
    phone: str | None = typer.Option(
        None, "--phone", metavar="NUMBER", help=f"{PHONE_HELP} '' clears it."
    ),
    db: str | None = DB_OPTION,
    clinician: str | None = CLINICIAN_OPTION,
) -> None:
    """Correct a client's details; the old values stay in the audit log.

    Example: kinecheck clinic client edit 7 --email ana.silva@example.org --phone ''
    """
    from kinecheck.clinic import clients

    new = clients.changes(name, born, email, phone)
    with opened(db, clinician) as store, store.transaction() as session:
        edited = clients.edit(session, store.actor, client_id, new)
    if not edited.changed:
        typer.echo(f"Client {client_id}: nothing changed (the values given are those kept).")
        return
    typer.echo(f"Changed client {client_id}: {', '.join(edited.changed)}.")


@friendly_errors
def archive(
    client_id: int = CLIENT_ID,
    undo: bool = typer.Option(False, "--undo", help="Bring an archived client back to lists."),
    db: str | None = DB_OPTION,
    clinician: str | None = CLINICIAN_OPTION,
) -> None:
    """Archive a client: hidden from lists, every record kept.

    `client list --archived` still shows them; --undo brings them back.

    Example: kinecheck clinic client archive 7
    """
    from kinecheck.clinic import clients

    with opened(db, clinician) as store, store.transaction() as session:
        changed = clients.archive(session, store.actor, client_id, archived=not undo)
    if not changed:
        state = "not archived" if undo else "archived already"
        typer.echo(f"Client {client_id} is {state}; nothing changed.")
    elif undo:
        typer.echo(f"Client {client_id} is back in `client list`.")
    else:
        typer.echo(
            f"Archived client {client_id}: hidden from `client list`, every record kept "
            f"(`client list --archived` shows it; `client archive {client_id} --undo` brings "
            "it back)."
        )


@friendly_errors
def export(
    client_id: int = CLIENT_ID,
    output_format: ExportFormat = typer.Option(
        ExportFormat.json, "--format", "-f", help="json: one document, for an access request."
    ),
    output: Path | None = typer.Option(
        None,
        "--output",
        "-o",
        metavar="PATH",
        dir_okay=False,
        help="Write the document here (readable only by you, written atomically) instead of "
        "printing it. An existing file is kept unless --force; the folder must exist.",
    ),
    force: bool = typer.Option(False, "--force", help="Let --output replace an existing file."),
    db: str | None = DB_OPTION,
    clinician: str | None = CLINICIAN_OPTION,
) -> None:
    """Export everything held on a client as one JSON document.

    For a person who asks what is kept about them (an access request): details, sessions,
    every answer as given, reports, notes, overrides and the audit entries about them. The
    export itself is written to the audit log.

    Example: kinecheck clinic client export 7 --output ana-silva.json
    """
    import json

    from kinecheck.clinic.export import export_client
    from kinecheck.fileio import check_target, write_atomic

    if output is not None:
        check_target(output, replace=force)  # before the record is read and the read logged
    with opened(db, clinician) as store, store.transaction() as session:
        document = export_client(session, store.actor, client_id)
    if output is None:
        print_json(document)
        return
    text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    write_atomic(output, text, replace=force)
    sessions = len(document["sessions"])
    typer.echo(
        f"Exported client {client_id} ({sessions} session{'s' if sessions != 1 else ''}) "
        f"to {output}."
    )


@friendly_errors
def erase(
    client_id: int = CLIENT_ID,
    yes: bool = typer.Option(
        False, "--yes", help="Confirm: erase the client's whole record, for good."
    ),
    db: str | None = DB_OPTION,
    clinician: str | None = CLINICIAN_OPTION,
) -> None:
    """Erase a client's whole record for good.

    Details, sessions, answers, reports, notes and overrides: every row goes. For a record
    made in error, or a person who asks to be forgotten. It cannot be undone; to keep the
    record but hide it, use `client archive`. The audit log keeps only a tombstone that
    names no one. With SQLite, nothing of the client stays readable in the database files
    afterwards; docs/clinic.md says what PostgreSQL and backups keep.

    Example: kinecheck clinic client erase 7 --yes
    """
    if not yes:
        fail(
            f"error: erasing deletes client {client_id}'s whole record for good (sessions, "
            "answers, reports, notes) and cannot be undone; to go ahead, run it again with "
            f"--yes (`client archive {client_id}` hides a client and keeps everything)"
        )
    from kinecheck.clinic.db import sqlite_path
    from kinecheck.clinic.erase import erase_client

    def rebuilding() -> None:
        if store.engine.dialect.name == "sqlite":
            err("Rebuilding the database file so that nothing of the client stays in it...")

    with opened(db, clinician) as store:
        summary = erase_client(store, client_id, rebuilding)
        where = str(sqlite_path(store.engine.url) or store.where)
    _print_erased(summary, where)


def _print_erased(summary: ErasedSummary, where: str) -> None:
    def count(n: int, one: str, many: str) -> str:
        return f"{n} {one if n == 1 else many}"

    typer.echo(
        f"Erased client {summary.client_id}: {count(summary.sessions, 'session', 'sessions')}, "
        f"{count(summary.answers, 'answer', 'answers')}, "
        f"{count(summary.results, 'report', 'reports')}, {count(summary.notes, 'note', 'notes')}"
        f", {count(summary.overrides, 'override', 'overrides')}, and the details of "
        f"{count(summary.audit_details, 'audit entry', 'audit entries')}. The audit log keeps "
        f"a tombstone (entry {summary.tombstone}) that names no one."
    )
    if summary.backend == "sqlite" and summary.wiped:
        typer.echo(
            "The database file was rebuilt and its write-ahead log emptied: nothing of the "
            "client can be read from them. Backups and copies made earlier still hold it."
        )
    elif summary.backend == "sqlite":
        typer.echo(
            "warning: another program has the database open, so its files could not be wiped "
            "yet; close every other kinecheck and run: sqlite3 "
            f"{where} 'PRAGMA wal_checkpoint(TRUNCATE); VACUUM; PRAGMA wal_checkpoint(TRUNCATE);'",
            err=True,
        )
    else:
        typer.echo(
            "PostgreSQL: the rows are gone for every query; copies may remain on the server "
            "until their space is reused, in its write-ahead log, replicas and backups "
            "(see docs/clinic.md, 'Erasing a client')."
        )


def _last(view: ClientView) -> str:
    return local_date(view.last_session) if view.last_session is not None else NONE


COMMANDS: dict[str, Callable[..., Any]] = {
    "add": add,
    "list": list_clients,
    "show": show,
    "edit": edit,
    "archive": archive,
    "export": export,
    "erase": erase,
}
