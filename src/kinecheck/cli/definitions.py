"""`kinecheck validate`, `list` and `exercises`: look at and check the definitions."""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from kinecheck.cli.common import TextOrJson, err, fail, friendly_errors
from kinecheck.definitions.defaults import default_questionnaire
from kinecheck.errors import EXIT_FAILED

if TYPE_CHECKING:
    from kinecheck.definitions.exercises import Exercise
    from kinecheck.definitions.rules import RuleSet
    from kinecheck.definitions.validation import Skipped
    from kinecheck.errors import Problem
    from kinecheck.render.layout import Layout


ProblemFormat = TextOrJson  # text for people, json for scripts (one home: cli.common)


@friendly_errors
def validate(
    paths: list[Path] = typer.Argument(
        None,
        metavar="[PATH]...",
        help="Questionnaire, rules or exercise files, or folders of them. "
        "Default: every questionnaire kinecheck can find (bundled and KINECHECK_PATH).",
        show_default=False,
    ),
    strict: bool = typer.Option(
        False, "--strict", help="Fail (exit 1) on warnings too, not only on errors."
    ),
    fmt: ProblemFormat = typer.Option(
        ProblemFormat.text,
        "--format",
        "-f",
        help="text (for people) or json (for editors and tools: a list of problems, each "
        "with file, line, field, severity, message and hint).",
    ),
) -> None:
    """Check definition files: YAML, fields, ids and conditions, then what the rules can do.

    Every problem is listed with its file, line and field, what is wrong and how to fix it.
    Errors make the check fail. Warnings (a rule that always fires, a finding with no
    exercise, an exercise never used...) are listed apart and fail only with --strict.
    Folders are searched for definitions; example cases in cases/ folders and answers files
    found beside the definitions are skipped, and listed as skipped.

    Exit 0 when all is well, 1 when a check failed, 2 when a path does not exist.

    Example: kinecheck validate --strict questionnaires/ rules/
    """
    from kinecheck.definitions import catalog
    from kinecheck.definitions.validation import validate as check

    if not paths:
        targets = list(catalog.questionnaire_files().values())
    else:
        # a link that loops or leads nowhere is there all the same: validate reports it
        missing = [p for p in paths if not os.path.lexists(p)]
        if missing:
            fail("error: " + "; ".join(f"{p}: no such file or folder" for p in missing))
        targets = list(paths)
    checked = check(targets)
    if fmt == ProblemFormat.json:
        failed = _json_report(checked.results, strict)
    else:
        failed = _text_report(checked.results, strict)
        _skipped_report(checked.skipped)
    if failed:
        raise typer.Exit(EXIT_FAILED)


def _text_report(results: dict[Path, list[Problem]], strict: bool) -> int:
    """Each file's status, errors, then warnings apart; the number of files failed."""
    failed = warned = 0
    for path, problems in results.items():
        errors = [p for p in problems if p.severity == "error"]
        warnings = [p for p in problems if p.severity == "warning"]
        warned += len(warnings)
        if errors or (strict and warnings):
            failed += 1
            err(f"FAIL {path}" + ("" if errors else " (warnings fail with --strict)"))
            for p in errors:
                err(f"  {p}")
        else:
            typer.echo(
                f"ok   {path}" + (f" ({_count(len(warnings), 'warning')})" if warnings else "")
            )
        if warnings:
            err(f"WARN {path}")
            for p in warnings:
                err(f"  warning: {p}")
    total = _count(len(results), "file")
    also = f", {_count(warned, 'warning')}" if warned else ""
    if failed:
        err(f"{failed} of {total} failed{also}")
    else:
        typer.echo(f"all {total} valid{also}")
    return failed


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


def _json_report(results: dict[Path, list[Problem]], strict: bool) -> int:
    """Every problem as a JSON list, for editors; the number of files failed."""
    import json

    listed = [
        {
            "file": p.file or str(path),
            "line": p.line,
            "field": p.field,
            "severity": p.severity,
            "message": p.message,
            "hint": p.hint,
        }
        for path, problems in results.items()
        for p in problems
    ]
    typer.echo(json.dumps(listed, indent=2, ensure_ascii=False))
    failing = ("error", "warning") if strict else ("error",)
    return sum(any(p.severity in failing for p in ps) for ps in results.values())


def _skipped_report(skipped: Sequence[Skipped]) -> None:
    """Files found in folders that hold no definitions: what each is, and what checks it."""
    cases: dict[Path, int] = {}
    for s in skipped:
        if s.what == "example cases":
            cases[s.path.parent] = cases.get(s.path.parent, 0) + 1
        else:
            err(
                f"skip {s.path}: {s.what}, not a definition "
                "(`kinecheck assess QUESTIONNAIRE --answers FILE` checks it)"
            )
    for folder, n in cases.items():
        err(
            f"skip {folder}{os.sep} ({_count(n, 'file')}): example cases, not definitions "
            "(`kinecheck check` runs them)"
        )


