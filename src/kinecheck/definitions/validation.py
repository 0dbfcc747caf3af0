"""Validate definition files of any kind, one report of problems per file."""

from __future__ import annotations

from pathlib import Path

from kinecheck.definitions import yamlsource
from kinecheck.definitions.catalog import DEFINITION_SUFFIXES
from kinecheck.definitions.loading import (
    default_rules_path,
    iter_definition_files,
    kind_of,
    load_definitions,
)
from kinecheck.definitions.model_errors import validate_model
from kinecheck.definitions.questionnaire import Questionnaire
from kinecheck.definitions.rules import RuleSet
from kinecheck.errors import DefinitionError, InputError, Problem


def validate_files(paths: list[Path]) -> dict[Path, list[Problem]]:
    """Check each file; a questionnaire is checked together with its rules and library."""
    files = iter_definition_files(paths)
    results: dict[Path, list[Problem]] = {path: [] for path in files}
    by_resolved = {path.resolve(): path for path in files}
    for path in files:
        for problem in _validate_one(path):
            # A questionnaire is checked with its rules (and the rules with it): file each
            # problem under the file it is in, once, so the FAIL line names the file to edit.
            named = Path(problem.file).resolve() if problem.file else None
            owner = by_resolved.get(named, path) if named else path
            if problem not in results[owner]:
                results[owner].append(problem)
    return results


def _validate_one(path: Path) -> list[Problem]:
    try:
        source = yamlsource.load(path)
    except DefinitionError as exc:
        return exc.problems
    except InputError as exc:
        return [Problem(str(exc))]
    model = kind_of(source.data)
    if model is None:
        return [
            Problem(
                "not a questionnaire, rules or exercise library (expected a top-level "
                "'sections', 'findings' or 'exercises' field)",
                file=str(path),
                line=1,
            )
        ]
    parsed, problems = validate_model(model, source)
    if problems or parsed is None:
        return problems
    if isinstance(parsed, Questionnaire):
        return _check(path, None)
    if isinstance(parsed, RuleSet):
        q_path = _questionnaire_for(path, parsed.questionnaire)
        if q_path is None:
            return [
                source.problem(
                    ("questionnaire",),
                    f"cannot find questionnaire '{parsed.questionnaire}' for these rules",
                    "keep it at ../questionnaires/<id>.yaml beside the rules folder",
                )
            ]
        return _check(q_path, path)
    return []


def _check(q_path: Path, rules_path: Path | None) -> list[Problem]:
    try:
        load_definitions(q_path, rules_path, cache=False)  # validate reads the files, always
    except DefinitionError as exc:
        return exc.problems
    except InputError as exc:
        return [Problem(str(exc))]
    return []


def _questionnaire_for(rules_path: Path, questionnaire_id: str) -> Path | None:
    folder = rules_path.resolve().parent.parent / "questionnaires"
    for ext in DEFINITION_SUFFIXES:
        candidate = folder / f"{questionnaire_id}{ext}"
        if candidate.is_file():
            return candidate
    from kinecheck.definitions import catalog

    return catalog.questionnaire_files().get(questionnaire_id)


__all__ = ["default_rules_path", "validate_files"]
