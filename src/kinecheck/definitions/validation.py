"""Validate definition files of any kind, one report of problems per file."""

from __future__ import annotations

import dataclasses
import errno
import os
from pathlib import Path

from kinecheck.definitions import yamlsource
from kinecheck.definitions.catalog import DEFINITION_SUFFIXES
from kinecheck.definitions.guards import check_model, kind_of, safe_resolve
from kinecheck.definitions.loading import (
    default_rules_path,
    iter_definition_files,
    load_definitions,
)
from kinecheck.definitions.questionnaire import Questionnaire
from kinecheck.definitions.rules import RuleSet
from kinecheck.errors import DefinitionError, InputError, Problem, bounded_suggestions


def validate_files(paths: list[Path]) -> dict[Path, list[Problem]]:
    """Check each file; a questionnaire is checked together with its rules and library.

    Linear in the number of problems: each file's problems are kept in a dict (ordered, and
    a membership test is one hash), and each file a problem names is resolved once.
    """
    files = iter_definition_files(paths)
    found: dict[Path, dict[Problem, None]] = {path: {} for path in files}
    by_resolved = {safe_resolve(path): path for path in files}
    # a problem's file -> the validated file it is (named as the user named it), if any
    named: dict[str, Path | None] = {}
    for path in files:
        with bounded_suggestions():  # a budget per file: "did you mean" stays linear
            problems = _validate_one(path)
        for problem in problems:
            # A questionnaire is checked with its rules (and the rules with it): file each
            # problem under the file it is in, once, so the FAIL line names the file to edit,
            # as the user named it (the rules may reach it by another path).
            owner = path
            if problem.file:
                if problem.file not in named:
                    named[problem.file] = by_resolved.get(safe_resolve(Path(problem.file)))
                same = named[problem.file]
                if same is not None:
                    owner = same
                    if problem.file != str(same):
                        problem = dataclasses.replace(problem, file=str(same))
            found[owner].setdefault(problem)
    return {path: list(problems) for path, problems in found.items()}


def _validate_one(path: Path) -> list[Problem]:
    if _loops(path):
        return [
            Problem(
                "is a symbolic link that loops back on itself",
                file=str(path),
                hint="point it at a real file or remove it",
            )
        ]
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
                "'sections', 'questionnaire' or 'exercises' field)",
                file=str(path),
                line=1,
            )
        ]
    parsed, problems = check_model(model, source)
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


def _loops(path: Path) -> bool:
    """True when `path` is a symbolic link that leads back to itself (directly or not)."""
    try:
        os.stat(path)
    except OSError as exc:
        return exc.errno == errno.ELOOP
    return False


def _questionnaire_for(rules_path: Path, questionnaire_id: str) -> Path | None:
    folder = safe_resolve(rules_path).parent.parent / "questionnaires"
    for ext in DEFINITION_SUFFIXES:
        candidate = folder / f"{questionnaire_id}{ext}"
        if candidate.is_file():
            return candidate
    from kinecheck.definitions import catalog

    return catalog.questionnaire_files().get(questionnaire_id)


__all__ = ["default_rules_path", "validate_files"]
