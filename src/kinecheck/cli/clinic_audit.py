"""`kinecheck clinic audit list|verify`: read the audit log, and check nobody changed it.

A thin shell over `kinecheck.clinic.auditlog` (reading) and `kinecheck.clinic.audit`
(the hash chain and its check).
"""

from __future__ import annotations

import json
from collections.abc import Callable
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
from kinecheck.cli.clinic_display import NONE, local_time, print_table
from kinecheck.cli.common import err, friendly_errors

if TYPE_CHECKING:
    from kinecheck.clinic.auditlog import Line

LIST_LIMIT = 50  # `audit list` shows this many of the newest entries unless told


@friendly_errors
def list_entries(
    client: int | None = typer.Option(
        None, "--client", metavar="ID", help="Only the entries about this client's record."
    ),
    limit: int = typer.Option(
        LIST_LIMIT, "--limit", "-n", min=1, metavar="N", help="Show the newest N entries."
    ),
    db: str | None = DB_OPTION,
    clinician: str | None = CLINICIAN_OPTION,
    output: ListFormat = FORMAT_OPTION,
) -> None:
    """List the newest entries of the audit log, oldest first: when, who, what, whose record.

    An edit's old and new values are in --format json. Reading the log is itself logged.

    Example: kinecheck clinic audit list --client 7 --limit 20
    """
    from kinecheck.clinic.auditlog import lines

    with opened(db, clinician) as store, store.transaction() as session:
        found = lines(session, store.actor, limit, client)
    if output == ListFormat.json:
        print_json([line.as_json() for line in found])
        return
    if not found:
        typer.echo("The audit log has no entries yet.")
        return
    print_table(
        ["#", "WHEN", "WHO", "ACTION", "CLIENT", "SESSION", "DETAIL"],
        [
            [
                line.id,
                local_time(line.at),
                line.actor,
                line.action,
                _client(line),
                line.session_id if line.session_id is not None else NONE,
                _detail(line),
            ]
            for line in found
        ],
    )


@friendly_errors
def verify(db: str | None = DB_OPTION) -> None:
    """Check that no entry of the audit log was changed, inserted or removed.

    Each entry carries a hash of the one before it, so any change breaks the chain. Exit 0
    when the log is intact, 1 with each problem otherwise.

    Example: kinecheck clinic audit verify
    """
    from kinecheck.clinic.audit import verify as verify_chain
    from kinecheck.errors import EXIT_FAILED

    with opened(db) as store, store.transaction() as session:
        verdict = verify_chain(session)
    if verdict.intact:
        entries = "entry" if verdict.entries == 1 else "entries"
        details = "detail" if verdict.details_erased == 1 else "details"
        typer.echo(
            f"The audit log is intact: {verdict.entries} {entries} "
            f"({verdict.details_erased} {details} erased with their clients)."
        )
        return
    for problem in verdict.problems:
        err(f"error: {problem}")
    count = len(verdict.problems)
    err(
        f"The audit log is NOT intact: {count} problem{'' if count == 1 else 's'} in "
        f"{verdict.entries} entries. Keep a copy of the database as it is now and find out "
        "who changed it."
    )
    raise typer.Exit(EXIT_FAILED)


def _client(line: Line) -> object:
    """The client's number while they are kept, 'erased' after, '-' for no client."""
    if line.client_id is not None:
        return line.client_id
    return "erased" if line.subject is not None else NONE


def _detail(line: Line) -> str:
    """A short detail: the fields an edit changed (values in --format json), else key=value."""
    if line.detail_erased:
        return "(erased)"
    if not line.detail:
        return ""
    detail = line.detail
    if isinstance(detail.get("new"), dict):
        return "changed " + ", ".join(sorted(detail["new"]))
    if line.action == "client.add":
        return "given " + ", ".join(sorted(detail))
    return " ".join(f"{key}={_value(value)}" for key, value in sorted(detail.items()))


def _value(value: object) -> str:
    """A detail's value as JSON writes it (true, not True)."""
    return json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value


COMMANDS: dict[str, Callable[..., Any]] = {"list": list_entries, "verify": verify}
