"""`kinecheck validate`, `list` and `exercises`: look at and check the definitions."""

from __future__ import annotations

from pathlib import Path

import typer

from kinecheck.cli.common import err, fail, friendly_errors
from kinecheck.definitions.catalog import DEFAULT_QUESTIONNAIRE
from kinecheck.errors import EXIT_FAILED


@friendly_errors
def validate(
    paths: list[Path] = typer.Argument(
        None,
        metavar="PATH",
        help="Questionnaire, rules or exercise files, or folders of them. "
        "Default: every questionnaire kinecheck can find (bundled and KINECHECK_PATH).",
        show_default=False,
    ),
) -> None:
    """Check definition files: YAML, fields, ids, conditions and cross-references.

    Every problem is listed with its file, line and field. Exit 0 when all is well, 1 when a
    check failed, 2 when a path does not exist.

    Example: kinecheck validate questionnaires/ rules/
    """
    from kinecheck.definitions import catalog
    from kinecheck.definitions.validation import validate_files

    if not paths:
        targets = list(catalog.questionnaire_files().values())
    else:
        missing = [p for p in paths if not p.exists()]
        if missing:
            fail("error: " + "; ".join(f"{p}: no such file or folder" for p in missing))
        targets = list(paths)
    results = validate_files(targets)
    bad = 0
    for path, problems in results.items():
        if problems:
            bad += 1
            err(f"FAIL {path}")
            for p in problems:
                err(f"  {p}")
        else:
            typer.echo(f"ok   {path}")
    if bad:
        err(f"{bad} of {len(results)} file{'s' if len(results) != 1 else ''} failed")
        raise typer.Exit(EXIT_FAILED)
    typer.echo(f"all {len(results)} file{'s' if len(results) != 1 else ''} valid")


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
        DEFAULT_QUESTIONNAIRE, "--questionnaire", "-q", help="Whose exercise library to show."
    ),
) -> None:
    """List the exercise library, or show one exercise in full (variants, dose, steps).

    Example: kinecheck exercises tfl_ball_rolling
    """
    from kinecheck import api
    from kinecheck.errors import did_you_mean
    from kinecheck.render.words import dose_text

    defs = api.load(questionnaire)
    library = defs.library
    by_id = library.by_id()
    if exercise_id is None:
        for ex in library.exercises:
            variants = ", ".join(v.id for v in ex.variants)
            typer.echo(f"{ex.id:<26} {ex.target:<6} {ex.kind:<10} {ex.name} (variants: {variants})")
        return
    ex = by_id.get(exercise_id)
    if ex is None:
        hint = did_you_mean(exercise_id, by_id)
        fail(
            f"error: unknown exercise '{exercise_id}'"
            + (f"; {hint}" if hint else "")
            + f" (known: {', '.join(by_id)})"
        )
    lines = [
        f"{ex.name} ({ex.id})",
        f"Target: {ex.target}, {ex.kind}",
        f"Purpose: {ex.purpose}",
        f"Dose: {dose_text(ex.dose, ex.sides)}",
    ]
    for v in ex.variants:
        needs = ", ".join(v.equipment) or "nothing special"
        lines += ["", f"Variant '{v.id}': {v.name} (needs: {needs})", f"  Set-up: {v.setup}"]
        lines += [f"  {n}. {step}" for n, step in enumerate(v.steps, 1)]
    lines += ["", f"Gone too far: {ex.too_far}", f"Too hard? {ex.easier}"]
    lines += [f"Caution: {c}" for c in ex.cautions] + [f"Note: {n}" for n in ex.notes]
    lines += ["", f"Stop rule: {defs.rules.stop_rule}", "", defs.rules.disclaimer]
    typer.echo("\n".join(lines))