@friendly_errors
def list_questionnaires() -> None:
    """List the questionnaires you can take, with title and version.

    Shows the bundled ones and those in KINECHECK_PATH folders (questionnaires/ + rules/).

    Example: KINECHECK_PATH=~/clinic kinecheck list
    """
    from kinecheck.definitions import catalog
    from kinecheck.definitions.model_errors import validate_model
    from kinecheck.definitions.questionnaire import Questionnaire
    from kinecheck.definitions.yamlsource import load
    from kinecheck.errors import KinecheckError

    for qid, path in catalog.questionnaire_files().items():
        try:
            q, _ = validate_model(Questionnaire, load(path))
        except KinecheckError:
            q = None
        if q is None:
            typer.echo(f"{qid:<20} (invalid: run `kinecheck validate {path}`)")
            continue
        typer.echo(f"{q.id:<20} {q.version:<8} {q.title}")


@friendly_errors
def exercises(
    exercise_id: str = typer.Argument(None, metavar="ID", help="Show this exercise in full."),
    questionnaire: str = typer.Option(
        default_questionnaire(), "--questionnaire", "-q", help="Whose exercise library to show."
    ),
) -> None:
    """List the exercise library, or show one exercise in full (variants, dose, steps).

    Lines wrap at the terminal's width (COLUMNS, or 80 when the output is not a terminal).

    Example: kinecheck exercises tfl_ball_rolling
    """
    from kinecheck import api
    from kinecheck.errors import did_you_mean
    from kinecheck.render.layout import Layout

    defs = api.load(questionnaire)
    library = defs.library
    if library is None:
        fail(f"error: {defs.questionnaire.id} has no exercise library")
    by_id = library.by_id()
    out = Layout(max(shutil.get_terminal_size((80, 24)).columns, 20))
    if exercise_id is None:
        _library_table(library.exercises, out)
        typer.echo(out.text(), nl=False)
        return
    ex = by_id.get(exercise_id)
    if ex is None:
        hint = did_you_mean(exercise_id, by_id)
        fail(
            f"error: unknown exercise '{exercise_id}'"
            + (f"; {hint}" if hint else "")
            + f" (known: {', '.join(by_id)})"
        )
    _exercise_in_full(ex, defs.rules, out)
    typer.echo(out.text(), nl=False)


NARROWEST_NAME = 25  # below this many columns for the names, the list stacks its columns
_COLUMNS = ("id", "target", "kind")


def _library_table(rows: Sequence[Exercise], out: Layout) -> None:
    """One exercise a line: id, target, kind, then its name and variants, wrapped under the name.

    Columns are as wide as their widest entry, so a wide terminal keeps every exercise on one
    line; a narrow one puts the name and variants on indented lines under the id instead.
    """
    from kinecheck.render.layout import cells

    widths = [max((cells(str(getattr(ex, f))) for ex in rows), default=0) for f in _COLUMNS]
    heads, names = [], []
    for ex in rows:
        cols = [str(getattr(ex, f)) for f in _COLUMNS]
        heads.append(" ".join(c + " " * (w - cells(c)) for c, w in zip(cols, widths, strict=True)))
        names.append(f"{ex.name} (variants: {', '.join(v.id for v in ex.variants)})")
    if out.width - sum(widths) - len(widths) >= NARROWEST_NAME:
        out.items(zip(heads, names, strict=True))
        return
    for ex, name in zip(rows, names, strict=True):
        out.para(f"{ex.id} ({ex.target}, {ex.kind})")
        out.para(name, 4)


def _exercise_in_full(ex: Exercise, rules: RuleSet, out: Layout) -> None:
    """Every part of one exercise; a label's text and a step's words hang under themselves."""
    from kinecheck.render.words import dose_text

    def labelled(label: str, text: str, indent: int = 0) -> None:
        out.items([(label, text)], indent)

    out.para(f"{ex.name} ({ex.id})")
    labelled("Target:", f"{ex.target}, {ex.kind}")
    labelled("Purpose:", ex.purpose)
    labelled("Dose:", dose_text(ex.dose, ex.sides))
    for v in ex.variants:
        needs = ", ".join(v.equipment) or "nothing special"
        out.blank()
        labelled(f"Variant '{v.id}':", f"{v.name} (needs: {needs})")
        labelled("Set-up:", v.setup, 2)
        out.items(((f"{n}.", step) for n, step in enumerate(v.steps, 1)), 2)
    out.blank()
    labelled("Gone too far:", ex.too_far)
    labelled("Too hard?", ex.easier)
    for caution in ex.cautions:
        labelled("Caution:", caution)
    for note in ex.notes:
        labelled("Note:", note)
    out.blank()
    if rules.stop_rule:
        labelled("Stop rule:", rules.stop_rule)
        out.blank()
    out.para(rules.disclaimer)
