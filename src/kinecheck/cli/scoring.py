"""`kinecheck assess`: score an answers file (or a JSON Lines batch) without prompts."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import IO, Any

import typer

from kinecheck.cli.common import err, friendly_errors
from kinecheck.errors import EXIT_BAD_INPUT, InputError
from kinecheck.render.formats import BY_NAME, FORMAT_BY_SUFFIX, FORMATS, JSON_LINES

FORMAT_NAMES = tuple(f.name for f in FORMATS)


# --format's choices: the report formats, and JSON Lines for batches (one home: render.formats)
Format = StrEnum("Format", [(name, name) for name in (*FORMAT_NAMES, JSON_LINES)])  # type: ignore[misc]


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
    fmt: Format | None = typer.Option(
        None,
        "--format",
        "-f",
        help="text (for people), json (the contract), markdown, html; jsonl reads and writes "
        "JSON Lines. Default: what the --output suffix names, else text.",
        show_default=False,
    ),
    output: Path | None = typer.Option(
        None,
        "--output",
        "-o",
        help="Write the report here (atomically, owner-only) instead of standard output. The "
        "suffix picks the format (.json, .md, .html, .txt; any other suffix: text) unless "
        "--format is given, and must not contradict it. The folder must exist.",
        dir_okay=False,
    ),
    force: bool = typer.Option(
        False, "--force", help="Replace the --output file if it exists (never done without it)."
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
    written (exit 2). --output never replaces a file without --force and never creates a
    folder.

    Example: kinecheck assess knee-pain --answers answers.yaml -o report.json   (JSON, from
    the suffix)
    """
    from kinecheck import api
    from kinecheck.scoring.answers_files import check_file, is_json_lines, read_answers

    batch = fmt == Format(JSON_LINES) or is_json_lines(answers)
    chosen = JSON_LINES if batch else output_format(fmt.value if fmt else None, output)
    if output is not None:  # before any work, so a refusal costs nothing
        from kinecheck.fileio import check_target

        check_target(output, replace=force)
    elif force:
        raise InputError("--force only applies to --output PATH")
    defs = api.load(questionnaire, rules)
    if batch:
        failed = _batch(defs, answers, output, replace=force)
        raise typer.Exit(EXIT_BAD_INPUT if failed else 0)
    source = read_answers(answers, keep_duplicates=True)
    checked = check_file(source, answers, lambda data: api.check_answers(defs, data))
    for warning in checked.warnings:
        err(f"warning: {warning}")
    report = api.assess(defs, checked.answers)
    _emit(report, chosen, output, replace=force)


def output_format(given: str | None, output: Path | None) -> str:
    """The report format: --format, else the one the --output suffix names, else text.

    A suffix that names another format than --format is refused: `-f json -o report.html`
    would leave JSON in a file every browser opens as a page, a mistake found only later.
    """
    named = FORMAT_BY_SUFFIX.get(output.suffix.lower()) if output is not None else None
    if given is None:
        return named or "text"
    if named is not None and named != given and output is not None:
        raise InputError(
            f"--format {given} contradicts the name {output}, whose suffix "
            f"{output.suffix} means {named}; drop --format, or end the name in "
            f"{BY_NAME[given].suffix}"
        )
    return given


def _emit(report: Any, fmt: str, output: Path | None, *, replace: bool) -> None:
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
        write_atomic(output, text, replace=replace)
        err(f"report written to {output}")


def _batch(defs: Any, answers: str, output: Path | None, *, replace: bool) -> int:
    """Stream a JSON Lines batch, one record per line; return how many lines failed."""
    import contextlib
    import os
    import stat

    from kinecheck.definitions.yamlsource import open_regular
    from kinecheck.fileio import atomic_writer
    from kinecheck.render.jsonout import jsonl_record
    from kinecheck.scoring.answers_files import STDIN
    from kinecheck.scoring.batch import read_lines, score_lines

    with contextlib.ExitStack() as stack:
        if answers == STDIN:
            source: IO[bytes] = sys.stdin.buffer
        else:  # a regular file: a FIFO or a device would block or never end (use -)
            source = stack.enter_context(open_regular(Path(answers)))
        sink = (
            stack.enter_context(atomic_writer(output, replace=replace))
            if output
            else sys.stdout.buffer
        )
        # from a pipe or a terminal, each report goes out as soon as its line has arrived
        streaming = not stat.S_ISREG(os.fstat(source.fileno()).st_mode)
        failed = 0
        for result in score_lines(defs, read_lines(source)):
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
