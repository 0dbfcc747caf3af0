"""What no definition file may be, hold or name, checked before anything trusts it.

- A file that is not the kind of definition expected (`/etc/passwd` named as an exercise
  library) is one problem that quotes nothing of what the file holds.
- Numbers must be finite and lie within +-10^15 (`MAX_NUMBER`): a bound of `.nan` made every
  answer "out of range", and larger bounds would let answers overflow conditions' arithmetic.
- A rules file names its exercise library only inside its own folder, symbolic links
  followed, and is refused before the library is read.
- A symbolic link that loops is a problem with that file, never a crash.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TypeVar

from kinecheck.definitions import yamlsource
from kinecheck.definitions.condition_types import MAX_NUMBER, MAX_NUMBER_TEXT
from kinecheck.definitions.exercises import ExerciseLibrary
from kinecheck.definitions.questionnaire import Questionnaire
from kinecheck.definitions.rules import RuleSet
from kinecheck.errors import Problem, closest

M = TypeVar("M")


def check_model(model: type[M], source: yamlsource.Source) -> tuple[M | None, list[Problem]]:
    """Validate a parsed file as `model`, after refusing what no definition may hold.

    A file that is not this kind of definition at all (`/etc/passwd` named as a library) is
    one problem that shows nothing of what the file holds. Numbers that are not finite or too
    large are reported at their own line and field, in place of anything pydantic says there:
    those written as numbers are found in the file's data, those pydantic made from text
    ("1e400" in YAML is text) in the validated model.
    """
    wrong = _not_this_kind(model, source)
    if wrong is not None:
        return None, [wrong]
    from kinecheck.definitions.model_errors import (
        validate_model,  # pydantic: only when files are read
    )

    numbers = number_problems(source.data, source)
    parsed, found = validate_model(model, source)
    taken = {(p.line, p.field) for p in numbers}
    problems = [p for p in found if (p.line, p.field) not in taken]
    if parsed is not None:
        problems += [p for p in number_problems(parsed, source) if (p.line, p.field) not in taken]
    return parsed, numbers + problems


# The top-level fields that make a file a definition of each kind, and what it is called.
_KINDS: dict[type[Any], tuple[tuple[str, ...], str]] = {
    Questionnaire: (("sections",), "a questionnaire"),
    # every part of a rules file is optional but the questionnaire it is for (and a disclaimer)
    RuleSet: (("questionnaire", "scores", "findings", "referral"), "a rules file"),
    ExerciseLibrary: (("exercises",), "an exercise library"),
}


def _not_this_kind(model: type[Any], source: yamlsource.Source) -> Problem | None:
    """A problem when the file is not a `model` at all; it never quotes the file.

    Text at the top (what YAML makes of `/etc/passwd`) was shown, 40 characters of it.
    """
    markers, what = _KINDS[model]
    quoted = [f"'{m}'" for m in markers]
    wanted = quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"
    data = source.data
    if isinstance(data, dict):
        if any(m in data for m in markers):
            return None
        keys = itertools.islice(data, 100)  # a misspelt marker is near the top, not key 20,000
        near = [m for key in keys for m in markers if closest(str(key), [m])]
        return Problem(
            f"not {what}: expected a top-level {wanted} field",
            file=source.name,
            line=1,
            hint=f"did you mean '{near[0]}'?" if near else None,
        )
    if not isinstance(data, str):
        return None  # a list, a number: pydantic's check says so, quoting nothing of it
    return Problem(
        "expected a mapping of fields (such as 'id: ...') at the top, found text",
        file=source.name,
        line=1,
        hint="allowed fields: " + ", ".join(f.name for f in dataclasses.fields(model)),
    )


def number_problems(data: Any, source: yamlsource.Source) -> list[Problem]:
    """Numbers in `data` (a file's data, or a model made from it) no definition may hold.

    That is, numbers that are not finite or lie beyond +-MAX_NUMBER, located in `source`, in
    file order. Walked with a stack (no recursion); only containers get a location of their
    own.
    """
    problems: list[Problem] = []
    stack: list[tuple[tuple[str | int, ...], Any]] = [((), data)]
    while stack:
        loc, node = stack.pop()
        if isinstance(node, dict):
            items: Iterable[tuple[Any, Any]] = node.items()
        elif isinstance(node, list | tuple):
            items = enumerate(node)
        elif hasattr(node, "__dataclass_fields__"):  # a model: its fields are the file's keys
            items = vars(node).items()
        else:
            continue
        for key, value in items:
            if isinstance(value, int | float):
                if not isinstance(value, bool) and not -MAX_NUMBER <= value <= MAX_NUMBER:
                    problems.append(source.problem((*loc, key), *_number_words(value)))
            elif not isinstance(value, str) and value is not None:
                stack.append(((*loc, key), value))
    return sorted(problems, key=lambda p: p.line or 0)


def _number_words(value: float) -> tuple[str, str | None]:
    """The message and hint for a number no definition may hold; never str() of a huge int."""
    within = f"-{MAX_NUMBER_TEXT} and {MAX_NUMBER_TEXT}"
    if value != value:  # nan
        return (
            "nan (not a number) is not allowed: numbers in a definition must be finite",
            f"write a number between {within}",
        )
    if isinstance(value, float) and math.isinf(value):
        word = "infinity" if value > 0 else "minus infinity"
        return (
            f"{word} is not allowed: numbers in a definition must be finite",
            f"write a number between {within}",
        )
    if isinstance(value, float):
        shown = f"{value:g}".replace("e+", "e")  # 1e16, as it is usually written
    else:
        digits = int(math.log10(abs(value))) + 1
        shown = str(value) if digits <= 30 else f"a number of {digits} digits"
    return f"{shown} is too large: numbers in a definition must lie between {within}", None


def kind_of(data: Any) -> type[Any] | None:
    """Guess what kind of definition a parsed file holds, from its top-level fields."""
    if not isinstance(data, dict):
        return None
    for model, (markers, _) in _KINDS.items():  # a questionnaire first, then rules, a library
        if any(m in data for m in markers):
            return model
    return None


def safe_resolve(path: Path) -> Path:
    """The absolute path with symbolic links followed; a link that loops is left as it is.

    `Path.resolve` raises RuntimeError on a loop (Python 3.11); a loop is reported where the
    file is read, as a problem with that file, not as a crash of every command.
    """
    try:
        return path.resolve()
    except (RuntimeError, OSError):
        return Path(os.path.abspath(path))


def library_outside(rules_path: Path, rules: RuleSet, source: yamlsource.Source) -> Problem | None:
    """A problem when the rules' exercise library lies outside the rules file's folder.

    Checked before the library is read: a definition can never make kinecheck read, or show
    a line of, a file that is not one of its own (`exercise_library: /etc/passwd`, a `..`
    that climbs out, a link inside the folder that points elsewhere).
    """
    folder = safe_resolve(rules_path.parent)
    if safe_resolve(rules_path.parent / rules.library_path).is_relative_to(folder):
        return None
    return source.problem(
        ("exercise_library",),
        "the exercise library must be a file in the rules file's folder "
        f"({folder}) or one below it, not {rules.library_path}",
        "write a path relative to the rules file, such as exercises.yaml",
    )
