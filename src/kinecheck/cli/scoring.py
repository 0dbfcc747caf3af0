"""`kinecheck assess`: score an answers file (or a JSON Lines batch) without prompts."""

from __future__ import annotations

import dataclasses
import sys
from enum import StrEnum
from pathlib import Path
from typing import IO, Any

import typer

from kinecheck.cli.common import err, friendly_errors
from kinecheck.errors import EXIT_BAD_INPUT
from kinecheck.render.formats import FORMATS, JSON_LINES

FORMAT_NAMES = tuple(f.name for f in FORMATS)


# --format's choices: the report formats, and JSON Lines for batches (one home: render.formats)
Format = StrEnum("Format", [(name, name) for name in (*FORMAT_NAMES, JSON_LINES)])  # type: ignore[misc]
TEXT = Format("text")


QUESTIONNAIRE_ARG = typer.Argument(
    ...,
    metavar="QUESTIONNAIRE",
    help="Questionnaire id (see `kinecheck list`) or the path of its YAML file.",
)


@friendly_errors
def assess(
    questionnaire: str = QUESTIONNAIRE_ARG,
    answers: str = typer.Option(
        ...,
        "--answers",
        "-a",
        metavar="FILE",
        help="Answers as YAML or JSON (question id: answer). '-' reads standard input. "
        "A .jsonl file holds one answer set per line and gives one JSON report per line.",
    ),
    fmt: Format = typer.Option(
        TEXT,
        "--format",
        "-f",
        help="text (for people), json (the contract), markdown, html; jsonl reads and writes "
        "JSON Lines.",
    ),
    output: Path | None = typer.Option(
        None,
        "--output",
        "-o",
        help="Write the report here (atomically, owner-only) instead of standard output.",
        dir_okay=False,
    ),
    rules: Path | None = typer.Option(
        None,
        "--rules",
        help="Use this rules file instead of the questionnaire's own.",
        exists=True,
        dir_okay=False,
    ),
) -> None:
    """Score an answers file and print the report, asking nothing.

    Invalid answers are all listed on standard error with what is allowed, and nothing is
    written (exit 2).

    Example: kinecheck assess knee-pain --answers answers.yaml --format json -o report.json
    """
    from kinecheck import api
    from kinecheck.errors import AnswersError
    from kinecheck.scoring.answers_files import is_json_lines, read_answers, shown_name

    defs = api.load(questionnaire, rules)
    if fmt.value == JSON_LINES or is_json_lines(answers):
        failed = _batch(defs, answers, output)
        raise typer.Exit(EXIT_BAD_INPUT if failed else 0)
    source = read_answers(answers)
    try:
        checked = api.check_answers(defs, source.data)
    except AnswersError as exc:
        exc.source = shown_name(answers)
        exc.problems = [
            dataclasses.replace(p, line=source.lines.get((p.question,))) for p in exc.problems
        ]
        raise
    for warning in checked.warnings:
        err(f"warning: {warning}")
    report = api.assess(defs, checked.answers)
    _emit(report, fmt.value, output)


def _emit(report: Any, fmt: str, output: Path | None) -> None:
    from kinecheck.fileio import write_atomic
    from kinecheck.render import renderer

    if fmt == "text" and output is None:
        from kinecheck.render import text as plain_text

        if sys.stdout.isatty() or plain_text.wants_colour(sys.stdout):  # FORCE_COLOR
            plain_text.show(report, sys.stdout)
            return
        text = plain_text.render(report, ascii=not plain_text.can_draw_frames(sys.stdout))
    else:
        text = renderer(fmt)(report)
    if output is None:
        sys.stdout.write(text)
    else:
        write_atomic(output, text)
        err(f"report written to {output}")


def _batch(defs: Any, answers: str, output: Path | None) -> int:
    """Stream a JSON Lines batch, one record per line; return how many lines failed."""
    import contextlib
    import os
    import stat

    from kinecheck.errors import InputError
    from kinecheck.fileio import atomic_writer
    from kinecheck.render.jsonout import jsonl_record
    from kinecheck.scoring.answers_files import STDIN
    from kinecheck.scoring.batch import score_lines

    with contextlib.ExitStack() as stack:
        if answers == STDIN:
            source: IO[bytes] = sys.stdin.buffer
        else:
            path = Path(answers)
            if path.is_dir():
                raise InputError(f"{path}: is a directory, expected a file")
            try:
                source = stack.enter_context(path.open("rb"))
            except OSError as exc:
                raise InputError(f"{path}: cannot be read ({exc.strerror})") from None
        sink = stack.enter_context(atomic_writer(output)) if output else sys.stdout.buffer
        # from a pipe or a terminal, each report goes out as soon as its line has arrived
        streaming = not stat.S_ISREG(os.fstat(source.fileno()).st_mode)
        failed = 0
        for result in score_lines(defs, source):
            for warning in result.warnings:
                err(f"warning: line {result.number}: {warning}")
            failed += result.report is None
            sink.write(jsonl_record(result))
            if streaming:
                sink.flush()
    if failed:
        err(
            f"error: {failed} line{'s' if failed != 1 else ''} had invalid answers "
            '(see the {"line": N, "errors": [...]} records)'
        )
    return failed
