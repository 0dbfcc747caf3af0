"""Reading answers files: the one reader behind `assess --answers`, `take --answers` and batches.

An answers file is YAML or JSON (JSON is YAML too) mapping question ids to answers; `-` is
standard input. A `.jsonl` file is a batch: one JSON answer mapping per line. Problems with the
file itself (missing, unreadable, not a mapping) are InputErrors naming it; problems with the
answers are for `kinecheck.scoring.answers` to find, with the line numbers kept here.
"""

from __future__ import annotations

import sys
from pathlib import Path

from kinecheck.definitions import yamlsource
from kinecheck.errors import DefinitionError, InputError

STDIN = "-"
STDIN_NAME = "standard input"
JSON_LINES_SUFFIX = ".jsonl"


def is_json_lines(name: str) -> bool:
    """True for a batch file (one answer set per line)."""
    return name.lower().endswith(JSON_LINES_SUFFIX)


def shown_name(name: str) -> str:
    """How an answers source is named in messages."""
    return STDIN_NAME if name == STDIN else name


def read_answers(name: str) -> yamlsource.Source:
    """Parse an answers file (or `-`, standard input) into data plus the line of each answer."""
    if name == STDIN:
        raw, path = sys.stdin.buffer.read(), Path("<stdin>")
        if not raw.strip():
            raise InputError("no answers on standard input")
    else:
        path = Path(name)
        raw = yamlsource.read_text(path)
    try:
        source = yamlsource.parse(raw, path)
    except DefinitionError as exc:
        raise InputError("; ".join(str(p) for p in exc.problems)) from None
    if not isinstance(source.data, dict):
        raise InputError(
            f"{shown_name(name)}: expected a mapping from question id to answer, "
            "one 'question_id: answer' per line (for example 'age: 41')"
        )
    return source
