"""`kinecheck clinic sessions | report | note | override`: a client's sessions and the handover.

A thin shell: the work is in kinecheck.clinic.session_list, .handover and .notes, and the
handover's formats in kinecheck.render.handover(_html). Like every command module this one
imports typer and kinecheck.cli only; the database code loads inside the command that runs.
"""

from __future__ import annotations

import os
import sys
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
from kinecheck.cli.clinic_display import NONE, local_time, print_table, safe
from kinecheck.cli.common import err, friendly_errors
from kinecheck.cli.scoring import FORMAT_NAMES, output_format

if TYPE_CHECKING:
    from kinecheck.clinic.session_list import SessionLine

ReportFormat = StrEnum("ReportFormat", [(name, name) for name in FORMAT_NAMES])  # type: ignore[misc]
"""--format of `clinic report`: the report formats (one home: kinecheck.render.formats)."""

SESSION_ARG = typer.Argument(
    ..., metavar="SESSION", help="The session's number, as `kinecheck clinic sessions` shows it."
)


@friendly_errors
def sessions(
    client: int = typer.Argument(
        ..., metavar="CLIENT", help="The client's number (`kinecheck clinic client list`)."
    ),
    fmt: ListFormat = FORMAT_OPTION,
    db: str | None = DB_OPTION,
    clinician: str | None = CLINICIAN_OPTION,
) -> None:
    """List a client's sessions in time order, oldest first: one line each.

    Each line gives the date (completed, or started for one in progress), the session
    number, the questionnaire and its version, the status, the referral level, the findings
    with their levels and the scores. Use the session number with `kinecheck clinic
    report`. The read is written to the audit log.

    Example: kinecheck clinic sessions 12
    """
    from kinecheck.clinic.session_list import sessions_of

    with opened(db, clinician) as store, store.transaction() as tx:
        listed = sessions_of(tx, store.actor, client)
    if fmt == ListFormat.json:
        print_json(
            {
                "client": listed.client,
                "name": listed.name,
                "sessions": [s.as_json() for s in listed.sessions],
            }
        )
        return
    if not listed.sessions:
        typer.echo(
            f"{safe(listed.name)} (client {listed.client}) has no sessions yet; start one with "
            f"`kinecheck clinic intake {listed.client}`"
        )
        return
    typer.echo(f"Sessions of {safe(listed.name)} (client {listed.client}), oldest first:")
    print_table(SESSION_COLUMNS, [_session_row(line) for line in listed.sessions])


SESSION_COLUMNS = ("Date", "Session", "Questionnaire", "Status", "Referral", "Findings", "Scores")


def _session_row(s: SessionLine) -> tuple[str, ...]:
    """A session as a row of SESSION_COLUMNS: what was found, scored and advised, in brief."""
    from kinecheck.numbers import number_text

    findings = scores = NONE
    if s.findings:
        findings = ", ".join(f"{f.title} ({f.level})" for f in s.findings)
    if s.scores:
        scores = ", ".join(
            f"{score.title} "
            + (
                "not scored"
                if score.value is None
                else f"{number_text(score.value)} / {number_text(score.max)}"
            )
            + (f" ({score.band})" if score.band else "")
            for score in s.scores
        )
    return (
        local_time(s.finished or s.started),
        str(s.id),
        f"{s.questionnaire} {s.version}",
        s.status.replace("_", " "),
        s.referral or NONE,
        findings,
        scores,
    )


