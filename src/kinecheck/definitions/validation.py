"""Validate definition files of any kind, one report of problems per file.

A questionnaire is checked together with its rules and exercise library, and then linted
(`kinecheck.definitions.lint`): its problems carry a severity, warnings apart from errors.
Folders are searched for definition files; the example cases kept in `cases/` folders and
answers files found beside the definitions are skipped, and said to be.
"""

from __future__ import annotations

import dataclasses
import errno
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from kinecheck.definitions import yamlsource
from kinecheck.definitions.catalog import CASES_FOLDER, DEFINITION_SUFFIXES
from kinecheck.definitions.guards import check_model, kind_of, safe_resolve
from kinecheck.definitions.loading import default_rules_path, load_definitions
from kinecheck.definitions.questionnaire import Questionnaire
from kinecheck.definitions.rules import RuleSet
from kinecheck.errors import DefinitionError, InputError, Problem, bounded_suggestions

Found = Literal["cases", "folder"]  # where a file was found in a folder named
_ANSWER_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_NOT_ANSWERS = frozenset({"id", "title", "version", "cases"})  # what definitions and cases hold
_SCALARS = (str, int, float, bool, type(None))


@dataclass(frozen=True)
class Skipped:
    """A file found in a folder that is not a definition, and what it is instead."""

    path: Path
    what: str  # "example cases" or "an answers file"


@dataclass
class Validation:
    """Every file checked with its problems (errors and warnings), and the files skipped."""

    results: dict[Path, list[Problem]] = field(default_factory=dict)
    skipped: list[Skipped] = field(default_factory=list)


def validate_files(paths: list[Path]) -> dict[Path, list[Problem]]:
    """Each file's problems, errors and warnings (see `validate`)."""
    return validate(paths).results


def validate(paths: list[Path]) -> Validation:
    """Check each file; a questionnaire is checked together with its rules and library.

    Linear in the number of problems: each file's problems are kept in a dict (ordered, and
    a membership test is one hash), and each file a problem names is resolved once.
    """
    files, in_folders = _discover(paths)
    out = Validation()
    checked: list[tuple[Path, list[Problem]]] = []
    for path in files:
        with bounded_suggestions():  # a budget per file: "did you mean" stays linear
            problems, skipped = _validate_one(path, in_folders.get(path))
        if skipped is None:
            checked.append((path, problems))
        else:
            out.skipped.append(skipped)
    found: dict[Path, dict[Problem, None]] = {path: {} for path, _ in checked}
    by_resolved = {safe_resolve(path): path for path in found}
    # a problem's file -> the validated file it is (named as the user named it), if any
    named: dict[str, Path | None] = {}
    for path, problems in checked:
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
    out.results = {path: list(problems) for path, problems in found.items()}
    return out


def _discover(paths: list[Path]) -> tuple[list[Path], dict[Path, Found]]:
    """Files named, and YAML/JSON files inside folders named (sorted, recursive).

    Also where each file found in a folder was found: in a `cases/` folder (below the folder
    named, or the folder named is one) or not. Those may be skipped; files named never are.
    """
    out: list[Path] = []
    found_in: dict[Path, Found] = {}
    for path in paths:
        if not path.is_dir():
            out.append(path)
            continue
        all_cases = safe_resolve(path).name == CASES_FOLDER
        for p in sorted(p for p in path.rglob("*") if p.suffix in DEFINITION_SUFFIXES):
            out.append(p)
            cases = all_cases or CASES_FOLDER in p.relative_to(path).parts[:-1]
            found_in[p] = "cases" if cases else "folder"
    return out, found_in


def _validate_one(path: Path, found_in: Found | None) -> tuple[list[Problem], Skipped | None]:
    """A file's problems; or why it was skipped, if it was found in a folder (`found_in`)."""
    in_folder = found_in is not None
    if found_in == "cases":
        return [], Skipped(path, "example cases")
    if _loops(path):
        return [
            Problem(
                "is a symbolic link that loops back on itself",
                file=str(path),
                hint="point it at a real file or remove it",
            )
        ], None
    try:
        source = yamlsource.load(path)
    except DefinitionError as exc:
        return exc.problems, None
    except InputError as exc:
        return [Problem(str(exc))], None
    if _is_cases(source.data):
        if in_folder:
            return [], Skipped(path, "example cases")
        return [
            Problem(
                "a file of example cases, not a definition",
                file=str(path),
                line=1,
                hint=f"run it with `kinecheck check {path}`",
            )
        ], None
    model = kind_of(source.data)
    if model is None:
        if in_folder and _is_answers(source.data):
            return [], Skipped(path, "an answers file")
        return [
            Problem(
                "not a questionnaire, rules or exercise library (expected a top-level "
                "'sections', 'questionnaire' or 'exercises' field)",
                file=str(path),
                line=1,
            )
        ], None
    parsed, problems = check_model(model, source)
    if problems or parsed is None:
        return problems, None
    if isinstance(parsed, Questionnaire):
        return _check(path, None), None
    if isinstance(parsed, RuleSet):
        q_path = _questionnaire_for(path, parsed.questionnaire)
        if q_path is None:
            return [
                source.problem(
                    ("questionnaire",),
                    f"cannot find questionnaire '{parsed.questionnaire}' for these rules",
                    "keep it at ../questionnaires/<id>.yaml beside the rules folder",
                )
            ], None
        problems = _check(q_path, path)
        return problems + _not_cross_checked(q_path, source) if problems else [], None
    return [], None


def _check(q_path: Path, rules_path: Path | None) -> list[Problem]:
    """Load (never from the cache: validate reads the files), then lint what loaded."""
    from kinecheck.definitions.lint import files_of, lint

    try:
        defs = load_definitions(q_path, rules_path, cache=False)
    except DefinitionError as exc:
        return exc.problems
    except InputError as exc:
        return [Problem(str(exc))]
    chosen = rules_path or default_rules_path(q_path, defs.questionnaire.id)
    return lint(defs, files_of(defs, q_path, chosen))


def _not_cross_checked(q_path: Path, rules: yamlsource.Source) -> list[Problem]:
    """Rules whose questionnaire does not load were not checked against it: say so."""
    try:
        parsed, problems = check_model(Questionnaire, yamlsource.load(q_path))
    except (DefinitionError, InputError):
        parsed, problems = None, []
    if parsed is not None and not problems:
        return []  # it loads: the rules were checked against it
    return [
        rules.problem(
            ("questionnaire",),
            f"not checked against questionnaire {q_path}, which does not load (its problems "
            "are listed with it): the conditions and ids of these rules were not checked",
            "fix the questionnaire, then validate again",
        )
    ]


def _is_cases(data: Any) -> bool:
    """A file of example cases (`kinecheck check`): a questionnaire and a list of cases."""
    return (
        isinstance(data, dict)
        and isinstance(data.get("cases"), list)
        and set(data)
        <= {
            "questionnaire",
            "cases",
        }
    )


def _is_answers(data: Any) -> bool:
    """A mapping of question ids to answers (values, or lists of them): an answers file."""
    if not isinstance(data, dict) or not data or _NOT_ANSWERS & set(data):
        return False
    return all(
        isinstance(key, str)
        and _ANSWER_ID.match(key) is not None
        and (
            isinstance(value, _SCALARS)
            or (isinstance(value, list) and all(isinstance(v, _SCALARS) for v in value))
        )
        for key, value in data.items()
    )


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


__all__ = ["default_rules_path", "validate", "validate_files"]
