"""Reading answers files: the one reader behind `assess --answers`, `take --answers` and batches.

An answers file is YAML or JSON (JSON is YAML too) mapping question ids to answers; `-` is
standard input. A `.jsonl` file is a batch: one JSON answer mapping per line. Problems with the
file itself (missing, unreadable, not a mapping) are InputErrors naming it; problems with the
answers are for `kinecheck.scoring.answers` to find, with the line numbers kept here.

Every answers source follows one rule: the file is read whole only up to
`yamlsource.MAX_FILE_BYTES`, and a key given twice is an error listed together with every
invalid answer (`check_file`), never instead of them.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from kinecheck.definitions import yamlsource
from kinecheck.errors import AnswerProblem, AnswersError, DefinitionError, InputError

STDIN = "-"
STDIN_NAME = "standard input"
JSON_LINES_SUFFIX = ".jsonl"
ONCE = "answer each question once"  # how a duplicate key is fixed, in every answers source

T = TypeVar("T")


def is_json_lines(name: str) -> bool:
    """True for a batch file (one answer set per line)."""
    return name.lower().endswith(JSON_LINES_SUFFIX)


def shown_name(name: str) -> str:
    """How an answers source is named in messages."""
    return STDIN_NAME if name == STDIN else name


def read_stdin() -> bytes:
    """Standard input, refused once it passes MAX_FILE_BYTES (it may be a device or endless)."""
    raw = sys.stdin.buffer.read(yamlsource.MAX_FILE_BYTES + 1)
    if len(raw) > yamlsource.MAX_FILE_BYTES:
        limit = yamlsource.LIMIT_TEXT
        raise InputError(
            f"{STDIN_NAME} holds more than {limit}; kinecheck reads answers of at most {limit}, "
            "far more than any real answers need"
        )
    return raw


def read_answers(name: str, *, keep_duplicates: bool = False) -> yamlsource.Source:
    """Parse an answers file (or `-`, standard input) into data plus the line of each answer.

    A key given twice is an InputError, unless `keep_duplicates`: then it is kept in
    `Source.duplicates` for `check_file` to list with the invalid answers.
    """
    if name == STDIN:
        raw, path = read_stdin(), Path("<stdin>")
        if not raw.strip():
            raise InputError("no answers on standard input")
    else:
        path = Path(name)
        raw = yamlsource.read_text(path)
    try:
        source = yamlsource.parse(raw, path, keep_duplicates=keep_duplicates)
    except DefinitionError as exc:
        problems = exc.problems
        if len(problems) == 1:
            raise InputError(str(problems[0])) from None
        listed = "".join(f"\n  {p}" for p in problems)
        raise InputError(f"{len(problems)} problems in {shown_name(name)}:{listed}") from None
    if not isinstance(source.data, dict):
        raise InputError(
            f"{shown_name(name)}: expected a mapping from question id to answer, "
            "one 'question_id: answer' per line (for example 'age: 41')"
        )
    return source


def duplicate_message(key: str | None, first: str) -> str:
    """A key given twice: a question id is named, a key inside an answer (health data) is not."""
    if key is None:
        return f"a key inside this answer is given twice (first given {first}); give each once"
    return f"duplicate key '{key}' (first given {first}); {ONCE}"


def duplicate_problems(source: yamlsource.Source) -> list[AnswerProblem]:
    """The keys given twice in an answers file, as problems with the answers."""
    return [
        AnswerProblem(
            str(d.loc[0]),
            duplicate_message(d.key if len(d.loc) == 1 else None, f"on line {d.first_line}"),
            line=d.line,
        )
        for d in source.duplicates
    ]


def check_file(source: yamlsource.Source, name: str, check: Callable[[object], T]) -> T:
    """`check(source.data)` (an AnswerValidator's validate), with every problem listed at once.

    Keys given twice and the invalid answers `check` finds go into one AnswersError naming
    the file, each problem at its line, so that fixing one never reveals another.
    """
    problems = duplicate_problems(source)
    try:
        checked = check(source.data)
    except AnswersError as exc:
        problems += [
            dataclasses.replace(p, line=source.lines.get((p.question,))) for p in exc.problems
        ]
        raise AnswersError(problems, source=shown_name(name)) from None
    if problems:
        raise AnswersError(problems, source=shown_name(name))
    return checked