@friendly_errors
def report(
    session: int = SESSION_ARG,
    fmt: ReportFormat | None = typer.Option(
        None,
        "--format",
        "-f",
        help="text (default on screen), markdown, html (prints on A4 and Letter) or json. "
        "Default: what the --output suffix names, else text.",
        show_default=False,
    ),
    output: Path | None = typer.Option(
        None,
        "--output",
        "-o",
        help="Write the report here (owner-only) instead of the screen. The suffix picks the "
        "format (.html, .md, .json, .txt) unless --format is given. The folder must exist.",
        dir_okay=False,
    ),
    force: bool = typer.Option(
        False, "--force", help="Replace the --output file if it exists (never done without it)."
    ),
    db: str | None = DB_OPTION,
    clinician: str | None = CLINICIAN_OPTION,
) -> None:
    """Show or write the report of a completed session, to hand over or keep.

    The report as it was scored when the session was completed, headed by the client's name,
    the date, the questionnaire and the clinician; then the clinician's overrides (beside
    the level the rules computed, which stays shown) and notes, and the change since the
    client's previous completed session, each change judged against its smallest real
    change. The HTML prints cleanly on A4 and Letter. The read is written to the audit log.

    Example: kinecheck clinic report 7 --output ana-2026-12-03.html
    """
    from kinecheck.clinic.handover import gather
    from kinecheck.errors import InputError
    from kinecheck.fileio import check_target, write_atomic
    from kinecheck.render.handover import renderer, show

    chosen = output_format(fmt.value if fmt else None, output)
    if output is not None:  # before the database is opened, so a refusal costs nothing
        check_target(output, replace=force)
    elif force:
        raise InputError("--force only applies to --output PATH")
    with opened(db, clinician) as store, store.transaction() as tx:
        handover = gather(tx, store.actor, session, fmt=chosen)
    if output is not None:
        write_atomic(output, renderer(chosen)(handover), replace=force)
        err(f"report written to {output}")
        return
    if chosen == "text":
        from kinecheck.render import text

        if sys.stdout.isatty() or text.wants_colour(sys.stdout):
            show(handover, sys.stdout)
            return
        from kinecheck.render.handover import render_text

        sys.stdout.write(
            render_text(handover, width=_columns(), ascii=not text.can_draw_frames(sys.stdout))
        )
        return
    sys.stdout.write(renderer(chosen)(handover))


def _columns() -> int:
    """The width for text on a pipe: COLUMNS when usable (40 to 100), else 80."""
    try:
        width = int(os.environ.get("COLUMNS", "") or 80)
    except ValueError:
        width = 80
    return min(width, 100) if width >= 40 else 80


@friendly_errors
def note(
    session: int = SESSION_ARG,
    text: str = typer.Argument(
        ..., metavar="TEXT", help="The note, in quotes. Kept as written, beside the report."
    ),
    fmt: ListFormat = FORMAT_OPTION,
    db: str | None = DB_OPTION,
    clinician: str | None = CLINICIAN_OPTION,
) -> None:
    """Add your note to a completed session; reports show it as the clinician's.

    Notes are kept beside the computed report and never change it. The audit log records
    that a note was added, by whom and when, but not its text.

    Example: kinecheck clinic note 7 'Pain worse on stairs since the new job.'
    """
    from kinecheck.clinic.notes import add_note
    from kinecheck.clinic.sessions import get_session

    with opened(db, clinician) as store, store.transaction() as tx:
        added = add_note(tx, store.actor, get_session(tx, session), text)
    if fmt == ListFormat.json:
        print_json(
            {
                "note": added.id,
                "session": session,
                "clinician": added.clinician,
                "at": added.at.isoformat(),
            }
        )
    else:
        typer.echo(f"note {added.id} added to session {session} by {added.clinician}")


@friendly_errors
def override(
    session: int = SESSION_ARG,
    finding: str = typer.Argument(
        ..., metavar="FINDING", help="The finding's id in the session's rules."
    ),
    level: str = typer.Argument(
        ..., metavar="LEVEL", help="likely, possible or not_present (the finding is absent)."
    ),
    reason: str = typer.Option(
        ..., "--reason", metavar="TEXT", help="Why (required): shown beside your level."
    ),
    fmt: ListFormat = FORMAT_OPTION,
    db: str | None = DB_OPTION,
    clinician: str | None = CLINICIAN_OPTION,
) -> None:
    """Set your own level for a finding of a completed session, with the reason.

    The level the rules computed is kept and stays shown: reports put yours beside it, as
    the clinician's. FINDING is the id of any finding the session's rules define, found
    or not (a wrong id is refused with the list of them). LEVEL is one of the rules'
    finding levels, likely or possible, or not_present to say the finding is absent. A
    later override of the same finding is shown after the earlier one; both are kept. The
    audit log records the finding and level, not the reason.

    Example: kinecheck clinic override 7 hip_immobility possible --reason 'Thomas test normal'
    """
    from kinecheck.clinic.notes import add_override
    from kinecheck.clinic.sessions import get_session

    with opened(db, clinician) as store, store.transaction() as tx:
        added = add_override(tx, store.actor, get_session(tx, session), finding, level, reason)
    if fmt == ListFormat.json:
        print_json(
            {
                "override": added.id,
                "session": session,
                "finding": added.finding,
                "level": added.level,
                "clinician": added.clinician,
                "at": added.at.isoformat(),
            }
        )
    else:
        typer.echo(
            f"override {added.id} added to session {session}: {added.finding} "
            f"{added.level.replace('_', ' ')}, by {added.clinician}"
        )


COMMANDS: dict[str, Callable[..., Any]] = {
    "sessions": sessions,
    "report": report,
    "note": note,
    "override": override,
}
