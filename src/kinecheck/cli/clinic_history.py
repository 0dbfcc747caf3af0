"""`kinecheck clinic compare | progress`: what changed between sessions, and over all of them.

A thin shell over kinecheck.clinic.changes and .progress (each change judged against the
smallest real change the definitions declare), with the formats in kinecheck.render
(history_text, progress_html). Each read of a client's record is written to the audit log
in the same transaction. Like every command module this one imports typer and kinecheck.cli
only; the database code loads inside the command that runs.
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
from kinecheck.cli.clinic_display import safe
from kinecheck.cli.common import err, fail, friendly_errors

if TYPE_CHECKING:
    from kinecheck.clinic.progress import Progress


class ProgressFormat(StrEnum):
    """How `progress` is printed: for people, for scripts, or a page to print."""

    text = "text"
    json = "json"
    html = "html"


# --format a name's suffix means, when --format is not given
FORMAT_BY_SUFFIX = {
    ".html": ProgressFormat.html,
    ".htm": ProgressFormat.html,
    ".json": ProgressFormat.json,
}


def _echo_lines(text: str) -> None:
    """Text for the terminal, each line with control characters shown as '?'."""
    typer.echo("\n".join(safe(line) for line in text.splitlines()))


@friendly_errors
def compare(
    session_a: int = typer.Argument(
        ..., metavar="SESSION_A", help="A session's number (`kinecheck clinic sessions CLIENT`)."
    ),
    session_b: int = typer.Argument(
        ..., metavar="SESSION_B", help="Another completed session of the same client."
    ),
    fmt: ListFormat = FORMAT_OPTION,
    db: str | None = DB_OPTION,
    clinician: str | None = CLINICIAN_OPTION,
) -> None:
    """Show what changed between two completed sessions of one client.

    The earlier session is always "before", whichever is named first. Changed answers,
    findings and their levels, the referral level, scores and measures (number answers) are
    listed by group. A number whose definitions declare a smallest real change is judged
    against it: a smaller difference reads "no real change", one at least as large "real
    change" (better or worse when the definitions say which way is better); such measures
    are listed even when unchanged. Other differences read "changed", "new" or "gone". The
    titles and figures are those of the later session's definitions. The read is written to
    the audit log.

    Example: kinecheck clinic compare 12 31
    """
    from kinecheck.clinic import audit
    from kinecheck.clinic.changes import comparison_json, session_comparison
    from kinecheck.clinic.sessions import get_client, get_session
    from kinecheck.render.history_text import comparison_text

    if session_a == session_b:
        fail(f"error: session {session_a} was given twice; name two sessions to compare")
    with opened(db, clinician) as store, store.transaction() as tx:
        named = get_session(tx, session_a), get_session(tx, session_b)
        earlier, later = sorted(named, key=lambda s: (s.finished_at or s.started_at, s.id))
        found = session_comparison(tx, earlier, later)
        audit.record(
            tx,
            store.actor,
            "compare.read",
            subject=get_client(tx, later.client_id).subject,
            session_id=later.id,
            detail={"sessions": [earlier.id, later.id]},
        )
    if fmt == ListFormat.json:
        print_json(comparison_json(found))
        return
    _echo_lines(comparison_text(found))


@friendly_errors
def progress(
    client: int = typer.Argument(
        ..., metavar="CLIENT", help="The client's number (`kinecheck clinic client list`)."
    ),
    fmt: ProgressFormat | None = typer.Option(
        None,
        "--format",
        "-f",
        help="text for people, json for scripts, html for a page with a plot of each measure. "
        "Default: what the --output suffix names (.html, .json), else text.",
        show_default=False,
    ),
    output: Path | None = typer.Option(
        None,
        "--output",
        "-o",
        metavar="PATH",
        help="Write it here (atomically, owner-only) instead of standard output.",
    ),
    force: bool = typer.Option(
        False, "--force", help="Replace the --output file if it exists (never done without it)."
    ),
    db: str | None = DB_OPTION,
    clinician: str | None = CLINICIAN_OPTION,
) -> None:
    """Show a client's progress: every session in time order, and each measure over time.

    A measure is a number answer (a self-test, pain, hours of sitting) or a score: shown when
    its definitions declare a smallest real change, or else when its value changed. Each
    value after the first is judged against the one before it and against the first, with
    the smallest real change the newest definitions declare (see `compare`). The HTML page has a
    table and a small plot of each measure, and prints on A4 or Letter. --output never
    replaces a file without --force. The read is written to the audit log.

    Example: kinecheck clinic progress 12 --output ana-progress.html
    """
    chosen = fmt or (FORMAT_BY_SUFFIX.get(output.suffix.lower()) if output else None)
    chosen = chosen or ProgressFormat.text
    if output is not None:  # before the database is opened, so a refusal costs nothing
        from kinecheck.fileio import check_target

        check_target(output, replace=force)
    elif force:
        fail("error: --force only applies to --output PATH")
    from kinecheck.clinic import audit
    from kinecheck.clinic.progress import progress as progress_of
    from kinecheck.clinic.sessions import get_client

    with opened(db, clinician) as store, store.transaction() as tx:
        found = progress_of(tx, client)
        audit.record(
            tx,
            store.actor,
            "progress.read",
            subject=get_client(tx, client).subject,
            detail={"sessions": len(found.sessions)},
        )
    text = _formatted(found, chosen)
    if output is None:
        if chosen == ProgressFormat.text:
            _echo_lines(text)
        else:
            typer.echo(text, nl=not text.endswith("\n"))
        return
    from kinecheck.fileio import write_atomic

    write_atomic(output, text, replace=force)
    err(f"progress written to {output}")


def _formatted(found: Progress, chosen: ProgressFormat) -> str:
    """The progress in the chosen format."""
    if chosen == ProgressFormat.json:
        import json

        from kinecheck.clinic.progress import progress_json

        return json.dumps(progress_json(found), ensure_ascii=False, indent=2) + "\n"
    if chosen == ProgressFormat.html:
        from kinecheck.render.progress_html import render

        return render(found)
    from kinecheck.render.history_text import progress_text

    return progress_text(found)


COMMANDS: dict[str, Callable[..., Any]] = {"compare": compare, "progress": progress}
