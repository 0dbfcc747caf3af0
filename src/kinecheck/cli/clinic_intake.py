"""`kinecheck clinic intake`: the quiz for a client, each answer stored as it is given.

The work is in kinecheck.clinic.intake; this is the typer shell: options, and the choice of
front end (terminal prompts or `--plain` lines), made the same way as `kinecheck take`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer

from kinecheck.cli.clinic_common import CLINICIAN_OPTION, DB_OPTION
from kinecheck.cli.common import fail, friendly_errors
from kinecheck.cli.take import has_terminal, plain_wanted


@friendly_errors
def intake(
    client: int = typer.Argument(
        ..., metavar="CLIENT", help="The client's number (`kinecheck clinic client list`)."
    ),
    questionnaire: str | None = typer.Argument(
        None,
        metavar="[QUESTIONNAIRE]",
        help="Questionnaire id or path (default: the one `kinecheck take` asks).",
        show_default=False,
    ),
    answers: Path | None = typer.Option(
        None,
        "--answers",
        "-a",
        metavar="FILE",
        help="Pre-fill answers from a YAML or JSON file (stored at once); only the missing "
        "questions are asked. A wrong answer stops here, before anything is stored.",
        dir_okay=False,
    ),
    resume: bool = typer.Option(
        False,
        "--resume",
        help="Continue the client's unfinished intake of this questionnaire (stopped, closed "
        "or killed) at its first open question.",
    ),
    plain: bool = typer.Option(
        False,
        "--plain",
        help="Line-by-line prompts for screen readers and pipes: numbered choices, no colour or "
        "redraws. Also on when ACCESSIBLE is set, TERM=dumb or KINECHECK_PLAIN=1.",
    ),
    db: str | None = DB_OPTION,
    clinician: str | None = CLINICIAN_OPTION,
) -> None:
    """Run the questionnaire with a client, storing each answer the moment it is given.

    The same quiz as `kinecheck take`, in the client's record: Up/Down and Enter answer,
    Left arrow goes back, and before the report every answer can be reviewed and changed.
    Ctrl-C, a closed window or a crash lose nothing: the session stays in progress and
    --resume continues it. At the end the scored session is stored and its report shown;
    `kinecheck clinic report SESSION` prints it to hand over.

    Example: kinecheck clinic intake 12   (stopped? kinecheck clinic intake 12 --resume)
    """
    from kinecheck.clinic import intake as work

    use_plain = plain_wanted(plain)
    options = work.IntakeOptions(client, questionnaire, answers, resume, use_plain, db, clinician)
    work.check_options(options)
    if not use_plain and not has_terminal():
        fail(
            "error: `kinecheck clinic intake` needs a terminal; use `kinecheck clinic intake "
            f"{client} --plain` to answer line by line over a pipe, or `kinecheck clinic intake "
            f"{client} --answers FILE --plain` to store a complete answers file."
        )
    if use_plain:
        from kinecheck.quiz.plain import PlainAsker

        raise typer.Exit(work.intake(options, PlainAsker()))
    from kinecheck.quiz.prompting import TerminalAsker

    raise typer.Exit(work.intake(options, TerminalAsker()))


COMMANDS: dict[str, Callable[..., Any]] = {"intake": intake}
