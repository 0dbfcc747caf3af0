"""`kinecheck take`: the interactive quiz, then the report (the work: kinecheck.quiz.taking)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import typer

from kinecheck.cli.common import fail, friendly_errors
from kinecheck.definitions.defaults import default_questionnaire


def plain_wanted(flag: bool) -> bool:
    """--plain, or an environment that asks for it (ACCESSIBLE, TERM=dumb, KINECHECK_PLAIN=1)."""
    env = os.environ
    return (
        flag
        or bool(env.get("ACCESSIBLE"))
        or env.get("TERM") == "dumb"
        or env.get("KINECHECK_PLAIN") == "1"
    )


def has_terminal() -> bool:
    """True when both standard input and output are a terminal (the prompts need both)."""
    try:
        return sys.stdin.isatty() and sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


@friendly_errors
def take(
    questionnaire: str = typer.Argument(
        default_questionnaire(), metavar="QUESTIONNAIRE", help="Questionnaire id or path."
    ),
    resume: bool = typer.Option(
        False, "--resume", help="Continue the quiz you stopped (Ctrl-C) at its first open question."
    ),
    plain: bool = typer.Option(
        False,
        "--plain",
        help="Line-by-line prompts for screen readers and pipes: numbered choices, no colour or "
        "redraws. Also on when ACCESSIBLE is set, TERM=dumb or KINECHECK_PLAIN=1.",
    ),
    answers: Path | None = typer.Option(
        None,
        "--answers",
        "-a",
        metavar="FILE",
        help="Pre-fill answers from a YAML or JSON file; only the missing questions are asked.",
        dir_okay=False,
    ),
    save: Path | None = typer.Option(
        None,
        "--save",
        metavar="PATH",
        help="Save the report here without asking; .md, .html, .json or .txt picks the format. "
        "Written atomically, readable only by you. An existing file is kept (exit 2) unless "
        "--force; the folder must exist. Both are checked before the first question.",
        dir_okay=False,
    ),
    force: bool = typer.Option(
        False, "--force", help="Let --save replace an existing file (never done without it)."
    ),
    forget: bool = typer.Option(
        False, "--forget", help="Delete the saved, unfinished quiz (your answers so far) and exit."
    ),
) -> None:
    """Answer a questionnaire interactively, then see your report.

    Up/Down and Enter answer, Space ticks boxes, Left arrow goes back, Ctrl-C stops and saves
    your answers (continue with --resume). Before the report you can review and change any
    answer. Nothing is sent anywhere.

    Example: kinecheck take --save my-report.md   (screen reader or script: kinecheck take --plain)
    """
    if forget:
        _forget(questionnaire)
        return
    use_plain = plain_wanted(plain)
    if not use_plain and not has_terminal():
        fail(
            "error: `kinecheck take` needs a terminal; use `kinecheck take --plain` to answer "
            f"line by line over a pipe, or `kinecheck assess {questionnaire} --answers FILE`."
        )
    if use_plain:
        from kinecheck.quiz import taking
        from kinecheck.quiz.plain import PlainAsker

        options = taking.Options(questionnaire, use_plain, resume, answers, save, force)
        raise typer.Exit(taking.take(options, PlainAsker()))
    from kinecheck.quiz import taking
    from kinecheck.quiz.prompting import TerminalAsker

    options = taking.Options(questionnaire, use_plain, resume, answers, save, force)
    raise typer.Exit(taking.take(options, TerminalAsker()))


def _forget(questionnaire: str) -> None:
    """Delete the saved session of a questionnaire (named by id, or by path)."""
    from kinecheck.definitions import catalog
    from kinecheck.quiz import sessions

    qid = questionnaire
    if catalog.looks_like_path(questionnaire):
        from kinecheck import api

        qid = api.load(questionnaire).questionnaire.id
    try:
        deleted = sessions.delete(qid)  # and copies that a killed save left behind
    except OSError as exc:
        reason = (exc.strerror or str(exc)).lower()
        fail(f"error: {sessions.session_path(qid)}: cannot be deleted ({reason})")
    if not deleted:
        typer.echo(f"No saved answers for {qid}; nothing to delete.")
        return
    typer.echo(f"Deleted your saved answers for {qid}.")
