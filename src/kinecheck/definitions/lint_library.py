"""The linter's check of an exercise library: exercises no finding names.

A library may serve several rules files (those beside each other in one `rules/` folder), so
an exercise is unused only when no finding of any of them names it. When one of those files
cannot be read, it might name any exercise, and nothing is said.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from kinecheck.definitions import yamlsource
from kinecheck.definitions.catalog import DEFINITION_SUFFIXES
from kinecheck.definitions.compiled import Definitions
from kinecheck.definitions.guards import safe_resolve
from kinecheck.definitions.rules import DEFAULT_LIBRARY
from kinecheck.errors import KinecheckError, Problem


def unused_exercises(
    defs: Definitions, rules_path: Path, library: yamlsource.Source
) -> list[Problem]:
    """A warning for each exercise of the library that no finding of its rules names."""
    if defs.library is None or not defs.rules.names_exercises():
        return []  # a library read only because it is there is not these rules' library
    used = {e for f in defs.rules.findings for e in f.exercises}
    others = _named_beside(rules_path, library.path)
    if others is None:
        return []
    used |= others
    return [
        replace(
            library.problem(
                ("exercises", ei, "id"),
                f"exercise '{exercise.id}' is never used: no finding of the rules that use this "
                "library names it",
                "list it in a finding's exercises, or remove it from the library",
            ),
            severity="warning",
        )
        for ei, exercise in enumerate(defs.library.exercises)
        if exercise.id not in used
    ]


def _named_beside(rules_path: Path, library_path: Path) -> set[str] | None:
    """Exercise ids the findings of the other rules files beside these name from this library.

    None when one of them cannot be read: then it may name any exercise.
    """
    named: set[str] = set()
    library, itself = safe_resolve(library_path), safe_resolve(rules_path)
    folder = rules_path.parent
    try:
        beside = sorted(p for p in folder.iterdir() if p.suffix in DEFINITION_SUFFIXES)
    except OSError:
        return None
    for path in beside:
        if safe_resolve(path) in (itself, library):
            continue
        try:
            data = yamlsource.load(path).data
        except KinecheckError:
            return None
        if not isinstance(data, dict) or "questionnaire" not in data:
            continue  # not a rules file
        chosen = data.get("exercise_library") or DEFAULT_LIBRARY
        if not isinstance(chosen, str) or safe_resolve(folder / chosen) != library:
            continue
        for finding in data.get("findings") or []:
            exercises = finding.get("exercises") if isinstance(finding, dict) else None
            named.update(e for e in exercises or [] if isinstance(e, str))
    return named
