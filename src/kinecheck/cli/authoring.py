"""`kinecheck check` and `kinecheck why`: see what the rules do, before a client does.

A thin shell: the cases are run by `kinecheck.scoring.cases`, the trace is made by
`kinecheck.scoring.trace` and put in words by `kinecheck.render.trace_text`.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from kinecheck.cli.common import TextOrJson, err, friendly_errors
from kinecheck.cli.scoring import QUESTIONNAIRE_ARG
from kinecheck.errors import EXIT_FAILED

if TYPE_CHECKING:
    from kinecheck.scoring.cases import CaseResult, CheckRun, FileResult


TraceFormat = TextOrJson  # text for people, json for scripts (one home: cli.common)


@friendly_errors
def check(
    paths: list[Path] = typer.Argument(
        None,
        metavar="[PATH]...",
        help="Case files, or folders holding a cases/ folder (a rules folder, a clinic's "
        "folder). Default: rules/cases/ of every KINECHECK_PATH folder and of the bundled "
        "rules.",
        show_default=False,
    ),
) -> None:
    """Run the example cases kept beside the rules and compare every outcome with the expected.

    A case is a whole answers file with the outcome it must give: findings, scores, referral
    level and reasons, plan status and plan (format: rules/cases/README.md). Each difference
    is shown with the file and line of the expected value. Exit 0 when every case passes, 1
    when one fails, 2 when a path does not exist.

    Example: kinecheck check ~/clinic/rules/cases/shoulder.yaml
    """
    from kinecheck.scoring.cases import check as run_cases

    outcome = run_cases(paths or None)
    for file in outcome.files:
        _show_file(file)
    _summary(outcome)


def _show_file(file: FileResult) -> None:
    """`ok` and the number of cases, or FAIL and every difference and problem."""
    if file.failed == 0:
        count = len(file.results)
        typer.echo(f"ok   {file.path}: {count} case{'s' if count != 1 else ''}")
        return
    err(f"FAIL {file.path}")
    for problem in file.problems:
        err(f"  {problem}")
    for result in file.results:
        if not result.passed:
            _show_case(result)


def _show_case(result: CaseResult) -> None:
    case = result.case
    err(f"  case {case.name} ({case.where()}): {case.why}")
    for problem in result.problems:
        err(f"    {problem}")
    for difference in result.differences:
        for line in difference.lines():
            err(f"    {line}")


def _summary(outcome: CheckRun) -> None:
    passed, failed = outcome.passed, outcome.failed
    line = f"{passed} case{'s' if passed != 1 else ''} passed"
    if not outcome.files:
        typer.echo("no example cases found (they live in rules/cases/ beside the rules)")
        return
    if failed:
        err(f"{line}, {failed} failed")
        raise typer.Exit(EXIT_FAILED)
    typer.echo(line)


@friendly_errors
def why(
    questionnaire: str = QUESTIONNAIRE_ARG,
    item_id: str | None = typer.Argument(
        None,
        metavar="[ID]",
        help="Only this question, score, finding, referral reason or exercise.",
        show_default=False,
    ),
    answers: str = typer.Option(
        ...,
        "--answers",
        "-a",
        metavar="FILE",
        help="Answers as YAML or JSON (question id: answer). '-' reads standard input.",
    ),
    fmt: TraceFormat = typer.Option(
        TraceFormat.text, "--format", "-f", help="text (for people) or json (for tools)."
    ),
    rules: Path | None = typer.Option(
        None,
        "--rules",
        help="Use this rules file instead of the questionnaire's own.",
        exists=True,
        dir_okay=False,
    ),
) -> None:
    """Explain how the rules turned an answers file into its report.

    Shows each question asked or not, and the condition that decided it with the answers it
    compared; each finding's point rows that held or not, and its caps; each score with the
    items it used and the rule for missing items; each referral reason; the plan status; and
    each exercise with why this variant. Invalid answers are listed as `assess` lists them.

    Example: kinecheck why knee-pain --answers answers.yaml hip_immobility
    """
    from kinecheck import api
    from kinecheck.render import trace_text
    from kinecheck.scoring.answers_files import check_file, read_answers, shown_name
    from kinecheck.scoring.trace import focus, trace

    defs = api.load(questionnaire, rules)
    source = read_answers(answers, keep_duplicates=True)
    checked = check_file(source, answers, lambda data: api.check_answers(defs, data))
    for warning in checked.warnings:
        err(f"warning: {warning}")
    explained = trace(defs, checked.answers, shown_name(answers))
    if item_id is not None:
        explained = focus(explained, item_id)
    if fmt == TraceFormat.json:
        typer.echo(trace_text.render_json(explained), nl=False)
    else:
        width = shutil.get_terminal_size((100, 24)).columns
        typer.echo(trace_text.render(explained, width), nl=False)
